//! Applies an [`ArgSpec`] to the raw arguments in the order of ansible-core's
//! `ArgumentSpecValidator`: aliases (both given is a warning), mutual
//! exclusion, required, types of every option, choices of every option,
//! required_together, required_one_of, required_if, and unsupported names
//! last. The failure message is the first error's, as `AnsibleModule` shows it.

use crate::convert::{python_str, python_type_short};
use crate::spec::ArgSpec;
use serde_json::{Map, Value};
use std::fmt;

/// Options that passed validation, and the warnings validation raised.
#[derive(Debug, Clone, PartialEq)]
pub struct Validated {
    /// Every option of the spec under its canonical name, coerced; absent ones
    /// hold their default or null.
    pub params: Map<String, Value>,
    /// E.g. "Both option name and its alias n are set.", in ansible-core's words.
    pub warnings: Vec<String>,
}

/// Every rule the arguments broke; the first message is the one Ansible shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// One message per broken rule, in the order ansible-core checks them.
    pub messages: Vec<String>,
    /// Warnings raised before the failure; Ansible shows them with it.
    pub warnings: Vec<String>,
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

/// ansible-core's `count_terms`: how many of `names` were given (null counts as given).
fn given(params: &Map<String, Value>, names: &[&str]) -> usize {
    names.iter().filter(|n| params.contains_key(**n)).count()
}

/// Folds aliases into canonical names as `_handle_aliases` does: an alias
/// given after its option (or after another alias) overrides it, with a warning.
fn fold_aliases(spec: &ArgSpec, raw: &Map<String, Value>) -> (Map<String, Value>, Vec<String>) {
    let mut params = Map::new();
    let mut warnings = Vec::new();
    for p in &spec.params {
        if let Some(v) = raw.get(p.name) {
            params.insert(p.name.to_string(), v.clone());
        }
        for alias in &p.aliases {
            if let Some(v) = raw.get(*alias) {
                if params.contains_key(p.name) {
                    warnings.push(format!(
                        "Both option {} and its alias {alias} are set.",
                        p.name
                    ));
                }
                params.insert(p.name.to_string(), v.clone());
            }
        }
    }
    (params, warnings)
}

fn unsupported_message(spec: &ArgSpec, raw: &Map<String, Value>) -> Option<String> {
    let mut unsupported: Vec<&str> = raw
        .keys()
        .map(String::as_str)
        .filter(|k| spec.find(k).is_none())
        .collect();
    if unsupported.is_empty() {
        return None;
    }
    unsupported.sort_unstable();
    let mut names: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
    names.sort_unstable();
    let mut aliases: Vec<&str> = spec
        .params
        .iter()
        .flat_map(|p| p.aliases.iter().copied())
        .collect();
    aliases.sort_unstable();
    let mut supported = names.join(", ");
    if !aliases.is_empty() {
        supported.push_str(&format!(" ({})", aliases.join(", ")));
    }
    Some(format!(
        "Unsupported parameters for ({}) module: {}. Supported parameters include: {supported}.",
        spec.module,
        unsupported.join(", "),
    ))
}

/// Validates and coerces `raw` against `spec`.
pub(crate) fn validate(
    spec: &ArgSpec,
    raw: &Map<String, Value>,
) -> Result<Validated, ValidationError> {
    let (mut params, warnings) = fold_aliases(spec, raw);
    let mut errors = Vec::new();

    let exclusive: Vec<String> = spec
        .mutually_exclusive
        .iter()
        .filter(|group| given(&params, group) > 1)
        .map(|group| group.join("|"))
        .collect();
    if !exclusive.is_empty() {
        errors.push(format!(
            "parameters are mutually exclusive: {}",
            exclusive.join(", ")
        ));
    }

    for p in &spec.params {
        if let (false, Some(d)) = (params.contains_key(p.name), &p.default) {
            params.insert(p.name.to_string(), d.clone());
        }
    }

    let mut missing: Vec<&str> = spec
        .params
        .iter()
        .filter(|p| p.required && !params.contains_key(p.name))
        .map(|p| p.name)
        .collect();
    if !missing.is_empty() {
        missing.sort_unstable();
        errors.push(format!(
            "missing required arguments: {}",
            missing.join(", ")
        ));
    }

    for p in &spec.params {
        // Null is "not given" here: modules rely on it to tell absent from set.
        let Some(value) = params.get(p.name).filter(|v| !v.is_null()) else {
            continue;
        };
        let mut coerced = match p.ty.coerce(value) {
            Ok(v) => v,
            Err(e) => {
                errors.push(format!(
                    "argument '{}' is of type {} and we were unable to convert to {}: {e}",
                    p.name,
                    python_type_short(value),
                    p.ty.name(),
                ));
                continue;
            }
        };
        if let (Some(elem), Value::Array(items)) = (p.elements, &mut coerced) {
            let mut kept = Vec::with_capacity(items.len());
            for item in items.drain(..) {
                match elem.coerce(&item) {
                    Ok(v) => kept.push(v),
                    Err(e) => errors.push(format!(
                        "Elements value for option '{}' is of type {} and we were unable to convert to {}: {e}",
                        p.name,
                        python_type_short(&item),
                        elem.name(),
                    )),
                }
            }
            *items = kept;
        }
        params.insert(p.name.to_string(), coerced);
    }

    for p in &spec.params {
        if let (Some(choices), Some(value)) = (&p.choices, params.get(p.name)) {
            if !value.is_null() {
                check_choices(p.name, value, choices, &mut errors);
            }
        }
    }

    if let Some(group) = spec
        .required_together
        .iter()
        .find(|g| (1..g.len()).contains(&given(&params, g)))
    {
        errors.push(format!(
            "parameters are required together: {}",
            group.join(", ")
        ));
    }
    if let Some(group) = spec.required_one_of.iter().find(|g| given(&params, g) == 0) {
        errors.push(format!(
            "one of the following is required: {}",
            group.join(", ")
        ));
    }
    let broken_if = spec.required_if.iter().find_map(|rule| {
        if params.get(rule.key) != Some(&rule.value) {
            return None;
        }
        let missing: Vec<&str> = rule
            .requirements
            .iter()
            .copied()
            .filter(|n| !params.contains_key(*n))
            .collect();
        let limit = if rule.any { rule.requirements.len() } else { 1 };
        (!missing.is_empty() && missing.len() >= limit).then(|| {
            format!(
                "{} is {} but {} of the following are missing: {}",
                rule.key,
                python_str(&rule.value),
                if rule.any { "any" } else { "all" },
                missing.join(", ")
            )
        })
    });
    errors.extend(broken_if);

    errors.extend(unsupported_message(spec, raw));

    for p in &spec.params {
        params.entry(p.name.to_string()).or_insert(Value::Null);
    }
    if errors.is_empty() {
        Ok(Validated { params, warnings })
    } else {
        Err(ValidationError {
            messages: errors,
            warnings,
        })
    }
}

