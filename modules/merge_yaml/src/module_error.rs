//! Everything the merge_yaml module can fail on; each becomes a `failed` result in `ansible_module`.

use merge_yaml::YamlError;

/// A merge_yaml failure with a message the operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    /// None of the sources exists on the controller.
    #[error("none of the sources exists: {sources}; {dest} was not changed")]
    NoSources {
        /// The sources as given.
        sources: String,
        /// The destination left untouched.
        dest: String,
    },
    /// A source is not YAML that can be merged.
    #[error("{path}: {error}; {dest} was not changed")]
    Yaml {
        /// The source that failed.
        path: String,
        /// Where and what.
        error: YamlError,
        /// The destination left untouched.
        dest: String,
    },
    /// `dest` could not be put in place.
    #[error(transparent)]
    File(#[from] hostfs::copy::CopyError),
}
