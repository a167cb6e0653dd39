//! The target host's filesystem, as every module needs it: replacing a file
//! so that readers and crashes only ever see the old or the new content
//! (write a temporary file beside it, fsync, set attributes, rename over,
//! fsync the directory), file modes as Ansible spells them, owners and
//! groups resolved without NSS, content checksums as Ansible reports them, and
//! ([`copy`]) a module's generated file put in place with `copy`'s options and results.

mod accounts;
pub mod copy;
pub mod digest;
mod mode;

pub use accounts::{group_name, primary_group, resolve_group, resolve_user, user_name};
pub use mode::{mode_from_json, parse_mode_text, show_mode};

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// What can go wrong while replacing a file.
#[derive(Debug, thiserror::Error)]
pub enum AtomicError {
    /// The destination's directory does not exist.
    #[error("destination directory {0} does not exist")]
    NoDirectory(PathBuf),
    /// An I/O step failed; the destination is untouched.
    #[error("{what} {path}: {source}")]
    Io {
        /// The step that failed.
        what: &'static str,
        /// The file it failed on.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// A user or group name could not be resolved.
    #[error("{0}")]
    Account(String),
}

fn io<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> AtomicError + 'a {
    move |source| AtomicError::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}

/// Attributes to give the file; `None` keeps the existing file's (or the default for a new one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attrs {
    /// Permission bits, e.g. 0o644.
    pub mode: Option<u32>,
    /// Owner uid.
    pub uid: Option<u32>,
    /// Group gid.
    pub gid: Option<u32>,
}

/// The file's bytes, or `None` when it does not exist.
pub fn read_if_exists(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The attributes a file has now, or `None` when it does not exist.
pub fn current_attrs(path: &Path) -> Option<Attrs> {
    let md = fs::metadata(path).ok()?;
    Some(Attrs {
        mode: Some(md.mode() & 0o7777),
        uid: Some(md.uid()),
        gid: Some(md.gid()),
    })
}

/// Whether `path` exists with `attrs` (the unset ones match anything).
pub fn attrs_match(path: &Path, attrs: &Attrs) -> bool {
    match current_attrs(path) {
        None => false,
        Some(cur) => {
            attrs.mode.is_none_or(|m| cur.mode == Some(m))
                && attrs.uid.is_none_or(|u| cur.uid == Some(u))
                && attrs.gid.is_none_or(|g| cur.gid == Some(g))
        }
    }
}

const TMP_TAG: &str = ".kolla-rust-";

fn tmp_prefix(dest: &Path) -> String {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}{TMP_TAG}")
}

/// Removes temporary files that a killed earlier run left beside `dest`
/// (their writer's process no longer exists).
fn sweep_stale(dir: &Path, dest: &Path) {
    let prefix = tmp_prefix(dest);
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or("");
        if !pid.is_empty()
            && pid.bytes().all(|b| b.is_ascii_digit())
            && !Path::new("/proc").join(pid).exists()
        {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Atomically replaces `dest` with `data` and gives it `attrs`.
/// A new file without an explicit mode gets 0644 less nothing (as `copy` does with its default umask).
pub fn write(dest: &Path, data: &[u8], attrs: &Attrs) -> Result<(), AtomicError> {
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(AtomicError::NoDirectory(dir));
    }
    sweep_stale(&dir, dest);
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmp = dir.join(format!(
        "{}{}-{}-{}.tmp",
        tmp_prefix(dest),
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let existing = current_attrs(dest);
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io("cannot create temporary file", &tmp))?;
        f.write_all(data).map_err(io("cannot write", &tmp))?;
        let mode = attrs
            .mode
            .or(existing.and_then(|a| a.mode))
            .unwrap_or(0o644);
        let uid = attrs.uid.or(existing.and_then(|a| a.uid));
        let gid = attrs.gid.or(existing.and_then(|a| a.gid));
        if uid.is_some() || gid.is_some() {
            std::os::unix::fs::fchown(&f, uid, gid).map_err(io("cannot change owner of", &tmp))?;
        }
        // After chown, because chown clears set-id bits.
        f.set_permissions(fs::Permissions::from_mode(mode))
            .map_err(io("cannot set mode of", &tmp))?;
        f.sync_all().map_err(io("cannot flush", &tmp))?;
        fs::rename(&tmp, dest).map_err(io("cannot replace", dest))?;
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Changes only the attributes of an existing file (no content rewrite).
pub fn set_attrs(path: &Path, attrs: &Attrs) -> Result<(), AtomicError> {
    if attrs.uid.is_some() || attrs.gid.is_some() {
        std::os::unix::fs::chown(path, attrs.uid, attrs.gid)
            .map_err(io("cannot change owner of", path))?;
    }
    if let Some(mode) = attrs.mode {
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
            .map_err(io("cannot set mode of", path))?;
    }
    Ok(())
}

/// Copies `path` to `path.PID.YYYY-MM-DD@HH:MM:SS~` (Ansible's backup naming, UTC)
/// and returns the backup's name.
pub fn backup(path: &Path) -> Result<PathBuf, AtomicError> {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (y, mo, d, h, mi, s) = civil_from_unix(secs);
    let name = format!(
        "{}.{}.{y:04}-{mo:02}-{d:02}@{h:02}:{mi:02}:{s:02}~",
        path.display(),
        std::process::id()
    );
    let dest = PathBuf::from(name);
    let data = fs::read(path).map_err(io("cannot read", path))?;
    write(&dest, &data, &current_attrs(path).unwrap_or_default())?;
    Ok(dest)
}

/// Seconds since the epoch to UTC date and time (Howard Hinnant's days-from-civil inverse).
fn civil_from_unix(secs: u64) -> (i64, u32, u32, u32, u32, u32) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        ((rem % 3600) / 60) as u32,
        (rem % 60) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("hostfs-test-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn replaces_content_without_stale_bytes() {
        let d = tmpdir("replace");
        let f = d.join("x.conf");
        write(&f, b"a long first version\n", &Attrs::default()).unwrap();
        write(
            &f,
            b"short\n",
            &Attrs {
                mode: Some(0o600),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"short\n");
        assert_eq!(current_attrs(&f).unwrap().mode, Some(0o600));
        assert_eq!(
            fs::read_dir(&d).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[test]
    fn keeps_existing_mode_when_none_given() {
        let d = tmpdir("keep");
        let f = d.join("y");
        write(
            &f,
            b"1",
            &Attrs {
                mode: Some(0o640),
                ..Default::default()
            },
        )
        .unwrap();
        write(&f, b"2", &Attrs::default()).unwrap();
        assert_eq!(current_attrs(&f).unwrap().mode, Some(0o640));
    }

    #[test]
    fn sweeps_temporaries_of_dead_writers() {
        let d = tmpdir("sweep");
        let f = d.join("z");
        let stale = d.join(format!(".z{TMP_TAG}999999999-1-0.tmp"));
        fs::write(&stale, b"half").unwrap();
        write(&f, b"ok", &Attrs::default()).unwrap();
        assert!(!stale.exists());
    }

    #[test]
    fn missing_directory_is_reported() {
        let err = write(
            Path::new("/nonexistent-dir-for-test/f"),
            b"",
            &Attrs::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("does not exist"));
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_unix(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(civil_from_unix(1_709_210_096), (2024, 2, 29, 12, 34, 56));
    }
}
