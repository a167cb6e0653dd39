//! The host's systemd, driven through `systemctl` (lib.rs says why not D-Bus from Rust).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::unit::{render, service_name, UnitSpec};
use crate::Error;

/// Where 22.2 puts container units: the administrator's unit directory.
const UNIT_DIR: &str = "/etc/systemd/system";

/// How often a wait looks at its job or its unit: `systemctl` answers in a few
/// milliseconds, so a start costs the engine's time plus at most this.
const POLL: Duration = Duration::from_millis(20);

/// Whether systemd is this host's init, as `sd_booted()` decides it.
pub fn available() -> bool {
    std::fs::symlink_metadata("/run/systemd/system").is_ok_and(|m| m.is_dir())
}

/// The host's service manager.
#[derive(Debug, Clone)]
pub struct Systemd {
    systemctl: PathBuf,
}

/// A state change a unit is driven through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Start,
    Stop,
    Restart,
}

impl Action {
    fn verb(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Stop => "stop",
            Action::Restart => "restart",
        }
    }

    fn wanted(self) -> &'static str {
        match self {
            Action::Start | Action::Restart => "active/running",
            Action::Stop => "inactive/dead",
        }
    }

    /// Whether the unit's `ActiveState/SubState` ends the wait successfully.
    /// A stop also ends at `failed`: the container was stopped, just not with a
    /// success status (e.g. killed after its graceful timeout).
    fn reached(self, active: &str, sub: &str) -> bool {
        match self {
            Action::Start | Action::Restart => active == "active" && sub == "running",
            Action::Stop => active == "inactive" || active == "failed",
        }
    }
}

fn find_systemctl() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/bin")])
        .map(|dir| dir.join("systemctl"))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn exit_status(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code.to_string(),
        (None, Some(signal)) => format!("signal {signal}"),
        (None, None) => status.to_string(),
    }
}

impl Systemd {
    /// Finds the host's systemd; fails when systemd is not init or `systemctl` is missing.
    pub fn connect() -> Result<Systemd, Error> {
        if !available() {
            return Err(Error::NotBooted);
        }
        let systemctl = find_systemctl().ok_or(Error::NoSystemctl)?;
        Ok(Systemd { systemctl })
    }

    fn unit_path(container: &str) -> PathBuf {
        Path::new(UNIT_DIR).join(service_name(container))
    }

    /// Whether the container's unit file is missing or differs from what `spec` renders.
    pub fn unit_changed(&self, spec: &UnitSpec) -> bool {
        let current = hostfs::read_if_exists(&Self::unit_path(spec.name));
        !matches!(current, Ok(Some(bytes)) if bytes == render(spec).as_bytes())
    }

    /// Whether the container has a unit file.
    pub fn unit_exists(&self, container: &str) -> bool {
        Self::unit_path(container).is_file()
    }

    /// Writes the unit when it changed, then reloads systemd and enables the unit
    /// (22.2's order); returns whether it wrote.
    pub fn install(&self, spec: &UnitSpec) -> Result<bool, Error> {
        spec.check()?;
        if !self.unit_changed(spec) {
            return Ok(false);
        }
        let unit = service_name(spec.name);
        hostfs::write(
            &Self::unit_path(spec.name),
            render(spec).as_bytes(),
            &hostfs::Attrs::default(),
        )
        .map_err(|source| Error::Write {
            unit: unit.clone(),
            source,
        })?;
        self.run(&["daemon-reload"])?;
        // 22.2's EnableUnitFiles(runtime=false, force=true), which does not reload again.
        self.run(&["enable", "--force", "--no-reload", &unit])?;
        Ok(true)
    }

