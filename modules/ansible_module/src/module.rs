//! The module lifecycle: read the args file, validate, call the module, print one JSON object.

use crate::nolog::{self, Secrets};
use crate::response::{Failure, Response};
use crate::spec::ArgSpec;
use crate::validate::{no_log_values, validate, Validated, ValidationError};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::io::Write;
use std::path::PathBuf;

/// A validated invocation: the coerced options, the spec they were checked
/// against, and Ansible's check/diff settings.
#[derive(Debug)]
pub struct Module<'s> {
    name: String,
    spec: &'s ArgSpec,
    params: Map<String, Value>,
    check_mode: bool,
    diff_mode: bool,
    warnings: RefCell<Vec<String>>,
    secrets: RefCell<Secrets>,
}

impl Module<'_> {
    /// The module name as Ansible invoked it.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The spec the options were validated against, built once by `main`.
    pub fn spec(&self) -> &ArgSpec {
        self.spec
    }
    /// Every option of the spec, coerced; absent options without default are null.
    pub fn params(&self) -> &Map<String, Value> {
        &self.params
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
    /// Adds a warning to the result, whatever the outcome.
    pub fn warn(&self, msg: impl Into<String>) {
        self.warnings.borrow_mut().push(msg.into());
    }
    /// Validates a dict of options (e.g. task options merged with
    /// `common_options`) against this module's spec, as [`ArgSpec::validate`]
    /// does; the `no_log` values it holds are hidden in the result like the
    /// task's own, and its warnings are added to the result.
    pub fn validate(&self, raw: &Map<String, Value>) -> Result<Validated, ValidationError> {
        self.hide(no_log_values(self.spec, raw));
        let outcome = validate(self.spec, raw);
        let warnings = match &outcome {
            Ok(v) => &v.warnings,
            Err(e) => &e.warnings,
        };
        self.warnings.borrow_mut().extend(warnings.iter().cloned());
        outcome
    }
    /// Hides these values in the result as the spec's `no_log` values are
    /// hidden: secrets the spec cannot name, e.g. inside a dict option that is
    /// handed on to another module (kolla_toolbox's `module_args`).
    pub fn hide_values(&self, values: impl IntoIterator<Item = String>) {
        self.hide(values.into_iter().filter(|v| !v.is_empty()).collect());
    }
    fn hide(&self, values: Vec<String>) {
        let mut secrets = self.secrets.borrow_mut();
        secrets.add(values);
        nolog::publish(&secrets);
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
    let mut secrets = Secrets::default();
    secrets.add(no_log_values(spec, &raw));
    nolog::publish(&secrets);

    // `_ansible_no_log` only silences AnsibleModule's syslog entry (which a
    // binary module never writes); hiding the result of a `no_log` task is the
    // controller's job, and the flag is also set by `no_target_syslog`.
    let flag = |k: &str| {
        internal
            .get(k)
            .and_then(|v| crate::Type::Bool.coerce(v).ok())
            == Some(Value::Bool(true))
    };
    let check_mode = flag("check_mode");
    let diff_mode = flag("diff");

    let Validated { params, warnings } = match validate(spec, &raw) {
        Ok(v) => v,
        Err(e) => {
            let mut out = failure_json(&e.messages[0]);
            if e.messages.len() > 1 {
                out["errors"] = Value::from(e.messages.clone());
            }
            if !e.warnings.is_empty() {
                out["warnings"] = Value::from(e.warnings);
            }
            return secrets.scrub(out);
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
        return secrets.scrub(Value::Object(out));
    }
    let module = Module {
        name,
        spec,
        params,
        check_mode,
        diff_mode,
        warnings: RefCell::new(warnings),
        secrets: RefCell::new(secrets),
    };

    let mut out = Map::new();
    let mut warnings = module.warnings.take();
    match body(&module) {
        Ok(resp) => {
            out.insert("changed".into(), Value::Bool(resp.changed));
            out.extend(resp.fields);
            if let Some(diff) = resp.diff.filter(|_| module.diff_mode) {
                out.insert("diff".into(), diff);
            }
            warnings.extend(resp.warnings);
        }
        Err(f) => {
            out.insert("failed".into(), Value::Bool(true));
            out.insert("changed".into(), Value::Bool(f.changed));
            out.insert("msg".into(), Value::String(f.msg));
            for (k, v) in f.fields {
                out.entry(k).or_insert(v);
            }
        }
    }
    warnings.extend(module.warnings.take());
    if !warnings.is_empty() {
        out.insert("warnings".into(), Value::from(warnings));
    }
    let secrets = module.secrets.take();
    secrets.scrub(Value::Object(out))
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
        let out = failure_json(&format!(
            "internal error in module (please report it): {what}{place}"
        ));
        emit(&nolog::scrub_published(out));
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

    #[test]
    fn validation_failure_shows_the_first_error_and_alias_warnings() {
        let s = ArgSpec::new("demo")
            .param(Param::str("name").required().aliases(&["n"]))
            .param(Param::int("count"));
        let out = execute(
            &s,
            br#"{"name": "a", "n": "b", "count": "x", "bogus": 1}"#,
            |_| panic!("must not run"),
        );
        assert_eq!(out["failed"], json!(true));
        assert_eq!(
            out["msg"],
            json!("argument 'count' is of type str and we were unable to convert to int: \"'x'\" cannot be converted to an int")
        );
        assert_eq!(out["errors"].as_array().unwrap().len(), 2);
        assert_eq!(
            out["warnings"],
            json!(["Both option name and its alias n are set."])
        );
    }

    #[test]
    fn alias_warning_reaches_a_successful_result() {
        let out = exec(r#"{"name": "a", "name": "b"}"#);
        assert!(out.get("warnings").is_none());
        let s = ArgSpec::new("demo").param(Param::str("name").aliases(&["n"]));
        let out = execute(&s, br#"{"name": "a", "n": "b"}"#, |m| {
            Ok(Response::new(false).set("name", m.get("name")))
        });
        assert_eq!(out["name"], json!("b"));
        assert_eq!(
            out["warnings"],
            json!(["Both option name and its alias n are set."])
        );
    }

    /// A one-letter secret used to turn `failed` into `f********iled`.
    #[test]
    fn short_secrets_never_hide_keys_or_flags() {
        for secret in ["a", "true", "0", "{", "\"", "\\", "e"] {
            let args = json!({"name": "x", "token": secret}).to_string();
            let out = execute(&spec(), args.as_bytes(), |m| {
                Err(
                    Failure::new(format!("login failed with {}", m.get("token")))
                        .set("rc", 10)
                        .set("detail", json!({"failed": secret})),
                )
            });
            let obj = out.as_object().unwrap();
            let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
            assert_eq!(
                keys,
                ["failed", "changed", "msg", "rc", "detail"],
                "{secret}"
            );
            assert_eq!(out["failed"], json!(true), "{secret}");
            assert_eq!(out["changed"], json!(false), "{secret}");
            assert_eq!(
                out["detail"]["failed"],
                json!("VALUE_SPECIFIED_IN_NO_LOG_PARAMETER")
            );
            assert!(
                !out["msg"].as_str().unwrap().contains(secret),
                "{secret}: {out}"
            );
        }
    }

    #[test]
    fn secrets_are_hidden_in_validation_failures() {
        let s = ArgSpec::new("demo").param(Param::str("token").no_log().choices(&["x"]));
        let out = execute(&s, br#"{"token": "hunter2"}"#, |_| panic!("must not run"));
        assert_eq!(
            out["msg"],
            json!("value of token must be one of: x, got: ********")
        );
    }

    /// `_ansible_no_log` is also set by `no_target_syslog`; the controller censors no_log tasks.
    #[test]
    fn ansible_no_log_leaves_the_result_to_the_controller() {
        let out = exec(r#"{"name": "x", "_ansible_no_log": true, "_ansible_diff": true}"#);
        assert_eq!(out["echo"], json!("x"));
        assert_eq!(out["diff"], json!({"before": "a", "after": "b"}));
    }

    #[test]
    fn module_validate_uses_the_spec_and_hides_its_secrets() {
        let out = execute(&spec(), br#"{"name": "x"}"#, |m| {
            assert_eq!(m.spec().module_name(), "demo");
            let merged = json!({"name": "y", "token": "merged-secret", "n": 1});
            let err = m.validate(merged.as_object().unwrap()).unwrap_err();
            Err(Failure::new(err.to_string()).set("echo", "the merged-secret was used"))
        });
        assert_eq!(
            out["msg"],
            json!("Unsupported parameters for (demo) module: n. Supported parameters include: name, token.")
        );
        assert_eq!(out["echo"], json!("the ******** was used"));
    }
}
