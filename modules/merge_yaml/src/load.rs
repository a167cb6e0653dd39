//! `yaml.safe_load` of one source: saphyr-parser's events composed into a
//! node graph (anchors and aliases as shared nodes), then PyYAML's
//! SafeConstructor rules: tags resolved the YAML 1.1 way, merge keys (`<<`)
//! flattened as PyYAML 6 does, `!!set`, `!!binary`, timestamps, Python dict
//! key equality.

use crate::error::YamlError;
use crate::names::{self, Names, Split};
use crate::resolve::{self, Implicit, Zone};
use crate::value::{self, Date, DateTime, Int, Map, Scalar, Value};
use base64::Engine as _;
use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

const CORE: &str = "tag:yaml.org,2002:";

type NodeId = usize;

#[derive(Debug)]
enum Kind {
    Scalar { value: String },
    Seq(Vec<NodeId>),
    Map(Vec<(NodeId, NodeId)>),
}

#[derive(Debug)]
struct Node {
    /// The resolved tag, in full (`tag:yaml.org,2002:int`).
    tag: String,
    kind: Kind,
    line: usize,
}

/// Text that PyYAML's reader refuses ("unacceptable character").
fn check_printable(text: &str) -> Result<(), YamlError> {
    let bad = text.char_indices().find(|&(_, c)| {
        !matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
    });
    match bad {
        Some((at, c)) => Err(YamlError::Syntax {
            line: text[..at].matches('\n').count() + 1,
            msg: format!(
                "unacceptable character #x{:04x}: special characters are not allowed",
                c as u32
            ),
        }),
        None => Ok(()),
    }
}

