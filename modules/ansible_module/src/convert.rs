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
            // 2.19's check_type_str turns None into '' (as templating did before).
            Type::Str | Type::Path if value.is_null() => Ok(Value::String(String::new())),
            Type::Str => Ok(Value::String(python_str(value))),
            Type::Bool => to_bool(value).map(Value::Bool),
            Type::Int => to_int(value),
            Type::Float => to_float(value),
            Type::List => to_list(value),
            Type::Dict => to_dict(value),
            Type::Path => Ok(Value::String(expand_path(&python_str(value)))),
            Type::Raw => Ok(value.clone()),
        }
    }
}

/// Python's `type(value).__name__`, e.g. `str`, as validation messages name a given value's type.
pub(crate) fn python_type_short(value: &Value) -> &'static str {
    let long = python_type_name(value);
    &long["<class '".len()..long.len() - "'>".len()]
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

/// Python's `str()` of a JSON value (what `to_native` yields): `True`, `None`,
/// `1.0`, `['a', 1]`, `{'k': 'v'}`; strings are returned unchanged.
pub fn python_str(value: &Value) -> String {
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
    match n.as_f64().filter(|_| n.is_f64()) {
        Some(f) => python_float(f),
        None => n.to_string(),
    }
}

/// Python's `repr(float)`: the shortest round-trip digits, positional for
/// exponents -4..16 (always with a fractional part), else `1e+16` style.
fn python_float(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "nan"
        } else if f > 0.0 {
            "inf"
        } else {
            "-inf"
        }
        .into();
    }
    // `{:e}` gives the shortest round-trip digits as `d.ddde±x`.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..16).contains(&exp) {
        let s = f.to_string();
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
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
        other => python_str(other),
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
        other => {
            return Err(format!(
                "{} cannot be converted to a bool",
                python_type_name(other)
            ))
        }
    };
    if TRUE_WORDS.contains(&word.as_str()) {
        return Ok(true);
    }
    if FALSE_WORDS.contains(&word.as_str()) {
        return Ok(false);
    }
    // ansible-core prints its set of booleans, where 1, 1.0 and True are one
    // member (so are the zeros), in an order that changes from run to run.
    Err(format!(
        "The value '{}' is not a valid boolean. Valid booleans include: {}",
        python_str(value),
        "'y', 'yes', 'on', '1', 'true', 't', 1, 'n', 'no', 'off', '0', 'false', 'f', 0"
    ))
}

fn to_int(value: &Value) -> Result<Value, String> {
    coerce_int(value).map(Value::from)
}

/// An `int` option's value as ansible-core's `check_type_int` computes it:
/// integers pass; `true`/`false` are Python ints (1/0); floats and strings go
/// through `decimal.Decimal`, so `3.0`, `"1e3"`, `" 1_0 "` and `"2.0"` are
/// accepted while `2.5`, `"2.5"`, `"0x1f"` and `"ten"` are refused with
/// `"'2.5'" cannot be converted to an int`. Values beyond 64 bits are refused.
pub fn coerce_int(value: &Value) -> Result<i64, String> {
    let refuse = || format!("\"{}\" cannot be converted to an int", python_repr(value));
    let too_big = || {
        format!(
            "\"{}\" is out of the 64-bit integer range",
            python_repr(value)
        )
    };
    match value {
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                return Ok(i);
            }
            if n.is_u64() {
                return Err(too_big());
            }
            match n.as_f64() {
                Some(f) if f.is_finite() && f.fract() == 0.0 => {
                    // ±2^63 is exactly representable; anything at or above 2^63 is not an i64.
                    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
                    if (-LIMIT..LIMIT).contains(&f) {
                        Ok(f as i64)
                    } else {
                        Err(too_big())
                    }
                }
                _ => Err(refuse()),
            }
        }
        Value::String(s) => match decimal_to_int(s) {
            Some(Ok(i)) => Ok(i),
            Some(Err(())) => Err(too_big()),
            None => Err(refuse()),
        },
        _ => Err(refuse()),
    }
}

