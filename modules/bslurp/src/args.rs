//! bslurp's options, the same names and defaults as kolla-ansible's.

use ansible_module::{ArgSpec, Param};
use serde::Deserialize;

/// The argument spec.
pub fn spec() -> ArgSpec {
    ArgSpec::new("bslurp")
        .param(Param::str("src").required())
        .param(Param::bool("compress").default(true))
        .param(Param::str("dest"))
        // raw: an unquoted YAML 0644 arrives as the integer 420 and means those bits.
        .param(Param::raw("mode").default("0644"))
        .param(Param::str("sha1"))
        .param(Param::str("sha256"))
}

/// The validated options.
#[derive(Debug, Deserialize)]
pub struct Args {
    /// The file to fetch, or (with `dest`) the content to push.
    pub src: String,
    /// Whether content is zlib-compressed.
    pub compress: bool,
    /// Where to push to; absent means fetch.
    pub dest: Option<String>,
    /// The destination's permissions.
    pub mode: ansible_module::Value,
    /// Expected sha1 of the data.
    pub sha1: Option<String>,
    /// Expected sha256 of the data (preferred over sha1).
    pub sha256: Option<String>,
}
