//! Applies an [`ArgSpec`] to the raw arguments, in AnsibleModule's order:
//! aliases, unsupported names, mutual exclusion, defaults, required, types,
//! choices, then the cross-option rules.

use crate::convert::{python_type_name, to_str};
use crate::spec::ArgSpec;
use serde_json::{Map, Value};
use std::fmt;

/// Every rule the arguments broke; the first message is the one Ansible shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// One message per broken rule, in the order AnsibleModule checks them.
    pub messages: Vec<String>,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            self.messages
                .first()
                .map(String::as_str)
                .unwrap_or("invalid arguments"),
        )
    }
}

impl std::error::Error for ValidationError {}

fn is_set(params: &Map<String, Value>, name: &str) -> bool {
    params.get(name).is_some_and(|v| !v.is_null())
}

/// Validates and coerces `raw`; the result holds every option of the spec
/// (absent ones as their default or null).
pub fn validate(
    spec: &ArgSpec,
    raw: &Map<String, Value>,
) -> Result<Map<String, Value>, ValidationError> {
    let mut errors = Vec::new();
    let mut params = Map::new();

    // Aliases fold into the canonical name; unknown names are collected.
    let mut unsupported = Vec::new();
    for (key, value) in raw {
        match spec
            .params
            .iter()
            .find(|p| p.name == key || p.aliases.contains(&key.as_str()))
        {
            Some(p) => {
                if params.contains_key(p.name) && p.name != key {
                    errors.push(format!(
                        "parameters are mutually exclusive: {}|{}",
                        p.name, key
                    ));
                }
                if p.name == key || !params.contains_key(p.name) {
                    params.insert(p.name.to_string(), value.clone());
                }
            }
            None => unsupported.push(key.clone()),
        }
    }
    if !unsupported.is_empty() {
        unsupported.sort();
        let mut supported: Vec<String> = spec
            .params
            .iter()
            .map(|p| {
                if p.aliases.is_empty() {
                    p.name.to_string()
                } else {
                    let mut a = p.aliases.clone();
                    a.sort();
                    format!("{} ({})", p.name, a.join(", "))
                }
            })
            .collect();
        supported.sort();
        errors.push(format!(
            "Unsupported parameters for ({}) module: {}. Supported parameters include: {}.",
            spec.module,
            unsupported.join(", "),
            supported.join(", ")
        ));
    }

    for group in &spec.mutually_exclusive {
        let present: Vec<&str> = group
            .iter()
            .copied()
            .filter(|n| is_set(&params, n))
            .collect();
        if present.len() > 1 {
            errors.push(format!(
                "parameters are mutually exclusive: {}",
                group.join("|")
            ));
        }
    }

    let mut missing: Vec<&str> = spec
        .params
        .iter()
        .filter(|p| p.required && !params.contains_key(p.name))
        .map(|p| p.name)
        .collect();
    if !missing.is_empty() {
        missing.sort();
        errors.push(format!(
            "missing required arguments: {}",
            missing.join(", ")
        ));
    }

    for p in &spec.params {
        if !params.contains_key(p.name) {
            if let Some(d) = &p.default {
                params.insert(p.name.to_string(), d.clone());
            }
        }
        let Some(value) = params.get(p.name) else {
            continue;
        };
        if value.is_null() {
            continue;
        }
        let mut coerced = match p.ty.coerce(value) {
            Ok(v) => v,
            Err(e) => {
                errors.push(format!(
                    "argument '{}' is of type {} and we were unable to convert to {}: {}",
                    p.name,
                    python_type_name(value),
                    p.ty.name(),
                    e
                ));
                continue;
            }
        };
        if let (Some(elem), Value::Array(items)) = (p.elements, &mut coerced) {
            for item in items.iter_mut() {
                match elem.coerce(item) {
                    Ok(v) => *item = v,
                    Err(e) => errors.push(format!(
                        "Elements value for option '{}' is of type {} and we were unable to convert to {}: {}",
                        p.name,
                        python_type_name(item),
                        elem.name(),
                        e
                    )),
                }
            }
        }
        if let Some(choices) = &p.choices {
            check_choices(p.name, &coerced, choices, &mut errors);
        }
        params.insert(p.name.to_string(), coerced);
    }

    for group in &spec.required_together {
        let n = group.iter().filter(|n| is_set(&params, n)).count();
        if n > 0 && n < group.len() {
            errors.push(format!(
                "parameters are required together: {}",
                group.join(", ")
            ));
        }
    }
    for group in &spec.required_one_of {
        if !group.iter().any(|n| is_set(&params, n)) {
            errors.push(format!(
                "one of the following is required: {}",
                group.join(", ")
            ));
        }
    }
    for rule in &spec.required_if {
        if params.get(rule.key) != Some(&rule.value) {
            continue;
        }
        let missing: Vec<&str> = rule
            .requirements
            .iter()
            .copied()
            .filter(|n| !is_set(&params, n))
            .collect();
        let broken = if rule.any {
            missing.len() == rule.requirements.len()
        } else {
            !missing.is_empty()
        };
        if broken {
            errors.push(format!(
                "{} is {} but {} of the following are missing: {}",
                rule.key,
                to_str(&rule.value),
                if rule.any { "any" } else { "all" },
                missing.join(", ")
            ));
        }
    }

    for p in &spec.params {
        params.entry(p.name.to_string()).or_insert(Value::Null);
    }
    if errors.is_empty() {
        Ok(params)
    } else {
        Err(ValidationError { messages: errors })
    }
}

