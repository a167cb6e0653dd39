//! Anchor and alias names as PyYAML's scanner ends them.
//!
//! PyYAML (YAML 1.1) takes `[0-9A-Za-z_-]` as a name and lets `:`, `?` and a
//! few more end it; YAML 1.2, and so saphyr-parser, takes every character but
//! blanks and `,[]{}`. So `*a: v`, an alias used as a key, is alias `a` and a
//! value indicator to PyYAML but an alias named `a:` (an unknown anchor) to
//! saphyr, and `&a.b` is an error to PyYAML but a fine anchor to saphyr.
//!
//! Why not a pre-scanner of our own: finding where an anchor or alias token
//! starts means knowing every scalar's extent (quoted, block, multi-line
//! plain), which is the scanner's whole job. saphyr-parser keeps its scanner
//! private, so this reads its events instead: an alias's span is the alias
//! token, and the parser's "unknown anchor" error points at one; an anchor
//! has no event of its own, but it can only be in the text *between* two
//! events, where nothing but indicators, tags, anchors, comments and
//! directives lie (every scalar is an event). When a name reaches past where
//! PyYAML ends it at `:` or `?`, [`split`] puts a space there (plus one after
//! the indicator in a flow collection, where PyYAML takes `:` as a value
//! indicator even when a character follows) and the text is parsed again.
//! Spaces change no line number, and a space at a token boundary is what a
//! YAML 1.2 parser needs to end the name where PyYAML does. Any other
//! character PyYAML does not accept in a name fails as PyYAML fails, and so
//! does a second anchor of one name (PyYAML's composer refuses it; YAML 1.2
//! rebinds the name).

use crate::error::YamlError;
use saphyr_parser::{Event, Marker, ScalarStyle, Span};
use std::collections::HashMap;

/// What to do about a name saphyr read past PyYAML's end of it.
#[derive(Debug, PartialEq, Eq)]
pub struct Split {
    /// The byte offset of the `:` or `?` that ends the name for PyYAML.
    pub at: usize,
    /// Inside a flow collection (`[...]`, `{...}`).
    pub flow: bool,
}

/// A character PyYAML accepts in an anchor or alias name.
fn pyyaml_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// A character saphyr-parser accepts in one (its `is_anchor_char`).
fn saphyr_name_char(c: char) -> bool {
    !matches!(
        c,
        ' ' | '\t' | '\r' | '\n' | '\0' | '\u{feff}' | ',' | '[' | ']' | '{' | '}'
    )
}

/// Follows the parser's events, checking every anchor and alias name.
pub struct Names<'t> {
    text: &'t str,
    /// Nothing to check: the text has no `&` or `*` at all.
    idle: bool,
    /// Where the previous event's span ended (a char index).
    prev_end: usize,
    /// A char index and its byte offset: spans count chars, and mostly move forward.
    at_char: usize,
    at_byte: usize,
    /// One entry per open collection: whether it is a flow one.
    flow: Vec<bool>,
    /// Every anchor name seen, with where its `&` is.
    anchors: HashMap<String, usize>,
}

impl<'t> Names<'t> {
    /// Checks the names of `text`'s anchors and aliases as its events come.
    pub fn new(text: &'t str) -> Self {
        Names {
            text,
            idle: !text.contains(['&', '*']),
            prev_end: 0,
            at_char: 0,
            at_byte: 0,
            flow: Vec::new(),
            anchors: HashMap::new(),
        }
    }

    /// The byte offset of char index `index`, stepping from the last one
    /// asked for (the next is near it: a few chars back at most).
    fn byte(&mut self, index: usize) -> usize {
        let byte = if index >= self.at_char {
            self.text[self.at_byte..]
                .char_indices()
                .nth(index - self.at_char)
                .map_or(self.text.len(), |(b, _)| self.at_byte + b)
        } else {
            self.text[..self.at_byte]
                .char_indices()
                .rev()
                .nth(self.at_char - index - 1)
                .map_or(0, |(b, _)| b)
        };
        (self.at_char, self.at_byte) = (index, byte);
        byte
    }

