//! The text kolla-ansible's merge_configs writes for a merged configuration.

use crate::ini::ORPHAN_SECTION;
use crate::merge::Merged;
use std::fmt::Write as _;

/// Renders `merged`: a header per section (none for orphan keys), `key = value`
/// lines with continuation values aligned under the first value, and a blank
/// line after every section. `whitespace: false` writes `key=value`.
pub fn render(merged: &Merged, whitespace: bool) -> String {
    let ws = if whitespace { " " } else { "" };
    let mut out = String::new();
    for (name, keys) in &merged.sections {
        if name != ORPHAN_SECTION {
            let _ = writeln!(out, "[{name}]");
        }
        for (key, occurrences) in keys {
            // Python's len(): code points, not bytes.
            let indent = " ".repeat(key.chars().count() + 2 * ws.len() + 1);
            for lines in occurrences {
                if lines.is_empty() {
                    let _ = writeln!(out, "{key}{ws}=");
                }
                for (i, value) in lines.iter().enumerate() {
                    if i == 0 {
                        let _ = writeln!(out, "{key}{ws}={ws}{value}");
                    } else {
                        let _ = writeln!(out, "{indent}{value}");
                    }
                }
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(texts: &[&str]) -> Merged {
        let mut m = Merged::default();
        for t in texts {
            m.add(t).unwrap();
        }
        m
    }

    #[test]
    fn continuation_values_align_under_the_first() {
        let m = merged(&["[DEFAULT]\nhosts = a\n  b\n\tc\n"]);
        assert_eq!(
            render(&m, true),
            "[DEFAULT]\nhosts = a\n        b\n        c\n\n"
        );
        assert_eq!(
            render(&m, false),
            "[DEFAULT]\nhosts=a\n      b\n      c\n\n"
        );
    }

    #[test]
    fn orphans_have_no_header_and_empty_values_no_trailing_space() {
        let m = merged(&["k = ''\nj: \"v\"\n[s]\n"]);
        assert_eq!(render(&m, true), "k =\nj = v\n\n[s]\n\n");
    }

    #[test]
    fn unicode_keys_indent_by_code_points() {
        let m = merged(&["[é]\nñ = 1\n 2\n"]);
        assert_eq!(render(&m, true), "[é]\nñ = 1\n    2\n\n");
    }
}
