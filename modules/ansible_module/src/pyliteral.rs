//! Python literal text (`{'a': 1, "b": [True, None]}`) read as JSON values.
//!
//! Why: ansible-core's `check_type_dict` reads a `{`-text that is not JSON with
//! `ast.literal_eval`, so `ansible -m kolla_container -a "environment={'A': 'b'}"`
//! works with the Python modules; ours must accept the same texts. Only what
//! can become a module argument is accepted: dicts, lists, strings, ints,
//! floats, booleans and None. Tuples, sets, bytes and complex numbers are
//! literals Python accepts but that no JSON argument can hold as Python holds
//! them; they are refused with a message saying so, as are names, calls and
//! operators (literal_eval refuses those too).
//! No crate does this: Python-literal parsers on crates.io target whole
//! programs (rustpython-parser is megabytes), not a literal of a few bytes.

use serde_json::{Map, Number, Value};

/// Deepest nesting accepted: literal_eval itself stops near CPython's recursion limit.
const MAX_DEPTH: usize = 200;

/// Reads `text` as Python's `ast.literal_eval` would, into a JSON value; the
/// error says where and why it is not a literal this can hold.
pub fn literal_eval(text: &str) -> Result<Value, String> {
    let mut p = Parser {
        chars: text.chars().collect(),
        pos: 0,
        depth: 0,
    };
    let value = p.value()?;
    p.skip_space();
    if p.pos < p.chars.len() {
        return Err(p.error("text after the literal"));
    }
    Ok(value)
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn error(&self, what: &str) -> String {
        format!("{what} at character {}", self.pos + 1)
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    /// Blanks, newlines, backslash line continuations and `#` comments, all of
    /// which Python's tokenizer allows inside brackets.
    fn skip_space(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\n' | '\r' | '\x0c' => self.pos += 1,
                '\\' if matches!(self.peek_at(1), Some('\n')) => self.pos += 2,
                '#' => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        self.skip_space();
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        let value = match self.peek() {
            None => Err(self.error("a value is missing")),
            Some('{') => self.braces(),
            Some('[') => self.sequence('[', ']').map(Value::Array),
            Some('(') => self.parenthesised(),
            Some('\'' | '"') => self.strings().map(Value::String),
            Some(c) if c.is_ascii_digit() || c == '.' || c == '-' || c == '+' => self.number(),
            Some(c) if c.is_alphabetic() || c == '_' => self.word(),
            Some(c) => Err(self.error(&format!("unexpected {c:?}"))),
        };
        self.depth -= 1;
        value
    }

    /// A dict, or the set literal Python reads from `{a, b}`.
    fn braces(&mut self) -> Result<Value, String> {
        self.pos += 1;
        let mut map = Map::new();
        loop {
            self.skip_space();
            if self.peek() == Some('}') {
                self.pos += 1;
                return Ok(Value::Object(map));
            }
            let key = self.value()?;
            self.skip_space();
            if self.peek() != Some(':') {
                return Err(self.error("a set literal cannot be an argument (expected ':')"));
            }
            self.pos += 1;
            let value = self.value()?;
            // A later duplicate replaces the earlier value, as in a Python dict.
            map.insert(key_text(&key).map_err(|e| self.error(&e))?, value);
            self.skip_space();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some('}') => {}
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn sequence(&mut self, open: char, close: char) -> Result<Vec<Value>, String> {
        debug_assert_eq!(self.peek(), Some(open));
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space();
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(items);
            }
            items.push(self.value()?);
            self.skip_space();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(c) if c == close => {}
                _ => return Err(self.error(&format!("expected ',' or '{close}'"))),
            }
        }
    }

    /// `(x)` is x. A tuple is refused: AnsibleModule keeps it a tuple, which its
    /// list checks then refuse, and JSON could only make it a list.
    fn parenthesised(&mut self) -> Result<Value, String> {
        self.pos += 1;
        self.skip_space();
        if self.peek() == Some(')') {
            return Err(self.error("a tuple cannot be an argument (write a list)"));
        }
        let inner = self.value()?;
        self.skip_space();
        match self.peek() {
            Some(')') => {
                self.pos += 1;
                Ok(inner)
            }
            Some(',') => Err(self.error("a tuple cannot be an argument (write a list)")),
            _ => Err(self.error("expected ')'")),
        }
    }

    fn word(&mut self) -> Result<Value, String> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.pos += 1;
        }
        let word: String = self.chars[start..self.pos].iter().collect();
        if matches!(self.peek(), Some('\'' | '"')) {
            // A prefixed string: r'..', u'..'; b'..' is bytes, which no argument holds.
            let lower = word.to_ascii_lowercase();
            return match lower.as_str() {
                "u" => self.strings().map(Value::String),
                "r" => self.raw_strings().map(Value::String),
                _ if lower.contains('b') => {
                    self.pos = start;
                    Err(self.error("a bytes literal cannot be an argument"))
                }
                _ => {
                    self.pos = start;
                    Err(self.error(&format!("{word}-strings are not literals")))
                }
            };
        }
        match word.as_str() {
            "True" => Ok(Value::Bool(true)),
            "False" => Ok(Value::Bool(false)),
            "None" => Ok(Value::Null),
            _ => {
                self.pos = start;
                Err(self.error(&format!("the name {word:?} is not a literal")))
            }
        }
    }

    /// One string, or adjacent ones, which Python joins: `'a' "b"` is `'ab'`.
    fn strings(&mut self) -> Result<String, String> {
        let mut out = self.string(false)?;
        self.adjacent(&mut out)?;
        Ok(out)
    }

    fn raw_strings(&mut self) -> Result<String, String> {
        let mut out = self.string(true)?;
        self.adjacent(&mut out)?;
        Ok(out)
    }

    fn adjacent(&mut self, out: &mut String) -> Result<(), String> {
        loop {
            let save = self.pos;
            self.skip_space();
            match self.peek() {
                Some('\'' | '"') => out.push_str(&self.string(false)?),
                Some('r' | 'R') if matches!(self.peek_at(1), Some('\'' | '"')) => {
                    self.pos += 1;
                    out.push_str(&self.string(true)?)
                }
                Some('u' | 'U') if matches!(self.peek_at(1), Some('\'' | '"')) => {
                    self.pos += 1;
                    out.push_str(&self.string(false)?)
                }
                _ => {
                    self.pos = save;
                    return Ok(());
                }
            }
        }
    }

    fn string(&mut self, raw: bool) -> Result<String, String> {
        let quote = self
            .peek()
            .ok_or_else(|| self.error("a string is missing"))?;
        let triple = self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote);
        let start = self.pos;
        self.pos += if triple { 3 } else { 1 };
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                self.pos = start;
                return Err(self.error("a string is not closed"));
            };
            if c == quote
                && (!triple || (self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote)))
            {
                self.pos += if triple { 3 } else { 1 };
                return Ok(out);
            }
            if c == '\n' && !triple {
                return Err(self.error("a line break inside a one-line string"));
            }
            self.pos += 1;
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some(next) = self.peek() else {
                self.pos = start;
                return Err(self.error("a string is not closed"));
            };
            if raw {
                // A raw string keeps the backslash; it only stops the quote ending the string.
                out.push('\\');
                out.push(next);
                self.pos += 1;
                continue;
            }
            self.pos += 1;
            match next {
                '\n' => {}
                '\\' | '\'' | '"' => out.push(next),
                'a' => out.push('\x07'),
                'b' => out.push('\x08'),
                'f' => out.push('\x0c'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'v' => out.push('\x0b'),
                '0'..='7' => {
                    let mut code = next.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match self.peek().and_then(|c| c.to_digit(8)) {
                            Some(d) => {
                                code = code * 8 + d;
                                self.pos += 1;
                            }
                            None => break,
                        }
                    }
                    out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                }
                'x' => out.push(self.hex_escape(2)?),
                'u' => out.push(self.hex_escape(4)?),
                'U' => out.push(self.hex_escape(8)?),
                'N' => return Err(self.error("\\N{...} escapes are not supported")),
                // Python keeps an unknown escape as written.
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
        }
    }

    fn hex_escape(&mut self, digits: usize) -> Result<char, String> {
        let text: String = (0..digits).filter_map(|i| self.peek_at(i)).collect();
        if text.len() != digits || !text.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(self.error(&format!("an escape needs {digits} hex digits")));
        }
        self.pos += digits;
        u32::from_str_radix(&text, 16)
            .ok()
            .and_then(char::from_u32)
            .ok_or_else(|| self.error("an escape names no character"))
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.pos;
        let mut negative = false;
        // literal_eval allows unary signs on numbers, any number of them.
        while let Some(sign @ ('-' | '+')) = self.peek() {
            negative ^= sign == '-';
            self.pos += 1;
            self.skip_space();
        }
        let body_start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            || (matches!(self.peek(), Some('+' | '-'))
                && matches!(self.chars.get(self.pos - 1), Some('e' | 'E'))
                && !self.chars[body_start..self.pos]
                    .iter()
                    .any(|c| matches!(c, 'x' | 'X')))
        {
            self.pos += 1;
        }
        let body: String = self.chars[body_start..self.pos].iter().collect();
        let fail = |p: &mut Parser, what: &str| {
            p.pos = start;
            Err(p.error(what))
        };
        if body.is_empty() {
            return fail(self, "a number is missing after the sign");
        }
        if body.ends_with(['j', 'J']) {
            return fail(self, "a complex number cannot be an argument");
        }
        if body.starts_with('_') || body.ends_with('_') || body.contains("__") {
            return fail(self, &format!("{body:?} is not a number"));
        }
        let digits = body.replace('_', "");
        let lower = digits.to_ascii_lowercase();
        let radix = match lower.get(..2) {
            Some("0x") => Some(16),
            Some("0o") => Some(8),
            Some("0b") => Some(2),
            _ => None,
        };
        if let Some(radix) = radix {
            return match u64::from_str_radix(&lower[2..], radix) {
                Ok(n) => Ok(signed(n, negative)),
                Err(_) => fail(self, &format!("{body:?} is not a number this can hold")),
            };
        }
        let is_float = lower.contains(['.', 'e']);
        if !is_float {
            // Python 3 refuses leading zeros on a non-zero decimal (`007`).
            if lower.len() > 1
                && lower.starts_with('0')
                && !lower.trim_start_matches('0').is_empty()
            {
                return fail(self, &format!("{body:?} is not a number (leading zeros)"));
            }
            return match lower.parse::<u64>() {
                Ok(n) => Ok(signed(n, negative)),
                Err(_) => fail(self, &format!("{body:?} is not a number this can hold")),
            };
        }
        if !lower
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '+' | '-'))
        {
            return fail(self, &format!("{body:?} is not a number"));
        }
        match lower.parse::<f64>() {
            Ok(f) if f.is_finite() => {
                let f = if negative { -f } else { f };
                Ok(Number::from_f64(f).map_or(Value::Null, Value::Number))
            }
            _ => fail(self, &format!("{body:?} is not a number")),
        }
    }
}

