//! Everything bslurp can fail on; each becomes a `failed` result in `ansible_module`.

use std::path::PathBuf;

/// A bslurp failure with a message the operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum BslurpError {
    /// Fetch of a path that does not exist.
    #[error("file not found: {0}")]
    SourceMissing(PathBuf),
    /// Fetch of a path that exists but cannot be read.
    #[error("file is not readable: {path}: {source}")]
    SourceUnreadable {
        /// The source path.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// Push content that is not base64.
    #[error("src is not valid base64 content (pass the 'content' field of a bslurp fetch): {0}")]
    Base64(#[from] base64::DecodeError),
    /// Push content that does not inflate.
    #[error("src is not valid zlib data (set compress to match the fetch): {0}")]
    Zlib(std::io::Error),
    /// The decoded data does not have the expected checksum.
    #[error("{0} sum does not match data")]
    ChecksumMismatch(&'static str),
    /// The destination exists but cannot be read to compare it.
    #[error("file is not accessible: {path}: {source}")]
    DestUnreadable {
        /// The destination path.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// A mode that is not an octal permission.
    #[error("mode {0} is not an octal permission such as 0644 or 0o644")]
    BadMode(String),
    /// The write itself failed; the destination is untouched.
    #[error(transparent)]
    Write(#[from] hostfs::AtomicError),
}
