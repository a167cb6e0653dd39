//! `yaml.dump(data, default_flow_style=False, width=yaml_width)` byte for
//! byte: PyYAML's Representer (sorted keys when they compare, Python's float
//! repr, `!!binary`/`!!set` tags), Serializer (`&id001` anchors for objects
//! reached twice) and Emitter (two-space indent, lists under a key not
//! indented, ASCII only with `\xE9`-style escapes, quoting chosen by
//! PyYAML's scalar analysis, lines folded at `width`).
//!
//! Hand-written: no Rust emitter produces this style. Measured on one
//! document against PyYAML 6.0.4, saphyr 0.0.12 and yaml-rust2 0.10 write
//! `---`, indent lists under a key, keep source key order, print `café`
//! raw, never fold long strings and write `"multi\nline"` where PyYAML
//! writes a folded single-quoted scalar; serde_yaml_ng 0.10 and
//! serde_norway 0.9 write `y: on` unquoted (a boolean to YAML 1.1 readers)
//! and `|-` blocks, and none of them sorts keys.

use crate::resolve;
use crate::value::{DateTime, Scalar, Value};
use base64::Engine as _;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::rc::Rc;

type NodeId = usize;

/// A representer node.
enum Node {
    Scalar {
        tag: &'static str,
        value: String,
        /// `Some('|')` for binary; `None` lets the emitter choose.
        style: Option<char>,
    },
    Seq(Vec<NodeId>),
    Map {
        tag: &'static str,
        pairs: Vec<(NodeId, NodeId)>,
    },
}

#[derive(Default)]
struct Representer {
    nodes: Vec<Node>,
    /// Objects already represented, by address: the same object is one node.
    seen: HashMap<usize, NodeId>,
}