fn full_tag(tag: &Tag) -> String {
    if tag.handle == "!" {
        format!("!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

struct Composer {
    nodes: Vec<Node>,
    anchors: HashMap<usize, NodeId>,
    /// Anchored collections still being composed: an alias to one is a cycle.
    open: Vec<usize>,
}

impl Composer {
    fn add(&mut self, node: Node, anchor: usize) -> NodeId {
        self.nodes.push(node);
        let id = self.nodes.len() - 1;
        if anchor != 0 {
            self.anchors.insert(anchor, id);
        }
        id
    }
}

fn syntax(span: &Span, msg: impl Into<String>) -> YamlError {
    YamlError::Syntax {
        line: span.start.line(),
        msg: msg.into(),
    }
}

/// Composes the single document of `text`; `None` when it has none.
fn compose(text: &str) -> Result<Option<(Composer, NodeId)>, YamlError> {
    check_printable(text)?;
    let mut text = Cow::Borrowed(text);
    // Each split puts a space between a name character and a `:` or `?`,
    // and puts none anywhere else: there are finitely many such pairs.
    loop {
        match compose_once(&text)? {
            Composed::Whole(doc) => return Ok(doc),
            Composed::Split(at) => text = Cow::Owned(names::split(&text, &at)),
        }
    }
}

/// How one pass of the parser over a text ended.
enum Composed {
    /// The document (or none).
    Whole(Option<(Composer, NodeId)>),
    /// A name PyYAML ends earlier: split it there and parse again.
    Split(Split),
}

/// One pass of the parser, with every anchor and alias name checked.
fn compose_once(text: &str) -> Result<Composed, YamlError> {
    let mut names = Names::new(text);
    let mut c = Composer {
        nodes: Vec::new(),
        anchors: HashMap::new(),
        open: Vec::new(),
    };
    // Collections being built: their node id and, for mappings, a pending key.
    let mut stack: Vec<(NodeId, Option<NodeId>, usize)> = Vec::new();
    let mut root = None;
    let mut documents = 0;
    for event in Parser::new_from_str(text) {
        let (event, span) = match event {
            Ok(event) => event,
            Err(e) => {
                if let Some(at) = names.error(e.marker())? {
                    return Ok(Composed::Split(at));
                }
                return Err(YamlError::Syntax {
                    line: e.marker().line(),
                    msg: e.info().to_string(),
                });
            }
        };
        if let Some(at) = names.event(&event, &span)? {
            return Ok(Composed::Split(at));
        }
        let line = span.start.line();
        let is_map = matches!(event, Event::MappingStart(..));
        let id = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(syntax(
                        &span,
                        "expected a single document in the stream, but found another document",
                    ));
                }
                continue;
            }
            Event::Alias(anchor) => {
                if c.open.contains(&anchor) {
                    return Err(syntax(
                        &span,
                        "a recursive alias (a collection containing itself) cannot be merged",
                    ));
                }
                *c.anchors
                    .get(&anchor)
                    .ok_or_else(|| syntax(&span, "found undefined alias"))?
            }
            Event::Scalar(value, style, anchor, tag) => {
                let plain = style == ScalarStyle::Plain;
                let tag = match tag.as_deref().map(full_tag) {
                    // `!` is non-specific: PyYAML resolves it as if plain.
                    Some(t) if t == "!" => implicit_tag(resolve::resolve(&value)),
                    Some(t) => t,
                    None if plain => implicit_tag(resolve::resolve(&value)),
                    None => format!("{CORE}str"),
                };
                let node = Node {
                    tag,
                    kind: Kind::Scalar {
                        value: value.into_owned(),
                    },
                    line,
                };
                c.add(node, anchor)
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                let tag = match tag.as_deref().map(full_tag) {
                    Some(t) if t != "!" => t,
                    _ if is_map => format!("{CORE}map"),
                    _ => format!("{CORE}seq"),
                };
                let kind = if is_map {
                    Kind::Map(Vec::new())
                } else {
                    Kind::Seq(Vec::new())
                };
                let id = c.add(Node { tag, kind, line }, anchor);
                if anchor != 0 {
                    c.open.push(anchor);
                }
                stack.push((id, None, anchor));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (id, _, anchor) = stack.pop().expect("the parser balances collections");
                c.open.retain(|a| *a != anchor);
                id
            }
            _ => continue,
        };
        match stack.last_mut() {
            None => root = Some(id),
            Some((parent, pending, _)) => match &mut c.nodes[*parent].kind {
                Kind::Seq(items) => items.push(id),
                Kind::Map(pairs) => match pending.take() {
                    Some(key) => pairs.push((key, id)),
                    None => *pending = Some(id),
                },
                Kind::Scalar { .. } => unreachable!("scalars have no children"),
            },
        }
    }
    Ok(Composed::Whole(root.map(|r| (c, r))))
}

fn implicit_tag(i: Implicit) -> String {
    format!("{CORE}{}", i.name())
}

struct Constructor {
    nodes: Vec<Node>,
    done: HashMap<NodeId, Value>,
}

fn err(node: &Node, msg: impl Into<String>) -> YamlError {
    YamlError::Construct {
        line: node.line,
        msg: msg.into(),
    }
}

