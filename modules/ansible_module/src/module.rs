//! The module lifecycle: read the args file, validate, call the module, print one JSON object.

use crate::nolog;
use crate::response::{Failure, Response};
use crate::spec::ArgSpec;
use crate::validate::{no_log_values, validate};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::io::Write;
use std::path::PathBuf;

/// A validated invocation: the coerced options and Ansible's internal settings.
#[derive(Debug)]
pub struct Module {
    name: String,
    /// Always an object; kept as a Value so `parse` can deserialise by reference.
    params: Value,
    check_mode: bool,
    diff_mode: bool,
    no_log: bool,
    verbosity: u64,
    tmpdir: Option<PathBuf>,
    warnings: RefCell<Vec<String>>,
}

impl Module {
    /// The module name as Ansible invoked it.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Every option of the spec, coerced; absent options without default are null.
    pub fn params(&self) -> &Map<String, Value> {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        self.params
            .as_object()
            .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
    }
    /// One option's value (null when absent).
    pub fn get(&self, name: &str) -> &Value {
        self.params.get(name).unwrap_or(&Value::Null)
    }
    /// Deserialises the validated options into a typed struct.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, Failure> {
        // Deserialising from a reference copies each value once, not the whole map twice:
        // bslurp's content can be hundreds of MiB.
        T::deserialize(&self.params)
            .map_err(|e| Failure::new(format!("invalid module arguments: {e}")))
    }
    /// `--check`: report what would change, change nothing.
    pub fn check_mode(&self) -> bool {
        self.check_mode
    }
    /// `--diff`: return before/after of what changes.
    pub fn diff_mode(&self) -> bool {
        self.diff_mode
    }
    /// The task has `no_log: true`.
    pub fn no_log(&self) -> bool {
        self.no_log
    }
    /// The number of `-v` flags.
    pub fn verbosity(&self) -> u64 {
        self.verbosity
    }
    /// The remote temporary directory Ansible made for this task, if any.
    pub fn tmpdir(&self) -> Option<&PathBuf> {
        self.tmpdir.as_ref()
    }
    /// Adds a warning to the result, whatever the outcome.
    pub fn warn(&self, msg: impl Into<String>) {
        self.warnings.borrow_mut().push(msg.into());
    }
}

fn failure_json(msg: &str) -> Value {
    let mut out = Map::new();
    out.insert("failed".into(), Value::Bool(true));
    out.insert("changed".into(), Value::Bool(false));
    out.insert("msg".into(), Value::String(msg.to_string()));
    Value::Object(out)
}

/// Runs one invocation from the args file's bytes and returns the result JSON.
/// Exposed for tests; [`run`] is what a module's `main` calls.
pub fn execute<F>(spec: &ArgSpec, args: &[u8], body: F) -> Value
where
    F: FnOnce(&Module) -> Result<Response, Failure>,
{
    let raw: Value = match serde_json::from_slice(args) {
        Ok(v) => v,
        Err(e) => return failure_json(&format!("the arguments file is not valid JSON: {e}")),
    };
    let Value::Object(mut raw) = raw else {
        return failure_json("the arguments file must hold a JSON object of module arguments");
    };
    // Python-style wrapping, accepted so args files written for AnsibleModule work too.
    if raw.len() == 1 {
        if let Some(Value::Object(inner)) = raw.remove("ANSIBLE_MODULE_ARGS") {
            raw = inner;
        }
    }
    let mut internal = Map::new();
    raw.retain(|k, v| {
        if let Some(name) = k.strip_prefix("_ansible_") {
            internal.insert(name.to_string(), v.clone());
            false
        } else {
            true
        }
    });
    nolog::remember(no_log_values(spec, &raw));

    let flag = |k: &str| {
        internal
            .get(k)
            .and_then(|v| crate::Type::Bool.coerce(v).ok())
            == Some(Value::Bool(true))
    };
    let check_mode = flag("check_mode");
    let diff_mode = flag("diff");
    let no_log = flag("no_log");

    let params = match validate(spec, &raw) {
        Ok(p) => p,
        Err(e) => {
            let mut out = failure_json(&e.messages[0]);
            if e.messages.len() > 1 {
                out["errors"] = Value::from(e.messages.clone());
            }
            return nolog::scrub(out);
        }
    };
    let name = internal
        .get("module_name")
        .and_then(Value::as_str)
        .unwrap_or(spec.module)
        .to_string();
    if check_mode && !spec.supports_check_mode {
        let mut out = Map::new();
        out.insert("skipped".into(), Value::Bool(true));
        out.insert("changed".into(), Value::Bool(false));
        out.insert(
            "msg".into(),
            Value::String(format!(
                "remote module ({name}) does not support check mode"
            )),
        );
        return Value::Object(out);
    }
    let module = Module {
        name,
        params: Value::Object(params),
        check_mode,
        diff_mode,
        no_log,
        verbosity: internal
            .get("verbosity")
            .and_then(Value::as_u64)
            .unwrap_or(0),
        tmpdir: internal
            .get("tmpdir")
            .and_then(Value::as_str)
            .map(PathBuf::from),
        warnings: RefCell::new(Vec::new()),
    };

    let mut out = Map::new();
    let mut warnings;
    match body(&module) {
        Ok(resp) => {
            out.insert("changed".into(), Value::Bool(resp.changed));
            out.extend(resp.fields);
            if let Some(diff) = resp.diff.filter(|_| module.diff_mode && !module.no_log) {
                out.insert("diff".into(), diff);
            }
            warnings = resp.warnings;
        }
        Err(f) => {
            out.insert("failed".into(), Value::Bool(true));
            out.insert("changed".into(), Value::Bool(f.changed));
            out.insert("msg".into(), Value::String(f.msg));
            for (k, v) in f.fields {
                out.entry(k).or_insert(v);
            }
            warnings = Vec::new();
        }
    }
    warnings.extend(module.warnings.take());
    if !warnings.is_empty() {
        out.insert("warnings".into(), Value::from(warnings));
    }
    nolog::scrub(Value::Object(out))
}