    /// Deletes the container's unit file and reloads systemd; returns whether it existed.
    /// Like 22.2 it neither stops nor disables the unit: callers stop the container first.
    pub fn remove(&self, container: &str) -> Result<bool, Error> {
        let path = Self::unit_path(container);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(source) => return Err(Error::Remove { path, source }),
        }
        self.run(&["daemon-reload"])?;
        Ok(true)
    }

    /// Starts the unit and waits until it is active/running.
    pub fn start(&self, container: &str, timeout: Duration) -> Result<(), Error> {
        self.drive(Action::Start, container, timeout)
    }

    /// Stops the unit and waits until it is inactive (dead, or failed when the
    /// container did not exit cleanly).
    pub fn stop(&self, container: &str, timeout: Duration) -> Result<(), Error> {
        self.drive(Action::Stop, container, timeout)
    }

    /// Restarts the unit and waits until it is active/running again.
    pub fn restart(&self, container: &str, timeout: Duration) -> Result<(), Error> {
        self.drive(Action::Restart, container, timeout)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.systemctl);
        // Never wait on a polkit prompt: a non-root caller gets systemd's refusal instead.
        cmd.arg("--no-ask-password").args(args);
        cmd
    }

    fn command_line(args: &[&str]) -> String {
        format!("systemctl {}", args.join(" "))
    }

    /// Runs a systemctl command that ends by itself (reload, enable, show).
    fn run(&self, args: &[&str]) -> Result<String, Error> {
        let out = self
            .command(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|source| Error::Spawn {
                command: Self::command_line(args),
                source,
            })?;
        if !out.status.success() {
            return Err(Error::Command {
                command: Self::command_line(args),
                status: exit_status(out.status),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The unit's `ActiveState` and `SubState`.
    fn state(&self, unit: &str) -> Result<(String, String), Error> {
        let out = self.run(&["show", "--property=ActiveState,SubState", unit])?;
        let mut active = String::new();
        let mut sub = String::new();
        for line in out.lines() {
            if let Some(v) = line.strip_prefix("ActiveState=") {
                active = v.to_string();
            } else if let Some(v) = line.strip_prefix("SubState=") {
                sub = v.to_string();
            }
        }
        Ok((active, sub))
    }

    fn shown_state(&self, unit: &str) -> String {
        match self.state(unit) {
            Ok((active, sub)) => format!("{active}/{sub}"),
            Err(e) => format!("unknown ({e})"),
        }
    }

    /// Queues the job and waits for it (systemctl itself waits for its JobRemoved),
    /// then for the unit's state, all within `timeout`.
    fn drive(&self, action: Action, container: &str, timeout: Duration) -> Result<(), Error> {
        let unit = service_name(container);
        let deadline = Instant::now() + timeout;
        let timed_out = |state: String| Error::Timeout {
            unit: unit.clone(),
            wanted: action.wanted(),
            seconds: timeout.as_secs(),
            state,
        };
        let args = [action.verb(), unit.as_str()];
        let child = self
            .command(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| Error::Spawn {
                command: Self::command_line(&args),
                source,
            })?;
        if !self.wait_job(child, &args, deadline)? {
            return Err(timed_out(self.shown_state(&unit)));
        }
        loop {
            let (active, sub) = self.state(&unit)?;
            if action.reached(&active, &sub) {
                return Ok(());
            }
            if active == "failed" {
                return Err(Error::Failed {
                    unit,
                    action: action.verb(),
                    state: format!("{active}/{sub}"),
                });
            }
            if Instant::now() >= deadline {
                return Err(timed_out(format!("{active}/{sub}")));
            }
            std::thread::sleep(POLL);
        }
    }

    /// Waits for a job's systemctl to exit; false when the deadline came first
    /// (systemctl is killed, the job stays queued in systemd as 22.2 leaves it).
    fn wait_job(&self, mut child: Child, args: &[&str], deadline: Instant) -> Result<bool, Error> {
        let spawn_error = |source| Error::Spawn {
            command: Self::command_line(args),
            source,
        };
        let status = loop {
            if let Some(status) = child.try_wait().map_err(spawn_error)? {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Ok(false);
            }
            std::thread::sleep(POLL.min(deadline.saturating_duration_since(Instant::now())));
        };
        if !status.success() {
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                let _ = pipe.read_to_string(&mut stderr);
            }
            return Err(Error::Command {
                command: Self::command_line(args),
                status: exit_status(status),
                stderr: stderr.trim().to_string(),
            });
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_ends_dead_or_failed_a_start_only_running() {
        assert!(Action::Stop.reached("inactive", "dead"));
        assert!(Action::Stop.reached("failed", "failed"));
        assert!(!Action::Stop.reached("deactivating", "stop-sigterm"));
        assert!(Action::Start.reached("active", "running"));
        assert!(!Action::Start.reached("activating", "auto-restart"));
        assert!(!Action::Restart.reached("active", "exited"));
    }

    #[test]
    fn exit_statuses_read_as_numbers_or_signals() {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(exit_status(std::process::ExitStatus::from_raw(5 << 8)), "5");
        assert_eq!(
            exit_status(std::process::ExitStatus::from_raw(9)),
            "signal 9"
        );
    }

    #[test]
    fn unit_files_live_in_the_administrators_directory() {
        assert_eq!(
            Systemd::unit_path("horizon"),
            Path::new("/etc/systemd/system/kolla-horizon-container.service")
        );
    }

    #[test]
    fn errors_name_the_unit_the_state_and_the_seconds() {
        let e = Error::Timeout {
            unit: service_name("rabbitmq"),
            wanted: Action::Start.wanted(),
            seconds: 120,
            state: "activating/auto-restart".into(),
        };
        assert_eq!(
            e.to_string(),
            "kolla-rabbitmq-container.service did not become active/running within 120 s: \
             it is activating/auto-restart; see `systemctl status kolla-rabbitmq-container.service` \
             and `journalctl -u kolla-rabbitmq-container.service`"
        );
    }
}