impl Constructor {
    /// PyYAML's `flatten_mapping`: merged pairs first (each key node once;
    /// CPython shares one-character Latin-1 strings, so those keys are
    /// deduplicated by text), then the mapping's own pairs, later ones winning.
    fn flatten(&mut self, id: NodeId) -> Result<(), YamlError> {
        let Kind::Map(pairs) = &self.nodes[id].kind else {
            return Ok(());
        };
        let mut pairs = pairs.clone();
        let mut merged: Vec<(NodeId, NodeId)> = Vec::new();
        let mut seen: Vec<KeyIdentity> = Vec::new();
        let mut index = 0;
        while index < pairs.len() {
            let (k, v) = pairs[index];
            let tag = self.nodes[k].tag.as_str();
            if tag == "tag:yaml.org,2002:merge" {
                pairs.remove(index);
                let sources = match &self.nodes[v].kind {
                    Kind::Map(_) => vec![v],
                    Kind::Seq(items) => {
                        let items = items.clone();
                        for &item in &items {
                            if !matches!(self.nodes[item].kind, Kind::Map(_)) {
                                return Err(err(
                                    &self.nodes[item],
                                    "expected a mapping for merging (<<)",
                                ));
                            }
                        }
                        items
                    }
                    Kind::Scalar { .. } => {
                        return Err(err(
                            &self.nodes[v],
                            "expected a mapping or list of mappings for merging (<<)",
                        ))
                    }
                };
                for s in sources {
                    self.flatten(s)?;
                    let Kind::Map(sub) = &self.nodes[s].kind else {
                        unreachable!("checked above")
                    };
                    for &(sk, sv) in sub {
                        let ident = self.key_identity(sk);
                        if !seen.contains(&ident) {
                            seen.push(ident);
                            merged.push((sk, sv));
                        }
                    }
                }
            } else {
                if tag == "tag:yaml.org,2002:value" {
                    self.nodes[k].tag = format!("{CORE}str");
                }
                index += 1;
            }
        }
        if !merged.is_empty() {
            merged.extend(pairs);
            pairs = merged;
        }
        self.nodes[id].kind = Kind::Map(pairs);
        Ok(())
    }

    fn key_identity(&self, id: NodeId) -> KeyIdentity {
        match &self.nodes[id].kind {
            Kind::Scalar { value, .. }
                if value.chars().count() <= 1 && value.chars().all(|c| (c as u32) < 256) =>
            {
                KeyIdentity::Text(value.clone())
            }
            _ => KeyIdentity::Node(id),
        }
    }

    fn construct(&mut self, id: NodeId) -> Result<Value, YamlError> {
        if let Some(v) = self.done.get(&id) {
            return Ok(v.clone());
        }
        let tag = self.nodes[id].tag.clone();
        let short = tag.strip_prefix(CORE);
        let value = match (&self.nodes[id].kind, short) {
            (Kind::Scalar { value, .. }, Some(name)) => {
                Value::scalar(scalar(name, value).map_err(|m| err(&self.nodes[id], m))?)
            }
            (Kind::Seq(items), Some("seq")) => {
                let items = items.clone();
                let list = Rc::new(RefCell::new(Vec::with_capacity(items.len())));
                self.done.insert(id, Value::List(list.clone()));
                for item in items {
                    let v = self.construct(item)?;
                    list.borrow_mut().push(v);
                }
                Value::List(list)
            }
            (Kind::Map(_), Some(name @ ("map" | "set"))) => {
                self.flatten(id)?;
                let Kind::Map(pairs) = &self.nodes[id].kind else {
                    unreachable!("flatten keeps mappings")
                };
                let pairs = pairs.clone();
                let is_set = name == "set";
                let mut map: Map = Vec::with_capacity(pairs.len());
                let mut dict = value::Indexed::new(&mut map);
                let shell = if is_set {
                    Value::Set(Rc::new(RefCell::new(Vec::new())))
                } else {
                    Value::new_map()
                };
                self.done.insert(id, shell.clone());
                for (k, v) in pairs {
                    let key = match self.construct(k)? {
                        Value::Scalar(s) => s,
                        other => {
                            return Err(err(
                                &self.nodes[k],
                                format!(
                                    "found unhashable key: a {} cannot be a mapping key",
                                    other.type_name()
                                ),
                            ))
                        }
                    };
                    let value = self.construct(v)?;
                    dict.insert(key, value);
                }
                match &shell {
                    Value::Set(s) => *s.borrow_mut() = map.into_iter().map(|(k, _)| k).collect(),
                    Value::Map(m) => *m.borrow_mut() = map,
                    _ => unreachable!("shells are sets or maps"),
                }
                shell
            }
            (_, Some(name @ ("omap" | "pairs"))) => {
                return Err(err(
                    &self.nodes[id],
                    format!(
                        "the !!{name} tag is not supported by merge_yaml; use a mapping or a list"
                    ),
                ))
            }
            _ => {
                return Err(err(
                    &self.nodes[id],
                    format!("could not determine a constructor for the tag '{tag}' on this node"),
                ))
            }
        };
        self.done.insert(id, value.clone());
        Ok(value)
    }
}

