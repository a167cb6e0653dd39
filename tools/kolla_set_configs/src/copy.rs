//! Copying one source (file, link or tree) onto its destination with the
//! attributes its entry asks for; files are replaced atomically.

use crate::attrs::dir_mode;
use crate::error::{io, Error};
use crate::paths::remove;
use hostfs::Attrs;
use std::fs::{self, FileTimes, Metadata};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Where a copy's owner and mode come from.
#[derive(Debug, Clone, Copy)]
pub enum Props {
    /// The source's own mode, owner and times (`preserve_properties`).
    Preserve,
    /// The entry's owner, and its mode (directories made traversable) or else the source's.
    Set {
        /// Owner.
        uid: u32,
        /// Group.
        gid: u32,
        /// The entry's `perm`.
        mode: Option<u32>,
    },
}

/// How a tree is copied.
#[derive(Debug, Clone, Copy)]
pub struct How {
    /// Owner and mode.
    pub props: Props,
    /// Recreate symbolic links instead of copying what they point to.
    pub links: bool,
}

impl How {
    /// The attributes a copy of a source with metadata `md` gets.
    pub fn attrs(&self, md: &Metadata) -> Attrs {
        let own = md.mode() & 0o7777;
        match self.props {
            Props::Preserve => Attrs {
                mode: Some(own),
                uid: Some(md.uid()),
                gid: Some(md.gid()),
            },
            Props::Set { uid, gid, mode } => Attrs {
                mode: Some(match mode {
                    Some(m) if md.is_dir() => dir_mode(m),
                    Some(m) => m,
                    None => own,
                }),
                uid: Some(uid),
                gid: Some(gid),
            },
        }
    }

    fn preserve(&self) -> bool {
        matches!(self.props, Props::Preserve)
    }
}

/// Copies `source` onto `dest` (whose parent exists), merging into an existing directory.
pub fn copy(source: &Path, dest: &Path, how: &How) -> Result<(), Error> {
    let lmd = source
        .symlink_metadata()
        .map_err(io("cannot stat", source))?;
    if how.links && lmd.file_type().is_symlink() {
        let target = fs::read_link(source).map_err(io("cannot read link", source))?;
        remove(dest)?;
        return std::os::unix::fs::symlink(&target, dest).map_err(io("cannot create link", dest));
    }
    let md = fs::metadata(source).map_err(io("cannot stat", source))?;
    let want = how.attrs(&md);
    if md.is_dir() {
        if !dest.is_dir() {
            remove(dest)?;
            fs::create_dir(dest).map_err(io("cannot create directory", dest))?;
        }
        hostfs::set_attrs(dest, &want)?;
        let mut names: Vec<_> = fs::read_dir(source)
            .map_err(io("cannot list", source))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()
            .map_err(io("cannot list", source))?;
        names.sort();
        for name in names {
            copy(&source.join(&name), &dest.join(&name), how)?;
        }
    } else {
        if dest.symlink_metadata().is_ok_and(|m| m.is_dir()) {
            remove(dest)?;
        }
        let data = fs::read(source).map_err(io("cannot read", source))?;
        hostfs::write(dest, &data, &want)?;
    }
    // Last, so that creating a directory's children does not move its mtime.
    if how.preserve() {
        set_times(dest, &md)?;
    }
    Ok(())
}

fn set_times(dest: &Path, md: &Metadata) -> Result<(), Error> {
    let mut times = FileTimes::new();
    if let Ok(t) = md.accessed() {
        times = times.set_accessed(t);
    }
    if let Ok(t) = md.modified() {
        times = times.set_modified(t);
    }
    fs::File::open(dest)
        .and_then(|f| f.set_times(times))
        .map_err(io("cannot set times of", dest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn tmp(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("ksc-copy-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn mode(p: &Path) -> u32 {
        fs::symlink_metadata(p).unwrap().mode() & 0o7777
    }

    #[test]
    fn trees_get_the_entry_mode_with_traversable_directories() {
        let d = tmp("set");
        fs::create_dir_all(d.join("src/sub")).unwrap();
        fs::write(d.join("src/sub/f"), "f").unwrap();
        fs::write(d.join("dst-extra"), "").unwrap();
        let how = How {
            props: Props::Set {
                uid: 0,
                gid: 0,
                mode: Some(0o640),
            },
            links: false,
        };
        copy(&d.join("src"), &d.join("dst"), &how).unwrap();
        assert_eq!(mode(&d.join("dst")), 0o750);
        assert_eq!(mode(&d.join("dst/sub")), 0o750);
        assert_eq!(mode(&d.join("dst/sub/f")), 0o640);
        assert_eq!(fs::read(d.join("dst/sub/f")).unwrap(), b"f");
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn preserve_keeps_mode_and_mtime_and_links() {
        let d = tmp("keep");
        fs::create_dir_all(d.join("src")).unwrap();
        fs::write(d.join("src/f"), "f").unwrap();
        fs::set_permissions(d.join("src/f"), fs::Permissions::from_mode(0o604)).unwrap();
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        fs::File::options()
            .write(true)
            .open(d.join("src/f"))
            .unwrap()
            .set_modified(old)
            .unwrap();
        std::os::unix::fs::symlink("f", d.join("src/l")).unwrap();
        let how = How {
            props: Props::Preserve,
            links: true,
        };
        copy(&d.join("src"), &d.join("dst"), &how).unwrap();
        assert_eq!(mode(&d.join("dst/f")), 0o604);
        assert_eq!(
            fs::metadata(d.join("dst/f")).unwrap().modified().unwrap(),
            old
        );
        assert_eq!(fs::read_link(d.join("dst/l")).unwrap(), Path::new("f"));
        // Without `links` the link's target is copied as a file.
        let follow = How {
            links: false,
            ..how
        };
        copy(&d.join("src/l"), &d.join("copied"), &follow).unwrap();
        assert!(fs::symlink_metadata(d.join("copied")).unwrap().is_file());
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_file_replaces_a_directory_and_back() {
        let d = tmp("kind");
        fs::write(d.join("file"), "new").unwrap();
        fs::create_dir_all(d.join("dst/old")).unwrap();
        let how = How {
            props: Props::Set {
                uid: 0,
                gid: 0,
                mode: None,
            },
            links: false,
        };
        copy(&d.join("file"), &d.join("dst"), &how).unwrap();
        assert_eq!(fs::read(d.join("dst")).unwrap(), b"new");
        fs::create_dir_all(d.join("tree")).unwrap();
        copy(&d.join("tree"), &d.join("dst"), &how).unwrap();
        assert!(d.join("dst").is_dir());
        fs::remove_dir_all(&d).unwrap();
    }
}