/// Python's `repr(float)` as PyYAML writes it (`1.0e+16`, `.inf`, `-.nan` never).
pub fn float_text(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').expect("LowerExp has an exponent");
    let exp: i32 = exp.parse().expect("LowerExp exponent is an integer");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if f < 0.0 { "-" } else { "" };
    let body = if (-4..16).contains(&exp) {
        let point = exp + 1;
        let n = digits.len() as i32;
        if point <= 0 {
            format!("0.{}{digits}", "0".repeat((-point) as usize))
        } else if point >= n {
            format!("{digits}{}.0", "0".repeat((point - n) as usize))
        } else {
            let (a, b) = digits.split_at(point as usize);
            format!("{a}.{b}")
        }
    } else {
        // Python writes `1e+16`; PyYAML inserts `.0` so that it reads back as a float.
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() {
            ".0".to_string()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{first}{rest}e{esign}{:02}", exp.abs())
    };
    format!("{sign}{body}")
}

fn datetime_text(d: &DateTime) -> String {
    let (h, m, s, us) = d.time;
    let mut out = format!(
        "{:04}-{:02}-{:02} {h:02}:{m:02}:{s:02}",
        d.date.year, d.date.month, d.date.day
    );
    if us != 0 {
        let _ = write!(out, ".{us:06}");
    }
    if let Some(off) = d.offset {
        let sign = if off < 0 { '-' } else { '+' };
        let _ = write!(out, "{sign}{:02}:{:02}", off.abs() / 60, off.abs() % 60);
    }
    out
}

/// `base64.encodebytes`: 76 characters a line, each line ending in `\n`.
fn encodebytes(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(57) {
        out.push_str(&base64::engine::general_purpose::STANDARD.encode(chunk));
        out.push('\n');
    }
    out
}

impl Representer {
    fn push(&mut self, node: Node, identity: Option<usize>) -> NodeId {
        self.nodes.push(node);
        let id = self.nodes.len() - 1;
        if let Some(addr) = identity {
            self.seen.insert(addr, id);
        }
        id
    }

    fn scalar(&mut self, s: &Rc<Scalar>) -> NodeId {
        // PyYAML's ignore_aliases: only timestamps among scalars keep their identity.
        let identity =
            matches!(**s, Scalar::Date(_) | Scalar::DateTime(_)).then(|| Rc::as_ptr(s) as usize);
        if let Some(id) = identity.and_then(|a| self.seen.get(&a)) {
            return *id;
        }
        let (tag, value, style) = match &**s {
            Scalar::Null => ("null", "null".to_string(), None),
            Scalar::Bool(b) => ("bool", b.to_string(), None),
            Scalar::Int(i) => ("int", i.to_decimal(), None),
            Scalar::Float(f) => ("float", float_text(*f), None),
            Scalar::Str(t) => ("str", t.clone(), None),
            Scalar::Bytes(b) => ("binary", encodebytes(b), Some('|')),
            Scalar::Date(d) => (
                "timestamp",
                format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
                None,
            ),
            Scalar::DateTime(d) => ("timestamp", datetime_text(d), None),
        };
        self.push(Node::Scalar { tag, value, style }, identity)
    }

    /// Keys in Python's sorted order when they all compare, else as they are.
    fn sorted<T>(mut pairs: Vec<(Rc<Scalar>, T)>) -> Vec<(Rc<Scalar>, T)> {
        let comparable = pairs.len() <= 1
            || pairs
                .windows(2)
                .all(|w| !matches!(*w[0].0, Scalar::Null) && w[0].0.py_cmp(&w[1].0).is_some());
        if comparable {
            pairs.sort_by(|a, b| a.0.py_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
        }
        pairs
    }

    fn represent(&mut self, v: &Value) -> NodeId {
        let addr = match v {
            Value::Scalar(s) => return self.scalar(s),
            Value::List(l) => Rc::as_ptr(l) as usize,
            Value::Map(m) => Rc::as_ptr(m) as usize,
            Value::Set(s) => Rc::as_ptr(s) as usize,
        };
        if let Some(id) = self.seen.get(&addr) {
            return *id;
        }
        // Registered before the children, as PyYAML does.
        let id = self.push(Node::Seq(Vec::new()), Some(addr));
        let node = match v {
            Value::List(l) => Node::Seq(l.borrow().iter().map(|i| self.represent(i)).collect()),
            Value::Map(m) => {
                let pairs = Self::sorted(m.borrow().clone());
                let pairs = pairs
                    .iter()
                    .map(|(k, v)| (self.scalar(k), self.represent(v)))
                    .collect();
                Node::Map { tag: "map", pairs }
            }
            Value::Set(s) => {
                let members = Self::sorted(s.borrow().iter().map(|k| (k.clone(), ())).collect());
                let null = Rc::new(Scalar::Null);
                let pairs = members
                    .iter()
                    .map(|(k, ())| (self.scalar(k), self.scalar(&null)))
                    .collect();
                Node::Map { tag: "set", pairs }
            }
            Value::Scalar(_) => unreachable!("returned above"),
        };
        self.nodes[id] = node;
        id
    }
}

/// PyYAML's `ScalarAnalysis`.
#[derive(Debug, Clone, Copy)]
struct Analysis {
    empty: bool,
    multiline: bool,
    allow_block_plain: bool,
    allow_single_quoted: bool,
    allow_block: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_ws_or_end(c: Option<&char>) -> bool {
    matches!(
        c,
        None | Some('\0' | ' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
    )
}

fn analyze(text: &[char]) -> Analysis {
    if text.is_empty() {
        return Analysis {
            empty: true,
            multiline: false,
            allow_block_plain: true,
            allow_single_quoted: true,
            allow_block: false,
        };
    }
    let starts = |p: &str| text.iter().take(3).copied().eq(p.chars());
    let mut block_indicators = starts("---") || starts("...");
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_ws = true;
    let last = text.len() - 1;
    for (i, &ch) in text.iter().enumerate() {
        let followed_by_ws = is_ws_or_end(text.get(i + 1));
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(ch) || (ch == '-' && followed_by_ws) {
                block_indicators = true;
            }
            if "?:".contains(ch) && followed_by_ws {
                block_indicators = true;
            }
        } else if (ch == ':' && followed_by_ws) || (ch == '#' && preceded_by_ws) {
            block_indicators = true;
        }
        if is_break(ch) {
            line_breaks = true;
        }
        // allow_unicode is off: anything outside printable ASCII needs double quotes.
        if !(ch == '\n' || (' '..='~').contains(&ch)) {
            special = true;
        }
        if ch == ' ' {
            leading_space |= i == 0;
            trailing_space |= i == last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(ch) {
            leading_break |= i == 0;
            trailing_break |= i == last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_ws = is_ws_or_end(Some(&ch));
    }
    let mut a = Analysis {
        empty: false,
        multiline: line_breaks,
        allow_block_plain: true,
        allow_single_quoted: true,
        allow_block: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.allow_block_plain = false;
    }
    if trailing_space {
        a.allow_block = false;
    }
    if break_space {
        a.allow_block_plain = false;
        a.allow_single_quoted = false;
    }
    if space_break || special {
        a.allow_block_plain = false;
        a.allow_single_quoted = false;
        a.allow_block = false;
    }
    if line_breaks || block_indicators {
        a.allow_block_plain = false;
    }
    a
}

/// The serialized graph: nodes plus the anchors the serializer assigned.
struct Emitter<'a> {
    nodes: &'a [Node],
    anchors: HashMap<NodeId, String>,
    emitted: Vec<bool>,
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
    indent: Option<usize>,
    indents: Vec<Option<usize>>,
    width: usize,
    mapping_context: bool,
    simple_key_context: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

impl<'a> Emitter<'a> {
    fn write(&mut self, s: &str) {
        self.column += s.chars().count();
        self.out.push_str(s);
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, whitespace: bool, indention: bool) {
        if !self.whitespace && need_ws {
            self.write(" ");
        }
        self.write(ind);
        self.whitespace = whitespace;
        self.indention = self.indention && indention;
    }

    fn write_line_break(&mut self) {
        self.out.push('\n');
        self.whitespace = true;
        self.indention = true;
        self.column = 0;
    }

    fn write_indent(&mut self) {
        let indent = self.indent.unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.write_line_break();
        }
        if self.column < indent {
            self.whitespace = true;
            let pad = " ".repeat(indent - self.column);
            self.write(&pad);
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        self.indent = match self.indent {
            None if flow => Some(2),
            None => Some(0),
            Some(i) if !indentless => Some(i + 2),
            same => same,
        };
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().flatten();
    }

    /// The serializer's `implicit` pair for a scalar: plain and quoted forms
    /// read back with this tag.
    fn implicit(tag: &str, value: &str) -> (bool, bool) {
        let detected = resolve::resolve(value).name();
        (tag == detected, tag == "str")
    }

    fn choose_style(&self, style: Option<char>, implicit: (bool, bool), a: &Analysis) -> Style {
        if style.is_none()
            && implicit.0
            && !(self.simple_key_context && (a.empty || a.multiline))
            && a.allow_block_plain
        {
            return Style::Plain;
        }
        if style == Some('|') && !self.simple_key_context && a.allow_block {
            return Style::Literal;
        }
        if style.is_none() && a.allow_single_quoted && !(self.simple_key_context && a.multiline) {
            return Style::Single;
        }
        Style::Double
    }

    fn tag_text(tag: &str) -> String {
        format!("!!{tag}")
    }

    /// PyYAML's `check_simple_key` for a mapping key.
    fn simple_key(&self, id: NodeId) -> bool {
        let mut length = 0;
        if let Some(a) = self.anchors.get(&id) {
            length += a.len();
        }
        if self.emitted[id] {
            return length < 128;
        }
        match &self.nodes[id] {
            Node::Scalar { tag, value, .. } => {
                let chars: Vec<char> = value.chars().collect();
                let a = analyze(&chars);
                length += Self::tag_text(tag).len() + chars.len();
                length < 128 && !a.empty && !a.multiline
            }
            Node::Seq(items) => length + Self::tag_text("seq").len() < 128 && items.is_empty(),
            Node::Map { tag, pairs } => {
                length + Self::tag_text(tag).len() < 128 && pairs.is_empty()
            }
        }
    }

    fn node(&mut self, id: NodeId, mapping: bool, simple_key: bool) {
        self.mapping_context = mapping;
        self.simple_key_context = simple_key;
        if self.emitted[id] {
            let alias = format!("*{}", self.anchors[&id]);
            self.write_indicator(&alias, true, false, false);
            return;
        }
        self.emitted[id] = true;
        if let Some(anchor) = self.anchors.get(&id).cloned() {
            self.write_indicator(&format!("&{anchor}"), true, false, false);
        }
        match &self.nodes[id] {
            Node::Scalar { tag, value, style } => {
                let chars: Vec<char> = value.chars().collect();
                let a = analyze(&chars);
                let implicit = Self::implicit(tag, value);
                let chosen = self.choose_style(*style, implicit, &a);
                let tagged = !((chosen == Style::Plain && implicit.0)
                    || (chosen != Style::Plain && implicit.1));
                if tagged {
                    self.write_indicator(&Self::tag_text(tag), true, false, false);
                }
                self.increase_indent(true, false);
                let split = !self.simple_key_context;
                match chosen {
                    Style::Plain => self.write_plain(&chars, split),
                    Style::Single => self.write_single_quoted(&chars, split),
                    Style::Double => self.write_double_quoted(&chars, split),
                    Style::Literal => self.write_literal(&chars),
                }
                self.pop_indent();
            }
            Node::Seq(items) => {
                if items.is_empty() {
                    self.write_indicator("[", true, true, false);
                    self.write_indicator("]", false, false, false);
                    return;
                }
                let items = items.clone();
                let indentless = self.mapping_context && !self.indention;
                self.increase_indent(false, indentless);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(item, false, false);
                }
                self.pop_indent();
            }
            Node::Map { tag, pairs } => {
                if *tag != "map" {
                    self.write_indicator(&Self::tag_text(tag), true, false, false);
                }
                if pairs.is_empty() {
                    self.write_indicator("{", true, true, false);
                    self.write_indicator("}", false, false, false);
                    return;
                }
                let pairs = pairs.clone();
                self.increase_indent(false, false);
                for (k, v) in pairs {
                    self.write_indent();
                    if self.simple_key(k) {
                        self.node(k, true, true);
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.node(k, true, false);
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(v, true, false);
                }
                self.pop_indent();
            }
        }
    }

    fn write_plain(&mut self, text: &[char], split: bool) {
        if text.is_empty() {
            return;
        }
        if !self.whitespace {
            self.write(" ");
        }
        self.whitespace = false;
        self.indention = false;
        let (mut spaces, mut start) = (false, 0);
        // Plain scalars never hold line breaks here (the analysis forbids them).
        for end in 0..=text.len() {
            let ch = text.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end && self.column > self.width && split {
                        self.write_indent();
                        self.whitespace = false;
                        self.indention = false;
                    } else {
                        self.write(&text[start..end].iter().collect::<String>());
                    }
                    start = end;
                }
            } else if ch.is_none() || ch == Some(' ') {
                self.write(&text[start..end].iter().collect::<String>());
                start = end;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
            }
        }
    }

    fn write_single_quoted(&mut self, text: &[char], split: bool) {
        self.write_indicator("'", true, false, false);
        let (mut spaces, mut breaks, mut start) = (false, false, 0);
        for end in 0..=text.len() {
            let ch = text.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end
                        && self.column > self.width
                        && split
                        && start != 0
                        && end != text.len()
                    {
                        self.write_indent();
                    } else {
                        self.write(&text[start..end].iter().collect::<String>());
                    }
                    start = end;
                }
            } else if breaks {
                if !ch.is_some_and(is_break) {
                    if text[start] == '\n' {
                        self.write_line_break();
                    }
                    for _ in start..end {
                        // Only `\n` can be here: other breaks are not ASCII and force double quotes.
                        self.write_line_break();
                    }
                    self.write_indent();
                    start = end;
                }
            } else if (ch.is_none() || ch.is_some_and(|c| c == ' ' || is_break(c) || c == '\''))
                && start < end
            {
                self.write(&text[start..end].iter().collect::<String>());
                start = end;
            }
            if ch == Some('\'') {
                self.write("''");
                start = end + 1;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = is_break(c);
            }
        }
        self.write_indicator("'", false, false, false);
    }

    fn write_double_quoted(&mut self, text: &[char], split: bool) {
        self.write_indicator("\"", true, false, false);
        let mut start = 0;
        for end in 0..=text.len() {
            let ch = text.get(end).copied();
            let escape = match ch {
                None => true,
                Some(c) => {
                    "\"\\\u{85}\u{2028}\u{2029}\u{feff}".contains(c) || !(' '..='~').contains(&c)
                }
            };
            if escape {
                if start < end {
                    self.write(&text[start..end].iter().collect::<String>());
                    start = end;
                }
                if let Some(c) = ch {
                    let data = match c {
                        '\0' => "\\0".to_string(),
                        '\x07' => "\\a".into(),
                        '\x08' => "\\b".into(),
                        '\t' => "\\t".into(),
                        '\n' => "\\n".into(),
                        '\x0b' => "\\v".into(),
                        '\x0c' => "\\f".into(),
                        '\r' => "\\r".into(),
                        '\x1b' => "\\e".into(),
                        '"' => "\\\"".into(),
                        '\\' => "\\\\".into(),
                        '\u{85}' => "\\N".into(),
                        '\u{a0}' => "\\_".into(),
                        '\u{2028}' => "\\L".into(),
                        '\u{2029}' => "\\P".into(),
                        c if (c as u32) <= 0xff => format!("\\x{:02X}", c as u32),
                        c if (c as u32) <= 0xffff => format!("\\u{:04X}", c as u32),
                        c => format!("\\U{:08X}", c as u32),
                    };
                    self.write(&data);
                    start = end + 1;
                }
            }
            if 0 < end
                && end + 1 < text.len()
                && (ch == Some(' ') || start >= end)
                // Python's `end - start` here can be -1 (just after an escape).
                && self.column as isize + end as isize - start as isize > self.width as isize
                && split
            {
                let mut data: String = text[start.min(end)..end].iter().collect();
                data.push('\\');
                if start < end {
                    start = end;
                }
                self.write(&data);
                self.write_indent();
                self.whitespace = false;
                self.indention = false;
                if text[start] == ' ' {
                    self.write("\\");
                }
            }
        }
        self.write_indicator("\"", false, false, false);
    }

    fn write_literal(&mut self, text: &[char]) {
        let mut hints = String::new();
        if text[0] == ' ' || is_break(text[0]) {
            hints.push('2');
        }
        let last = text[text.len() - 1];
        if !is_break(last) {
            hints.push('-');
        } else if text.len() == 1 || is_break(text[text.len() - 2]) {
            hints.push('+');
        }
        self.write_indicator(&format!("|{hints}"), true, false, false);
        self.write_line_break();
        let (mut breaks, mut start) = (true, 0);
        for end in 0..=text.len() {
            let ch = text.get(end).copied();
            if breaks {
                if !ch.is_some_and(is_break) {
                    for _ in start..end {
                        self.write_line_break();
                    }
                    if ch.is_some() {
                        self.write_indent();
                    }
                    start = end;
                }
            } else if ch.is_none() || ch.is_some_and(is_break) {
                let data: String = text[start..end].iter().collect();
                self.out.push_str(&data);
                if ch.is_none() {
                    self.write_line_break();
                }
                start = end;
            }
            if let Some(c) = ch {
                breaks = is_break(c);
            }
        }
    }
}

/// The serializer's pre-pass: an anchor (`id001`, ...) for every node
/// reached a second time, numbered in the order of that second visit.
fn assign_anchors(nodes: &[Node], root: NodeId) -> HashMap<NodeId, String> {
    let mut visited = vec![false; nodes.len()];
    let mut anchors = HashMap::new();
    let mut stack = vec![root];
    // Depth-first, children in order: the same order as PyYAML's recursion.
    while let Some(id) = stack.pop() {
        if visited[id] {
            if !anchors.contains_key(&id) {
                let n = anchors.len() + 1;
                anchors.insert(id, format!("id{n:03}"));
            }
            continue;
        }
        visited[id] = true;
        match &nodes[id] {
            Node::Scalar { .. } => {}
            Node::Seq(items) => stack.extend(items.iter().rev()),
            Node::Map { pairs, .. } => {
                for (k, v) in pairs.iter().rev() {
                    stack.push(*v);
                    stack.push(*k);
                }
            }
        }
    }
    anchors
}

/// The text `yaml.dump(root, default_flow_style=False, width=width)` returns.
pub fn dump(root: &Value, width: Option<i64>) -> String {
    let mut r = Representer::default();
    let root_id = r.represent(root);
    let anchors = assign_anchors(&r.nodes, root_id);
    let mut e = Emitter {
        nodes: &r.nodes,
        anchors,
        emitted: vec![false; r.nodes.len()],
        out: String::new(),
        column: 0,
        whitespace: true,
        indention: true,
        indent: None,
        indents: Vec::new(),
        // PyYAML keeps its default of 80 unless the width exceeds twice the indent.
        width: match width {
            Some(w) if w > 4 => w as usize,
            _ => 80,
        },
        mapping_context: false,
        simple_key_context: false,
    };
    e.node(root_id, false, false);
    // Document end: back to column zero.
    e.write_indent();
    e.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_python_repr() {
        let cases = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e16, "1.0e+16"),
            (1e15, "1000000000000000.0"),
            (1.5e-7, "1.5e-07"),
            (0.0001, "0.0001"),
            (0.00001, "1.0e-05"),
            (-2.5, "-2.5"),
            (123456.789, "123456.789"),
            (-0.0, "-0.0"),
            (f64::NEG_INFINITY, "-.inf"),
        ];
        for (f, want) in cases {
            assert_eq!(float_text(f), want);
        }
    }

    #[test]
    fn binary_lines() {
        assert_eq!(
            encodebytes(&[0u8; 58])
                .lines()
                .map(str::len)
                .collect::<Vec<_>>(),
            [76, 4]
        );
    }
}
