//! PyYAML's implicit resolver: the YAML 1.1 rules that give a plain scalar
//! its type (`yes`/`on` are booleans, `010` is octal, `1:30` is base 60,
//! `1e5` is a string because the exponent needs a sign, ...).
//!
//! Hand-written because no Rust YAML crate resolves YAML 1.1: saphyr,
//! yaml-rust2, serde_yaml_ng and serde_norway all follow YAML 1.2's core
//! schema (`yes` -> string, `010` -> 10). The rules are PyYAML's regular
//! expressions, matched by hand to keep the `regex` crate out of the binary;
//! like PyYAML, candidates are chosen by the first character, and the first
//! that matches wins (bool, float, int, merge, null, timestamp, value).

/// The tag a plain scalar resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implicit {
    /// `tag:yaml.org,2002:null`.
    Null,
    /// `tag:yaml.org,2002:bool`.
    Bool,
    /// `tag:yaml.org,2002:int`.
    Int,
    /// `tag:yaml.org,2002:float`.
    Float,
    /// `tag:yaml.org,2002:timestamp`.
    Timestamp,
    /// `tag:yaml.org,2002:merge` (`<<`).
    Merge,
    /// `tag:yaml.org,2002:value` (`=`).
    Value,
    /// `tag:yaml.org,2002:str`, the default.
    Str,
}

impl Implicit {
    /// The tag's short name, after `tag:yaml.org,2002:`.
    pub fn name(self) -> &'static str {
        match self {
            Implicit::Null => "null",
            Implicit::Bool => "bool",
            Implicit::Int => "int",
            Implicit::Float => "float",
            Implicit::Timestamp => "timestamp",
            Implicit::Merge => "merge",
            Implicit::Value => "value",
            Implicit::Str => "str",
        }
    }
}

/// What `value` resolves to when written plain.
pub fn resolve(value: &str) -> Implicit {
    let first = value.chars().next();
    let candidates: &[Implicit] = match first {
        None => &[Implicit::Null],
        Some('y' | 'Y' | 't' | 'T' | 'f' | 'F' | 'o' | 'O') => &[Implicit::Bool],
        Some('n' | 'N') => &[Implicit::Bool, Implicit::Null],
        Some('~') => &[Implicit::Null],
        Some('-' | '+') => &[Implicit::Float, Implicit::Int],
        Some('.') => &[Implicit::Float],
        Some('0'..='9') => &[Implicit::Float, Implicit::Int, Implicit::Timestamp],
        Some('<') => &[Implicit::Merge],
        Some('=') => &[Implicit::Value],
        Some(_) => &[],
    };
    candidates
        .iter()
        .copied()
        .find(|tag| matches(*tag, value))
        .unwrap_or(Implicit::Str)
}

fn matches(tag: Implicit, v: &str) -> bool {
    match tag {
        Implicit::Null => matches!(v, "" | "~" | "null" | "Null" | "NULL"),
        Implicit::Bool => matches!(
            v,
            "yes"
                | "Yes"
                | "YES"
                | "no"
                | "No"
                | "NO"
                | "true"
                | "True"
                | "TRUE"
                | "false"
                | "False"
                | "FALSE"
                | "on"
                | "On"
                | "ON"
                | "off"
                | "Off"
                | "OFF"
        ),
        Implicit::Int => is_int(v),
        Implicit::Float => is_float(v),
        Implicit::Timestamp => is_timestamp(v),
        Implicit::Merge => v == "<<",
        Implicit::Value => v == "=",
        Implicit::Str => true,
    }
}

/// A cursor over bytes (every rule here is ASCII).
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    fn new(s: &'a str) -> Self {
        Cur {
            b: s.as_bytes(),
            i: 0,
        }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, f: impl Fn(u8) -> bool) -> bool {
        match self.peek() {
            Some(c) if f(c) => {
                self.i += 1;
                true
            }
            _ => false,
        }
    }
    fn eat_while(&mut self, f: impl Fn(u8) -> bool) -> usize {
        let start = self.i;
        while self.eat(&f) {}
        self.i - start
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
    fn sign(&mut self) {
        self.eat(|c| c == b'-' || c == b'+');
    }
    fn rest(&self) -> &'a [u8] {
        &self.b[self.i..]
    }
}

