//! The module's options: one spec for both behaviours (kolla-ansible 15.6's
//! listing when `action` is absent, 22.2's actions when it is given), and the
//! typed form `main` dispatches on.

use ansible_module::{ArgSpec, Param, Type};
use serde::Deserialize;

/// kolla-ansible 22.2's actions; the spec's choices are made from this list.
// The variants spell 22.2's action names, `get_` included, so serde's
// snake_case renaming yields exactly the names tasks give.
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Inspect data of the (running, or all) containers, keyed by name.
    GetContainers,
    /// The environment of each named container, as a dict.
    GetContainersEnv,
    /// Volumes, all or the named ones, keyed by name.
    GetVolumes,
    /// Names of the running containers.
    GetContainersNames,
    /// The status word of each named container.
    GetContainersState,
}

impl Action {
    /// Every action, in 22.2's order of choices.
    pub const ALL: [Action; 5] = [
        Action::GetContainers,
        Action::GetContainersEnv,
        Action::GetVolumes,
        Action::GetContainersNames,
        Action::GetContainersState,
    ];

    /// The name a task gives.
    pub fn name(self) -> &'static str {
        match self {
            Action::GetContainers => "get_containers",
            Action::GetContainersEnv => "get_containers_env",
            Action::GetVolumes => "get_volumes",
            Action::GetContainersNames => "get_containers_names",
            Action::GetContainersState => "get_containers_state",
        }
    }

    /// The actions that need `name` (22.2's required_if).
    fn needs_name(self) -> bool {
        matches!(self, Action::GetContainersEnv | Action::GetContainersState)
    }
}

/// The module's options.
#[derive(Debug, Deserialize)]
pub struct Args {
    /// Containers (or volumes) of interest; empty means all.
    pub name: Vec<String>,
    /// 22.2's action; None keeps 15.6's behaviour.
    pub action: Option<Action>,
    /// 22.2's per-action options, validated against their own sub-options;
    /// None only when a task gives `args: null`.
    pub args: Option<ActionArgs>,
    /// How to reach the engine, `container_engine` included.
    #[serde(flatten)]
    pub connection: docker_client::Options,
}

/// `args`, 22.2's per-action options.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActionArgs {
    /// get_containers: stopped containers too.
    pub get_all_containers: bool,
}

/// The whole argument spec.
pub fn spec() -> ArgSpec {
    let actions: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
    let mut spec = ArgSpec::new("kolla_container_facts")
        .param(
            Param::list("name")
                .elements(Type::Str)
                .default(Vec::<String>::new()),
        )
        .param(Param::str("action").choices(&actions))
        .param(action_args_param())
        .param(Param::str("api_version").default("auto"))
        .param(
            Param::str("container_engine")
                .required()
                .choices(&["docker", "podman"]),
        )
        .param(Param::str("docker_host"))
        .param(Param::int("client_timeout").default(docker_client::DEFAULT_TIMEOUT))
        .param(Param::bool("tls_verify").default(false))
        .param(Param::str("tls_cert"))
        .param(Param::str("tls_key"))
        .param(Param::str("tls_cacert"));
    for action in Action::ALL.into_iter().filter(|a| a.needs_name()) {
        spec = spec.required_if("action", action.name(), &["name"]);
    }
    spec
}

/// `args` with 22.2's sub-options, so that its errors read as 22.2's
/// AnsibleModule words them (`args.foo`, `found in 'args'`).
fn action_args_param() -> Param {
    let options = ArgSpec::suboptions().param(Param::bool("get_all_containers").default(false));
    Param::dict("args")
        .default(serde_json::Map::new())
        .options(options)
}

impl Args {
    /// `args`, with its defaults when a task gives `args: null`.
    pub fn action_args(&self) -> ActionArgs {
        self.args.clone().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_are_the_action_names() {
        let spec = spec();
        let choices = spec.get("action").unwrap().choices.clone().unwrap();
        let names: Vec<&str> = choices.iter().filter_map(|c| c.as_str()).collect();
        assert_eq!(
            names,
            [
                "get_containers",
                "get_containers_env",
                "get_volumes",
                "get_containers_names",
                "get_containers_state"
            ]
        );
        for action in Action::ALL {
            let parsed: Action = serde_json::from_value(action.name().into()).unwrap();
            assert_eq!(parsed, action);
        }
    }

    #[test]
    fn env_and_state_need_a_name() {
        let spec = spec();
        let mut raw = serde_json::Map::new();
        raw.insert("container_engine".into(), "docker".into());
        raw.insert("action".into(), "get_containers_state".into());
        // As in ansible-core, name's default ([]) counts as given.
        assert!(spec.validate(&raw).is_ok());
    }

    #[test]
    fn args_are_validated_as_22_2_validates_them() {
        let spec = spec();
        let run = |args: serde_json::Value| {
            let mut raw = serde_json::Map::new();
            raw.insert("container_engine".into(), "docker".into());
            raw.insert("args".into(), args);
            spec.validate(&raw)
        };
        let ok = run(serde_json::json!("get_all_containers=yes")).unwrap();
        assert_eq!(
            ok.params["args"],
            serde_json::json!({"get_all_containers": true})
        );
        let msg = |args| run(args).unwrap_err().messages[0].clone();
        assert_eq!(
            msg(serde_json::json!({"foo": 1})),
            "Unsupported parameters for (kolla_container_facts) module: args.foo. \
             Supported parameters include: get_all_containers."
        );
        assert!(
            msg(serde_json::json!({"get_all_containers": "maybe"})).starts_with(
                "argument 'get_all_containers' is of type str found in 'args'. and we were \
             unable to convert to bool: The value 'maybe' is not a valid boolean."
            )
        );
    }

    #[test]
    fn absent_args_hold_the_defaults() {
        let mut raw = serde_json::Map::new();
        raw.insert("container_engine".into(), "podman".into());
        let params = spec().validate(&raw).unwrap().params;
        let args: Args = serde_json::from_value(params.into()).unwrap();
        assert!(!args.action_args().get_all_containers);
    }
}
