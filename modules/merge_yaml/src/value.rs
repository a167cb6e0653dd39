//! The Python objects PyYAML's `safe_load` builds, with Python's equality and
//! ordering, and object identity where `yaml.dump` can see it (anchors).
//!
//! Collections are shared (`Rc`) because kolla-ansible's merge assigns lists
//! by reference and extends them in place, and `yaml.dump` writes an
//! `&id001` anchor for any list, mapping or timestamp reached twice.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::rc::Rc;

/// A Python `int`: arbitrary precision, kept as decimal digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Int {
    /// Below zero (never set for zero).
    pub negative: bool,
    /// Decimal digits without leading zeros ("0" for zero).
    pub digits: String,
}

impl Int {
    /// Zero.
    pub fn zero() -> Self {
        Int {
            negative: false,
            digits: "0".into(),
        }
    }

    /// Parses digits in `radix` (2..=16, no sign, no underscores); `None` when empty or invalid.
    pub fn parse_radix(text: &str, radix: u32) -> Option<Int> {
        if text.is_empty() {
            return None;
        }
        // Little-endian decimal digits: multiply-add keeps any length exact.
        let mut acc: Vec<u8> = vec![0];
        for c in text.chars() {
            let d = c.to_digit(radix)?;
            mul_add(&mut acc, radix, d);
        }
        Some(Int::from_le_digits(acc, false))
    }

    /// Sexagesimal `1:20:30` parts (already validated digits) as one number.
    pub fn sexagesimal(parts: &[&str]) -> Option<Int> {
        let mut acc: Vec<u8> = vec![0];
        for part in parts {
            let n: u32 = part.parse().ok()?;
            mul_add(&mut acc, 60, 0);
            add_small(&mut acc, n);
        }
        Some(Int::from_le_digits(acc, false))
    }

    fn from_le_digits(mut acc: Vec<u8>, negative: bool) -> Int {
        while acc.len() > 1 && acc.last() == Some(&0) {
            acc.pop();
        }
        let digits: String = acc.iter().rev().map(|d| char::from(b'0' + d)).collect();
        let negative = negative && digits != "0";
        Int { negative, digits }
    }

    /// The same number with the sign flipped when `negative`.
    pub fn with_sign(mut self, negative: bool) -> Int {
        self.negative = negative && self.digits != "0";
        self
    }

    /// Python's `str(int)`.
    pub fn to_decimal(&self) -> String {
        if self.negative {
            format!("-{}", self.digits)
        } else {
            self.digits.clone()
        }
    }

    fn to_f64(&self) -> f64 {
        self.to_decimal().parse().unwrap_or(f64::NAN)
    }

    fn cmp_int(&self, other: &Int) -> Ordering {
        let mag = |a: &Int, b: &Int| {
            a.digits
                .len()
                .cmp(&b.digits.len())
                .then_with(|| a.digits.cmp(&b.digits))
        };
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => mag(self, other),
            (true, true) => mag(other, self),
        }
    }
}

fn mul_add(acc: &mut Vec<u8>, factor: u32, add: u32) {
    let mut carry = add;
    for d in acc.iter_mut() {
        let v = u32::from(*d) * factor + carry;
        *d = (v % 10) as u8;
        carry = v / 10;
    }
    while carry > 0 {
        acc.push((carry % 10) as u8);
        carry /= 10;
    }
}

fn add_small(acc: &mut Vec<u8>, add: u32) {
    mul_add(acc, 1, add);
}

/// A calendar date (`datetime.date`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, 1..=9999.
    pub year: u32,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of the month.
    pub day: u32,
}

/// A `datetime.datetime`, naive or with a fixed UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    /// The date part.
    pub date: Date,
    /// Hour, minute, second, microsecond.
    pub time: (u32, u32, u32, u32),
    /// Offset east of UTC in minutes; `None` for a naive datetime.
    pub offset: Option<i32>,
}

impl DateTime {
    /// Microseconds since 0001-01-01 in local time, shifted to UTC when aware.
    fn instant(&self) -> i128 {
        let days = days_from_civil(self.date) as i128;
        let (h, m, s, us) = self.time;
        let secs = days * 86_400 + i128::from(h * 3600 + m * 60 + s)
            - i128::from(self.offset.unwrap_or(0)) * 60;
        secs * 1_000_000 + i128::from(us)
    }
}

