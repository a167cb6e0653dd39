//! File modes as Ansible's file options take them and as its results show them.

use serde_json::Value;

/// Permission bits as Ansible's file modules take them in text: octal, with or
/// without a leading `0` or `0o` (`0644`, `644`, `0o644`); `None` when it is not that.
pub fn parse_mode_text(text: &str) -> Option<u32> {
    let t = text.trim();
    let digits = t
        .strip_prefix("0o")
        .or_else(|| t.strip_prefix("0O"))
        .unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u32::from_str_radix(digits, 8)
        .ok()
        .and_then(|bits| mode_bits(u64::from(bits)))
}

/// Permission bits given as a number; `None` past 0o7777.
fn mode_bits(bits: u64) -> Option<u32> {
    u32::try_from(bits).ok().filter(|b| *b <= 0o7777)
}

/// A `mode` option as a task hands it over: octal text, or the integer an
/// unquoted YAML `0644` becomes (420), which means those bits. `None` for
/// anything else (symbolic modes, booleans, out-of-range numbers).
pub fn mode_from_json(value: &Value) -> Option<u32> {
    match value {
        Value::Number(n) => n.as_u64().and_then(mode_bits),
        Value::String(s) => parse_mode_text(s),
        _ => None,
    }
}

/// A mode as Ansible's file results show it: `'0660'`, `'04755'`.
pub fn show_mode(bits: u32) -> String {
    format!("0{bits:03o}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_forms() {
        assert_eq!(parse_mode_text("0644"), Some(0o644));
        assert_eq!(parse_mode_text("0o600"), Some(0o600));
        assert_eq!(parse_mode_text("0O640"), Some(0o640));
        assert_eq!(parse_mode_text("755"), Some(0o755));
        for bad in ["rw-r--r--", "0o9", "", "077777", "u=rw", "99999"] {
            assert_eq!(parse_mode_text(bad), None, "{bad}");
        }
    }

    #[test]
    fn json_forms() {
        assert_eq!(mode_from_json(&json!("0660")), Some(0o660));
        assert_eq!(mode_from_json(&json!(420)), Some(0o644));
        assert_eq!(mode_from_json(&json!(0o7777)), Some(0o7777));
        for bad in [
            json!(0o10000),
            json!(-1),
            json!(4.5),
            json!(true),
            json!(null),
            json!(["0644"]),
        ] {
            assert_eq!(mode_from_json(&bad), None, "{bad}");
        }
    }

    #[test]
    fn shown_as_ansible_does() {
        assert_eq!(show_mode(0o640), "0640");
        assert_eq!(show_mode(0o4755), "04755");
        assert_eq!(show_mode(0), "0000");
    }
}
