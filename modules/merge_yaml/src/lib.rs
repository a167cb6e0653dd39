//! kolla-ansible's merge_yaml, exactly: each source as PyYAML's `safe_load`
//! reads it (YAML 1.1), deep-merged in order by kolla's rules, written as
//! `yaml.dump(..., default_flow_style=False, width=...)` writes it.
//!
//! Parsing uses saphyr-parser (maintained, the event parser under saphyr;
//! serde_yaml is unmaintained): its events carry what PyYAML's composer needs
//! (scalar style, tag, anchor, line) and the YAML syntax is the same. Its
//! sibling saphyr and yaml-rust2 were not used for loading or dumping: they
//! resolve scalars by YAML 1.2 (`yes`, `010`) and emit another style; see
//! [`resolve`] and [`dump`] for the cases that decided it. Anchor and alias
//! names are where PyYAML's scanner differs: it ends `*a: v` (an alias as a
//! key, no space) at the colon, where a YAML 1.2 parser reads an alias named
//! `a:`; [`names`] checks every name on saphyr's events and ends it where
//! PyYAML does.

pub mod dump;
pub mod error;
pub mod load;
pub mod merge;
pub mod names;
pub mod resolve;
pub mod value;

pub use error::YamlError;
use std::cell::RefCell;
use std::rc::Rc;
use value::Value;

/// Merges the texts in order and returns the dump; the error names the
/// index of the text that failed.
pub fn merge_texts<'a>(
    texts: impl IntoIterator<Item = &'a str>,
    extend_lists: bool,
    width: Option<i64>,
) -> Result<String, (usize, YamlError)> {
    let out = Rc::new(RefCell::new(Vec::new()));
    for (i, text) in texts.into_iter().enumerate() {
        let doc = load::load(text).map_err(|e| (i, e))?;
        // kolla reads a source as `safe_load(text) or {}`: empty and falsy documents add nothing.
        let doc = match doc {
            Some(v) if v.truthy() => v,
            _ => continue,
        };
        let Value::Map(m) = doc else {
            return Err((i, YamlError::NotAMapping(doc.type_name())));
        };
        let m = m.borrow();
        merge::update_nested(&out, &m, extend_lists, "").map_err(|e| (i, e))?;
    }
    Ok(dump::dump(&Value::Map(out), width))
}

#[cfg(test)]
mod tests {
    use super::merge_texts;

    /// PyYAML 6.0.4's `yaml.dump(yaml.safe_load(SAMPLE), default_flow_style=False)`.
    #[test]
    fn pyyaml_style() {
        let sample = "b: yes\na:\n  - x: 1\n    y: 'on'\n  - 0o17\nc: 010\nd: \"caf\u{e9}\"\ne: 1e5\n\
                      f: 2001-12-14\ng: \"a very long string that certainly goes past the eighty \
                      column limit of pyyaml's emitter for sure\"\nh: \"multi\\nline\"\ni: {}\nj: '123'\nk: 0x1F\n";
        let want = "a:\n- x: 1\n  y: 'on'\n- 0o17\nb: true\nc: 8\nd: \"caf\\xE9\"\ne: 1e5\nf: 2001-12-14\n\
                    g: a very long string that certainly goes past the eighty column limit of pyyaml's\n  \
                    emitter for sure\nh: 'multi\n\n  line'\ni: {}\nj: '123'\nk: 31\n";
        assert_eq!(merge_texts([sample], false, None).unwrap(), want);
    }

    #[test]
    fn shared_lists_get_anchors_and_extend_in_place() {
        let base = "a: &l [1]\nb: *l\n";
        let out = merge_texts([base, "a: [2]\n"], true, None).unwrap();
        assert_eq!(out, "a: &id001\n- 1\n- 2\nb: *id001\n");
        assert_eq!(
            merge_texts(["", "~\n", "[]\n"], false, None).unwrap(),
            "{}\n"
        );
        assert_eq!(merge_texts(["- 1\n"], false, None).unwrap_err().0, 0);
    }
}