fn check_choices(name: &str, value: &Value, choices: &[Value], errors: &mut Vec<String>) {
    let list = |vals: &[Value]| vals.iter().map(python_str).collect::<Vec<_>>().join(", ");
    let matches = |v: &Value| {
        choices
            .iter()
            .any(|c| c == v || python_str(c) == python_str(v))
    };
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
            python_str(v)
        )),
        _ => {}
    }
}

/// The values that must never be echoed, as ansible-core's `_list_no_log_values`
/// and `_set_defaults` find them: each `no_log` option's value (under its name
/// or any alias) when truthy, a string as is, a number as its `str()`, the
/// leaves of a list or dict likewise (booleans and nulls never); and a truthy
/// default of an absent `no_log` option. Read from the raw arguments so that
/// they are known even when validation fails.
pub(crate) fn no_log_values(spec: &ArgSpec, raw: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    for p in spec.params.iter().filter(|p| p.no_log) {
        let mut seen = false;
        for name in std::iter::once(&p.name).chain(p.aliases.iter()) {
            if let Some(v) = raw.get(*name) {
                seen = true;
                if truthy(v) {
                    collect_leaves(v, &mut out);
                }
            }
        }
        if let (false, Some(d)) = (seen, &p.default) {
            if truthy(d) {
                collect_leaves(d, &mut out);
            }
        }
    }
    out
}

/// Python's `bool(value)`.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    }
}

