//! merge_configs' options: kolla-ansible's (`sources`, `dest`, `whitespace`)
//! plus the `copy` options its tasks pass through (`mode`, `owner`, `group`, `backup`).

use ansible_module::{ArgSpec, Param, Type};
use hostfs::copy::Rendered;
use serde::Deserialize;

/// The argument spec.
pub fn spec() -> ArgSpec {
    let own = ArgSpec::new("merge_configs")
        .param(Param::list("sources").elements(Type::Str))
        .param(Param::list("rendered").elements(Type::Dict))
        .param(Param::path("dest").required())
        .param(Param::bool("whitespace").default(true));
    hostfs::copy::file_params(own)
        .required_one_of(&["sources", "rendered"])
        .mutually_exclusive(&["sources", "rendered"])
        .supports_check_mode(true)
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
}
