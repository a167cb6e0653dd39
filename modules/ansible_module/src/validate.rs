//! Applies an [`ArgSpec`] to the raw arguments in the order of ansible-core's
//! `ArgumentSpecValidator`: aliases (both given is a warning), mutual
//! exclusion, required, types of every option, choices of every option,
//! required_together, required_one_of, required_if; then each dict option's
//! sub-options (`options`), level by level, with the same rules; unsupported
//! names of every level last, in one message. The failure message is the
//! first error's, as `AnsibleModule` shows it; errors inside sub-options name
//! where they were found (`found in args -> items`), as ansible-core's do.

use crate::convert::{python_str, python_type_short, Type};
use crate::spec::{ArgSpec, Param};
use serde_json::{Map, Value};
use std::fmt;

/// Options that passed validation, and the warnings validation raised.
#[derive(Debug, Clone, PartialEq)]
pub struct Validated {
    /// Every option of the spec under its canonical name, coerced; absent ones
    /// hold their default or null. A dict option with sub-options holds every
    /// sub-option likewise.
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

/// Where a level of options sits: its parents' names (ansible-core's
/// `options_context`) and the prefix its alias warnings use (`args.`,
/// `items[0].`). Empty for the module's own options.
#[derive(Debug, Clone, Default)]
struct Context {
    path: Vec<&'static str>,
    prefix: String,
}

impl Context {
    fn is_top(&self) -> bool {
        self.path.is_empty()
    }
    /// The level of `param`'s sub-options; lists number their elements in warnings.
    fn child(&self, param: &'static str, index: Option<usize>) -> Context {
        let mut path = self.path.clone();
        path.push(param);
        let prefix = match index {
            Some(i) => format!("{}{param}[{i}].", self.prefix),
            None => format!("{}{param}.", self.prefix),
        };
        Context { path, prefix }
    }
    /// `a -> b`, as messages name the level.
    fn trail(&self) -> String {
        self.path.join(" -> ")
    }
    /// The suffix most rules' messages get: ` found in a -> b`.
    fn found_in(&self) -> String {
        if self.is_top() {
            String::new()
        } else {
            format!(" found in {}", self.trail())
        }
    }
}

/// An unknown key, by its dotted path, and what its level supports.
struct Unsupported {
    name: String,
    depth: usize,
    supported: String,
}

/// What one validation collects over all levels.
#[derive(Default)]
struct Run {
    errors: Vec<String>,
    /// The module-level alias warnings: AnsibleModule emits them after validation.
    warnings: Vec<String>,
    /// Sub-option alias warnings: ansible-core emits them while validating, so first.
    nested_warnings: Vec<String>,
    unsupported: Vec<Unsupported>,
}

/// Folds aliases into canonical names as `_handle_aliases` does: an alias
/// given after its option (or after another alias) overrides it; each such
/// pair is returned as (option, alias) for the warning.
fn fold_aliases(
    spec: &ArgSpec,
    raw: &Map<String, Value>,
) -> (Map<String, Value>, Vec<(&'static str, &'static str)>) {
    let mut params = Map::new();
    let mut both = Vec::new();
    for p in &spec.params {
        if let Some(v) = raw.get(p.name) {
            params.insert(p.name.to_string(), v.clone());
        }
        for alias in &p.aliases {
            if let Some(v) = raw.get(*alias) {
                if params.contains_key(p.name) {
                    both.push((p.name, *alias));
                }
                params.insert(p.name.to_string(), v.clone());
            }
        }
    }
    (params, both)
}

/// "content, count, name (n)": the canonical names, then the aliases, each sorted.
fn supported_names(spec: &ArgSpec) -> String {
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
    supported
}

/// The values a dict (or list-of-dicts) option holds, one per would-be dict:
/// ansible-core walks a single value as a one-element list.
fn elements(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// The `TypeError` ansible-core's `_list_no_log_values` raises while it walks
/// sub-options before any other check: a sub-parameter that is neither a dict
/// nor text that parses as one. Deeper levels are walked as given (their
/// aliases unfolded), as ansible-core walks them.
fn sub_parameter_error(spec: &ArgSpec, params: &Map<String, Value>) -> Option<String> {
    for p in &spec.params {
        let Some(sub) = p.sub_spec() else { continue };
        let Some(value) = params.get(p.name).filter(|v| !v.is_null()) else {
            continue;
        };
        for item in elements(value) {
            let parsed;
            let dict = match item {
                Value::Object(map) => map,
                Value::String(_) => match Type::Dict.coerce(item) {
                    Ok(Value::Object(map)) => {
                        parsed = map;
                        &parsed
                    }
                    Ok(_) => continue,
                    Err(e) => return Some(e),
                },
                other => {
                    return Some(format!(
                        "Value '{}' in the sub parameter field '{}' must be a {}, not '{}'",
                        python_str(other),
                        p.name,
                        p.ty.name(),
                        python_type_short(other),
                    ))
                }
            };
            if let Some(e) = sub_parameter_error(sub, dict) {
                return Some(e);
            }
        }
    }
    None
}

impl Run {
    /// Validates one level of options and, through [`Run::sub_options`], the levels below it.
    fn level(
        &mut self,
        spec: &ArgSpec,
        raw: &Map<String, Value>,
        ctx: &Context,
    ) -> Map<String, Value> {
        let (mut params, both) = fold_aliases(spec, raw);
        for (option, alias) in both {
            if ctx.is_top() {
                self.warnings.push(format!(
                    "Both option {option} and its alias {alias} are set."
                ));
            } else {
                let p = &ctx.prefix;
                self.nested_warnings.push(format!(
                    "Both option {p}{option} and its alias {p}{alias} are set."
                ));
            }
        }
        self.errors.extend(sub_parameter_error(spec, &params));
        self.note_unsupported(spec, raw, ctx);

        let exclusive: Vec<String> = spec
            .mutually_exclusive
            .iter()
            .filter(|group| given(&params, group) > 1)
            .map(|group| group.join("|"))
            .collect();
        if !exclusive.is_empty() {
            self.errors.push(format!(
                "parameters are mutually exclusive: {}{}",
                exclusive.join(", "),
                ctx.found_in()
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
            self.errors.push(format!(
                "missing required arguments: {}{}",
                missing.join(", "),
                ctx.found_in()
            ));
        }

        for p in &spec.params {
            if let Some(value) = params.get(p.name) {
                if let Some(coerced) = self.coerce(p, value, ctx) {
                    params.insert(p.name.to_string(), coerced);
                }
            }
        }

        for p in &spec.params {
            if let (Some(choices), Some(value)) = (&p.choices, params.get(p.name)) {
                // A null module option is "not given" (see `coerce`); a null sub-option is
                // checked, as ansible-core checks every given value.
                if !value.is_null() || !ctx.is_top() {
                    self.errors
                        .extend(choices_error(p.name, value, choices, &ctx.found_in()));
                }
            }
        }

        self.cross_option_rules(spec, &params, ctx);

        for p in &spec.params {
            params.entry(p.name.to_string()).or_insert(Value::Null);
        }
        self.sub_options(spec, &mut params, ctx);
        params
    }

    /// `value` coerced to `p`'s type and element type, or None when it stays
    /// as given: a null skipped, or a type error recorded.
    fn coerce(&mut self, p: &Param, value: &Value, ctx: &Context) -> Option<Value> {
        // A null module option is "not given": modules rely on it to tell absent
        // from set. Sub-options are new here and follow ansible-core, which
        // converts a null when the option is required or has a default.
        let skip_null = ctx.is_top() || (!p.required && p.default.is_none());
        if value.is_null() && skip_null {
            return None;
        }
        let found = if ctx.is_top() {
            String::new()
        } else {
            format!(" found in '{}'", ctx.trail())
        };
        let mut coerced = match p.ty.coerce(value) {
            Ok(v) => v,
            Err(e) => {
                // ansible-core's wording, stray full stop included.
                let stop = if ctx.is_top() { "" } else { "." };
                self.errors.push(format!(
                    "argument '{}' is of type {}{found}{stop} and we were unable to convert to {}: {e}",
                    p.name,
                    python_type_short(value),
                    p.ty.name(),
                ));
                return None;
            }
        };
        if let (Some(elem), Value::Array(items)) = (p.elements, &mut coerced) {
            let mut kept = Vec::with_capacity(items.len());
            for item in items.drain(..) {
                match elem.coerce(&item) {
                    Ok(v) => kept.push(v),
                    Err(e) => self.errors.push(format!(
                        "Elements value for option '{}'{found} is of type {} and we were unable to convert to {}: {e}",
                        p.name,
                        python_type_short(&item),
                        elem.name(),
                    )),
                }
            }
            *items = kept;
        }
        Some(coerced)
    }

    /// required_together, required_one_of, required_if: the first broken one of each.
    fn cross_option_rules(&mut self, spec: &ArgSpec, params: &Map<String, Value>, ctx: &Context) {
        let found = ctx.found_in();
        if let Some(group) = spec
            .required_together
            .iter()
            .find(|g| (1..g.len()).contains(&given(params, g)))
        {
            self.errors.push(format!(
                "parameters are required together: {}{found}",
                group.join(", ")
            ));
        }
        if let Some(group) = spec.required_one_of.iter().find(|g| given(params, g) == 0) {
            self.errors.push(format!(
                "one of the following is required: {}{found}",
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
                    "{} is {} but {} of the following are missing: {}{found}",
                    rule.key,
                    python_str(&rule.value),
                    if rule.any { "any" } else { "all" },
                    missing.join(", ")
                )
            })
        });
        self.errors.extend(broken_if);
    }

    /// Records the keys of `raw` that `spec` does not know, by their path.
    fn note_unsupported(&mut self, spec: &ArgSpec, raw: &Map<String, Value>, ctx: &Context) {
        let unknown: Vec<&String> = raw.keys().filter(|k| spec.find(k).is_none()).collect();
        if unknown.is_empty() {
            return;
        }
        let supported = supported_names(spec);
        for key in unknown {
            let mut name = ctx.path.join(".");
            if !name.is_empty() {
                name.push('.');
            }
            name.push_str(key);
            self.unsupported.push(Unsupported {
                name,
                depth: ctx.path.len(),
                supported: supported.clone(),
            });
        }
    }

    /// Validates each dict option's value (or each dict of a list option)
    /// against its sub-options, replacing it with the validated dict.
    fn sub_options(&mut self, spec: &ArgSpec, params: &mut Map<String, Value>, ctx: &Context) {
        for p in &spec.params {
            let Some(sub) = p.sub_spec() else { continue };
            let value = match params.get(p.name) {
                Some(v) if !v.is_null() => v.clone(),
                _ if p.apply_defaults => Value::Object(Map::new()),
                _ => continue,
            };
            let listed = p.ty == Type::List;
            let validate_one = |run: &mut Run, index: usize, item: Value| match item {
                Value::Object(map) => {
                    let child = ctx.child(p.name, listed.then_some(index));
                    Value::Object(run.level(sub, &map, &child))
                }
                other => {
                    run.errors.push(format!(
                        "value of '{}' must be of type dict or list of dicts",
                        p.name
                    ));
                    other
                }
            };
            let validated = match value {
                Value::Array(items) => Value::Array(
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(i, item)| validate_one(self, i, item))
                        .collect(),
                ),
                single => validate_one(self, 0, single),
            };
            params.insert(p.name.to_string(), validated);
        }
    }

    /// The result: the params, or every error with the unsupported names last.
    fn finish(
        mut self,
        module: &str,
        params: Map<String, Value>,
    ) -> Result<Validated, ValidationError> {
        if !self.unsupported.is_empty() {
            // ansible-core lists the options of whichever unknown key its set
            // yields last, which varies from run to run when keys of several
            // levels are unknown; the shallowest level's are listed here.
            let shallowest = self
                .unsupported
                .iter()
                .min_by(|a, b| (a.depth, &a.name).cmp(&(b.depth, &b.name)))
                .map(|u| u.supported.clone())
                .unwrap_or_default();
            let mut names: Vec<&str> = self.unsupported.iter().map(|u| u.name.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            self.errors.push(format!(
                "Unsupported parameters for ({module}) module: {}. Supported parameters include: {shallowest}.",
                names.join(", "),
            ));
        }
        let mut warnings = self.nested_warnings;
        warnings.extend(self.warnings);
        if self.errors.is_empty() {
            Ok(Validated { params, warnings })
        } else {
            Err(ValidationError {
                messages: self.errors,
                warnings,
            })
        }
    }
}

/// Validates and coerces `raw` against `spec`.
pub(crate) fn validate(
    spec: &ArgSpec,
    raw: &Map<String, Value>,
) -> Result<Validated, ValidationError> {
    let mut run = Run::default();
    let params = run.level(spec, raw, &Context::default());
    run.finish(spec.module, params)
}

/// ansible-core's choices check of one value; `found` ends the message.
fn choices_error(name: &str, value: &Value, choices: &[Value], found: &str) -> Option<String> {
    let list = |vals: &[Value]| vals.iter().map(python_str).collect::<Vec<_>>().join(", ");
    let matches = |v: &Value| {
        choices
            .iter()
            .any(|c| c == v || python_str(c) == python_str(v))
    };
    match value {
        Value::Array(items) => {
            let bad: Vec<Value> = items.iter().filter(|v| !matches(v)).cloned().collect();
            (!bad.is_empty()).then(|| {
                format!(
                    "value of {} must be one or more of: {}. Got no match for: {}{found}",
                    name,
                    list(choices),
                    list(&bad)
                )
            })
        }
        v if !matches(v) => Some(format!(
            "value of {} must be one of: {}, got: {}{found}",
            name,
            list(choices),
            python_str(v)
        )),
        _ => None,
    }
}

/// The values that must never be echoed, as ansible-core's `_list_no_log_values`
/// and `_set_defaults` find them: each `no_log` option's value (under its name
/// or any alias) when truthy, a string as is, a number as its `str()`, the
/// leaves of a list or dict likewise (booleans and nulls never); and a truthy
/// default of an absent `no_log` option; at every level of sub-options, in
/// each dict a value holds or parses to. Read from the raw arguments so that
/// they are known even when validation fails.
pub(crate) fn no_log_values(spec: &ArgSpec, raw: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    collect_no_log(spec, raw, &mut out);
    out
}

fn collect_no_log(spec: &ArgSpec, raw: &Map<String, Value>, out: &mut Vec<String>) {
    for p in &spec.params {
        let given: Vec<&Value> = std::iter::once(&p.name)
            .chain(p.aliases.iter())
            .filter_map(|name| raw.get(*name))
            .collect();
        if p.no_log {
            for v in given.iter().filter(|v| truthy(v)) {
                collect_leaves(v, out);
            }
            if let (true, Some(d)) = (given.is_empty(), &p.default) {
                if truthy(d) {
                    collect_leaves(d, out);
                }
            }
        }
        let Some(sub) = p.sub_spec() else { continue };
        // The value validation sees: the last name given wins, else the default.
        let value = match given.last() {
            Some(v) => (*v).clone(),
            None => p.default.clone().unwrap_or(Value::Null),
        };
        let value = match value {
            Value::Null if p.apply_defaults => Value::Object(Map::new()),
            v => v,
        };
        // Both readings of a text value (one dict, or a list of dicts): hiding
        // too much is harmless, echoing a secret is not.
        let mut candidates: Vec<&Value> = elements(&value);
        let coerced = p.ty.coerce(&value);
        if let Ok(c) = &coerced {
            candidates.extend(elements(c));
        }
        let mut dicts: Vec<Map<String, Value>> = Vec::new();
        for item in candidates {
            if let Ok(Value::Object(map)) = Type::Dict.coerce(item) {
                if !dicts.contains(&map) {
                    dicts.push(map);
                }
            }
        }
        for map in &dicts {
            collect_no_log(sub, map, out);
        }
    }
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

    /// A dict option with sub-options, and a list of dicts with sub-options.
    fn nested() -> ArgSpec {
        ArgSpec::new("demo")
            .param(
                Param::dict("auth").default(json!({})).options(
                    ArgSpec::suboptions()
                        .param(Param::str("token").no_log().aliases(&["pw"]))
                        .param(Param::str("scope").no_log().default("dflt-scope"))
                        .param(Param::int("port").default(80)),
                ),
            )
            .param(
                Param::list("items").elements(Type::Dict).options(
                    ArgSpec::suboptions()
                        .param(Param::str("name").required())
                        .param(Param::str("secret").no_log()),
                ),
            )
            .param(
                Param::dict("opts")
                    .apply_defaults()
                    .options(ArgSpec::suboptions().param(Param::int("level").default(3))),
            )
            .param(Param::str("plain").options(ArgSpec::suboptions().param(Param::int("never"))))
    }

    fn nested_run(args: serde_json::Value) -> Result<Validated, ValidationError> {
        nested().validate(args.as_object().unwrap())
    }

    #[test]
    fn sub_options_are_coerced_and_defaulted_at_every_level() {
        let v = nested_run(json!({"auth": "port=8", "items": [{"name": 1}]})).unwrap();
        assert_eq!(
            v.params["auth"],
            json!({"token": null, "scope": "dflt-scope", "port": 8})
        );
        assert_eq!(v.params["items"], json!([{"name": "1", "secret": null}]));
        assert_eq!(v.params["opts"], json!({"level": 3}), "apply_defaults");
        let v = nested_run(json!({"opts": null})).unwrap();
        assert_eq!(
            v.params["auth"]["port"],
            json!(80),
            "the parent's default is validated too"
        );
        assert_eq!(
            v.params["items"],
            Value::Null,
            "no apply_defaults: stays absent"
        );
        assert_eq!(v.params["opts"], json!({"level": 3}));
    }

    #[test]
    fn options_on_a_type_that_holds_no_dicts_are_ignored_as_ansible_core_does() {
        let v = nested_run(json!({"plain": "x"})).unwrap();
        assert_eq!(v.params["plain"], json!("x"));
    }

    #[test]
    fn sub_option_errors_name_their_place_and_come_after_the_modules() {
        let e = nested_run(json!({"items": [{"name": "a"}, {"bad": 1}], "opts": {"level": "x"}}))
            .unwrap_err();
        assert_eq!(
            e.messages,
            [
                "missing required arguments: name found in items",
                "argument 'level' is of type str found in 'opts'. and we were unable to convert \
                 to int: \"'x'\" cannot be converted to an int",
                "Unsupported parameters for (demo) module: items.bad. Supported parameters \
                 include: name, secret.",
            ]
        );
    }

    #[test]
    fn unknown_keys_of_several_levels_list_the_shallowest_levels_options() {
        let e = nested_run(json!({"zz": 1, "auth": {"yy": 2}})).unwrap_err();
        assert_eq!(
            e.messages,
            [
                "Unsupported parameters for (demo) module: auth.yy, zz. Supported parameters \
              include: auth, items, opts, plain."
            ]
        );
    }

    #[test]
    fn sub_option_alias_warnings_come_first_and_carry_the_path() {
        let v = nested_run(json!({"auth": {"token": "a", "pw": "b"}})).unwrap();
        assert_eq!(v.params["auth"]["token"], json!("b"));
        assert_eq!(
            v.warnings,
            ["Both option auth.token and its alias auth.pw are set."]
        );
    }

    #[test]
    fn sub_option_secrets_are_found_in_dicts_text_lists_and_defaults() {
        let values = |v: serde_json::Value| no_log_values(&nested(), v.as_object().unwrap());
        assert_eq!(
            values(json!({})),
            ["dflt-scope"],
            "the parent's default {{}} is walked"
        );
        assert_eq!(values(json!({"auth": {"pw": "p1", "scope": ""}})), ["p1"]);
        assert_eq!(values(json!({"auth": "token=t2"})), ["t2", "dflt-scope"]);
        assert_eq!(
            values(json!({"auth": null, "items": [{"secret": "s3"}, "secret=s4", 7]})),
            ["s3", "s4"]
        );
        // A list given as text: ansible-core walks it as one dict (the last
        // `secret=` wins) to find secrets, and validates it as a list of dicts.
        assert_eq!(
            values(json!({"auth": [], "items": "secret=s5,secret=s6"})),
            ["s6", "s5"]
        );
    }
}
