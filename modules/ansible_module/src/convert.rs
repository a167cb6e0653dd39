//! Ansible's type coercions (`ansible.module_utils.common.validation.check_type_*`).
//!
//! Ad-hoc `-a k=v` arguments reach a module as strings, so every module must
//! accept "yes", "10", "a,b" and `k=v` text exactly where AnsibleModule would.

use serde_json::{Map, Number, Value};

/// The argument types AnsibleModule knows and this crate implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// `str`: scalars are converted to their Python text form.
    Str,
    /// `bool`: yes/no/true/false/on/off/1/0/y/n/t/f in any case.
    Bool,
    /// `int`: integers, numeric strings, integral floats.
    Int,
    /// `float`: numbers and numeric strings.
    Float,
    /// `list`: lists, comma-separated strings, single numbers.
    List,
    /// `dict`: objects, JSON text, or `k=v k2=v2` text.
    Dict,
    /// `path`: a string with `~` and `$VAR` expanded.
    Path,
    /// `raw`: passed through untouched.
    Raw,
}

impl Type {
    /// The name Ansible prints for this type in error messages.
    pub fn name(self) -> &'static str {
        match self {
            Type::Str => "str",
            Type::Bool => "bool",
            Type::Int => "int",
            Type::Float => "float",
            Type::List => "list",
            Type::Dict => "dict",
            Type::Path => "path",
            Type::Raw => "raw",
        }
    }

    /// Coerces `value` to this type; the error text is the part after
    /// "unable to convert to X: " in AnsibleModule's message.
    pub fn coerce(self, value: &Value) -> Result<Value, String> {
        match self {
            Type::Str => Ok(Value::String(to_str(value))),
            Type::Bool => to_bool(value).map(Value::Bool),
            Type::Int => to_int(value),
            Type::Float => to_float(value),
            Type::List => to_list(value),
            Type::Dict => to_dict(value),
            Type::Path => Ok(Value::String(expand_path(&to_str(value)))),
            Type::Raw => Ok(value.clone()),
        }
    }
}

/// Python's `type(value)` as printed by Ansible, e.g. `<class 'str'>`.
pub fn python_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "<class 'NoneType'>",
        Value::Bool(_) => "<class 'bool'>",
        Value::Number(n) if n.is_f64() => "<class 'float'>",
        Value::Number(_) => "<class 'int'>",
        Value::String(_) => "<class 'str'>",
        Value::Array(_) => "<class 'list'>",
        Value::Object(_) => "<class 'dict'>",
    }
}

/// Python's `str()` of a JSON value, which is what `to_native` yields.
pub(crate) fn to_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => python_number(n),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(python_repr).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        python_repr(&Value::String(k.clone())),
                        python_repr(v)
                    )
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

fn python_number(n: &Number) -> String {
    if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
        if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 {
            return format!("{f:.1}");
        }
        return f.to_string();
    }
    n.to_string()
}

fn python_repr(value: &Value) -> String {
    match value {
        Value::String(s) => {
            let quote = if s.contains('\'') && !s.contains('"') {
                '"'
            } else {
                '\''
            };
            let mut out = String::with_capacity(s.len() + 2);
            out.push(quote);
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    '\r' => out.push_str("\\r"),
                    c if c == quote => {
                        out.push('\\');
                        out.push(c);
                    }
                    c => out.push(c),
                }
            }
            out.push(quote);
            out
        }
        other => to_str(other),
    }
}

const TRUE_WORDS: [&str; 6] = ["y", "yes", "on", "1", "true", "t"];
const FALSE_WORDS: [&str; 6] = ["n", "no", "off", "0", "false", "f"];

fn to_bool(value: &Value) -> Result<bool, String> {
    let word = match value {
        Value::Bool(b) => return Ok(*b),
        Value::Number(n) => match n.as_f64() {
            Some(1.0) => return Ok(true),
            Some(0.0) => return Ok(false),
            _ => n.to_string(),
        },
        Value::String(s) => s.to_lowercase(),
        other => to_str(other),
    };
    if TRUE_WORDS.contains(&word.as_str()) {
        return Ok(true);
    }
    if FALSE_WORDS.contains(&word.as_str()) {
        return Ok(false);
    }
    Err(format!(
        "The value '{}' is not a valid boolean.  Valid booleans include: {}",
        to_str(value),
        "'y', 'yes', 'on', '1', 'true', 't', 1, 1.0, True, 'n', 'no', 'off', '0', 'false', 'f', 0, 0.0, False"
    ))
}

fn to_int(value: &Value) -> Result<Value, String> {
    let fail = || format!("{} cannot be converted to an int", python_type_name(value));
    match value {
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(value.clone()),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(Value::from(f as i64)),
            _ => Err(fail()),
        },
        Value::String(s) => parse_python_int(s).map(Value::from).ok_or_else(fail),
        _ => Err(fail()),
    }
}

