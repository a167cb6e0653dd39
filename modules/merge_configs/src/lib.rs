//! merge_configs as a library: read the sources ([`sources`]), parse them
//! with oslo.config's rules ([`ini`]), layer them the way kolla-ansible does
//! ([`merge`]) and render the text it writes ([`write`]); `hostfs::copy`
//! puts that text in place. The module binary only wires these together; the
//! fuzz target calls the library directly.

pub mod args;
pub mod error;
pub mod ini;
pub mod merge;
pub mod sources;
pub mod write;

use error::MergeError;
use sources::Source;

/// Layers `sources` in order and renders the merged text. The first source
/// that does not parse fails the whole merge, naming it and `dest` (which the
/// caller must then leave as it was).
pub fn merge_sources(
    sources: &[Source],
    whitespace: bool,
    dest: &str,
) -> Result<String, MergeError> {
    let mut merged = merge::Merged::default();
    for source in sources {
        merged
            .add(&source.text)
            .map_err(|error| MergeError::Parse {
                path: source.path.clone(),
                error,
                dest: dest.to_string(),
            })?;
    }
    Ok(write::render(&merged, whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(path: &str, text: &str) -> Source {
        Source {
            path: path.into(),
            text: text.into(),
        }
    }

    #[test]
    fn layers_in_order() {
        let out = merge_sources(
            &[
                source("a", "[s]\nk = 1\nj = 2\n"),
                source("b", "[s]\nk = 3\n"),
            ],
            false,
            "/d",
        )
        .unwrap();
        assert_eq!(out, "[s]\nk=3\nj=2\n\n");
    }

    #[test]
    fn a_bad_source_is_named_with_dest() {
        let err = merge_sources(
            &[source("a", "[s]\n"), source("b", "[s]\nnope\n")],
            true,
            "/d",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "b: line 2: no ':' or '=' found in assignment; /d was not changed"
        );
    }
}
