//! The Ansible binary-module protocol, in the style of Python's `AnsibleModule`.
//!
//! A module's `main` builds an [`ArgSpec`], then calls [`run`] with a closure
//! that receives the validated [`Module`] and returns a [`Response`] or an
//! error. Everything else (reading the args file, type coercion, the
//! `_ansible_*` keys, hiding `no_log` values, printing exactly one JSON object,
//! turning panics into `failed` JSON) happens here, once, for every module.

mod convert;
mod module;
mod nolog;
mod response;
mod spec;
mod validate;

pub use convert::{python_type_name, Type};
pub use module::{execute, run, Module};
pub use response::{Failure, Response};
pub use spec::{ArgSpec, Param};
pub use validate::ValidationError;

/// Re-exported so modules build results without naming serde_json themselves.
pub use serde_json::{json, Map, Value};