fn digit(c: u8) -> bool {
    c.is_ascii_digit()
}
fn digit_(c: u8) -> bool {
    c.is_ascii_digit() || c == b'_'
}

/// `(?::[0-5]?[0-9])+` then the rest must satisfy `tail`.
fn sexagesimal_groups(c: &mut Cur) -> bool {
    let mut groups = 0;
    while c.peek() == Some(b':') {
        c.i += 1;
        let d = c.eat_while(digit);
        let grp = &c.b[c.i - d..c.i];
        let ok = match d {
            1 => true,
            2 => grp[0] <= b'5',
            _ => false,
        };
        if !ok {
            return false;
        }
        groups += 1;
    }
    groups > 0
}

/// PyYAML's int resolver: `0b..`, `0..` (octal), decimal, `0x..`, base 60.
fn is_int(v: &str) -> bool {
    let mut c = Cur::new(v);
    c.sign();
    let body = c.rest();
    let all = |s: &[u8], f: fn(u8) -> bool| !s.is_empty() && s.iter().all(|&b| f(b));
    if let Some(r) = body.strip_prefix(b"0b") {
        if all(r, |b| b == b'0' || b == b'1' || b == b'_') {
            return true;
        }
    }
    if let Some(r) = body.strip_prefix(b"0x") {
        if all(r, |b| b.is_ascii_hexdigit() || b == b'_') {
            return true;
        }
    }
    if let Some(r) = body.strip_prefix(b"0") {
        if r.is_empty() || all(r, |b| (b'0'..=b'7').contains(&b) || b == b'_') {
            return true;
        }
    }
    if matches!(body.first(), Some(b'1'..=b'9')) {
        let mut d = Cur { b: body, i: 1 };
        d.eat_while(digit_);
        if d.done() {
            return true;
        }
        return sexagesimal_groups(&mut d) && d.done();
    }
    false
}

/// `(?:[eE][-+][0-9]+)?` then end.
fn exponent_then_end(c: &mut Cur) -> bool {
    if c.eat(|b| b == b'e' || b == b'E')
        && (!c.eat(|b| b == b'-' || b == b'+') || c.eat_while(digit) == 0)
    {
        return false;
    }
    c.done()
}

/// PyYAML's float resolver.
fn is_float(v: &str) -> bool {
    // [-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?
    let mut c = Cur::new(v);
    c.sign();
    if c.eat(digit) {
        c.eat_while(digit_);
        if c.eat(|b| b == b'.') {
            c.eat_while(digit_);
            if exponent_then_end(&mut c) {
                return true;
            }
        }
    }
    // \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?  (no sign in this branch)
    let mut c = Cur::new(v);
    if c.eat(|b| b == b'.') && c.eat(digit) {
        c.eat_while(digit_);
        if exponent_then_end(&mut c) {
            return true;
        }
    }
    // [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    let mut c = Cur::new(v);
    c.sign();
    if c.eat(digit) {
        c.eat_while(digit_);
        if sexagesimal_groups(&mut c) && c.eat(|b| b == b'.') {
            c.eat_while(digit_);
            if c.done() {
                return true;
            }
        }
    }
    let unsigned = v.strip_prefix(['-', '+']).unwrap_or(v);
    matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(v, ".nan" | ".NaN" | ".NAN")
}

/// PyYAML's timestamp resolver: `YYYY-MM-DD`, or a date with one- or
/// two-digit month and day followed by a mandatory time and optional zone.
fn is_timestamp(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() == 10
        && b.iter().enumerate().all(|(i, &c)| {
            if i == 4 || i == 7 {
                c == b'-'
            } else {
                digit(c)
            }
        })
    {
        return true;
    }
    parse_timestamp(v, true).is_some()
}

/// The fields of a timestamp, as PyYAML's constructor reads them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TimestampParts<'a> {
    /// Year, month, day as text.
    pub date: (&'a str, &'a str, &'a str),
    /// Hour, minute, second and the fraction digits, when there is a time.
    pub time: Option<(&'a str, &'a str, &'a str, &'a str)>,
    /// `Z`, or sign, hours and minutes.
    pub zone: Option<Zone<'a>>,
}

