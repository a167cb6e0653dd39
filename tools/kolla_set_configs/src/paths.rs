//! Source globs, destination naming and owner strings, shared by copying and checking.

use crate::config::parse_mode;
use crate::error::{io, Error};
use hostfs::Attrs;
use std::path::{Path, PathBuf};

/// Expands a path whose last component may hold `*`, `?` or `[...]` wildcards, sorted.
/// Kolla's config.json only ever globs file names, never directories.
pub fn expand(pattern: &str) -> Result<Vec<PathBuf>, Error> {
    let path = Path::new(pattern);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let Some(name) = name.filter(|n| n.contains(['*', '?', '['])) else {
        return Ok(if path.symlink_metadata().is_ok() {
            vec![path.to_path_buf()]
        } else {
            vec![]
        });
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(io("cannot list", dir)(e)),
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            // As with shell globs, a wildcard does not match a leading dot.
            (!n.starts_with('.') || name.starts_with('.')) && matches(name.as_bytes(), n.as_bytes())
        })
        .map(|e| e.path())
        .collect();
    found.sort();
    Ok(found)
}

/// fnmatch-style matching of one path component.
fn matches(pat: &[u8], s: &[u8]) -> bool {
    match (pat.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => matches(&pat[1..], s) || (!s.is_empty() && matches(pat, &s[1..])),
        (Some(b'?'), Some(_)) => matches(&pat[1..], &s[1..]),
        (Some(b'['), Some(&c)) => match pat.iter().position(|&b| b == b']').filter(|&i| i > 1) {
            Some(end) => {
                let (negate, set) = match pat[1] {
                    b'!' | b'^' => (true, &pat[2..end]),
                    _ => (false, &pat[1..end]),
                };
                let mut hit = false;
                let mut i = 0;
                while i < set.len() {
                    if i + 2 < set.len() && set[i + 1] == b'-' {
                        hit |= set[i] <= c && c <= set[i + 2];
                        i += 3;
                    } else {
                        hit |= set[i] == c;
                        i += 1;
                    }
                }
                hit != negate && matches(&pat[end + 1..], &s[1..])
            }
            None => c == b'[' && matches(&pat[1..], &s[1..]),
        },
        (Some(&p), Some(&c)) => p == c && matches(&pat[1..], &s[1..]),
        _ => false,
    }
}

/// Where one matched source lands: inside `dest` when it ends with `/`.
pub fn destination(dest: &str, source: &Path) -> PathBuf {
    if dest.ends_with('/') {
        Path::new(dest).join(source.file_name().unwrap_or_default())
    } else {
        PathBuf::from(dest)
    }
}

/// Resolves `user[:group]` (a missing group is the user's primary group) and `perm`.
pub fn attrs(owner: Option<&str>, perm: Option<&str>) -> Result<Attrs, Error> {
    let mode = perm.map(parse_mode).transpose()?;
    let Some(owner) = owner else {
        return Ok(Attrs {
            mode,
            uid: None,
            gid: None,
        });
    };
    let fail = |source| Error::Owner {
        owner: owner.to_string(),
        source,
    };
    let (user, group) = match owner.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (owner, None),
    };
    let uid = hostfs::resolve_user(user).map_err(fail)?;
    let gid = match group {
        Some(g) => hostfs::resolve_group(g).map_err(fail)?,
        None => hostfs::primary_group(user).unwrap_or(uid),
    };
    Ok(Attrs {
        mode,
        uid: Some(uid),
        gid: Some(gid),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(matches(b"*.conf", b"nova.conf"));
        assert!(!matches(b"*.conf", b"nova.conf.bak"));
        assert!(matches(b"a?c", b"abc"));
        assert!(matches(b"ca[0-9].pem", b"ca1.pem"));
        assert!(!matches(b"ca[!0-9].pem", b"ca1.pem"));
        assert!(matches(b"*", b""));
    }

    #[test]
    fn glob_on_disk() {
        let dir = std::env::temp_dir().join(format!("ksc-glob-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for n in ["b.conf", "a.conf", ".hidden.conf", "c.txt"] {
            std::fs::write(dir.join(n), "x").unwrap();
        }
        let got = expand(&format!("{}/*.conf", dir.display())).unwrap();
        let names: Vec<_> = got
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(names, ["a.conf", "b.conf"]);
        assert_eq!(
            expand(&format!("{}/c.txt", dir.display())).unwrap().len(),
            1
        );
        assert!(expand(&format!("{}/missing", dir.display()))
            .unwrap()
            .is_empty());
        assert!(expand("/nonexistent-dir-ksc/*.conf").unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

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
    }

    #[test]
    fn owners() {
        let a = attrs(Some("root:root"), Some("0600")).unwrap();
        assert_eq!((a.uid, a.gid, a.mode), (Some(0), Some(0), Some(0o600)));
        assert_eq!(attrs(Some("root"), None).unwrap().gid, Some(0));
        assert!(attrs(Some("no-such-user-ksc"), None).is_err());
        assert!(attrs(None, Some("x")).is_err());
    }
}
