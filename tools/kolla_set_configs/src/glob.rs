//! Source and path patterns as Kolla's `glob.glob` reads them: `*`, `?` and
//! `[...]` in any component, names with a leading dot only for a component
//! that starts with one, a path without wildcards kept when it exists (even as
//! a dangling link). Matches come sorted so every start copies in one order.
//!
//! Hand-written because the glob crates differ from Python where config.json
//! relies on it (`[!x]` negation, `[^x]` being literal, hidden names), and the
//! matcher must stay linear: a fuzzed `*a*a*a*b` must not backtrack exponentially.

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Whether the text holds a wildcard (Python's `glob.has_magic`).
pub fn has_magic(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

/// The existing paths that `pattern` names, sorted.
pub fn expand(pattern: &str) -> Vec<PathBuf> {
    if !has_magic(pattern) {
        let path = Path::new(pattern);
        return if path.symlink_metadata().is_ok() {
            vec![path.to_path_buf()]
        } else {
            vec![]
        };
    }
    let root = if pattern.starts_with('/') {
        PathBuf::from("/")
    } else {
        PathBuf::new()
    };
    let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
    let mut found = vec![root];
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let mut next = Vec::new();
        for base in &found {
            for path in step(base, part) {
                // Only directories can hold the next component.
                if (last && path.symlink_metadata().is_ok()) || path.is_dir() {
                    next.push(path);
                }
            }
        }
        found = next;
    }
    found
}

/// The children of `base` that one pattern component names.
fn step(base: &Path, part: &str) -> Vec<PathBuf> {
    if !has_magic(part) {
        return vec![base.join(part)];
    }
    let dir = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    // As in Python, an unreadable directory simply matches nothing.
    let Ok(entries) = fs::read_dir(dir) else {
        return vec![];
    };
    let pattern = Pattern::new(part.as_bytes());
    let hidden_ok = part.starts_with('.');
    let mut names: Vec<_> = entries
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| {
            let n = n.as_bytes();
            (hidden_ok || !n.starts_with(b".")) && pattern.matches(n)
        })
        .collect();
    names.sort();
    names.into_iter().map(|n| base.join(n)).collect()
}

#[derive(Debug, PartialEq)]
enum Token {
    Star,
    Any,
    Byte(u8),
    Class { negate: bool, ranges: Vec<(u8, u8)> },
}

impl Token {
    fn accepts(&self, c: u8) -> bool {
        match self {
            Token::Star | Token::Any => true,
            Token::Byte(b) => *b == c,
            Token::Class { negate, ranges } => {
                ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negate
            }
        }
    }
}

/// One path component's pattern, in fnmatch's syntax.
#[derive(Debug)]
pub struct Pattern(Vec<Token>);

impl Pattern {
    /// Parses a component; an unclosed `[` is an ordinary character, as in fnmatch.
    pub fn new(pat: &[u8]) -> Self {
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < pat.len() {
            match pat[i] {
                b'*' => {
                    if tokens.last() != Some(&Token::Star) {
                        tokens.push(Token::Star);
                    }
                    i += 1;
                }
                b'?' => {
                    tokens.push(Token::Any);
                    i += 1;
                }
                b'[' => match class(pat, i) {
                    Some((token, end)) => {
                        tokens.push(token);
                        i = end + 1;
                    }
                    None => {
                        tokens.push(Token::Byte(b'['));
                        i += 1;
                    }
                },
                c => {
                    tokens.push(Token::Byte(c));
                    i += 1;
                }
            }
        }
        Pattern(tokens)
    }

