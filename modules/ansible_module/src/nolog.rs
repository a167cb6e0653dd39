//! Hiding secrets in everything a module prints, as Ansible's `remove_values` does.

use serde_json::{Map, Value};
use std::sync::OnceLock;

/// What an exact match is replaced with (Ansible's own marker).
const WHOLE: &str = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER";
/// What a secret inside a longer string is replaced with.
const PART: &str = "********";

/// The secrets of this run, kept globally so the panic hook can scrub too.
static SECRETS: OnceLock<Vec<String>> = OnceLock::new();

/// Records the secrets of this run; the first call wins.
pub(crate) fn remember(values: Vec<String>) {
    let mut values = values;
    // Longest first, so a secret that contains another is hidden whole.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    let _ = SECRETS.set(values);
}

fn secrets() -> &'static [String] {
    SECRETS.get().map(Vec::as_slice).unwrap_or(&[])
}

/// Returns `text` with every secret replaced.
pub(crate) fn scrub_str(text: &str) -> String {
    let secrets = secrets();
    if secrets.iter().any(|s| s == text) {
        return WHOLE.to_string();
    }
    let mut out = text.to_string();
    for s in secrets {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), PART);
        }
    }
    out
}

/// Scrubs every string and key in `value`.
pub(crate) fn scrub(value: Value) -> Value {
    if secrets().is_empty() {
        return value;
    }
    match value {
        Value::String(s) => Value::String(scrub_str(&s)),
        Value::Array(items) => Value::Array(items.into_iter().map(scrub).collect()),
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(scrub_str(&k), scrub(v));
            }
            Value::Object(out)
        }
        other => other,
    }
}
