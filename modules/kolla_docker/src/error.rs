//! Everything kolla_docker can fail on; each becomes a `failed` result in one place (main.rs).

use docker_client::{ConnectError, DaemonError};

/// Options that cannot be turned into a container definition.
#[derive(Debug, thiserror::Error)]
pub enum ArgsError {
    /// A `common_options` value of the wrong type.
    #[error("common_options: {0}")]
    Common(String),
    /// A valid option value the module still cannot use (e.g. a negative timeout).
    #[error("invalid module arguments: {0}")]
    Invalid(String),
    /// Keys the module does not know (kernel_memory is gone from Docker's API).
    #[error("Unsupported {0}: {1}")]
    Unsupported(&'static str, String),
    /// `healthcheck` without all of its keys.
    #[error("Missing healthcheck option: {0} (test, interval, timeout, start_period and retries are all required unless test is NONE)")]
    MissingHealthcheck(String),
    /// A healthcheck value that is not a whole number.
    #[error("Cannot parse healthcheck {0} {1}: expected an integer (seconds for durations)")]
    Healthcheck(String, String),
    /// A number option that is not a number.
    #[error("{0}: expected an integer, got {1}")]
    Number(String, String),
    /// A size that is neither a number nor like 64m.
    #[error("{0}: invalid size {1:?}: use bytes or a number with b, k, m or g")]
    Size(String, String),
    /// ulimits not shaped as {name: {soft, hard}}.
    #[error("dimensions.ulimits must map names to {{soft, hard}}: {0}")]
    Ulimits(String),
    /// A `volumes` entry Docker cannot use.
    #[error("invalid volume {0:?}: use /path, name:/path or /host/path:/path, optionally with :ro, :rw or another mode")]
    Volume(String),
    /// A container must be recreated but no image was given.
    #[error("image is required to recreate the container")]
    NeedImage,
    /// `command` that does not split like a shell line.
    #[error("cannot split command: {0}")]
    Command(String),
}

/// A kolla_docker failure with a message the operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum KdError {
    /// Bad options.
    #[error(transparent)]
    Args(#[from] ArgsError),
    /// No connection to the daemon.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// A daemon request failed.
    #[error("{op}: {source}")]
    Docker {
        /// What was being done.
        op: String,
        /// The daemon's answer.
        source: DaemonError,
    },
    /// The engine named podman does not serve podman's libpod API.
    #[error("cannot create container {name}: {daemon} at {host} answered POST {endpoint} with HTTP {status} ({message}); under container_engine: podman containers are created through podman's libpod API (podman 4.0 or later), which it does not serve: is docker_host or CONTAINER_HOST a Docker daemon or an older podman?")]
    NoLibpod {
        /// The container.
        name: String,
        /// The engine as messages name it.
        daemon: &'static str,
        /// Its address.
        host: String,
        /// The endpoint asked.
        endpoint: &'static str,
        /// The HTTP status it answered with.
        status: u16,
        /// What it said.
        message: String,
    },
    /// The named container does not exist.
    #[error("No such container: {0}")]
    NoContainer(String),
    /// stop_container on a missing container without ignore_missing.
    #[error("No such container: {0} to stop")]
    NoContainerToStop(String),
    /// The registry does not have the image or tag.
    #[error("The requested image does not exist: {0}")]
    ImageNotFound(String),
    /// The registry refused the credentials.
    #[error("Login to registry {registry:?} failed for user {user}: {message} (check auth_username, auth_password and auth_registry)")]
    Login {
        /// The registry.
        registry: String,
        /// The user name.
        user: String,
        /// The daemon's reason.
        message: String,
    },
    /// The registry wants credentials that were not given or not accepted.
    #[error("The registry refused access to {image} without credentials: {message} (set auth_username, auth_password and auth_registry)")]
    PullDenied {
        /// The image.
        image: String,
        /// The daemon's reason.
        message: String,
    },
    /// Any other pull failure.
    #[error("Unknown error message: {0}")]
    Pull(String),
    /// remove_volume of a volume a container uses.
    #[error("Volume named '{0}' is currently in-use")]
    VolumeInUse(String),
    /// remove_image of an image a container uses.
    #[error("Image '{0}' is currently in-use")]
    ImageInUse(String),
    /// kolla_set_configs --check exited with an unexpected code.
    #[error("Failed to compare container configuration: ExitCode: {code} Message: {output}")]
    ConfigCheck {
        /// Its exit code.
        code: i64,
        /// What it printed.
        output: String,
    },
    /// A non-detached container failed.
    #[error("Container exited with non-zero return code {rc}")]
    NonZeroExit {
        /// The exit code.
        rc: i64,
        /// Its standard output.
        stdout: String,
        /// Its standard error.
        stderr: String,
    },
    /// A systemd unit could not be written, removed or driven.
    #[error(transparent)]
    Systemd(#[from] systemd_units::Error),
    /// The async runtime could not start.
    #[error("cannot start the I/O runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

/// Attaches what was being done to a daemon error.
pub trait Context<T> {
    /// Names the operation in the error.
    fn ctx(self, op: impl FnOnce() -> String) -> Result<T, KdError>;
}

impl<T> Context<T> for Result<T, DaemonError> {
    fn ctx(self, op: impl FnOnce() -> String) -> Result<T, KdError> {
        self.map_err(|source| KdError::Docker { op: op(), source })
    }
}
