//! kolla-ansible 15.6's behaviour, kept for tasks without `action`: the
//! running containers' list entries under their names, and all of them under
//! `_containers`.

use crate::error::FactsError;
use ansible_module::Response;
use bollard::models::ContainerSummary;
use bollard::query_parameters::ListContainersOptions;
use docker_client::Client;
use serde_json::Value;

/// Docker always sends these keys of a network endpoint, null when unset; the
/// typed client drops nulls, so they are put back for results like Docker's own.
const ENDPOINT_NULLABLE: &[&str] = &["IPAMConfig", "Links", "Aliases", "DriverOpts"];

fn as_docker_sends(container: &ContainerSummary) -> Value {
    let mut v = serde_json::to_value(container).unwrap_or(Value::Null);
    if let Some(Value::Object(networks)) = v.pointer_mut("/NetworkSettings/Networks") {
        for endpoint in networks.values_mut() {
            if let Value::Object(e) = endpoint {
                for key in ENDPOINT_NULLABLE {
                    e.entry(*key).or_insert(Value::Null);
                }
            }
        }
    }
    v
}

/// The running containers, those in `names` only unless it is empty.
pub async fn running(client: &Client, names: &[String]) -> Result<Response, FactsError> {
    let running = client
        .call(|d| async move { d.list_containers(None::<ListContainersOptions>).await })
        .await
        .map_err(FactsError::request("list containers"))?;
    let mut resp = Response::new(false);
    let mut listed = Vec::new();
    for container in running {
        for full in container.names.clone().unwrap_or_default() {
            let name = full.strip_prefix('/').unwrap_or(&full).to_string();
            if !names.is_empty() && !names.contains(&name) {
                continue;
            }
            let facts = as_docker_sends(&container);
            listed.push(facts.clone());
            resp.insert(&name, facts);
        }
    }
    resp.insert("_containers", listed);
    Ok(resp)
}
