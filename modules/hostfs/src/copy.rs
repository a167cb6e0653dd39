//! Putting a module's generated text in place as `copy` would: only when
//! content or attributes differ, atomically, with an optional backup,
//! honouring check and diff mode, and returning copy's result fields. Every
//! module that renders a config file (merge_configs, merge_yaml) ends with it.

use crate::{group_name, mode_from_json, resolve_group, resolve_user, show_mode, user_name};
use crate::{AtomicError, Attrs};
use ansible_module::{ArgSpec, Map, Module, Param, Response, Value};
use serde::Deserialize;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The `copy` options such a module takes for its destination.
#[derive(Debug, Default, Deserialize)]
pub struct FileOptions {
    /// Permissions of `dest`: octal text or the integer an unquoted YAML mode becomes.
    pub mode: Option<Value>,
    /// Owner of `dest`, a name or uid.
    pub owner: Option<String>,
    /// Group of `dest`, a name or gid.
    pub group: Option<String>,
    /// Keep a timestamped copy of `dest` before replacing it.
    #[serde(default)]
    pub backup: bool,
}

/// A source file one of our action plugins read and templated on the
/// controller, as it arrives in the module's `rendered` option.
#[derive(Debug, Deserialize)]
pub struct Rendered {
    /// The controller path it came from, for messages.
    pub path: String,
    /// The templated text.
    pub content: String,
}

/// `spec` with the options of [`FileOptions`] added.
pub fn file_params(spec: ArgSpec) -> ArgSpec {
    // raw: an unquoted YAML 0660 arrives as the integer 432 and means those bits.
    spec.param(Param::raw("mode"))
        .param(Param::str("owner"))
        .param(Param::str("group"))
        .param(Param::bool("backup").default(false))
}

/// Why `dest` could not be put in place; it is left as it was.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// `dest` names a directory.
    #[error("dest {0} is a directory; give the path of the file to write")]
    DestIsDirectory(PathBuf),
    /// The destination exists but cannot be read to compare it.
    #[error("cannot read dest {path}: {source}")]
    DestUnreadable {
        /// The destination path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A mode that is not an octal permission.
    #[error("mode {0} is not an octal permission such as '0660' (quote it in YAML) or 0o660")]
    BadMode(String),
    /// Writing, backing up, changing attributes or resolving an owner failed.
    #[error(transparent)]
    File(#[from] AtomicError),
}

/// What `mode`, `owner` and `group` ask for.
pub fn wanted_attrs(opts: &FileOptions) -> Result<Attrs, CopyError> {
    Ok(Attrs {
        mode: opts
            .mode
            .as_ref()
            .map(|m| mode_from_json(m).ok_or_else(|| CopyError::BadMode(m.to_string())))
            .transpose()?,
        uid: opts.owner.as_deref().map(resolve_user).transpose()?,
        gid: opts.group.as_deref().map(resolve_group).transpose()?,
    })
}

/// A file's attributes as the file module's diff shows them: `path` and the changed ones.
fn attrs_json(path: &str, a: &Attrs) -> Value {
    let mut m = Map::new();
    m.insert("path".into(), path.into());
    if let Some(bits) = a.mode {
        m.insert("mode".into(), show_mode(bits).into());
    }
    if let Some(uid) = a.uid {
        m.insert("owner".into(), uid.into());
    }
    if let Some(gid) = a.gid {
        m.insert("group".into(), gid.into());
    }
    Value::Object(m)
}

/// Makes `dest_text` hold `content` with the attributes `opts` ask for;
/// `origin` names where the content came from in the diff's header (e.g. "merged sources").
pub fn apply(
    dest_text: &str,
    content: &str,
    opts: &FileOptions,
    origin: &str,
    module: &Module,
) -> Result<Response, CopyError> {
    let dest = Path::new(dest_text);
    let wanted = wanted_attrs(opts)?;
    if dest.is_dir() {
        return Err(CopyError::DestIsDirectory(dest.to_path_buf()));
    }
    // Checked here too so that check mode predicts the failure a real run would have.
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(AtomicError::NoDirectory(dir.to_path_buf()).into());
    }
    let existing = crate::read_if_exists(dest).map_err(|source| CopyError::DestUnreadable {
        path: dest.to_path_buf(),
        source,
    })?;
    let before = crate::current_attrs(dest);
    let content_changed = existing.as_deref() != Some(content.as_bytes());
    let attrs_changed = existing.is_some() && !crate::attrs_match(dest, &wanted);
    let changed = content_changed || attrs_changed;

    let mut backup_file = None;
    if changed && !module.check_mode() {
        if content_changed {
            if opts.backup && existing.is_some() {
                backup_file = Some(crate::backup(dest)?);
            }
            crate::write(dest, content.as_bytes(), &wanted)?;
        } else {
            crate::set_attrs(dest, &wanted)?;
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
        crate::current_attrs(dest).unwrap_or(wanted)
    };

    let mut resp = Response::new(changed)
        .set("dest", dest_text)
        .set("checksum", crate::digest::sha1_hex(content.as_bytes()))
        .set("size", content.len())
        .set("state", "file");
    if let Some(bits) = after.mode {
        resp.insert("mode", show_mode(bits));
    }
    if let Some(uid) = after.uid {
        resp.insert("uid", uid);
        resp.insert("owner", user_name(uid));
    }
    if let Some(gid) = after.gid {
        resp.insert("gid", gid);
        resp.insert("group", group_name(gid));
    }
    if let Some(b) = backup_file {
        resp.insert("backup_file", b.display().to_string());
    }
    if content_changed {
        let old = existing
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        resp = resp.diff_with_headers(dest_text, &old, &format!("{dest_text} ({origin})"), content);
    } else if attrs_changed {
        let shown = |a: Attrs| Attrs {
            mode: wanted.mode.and(a.mode),
            uid: wanted.uid.and(a.uid),
            gid: wanted.gid.and(a.gid),
        };
        resp = resp.diff(
            attrs_json(dest_text, &shown(before.unwrap_or_default())),
            attrs_json(dest_text, &shown(after)),
        );
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn options_become_attributes() {
        let opts: FileOptions =
            serde_json::from_value(json!({"mode": 416, "owner": "root", "group": "0"})).unwrap();
        assert_eq!(
            wanted_attrs(&opts).unwrap(),
            Attrs {
                mode: Some(0o640),
                uid: Some(0),
                gid: Some(0)
            }
        );
        assert!(!opts.backup);
        let bad = FileOptions {
            mode: Some(json!("u=rw")),
            ..Default::default()
        };
        assert!(wanted_attrs(&bad)
            .unwrap_err()
            .to_string()
            .contains("is not an octal permission"));
    }
}
