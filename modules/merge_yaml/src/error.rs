//! What parsing and merging YAML can fail on.

/// A YAML failure; line numbers are 1-based, and no source text is quoted
/// (sources are configuration files that hold passwords).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YamlError {
    /// Not well-formed YAML, or more than one document.
    #[error("line {line}: {msg}")]
    Syntax {
        /// Where.
        line: usize,
        /// What the parser found.
        msg: String,
    },
    /// Well-formed, but PyYAML's safe_load would refuse it (bad tag or value).
    #[error("line {line}: {msg}")]
    Construct {
        /// Where.
        line: usize,
        /// What is wrong.
        msg: String,
    },
    /// The document is a list or a scalar: only mappings can be merged.
    #[error("the document is a {0}, not a mapping; only mappings can be merged")]
    NotAMapping(&'static str),
    /// `extend_lists` met a list on one side and something else on the other.
    #[error("cannot extend the list at key {key} with a {found}; give a list there too (extend_lists is on)")]
    ExtendNotList {
        /// The dotted path of the key.
        key: String,
        /// What the later source has there.
        found: &'static str,
    },
    /// A later source has a mapping where an earlier one has a list or scalar.
    #[error("cannot merge a mapping into the {found} at key {key}")]
    MappingOverScalar {
        /// The dotted path of the key.
        key: String,
        /// What the earlier sources have there.
        found: &'static str,
    },
}
