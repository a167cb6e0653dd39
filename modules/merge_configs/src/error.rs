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
    /// `dest` names a directory.
    #[error("dest {0} is a directory; give the path of the file to write")]
    DestIsDirectory(PathBuf),
    /// The destination exists but cannot be read to compare it.
    #[error("cannot read dest {path}: {source}")]
    DestUnreadable {
        /// The destination path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A mode that is not an octal permission.
    #[error("mode {0} is not an octal permission such as '0660' (quote it in YAML) or 0o660")]
    BadMode(String),
    /// Writing, backing up or changing attributes failed.
    #[error(transparent)]
    File(#[from] atomic_file::AtomicError),
}