fn check_choices(name: &str, value: &Value, choices: &[Value], errors: &mut Vec<String>) {
    let list = |vals: &[Value]| vals.iter().map(to_str).collect::<Vec<_>>().join(", ");
    let matches = |v: &Value| choices.iter().any(|c| c == v || to_str(c) == to_str(v));
    match value {
        Value::Array(items) => {
            let bad: Vec<Value> = items.iter().filter(|v| !matches(v)).cloned().collect();
            if !bad.is_empty() {
                errors.push(format!(
                    "value of {} must be one or more of: {}. Got no match for: {}",
                    name,
                    list(choices),
                    list(&bad)
                ));
            }
        }
        v if !matches(v) => errors.push(format!(
            "value of {} must be one of: {}, got: {}",
            name,
            list(choices),
            to_str(v)
        )),
        _ => {}
    }
}

/// Every string that must never be echoed: the values of `no_log` options,
/// including the leaves of lists and dicts, read from the raw arguments so
/// that they are known even when validation fails.
pub(crate) fn no_log_values(spec: &ArgSpec, raw: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    for p in spec.params.iter().filter(|p| p.no_log) {
        for name in std::iter::once(&p.name).chain(p.aliases.iter()) {
            if let Some(v) = raw.get(*name) {
                collect_leaves(v, &mut out);
            }
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

fn collect_leaves(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Null => {}
        Value::Array(items) => items.iter().for_each(|i| collect_leaves(i, out)),
        Value::Object(map) => map.values().for_each(|i| collect_leaves(i, out)),
        other => out.push(to_str(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::Type;
    use crate::spec::{ArgSpec, Param};
    use serde_json::json;

    fn spec() -> ArgSpec {
        ArgSpec::new("demo")
            .param(Param::str("name").required().aliases(&["n"]))
            .param(
                Param::str("state")
                    .default("present")
                    .choices(&["present", "absent"]),
            )
            .param(Param::int("count").default(1))
            .param(Param::list("tags").elements(Type::Int))
            .param(Param::str("path"))
            .param(Param::str("content"))
            .param(Param::str("password").no_log())
            .required_if("state", "absent", &["path"])
            .mutually_exclusive(&["path", "content"])
    }

    fn run(args: serde_json::Value) -> Result<Map<String, Value>, ValidationError> {
        validate(&spec(), args.as_object().unwrap())
    }

    fn first_error(args: serde_json::Value) -> String {
        run(args).unwrap_err().messages[0].clone()
    }

    #[test]
    fn defaults_aliases_and_nulls() {
        let p = run(json!({"n": "x"})).unwrap();
        assert_eq!(p["name"], json!("x"));
        assert_eq!(p["state"], json!("present"));
        assert_eq!(p["count"], json!(1));
        assert_eq!(p["path"], Value::Null);
    }

    #[test]
    fn unsupported_parameters_named_and_supported_listed() {
        assert_eq!(
            first_error(json!({"name": "x", "bogus": 1, "alpha": 2})),
            "Unsupported parameters for (demo) module: alpha, bogus. Supported parameters include: \
             content, count, name (n), password, path, state, tags."
        );
    }

    #[test]
    fn missing_required() {
        assert_eq!(first_error(json!({})), "missing required arguments: name");
    }

    #[test]
    fn wrong_type() {
        assert_eq!(
            first_error(json!({"name": "x", "count": "many"})),
            "argument 'count' is of type <class 'str'> and we were unable to convert to int: \
             <class 'str'> cannot be converted to an int"
        );
    }

    #[test]
    fn list_elements_coerced() {
        assert_eq!(
            run(json!({"name": "x", "tags": "1,2"})).unwrap()["tags"],
            json!([1, 2])
        );
        assert!(first_error(json!({"name": "x", "tags": "1,b"}))
            .starts_with("Elements value for option 'tags'"));
    }

    #[test]
    fn choices() {
        assert_eq!(
            first_error(json!({"name": "x", "state": "gone"})),
            "value of state must be one of: present, absent, got: gone"
        );
    }

    #[test]
    fn required_if_rule() {
        assert_eq!(
            first_error(json!({"name": "x", "state": "absent"})),
            "state is absent but all of the following are missing: path"
        );
    }

    #[test]
    fn required_if_any_and_one_of_and_together() {
        let s = ArgSpec::new("d")
            .param(Param::str("a"))
            .param(Param::str("b"))
            .param(Param::str("c"))
            .required_if_any("a", "x", &["b", "c"])
            .required_one_of(&["a", "b"])
            .required_together(&["b", "c"]);
        let err = |v: serde_json::Value| {
            validate(&s, v.as_object().unwrap()).unwrap_err().messages[0].clone()
        };
        assert_eq!(
            err(json!({"a": "x"})),
            "a is x but any of the following are missing: b, c"
        );
        assert_eq!(err(json!({})), "one of the following is required: a, b");
        assert_eq!(
            err(json!({"a": "y", "b": "1"})),
            "parameters are required together: b, c"
        );
    }

    #[test]
    fn mutually_exclusive_rule() {
        assert_eq!(
            first_error(json!({"name": "x", "path": "a", "content": "b"})),
            "parameters are mutually exclusive: path|content"
        );
    }

    #[test]
    fn no_log_values_are_collected_even_when_invalid() {
        let raw = json!({"password": "s3cret", "bogus": 1});
        assert_eq!(
            no_log_values(&spec(), raw.as_object().unwrap()),
            vec!["s3cret".to_string()]
        );
    }
}
