//! What can go wrong while managing a container's unit, in words an operator can act on.

use std::path::PathBuf;

/// A unit operation that did not get the unit where it was asked to go.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// systemd is not this host's init, so nothing can run the container's unit.
    #[error(
        "systemd is not running as init on this host (/run/systemd/system is not a directory): \
         kolla_container runs containers through systemd units"
    )]
    NotBooted,
    /// No `systemctl` on the host.
    #[error("systemctl is not installed on this host (looked in PATH, /usr/bin and /bin)")]
    NoSystemctl,
    /// `systemctl` could not be started or waited for.
    #[error("cannot run {command}: {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// A `systemctl` command exited non-zero.
    #[error("{command} exited {status}: {stderr}")]
    Command {
        /// The command line.
        command: String,
        /// Its exit status, e.g. `1` or `signal 9`.
        status: String,
        /// What it said, trimmed (systemd names the unit and where to look).
        stderr: String,
    },
    /// The unit file could not be written (nothing was replaced).
    #[error("cannot write unit {unit}: {source}")]
    Write {
        /// The unit's name.
        unit: String,
        /// Why.
        #[source]
        source: hostfs::AtomicError,
    },
    /// The unit file could not be deleted.
    #[error("cannot remove unit file {}: {source}", path.display())]
    Remove {
        /// The unit file.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The unit did not reach the state it was driven to in time.
    #[error(
        "{unit} did not become {wanted} within {seconds} s: it is {state}; \
         see `systemctl status {unit}` and `journalctl -u {unit}`"
    )]
    Timeout {
        /// The unit's name.
        unit: String,
        /// The state waited for, e.g. `active/running`.
        wanted: &'static str,
        /// The time allowed.
        seconds: u64,
        /// The state it was in at the deadline, e.g. `activating/auto-restart`.
        state: String,
    },
    /// The unit ended up failed instead of running.
    #[error(
        "{unit} failed to {action}: it is {state}; \
         see `systemctl status {unit}` and `journalctl -u {unit}`"
    )]
    Failed {
        /// The unit's name.
        unit: String,
        /// What was asked: `start` or `restart`.
        action: &'static str,
        /// The state it reached, e.g. `failed/failed`.
        state: String,
    },
    /// A spec 22.2 cannot render either.
    #[error(
        "restart_retries must be at least 1 for {unit}: systemd's RestartSec is \
         client_timeout // restart_retries - 1"
    )]
    ZeroRetries {
        /// The unit's name.
        unit: String,
    },
}
