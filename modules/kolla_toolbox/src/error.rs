//! Everything kolla_toolbox can fail on; each becomes a `failed` result in one place (main.rs).

use docker_client::{ConnectError, DaemonError};

/// A kolla_toolbox failure with a message the operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum ToolboxError {
    /// A valid option value the module still cannot use.
    #[error("invalid module arguments: {0}")]
    Args(String),
    /// No connection to the container engine could be set up.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// The local async runtime could not start.
    #[error("cannot start the I/O runtime: {0}")]
    Runtime(std::io::Error),
    /// A request to the engine failed.
    #[error("{op}: {source}")]
    Engine {
        /// What was being done.
        op: String,
        /// The engine's answer.
        source: DaemonError,
    },
    /// No running container named kolla_toolbox (22.2's wording first).
    #[error("kolla_toolbox container is missing or not running! ({0})")]
    NoToolbox(String),
    /// The image lacks ansible-runner (22.2's wording).
    #[error("The 'ansible-runner' binary was not found in the kolla_toolbox container. Please ensure the container image is up to date and includes ansible-runner.")]
    NoRunner,
    /// The private data directory could not be prepared.
    #[error("Failed to create pdd {pdd} in kolla_toolbox (exit {code}): {output}")]
    Setup {
        /// The directory.
        pdd: String,
        /// The setup command's exit code.
        code: i64,
        /// What it printed.
        output: String,
    },
    /// ansible-runner itself failed (not the task it ran).
    #[error("ansible-runner exited with code {code}: {output}")]
    Runner {
        /// Its exit code.
        code: i64,
        /// What it printed.
        output: String,
    },
    /// The toolbox printed nothing for `timeout` seconds.
    #[error("ansible-runner in kolla_toolbox printed nothing for {0} s (raise timeout if the task is slow)")]
    Silent(u64),
    /// The runner's event stream does not say how the task ended.
    #[error("Failed to read ansible-runner result: {0}")]
    Events(String),
}

/// Attaches what was being done to an engine error.
pub trait Context<T> {
    /// Wraps the error with the operation's description.
    fn ctx(self, op: impl FnOnce() -> String) -> Result<T, ToolboxError>;
}

impl<T> Context<T> for Result<T, DaemonError> {
    fn ctx(self, op: impl FnOnce() -> String) -> Result<T, ToolboxError> {
        self.map_err(|source| ToolboxError::Engine { op: op(), source })
    }
}
