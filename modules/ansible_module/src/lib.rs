//! The Ansible binary-module protocol, in the style of Python's `AnsibleModule`.
//!
//! A module's `main` builds an [`ArgSpec`], then calls [`run`] with a closure
//! that receives the validated [`Module`] and returns a [`Response`] or an
//! error. Everything else (reading the args file, type coercion, the
//! `_ansible_*` keys, hiding `no_log` values, printing exactly one JSON object,
//! turning panics into `failed` JSON) happens here, once, for every module.
//! A dict option (or a list of dicts) can carry its own sub-options
//! ([`Param::options`] with an [`ArgSpec::suboptions`] spec), validated level by
//! level with ansible-core's rules and messages.
//! A module that assembles options from several sources validates the result
//! with the same spec through [`Module::validate`] (or [`ArgSpec::validate`]).
//! The Python renderings modules share ([`python_str`], [`coerce_int`]) and
//! the error-chain text of failures ([`error_chain`]) live here too.

mod convert;
mod module;
mod nolog;
mod pyliteral;
mod response;
mod spec;
mod validate;

pub use convert::{coerce_int, python_str, python_type_name, Type};
pub use module::{execute, run, Module};
pub use pyliteral::literal_eval;
pub use response::{error_chain, Failure, Response};
pub use spec::{ArgSpec, Param};
pub use validate::{Validated, ValidationError};

/// Re-exported so modules build results without naming serde_json themselves.
pub use serde_json::{json, Map, Value};
