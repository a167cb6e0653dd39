//! `kolla_docker`: kolla-ansible's container module. It starts, compares,
//! recreates, restarts, stops and removes containers, pulls and removes
//! images, and creates and removes volumes, through the Docker API. Options
//! and results follow kolla-ansible 15.6.0's module; beyond it, it supports
//! check and diff mode, names what differs, and speaks TLS to remote daemons.

mod actions;
mod args;
mod docker;
mod error;
mod fields;
mod parse;

use ansible_module::{Failure, Map, Module, Response, Value};
use error::KdError;

/// Connects to the daemon the options name.
fn engine(a: &args::Args) -> Result<docker::Engine, KdError> {
    let settings = docker_client::Settings {
        host: a.docker_host.clone(),
        api_version: a.api_version.clone(),
        timeout: a.client_timeout.unwrap_or(120),
        tls: docker_client::Tls {
            verify: a.tls_verify,
            cert: a.tls_cert.clone().map(Into::into),
            key: a.tls_key.clone().map(Into::into),
            cacert: a.tls_cacert.clone().map(Into::into),
        },
    };
    Ok(docker::Engine {
        client: docker_client::connect(&settings)?,
    })
}

/// The result as the reference shapes it, plus `differences` and the diff.
fn report(w: actions::Worker, action: &str) -> Response {
    let mut resp = Response::new(w.changed);
    if !matches!(action, "get_container_env" | "get_container_state") {
        resp.insert("result", w.answer.unwrap_or(false));
    }
    if let Some(diffs) = &w.differences {
        let names: Vec<&str> = diffs.iter().map(|d| d.name.as_str()).collect();
        resp.insert("differences", names);
        let before: Map<String, Value> = diffs
            .iter()
            .map(|d| (d.name.clone(), d.before.clone()))
            .collect();
        let after: Map<String, Value> = diffs
            .iter()
            .map(|d| (d.name.clone(), d.after.clone()))
            .collect();
        if !diffs.is_empty() {
            resp = resp.diff(before, after);
        }
    }
    for (k, v) in w.result {
        resp.insert(&k, v);
    }
    resp
}

fn run(m: &Module) -> Result<Response, Failure> {
    let spec = args::spec();
    let merged = args::merge(&spec, m.params()).map_err(KdError::from)?;
    let a: args::Args = serde_json::from_value(Value::Object(merged))
        .map_err(|e| Failure::new(format!("invalid module arguments: {e}")))?;
    let rt = docker_client::runtime().map_err(KdError::from)?;
    rt.block_on(async {
        let mut w = actions::Worker {
            args: &a,
            engine: engine(&a)?,
            check: m.check_mode(),
            changed: false,
            result: Map::new(),
            answer: None,
            differences: None,
        };
        match w.dispatch().await {
            Ok(()) => Ok(report(w, &a.action)),
            Err(e) => {
                let mut f = Failure::from(e).changed(w.changed);
                for (k, v) in w.result {
                    f = f.set(&k, v);
                }
                Err(f)
            }
        }
    })
}

fn main() {
    ansible_module::run(args::spec(), run)
}
