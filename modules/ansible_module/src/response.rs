//! What a module returns: a success [`Response`] or a [`Failure`].

use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// A successful result: `changed`, result fields, an optional diff and warnings.
#[derive(Debug, Clone, Default)]
pub struct Response {
    pub(crate) changed: bool,
    pub(crate) fields: Map<String, Value>,
    pub(crate) diff: Option<Value>,
    pub(crate) warnings: Vec<String>,
}

fn to_value(v: impl Serialize) -> Value {
    // Serialising plain data into a Value cannot fail for the types modules use;
    // a failure would be a programming error and shows up as a null field.
    serde_json::to_value(v).unwrap_or(Value::Null)
}

impl Response {
    /// A result with the given `changed` flag and no fields.
    pub fn new(changed: bool) -> Self {
        Response {
            changed,
            ..Default::default()
        }
    }
    /// Adds a result field (builder style).
    pub fn set(mut self, key: &str, value: impl Serialize) -> Self {
        self.insert(key, value);
        self
    }
    /// Adds a result field.
    pub fn insert(&mut self, key: &str, value: impl Serialize) {
        self.fields.insert(key.to_string(), to_value(value));
    }
    /// Attaches a before/after diff, shown only in diff mode.
    pub fn diff(mut self, before: impl Serialize, after: impl Serialize) -> Self {
        let mut d = Map::new();
        d.insert("before".into(), to_value(before));
        d.insert("after".into(), to_value(after));
        self.diff = Some(Value::Object(d));
        self
    }
    /// Attaches a diff with header names (Ansible's `before_header`/`after_header`).
    pub fn diff_with_headers(
        mut self,
        before_header: &str,
        before: &str,
        after_header: &str,
        after: &str,
    ) -> Self {
        let mut d = Map::new();
        d.insert("before_header".into(), before_header.into());
        d.insert("before".into(), before.into());
        d.insert("after_header".into(), after_header.into());
        d.insert("after".into(), after.into());
        self.diff = Some(Value::Object(d));
        self
    }
    /// Adds a warning shown by the controller.
    pub fn warn(mut self, msg: impl Into<String>) -> Self {
        self.warnings.push(msg.into());
        self
    }
}

/// A module failure: a message a user can act on, plus optional fields.
#[derive(Debug, Clone)]
pub struct Failure {
    pub(crate) msg: String,
    pub(crate) changed: bool,
    pub(crate) fields: Map<String, Value>,
}

impl Failure {
    /// A failure with this message that changed nothing.
    pub fn new(msg: impl Into<String>) -> Self {
        Failure {
            msg: msg.into(),
            changed: false,
            fields: Map::new(),
        }
    }
    /// Marks whether something was changed before the failure.
    pub fn changed(mut self, changed: bool) -> Self {
        self.changed = changed;
        self
    }
    /// Adds a field to the failure result (e.g. `rc`, `stdout`).
    pub fn set(mut self, key: &str, value: impl Serialize) -> Self {
        self.fields.insert(key.to_string(), to_value(value));
        self
    }
    /// The failure message.
    pub fn msg(&self) -> &str {
        &self.msg
    }
}

/// The text of an error followed by its causes (`outer: inner: root`), each
/// cause left out when an outer message already contains it.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let cause = s.to_string();
        if !text.contains(&cause) {
            let _ = write!(text, ": {cause}");
        }
        source = s.source();
    }
    text
}

/// Any error becomes a failure whose message is the error and its causes.
impl<E: std::error::Error> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::new(error_chain(&e))
    }
}
