//! Push mode: decode, verify, and replace the destination only when it differs.

use crate::args::Args;
use crate::codec;
use crate::error::BslurpError;
use ansible_module::{Module, Response};
use hostfs::digest::{sha1_hex, sha256_hex};
use hostfs::Attrs;
use std::path::Path;

/// Largest file shown as text in diff mode.
const DIFF_LIMIT: usize = 256 * 1024;

fn text_for_diff(data: &[u8]) -> String {
    match std::str::from_utf8(data) {
        Ok(t) if data.len() <= DIFF_LIMIT => t.to_string(),
        _ => format!(
            "({} bytes of binary or large content not shown)\n",
            data.len()
        ),
    }
}

/// Writes the decoded `args.src` to `dest` when content or mode differ.
pub fn push(args: &Args, dest: &str, module: &Module) -> Result<Response, BslurpError> {
    let dest_path = Path::new(dest);
    let mode = hostfs::mode_from_json(&args.mode)
        .ok_or_else(|| BslurpError::BadMode(args.mode.to_string()))?;
    let data = codec::decode(&args.src, args.compress)?;

    // Verify before touching anything, so a corrupt transfer never lands.
    if let Some(want) = args.sha256.as_deref().filter(|s| !s.is_empty()) {
        if !sha256_hex(&data).eq_ignore_ascii_case(want.trim()) {
            return Err(BslurpError::ChecksumMismatch("sha256"));
        }
    } else if let Some(want) = args.sha1.as_deref().filter(|s| !s.is_empty()) {
        if !sha1_hex(&data).eq_ignore_ascii_case(want.trim()) {
            return Err(BslurpError::ChecksumMismatch("sha1"));
        }
    }

    let existing =
        hostfs::read_if_exists(dest_path).map_err(|source| BslurpError::DestUnreadable {
            path: dest_path.to_path_buf(),
            source,
        })?;
    let attrs = Attrs {
        mode: Some(mode),
        ..Default::default()
    };
    let same_content = existing.as_deref() == Some(&data[..]);
    let same_mode = hostfs::attrs_match(dest_path, &attrs);
    let changed = !(same_content && same_mode);

    if changed && !module.check_mode() {
        if same_content {
            hostfs::set_attrs(dest_path, &attrs)?;
        } else {
            hostfs::write(dest_path, &data, &attrs)?;
        }
    }

    let mut resp = Response::new(changed)
        .set("dest", dest)
        .set("mode", codec::python_oct(mode))
        .set("sha256", sha256_hex(&data));
    if changed {
        let before = existing.as_deref().map(text_for_diff).unwrap_or_default();
        resp = resp.diff_with_headers(dest, &before, dest, &text_for_diff(&data));
    }
    Ok(resp)
}