fn days_from_civil(d: Date) -> i64 {
    let (y, m) = if d.month <= 2 {
        (i64::from(d.year) - 1, i64::from(d.month) + 9)
    } else {
        (i64::from(d.year), i64::from(d.month) - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + i64::from(d.day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe
}

/// Days in a month of a year, as `datetime` validates them.
pub fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

/// A scalar object: what can be a mapping key.
#[derive(Debug, Clone)]
pub enum Scalar {
    /// `None`.
    Null,
    /// `True` / `False`.
    Bool(bool),
    /// `int`.
    Int(Int),
    /// `float`.
    Float(f64),
    /// `str`.
    Str(String),
    /// `bytes` (`!!binary`).
    Bytes(Vec<u8>),
    /// `datetime.date`.
    Date(Date),
    /// `datetime.datetime`.
    DateTime(DateTime),
}

/// Python's comparison families: `<` between two families raises TypeError.
#[derive(PartialEq, Eq, Clone, Copy)]
enum Family {
    Null,
    Number,
    Str,
    Bytes,
    Date,
    Naive,
    Aware,
}

impl Scalar {
    fn family(&self) -> Family {
        match self {
            Scalar::Null => Family::Null,
            Scalar::Bool(_) | Scalar::Int(_) | Scalar::Float(_) => Family::Number,
            Scalar::Str(_) => Family::Str,
            Scalar::Bytes(_) => Family::Bytes,
            Scalar::Date(_) => Family::Date,
            Scalar::DateTime(d) if d.offset.is_none() => Family::Naive,
            Scalar::DateTime(_) => Family::Aware,
        }
    }

    /// Python's `bool(x)`.
    pub fn truthy(&self) -> bool {
        match self {
            Scalar::Null => false,
            Scalar::Bool(b) => *b,
            Scalar::Int(i) => i.digits != "0",
            Scalar::Float(f) => *f != 0.0,
            Scalar::Str(s) => !s.is_empty(),
            Scalar::Bytes(b) => !b.is_empty(),
            Scalar::Date(_) | Scalar::DateTime(_) => true,
        }
    }

    fn as_int(&self) -> Option<Int> {
        match self {
            Scalar::Bool(b) => Some(Int {
                negative: false,
                digits: if *b { "1" } else { "0" }.into(),
            }),
            Scalar::Int(i) => Some(i.clone()),
            _ => None,
        }
    }

    /// Python's `==` (so `1`, `1.0` and `True` are one dict key).
    pub fn py_eq(&self, other: &Scalar) -> bool {
        match (self, other) {
            (Scalar::Null, Scalar::Null) => true,
            (Scalar::Str(a), Scalar::Str(b)) => a == b,
            (Scalar::Bytes(a), Scalar::Bytes(b)) => a == b,
            (Scalar::Date(a), Scalar::Date(b)) => a == b,
            (Scalar::DateTime(a), Scalar::DateTime(b)) => {
                a.offset.is_some() == b.offset.is_some() && a.instant() == b.instant()
            }
            (Scalar::Float(a), Scalar::Float(b)) => a == b,
            (Scalar::Float(f), n) | (n, Scalar::Float(f)) => match n.as_int() {
                Some(i) => f.is_finite() && f.fract() == 0.0 && float_int_eq(*f, &i),
                None => false,
            },
            (a, b) => match (a.as_int(), b.as_int()) {
                (Some(x), Some(y)) => x == y,
                _ => false,
            },
        }
    }

    /// Python's `<` as an ordering, or `None` where Python raises TypeError.
    pub fn py_cmp(&self, other: &Scalar) -> Option<Ordering> {
        if self.family() != other.family() {
            return None;
        }
        match (self, other) {
            (Scalar::Str(a), Scalar::Str(b)) => Some(a.cmp(b)),
            (Scalar::Bytes(a), Scalar::Bytes(b)) => Some(a.cmp(b)),
            (Scalar::Date(a), Scalar::Date(b)) => Some(a.cmp(b)),
            (Scalar::DateTime(a), Scalar::DateTime(b)) => Some(a.instant().cmp(&b.instant())),
            (Scalar::Null, Scalar::Null) => None,
            (a, b) => match (a.as_int(), b.as_int()) {
                (Some(x), Some(y)) => Some(x.cmp_int(&y)),
                _ => a.number_f64().partial_cmp(&b.number_f64()),
            },
        }
    }

    fn number_f64(&self) -> f64 {
        match self {
            Scalar::Float(f) => *f,
            other => other.as_int().map_or(f64::NAN, |i| i.to_f64()),
        }
    }
}

fn float_int_eq(f: f64, i: &Int) -> bool {
    let text = format!("{:.0}", f.abs());
    text == i.digits && (f < 0.0) == i.negative
}

/// A mapping: Python dict semantics (first key object kept, last value wins).
pub type Map = Vec<(Rc<Scalar>, Value)>;

/// Any object a document can hold.
#[derive(Debug, Clone)]
pub enum Value {
    /// A scalar; `Rc` so that a timestamp reached through an alias is one object.
    Scalar(Rc<Scalar>),
    /// A `list`.
    List(Rc<RefCell<Vec<Value>>>),
    /// A `dict`.
    Map(Rc<RefCell<Map>>),
    /// A `set` (`!!set`): its members.
    Set(Rc<RefCell<Vec<Rc<Scalar>>>>),
}

impl Value {
    /// A new scalar value.
    pub fn scalar(s: Scalar) -> Value {
        Value::Scalar(Rc::new(s))
    }

    /// A new, empty dict.
    pub fn new_map() -> Value {
        Value::Map(Rc::new(RefCell::new(Vec::new())))
    }

    /// Python's `bool(x)`.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Scalar(s) => s.truthy(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Map(m) => !m.borrow().is_empty(),
            Value::Set(s) => !s.borrow().is_empty(),
        }
    }

    /// Python's type name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Scalar(s) => match **s {
                Scalar::Null => "null",
                Scalar::Bool(_) => "bool",
                Scalar::Int(_) => "int",
                Scalar::Float(_) => "float",
                Scalar::Str(_) => "str",
                Scalar::Bytes(_) => "binary",
                Scalar::Date(_) | Scalar::DateTime(_) => "timestamp",
            },
            Value::List(_) => "list",
            Value::Map(_) => "mapping",
            Value::Set(_) => "set",
        }
    }
}