/// A timestamp's zone designator.
#[derive(Debug, PartialEq, Eq)]
pub enum Zone<'a> {
    /// `Z`.
    Utc,
    /// `+05:30`, `-5`.
    Offset(bool, &'a str, &'a str),
}

/// Splits a timestamp into fields. `need_time`: the resolver's form, where a
/// date with one-digit month or day must carry a time; the constructor's
/// form (`false`) accepts a bare date of either width.
pub fn parse_timestamp(v: &str, need_time: bool) -> Option<TimestampParts<'_>> {
    let mut c = Cur::new(v);
    let span = |c: &Cur, from: usize| &v[from..c.i];
    let y0 = c.i;
    if c.eat_while(digit) != 4 {
        return None;
    }
    let year = span(&c, y0);
    let two = |c: &mut Cur| {
        let from = c.i;
        if !c.eat(digit) {
            return None;
        }
        c.eat(digit);
        Some(&v[from..c.i])
    };
    if !c.eat(|b| b == b'-') {
        return None;
    }
    let month = two(&mut c)?;
    if !c.eat(|b| b == b'-') {
        return None;
    }
    let day = two(&mut c)?;
    let mut parts = TimestampParts {
        date: (year, month, day),
        ..Default::default()
    };
    if c.done() {
        return (!need_time).then_some(parts);
    }
    if !c.eat(|b| b == b'T' || b == b't') && c.eat_while(|b| b == b' ' || b == b'\t') == 0 {
        return None;
    }
    let hour = two(&mut c)?;
    let fixed2 = |c: &mut Cur| {
        let from = c.i;
        (c.eat(|b| b == b':') && c.eat(digit) && c.eat(digit)).then(|| &v[from + 1..c.i])
    };
    let minute = fixed2(&mut c)?;
    let second = fixed2(&mut c)?;
    let mut fraction = "";
    if c.eat(|b| b == b'.') {
        let from = c.i;
        c.eat_while(digit);
        fraction = span(&c, from);
    }
    parts.time = Some((hour, minute, second, fraction));
    if c.done() {
        return Some(parts);
    }
    c.eat_while(|b| b == b' ' || b == b'\t');
    if c.eat(|b| b == b'Z') {
        parts.zone = Some(Zone::Utc);
    } else {
        let negative = match c.peek() {
            Some(b'-') => true,
            Some(b'+') => false,
            _ => return None,
        };
        c.i += 1;
        let zh = two(&mut c)?;
        let mut zm = "";
        if c.peek() == Some(b':') {
            zm = fixed2(&mut c)?;
        }
        parts.zone = Some(Zone::Offset(negative, zh, zm));
    }
    c.done().then_some(parts)
}

#[cfg(test)]
mod tests {
    use super::{resolve, Implicit::*};

    #[test]
    fn yaml_1_1_types() {
        let cases = [
            ("", Null),
            ("~", Null),
            ("Null", Null),
            ("nULL", Str),
            ("yes", Bool),
            ("Off", Bool),
            ("y", Str),
            ("0", Int),
            ("-0", Int),
            ("010", Int),
            ("08", Str),
            ("0b1_0", Int),
            ("0b", Str),
            ("0x_", Int),
            ("0o17", Str),
            ("1_000", Int),
            ("190:20:30", Int),
            ("1:60", Str),
            ("0:30", Str),
            ("1e5", Str),
            ("1.0e5", Str),
            ("1.0e+5", Float),
            ("1.", Float),
            (".5", Float),
            ("-.5", Str),
            ("+.inf", Float),
            ("-.nan", Str),
            ("1:30.5", Float),
            ("2001-12-14", Timestamp),
            ("2001-1-4", Str),
            ("2001-1-4 1:02:03", Timestamp),
            ("2001-12-14t21:59:43.10-05:00", Timestamp),
            ("2001-12-14 21:59:43.10 Z", Timestamp),
            ("2001-12-14 21:59", Str),
            ("<<", Merge),
            ("=", Value),
            ("- a", Str),
        ];
        for (text, want) in cases {
            assert_eq!(resolve(text), want, "{text:?}");
        }
    }
}
