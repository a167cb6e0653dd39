//! merge_configs' options: kolla-ansible's (`sources`, `dest`, `whitespace`)
//! plus the `copy` options its tasks pass through (`mode`, `owner`, `group`, `backup`).

use ansible_module::{ArgSpec, Param, Type, Value};
use serde::Deserialize;

/// The argument spec.
pub fn spec() -> ArgSpec {
    ArgSpec::new("merge_configs")
        .param(Param::list("sources").elements(Type::Str))
        .param(Param::list("rendered").elements(Type::Dict))
        .param(Param::path("dest").required())
        .param(Param::bool("whitespace").default(true))
        // raw: an unquoted YAML 0660 arrives as the integer 432 and means those bits.
        .param(Param::raw("mode"))
        .param(Param::str("owner"))
        .param(Param::str("group"))
        .param(Param::bool("backup").default(false))
        .required_one_of(&["sources", "rendered"])
        .mutually_exclusive(&["sources", "rendered"])
        .supports_check_mode(true)
}

/// A source the action plugin already read and templated on the controller.
#[derive(Debug, Deserialize)]
pub struct Rendered {
    /// The controller path it came from, for messages.
    pub path: String,
    /// The templated text.
    pub content: String,
}

/// The validated options.
#[derive(Debug, Deserialize)]
pub struct Args {
    /// Files on the target to merge, in order; missing ones are skipped.
    pub sources: Option<Vec<String>>,
    /// Sources templated by the action plugin, in order.
    pub rendered: Option<Vec<Rendered>>,
    /// The file to write.
    pub dest: String,
    /// `key = value` rather than `key=value`.
    pub whitespace: bool,
    /// Permissions of `dest`.
    pub mode: Option<Value>,
    /// Owner of `dest`, a name or uid.
    pub owner: Option<String>,
    /// Group of `dest`, a name or gid.
    pub group: Option<String>,
    /// Keep a timestamped copy of `dest` before replacing it.
    pub backup: bool,
}
