//! The options, as kolla-ansible 15.6.0's kolla_docker declares them, and the
//! `common_options` merge that kolla-ansible's roles rely on.

use crate::error::ArgsError;
use ansible_module::{ArgSpec, Map, Param, Type, Value};
use serde::Deserialize;

/// The fifteen actions.
pub const ACTIONS: &[&str] = &[
    "compare_container",
    "compare_image",
    "create_volume",
    "ensure_image",
    "get_container_env",
    "get_container_state",
    "pull_image",
    "recreate_or_restart_container",
    "remove_container",
    "remove_image",
    "remove_volume",
    "restart_container",
    "start_container",
    "stop_container",
    "stop_and_remove_container",
];

/// The argument spec; `docker_host` is ours, everything else is the reference's.
pub fn spec() -> ArgSpec {
    let mut spec = ArgSpec::new("kolla_docker")
        .param(Param::dict("common_options").default(Map::new()))
        .param(Param::str("action").required().choices(ACTIONS))
        .param(Param::str("api_version"))
        .param(Param::str("auth_email"))
        .param(Param::str("auth_password").no_log())
        .param(Param::str("auth_registry"))
        .param(Param::str("auth_username"))
        .param(Param::str("command"))
        .param(Param::bool("detach").default(true))
        .param(Param::dict("labels").default(Map::new()))
        .param(Param::str("name"))
        .param(Param::dict("environment"))
        .param(Param::dict("healthcheck"))
        .param(Param::str("image"))
        .param(Param::str("ipc_mode").choices(&["", "host", "private", "shareable"]))
        .param(
            Param::list("cap_add")
                .elements(Type::Str)
                .default(Vec::<Value>::new()),
        )
        .param(
            Param::list("security_opt")
                .elements(Type::Str)
                .default(Vec::<Value>::new()),
        )
        .param(Param::str("pid_mode").choices(&["host", ""]))
        .param(Param::str("cgroupns_mode").choices(&["private", "host"]))
        .param(Param::bool("privileged").default(false))
        .param(Param::int("graceful_timeout"))
        .param(Param::bool("remove_on_exit").default(true))
        .param(Param::str("restart_policy").choices(&[
            "no",
            "on-failure",
            "always",
            "unless-stopped",
        ]))
        .param(Param::int("restart_retries"))
        .param(
            Param::str("state")
                .default("running")
                .choices(&["running", "exited", "paused"]),
        )
        .param(Param::bool("tls_verify").default(false))
        .param(Param::str("tls_cert"))
        .param(Param::str("tls_key"))
        .param(Param::str("tls_cacert"))
        .param(Param::list("tmpfs").elements(Type::Str))
        .param(Param::list("volumes").elements(Type::Str))
        .param(Param::list("volumes_from").elements(Type::Str))
        .param(Param::dict("dimensions").default(Map::new()))
        .param(Param::bool("tty").default(false))
        .param(Param::int("client_timeout"))
        .param(Param::bool("ignore_missing").default(false))
        .param(Param::str("docker_host"));
    let needs: &[(&str, &[&'static str])] = &[
        ("pull_image", &["image"]),
        ("start_container", &["image", "name"]),
        ("compare_container", &["name"]),
        ("compare_image", &["name"]),
        ("create_volume", &["name"]),
        ("ensure_image", &["image"]),
        ("get_container_env", &["name"]),
        ("get_container_state", &["name"]),
        ("recreate_or_restart_container", &["name"]),
        ("remove_container", &["name"]),
        ("remove_image", &["image"]),
        ("remove_volume", &["name"]),
        ("restart_container", &["name"]),
        ("stop_container", &["name"]),
        ("stop_and_remove_container", &["name"]),
    ];
    for (action, required) in needs {
        spec = spec.required_if("action", *action, required);
    }
    spec
}

/// Options that `common_options` may supply, with the value used when neither gives one.
const COMMON_DEFAULTS: &[(&str, Option<i64>, Option<&str>)] = &[
    ("auth_email", None, None),
    ("auth_password", None, None),
    ("auth_registry", None, None),
    ("auth_username", None, None),
    ("environment", None, None),
    ("restart_policy", None, None),
    ("restart_retries", Some(10), None),
    ("api_version", None, Some("auto")),
    ("graceful_timeout", Some(10), None),
    ("client_timeout", Some(120), None),
];

fn common_default(key: &str) -> Option<Option<Value>> {
    COMMON_DEFAULTS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, i, s)| i.map(Value::from).or_else(|| s.map(Value::from)))
}

