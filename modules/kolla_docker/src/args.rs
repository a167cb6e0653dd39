//! The argument spec, derived from the option table (`fields::ROWS`) and the
//! actions (`action::Action`), and the `common_options` merge that
//! kolla-ansible's roles rely on.

use crate::action::Action;
use crate::error::{ArgsError, KdError};
use crate::fields::{Choices, Profile, ROWS};
use crate::supervisor::Supervisor;
use ansible_module::{ArgSpec, Map, Module, Param, Value};
use serde::{Deserialize, Serialize};

/// The argument spec of a profile; `docker_host` is ours, everything else is the reference's.
pub fn spec(profile: Profile) -> ArgSpec {
    let mut spec = ArgSpec::new(profile.module());
    for row in ROWS {
        let Some(arg) = row.arg.filter(|a| a.profiles.has(profile)) else {
            continue;
        };
        let mut p = Param::new(row.name, arg.ty).aliases(arg.aliases);
        if let Some(e) = arg.elements {
            p = p.elements(e);
        }
        if let Some(d) = arg.default.value() {
            p = p.default(d);
        }
        let choices: Vec<&str> = match arg.choices {
            Choices::Free => Vec::new(),
            Choices::List(c) => c
                .iter()
                .filter(|c| c.profiles.has(profile))
                .map(|c| c.value)
                .collect(),
            Choices::Actions => Action::offered(profile).map(Action::name).collect(),
        };
        if !choices.is_empty() {
            p = p.choices(&choices);
        }
        if arg.required {
            p = p.required();
        }
        if arg.no_log {
            p = p.no_log();
        }
        spec = spec.param(p);
    }
    for action in Action::offered(profile) {
        spec = spec.required_if("action", action.name(), action.requires());
    }
    spec
}

fn falsy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => true,
        Some(Value::String(s)) => s.is_empty(),
        _ => false,
    }
}

/// Layers the task's options over `common_options` as the reference does: a
/// task option wins when given; an absent one takes the common value or its
/// common default; the task's environment is laid over the common environment;
/// empty pid_mode/ipc_mode mean "not set". Keys the module does not know are
/// dropped, as the reference ignores them.
fn merge(profile: Profile, params: &Map<String, Value>) -> Result<Map<String, Value>, ArgsError> {
    let mut out = match params.get("common_options") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    for (k, v) in params {
        if k == "common_options" || k == "environment" {
            continue;
        }
        if !v.is_null() {
            out.insert(k.clone(), v.clone());
        } else if !out.contains_key(k) {
            let common = crate::fields::row(k)
                .and_then(|r| r.arg)
                .and_then(|a| a.common);
            if let Some(d) = common.and_then(|d| d.value()) {
                out.insert(k.clone(), d);
            }
        }
    }
    let mut env = match out.remove("environment") {
        Some(Value::Object(m)) => m,
        None | Some(Value::Null) => Map::new(),
        Some(other) => {
            return Err(ArgsError::Common(format!(
                "environment must be a dict, got {other}"
            )))
        }
    };
    if let Some(Value::Object(task_env)) = params.get("environment") {
        env.extend(task_env.clone());
    }
    out.insert("environment".into(), Value::Object(env));
    for key in ["pid_mode", "ipc_mode"] {
        if falsy(out.get(key)) {
            out.remove(key);
        }
    }
    out.retain(|k, _| {
        crate::fields::row(k)
            .and_then(|r| r.arg)
            .is_some_and(|a| a.profiles.has(profile))
    });
    Ok(out)
}

/// The options that steer the module rather than describe the container, typed.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Steering {
    /// Container or volume name.
    pub name: Option<String>,
    /// Image reference.
    pub image: Option<String>,
    /// false: wait for the container and return its output.
    pub detach: bool,
    /// Remove a non-detached container once it exits.
    pub remove_on_exit: bool,
    /// stop_container of a missing container succeeds.
    pub ignore_missing: bool,
    /// Seconds a stop waits before killing.
    pub graceful_timeout: Option<i64>,
    /// Desired state.
    pub state: String,
    /// Environment, common_options' under the task's (KOLLA_CONFIG_STRATEGY steers recreation).
    pub environment: Map<String, Value>,
    /// Registry login e-mail.
    pub auth_email: Option<String>,
    /// Registry password (never echoed).
    pub auth_password: Option<String>,
    /// Registry address.
    pub auth_registry: Option<String>,
    /// Registry user; pulls log in when set.
    pub auth_username: Option<String>,
    /// restart_policy as given: the unit's `Restart=` under systemd, `oneshot` for a run to completion.
    pub restart_policy: Option<String>,
    /// How to reach the daemon.
    #[serde(flatten)]
    pub connection: docker_client::Options,
}