/// `int(Decimal(text))` when that loses nothing: `None` when the text is not an
/// integral decimal, `Some(Err)` when it is one but does not fit an i64.
/// Decimal strips surrounding whitespace and every underscore before parsing.
fn decimal_to_int(text: &str) -> Option<Result<i64, ()>> {
    let clean: String = text.trim().chars().filter(|c| *c != '_').collect();
    let (neg, rest) = match clean.as_bytes().first()? {
        b'-' => (true, &clean[1..]),
        b'+' => (false, &clean[1..]),
        _ => (false, clean.as_str()),
    };
    let (mantissa, exp) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty())
        || !all_digits(int_part)
        || !all_digits(frac_part)
    {
        return None;
    }
    let exp: i64 = match exp {
        None => 0,
        Some(e) => {
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if digits.is_empty() || !all_digits(digits) {
                return None;
            }
            // A huge exponent either shifts non-zero digits out of range or multiplies zero.
            e.parse().unwrap_or(if e.starts_with('-') {
                i64::MIN / 2
            } else {
                i64::MAX / 2
            })
        }
    };
    let digits = format!("{int_part}{frac_part}");
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Some(Ok(0));
    }
    // value = digits * 10^shift
    let shift = exp - frac_part.len() as i64;
    let kept = if shift < 0 {
        let drop = usize::try_from(-shift).unwrap_or(usize::MAX);
        if drop >= digits.len() {
            return None;
        }
        let (kept, dropped) = digits.split_at(digits.len() - drop);
        if dropped.bytes().any(|b| b != b'0') {
            return None;
        }
        kept.to_string()
    } else {
        if shift > 19 {
            return Some(Err(()));
        }
        format!("{digits}{}", "0".repeat(shift as usize))
    };
    let magnitude: i128 = match kept.parse() {
        Ok(m) => m,
        Err(_) => return Some(Err(())),
    };
    let signed = if neg { -magnitude } else { magnitude };
    Some(i64::try_from(signed).map_err(|_| ()))
}

fn to_float(value: &Value) -> Result<Value, String> {
    let fail = || format!("{} cannot be converted to a float", python_type_name(value));
    match value {
        Value::Number(n) => n.as_f64().map(Value::from).ok_or_else(fail),
        Value::Bool(b) => Ok(Value::from(f64::from(u8::from(*b)))),
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
            t.replace('_', "")
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Value::from)
                .ok_or_else(fail)
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
        Value::Number(_) | Value::Bool(_) => {
            Ok(Value::Array(vec![Value::String(python_str(value))]))
        }
        _ => Err(format!(
            "{} cannot be converted to a list",
            python_type_name(value)
        )),
    }
}