fn emit(value: &Value) -> ! {
    let mut text = serde_json::to_string(value).unwrap_or_else(|_| {
        r#"{"failed": true, "msg": "the module result could not be serialised"}"#.to_string()
    });
    text.push('\n');
    let mut stdout = std::io::stdout().lock();
    // Nothing sensible can be done if stdout is gone; Ansible then reports the module failure.
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    std::process::exit(0)
}

/// A panic prints one failed JSON object instead of a backtrace.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let what = if let Some(s) = info.payload().downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "unknown panic".to_string()
        };
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let msg = nolog::scrub_str(&format!(
            "internal error in module (please report it): {what}{place}"
        ));
        emit(&failure_json(&msg));
    }));
}

/// The whole life of a module process: call this from `main`.
pub fn run<F>(spec: ArgSpec, body: F) -> !
where
    F: FnOnce(&Module) -> Result<Response, Failure>,
{
    install_panic_hook();
    let mut argv = std::env::args_os().skip(1);
    let Some(path) = argv.next() else {
        emit(&failure_json(&format!(
            "usage: {} ARGS_FILE (an Ansible module; run it through ansible or ansible-playbook)",
            spec.module
        )));
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => emit(&failure_json(&format!(
            "cannot read the arguments file {}: {e}",
            PathBuf::from(&path).display()
        ))),
    };
    emit(&execute(&spec, &bytes, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Param;
    use serde_json::json;

    fn spec() -> ArgSpec {
        ArgSpec::new("demo")
            .param(Param::str("name").required())
            .param(Param::str("token").no_log())
    }

    fn exec(args: &str) -> Value {
        execute(&spec(), args.as_bytes(), |m| {
            Ok(Response::new(true)
                .set("echo", m.get("name"))
                .set("check", m.check_mode())
                .diff("a", "b"))
        })
    }

    #[test]
    fn not_json_fails_cleanly() {
        let out = exec("{not json");
        assert_eq!(out["failed"], json!(true));
        assert!(out["msg"]
            .as_str()
            .unwrap()
            .starts_with("the arguments file is not valid JSON"));
    }

    #[test]
    fn non_object_fails_cleanly() {
        assert!(exec("[1,2]")["msg"]
            .as_str()
            .unwrap()
            .contains("JSON object"));
        assert!(exec("").as_object().unwrap().contains_key("failed"));
    }

    #[test]
    fn internal_keys_are_honoured_and_unknown_ones_ignored() {
        let out = exec(r#"{"name": "x", "_ansible_check_mode": true, "_ansible_future_key": 1}"#);
        assert_eq!(out["check"], json!(true));
        assert_eq!(out["changed"], json!(true));
        assert!(out.get("diff").is_none(), "diff only in diff mode");
        let out = exec(r#"{"name": "x", "_ansible_diff": true}"#);
        assert_eq!(out["diff"], json!({"before": "a", "after": "b"}));
    }

    #[test]
    fn wrapped_args_are_accepted() {
        assert_eq!(
            exec(r#"{"ANSIBLE_MODULE_ARGS": {"name": "w"}}"#)["echo"],
            json!("w")
        );
    }

    #[test]
    fn unsupported_check_mode_is_skipped() {
        let out = execute(
            &spec().supports_check_mode(false),
            br#"{"name": "x", "_ansible_check_mode": true}"#,
            |_| panic!("must not run"),
        );
        assert_eq!(out["skipped"], json!(true));
    }

    #[test]
    fn failures_carry_fields() {
        let out = execute(&spec(), br#"{"name": "x"}"#, |_| {
            Err(Failure::new("boom").changed(true).set("rc", 3))
        });
        assert_eq!(
            out,
            json!({"failed": true, "changed": true, "msg": "boom", "rc": 3})
        );
    }
}
