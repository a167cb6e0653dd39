//! Push mode: decode, verify, and replace the destination only when it differs.

use crate::args::Args;
use crate::codec;
use crate::error::BslurpError;
use ansible_module::{Module, Response, Value};
use atomic_file::Attrs;
use std::path::Path;

/// Largest file shown as text in diff mode.
const DIFF_LIMIT: usize = 256 * 1024;

/// Parses a mode: integers are permission bits; strings are octal, with or without `0o`/leading zero.
pub fn parse_mode(mode: &Value) -> Result<u32, BslurpError> {
    match mode {
        Value::Number(n) => n.as_u64().and_then(atomic_file::mode_bits),
        Value::String(s) => atomic_file::parse_mode_text(s),
        _ => None,
    }
    .ok_or_else(|| BslurpError::BadMode(mode.to_string()))
}

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
    let mode = parse_mode(&args.mode)?;
    let data = codec::decode(&args.src, args.compress)?;

    // Verify before touching anything, so a corrupt transfer never lands.
    if let Some(want) = args.sha256.as_deref().filter(|s| !s.is_empty()) {
        if !codec::sha256_hex(&data).eq_ignore_ascii_case(want.trim()) {
            return Err(BslurpError::ChecksumMismatch("sha256"));
        }
    } else if let Some(want) = args.sha1.as_deref().filter(|s| !s.is_empty()) {
        if !codec::sha1_hex(&data).eq_ignore_ascii_case(want.trim()) {
            return Err(BslurpError::ChecksumMismatch("sha1"));
        }
    }

    let existing =
        atomic_file::read_if_exists(dest_path).map_err(|source| BslurpError::DestUnreadable {
            path: dest_path.to_path_buf(),
            source,
        })?;
    let attrs = Attrs {
        mode: Some(mode),
        ..Default::default()
    };
    let same_content = existing.as_deref() == Some(&data[..]);
    let same_mode = atomic_file::attrs_match(dest_path, &attrs);
    let changed = !(same_content && same_mode);

    if changed && !module.check_mode() {
        if same_content {
            atomic_file::set_attrs(dest_path, &attrs)?;
        } else {
            atomic_file::write(dest_path, &data, &attrs)?;
        }
    }

    let mut resp = Response::new(changed)
        .set("dest", dest)
        .set("mode", codec::python_oct(mode))
        .set("sha256", codec::sha256_hex(&data));
    if changed {
        let before = existing.as_deref().map(text_for_diff).unwrap_or_default();
        resp = resp.diff_with_headers(dest, &before, dest, &text_for_diff(&data));
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ansible_module::json;

    #[test]
    fn modes() {
        assert_eq!(parse_mode(&json!("0644")).unwrap(), 0o644);
        assert_eq!(parse_mode(&json!("0o600")).unwrap(), 0o600);
        assert_eq!(parse_mode(&json!("755")).unwrap(), 0o755);
        assert_eq!(parse_mode(&json!(420)).unwrap(), 0o644);
        for bad in [
            json!("rw-r--r--"),
            json!("0o9"),
            json!(""),
            json!("077777"),
            json!(true),
        ] {
            assert!(parse_mode(&bad).is_err(), "{bad}");
        }
    }
}