/// One task: its action, its steering options, and every merged option for the field table.
#[derive(Debug)]
pub struct Task {
    /// What to do.
    pub action: Action,
    /// The typed steering options.
    pub opts: Steering,
    /// The merged, validated options; restart_policy is cleared when the engine does not restart the container.
    pub params: Map<String, Value>,
    /// The module profile the task runs under.
    pub profile: Profile,
    /// Who keeps the container running.
    pub supervisor: Supervisor,
}

impl Task {
    /// Merges `common_options` into the task's options and validates the result with the module's spec.
    pub fn parse(profile: Profile, m: &Module) -> Result<Task, KdError> {
        let merged = merge(profile, m.params())?;
        let mut params = m
            .validate(&merged)
            .map_err(|e| ArgsError::Common(e.to_string()))?
            .params;
        let action = params
            .get("action")
            .and_then(Value::as_str)
            .and_then(Action::from_name)
            .ok_or_else(|| ArgsError::Unsupported("action", params["action"].to_string()))?;
        let opts = Steering::deserialize(Value::Object(params.clone()))
            .map_err(|e| ArgsError::Invalid(e.to_string()))?;
        let (supervisor, warning) = Supervisor::choose(profile, &params);
        if let Some(w) = warning.filter(|_| action.makes_containers()) {
            m.warn(w);
        }
        if !supervisor.engine_restarts() {
            params.insert("restart_policy".into(), Value::Null);
        }
        Ok(Task {
            action,
            opts,
            params,
            profile,
            supervisor,
        })
    }

    /// The name, which required_if guarantees for the actions that use it.
    pub fn name(&self) -> &str {
        self.opts.name.as_deref().unwrap_or_default()
    }

    /// The engine the task drives.
    pub fn engine(&self) -> docker_client::Engine {
        self.opts.connection.container_engine.unwrap_or_default()
    }

