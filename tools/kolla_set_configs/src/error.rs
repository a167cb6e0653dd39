//! Everything that stops the configuration step, and the exit code each gives.

use std::path::PathBuf;

/// Why kolla_set_configs could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// config.json could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The reason.
        #[source]
        source: std::io::Error,
    },
    /// config.json is not the expected JSON.
    #[error("{path} is not a valid config.json: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The reason.
        #[source]
        source: serde_json::Error,
    },
    /// config.json's text is not the expected JSON (before its path is known).
    #[error("not a valid config.json: {0}")]
    Syntax(#[source] serde_json::Error),
    /// config.json is well-formed JSON with an entry Kolla would refuse.
    #[error("invalid config.json: {0}")]
    Invalid(String),
    /// An `exclude` entry is not a regular expression.
    #[error("invalid exclude pattern {pattern:?}: {reason}")]
    Exclude {
        /// The pattern.
        pattern: String,
        /// What the regex parser said.
        reason: String,
    },
    /// KOLLA_CONFIG_STRATEGY is unset or unknown.
    #[error("KOLLA_CONFIG_STRATEGY must be COPY_ALWAYS or COPY_ONCE, not {0:?}")]
    Strategy(String),
    /// A non-optional source matched nothing.
    #[error("required source {0} does not exist (mark it \"optional\": true if it may be absent)")]
    MissingSource(String),
    /// A `perm` value is not an octal mode.
    #[error("invalid permission {0:?}: expected an octal mode such as \"0640\"")]
    BadMode(String),
    /// An `owner` names a user or group missing from the image.
    #[error("owner {owner:?}: {source}")]
    Owner {
        /// The owner string.
        owner: String,
        /// The lookup failure.
        #[source]
        source: hostfs::AtomicError,
    },
    /// The saved state of the image's own files is unreadable.
    #[error("defaults state {path} is not readable JSON: {reason} (remove it to record the image's files anew)")]
    State {
        /// The state file.
        path: PathBuf,
        /// The reason.
        reason: String,
    },
    /// A filesystem operation failed.
    #[error("{what} {path}: {source}")]
    Io {
        /// The step.
        what: &'static str,
        /// The path it failed on.
        path: PathBuf,
        /// The reason.
        #[source]
        source: std::io::Error,
    },
    /// Writing a copied file or setting its attributes failed.
    #[error(transparent)]
    Attrs(#[from] hostfs::AtomicError),
}

impl Error {
    /// Whether config.json itself asks for something this container cannot
    /// have: for `--check` that means "changed" (exit 1), as in Kolla, so the
    /// container is recreated and its start shows the error.
    pub fn is_config(&self) -> bool {
        matches!(
            self,
            Error::Parse { .. }
                | Error::Syntax(_)
                | Error::Invalid(_)
                | Error::Exclude { .. }
                | Error::MissingSource(_)
                | Error::BadMode(_)
                | Error::Owner { .. }
        )
    }
}

/// Wraps an io::Error with the step and path it happened on.
pub fn io<'a>(
    what: &'static str,
    path: &'a std::path::Path,
) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |source| Error::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}
