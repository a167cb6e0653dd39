//! Any bytes as an args file, against a spec using every type and rule:
//! the result must always be one JSON object with `changed`, and a failure must carry a message.
#![no_main]

use ansible_module::{execute, ArgSpec, Param, Response, Type};
use libfuzzer_sys::fuzz_target;

fn spec() -> ArgSpec {
    ArgSpec::new("fuzz")
        .param(Param::str("action").required().choices(&["a", "b"]))
        .param(Param::bool("flag").default(false))
        .param(Param::int("count"))
        .param(Param::float("ratio"))
        .param(Param::list("items").elements(Type::Int))
        .param(Param::dict("env"))
        .param(Param::path("where").aliases(&["path"]))
        .param(Param::raw("anything"))
        .param(Param::str("secret").no_log())
        .required_if("action", "b", &["count"])
        .required_if_any("flag", true, &["ratio", "items"])
        .mutually_exclusive(&["env", "anything"])
        .required_together(&["count", "ratio"])
}

fuzz_target!(|data: &[u8]| {
    let out = execute(&spec(), data, |m| Ok(Response::new(false).set("echo", m.params())));
    let obj = out.as_object().expect("result is an object");
    assert!(obj.contains_key("changed") || obj.contains_key("skipped"));
    if obj.get("failed").and_then(|v| v.as_bool()) == Some(true) {
        assert!(obj.get("msg").and_then(|m| m.as_str()).is_some_and(|m| !m.is_empty()));
    }
    serde_json::to_string(&out).expect("serialisable");
});
