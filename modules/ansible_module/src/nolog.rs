//! Hiding secrets in a module's result, as ansible-core's `remove_values` does:
//! on the result object before it is serialised, values only (keys and
//! structure stay as they are), longest secret first.

use crate::convert::python_str;
use serde_json::{Map, Value};
use std::sync::Mutex;

/// What a value equal to a secret becomes (ansible-core's marker).
const WHOLE: &str = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER";
/// What a secret inside a longer string becomes.
const PART: &str = "********";

/// The secrets of one invocation, longest first so that a secret containing
/// another is hidden whole.
#[derive(Default, Clone)]
pub(crate) struct Secrets(Vec<String>);

/// Counts, never shows: a `{:?}` of a module must not print its secrets.
impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} hidden)", self.0.len())
    }
}

impl Secrets {
    /// Adds secrets; empty strings are ignored (they would match everywhere).
    pub(crate) fn add(&mut self, values: impl IntoIterator<Item = String>) {
        self.0.extend(values.into_iter().filter(|v| !v.is_empty()));
        self.0
            .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        self.0.dedup();
    }

    /// `value` with every secret hidden: a string equal to a secret becomes the
    /// marker, a secret inside a string becomes `********`; a number whose
    /// `str()` equals or contains a secret becomes the marker; booleans and
    /// nulls are kept, so `failed` and `changed` always survive.
    pub(crate) fn scrub(&self, value: Value) -> Value {
        if self.0.is_empty() {
            return value;
        }
        match value {
            Value::String(s) => Value::String(self.scrub_str(s)),
            Value::Number(n) => {
                let text = python_str(&Value::Number(n.clone()));
                if self.0.iter().any(|s| text.contains(s.as_str())) {
                    Value::String(WHOLE.into())
                } else {
                    Value::Number(n)
                }
            }
            Value::Array(items) => Value::Array(items.into_iter().map(|v| self.scrub(v)).collect()),
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (k, self.scrub(v)))
                    .collect::<Map<String, Value>>(),
            ),
            other => other,
        }
    }

    fn scrub_str(&self, text: String) -> String {
        if self.0.contains(&text) {
            return WHOLE.into();
        }
        let mut out = text;
        for s in &self.0 {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), PART);
            }
        }
        out
    }
}

/// The secrets the panic hook hides; only `run`'s single invocation publishes here.
static PANIC_SECRETS: Mutex<Option<Secrets>> = Mutex::new(None);

/// Makes `secrets` the ones a panic message is scrubbed with.
pub(crate) fn publish(secrets: &Secrets) {
    if let Ok(mut slot) = PANIC_SECRETS.lock() {
        *slot = Some(secrets.clone());
    }
}

/// `value` scrubbed with the published secrets (for the panic hook).
pub(crate) fn scrub_published(value: Value) -> Value {
    // A poisoned lock still holds the secrets; a panic hook must not give up on them.
    let slot = PANIC_SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    match slot.as_ref() {
        Some(s) => s.scrub(value),
        None => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn secrets(values: &[&str]) -> Secrets {
        let mut s = Secrets::default();
        s.add(values.iter().map(|v| v.to_string()));
        s
    }

    fn failure() -> Value {
        json!({
            "failed": true,
            "changed": false,
            "msg": "login to registry as \"a\" with {\"x\": true} at C:\\tmp failed",
            "rc": 10,
            "ratio": 0.5,
            "nested": {"true": ["true", 1, null, false], "a": "a"},
        })
    }

    fn keys(v: &Value) -> Vec<String> {
        v.as_object().unwrap().keys().cloned().collect()
    }

    /// Every short or JSON-looking secret leaves keys, booleans and nulls
    /// alone and never survives as a value.
    #[test]
    fn short_and_json_looking_secrets_hide_values_only() {
        for secret in ["a", "true", "0", "{", "\"", "\\"] {
            let out = secrets(&[secret]).scrub(failure());
            assert_eq!(keys(&out), keys(&failure()), "{secret}");
            assert_eq!(out["failed"], json!(true), "{secret}");
            assert_eq!(out["changed"], json!(false), "{secret}");
            assert_eq!(keys(&out["nested"]), ["true", "a"], "{secret}");
            assert_eq!(out["nested"]["true"][2], Value::Null);
            assert_eq!(out["nested"]["true"][3], json!(false));
            let text = serde_json::to_string(&out).unwrap();
            let reparsed: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(reparsed, out, "{secret}: one valid JSON object");
            assert!(
                !out["msg"].as_str().unwrap().contains(secret),
                "{secret}: {}",
                out["msg"]
            );
        }
    }

    #[test]
    fn exact_values_become_the_marker_and_parts_become_stars() {
        let out = secrets(&["a"]).scrub(failure());
        assert_eq!(out["nested"]["a"], json!(WHOLE));
        let msg = failure()["msg"].as_str().unwrap().replace('a', PART);
        assert_eq!(out["msg"], json!(msg));
    }

    #[test]
    fn numbers_are_compared_through_their_text() {
        let out = secrets(&["0"]).scrub(failure());
        assert_eq!(out["rc"], json!(WHOLE), "10 contains 0");
        assert_eq!(out["ratio"], json!(WHOLE), "0.5 contains 0");
        assert_eq!(out["nested"]["true"][1], json!(1));
        let out = secrets(&["1"]).scrub(failure());
        assert_eq!(out["nested"]["true"][1], json!(WHOLE));
        let out = secrets(&["true"]).scrub(failure());
        assert_eq!(out["nested"]["true"][0], json!(WHOLE));
        assert_eq!(out["msg"].as_str().unwrap().matches("true").count(), 0);
        assert_eq!(out["changed"], json!(false));
    }

    #[test]
    fn longest_secret_first() {
        let out = secrets(&["pass", "password1"]).scrub(json!({"m": "x password1 y pass"}));
        assert_eq!(out["m"], json!("x ******** y ********"));
    }

    #[test]
    fn no_secrets_no_change() {
        assert_eq!(Secrets::default().scrub(failure()), failure());
        assert_eq!(secrets(&[""]).scrub(failure()), failure());
    }
}
