//! Who keeps a container running: the engine's restart policy (kolla_docker,
//! 15.6) or a systemd unit `kolla-<name>-container.service` (kolla_container,
//! 22.2). The actions ask this file, never systemd, so they read the same for
//! both; a `oneshot` container has neither, it runs once.
//!
//! kolla_container wants systemd (crate systemd_units writes and drives the
//! units). A host whose PID 1 is not systemd (CI hosts, containers) cannot
//! have units, so there the container keeps the engine's restart policy, as
//! 15.6 gave it, and the result warns that it does: an operator must never
//! believe a unit exists that does not.

use crate::args::Task;
use crate::error::KdError;
use crate::fields::Profile;
use serde_json::{Map, Value};
use std::time::Duration;
use systemd_units::{Systemd, UnitSpec};

/// Who restarts the task's container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supervisor {
    /// The engine, through the container's RestartPolicy.
    Engine,
    /// A systemd unit; the container has no RestartPolicy.
    Systemd,
    /// Nobody: `restart_policy: oneshot`, a run to completion.
    Oneshot,
}

/// The warning of a kolla_container task whose container the engine supervises.
pub const NO_SYSTEMD: &str = "the container is supervised by the container engine's restart \
     policy (restart_policy/restart_retries on the container), not by a systemd unit \
     kolla-<name>-container.service: this host's PID 1 is not systemd";

impl Supervisor {
    /// The supervisor of a task of `profile` with the merged options `params`,
    /// and the warning the result must carry when it is not the one 22.2 uses.
    pub fn choose(profile: Profile, params: &Map<String, Value>) -> (Supervisor, Option<String>) {
        Supervisor::choose_on(profile, params, systemd_units::available())
    }

    fn choose_on(
        profile: Profile,
        params: &Map<String, Value>,
        systemd: bool,
    ) -> (Supervisor, Option<String>) {
        if profile == Profile::KollaDocker {
            return (Supervisor::Engine, None);
        }
        if params.get("restart_policy").and_then(Value::as_str) == Some("oneshot") {
            return (Supervisor::Oneshot, None);
        }
        if systemd {
            return (Supervisor::Systemd, None);
        }
        (Supervisor::Engine, Some(NO_SYSTEMD.to_string()))
    }

    /// Whether the container itself carries the task's RestartPolicy.
    pub fn engine_restarts(self) -> bool {
        self == Supervisor::Engine
    }
}

/// The host's systemd, for a task whose containers it supervises.
pub struct Units {
    systemd: Systemd,
}

impl Units {
    /// Some when the task's supervisor is systemd; fails, before anything is
    /// touched, on options no unit can be written from.
    pub fn for_task(task: &Task) -> Result<Option<Units>, KdError> {
        if task.supervisor != Supervisor::Systemd {
            return Ok(None);
        }
        // Here, not at install: a container created before its unit fails would be left behind.
        Units::spec(task).check()?;
        Ok(Some(Units {
            systemd: Systemd::connect()?,
        }))
    }

    /// The unit the task describes, from the options 22.2's systemd worker reads.
    fn spec(task: &Task) -> UnitSpec<'_> {
        let int = |k: &str, d: u64| task.params.get(k).and_then(Value::as_u64).unwrap_or(d);
        UnitSpec {
            name: task.name(),
            engine: task.engine(),
            graceful_timeout: u64::try_from(task.graceful_timeout()).unwrap_or(10),
            restart_policy: task.opts.restart_policy.as_deref().unwrap_or("no"),
            client_timeout: task
                .opts
                .connection
                .client_timeout
                .unwrap_or(docker_client::DEFAULT_TIMEOUT),
            restart_retries: int("restart_retries", 10),
        }
    }

    /// How long a unit may take to get where it is driven: 22.2 waits `client_timeout`.
    fn timeout(task: &Task) -> Duration {
        Duration::from_secs(Units::spec(task).client_timeout)
    }

    /// Whether the task's unit file is missing or differs.
    pub fn changed(&self, task: &Task) -> bool {
        self.systemd.unit_changed(&Units::spec(task))
    }

    /// Whether the container has a unit file.
    pub fn exists(&self, task: &Task) -> bool {
        self.systemd.unit_exists(task.name())
    }

    /// Writes (if changed) and enables the unit; true when written.
    pub fn install(&self, task: &Task) -> Result<bool, KdError> {
        Ok(self.systemd.install(&Units::spec(task))?)
    }

    /// Deletes the unit file; true when there was one.
    pub fn remove(&self, task: &Task) -> Result<bool, KdError> {
        Ok(self.systemd.remove(task.name())?)
    }

    /// Starts the container through its unit.
    pub fn start(&self, task: &Task) -> Result<(), KdError> {
        Ok(self.systemd.start(task.name(), Units::timeout(task))?)
    }

    /// Stops the container through its unit.
    pub fn stop(&self, task: &Task) -> Result<(), KdError> {
        Ok(self.systemd.stop(task.name(), Units::timeout(task))?)
    }

    /// Restarts the container through its unit.
    pub fn restart(&self, task: &Task) -> Result<(), KdError> {
        Ok(self.systemd.restart(task.name(), Units::timeout(task))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn kolla_docker_keeps_the_engine_policy_silently() {
        let p = params(json!({"restart_policy": "always"}));
        for systemd in [false, true] {
            assert_eq!(
                Supervisor::choose_on(Profile::KollaDocker, &p, systemd),
                (Supervisor::Engine, None)
            );
        }
    }

    #[test]
    fn oneshot_has_no_supervisor() {
        let p = params(json!({"restart_policy": "oneshot"}));
        let (s, warning) = Supervisor::choose_on(Profile::KollaContainer, &p, true);
        assert_eq!(s, Supervisor::Oneshot);
        assert!(warning.is_none());
        assert!(!s.engine_restarts());
    }

    #[test]
    fn kolla_container_without_units_warns() {
        let p = params(json!({"restart_policy": "unless-stopped"}));
        let (s, warning) = Supervisor::choose_on(Profile::KollaContainer, &p, false);
        assert_eq!(s, Supervisor::Engine);
        let w = warning.expect("a warning");
        assert!(w.contains("restart policy"), "{w}");
        assert!(s.engine_restarts());
    }

    #[test]
    fn kolla_container_with_systemd_uses_units() {
        let p = params(json!({"restart_policy": "unless-stopped"}));
        let (s, warning) = Supervisor::choose_on(Profile::KollaContainer, &p, true);
        assert_eq!((s, warning), (Supervisor::Systemd, None));
        assert!(!s.engine_restarts());
    }
}
