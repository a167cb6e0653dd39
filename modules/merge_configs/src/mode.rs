//! `mode` as `copy` takes it: octal text or an integer of permission bits.

use crate::error::MergeError;
use ansible_module::Value;

/// Parses a mode: integers are permission bits; strings are octal, with or without `0o`/leading zero.
pub fn parse(mode: &Value) -> Result<u32, MergeError> {
    let bad = || MergeError::BadMode(mode.to_string());
    let bits = match mode {
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(bad)?,
        Value::String(s) => {
            let t = s.trim();
            let digits = t
                .strip_prefix("0o")
                .or_else(|| t.strip_prefix("0O"))
                .unwrap_or(t);
            if digits.is_empty() || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                return Err(bad());
            }
            u32::from_str_radix(digits, 8).map_err(|_| bad())?
        }
        _ => return Err(bad()),
    };
    if bits > 0o7777 {
        return Err(bad());
    }
    Ok(bits)
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