fn falsy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => true,
        Some(Value::String(s)) => s.is_empty(),
        _ => false,
    }
}

/// Layers the task's options over `common_options` as the reference does:
/// a task option wins when given; an absent one takes the common value (digit
/// strings become numbers) or its default; the task's environment is laid over
/// the common environment; empty pid_mode/ipc_mode mean "not set".
pub fn merge(spec: &ArgSpec, params: &Map<String, Value>) -> Result<Map<String, Value>, ArgsError> {
    let mut out = match params.get("common_options") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    for (k, v) in params {
        if k == "common_options" || k == "environment" {
            continue;
        }
        if v.is_null() {
            if let Some(default) = common_default(k) {
                if let Some(Value::String(s)) = out.get(k) {
                    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                        if let Ok(n) = s.parse::<i64>() {
                            out.insert(k.clone(), n.into());
                        }
                    }
                } else if !out.contains_key(k) {
                    if let Some(d) = default {
                        out.insert(k.clone(), d);
                    }
                }
            }
            continue;
        }
        out.insert(k.clone(), v.clone());
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
    // Values that came from common_options were never type-checked.
    for (k, v) in out.iter_mut() {
        if let Some(p) = spec.get(k) {
            if !v.is_null() && k != "environment" {
                *v = p.ty.coerce(v).map_err(|e| {
                    // The reason may quote the value, which must stay secret for no_log options.
                    let why = if p.no_log {
                        "wrong type".to_string()
                    } else {
                        e
                    };
                    ArgsError::Common(format!("{k}: {why}"))
                })?;
            }
        }
    }
    Ok(out)
}

/// The merged options, typed.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct Args {
    /// What to do.
    pub action: String,
    /// Docker API version or "auto".
    pub api_version: Option<String>,
    /// Registry login e-mail.
    pub auth_email: Option<String>,
    /// Registry password (never echoed).
    pub auth_password: Option<String>,
    /// Registry address.
    pub auth_registry: Option<String>,
    /// Registry user; pulls log in when set.
    pub auth_username: Option<String>,
    /// Command line, shell-split.
    pub command: Option<String>,
    /// false: wait for the container and return its output.
    pub detach: bool,
    /// Container labels.
    pub labels: Map<String, Value>,
    /// Container or volume name.
    pub name: Option<String>,
    /// Environment, common_options' under the task's.
    pub environment: Map<String, Value>,
    /// Healthcheck definition.
    pub healthcheck: Option<Map<String, Value>>,
    /// Image reference.
    pub image: Option<String>,
    /// IPC namespace mode.
    pub ipc_mode: Option<String>,
    /// Added capabilities.
    pub cap_add: Vec<String>,
    /// Security options.
    pub security_opt: Vec<String>,
    /// PID namespace mode.
    pub pid_mode: Option<String>,
    /// Cgroup namespace mode.
    pub cgroupns_mode: Option<String>,
    /// Privileged container.
    pub privileged: bool,
    /// Seconds a stop waits before killing.
    pub graceful_timeout: Option<i64>,
    /// Remove a non-detached container once it exits.
    pub remove_on_exit: bool,
    /// Docker restart policy.
    pub restart_policy: Option<String>,
    /// Retries for on-failure.
    pub restart_retries: Option<i64>,
    /// Desired state.
    pub state: String,
    /// TLS to a TCP daemon.
    pub tls_verify: bool,
    /// Client certificate.
    pub tls_cert: Option<String>,
    /// Client key.
    pub tls_key: Option<String>,
    /// CA certificate.
    pub tls_cacert: Option<String>,
    /// tmpfs mounts.
    pub tmpfs: Option<Vec<String>>,
    /// Volumes and binds.
    pub volumes: Option<Vec<String>>,
    /// Containers whose volumes to mount.
    pub volumes_from: Option<Vec<String>>,
    /// Resource limits.
    pub dimensions: Map<String, Value>,
    /// Allocate a TTY.
    pub tty: bool,
    /// Seconds each daemon request may take.
    pub client_timeout: Option<u64>,
    /// stop_container of a missing container succeeds.
    pub ignore_missing: bool,
    /// Daemon address (ours).
    pub docker_host: Option<String>,
}

