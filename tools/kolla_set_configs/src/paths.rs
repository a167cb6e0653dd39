//! Where a config_files entry lands, and removing what was there.

use crate::error::{io, Error};
use std::fs;
use std::path::{Path, PathBuf};

/// Where one matched source lands: inside `dest` when it ends with `/`.
pub fn destination(dest: &str, source: &Path) -> PathBuf {
    if dest.ends_with('/') {
        Path::new(dest).join(source.file_name().unwrap_or_default())
    } else {
        PathBuf::from(dest)
    }
}

/// An entry's destination as the defaults state names it: from the source as
/// written, so a glob source into a directory names no single file.
pub fn declared(dest: &str, source: &str) -> String {
    if dest.ends_with('/') {
        format!("{dest}{}", source.rsplit('/').next().unwrap_or(source))
    } else {
        dest.to_string()
    }
}

/// Removes a file, link or directory tree if present.
pub fn remove(path: &Path) -> Result<(), Error> {
    match path.symlink_metadata() {
        Err(_) => Ok(()),
        Ok(md) if md.is_dir() => fs::remove_dir_all(path).map_err(io("cannot remove", path)),
        Ok(_) => fs::remove_file(path).map_err(io("cannot remove", path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations() {
        assert_eq!(
            destination("/etc/x/", Path::new("/s/a.conf")),
            PathBuf::from("/etc/x/a.conf")
        );
        assert_eq!(
            destination("/etc/x.conf", Path::new("/s/a.conf")),
            PathBuf::from("/etc/x.conf")
        );
        assert_eq!(declared("/etc/x/", "/s/a.conf"), "/etc/x/a.conf");
        assert_eq!(declared("/etc/x/", "/s/*.pem"), "/etc/x/*.pem");
        assert_eq!(declared("/etc/x.conf", "/s/a.conf"), "/etc/x.conf");
    }

    #[test]
    fn removes_any_kind() {
        let dir = std::env::temp_dir().join(format!("ksc-remove-{}", std::process::id()));
        fs::create_dir_all(dir.join("tree/sub")).unwrap();
        fs::write(dir.join("file"), "x").unwrap();
        std::os::unix::fs::symlink(dir.join("tree"), dir.join("link")).unwrap();
        remove(&dir.join("link")).unwrap();
        assert!(dir.join("tree/sub").is_dir(), "a link goes, not its target");
        remove(&dir.join("tree")).unwrap();
        remove(&dir.join("file")).unwrap();
        remove(&dir.join("never-there")).unwrap();
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
        fs::remove_dir_all(&dir).unwrap();
    }
}
