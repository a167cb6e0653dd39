//! The INI dialect of oslo.config's `iniparser.BaseParser`, line by line.
//!
//! Why not the `rust-ini` crate (0.21.3): it was tried on the cases below with
//! `ParseOption { enabled_quote: true, enabled_escape: false,
//! enabled_indented_mutiline_value: true, .. }` and cannot express this dialect:
//! - continuation lines are joined into one string with `\n`, and a blank line
//!   does not end the value (`k = 1\n\n  2` gives `"1\n\n2"`), where oslo.config
//!   ends the value at the blank line and rejects the indented line after it;
//!   the per-line list of values that the writer re-indents is lost;
//! - quotes are a syntax there: `j = 'x"` runs to the end of the file and fails,
//!   where oslo.config keeps the text and only strips a matching pair;
//! - `[]` is accepted as a section, and an unterminated `[a` is reported at the
//!   end of the file, not at its own line;
//! - values are trimmed with Rust's `char::is_whitespace`, which keeps
//!   U+001C..U+001F that Python's `str.strip()` removes;
//! - its writer has no `key = value` spacing option, escapes control characters
//!   and writes multi-line values as `\n` escapes, so output bytes differ anyway.
//!   The dialect is small, so it is parsed here instead.

/// The name oslo-style merging gives keys that come before any section header;
/// a section literally named so is merged with them, as the reference does.
pub const ORPHAN_SECTION: &str = "TEMPORARY_ORPHAN_VARIABLE_SECTION";

/// What a line can be wrong with, in oslo.config's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// `key value` without a separator.
    #[error("no ':' or '=' found in assignment")]
    NoSeparator,
    /// `= value` or `: value`.
    #[error("key cannot be empty")]
    EmptyKey,
    /// An indented line that does not follow an assignment.
    #[error("unexpected continuation line (an indented line must follow a key = value line without a blank line between)")]
    UnexpectedContinuation,
    /// `[section` without the closing bracket.
    #[error("invalid section (must end with ])")]
    NoSectionEnd,
    /// `[]`.
    #[error("empty section name")]
    EmptySectionName,
}

/// A parse failure at a 1-based line number. The line's text is not kept:
/// config files hold passwords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct ParseError {
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub kind: LineError,
}

/// One thing a source says, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A `[name]` header.
    Section(String),
    /// A key with its first value and one value per continuation line.
    Assign(String, Vec<String>),
}

/// Python's `str.isspace()`, which `strip()` uses: wider than ASCII, and not
/// quite Rust's `char::is_whitespace` (it adds U+001C..U+001F).
pub fn is_py_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\u{1c}'..='\u{20}'
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Splits `key = value` / `key: value` at whichever separator comes first,
/// strips both sides and one pair of matching quotes around the value.
fn split_key_value(line: &str) -> Result<(String, String), LineError> {
    let at = match (line.find(':'), line.find('=')) {
        (None, None) => return Err(LineError::NoSeparator),
        (Some(c), Some(e)) => c.min(e),
        (Some(c), None) => c,
        (None, Some(e)) => e,
    };
    let key = py_strip(&line[..at]);
    let mut value = py_strip(&line[at + 1..]);
    if let Some(q) = value.chars().next().filter(|q| *q == '"' || *q == '\'') {
        if value.ends_with(q) {
            // A lone quote character is a pair of itself: it becomes empty.
            value = value.get(1..value.len() - 1).unwrap_or("");
        }
    }
    if key.is_empty() {
        return Err(LineError::EmptyKey);
    }
    Ok((key.to_string(), value.to_string()))
}

/// Parses text already split into lines on `\n` only (as Python's `StringIO`
/// iterates), calling `sink` for every header and completed assignment.
pub fn parse(text: &str, mut sink: impl FnMut(Event)) -> Result<(), ParseError> {
    // The assignment being read: continuation lines may still extend it.
    let mut pending: Option<(String, Vec<String>)> = None;
    for (index, raw) in text.split('\n').enumerate() {
        let fail = |kind| ParseError {
            line: index + 1,
            kind,
        };
        let line = raw.trim_end_matches(is_py_space);
        if line.starts_with([' ', '\t']) {
            match pending.as_mut() {
                Some((_, values)) => values.push(line.trim_start_matches(is_py_space).to_string()),
                None => return Err(fail(LineError::UnexpectedContinuation)),
            }
            continue;
        }
        if let Some((key, values)) = pending.take() {
            sink(Event::Assign(key, values));
        }
        if line.is_empty() || line.starts_with(['#', ';']) {
            // Blank lines end a value; comments are dropped, as the reference's writer drops them.
        } else if let Some(rest) = line.strip_prefix('[') {
            let name = rest
                .strip_suffix(']')
                .ok_or(fail(LineError::NoSectionEnd))?;
            if name.is_empty() {
                return Err(fail(LineError::EmptySectionName));
            }
            sink(Event::Section(name.to_string()));
        } else {
            let (key, value) = split_key_value(line).map_err(fail)?;
            pending = Some((key, vec![value]));
        }
    }
    if let Some((key, values)) = pending.take() {
        sink(Event::Assign(key, values));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Result<Vec<Event>, ParseError> {
        let mut out = Vec::new();
        parse(text, |e| out.push(e))?;
        Ok(out)
    }

    fn assign(k: &str, v: &[&str]) -> Event {
        Event::Assign(k.into(), v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn separators_quotes_and_python_whitespace() {
        assert_eq!(
            events("a: b=c\nd = e:f\n\u{1c}g\u{3000}=\u{a0}'h'\u{1f}\nq = \"\nr = 'x\"\n").unwrap(),
            vec![
                assign("a", &["b=c"]),
                assign("d", &["e:f"]),
                assign("g", &["h"]),
                assign("q", &[""]),
                assign("r", &["'x\""]),
            ]
        );
    }

    #[test]
    fn continuations_end_at_blank_lines_and_comments_are_dropped() {
        assert_eq!(
            events("[s]\nk = 1\n  2\t\n\t3\n# c\n; d\nj=\n").unwrap(),
            vec![
                Event::Section("s".into()),
                assign("k", &["1", "2", "3"]),
                assign("j", &[""]),
            ]
        );
        let err = events("[s]\nk = 1\n\n  2\n").unwrap_err();
        assert_eq!(err.line, 4);
        assert_eq!(err.kind, LineError::UnexpectedContinuation);
    }

    #[test]
    fn malformed_lines_are_located() {
        let kind = |t| events(t).unwrap_err();
        assert_eq!(
            kind("[a]\nx\n"),
            ParseError {
                line: 2,
                kind: LineError::NoSeparator
            }
        );
        assert_eq!(kind("[a\n").kind, LineError::NoSectionEnd);
        assert_eq!(kind("[]\n").kind, LineError::EmptySectionName);
        assert_eq!(kind(" = v\n").kind, LineError::UnexpectedContinuation);
        assert_eq!(kind("= v\n").kind, LineError::EmptyKey);
        assert_eq!(kind("# c\n\tv\n").kind, LineError::UnexpectedContinuation);
    }

    #[test]
    fn carriage_returns_are_trailing_whitespace() {
        assert_eq!(
            events("[a]\r\nk = v\r\n").unwrap(),
            vec![Event::Section("a".into()), assign("k", &["v"])]
        );
    }
}