    /// Seconds a stop may take; 0 or unset means 10, as in the reference.
    pub fn graceful_timeout(&self) -> i64 {
        match self.opts.graceful_timeout {
            Some(t) if t != 0 => t,
            _ => 10,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ansible_module::json;

    /// The task these options make, or the failure JSON.
    fn task(options: Value) -> Result<Task, Value> {
        let mut options = options;
        options["name"] = json!("kd_x");
        options["image"] = json!("img");
        let text = options.to_string();
        let mut got = None;
        let out = ansible_module::execute(&spec(Profile::KollaDocker), text.as_bytes(), |m| {
            got = Some(Task::parse(Profile::KollaDocker, m)?);
            Ok(ansible_module::Response::new(false))
        });
        got.ok_or(out)
    }

    #[test]
    fn defaults_apply_when_nothing_given() {
        let m = task(json!({"action": "start_container"})).unwrap().params;
        assert_eq!(m["restart_retries"], json!(10));
        assert_eq!(m["graceful_timeout"], json!(10));
        assert_eq!(m["client_timeout"], json!(120));
        assert_eq!(m["api_version"], json!("auto"));
        assert_eq!(m["environment"], json!({}));
        assert!(m["pid_mode"].is_null() && m["ipc_mode"].is_null());
    }

    #[test]
    fn common_options_fill_gaps_and_task_wins() {
        let t = task(json!({
            "action": "start_container",
            "graceful_timeout": 30,
            "environment": {"B": "task", "C": "task"},
            "pid_mode": "",
            "ipc_mode": "host",
            "common_options": {
                "restart_retries": "7", "graceful_timeout": "60", "client_timeout": "300",
                "restart_policy": "unless-stopped", "auth_username": "u",
                "environment": {"A": "common", "B": "common"}, "not_an_option": 1
            }
        }))
        .unwrap();
        let m = &t.params;
        assert_eq!(m["restart_retries"], json!(7));
        assert_eq!(m["graceful_timeout"], json!(30));
        assert_eq!(m["client_timeout"], json!(300));
        assert_eq!(m["restart_policy"], json!("unless-stopped"));
        assert_eq!(m["auth_username"], json!("u"));
        assert_eq!(
            m["environment"],
            json!({"A": "common", "B": "task", "C": "task"})
        );
        assert!(m["pid_mode"].is_null());
        assert!(!m.contains_key("not_an_option"));
        assert_eq!(m["ipc_mode"], json!("host"));
        assert_eq!(t.graceful_timeout(), 30);
        assert_eq!(t.opts.connection.client_timeout, Some(300));
        assert_eq!(t.action, Action::StartContainer);
    }

    #[test]
    fn bad_common_values_fail_clearly() {
        let e = task(json!({"action": "start_container",
            "common_options": {"client_timeout": "soon"}}))
        .unwrap_err();
        assert!(e["msg"].as_str().unwrap().contains("client_timeout"), "{e}");
        let e = task(json!({"action": "start_container",
            "common_options": {"environment": "A=1"}}))
        .unwrap_err();
        assert!(e["msg"].as_str().unwrap().contains("environment"), "{e}");
        let e = task(json!({"action": "start_container",
            "common_options": {"auth_password": ["s3cret"], "restart_retries": "x"}}))
        .unwrap_err();
        assert!(!e.to_string().contains("s3cret"), "{e}");
    }

    #[test]
    fn zero_graceful_timeout_means_ten() {
        let t = task(json!({"action": "stop_container", "graceful_timeout": 0})).unwrap();
        assert_eq!(t.graceful_timeout(), 10);
    }

    #[test]
    fn steering_options_are_options() {
        let specs = [spec(Profile::KollaDocker), spec(Profile::KollaContainer)];
        let Value::Object(names) = serde_json::to_value(Steering::default()).unwrap() else {
            panic!("an object")
        };
        for name in names.keys() {
            let known = specs.iter().any(|s| s.get(name).is_some());
            assert!(known, "{name} is not in the table");
        }
        // The engine is kolla_container's alone; kolla_docker always drives docker.
        assert!(specs[0].get("container_engine").is_none());
        assert!(specs[1].get("container_engine").is_some());
    }

    /// kolla_container's task: common_options may name the engine; oneshot leaves no policy.
    fn container_task(options: Value) -> Result<Task, Value> {
        let text = options.to_string();
        let mut got = None;
        let spec = spec(Profile::KollaContainer);
        let out = ansible_module::execute(&spec, text.as_bytes(), |m| {
            got = Some(Task::parse(Profile::KollaContainer, m)?);
            Ok(ansible_module::Response::new(false))
        });
        got.ok_or(out)
    }

    #[test]
    fn kolla_container_takes_the_engine_from_common_options() {
        let t = container_task(json!({"action": "stop_container", "name": "kc_x",
            "common_options": {"container_engine": "podman"}}))
        .unwrap();
        assert_eq!(t.engine(), docker_client::Engine::Podman);
        let t = container_task(json!({"action": "stop_container", "name": "kc_x"})).unwrap();
        assert_eq!(t.engine(), docker_client::Engine::Docker);
        let e = container_task(json!({"action": "stop_container", "name": "kc_x",
            "common_options": {"container_engine": "lxc"}}))
        .unwrap_err();
        assert!(
            e["msg"].as_str().unwrap().contains("container_engine"),
            "{e}"
        );
    }

    #[test]
    fn oneshot_containers_get_no_restart_policy() {
        let t = container_task(json!({"action": "start_container", "name": "kc_x",
            "image": "img", "restart_policy": "oneshot"}))
        .unwrap();
        assert_eq!(t.supervisor, Supervisor::Oneshot);
        assert!(t.params["restart_policy"].is_null());
        assert_eq!(t.opts.restart_policy.as_deref(), Some("oneshot"));
        let e =
            task(json!({"action": "start_container", "restart_policy": "oneshot"})).unwrap_err();
        assert!(e["msg"].as_str().unwrap().contains("restart_policy"), "{e}");
    }

    #[test]
    fn actions_drive_choices_and_requirements() {
        let spec = spec(Profile::KollaDocker);
        let choices = spec.get("action").unwrap().choices.clone().unwrap();
        assert_eq!(choices.len(), Action::ALL.len());
        let out = ansible_module::execute(&spec, br#"{"action": "start_container"}"#, |_| {
            Ok(ansible_module::Response::new(false))
        });
        assert!(
            out["msg"].as_str().unwrap().contains("image, name"),
            "{out}"
        );
    }
}
