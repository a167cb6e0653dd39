//! Nested options against ansible-core's own results: every case of
//! `nested_options.json` (whose expectations tests/test_glue_nested_options.py
//! checks against AnsibleModule) run through a module invocation here.

use ansible_module::{execute, ArgSpec, Param, Response, Type, Value};

/// A name that lives as long as the spec (specs take `&'static str`).
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn names(v: &Value) -> Vec<&'static str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| leak(n.as_str().unwrap()))
        .collect()
}

fn ty(name: Option<&str>) -> Type {
    match name.unwrap_or("str") {
        "str" => Type::Str,
        "bool" => Type::Bool,
        "int" => Type::Int,
        "float" => Type::Float,
        "list" => Type::List,
        "dict" => Type::Dict,
        "path" => Type::Path,
        "raw" => Type::Raw,
        other => panic!("type {other} is not used by the cases"),
    }
}

/// The spec ansible-core's `argument_spec` (and rules) in `opts` describe.
fn spec(mut spec: ArgSpec, argument_spec: &Value, rules: &Value) -> ArgSpec {
    for (name, o) in argument_spec.as_object().unwrap() {
        let mut p = Param::new(leak(name), ty(o["type"].as_str()));
        if o["required"] == Value::Bool(true) {
            p = p.required();
        }
        if let Some(d) = o.get("default") {
            p = p.default(d.clone());
        }
        if let Some(c) = o.get("choices") {
            p.choices = Some(c.as_array().unwrap().clone());
        }
        if let Some(a) = o.get("aliases") {
            p = p.aliases(&names(a));
        }
        if o["no_log"] == Value::Bool(true) {
            p = p.no_log();
        }
        if let Some(e) = o["elements"].as_str() {
            p = p.elements(ty(Some(e)));
        }
        if o["apply_defaults"] == Value::Bool(true) {
            p = p.apply_defaults();
        }
        if let Some(sub) = o.get("options") {
            p = p.options(self::spec(ArgSpec::suboptions(), sub, o));
        }
        spec = spec.param(p);
    }
    let groups = |key: &str| -> Vec<Vec<&'static str>> {
        rules
            .get(key)
            .map(|g| g.as_array().unwrap().iter().map(names).collect())
            .unwrap_or_default()
    };
    for g in groups("mutually_exclusive") {
        spec = spec.mutually_exclusive(&g);
    }
    for g in groups("required_together") {
        spec = spec.required_together(&g);
    }
    for g in groups("required_one_of") {
        spec = spec.required_one_of(&g);
    }
    for rule in rules
        .get("required_if")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = leak(rule[0].as_str().unwrap());
        let needed = names(&rule[2]);
        spec = if rule.get(3) == Some(&Value::Bool(true)) {
            spec.required_if_any(key, rule[1].clone(), &needed)
        } else {
            spec.required_if(key, rule[1].clone(), &needed)
        };
    }
    spec
}

#[test]
fn nested_options_as_ansible_core_validates_them() {
    let file: Value = serde_json::from_str(include_str!("nested_options.json")).unwrap();
    let mut failures = Vec::new();
    for case in file["cases"].as_array().unwrap() {
        let s = &file["specs"][case["spec"].as_str().unwrap()];
        let spec = spec(ArgSpec::new("demo"), &s["argument_spec"], s);
        let args = case["args"].to_string();
        let out = execute(&spec, args.as_bytes(), |m| {
            Ok(Response::new(false).set("params", m.params()))
        });
        let expect = &case["expect"];
        let warnings = out.get("warnings").cloned().unwrap_or(Value::Array(vec![]));
        let want_warnings = expect
            .get("warnings")
            .cloned()
            .unwrap_or(Value::Array(vec![]));
        let got = if expect.get("params").is_some() {
            serde_json::json!({"params": out["params"], "failed": out.get("failed"), "warnings": warnings})
        } else {
            let errors = out
                .get("errors")
                .cloned()
                .unwrap_or_else(|| Value::Array(vec![out["msg"].clone()]));
            serde_json::json!({"msg": out["msg"], "errors": errors, "warnings": warnings})
        };
        let want = if let Some(params) = expect.get("params") {
            serde_json::json!({"params": params, "failed": null, "warnings": want_warnings})
        } else {
            serde_json::json!({"msg": expect["msg"], "errors": expect["errors"], "warnings": want_warnings})
        };
        if got != want {
            failures.push(format!(
                "{}:\n  got  {got}\n  want {want}",
                case["name"].as_str().unwrap()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