    /// Whether the whole name matches; linear in both lengths (one star is backtracked at a time).
    pub fn matches(&self, name: &[u8]) -> bool {
        let toks = &self.0;
        let (mut p, mut s) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while s < name.len() {
            if let Some(tok) = toks.get(p) {
                if *tok == Token::Star {
                    star = Some((p, s));
                    p += 1;
                    continue;
                }
                if tok.accepts(name[s]) {
                    p += 1;
                    s += 1;
                    continue;
                }
            }
            match star {
                Some((sp, ss)) => {
                    p = sp + 1;
                    s = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            }
        }
        toks[p..].iter().all(|t| *t == Token::Star)
    }
}

/// The `[...]` set starting at `open`, and the index of its `]`; `None` when unclosed.
fn class(pat: &[u8], open: usize) -> Option<(Token, usize)> {
    let mut j = open + 1;
    let negate = pat.get(j) == Some(&b'!');
    if negate {
        j += 1;
    }
    let start = j;
    // A `]` right after the opening is part of the set.
    if pat.get(j) == Some(&b']') {
        j += 1;
    }
    while j < pat.len() && pat[j] != b']' {
        j += 1;
    }
    if j >= pat.len() {
        return None;
    }
    let set = &pat[start..j];
    let mut ranges = Vec::new();
    let mut k = 0;
    while k < set.len() {
        if k + 2 < set.len() && set[k + 1] == b'-' {
            ranges.push((set[k], set[k + 2]));
            k += 3;
        } else {
            ranges.push((set[k], set[k]));
            k += 1;
        }
    }
    Some((Token::Class { negate, ranges }, j))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pat: &str, name: &str) -> bool {
        Pattern::new(pat.as_bytes()).matches(name.as_bytes())
    }

    #[test]
    fn fnmatch_syntax() {
        assert!(m("*.conf", "nova.conf"));
        assert!(!m("*.conf", "nova.conf.bak"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("ca[0-9].pem", "ca1.pem"));
        assert!(!m("ca[!0-9].pem", "ca1.pem"));
        assert!(m("ca[!0-9].pem", "cax.pem"));
        // Python's fnmatch takes `^` literally; only `!` negates.
        assert!(m("[^a]", "^") && m("[^a]", "a") && !m("[^a]", "b"));
        assert!(m("[]a]", "]") && m("[]a]", "a"));
        assert!(m("[a-]", "-"));
        assert!(m("x[", "x[") && !m("x[", "x"));
        assert!(m("*", "") && m("**", "abc"));
        assert!(m("*a*b", "xxaxxb") && !m("*a*b", "xxaxxbx"));
    }

    #[test]
    fn stars_stay_linear() {
        let pat = "*a".repeat(40) + "b";
        let name = "a".repeat(4000);
        assert!(!m(&pat, &name));
    }

    #[test]
    fn on_disk() {
        let dir = std::env::temp_dir().join(format!("ksc-glob-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("d1")).unwrap();
        fs::create_dir_all(dir.join("d2")).unwrap();
        for n in [
            "b.conf",
            "a.conf",
            ".hidden.conf",
            "c.txt",
            "d1/x.conf",
            "d2/x.conf",
        ] {
            fs::write(dir.join(n), "x").unwrap();
        }
        let names = |pat: &str| -> Vec<String> {
            expand(&format!("{}/{pat}", dir.display()))
                .iter()
                .map(|p| p.strip_prefix(&dir).unwrap().display().to_string())
                .collect()
        };
        assert_eq!(names("*.conf"), ["a.conf", "b.conf"]);
        assert_eq!(names(".*.conf"), [".hidden.conf"]);
        assert_eq!(names("d*/x.conf"), ["d1/x.conf", "d2/x.conf"]);
        assert_eq!(names("c.txt"), ["c.txt"]);
        assert!(names("missing").is_empty());
        assert!(names("c.txt/*").is_empty());
        assert!(expand("/nonexistent-dir-ksc/*.conf").is_empty());
        std::os::unix::fs::symlink("/nonexistent-ksc", dir.join("dangling")).unwrap();
        assert_eq!(names("dangling"), ["dangling"]);
        fs::remove_dir_all(&dir).unwrap();
    }
}