    /// Checks the anchors between the previous event and this one, then, for
    /// an alias, its own name.
    pub fn event(&mut self, event: &Event, span: &Span) -> Result<Option<Split>, YamlError> {
        if self.idle {
            return Ok(None);
        }
        let (start, end) = (span.start.index(), span.end.index());
        if start > self.prev_end {
            let (from, to) = (self.byte(self.prev_end), self.byte(start));
            if let Some(split) = self.walk(from, to)? {
                return Ok(Some(split));
            }
        }
        // Some events carry the span of the token after them (an implicit
        // document start, an empty node, a block collection's start or end),
        // which may be an anchor still to check: only a node's own token moves on.
        if self.own_span(event, start) {
            self.prev_end = self.prev_end.max(end);
        }
        match event {
            Event::Alias(_) => {
                let at = self.byte(start);
                return self.name(at, "an alias");
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                let at = self.byte(start);
                self.flow
                    .push(matches!(self.text.as_bytes().get(at), Some(b'[' | b'{')));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.flow.pop();
            }
            _ => {}
        }
        Ok(None)
    }

    /// Whether the span of `event`, starting at char `start`, is its own token's.
    fn own_span(&mut self, event: &Event, start: usize) -> bool {
        let first = self.text.as_bytes().get(self.byte(start)).copied();
        match event {
            Event::Scalar(value, style, ..) => !value.is_empty() || *style != ScalarStyle::Plain,
            Event::Alias(_) => true,
            Event::DocumentStart(explicit) => *explicit,
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                matches!(first, Some(b'[' | b'{'))
            }
            Event::SequenceEnd | Event::MappingEnd => matches!(first, Some(b']' | b'}')),
            _ => false,
        }
    }

    /// The parser failed at `marker`. An alias it could not resolve (named
    /// `a:` where PyYAML reads `a`) is either at the marker or, when the
    /// scanner gave up first (a simple key with no `:`), the node that
    /// follows the last event.
    pub fn error(&mut self, marker: &Marker) -> Result<Option<Split>, YamlError> {
        if self.idle {
            return Ok(None);
        }
        let at = self.byte(marker.index());
        if self.text.as_bytes().get(at) == Some(&b'*') {
            if let Some(split) = self.name(at, "an alias")? {
                return Ok(Some(split));
            }
        }
        let from = self.byte(self.prev_end);
        self.walk(from, self.text.len())
    }

    /// Walks `text[from..to]` over what comes between two nodes' contents
    /// (blanks, comments, directives, indicators, tags, anchors), checking
    /// each anchor, up to the first node content; when that is an alias, its
    /// name too. Between two events there is no content but aliases.
    fn walk(&mut self, from: usize, to: usize) -> Result<Option<Split>, YamlError> {
        let region = &self.text[from..to];
        let mut chars = region.char_indices().peekable();
        let mut after_blank = true;
        while let Some((i, c)) = chars.next() {
            let next = chars.peek().map(|&(_, c)| c);
            match c {
                ' ' | '\t' | '\r' | '\n' | ',' | '[' | '{' | ']' | '}' => {}
                // A comment or a directive: its words are not tokens.
                '#' | '%' if after_blank => {
                    while chars.next_if(|&(_, c)| c != '\n' && c != '\r').is_some() {}
                }
                '-' | '?' | ':'
                    if matches!(
                        next,
                        None | Some(' ' | '\t' | '\r' | '\n' | ',' | ']' | '}')
                    ) => {}
                // A tag: all one word, `&` included.
                '!' => while chars.next_if(|&(_, c)| saphyr_name_char(c)).is_some() {},
                '&' => {
                    if let Some(split) = self.name(from + i, "an anchor")? {
                        return Ok(Some(split));
                    }
                    let name = &region[i + 1..];
                    let name = &name[..name.find(|c| !saphyr_name_char(c)).unwrap_or(name.len())];
                    self.define(name, from + i)?;
                    while chars.next_if(|&(_, c)| saphyr_name_char(c)).is_some() {}
                }
                '*' => return self.name(from + i, "an alias"),
                _ => return Ok(None),
            }
            after_blank = matches!(c, ' ' | '\t' | '\r' | '\n');
        }
        Ok(None)
    }

    /// Records the anchor `name` whose `&` is at byte `at`: PyYAML's composer
    /// refuses a second anchor of a name in one document (YAML 1.2 lets it
    /// rebind).
    fn define(&mut self, name: &str, at: usize) -> Result<(), YamlError> {
        match self.anchors.get(name) {
            Some(&first) if first != at => Err(YamlError::Syntax {
                line: self.text[..at].matches('\n').count() + 1,
                msg: format!(
                    "found duplicate anchor {name:?}; first occurrence on line {}",
                    self.text[..first].matches('\n').count() + 1
                ),
            }),
            Some(_) => Ok(()),
            None => {
                self.anchors.insert(name.to_string(), at);
                Ok(())
            }
        }
    }

    /// The name of the anchor or alias whose `&` or `*` is at byte `at`, as
    /// PyYAML's scanner ends it.
    fn name(&self, at: usize, what: &str) -> Result<Option<Split>, YamlError> {
        let name = &self.text[at + 1..];
        let mut valid = 0;
        for (i, c) in name.char_indices() {
            if !saphyr_name_char(c) {
                return Ok(None);
            }
            if pyyaml_name_char(c) {
                valid = i + c.len_utf8();
                continue;
            }
            return match c {
                ':' | '?' if valid > 0 => Ok(Some(Split {
                    at: at + 1 + i,
                    flow: self.flow.last() == Some(&true),
                })),
                _ => Err(YamlError::Syntax {
                    line: self.text[..at].matches('\n').count() + 1,
                    msg: format!(
                        "while scanning {what}: expected alphabetic or numeric character, but found {c:?}"
                    ),
                }),
            };
        }
        Ok(None)
    }
}