/// `_return_datastructure_name`: every non-empty string and every number, as text.
fn collect_leaves(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Null | Value::Bool(_) => {}
        Value::String(s) if s.is_empty() => {}
        Value::Array(items) => items.iter().for_each(|i| collect_leaves(i, out)),
        Value::Object(map) => map.values().for_each(|i| collect_leaves(i, out)),
        other => out.push(python_str(other)),
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

    /// A spec of plain `str` options.
    fn strs(names: &[&'static str]) -> ArgSpec {
        names
            .iter()
            .fold(ArgSpec::new("d"), |s, n| s.param(Param::str(n)))
    }

    fn run(args: serde_json::Value) -> Result<Validated, ValidationError> {
        spec().validate(args.as_object().unwrap())
    }

    fn errors(args: serde_json::Value) -> Vec<String> {
        run(args).unwrap_err().messages
    }

    fn first_error(args: serde_json::Value) -> String {
        errors(args)[0].clone()
    }

    const SUPPORTED: &str =
        "Supported parameters include: content, count, name, password, path, state, tags (n).";

    #[test]
    fn defaults_aliases_and_nulls() {
        let v = run(json!({"n": "x"})).unwrap();
        assert_eq!(v.params["name"], json!("x"));
        assert_eq!(v.params["state"], json!("present"));
        assert_eq!(v.params["count"], json!(1));
        assert_eq!(v.params["path"], Value::Null);
        assert!(v.warnings.is_empty());
        assert!(!v.params.contains_key("n"));
    }

    #[test]
    fn option_and_alias_both_given_is_a_warning_and_the_alias_wins() {
        let v = run(json!({"name": "a", "n": "b"})).unwrap();
        assert_eq!(v.params["name"], json!("b"));
        assert_eq!(v.warnings, ["Both option name and its alias n are set."]);
    }

    #[test]
    fn unsupported_parameters_named_and_supported_listed() {
        assert_eq!(
            first_error(json!({"name": "x", "bogus": 1, "alpha": 2})),
            format!("Unsupported parameters for (demo) module: alpha, bogus. {SUPPORTED}")
        );
    }

    #[test]
    fn unsupported_parameters_come_last() {
        assert_eq!(
            errors(json!({"bogus": 1, "count": "x", "state": "gone"})),
            [
                "missing required arguments: name".to_string(),
                "argument 'count' is of type str and we were unable to convert to int: \
                 \"'x'\" cannot be converted to an int"
                    .to_string(),
                "value of state must be one of: present, absent, got: gone".to_string(),
                format!("Unsupported parameters for (demo) module: bogus. {SUPPORTED}"),
            ]
        );
    }

    #[test]
    fn mutually_exclusive_before_required_before_types() {
        assert_eq!(
            errors(json!({"path": "a", "content": "b", "count": "2.5", "state": "absent"})),
            [
                "parameters are mutually exclusive: path|content",
                "missing required arguments: name",
                "argument 'count' is of type str and we were unable to convert to int: \
                 \"'2.5'\" cannot be converted to an int",
            ]
        );
    }

    #[test]
    fn all_types_are_checked_before_any_choices() {
        let s = ArgSpec::new("d")
            .param(Param::str("s").choices(&["a", "b"]))
            .param(Param::bool("b"))
            .param(Param::float("f"));
        let e = s
            .validate(json!({"s": "c", "b": "x", "f": "y"}).as_object().unwrap())
            .unwrap_err()
            .messages;
        assert!(e[0].starts_with("argument 'b' is of type str and we were unable to convert to bool: The value 'x' is not a valid boolean."), "{}", e[0]);
        assert_eq!(
            e[1],
            "argument 'f' is of type str and we were unable to convert to float: \
             <class 'str'> cannot be converted to a float"
        );
        assert_eq!(e[2], "value of s must be one of: a, b, got: c");
    }

    #[test]
    fn missing_required() {
        assert_eq!(first_error(json!({})), "missing required arguments: name");
    }

    #[test]
    fn wrong_type() {
        assert_eq!(
            first_error(json!({"name": "x", "count": 2.5})),
            "argument 'count' is of type float and we were unable to convert to int: \
             \"2.5\" cannot be converted to an int"
        );
    }

    #[test]
    fn list_elements_coerced() {
        assert_eq!(
            run(json!({"name": "x", "tags": "1,2"})).unwrap().params["tags"],
            json!([1, 2])
        );
        assert_eq!(
            first_error(json!({"name": "x", "tags": "1,b"})),
            "Elements value for option 'tags' is of type str and we were unable to convert \
             to int: \"'b'\" cannot be converted to an int"
        );
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
    fn cross_option_rules_in_ansible_order() {
        let s = strs(&["a", "b", "c"])
            .required_if_any("a", "x", &["b", "c"])
            .required_one_of(&["a", "b"])
            .required_together(&["b", "c"]);
        let err = |v: serde_json::Value| s.validate(v.as_object().unwrap()).unwrap_err().messages;
        assert_eq!(
            err(json!({"a": "x"})),
            ["a is x but any of the following are missing: b, c"]
        );
        assert_eq!(err(json!({})), ["one of the following is required: a, b"]);
        assert_eq!(
            err(json!({"a": "y", "b": "1"})),
            ["parameters are required together: b, c"]
        );
        assert_eq!(
            err(json!({"b": "1", "x": 1})),
            [
                "parameters are required together: b, c",
                "Unsupported parameters for (d) module: x. Supported parameters include: a, b, c.",
            ]
        );
    }

    #[test]
    fn mutually_exclusive_groups_share_one_message() {
        let s = strs(&["a", "b", "c", "e"])
            .mutually_exclusive(&["a", "b"])
            .mutually_exclusive(&["c", "e"]);
        let e = s
            .validate(json!({"a": 1, "b": 2, "c": 3, "e": 4}).as_object().unwrap())
            .unwrap_err();
        assert_eq!(e.messages, ["parameters are mutually exclusive: a|b, c|e"]);
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

    #[test]
    fn no_log_values_follow_ansible_truthiness_and_leaves() {
        let s = ArgSpec::new("d")
            .param(Param::raw("secret").no_log().aliases(&["pw"]))
            .param(Param::str("token").no_log().default("dflt"))
            .param(Param::str("plain"));
        let values = |v: serde_json::Value| no_log_values(&s, v.as_object().unwrap());
        assert_eq!(
            values(json!({"secret": 0, "token": ""})),
            Vec::<String>::new()
        );
        assert_eq!(values(json!({"secret": true})), ["dflt"]);
        assert_eq!(values(json!({"pw": "0", "plain": "x"})), ["0", "dflt"]);
        assert_eq!(
            values(json!({"secret": {"k": ["a", 2, 1.5, false, null, ""]}, "token": "t"})),
            ["a", "2", "1.5", "t"]
        );
    }
}
