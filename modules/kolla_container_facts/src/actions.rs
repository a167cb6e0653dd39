//! kolla-ansible 22.2's actions. Each answers under one key (`containers`,
//! `container_names`, `states`, `envs`, `volumes`) with what the engine sent,
//! untyped, so every field 22.2's roles read (`Config.Image`, `State.Status`,
//! `State.Health.Status`, ...) is there in the engine's own shape.

use crate::args::{Action, ActionArgs};
use crate::engine_api::EngineApi;
use crate::error::FactsError;
use ansible_module::Response;
use docker_client::Client;
use serde_json::{Map, Value};

/// Runs `action` and builds 22.2's result: `changed` and `result` false, plus
/// the action's key.
pub async fn run(
    client: &Client,
    action: Action,
    names: &[String],
    opts: &ActionArgs,
) -> Result<Response, FactsError> {
    let api = EngineApi(client.engine);
    let (key, value) = match action {
        Action::GetContainers => (
            "containers",
            containers(client, api, names, opts.get_all_containers).await?,
        ),
        Action::GetContainersNames => ("container_names", running_names(client, api).await?),
        Action::GetContainersState => (
            "states",
            per_container(client, api, names, |info| {
                info.pointer("/State/Status")
                    .cloned()
                    .unwrap_or(Value::Null)
            })
            .await?,
        ),
        Action::GetContainersEnv => (
            "envs",
            per_container(client, api, names, |info| {
                env_dict(info.pointer("/Config/Env"))
            })
            .await?,
        ),
        Action::GetVolumes => ("volumes", volumes(client, api, names).await?),
    };
    // 22.2 reports the action method's return value, always None, as a bool.
    Ok(Response::new(false).set("result", false).set(key, value))
}

/// A list entry's name: Docker's carry a leading slash, libpod's do not.
fn listed_name(entry: &Value) -> Option<String> {
    let first = entry.pointer("/Names/0")?.as_str()?;
    Some(first.trim_start_matches('/').to_string())
}

async fn list(client: &Client, api: EngineApi, all: bool) -> Result<Vec<Value>, FactsError> {
    let listed = client
        .get_json(&api.containers(all))
        .await
        .map_err(FactsError::request("list containers"))?;
    Ok(match listed {
        Value::Array(entries) => entries,
        _ => Vec::new(),
    })
}

/// Inspect data of one container; None when it does not exist.
async fn inspect(client: &Client, api: EngineApi, name: &str) -> Result<Option<Value>, FactsError> {
    match client.get_json(&api.container(name)).await {
        Ok(info) => Ok(Some(info)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(FactsError::request(format!("inspect container {name}"))(e)),
    }
}

async fn containers(
    client: &Client,
    api: EngineApi,
    names: &[String],
    all: bool,
) -> Result<Value, FactsError> {
    let mut found = Map::new();
    for entry in list(client, api, all).await? {
        let (Some(name), Some(id)) = (listed_name(&entry), entry["Id"].as_str()) else {
            continue;
        };
        if !names.is_empty() && !names.contains(&name) {
            continue;
        }
        // Removed between the list and the inspect: it is no longer there to report.
        let Some(mut info) = inspect(client, api, id).await? else {
            continue;
        };
        // As 22.2 does: health check logs can be megabytes and no role reads them.
        if let Some(Value::Object(health)) = info.pointer_mut("/State/Health") {
            health.remove("Log");
        }
        found.insert(name, info);
    }
    Ok(Value::Object(found))
}

async fn running_names(client: &Client, api: EngineApi) -> Result<Value, FactsError> {
    let names: Vec<Value> = list(client, api, false)
        .await?
        .iter()
        .filter_map(listed_name)
        .map(Value::String)
        .collect();
    Ok(Value::Array(names))
}

/// `pick` applied to each named container's inspect data, keyed by the name
/// given; the first name that is no container fails the task, as in 22.2.
async fn per_container(
    client: &Client,
    api: EngineApi,
    names: &[String],
    pick: impl Fn(&Value) -> Value,
) -> Result<Value, FactsError> {
    let mut out = Map::new();
    for name in names {
        let info = inspect(client, api, name)
            .await?
            .ok_or_else(|| FactsError::NoSuchContainer(name.clone()))?;
        out.insert(name.clone(), pick(&info));
    }
    Ok(Value::Object(out))
}

/// `["K=V", "FLAG"]` as `{"K": "V", "FLAG": ""}`: split at the first `=`.
fn env_dict(env: Option<&Value>) -> Value {
    let mut out = Map::new();
    for item in env.and_then(Value::as_array).into_iter().flatten() {
        if let Some(text) = item.as_str() {
            let (key, value) = text.split_once('=').unwrap_or((text, ""));
            out.insert(key.to_string(), Value::String(value.to_string()));
        }
    }
    Value::Object(out)
}

async fn volumes(client: &Client, api: EngineApi, names: &[String]) -> Result<Value, FactsError> {
    let listed = client
        .get_json(&api.volumes())
        .await
        .map_err(FactsError::request("list volumes"))?;
    // Docker wraps the list ({"Volumes": [...], "Warnings": ...}); libpod does not.
    let entries = match listed {
        Value::Array(entries) => entries,
        Value::Object(mut wrapper) => match wrapper.remove("Volumes") {
            Some(Value::Array(entries)) => entries,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let mut out = Map::new();
    for volume in entries {
        let Some(name) = volume["Name"].as_str().map(str::to_string) else {
            continue;
        };
        if names.is_empty() || names.contains(&name) {
            out.insert(name, volume);
        }
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn env_splits_at_the_first_equals_sign() {
        let env = json!(["A=1", "B=x=y", "FLAG", "EMPTY="]);
        assert_eq!(
            env_dict(Some(&env)),
            json!({"A": "1", "B": "x=y", "FLAG": "", "EMPTY": ""})
        );
        assert_eq!(env_dict(Some(&Value::Null)), json!({}));
        assert_eq!(env_dict(None), json!({}));
    }

    #[test]
    fn list_names_lose_docker_slash() {
        assert_eq!(listed_name(&json!({"Names": ["/a"]})).as_deref(), Some("a"));
        assert_eq!(listed_name(&json!({"Names": ["b"]})).as_deref(), Some("b"));
        assert_eq!(listed_name(&json!({"Names": []})), None);
    }
}
