//! `kolla_container_facts`: facts about the running containers, all of them
//! or only those named. The result holds each container's summary under its
//! name and the list of them under `_containers`, as kolla-ansible reads it.

use ansible_module::{ArgSpec, Module, Param, Response, Type};
use bollard::models::ContainerSummary;
use bollard::query_parameters::ListContainersOptions;
use docker_client::{ConnectError, DaemonError};
use serde::Deserialize;
use serde_json::Value;

/// The module's options.
#[derive(Debug, Deserialize)]
struct Args {
    name: Vec<String>,
    #[serde(flatten)]
    connection: docker_client::Options,
}

/// What can go wrong: only talking to the daemon.
#[derive(Debug, thiserror::Error)]
enum FactsError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("cannot list containers: {0}")]
    List(#[from] DaemonError),
    #[error("cannot start the I/O runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

fn spec() -> ArgSpec {
    ArgSpec::new("kolla_container_facts")
        .param(
            Param::list("name")
                .elements(Type::Str)
                .default(Vec::<String>::new()),
        )
        .param(Param::str("api_version").default("auto"))
        .param(Param::str("container_engine").required())
        .param(Param::str("docker_host"))
        .param(Param::int("client_timeout").default(docker_client::DEFAULT_TIMEOUT))
        .param(Param::bool("tls_verify").default(false))
        .param(Param::str("tls_cert"))
        .param(Param::str("tls_key"))
        .param(Param::str("tls_cacert"))
}

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

fn gather(args: &Args) -> Result<Response, FactsError> {
    let settings = args.connection.settings();
    let rt = docker_client::runtime()?;
    rt.block_on(async {
        let client = docker_client::connect(&settings)?;
        let running = client
            .call(|d| async move { d.list_containers(None::<ListContainersOptions>).await })
            .await?;
        let mut resp = Response::new(false);
        let mut listed = Vec::new();
        for container in running {
            let names: Vec<String> = container.names.clone().unwrap_or_default();
            for full in names {
                let name = full.strip_prefix('/').unwrap_or(&full).to_string();
                if !args.name.is_empty() && !args.name.contains(&name) {
                    continue;
                }
                let facts = as_docker_sends(&container);
                listed.push(facts.clone());
                resp.insert(&name, facts);
            }
        }
        resp.insert("_containers", listed);
        Ok(resp)
    })
}

fn main() {
    ansible_module::run(spec(), |m: &Module| {
        let args: Args = m.parse()?;
        gather(&args).map_err(Into::into)
    })
}