fn to_dict(value: &Value) -> Result<Value, String> {
    match value {
        Value::Object(_) => Ok(value.clone()),
        // JSON first, then Python's literal syntax, as check_type_dict tries them.
        Value::String(s) if s.starts_with('{') => match serde_json::from_str::<Value>(s) {
            Ok(v @ Value::Object(_)) => Ok(v),
            _ => match crate::pyliteral::literal_eval(s) {
                Ok(v @ Value::Object(_)) => Ok(v),
                _ => Err("unable to evaluate string as dictionary".into()),
            },
        },
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
            "unable to evaluate string in the \"key=value\" format as dictionary".to_string()
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
        // check_type_bool takes only strings and numbers; 1, 1.0 and True are one member of its set.
        assert_eq!(
            Type::Bool.coerce(&json!([])).unwrap_err(),
            "<class 'list'> cannot be converted to a bool"
        );
        assert_eq!(
            Type::Bool.coerce(&json!(null)).unwrap_err(),
            "<class 'NoneType'> cannot be converted to a bool"
        );
        assert!(e.ends_with("Valid booleans include: 'y', 'yes', 'on', '1', 'true', 't', 1, 'n', 'no', 'off', '0', 'false', 'f', 0"), "{e}");
    }

    #[test]
    fn int_from_strings_and_integral_floats() {
        assert_eq!(Type::Int.coerce(&json!("10")).unwrap(), json!(10));
        assert_eq!(Type::Int.coerce(&json!(" -7 ")).unwrap(), json!(-7));
        assert_eq!(Type::Int.coerce(&json!("1_000")).unwrap(), json!(1000));
        assert_eq!(Type::Int.coerce(&json!(3.0)).unwrap(), json!(3));
        assert_eq!(
            Type::Int.coerce(&json!("ten")).unwrap_err(),
            "\"'ten'\" cannot be converted to an int"
        );
    }

    /// Each row was checked against ansible-core 2.19's `check_type_int`.
    #[test]
    fn coerce_int_follows_check_type_int() {
        let ok: &[(Value, i64)] = &[
            (json!(7), 7),
            (json!(true), 1),
            (json!(false), 0),
            (json!(3.0), 3),
            (json!(-0.0), 0),
            (json!("2.0"), 2),
            (json!("1."), 1),
            (json!("1e3"), 1000),
            (json!("1E3"), 1000),
            (json!("10e-1"), 1),
            (json!("1.0e1"), 10),
            (json!(" 7\n"), 7),
            (json!("+5"), 5),
            (json!("-0"), 0),
            (json!("1__0"), 10),
            (json!("_1"), 1),
            (json!("1_"), 1),
            (json!("1_000.0"), 1000),
            (json!("0.00"), 0),
            (json!("9223372036854775807"), i64::MAX),
            (json!("-9223372036854775808"), i64::MIN),
        ];
        for (v, want) in ok {
            assert_eq!(coerce_int(v), Ok(*want), "{v}");
        }
        let refused: &[(Value, &str)] = &[
            (json!(2.5), "\"2.5\" cannot be converted to an int"),
            (json!("2.5"), "\"'2.5'\" cannot be converted to an int"),
            (json!("0x1f"), "\"'0x1f'\" cannot be converted to an int"),
            (json!("0b1"), "\"'0b1'\" cannot be converted to an int"),
            (json!(".5"), "\"'.5'\" cannot be converted to an int"),
            (json!("1e-1"), "\"'1e-1'\" cannot be converted to an int"),
            (json!("1 0"), "\"'1 0'\" cannot be converted to an int"),
            (json!(""), "\"''\" cannot be converted to an int"),
            (json!("nan"), "\"'nan'\" cannot be converted to an int"),
            (json!("true"), "\"'true'\" cannot be converted to an int"),
            (json!("a'b"), "\"\"a'b\"\" cannot be converted to an int"),
            (json!(null), "\"None\" cannot be converted to an int"),
            (json!([1]), "\"[1]\" cannot be converted to an int"),
            (
                json!({"a": 1}),
                "\"{'a': 1}\" cannot be converted to an int",
            ),
        ];
        for (v, want) in refused {
            assert_eq!(coerce_int(v).unwrap_err(), *want, "{v}");
        }
        for v in [
            json!("9223372036854775808"),
            json!(1e20),
            json!(u64::MAX),
            json!("1e30"),
        ] {
            assert!(
                coerce_int(&v).unwrap_err().contains("out of the 64-bit"),
                "{v}"
            );
        }
    }

    #[test]
    fn floats_render_as_python_repr() {
        for (f, want) in [
            (1.0, "1.0"),
            (2.5, "2.5"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456789012345.0, "123456789012345.0"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (-3.25e-7, "-3.25e-07"),
        ] {
            assert_eq!(python_str(&json!(f)), want, "{f}");
        }
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
        // Only text that starts with `{` is read as JSON, as check_type_dict reads it.
        assert_eq!(
            Type::Dict.coerce(&json!(" {\"a\": 1}")).unwrap_err(),
            "dictionary requested, could not parse JSON or key=value"
        );
        assert_eq!(
            Type::Dict
                .coerce(&json!("{'a': 1, 'b': ['x', True, None]}"))
                .unwrap(),
            json!({"a": 1, "b": ["x", true, null]})
        );
        assert_eq!(
            Type::Dict.coerce(&json!("{'a': {1, 2}}")).unwrap_err(),
            "unable to evaluate string as dictionary"
        );
        assert_eq!(
            Type::Dict.coerce(&json!("{broken")).unwrap_err(),
            "unable to evaluate string as dictionary"
        );
        assert_eq!(
            Type::Dict.coerce(&json!("a=1 b")).unwrap_err(),
            "unable to evaluate string in the \"key=value\" format as dictionary"
        );
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
        // 2.19's check_type_str: None becomes ''.
        assert_eq!(Type::Str.coerce(&json!(null)).unwrap(), json!(""));
        assert_eq!(Type::Path.coerce(&json!(null)).unwrap(), json!(""));
    }

    #[test]
    fn path_expands_home_and_variables() {
        std::env::set_var("HOME", "/home/op");
        std::env::set_var("KOLLA_TEST_DIR", "etc");
        for (given, want) in [
            ("~/x", "/home/op/x"),
            ("/$KOLLA_TEST_DIR/a", "/etc/a"),
            ("/${KOLLA_TEST_DIR}/b", "/etc/b"),
            ("/$NOPE_UNSET_X/c", "/$NOPE_UNSET_X/c"),
            ("a~b", "a~b"),
        ] {
            assert_eq!(
                Type::Path.coerce(&json!(given)).unwrap(),
                json!(want),
                "{given}"
            );
        }
    }

    #[test]
    fn raw_passes_through() {
        assert_eq!(
            Type::Raw.coerce(&json!({"x": [1]})).unwrap(),
            json!({"x": [1]})
        );
    }
}