/// `text` with the name ended where PyYAML ends it: a space before the
/// indicator at `split.at`, and in flow context one after it too.
pub fn split(text: &str, split: &Split) -> String {
    let (head, tail) = text.split_at(split.at);
    let mut out = String::with_capacity(text.len() + 2);
    out.push_str(head);
    out.push(' ');
    let mut chars = tail.chars();
    if let Some(indicator) = chars.next() {
        out.push(indicator);
        if split.flow && !matches!(chars.clone().next(), None | Some(' ' | '\t' | '\r' | '\n')) {
            out.push(' ');
        }
    }
    out.push_str(chars.as_str());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use saphyr_parser::Parser;

    /// The first split or error the names of `text` need.
    fn first(text: &str) -> Result<Option<Split>, YamlError> {
        let mut names = Names::new(text);
        for event in Parser::new_from_str(text) {
            match event {
                Ok((event, span)) => {
                    if let Some(split) = names.event(&event, &span)? {
                        return Ok(Some(split));
                    }
                }
                Err(e) => return names.error(e.marker()),
            }
        }
        Ok(None)
    }

    #[test]
    fn alias_keys_split_at_the_colon() {
        assert_eq!(
            first("k: &a v\n*a: 2\n").unwrap(),
            Some(Split {
                at: 10,
                flow: false
            })
        );
        assert_eq!(
            first("k: &a v\nm: {*a:1}\n").unwrap(),
            Some(Split { at: 14, flow: true })
        );
        assert_eq!(
            split("m: {*a:1}\n", &Split { at: 6, flow: true }),
            "m: {*a : 1}\n"
        );
        assert_eq!(split("*a:\n", &Split { at: 2, flow: false }), "*a :\n");
        // Spans count chars; splits are byte offsets.
        assert_eq!(
            first("\"\u{e9}\u{e9}\": &a v\nx:\n  y: 1\nz: [\u{e9}]\n*a: 2\n").unwrap(),
            Some(Split {
                at: 33,
                flow: false
            })
        );
    }

    #[test]
    fn anchors_between_events_are_checked_and_scalars_are_not() {
        assert_eq!(
            first("x:\n  &a: v\n").unwrap(),
            Some(Split { at: 7, flow: false })
        );
        assert_eq!(
            first("k: !t&a:x &b: v\n").unwrap(),
            Some(Split {
                at: 12,
                flow: false
            })
        );
        for fine in [
            "k: '*a:'\n",
            "k: \"&a: *b:\"\n",
            "k: |\n  *a: x\n",
            "k: v # &a: *b:\n",
            "k: a*b:c\n",
            "k: &a-_9 v\nj: *a-_9\n",
            "k: [&a 1, *a]\n",
        ] {
            assert_eq!(first(fine).unwrap(), None, "{fine}");
        }
    }

    #[test]
    fn other_characters_fail_as_pyyaml_fails() {
        let e = first("k: v\nj: &a.b v\n").unwrap_err();
        assert_eq!(e.to_string(), "line 2: while scanning an anchor: expected alphabetic or numeric character, but found '.'");
        let e = first("k: &a v\nj: *a@\n").unwrap_err();
        assert!(
            e.to_string().contains("an alias") && e.to_string().contains("'@'"),
            "{e}"
        );
        assert!(first("k: &caf\u{e9} v\n").is_err());
        let e = first("a: &x 1\nb: &y 2\nc: &x 3\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 3: found duplicate anchor \"x\"; first occurrence on line 1"
        );
    }
}
