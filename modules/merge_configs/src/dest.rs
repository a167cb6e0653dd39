//! Writing the merged text to `dest` as `copy` would: only when content or
//! attributes differ, atomically, with an optional backup, honouring check and
//! diff mode, and returning copy's result fields.

use crate::accounts;
use crate::args::Args;
use crate::error::MergeError;
use crate::mode;
use ansible_module::{Map, Module, Response, Value};
use atomic_file::Attrs;
use sha1::{Digest, Sha1};
use std::fmt::Write as _;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// What `mode`, `owner` and `group` ask for.
pub fn wanted_attrs(args: &Args) -> Result<Attrs, MergeError> {
    Ok(Attrs {
        mode: args.mode.as_ref().map(mode::parse).transpose()?,
        uid: args
            .owner
            .as_deref()
            .map(atomic_file::resolve_user)
            .transpose()?,
        gid: args
            .group
            .as_deref()
            .map(atomic_file::resolve_group)
            .transpose()?,
    })
}

fn sha1_hex(data: &[u8]) -> String {
    Sha1::digest(data)
        .iter()
        .fold(String::with_capacity(40), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A file's attributes as the file module's diff shows them: `path` and the changed ones.
fn attrs_json(path: &str, a: &Attrs) -> Value {
    let mut m = Map::new();
    m.insert("path".into(), path.into());
    if let Some(bits) = a.mode {
        m.insert("mode".into(), mode::show(bits).into());
    }
    if let Some(uid) = a.uid {
        m.insert("owner".into(), uid.into());
    }
    if let Some(gid) = a.gid {
        m.insert("group".into(), gid.into());
    }
    Value::Object(m)
}

/// Makes `dest` hold `content` with the wanted attributes.
pub fn apply(args: &Args, content: &str, module: &Module) -> Result<Response, MergeError> {
    let dest = Path::new(&args.dest);
    let wanted = wanted_attrs(args)?;
    if dest.is_dir() {
        return Err(MergeError::DestIsDirectory(dest.to_path_buf()));
    }
    // Checked here too so that check mode predicts the failure a real run would have.
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(atomic_file::AtomicError::NoDirectory(dir.to_path_buf()).into());
    }
    let existing =
        atomic_file::read_if_exists(dest).map_err(|source| MergeError::DestUnreadable {
            path: dest.to_path_buf(),
            source,
        })?;
    let before = atomic_file::current_attrs(dest);
    let content_changed = existing.as_deref() != Some(content.as_bytes());
    let attrs_changed = existing.is_some() && !atomic_file::attrs_match(dest, &wanted);
    let changed = content_changed || attrs_changed;

    let mut backup_file = None;
    if changed && !module.check_mode() {
        if content_changed {
            if args.backup && existing.is_some() {
                backup_file = Some(atomic_file::backup(dest)?);
            }
            atomic_file::write(dest, content.as_bytes(), &wanted)?;
        } else {
            atomic_file::set_attrs(dest, &wanted)?;
        }
    }

    // In check mode nothing was written: report what the file would have.
    let after = if module.check_mode() {
        // A new file would belong to this process: /proc/self is owned by its euid/egid.
        let creator = std::fs::metadata("/proc/self").ok();
        Attrs {
            mode: wanted.mode.or(before.and_then(|a| a.mode)).or(Some(0o644)),
            uid: wanted
                .uid
                .or(before.and_then(|a| a.uid))
                .or(creator.as_ref().map(|m| m.uid())),
            gid: wanted
                .gid
                .or(before.and_then(|a| a.gid))
                .or(creator.as_ref().map(|m| m.gid())),
        }
    } else {
        atomic_file::current_attrs(dest).unwrap_or(wanted)
    };

    let mut resp = Response::new(changed)
        .set("dest", &args.dest)
        .set("checksum", sha1_hex(content.as_bytes()))
        .set("size", content.len())
        .set("state", "file");
    if let Some(bits) = after.mode {
        resp.insert("mode", mode::show(bits));
    }
    if let Some(uid) = after.uid {
        resp.insert("uid", uid);
        resp.insert("owner", accounts::user_name(uid));
    }
    if let Some(gid) = after.gid {
        resp.insert("gid", gid);
        resp.insert("group", accounts::group_name(gid));
    }
    if let Some(b) = backup_file {
        resp.insert("backup_file", b.display().to_string());
    }
    if content_changed {
        let old = existing
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        resp = resp.diff_with_headers(
            &args.dest,
            &old,
            &format!("{} (merged sources)", args.dest),
            content,
        );
    } else if attrs_changed {
        let shown = |a: Attrs| Attrs {
            mode: wanted.mode.and(a.mode),
            uid: wanted.uid.and(a.uid),
            gid: wanted.gid.and(a.gid),
        };
        resp = resp.diff(
            attrs_json(&args.dest, &shown(before.unwrap_or_default())),
            attrs_json(&args.dest, &shown(after)),
        );
    }
    Ok(resp)
}
