//! Everything that can go wrong after the options parsed, each worded for
//! the operator; `main` turns it into the failure JSON.

use docker_client::{ConnectError, DaemonError};

/// What can go wrong: reaching the engine, or a container that is not there.
#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    /// The engine's address or TLS settings are unusable.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// A request to the engine failed.
    #[error("cannot {what}: {source}")]
    Request {
        /// What was asked, e.g. "list containers".
        what: String,
        /// The engine's (or the transport's) answer.
        source: DaemonError,
    },
    /// A container named for get_containers_state / get_containers_env does not exist.
    #[error("No such container: {0}")]
    NoSuchContainer(String),
    /// The async runtime could not start.
    #[error("cannot start the I/O runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

impl FactsError {
    /// A failed request, with what it was for.
    pub fn request(what: impl Into<String>) -> impl FnOnce(DaemonError) -> FactsError {
        let what = what.into();
        move |source| FactsError::Request { what, source }
    }
}
