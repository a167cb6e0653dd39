//! Everything merge_configs can fail on; each becomes a `failed` result in `ansible_module`.

use crate::ini::ParseError;
use std::path::PathBuf;

/// A merge_configs failure with a message the operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A source is not valid INI; `dest` is left as it was.
    #[error("{path}: {error}; {dest} was not changed")]
    Parse {
        /// The source with the bad line.
        path: String,
        /// Where and what.
        error: ParseError,
        /// The destination left untouched.
        dest: String,
    },
    /// Not one source could be read: merging nothing would empty `dest`.
    #[error("{}", no_sources(.sources, .dest))]
    NoSources {
        /// The sources the task named, in order.
        sources: Vec<String>,
        /// The destination left untouched.
        dest: String,
    },
    /// A target source exists but cannot be read as a file.
    #[error("cannot read source {path}: {source}")]
    SourceUnreadable {
        /// The source path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A target source is a directory.
    #[error("source {0} is a directory, not a file")]
    SourceIsDirectory(PathBuf),
    /// A target source is not UTF-8 text.
    #[error("source {0} is not UTF-8 text")]
    SourceNotText(PathBuf),
    /// `dest` could not be put in place.
    #[error(transparent)]
    Copy(#[from] hostfs::copy::CopyError),
}

fn no_sources(sources: &[String], dest: &str) -> String {
    if sources.is_empty() {
        format!("no sources to merge; {dest} was not changed")
    } else {
        format!(
            "none of the sources exists or is readable: {}; {dest} was not changed \
             (a missing override is skipped, but at least one source must be there)",
            sources.join(", ")
        )
    }
}