/// Python's `int(str)`: surrounding whitespace, a sign, digits and underscores between digits.
fn parse_python_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let (neg, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    if !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let n: i64 = clean.parse().ok()?;
    Some(if neg { -n } else { n })
}

fn to_float(value: &Value) -> Result<Value, String> {
    let fail = || format!("{} cannot be converted to a float", python_type_name(value));
    match value {
        Value::Number(n) => n.as_f64().map(Value::from).ok_or_else(fail),
        Value::String(s) => {
            let t = s.trim();
            let lower = t.to_ascii_lowercase();
            let ok_word = matches!(
                lower.trim_start_matches(['+', '-']),
                "inf" | "infinity" | "nan"
            );
            if ok_word {
                return Err(format!("{t} is not representable in JSON"));
            }
            t.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Value::from)
                .ok_or_else(|| format!("could not convert string to float: '{s}'"))
        }
        _ => Err(fail()),
    }
}

fn to_list(value: &Value) -> Result<Value, String> {
    match value {
        Value::Array(_) => Ok(value.clone()),
        Value::String(s) => Ok(Value::Array(
            s.split(',').map(|p| Value::String(p.into())).collect(),
        )),
        Value::Number(_) => Ok(Value::Array(vec![Value::String(to_str(value))])),
        _ => Err(format!(
            "{} cannot be converted to a list",
            python_type_name(value)
        )),
    }
}

fn to_dict(value: &Value) -> Result<Value, String> {
    match value {
        Value::Object(_) => Ok(value.clone()),
        Value::String(s) if s.trim_start().starts_with('{') => {
            match serde_json::from_str::<Value>(s) {
                Ok(v @ Value::Object(_)) => Ok(v),
                _ => Err("unable to evaluate string as dictionary".into()),
            }
        }
        Value::String(s) if s.contains('=') => parse_key_value_text(s).map(Value::Object),
        Value::String(_) => Err("dictionary requested, could not parse JSON or key=value".into()),
        _ => Err(format!(
            "{} cannot be converted to a dict",
            python_type_name(value)
        )),
    }
}

/// `k=v k2="v 2",k3=v3` as Ansible splits it: on unquoted commas and spaces,
/// with quotes grouping and backslash escaping one character.
fn parse_key_value_text(text: &str) -> Result<Map<String, Value>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in text.trim().chars() {
        if escaped {
            field.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if quote.is_none() && (c == '\'' || c == '"') {
            quote = Some(c);
        } else if quote == Some(c) {
            quote = None;
        } else if quote.is_none() && (c == ',' || c == ' ') {
            if !field.is_empty() {
                fields.push(std::mem::take(&mut field));
            }
        } else {
            field.push(c);
        }
    }
    if !field.is_empty() {
        fields.push(field);
    }
    let mut map = Map::new();
    for f in fields {
        let (k, v) = f.split_once('=').ok_or_else(|| {
            format!("dictionary requested, but '{f}' is not of the form key=value")
        })?;
        map.insert(k.to_string(), Value::String(v.to_string()));
    }
    Ok(map)
}

/// `os.path.expanduser(os.path.expandvars(path))`.
pub(crate) fn expand_path(path: &str) -> String {
    let expanded = expand_vars(path);
    if expanded == "~" || expanded.starts_with("~/") {
        if let Ok(home) = std::env::var("HOME") {
            return format!("{home}{}", &expanded[1..]);
        }
    }
    expanded
}