fn signed(n: u64, negative: bool) -> Value {
    if !negative {
        return Value::Number(n.into());
    }
    match i64::try_from(n) {
        Ok(i) => Value::Number((-i).into()),
        // -2**63 fits; anything below it only as a float, as JSON readers would take it.
        Err(_) if n == 1 << 63 => Value::Number(i64::MIN.into()),
        Err(_) => Number::from_f64(-(n as f64)).map_or(Value::Null, Value::Number),
    }
}

/// A dict key as the text json.dumps would give it; keys JSON cannot name are refused.
fn key_text(key: &Value) -> Result<String, String> {
    match key {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Ok("null".into()),
        _ => Err("only strings, numbers, booleans and None can be dictionary keys".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::literal_eval;
    use serde_json::json;

    #[test]
    fn python_dicts_read_as_literal_eval_reads_them() {
        assert_eq!(
            literal_eval("{'a': 1, \"b\": [True, None, False], 'c': ([1]), 'd': []}").unwrap(),
            json!({"a": 1, "b": [true, null, false], "c": [1], "d": []})
        );
        assert_eq!(
            literal_eval("{'k': -1.5e3, 'h': 0x1F, 'o': 0o17, 'b': 0b11, 'u': 1_000, 'p': +2}")
                .unwrap(),
            json!({"k": -1500.0, "h": 31, "o": 15, "b": 3, "u": 1000, "p": 2})
        );
        assert_eq!(
            literal_eval(
                "{ 'a' 'b': r'x\\y', 'nl': 'l1\\nl2\\x41\\u00e9\\101', # note\n 'q': '''it's''', }"
            )
            .unwrap(),
            json!({"ab": "x\\y", "nl": "l1\nl2Aé\u{41}", "q": "it's"})
        );
        assert_eq!(
            literal_eval("{1: 'one', True: 't', None: 'n', 'a': 1, 'a': 2}").unwrap(),
            json!({"1": "one", "true": "t", "null": "n", "a": 2})
        );
        assert_eq!(literal_eval("{'x': ((1))}").unwrap(), json!({"x": 1}));
        assert_eq!(literal_eval("{'e': '\\q'}").unwrap(), json!({"e": "\\q"}));
    }

    #[test]
    fn what_no_argument_can_hold_is_refused() {
        for (text, why) in [
            ("{'a': {1, 2}}", "set literal"),
            ("{'a', 'b'}", "set literal"),
            ("{'a': b'x'}", "bytes"),
            ("{'a': 1j}", "complex"),
            ("{'a': f'x'}", "not literals"),
            ("{'a': os}", "not a literal"),
            ("{'a': 1} x", "text after"),
            ("{'a': 'open", "not closed"),
            ("{'a': 007}", "leading zeros"),
            ("{'a': 1__0}", "not a number"),
            ("{'a': (1, 2)}", "tuple"),
            ("{'a': ()}", "tuple"),
            ("{'a': (1,)}", "tuple"),
            ("{[1]: 3}", "dictionary key"),
            ("{'a': 1 'b': 2}", "expected ','"),
            ("{'a': '\\x4'}", "hex digits"),
            ("{'a': -}", "missing"),
            ("{'a': 99999999999999999999}", "can hold"),
        ] {
            let err = literal_eval(text).unwrap_err();
            assert!(err.contains(why), "{text}: {err}");
        }
        let deep = "[".repeat(500) + &"]".repeat(500);
        assert!(literal_eval(&deep).unwrap_err().contains("too deep"));
    }
}
