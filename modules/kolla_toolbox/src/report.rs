//! The inner module's result as ours, with 22.2's shape: its keys at the top
//! level, its `changed`, its `msg`; a failed or unreachable task is our
//! failure with the same keys.

use crate::error::ToolboxError;
use crate::toolbox::Ran;
use ansible_module::{Failure, Response, Value};

/// What 22.2 says when a failed task gave no message.
const NO_MSG: &str = "Module execution failed inside kolla_toolbox";

/// Our result for the task's outcome (the glue hides the task's secrets in it).
pub fn report(outcome: Result<Ran, ToolboxError>) -> Result<Response, Failure> {
    let Ran { status, result } = match outcome {
        Ok(ran) => ran,
        Err(e) => {
            let msg = ansible_module::error_chain(&e);
            return Err(Failure::new(msg));
        }
    };
    let mut result = result;
    let changed = result.remove("changed").is_some_and(|c| truthy(&c));
    let failed = result.get("failed").is_some_and(truthy);
    if failed || !status.succeeded() {
        let msg = match result.remove("msg") {
            Some(Value::String(s)) => s,
            Some(other) => other.to_string(),
            None => NO_MSG.to_string(),
        };
        result.remove("failed");
        let mut failure = Failure::new(msg).changed(changed);
        for (k, v) in result {
            failure = failure.set(&k, v);
        }
        return Err(failure);
    }
    let mut response = Response::new(changed);
    for (k, v) in result {
        response.insert(&k, v);
    }
    Ok(response)
}

/// Python's truth of a result flag.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Null => false,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Status;
    use crate::secrets::Secrets;
    use ansible_module::{json, ArgSpec};

    fn shown(outcome: Result<Ran, ToolboxError>) -> Value {
        let args = json!({"login_password": "s3cret"});
        let secrets = Secrets::collect([args.as_object().unwrap()]);
        // As main does: the glue hides what the module hands it.
        ansible_module::execute(&ArgSpec::new("kolla_toolbox"), b"{}", |module| {
            module.hide_values(secrets.into_values());
            report(outcome)
        })
    }

    fn ran(status: Status, res: Value) -> Result<Ran, ToolboxError> {
        let Value::Object(result) = res else { panic!() };
        Ok(Ran { status, result })
    }

    #[test]
    fn success_keeps_the_inner_keys() {
        let out = shown(ran(
            Status::Ok,
            json!({"changed": true, "db": "x", "failed": false}),
        ));
        assert_eq!(out, json!({"changed": true, "db": "x", "failed": false}));
    }

    #[test]
    fn inner_failure_is_ours_with_its_message_and_no_secret() {
        let out = shown(ran(
            Status::Failed,
            json!({"failed": true, "changed": false,
            "msg": "unable to connect with s3cret", "invocation": {"module_args": {"x": "s3cret"}}}),
        ));
        assert_eq!(out["failed"], json!(true));
        assert_eq!(out["msg"], json!("unable to connect with ********"));
        assert_eq!(
            out["invocation"]["module_args"]["x"],
            json!("VALUE_SPECIFIED_IN_NO_LOG_PARAMETER")
        );
        let out = shown(ran(Status::Unreachable, json!({"unreachable": true})));
        assert_eq!(out["msg"], json!(NO_MSG));
        assert_eq!(out["unreachable"], json!(true));
    }

    #[test]
    fn our_errors_are_scrubbed_too() {
        let out = shown(Err(ToolboxError::Runner {
            code: 4,
            output: "line: {\"login_password\": \"s3cret\"}".into(),
        }));
        assert_eq!(out["failed"], json!(true));
        assert!(!out.to_string().contains("s3cret"), "{out}");
    }
}
