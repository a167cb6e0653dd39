//! merge_yaml's options: kolla-ansible's (`sources`, `dest`, `extend_lists`,
//! `yaml_width`) plus the `copy` options its tasks pass through (`mode`,
//! `owner`, `group`, `backup`). `rendered` is what the action plugin adds.

use ansible_module::{ArgSpec, Param, Type};
use hostfs::copy::FileOptions;
use serde::Deserialize;

/// The argument spec.
pub fn spec() -> ArgSpec {
    let spec = ArgSpec::new("merge_yaml")
        .param(Param::list("sources").elements(Type::Str))
        .param(Param::list("rendered").elements(Type::Dict).required())
        .param(Param::path("dest").required())
        .param(Param::bool("extend_lists").default(false))
        .param(Param::int("yaml_width"))
        .supports_check_mode(true);
    hostfs::copy::file_params(spec)
}

/// A source the action plugin read and templated on the controller.
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
    /// Every source the task named, for messages (missing ones included).
    pub sources: Option<Vec<String>>,
    /// The sources that exist, templated, in order.
    pub rendered: Vec<Rendered>,
    /// The file to write.
    pub dest: String,
    /// Extend lists found under the same key instead of replacing them.
    pub extend_lists: bool,
    /// PyYAML's line width (80 when unset).
    pub yaml_width: Option<i64>,
    /// `mode`, `owner`, `group`, `backup`.
    #[serde(flatten)]
    pub file: FileOptions,
}
