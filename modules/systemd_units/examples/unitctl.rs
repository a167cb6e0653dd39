//! Drives one container's unit through the crate, for trying it on a systemd host:
//! `unitctl install|start|stop|restart|remove|changed NAME [docker|podman]`.
//! Prints the action's result and the milliseconds it took.

use std::time::{Duration, Instant};

use docker_client::Engine;
use systemd_units::{Systemd, UnitSpec};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(action), Some(name)) = (args.first(), args.get(1)) else {
        eprintln!("usage: unitctl install|start|stop|restart|remove|changed NAME [docker|podman]");
        std::process::exit(2);
    };
    let engine = args
        .get(2)
        .and_then(|e| Engine::parse(e))
        .unwrap_or_default();
    let spec = UnitSpec {
        name,
        engine,
        graceful_timeout: 10,
        restart_policy: "unless-stopped",
        client_timeout: 120,
        restart_retries: 10,
    };
    let timeout = Duration::from_secs(spec.client_timeout);
    let started = Instant::now();
    let result = Systemd::connect().and_then(|systemd| match action.as_str() {
        "install" => systemd.install(&spec).map(|w| format!("written={w}")),
        "start" => systemd.start(name, timeout).map(|()| "ok".into()),
        "stop" => systemd.stop(name, timeout).map(|()| "ok".into()),
        "restart" => systemd.restart(name, timeout).map(|()| "ok".into()),
        "remove" => systemd.remove(name).map(|r| format!("removed={r}")),
        "changed" => Ok(format!("changed={}", systemd.unit_changed(&spec))),
        other => Ok(format!("unknown action {other}")),
    });
    let ms = started.elapsed().as_millis();
    match result {
        Ok(text) => println!("{text} {ms}ms"),
        Err(e) => {
            println!("error: {e} {ms}ms");
            std::process::exit(1);
        }
    }
}