impl Args {
    /// The name, which required_if guarantees for the actions that use it.
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or_default()
    }
    /// The image, likewise.
    pub fn image(&self) -> &str {
        self.image.as_deref().unwrap_or_default()
    }
    /// Seconds a stop may take; 0 or unset means 10, as in the reference.
    pub fn graceful_timeout(&self) -> i64 {
        match self.graceful_timeout {
            Some(t) if t != 0 => t,
            _ => 10,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ansible_module::json;

    /// The spec's validated params for these task options, as the module sees them.
    fn params(task: Value) -> Map<String, Value> {
        let mut got = None;
        let mut task = task;
        task["name"] = json!("kd_x");
        task["image"] = json!("img");
        let text = task.to_string();
        let out = ansible_module::execute(&spec(), text.as_bytes(), |m| {
            got = Some(m.params().clone());
            Ok(ansible_module::Response::new(false))
        });
        got.unwrap_or_else(|| panic!("task options must validate: {out}"))
    }

    #[test]
    fn defaults_apply_when_nothing_given() {
        let m = merge(&spec(), &params(json!({"action": "start_container"}))).unwrap();
        assert_eq!(m["restart_retries"], json!(10));
        assert_eq!(m["graceful_timeout"], json!(10));
        assert_eq!(m["client_timeout"], json!(120));
        assert_eq!(m["api_version"], json!("auto"));
        assert_eq!(m["environment"], json!({}));
        assert!(!m.contains_key("pid_mode") && !m.contains_key("ipc_mode"));
    }

    #[test]
    fn common_options_fill_gaps_and_task_wins() {
        let m = merge(
            &spec(),
            &params(json!({
                "action": "start_container",
                "graceful_timeout": 30,
                "environment": {"B": "task", "C": "task"},
                "pid_mode": "",
                "ipc_mode": "host",
                "common_options": {
                    "restart_retries": "7", "graceful_timeout": "60", "client_timeout": "300",
                    "restart_policy": "unless-stopped", "auth_username": "u",
                    "environment": {"A": "common", "B": "common"}
                }
            })),
        )
        .unwrap();
        assert_eq!(m["restart_retries"], json!(7));
        assert_eq!(m["graceful_timeout"], json!(30));
        assert_eq!(m["client_timeout"], json!(300));
        assert_eq!(m["restart_policy"], json!("unless-stopped"));
        assert_eq!(m["auth_username"], json!("u"));
        assert_eq!(
            m["environment"],
            json!({"A": "common", "B": "task", "C": "task"})
        );
        assert!(!m.contains_key("pid_mode"));
        assert_eq!(m["ipc_mode"], json!("host"));
        let a: Args = serde_json::from_value(Value::Object(m)).unwrap();
        assert_eq!(a.graceful_timeout(), 30);
        assert_eq!(a.restart_retries, Some(7));
    }

    #[test]
    fn bad_common_values_fail_clearly() {
        let e = merge(
            &spec(),
            &params(json!({"action": "start_container",
                "common_options": {"client_timeout": "soon"}})),
        )
        .unwrap_err();
        assert!(e.to_string().contains("client_timeout"), "{e}");
        let e = merge(
            &spec(),
            &params(json!({"action": "start_container",
                "common_options": {"environment": "A=1"}})),
        )
        .unwrap_err();
        assert!(e.to_string().contains("environment"), "{e}");
    }

    #[test]
    fn zero_graceful_timeout_means_ten() {
        let a = Args {
            graceful_timeout: Some(0),
            ..Default::default()
        };
        assert_eq!(a.graceful_timeout(), 10);
    }
}