#[derive(PartialEq)]
enum KeyIdentity {
    Node(NodeId),
    Text(String),
}

/// PyYAML's SafeConstructor for one scalar tag.
fn scalar(name: &str, value: &str) -> Result<Scalar, String> {
    let bad = |what: &str| format!("invalid {what} value {value:?}");
    Ok(match name {
        "str" => Scalar::Str(value.to_string()),
        "null" => Scalar::Null,
        "bool" => match value.to_ascii_lowercase().as_str() {
            "yes" | "true" | "on" => Scalar::Bool(true),
            "no" | "false" | "off" => Scalar::Bool(false),
            _ => return Err(bad("bool")),
        },
        "int" => Scalar::Int(construct_int(value).ok_or_else(|| bad("int"))?),
        "float" => Scalar::Float(construct_float(value).ok_or_else(|| bad("float"))?),
        "binary" => {
            let clean: String = value
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
                .collect();
            if !value.is_ascii() {
                return Err("failed to convert base64 data into ascii".into());
            }
            Scalar::Bytes(
                base64::engine::general_purpose::STANDARD
                    .decode(clean)
                    .map_err(|e| format!("failed to decode base64 data: {e}"))?,
            )
        }
        "timestamp" => construct_timestamp(value).ok_or_else(|| bad("timestamp"))?,
        other => {
            return Err(format!(
                "could not determine a constructor for the tag '{CORE}{other}'"
            ))
        }
    })
}

fn split_sign(value: &str) -> (bool, &str) {
    match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    }
}

fn construct_int(raw: &str) -> Option<Int> {
    let cleaned = raw.replace('_', "");
    let (negative, v) = split_sign(&cleaned);
    let n = if v == "0" {
        Int::zero()
    } else if let Some(r) = v.strip_prefix("0b") {
        Int::parse_radix(r, 2)?
    } else if let Some(r) = v.strip_prefix("0x") {
        Int::parse_radix(r, 16)?
    } else if v.starts_with('0') {
        // Python's int(v, 8) also takes an `0o` prefix.
        let r = v.strip_prefix("0o").unwrap_or(v);
        Int::parse_radix(r, 8)?
    } else if v.contains(':') {
        let parts: Vec<&str> = v.split(':').collect();
        if parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        Int::sexagesimal(&parts)?
    } else {
        Int::parse_radix(v, 10)?
    };
    Some(n.with_sign(negative))
}

fn construct_float(raw: &str) -> Option<f64> {
    let cleaned = raw.replace('_', "").to_lowercase();
    let (negative, v) = split_sign(&cleaned);
    let sign = if negative { -1.0 } else { 1.0 };
    let n = if v == ".inf" {
        f64::INFINITY
    } else if v == ".nan" {
        f64::NAN
    } else if v.contains(':') {
        let mut total = 0.0;
        let mut base = 1.0;
        for part in v.split(':').rev() {
            total += py_float(part)? * base;
            base *= 60.0;
        }
        total
    } else {
        py_float(v)?
    };
    Some(sign * n)
}

/// Python's `float(text)` for the decimal forms YAML produces.
fn py_float(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() || t.contains(['_', ' ']) {
        return None;
    }
    t.parse().ok()
}

