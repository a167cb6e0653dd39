//! kolla-ansible 22.2.0's kolla_toolbox options, and the checks its Python
//! version leaves to the container engine or to a traceback.

use crate::error::ToolboxError;
use ansible_module::{json, ArgSpec, Map, Module, Param, Value};
use docker_client::Engine;
use serde::Deserialize;

/// The argument spec, as 22.2 declares it.
pub fn spec() -> ArgSpec {
    ArgSpec::new("kolla_toolbox")
        .param(
            Param::str("container_engine")
                .required()
                .choices(&["podman", "docker"]),
        )
        .param(Param::str("module_name").required())
        // `dict`: a mapping, JSON text, or `k=v k2="v 2"` text (check_type_dict).
        .param(Param::dict("module_args").default(json!({})))
        .param(Param::dict("module_extra_vars").default(json!({})))
        .param(Param::str("api_version").default("auto"))
        .param(Param::int("timeout").default(180))
        .param(Param::str("user"))
}

/// The validated options.
#[derive(Debug, Deserialize)]
pub struct Args {
    /// docker or podman (through its Docker-compatible API).
    pub container_engine: Engine,
    /// The module run inside the toolbox.
    pub module_name: String,
    /// Its arguments; an explicit null is an empty dict, as in 22.2.
    #[serde(default)]
    pub module_args: Option<Map<String, Value>>,
    /// Play variables the arguments may template with.
    #[serde(default)]
    pub module_extra_vars: Option<Map<String, Value>>,
    /// "auto" or an API version.
    pub api_version: Option<String>,
    /// Seconds each engine request (and each silence of the runner) may last.
    pub timeout: i64,
    /// The user ansible-runner runs as inside the toolbox (ansible when unset).
    pub user: Option<String>,
}

/// Where ansible-runner runs when `user` is not given (the toolbox image's user).
pub const DEFAULT_USER: &str = "ansible";

impl Args {
    /// Reads and checks the options beyond what the spec can say.
    pub fn from_module(module: &Module) -> Result<Args, ToolboxError> {
        let args: Args = module
            .parse()
            .map_err(|f| ToolboxError::Args(f.msg().to_string()))?;
        args.check()?;
        Ok(args)
    }

    fn check(&self) -> Result<(), ToolboxError> {
        if self.module_name.trim().is_empty() {
            return Err(ToolboxError::Args(
                "module_name must name a module, e.g. mysql_db or openstack.cloud.endpoint".into(),
            ));
        }
        if self.timeout < 1 {
            return Err(ToolboxError::Args(format!(
                "timeout must be a positive number of seconds, got {}",
                self.timeout
            )));
        }
        if let Some(user) = &self.user {
            // The name reaches chown and the engine's exec; a user name is all it may be.
            let ok = !user.is_empty()
                && !user.starts_with('-')
                && user
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !ok {
                return Err(ToolboxError::Args(format!(
                    "user must be a user name of the kolla_toolbox container (letters, digits, '_', '-', '.'), got {user:?}"
                )));
            }
        }
        Ok(())
    }

    /// The user ansible-runner runs as.
    pub fn exec_user(&self) -> &str {
        self.user.as_deref().unwrap_or(DEFAULT_USER)
    }

    /// The inner module's arguments (empty when null).
    pub fn inner_args(&self) -> Map<String, Value> {
        self.module_args.clone().unwrap_or_default()
    }

    /// The play variables (empty when null).
    pub fn extra_vars(&self) -> Map<String, Value> {
        self.module_extra_vars.clone().unwrap_or_default()
    }

    /// Seconds, as the engine client wants them.
    pub fn timeout_secs(&self) -> u64 {
        self.timeout.unsigned_abs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: Value) -> Value {
        ansible_module::execute(&spec(), args.to_string().as_bytes(), |m| {
            let a = Args::from_module(m)?;
            Ok(ansible_module::Response::new(false)
                .set("module_args", a.inner_args())
                .set("user", a.exec_user()))
        })
    }

    #[test]
    fn key_value_text_is_a_dict_as_check_type_dict_splits_it() {
        let out = run(json!({
            "container_engine": "docker",
            "module_name": "file",
            "module_args": "path=/tmp/a state='absent' mode=\"0 6\",x=1",
        }));
        assert_eq!(
            out["module_args"],
            json!({"path": "/tmp/a", "state": "absent", "mode": "0 6", "x": "1"})
        );
        assert_eq!(out["user"], json!("ansible"));
    }

    #[test]
    fn json_text_and_null_are_accepted() {
        let out = run(json!({
            "container_engine": "podman",
            "module_name": "ping",
            "module_args": "{\"data\": \"x\"}",
        }));
        assert_eq!(out["module_args"], json!({"data": "x"}));
        let out =
            run(json!({"container_engine": "docker", "module_name": "ping", "module_args": null}));
        assert_eq!(out["module_args"], json!({}));
    }

    #[test]
    fn bad_input_fails_with_the_reason() {
        let cases = [
            (
                json!({"module_name": "ping"}),
                "missing required arguments: container_engine",
            ),
            (
                json!({"container_engine": "lxc", "module_name": "ping"}),
                "value of container_engine must be one of",
            ),
            (
                json!({"container_engine": "docker", "module_name": " "}),
                "module_name must name a module",
            ),
            (
                json!({"container_engine": "docker", "module_name": "ping", "timeout": 0}),
                "timeout must be a positive",
            ),
            (
                json!({"container_engine": "docker", "module_name": "ping", "user": "a b;rm"}),
                "user must be a user name",
            ),
            (
                json!({"container_engine": "docker", "module_name": "ping", "module_args": "plain"}),
                "module_args",
            ),
            (
                json!({"container_engine": "docker", "module_name": "ping", "module_args": [1]}),
                "module_args",
            ),
            (
                json!({"container_engine": "docker", "module_name": "ping", "bogus": 1}),
                "Unsupported parameters",
            ),
        ];
        for (args, want) in cases {
            let out = run(args.clone());
            assert_eq!(out["failed"], json!(true), "{args}");
            let msg = out["msg"].as_str().unwrap();
            assert!(msg.contains(want), "{args}: {msg}");
        }
    }
}
