//! `permissions` and `directories` entries: owners and modes on the paths a
//! service writes to. As in Kolla, a path that cannot be changed (a read-only
//! mount, say) is reported and skipped rather than stopping the container.
//!
//! Two deliberate differences from Kolla 2026.1: recursion does not follow
//! symbolic links (Kolla chowns their targets, which may lie outside the
//! tree), and a path is excluded when any `exclude` pattern matches it (Kolla
//! skips it only when all do, as it loops over the patterns).

use crate::attrs;
use crate::config::Permission;
use crate::error::{io, Error};
use crate::glob;
use regex_lite::Regex;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A permissions entry with its owner, mode and patterns resolved.
#[derive(Debug)]
pub struct Grant<'a> {
    entry: &'a Permission,
    uid: u32,
    gid: u32,
    mode: Option<u32>,
    exclude: Vec<Regex>,
}

impl<'a> Grant<'a> {
    /// Resolves an entry without touching its paths.
    pub fn prepare(entry: &'a Permission) -> Result<Self, Error> {
        let (uid, gid) = attrs::owner(&entry.owner)?;
        let mode = entry.perm.as_deref().map(attrs::mode).transpose()?;
        let exclude = entry
            .exclude
            .iter()
            .map(|p| {
                Regex::new(p).map_err(|e| Error::Exclude {
                    pattern: p.clone(),
                    reason: e.to_string(),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Grant {
            entry,
            uid,
            gid,
            mode,
            exclude,
        })
    }

    /// Creates the entry's directory (a `directories` entry), then applies it.
    pub fn create(&self) -> Result<(), Error> {
        let path = Path::new(&self.entry.path);
        fs::create_dir_all(path).map_err(io("cannot create directory", path))?;
        self.apply();
        Ok(())
    }

    /// Sets owner and mode on every path the entry names.
    pub fn apply(&self) {
        let found = glob::expand(&self.entry.path);
        if found.is_empty() {
            eprintln!(
                "kolla_set_configs: WARNING: {} does not exist, permissions not set",
                self.entry.path
            );
        }
        for path in found {
            self.set(&path);
            if self.entry.recurse && path.is_dir() {
                self.walk(&path);
            }
        }
    }

    fn walk(&self, dir: &Path) {
        let Ok(entries) = fs::read_dir(dir) else {
            eprintln!("kolla_set_configs: WARNING: cannot list {}", dir.display());
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_symlink() {
                continue;
            }
            let text = path.to_string_lossy();
            if !self.exclude.iter().any(|re| re.is_match(&text)) {
                self.set(&path);
            }
            // Kolla walks into excluded directories too; patterns decide per path.
            if kind.is_dir() {
                self.walk(&path);
            }
        }
    }

    fn set(&self, path: &Path) {
        let Ok(md) = fs::metadata(path) else {
            eprintln!(
                "kolla_set_configs: WARNING: {} does not exist",
                path.display()
            );
            return;
        };
        if let Err(e) = std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid)) {
            eprintln!(
                "kolla_set_configs: WARNING: cannot change owner of {} to {}:{}: {e}",
                path.display(),
                self.uid,
                self.gid
            );
        }
        if let Some(mode) = self.mode {
            let mode = if md.is_dir() {
                attrs::dir_mode(mode)
            } else {
                mode
            };
            if let Err(e) = fs::set_permissions(path, fs::Permissions::from_mode(mode)) {
                eprintln!(
                    "kolla_set_configs: WARNING: cannot set mode {mode:o} on {}: {e}",
                    path.display()
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn entry(path: &Path, perm: &str, exclude: &[&str]) -> Permission {
        Permission {
            path: path.display().to_string(),
            owner: "root".into(),
            perm: Some(perm.into()),
            recurse: true,
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn mode(p: &Path) -> u32 {
        fs::symlink_metadata(p).unwrap().mode() & 0o7777
    }

    #[test]
    fn recurse_with_exclusions_and_links() {
        let d = std::env::temp_dir().join(format!("ksc-perm-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(d.join("logs/keep")).unwrap();
        fs::create_dir_all(d.join("outside")).unwrap();
        fs::write(d.join("logs/a.log"), "").unwrap();
        fs::write(d.join("logs/s.sock"), "").unwrap();
        fs::write(d.join("logs/keep/b.log"), "").unwrap();
        fs::write(d.join("outside/t"), "").unwrap();
        fs::set_permissions(d.join("outside/t"), fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::symlink(d.join("outside/t"), d.join("logs/link")).unwrap();
        let e = entry(&d.join("logs"), "0640", &[r"\.sock$", "/keep$"]);
        Grant::prepare(&e).unwrap().apply();
        assert_eq!(mode(&d.join("logs")), 0o750);
        assert_eq!(mode(&d.join("logs/a.log")), 0o640);
        assert_ne!(mode(&d.join("logs/s.sock")), 0o640, "excluded");
        assert_ne!(mode(&d.join("logs/keep")), 0o750, "excluded directory");
        assert_eq!(
            mode(&d.join("logs/keep/b.log")),
            0o640,
            "its children are not"
        );
        assert_eq!(mode(&d.join("outside/t")), 0o644, "links are not followed");
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn directories_are_created() {
        let d = std::env::temp_dir().join(format!("ksc-dirs-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        let e = Permission {
            recurse: false,
            ..entry(&d.join("a/b"), "0700", &[])
        };
        Grant::prepare(&e).unwrap().create().unwrap();
        assert_eq!(mode(&d.join("a/b")), 0o700);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn unknown_owner_is_an_error_before_anything_changes() {
        let e = Permission {
            owner: "no-such-user-ksc".into(),
            ..entry(Path::new("/nonexistent-ksc"), "0700", &[])
        };
        assert!(matches!(Grant::prepare(&e), Err(Error::Owner { .. })));
    }
}