fn construct_timestamp(value: &str) -> Option<Scalar> {
    let parts = resolve::parse_timestamp(value, false)?;
    let num = |s: &str| s.parse::<u32>().ok();
    let (y, m, d) = parts.date;
    let date = Date {
        year: num(y)?,
        month: num(m)?,
        day: num(d)?,
    };
    if date.year == 0
        || !(1..=12).contains(&date.month)
        || date.day == 0
        || date.day > value::days_in_month(date.year, date.month)
    {
        return None;
    }
    let Some((h, mi, s, frac)) = parts.time else {
        return Some(Scalar::Date(date));
    };
    let micros = if frac.is_empty() {
        0
    } else {
        let mut f: String = frac.chars().take(6).collect();
        while f.len() < 6 {
            f.push('0');
        }
        num(&f)?
    };
    let time = (num(h)?, num(mi)?, num(s)?, micros);
    if time.0 > 23 || time.1 > 59 || time.2 > 59 {
        return None;
    }
    let offset = match parts.zone {
        None => None,
        Some(Zone::Utc) => Some(0),
        Some(Zone::Offset(negative, zh, zm)) => {
            let minutes = num(zh)? as i32 * 60 + if zm.is_empty() { 0 } else { num(zm)? as i32 };
            // datetime.timezone accepts offsets strictly within a day.
            if minutes >= 24 * 60 {
                return None;
            }
            Some(if negative { -minutes } else { minutes })
        }
    };
    Some(Scalar::DateTime(DateTime { date, time, offset }))
}

/// `yaml.safe_load(text)`: `None` for a stream with no document.
pub fn load(text: &str) -> Result<Option<Value>, YamlError> {
    let Some((composer, root)) = compose(text)? else {
        return Ok(None);
    };
    let mut c = Constructor {
        nodes: composer.nodes,
        done: HashMap::new(),
    };
    c.construct(root).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar_of(text: &str) -> Scalar {
        match load(text).unwrap().unwrap() {
            Value::Scalar(s) => (*s).clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn scalars_as_pyyaml_constructs_them() {
        assert!(matches!(scalar_of("0o17"), Scalar::Str(_)));
        assert!(matches!(scalar_of("!!int 0o17"), Scalar::Int(i) if i.digits == "15"));
        assert!(matches!(scalar_of("-010"), Scalar::Int(i) if i.to_decimal() == "-8"));
        assert!(matches!(scalar_of("0x_1F"), Scalar::Int(i) if i.digits == "31"));
        assert!(matches!(scalar_of("1:30.5"), Scalar::Float(f) if f == 90.5));
        assert!(matches!(scalar_of("! 12"), Scalar::Int(_)));
        assert!(matches!(scalar_of("'12'"), Scalar::Str(_)));
        assert!(matches!(scalar_of("!!binary aGk="), Scalar::Bytes(b) if b == b"hi"));
        assert!(matches!(scalar_of("2001-12-14 21:59:43.10 -5"),
            Scalar::DateTime(d) if d.offset == Some(-300) && d.time.3 == 100_000));
        assert!(load("0x_").is_err());
        assert!(load("2001-02-30").is_err());
        assert!(load("!foo x").is_err());
    }

    #[test]
    fn merge_keys_and_aliases() {
        let v = load("a: &a {x: 1, yy: 2}\nb: &b {x: 3, yy: 4}\nc:\n  <<: [*a, *b]\n  z: 5\n")
            .unwrap()
            .unwrap();
        let Value::Map(m) = v else { panic!() };
        let Value::Map(c) = &m.borrow()[2].1 else {
            panic!()
        };
        let shown: Vec<String> = c
            .borrow()
            .iter()
            .map(|(k, v)| match (&**k, v) {
                (Scalar::Str(k), Value::Scalar(s)) => match &**s {
                    Scalar::Int(i) => format!("{k}={}", i.digits),
                    _ => panic!(),
                },
                _ => panic!(),
            })
            .collect();
        // One-letter keys merge first-wins, longer keys later-wins (PyYAML 6.0.x).
        assert_eq!(shown, ["x=1", "yy=4", "z=5"]);
    }

    #[test]
    fn documents_and_errors() {
        assert!(load("").unwrap().is_none());
        assert!(load("# only a comment\n").unwrap().is_none());
        assert!(load("a: 1\n---\nb: 2\n").is_err());
        assert!(load("a: [1\n").is_err());
        assert!(load("a: \u{7}\n").is_err());
        assert!(load("a: &x [*x]\n").is_err());
        assert!(load("? [1]\n: 2\n").is_err());
    }
}
