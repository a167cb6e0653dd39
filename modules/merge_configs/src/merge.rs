//! Layering sources the way kolla-ansible's merge_configs does on top of
//! oslo.config's parser: sections and keys keep their first-seen order; within
//! one source a repeated key gathers every occurrence (a multi-valued option);
//! a later source's key replaces all of an earlier source's occurrences.

use crate::ini::{self, Event, ParseError, ORPHAN_SECTION};
use indexmap::IndexMap;

/// One occurrence of a key: its lines (first value, then continuation lines).
/// An occurrence whose only value is empty has no lines.
pub type Occurrence = Vec<String>;

/// A section's keys, each with every occurrence of it in the source that set it last.
pub type Keys = IndexMap<String, Vec<Occurrence>>;

/// The merged configuration, ready to be written.
#[derive(Debug, Default)]
pub struct Merged {
    /// Sections by name in first-seen order; [`ORPHAN_SECTION`] holds keys before any header.
    pub sections: IndexMap<String, Keys>,
}

impl Merged {
    /// Parses one more source and layers it over what is merged so far.
    /// On a parse error nothing of this source is merged.
    pub fn add(&mut self, text: &str) -> Result<(), ParseError> {
        let mut own: IndexMap<String, Keys> = IndexMap::new();
        let mut current: Option<String> = None;
        ini::parse(text, |event| match event {
            Event::Section(name) => {
                own.entry(name.clone()).or_default();
                current = Some(name);
            }
            Event::Assign(key, mut lines) => {
                let section = current.get_or_insert_with(|| {
                    own.entry(ORPHAN_SECTION.to_string()).or_default();
                    ORPHAN_SECTION.to_string()
                });
                if lines.len() == 1 && lines[0].is_empty() {
                    lines.clear();
                }
                own.entry(section.clone())
                    .or_default()
                    .entry(key)
                    .or_default()
                    .push(lines);
            }
        })?;
        for (name, keys) in own {
            let merged = self.sections.entry(name).or_default();
            for (key, occurrences) in keys {
                merged.insert(key, occurrences);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(m: &Merged, section: &str) -> Vec<(String, Vec<Occurrence>)> {
        m.sections[section]
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    #[test]
    fn later_source_replaces_all_occurrences_in_place() {
        let mut m = Merged::default();
        m.add("[a]\nx = 1\nx = 2\ny = 3\n").unwrap();
        m.add("[b]\nz=0\n[a]\nx = 9\n").unwrap();
        assert_eq!(
            keys(&m, "a"),
            vec![
                ("x".into(), vec![vec!["9".to_string()]]),
                ("y".into(), vec![vec!["3".to_string()]])
            ]
        );
        assert_eq!(m.sections.keys().collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn orphan_keys_and_empty_values() {
        let mut m = Merged::default();
        m.add("o =\n[s]\n").unwrap();
        assert_eq!(keys(&m, ORPHAN_SECTION), vec![("o".into(), vec![vec![]])]);
        assert!(m.sections["s"].is_empty());
    }

    #[test]
    fn a_failing_source_merges_nothing() {
        let mut m = Merged::default();
        assert!(m.add("[a]\nx=1\nbad\n").is_err());
        assert!(m.sections.is_empty());
    }
}