/// `$NAME` and `${NAME}` replaced when set, left as written when not (Python's rule).
fn expand_vars(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, consumed) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match std::env::var(name) {
            Ok(val) if !name.is_empty() => out.push_str(&val),
            _ => out.push_str(&rest[pos..pos + 1 + consumed]),
        }
        rest = &after[consumed..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bool_words_in_any_case() {
        for w in ["yes", "YES", "True", "on", "1", "y", "t"] {
            assert_eq!(Type::Bool.coerce(&json!(w)).unwrap(), json!(true), "{w}");
        }
        for w in ["no", "No", "FALSE", "off", "0", "n", "f"] {
            assert_eq!(Type::Bool.coerce(&json!(w)).unwrap(), json!(false), "{w}");
        }
        assert_eq!(Type::Bool.coerce(&json!(1)).unwrap(), json!(true));
        assert_eq!(Type::Bool.coerce(&json!(0.0)).unwrap(), json!(false));
    }

    #[test]
    fn bool_rejects_other_words() {
        let e = Type::Bool.coerce(&json!("maybe")).unwrap_err();
        assert!(
            e.starts_with("The value 'maybe' is not a valid boolean."),
            "{e}"
        );
        assert!(Type::Bool.coerce(&json!(2)).is_err());
        assert!(Type::Bool.coerce(&json!([])).is_err());
    }

    #[test]
    fn int_from_strings_and_integral_floats() {
        assert_eq!(Type::Int.coerce(&json!("10")).unwrap(), json!(10));
        assert_eq!(Type::Int.coerce(&json!(" -7 ")).unwrap(), json!(-7));
        assert_eq!(Type::Int.coerce(&json!("1_000")).unwrap(), json!(1000));
        assert_eq!(Type::Int.coerce(&json!(3.0)).unwrap(), json!(3));
        assert_eq!(
            Type::Int.coerce(&json!("ten")).unwrap_err(),
            "<class 'str'> cannot be converted to an int"
        );
        assert_eq!(
            Type::Int.coerce(&json!(2.5)).unwrap_err(),
            "<class 'float'> cannot be converted to an int"
        );
        assert!(Type::Int.coerce(&json!(true)).is_err());
    }

    #[test]
    fn float_from_numbers_and_strings() {
        assert_eq!(Type::Float.coerce(&json!("1.5")).unwrap(), json!(1.5));
        assert_eq!(Type::Float.coerce(&json!(2)).unwrap(), json!(2.0));
        assert!(Type::Float
            .coerce(&json!("x"))
            .unwrap_err()
            .contains("could not convert"));
        assert!(Type::Float
            .coerce(&json!({}))
            .unwrap_err()
            .contains("cannot be converted to a float"));
    }

    #[test]
    fn list_from_comma_text_and_numbers() {
        assert_eq!(Type::List.coerce(&json!("a,b")).unwrap(), json!(["a", "b"]));
        assert_eq!(Type::List.coerce(&json!(5)).unwrap(), json!(["5"]));
        assert_eq!(Type::List.coerce(&json!(["x"])).unwrap(), json!(["x"]));
        assert_eq!(
            Type::List.coerce(&json!({"a": 1})).unwrap_err(),
            "<class 'dict'> cannot be converted to a list"
        );
    }

    #[test]
    fn dict_from_json_and_key_value_text() {
        assert_eq!(
            Type::Dict.coerce(&json!("{\"a\": 1}")).unwrap(),
            json!({"a": 1})
        );
        assert_eq!(
            Type::Dict
                .coerce(&json!("a=1 b=\"two words\",c=3"))
                .unwrap(),
            json!({"a": "1", "b": "two words", "c": "3"})
        );
        assert_eq!(
            Type::Dict.coerce(&json!("k=a\\ b")).unwrap(),
            json!({"k": "a b"})
        );
        assert_eq!(
            Type::Dict.coerce(&json!("plain")).unwrap_err(),
            "dictionary requested, could not parse JSON or key=value"
        );
        assert_eq!(
            Type::Dict.coerce(&json!("{broken")).unwrap_err(),
            "unable to evaluate string as dictionary"
        );
        assert!(Type::Dict
            .coerce(&json!("a=1 b"))
            .unwrap_err()
            .contains("'b'"));
        assert_eq!(
            Type::Dict.coerce(&json!([1])).unwrap_err(),
            "<class 'list'> cannot be converted to a dict"
        );
    }

    #[test]
    fn str_uses_python_text_forms() {
        assert_eq!(Type::Str.coerce(&json!(true)).unwrap(), json!("True"));
        assert_eq!(Type::Str.coerce(&json!(12)).unwrap(), json!("12"));
        assert_eq!(Type::Str.coerce(&json!(1.0)).unwrap(), json!("1.0"));
        assert_eq!(
            Type::Str.coerce(&json!(["a", 1])).unwrap(),
            json!("['a', 1]")
        );
        assert_eq!(
            Type::Str.coerce(&json!({"k": "v"})).unwrap(),
            json!("{'k': 'v'}")
        );
    }

    #[test]
    fn path_expands_home_and_variables() {
        std::env::set_var("HOME", "/home/op");
        std::env::set_var("KOLLA_TEST_DIR", "etc");
        assert_eq!(
            Type::Path.coerce(&json!("~/x")).unwrap(),
            json!("/home/op/x")
        );
        assert_eq!(
            Type::Path.coerce(&json!("/$KOLLA_TEST_DIR/a")).unwrap(),
            json!("/etc/a")
        );
        assert_eq!(
            Type::Path.coerce(&json!("/${KOLLA_TEST_DIR}/b")).unwrap(),
            json!("/etc/b")
        );
        assert_eq!(
            Type::Path.coerce(&json!("/$NOPE_UNSET_X/c")).unwrap(),
            json!("/$NOPE_UNSET_X/c")
        );
        assert_eq!(Type::Path.coerce(&json!("a~b")).unwrap(), json!("a~b"));
    }

    #[test]
    fn raw_passes_through() {
        assert_eq!(
            Type::Raw.coerce(&json!({"x": [1]})).unwrap(),
            json!({"x": [1]})
        );
    }
}
