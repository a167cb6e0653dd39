//! `mode` as `copy` takes it: octal text or an integer of permission bits.

use crate::error::MergeError;
use ansible_module::Value;

/// Parses a mode: integers are permission bits; strings are octal, with or without `0o`/leading zero.
pub fn parse(mode: &Value) -> Result<u32, MergeError> {
    match mode {
        Value::Number(n) => n.as_u64().and_then(atomic_file::mode_bits),
        Value::String(s) => atomic_file::parse_mode_text(s),
        _ => None,
    }
    .ok_or_else(|| MergeError::BadMode(mode.to_string()))
}

/// The way Ansible's file results show a mode: `'0660'`.
pub fn show(bits: u32) -> String {
    format!("0{bits:03o}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ansible_module::json;

    #[test]
    fn forms() {
        assert_eq!(parse(&json!("0660")).unwrap(), 0o660);
        assert_eq!(parse(&json!("0o640")).unwrap(), 0o640);
        assert_eq!(parse(&json!(432)).unwrap(), 0o660);
        assert!(parse(&json!("u=rw")).is_err());
        assert!(parse(&json!("99999")).is_err());
        assert_eq!(show(0o640), "0640");
        assert_eq!(show(0o4755), "04755");
    }
}