/// A key reduced so that Python-equal keys are equal here (`1`, `1.0`,
/// `True`; aware datetimes at the same instant), for hashing.
#[derive(Debug, PartialEq, Eq, Hash)]
enum HashKey {
    Null,
    Number(bool, String),
    Float(u64),
    Str(String),
    Bytes(Vec<u8>),
    Date(Date),
    Naive(Date, (u32, u32, u32, u32)),
    Aware(i128),
}

fn hash_key(s: &Scalar) -> Option<HashKey> {
    Some(match s {
        Scalar::Null => HashKey::Null,
        Scalar::Bool(_) | Scalar::Int(_) => {
            let i = s.as_int().expect("bools and ints are ints");
            HashKey::Number(i.negative, i.digits)
        }
        // NaN equals nothing, not even itself.
        Scalar::Float(f) if f.is_nan() => return None,
        Scalar::Float(f) if f.fract() == 0.0 => {
            let digits = format!("{:.0}", f.abs());
            HashKey::Number(*f < 0.0 && digits != "0", digits)
        }
        Scalar::Float(f) => HashKey::Float(f.to_bits()),
        Scalar::Str(t) => HashKey::Str(t.clone()),
        Scalar::Bytes(b) => HashKey::Bytes(b.clone()),
        Scalar::Date(d) => HashKey::Date(*d),
        Scalar::DateTime(d) if d.offset.is_none() => HashKey::Naive(d.date, d.time),
        Scalar::DateTime(d) => HashKey::Aware(d.instant()),
    })
}

/// A dict being built or updated: its pairs plus a hash index, so that
/// lookups by Python equality stay constant-time on large documents.
pub struct Indexed<'a> {
    map: &'a mut Map,
    index: HashMap<HashKey, usize>,
}

impl<'a> Indexed<'a> {
    /// Indexes `map`'s keys.
    pub fn new(map: &'a mut Map) -> Self {
        let index = map
            .iter()
            .enumerate()
            .filter_map(|(i, (k, _))| hash_key(k).map(|h| (h, i)))
            .collect();
        Indexed { map, index }
    }

    /// The value under `key`.
    pub fn get(&self, key: &Scalar) -> Option<&Value> {
        let i = *self.index.get(&hash_key(key)?)?;
        Some(&self.map[i].1)
    }

    /// `map[key] = value`: the first key object stays, the value is replaced.
    pub fn insert(&mut self, key: Rc<Scalar>, value: Value) {
        match hash_key(&key) {
            Some(h) => match self.index.get(&h) {
                Some(&i) => self.map[i].1 = value,
                None => {
                    self.index.insert(h, self.map.len());
                    self.map.push((key, value));
                }
            },
            None => self.map.push((key, value)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_are_exact_at_any_size() {
        let big = Int::parse_radix("ffffffffffffffffffffffffffffffff1", 16).unwrap();
        assert_eq!(big.to_decimal(), "5444517870735015415413993718908291383281");
        assert_eq!(
            Int::sexagesimal(&["190", "20", "30"]).unwrap().to_decimal(),
            "685230"
        );
        assert_eq!(
            Int::parse_radix("000", 8).unwrap().with_sign(true),
            Int::zero()
        );
        assert!(Int::parse_radix("", 2).is_none());
    }

    #[test]
    fn python_equality_and_ordering() {
        let one = Scalar::Int(Int::parse_radix("1", 10).unwrap());
        assert!(one.py_eq(&Scalar::Bool(true)));
        assert!(one.py_eq(&Scalar::Float(1.0)));
        assert!(!one.py_eq(&Scalar::Str("1".into())));
        assert_eq!(one.py_cmp(&Scalar::Str("a".into())), None);
        assert_eq!(one.py_cmp(&Scalar::Float(0.5)), Some(Ordering::Greater));
        let noon_utc = DateTime {
            date: Date {
                year: 2001,
                month: 1,
                day: 1,
            },
            time: (12, 0, 0, 0),
            offset: Some(0),
        };
        let seven_ny = DateTime {
            time: (7, 0, 0, 0),
            offset: Some(-300),
            ..noon_utc
        };
        assert!(Scalar::DateTime(noon_utc).py_eq(&Scalar::DateTime(seven_ny)));
        let naive = DateTime {
            offset: None,
            ..noon_utc
        };
        assert!(!Scalar::DateTime(noon_utc).py_eq(&Scalar::DateTime(naive)));
    }
}
