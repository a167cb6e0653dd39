//! kolla_container's `comparison_failures`: what compare_container found, one
//! `{name, current, desired}` per failed check. Which checks failed is decided
//! by our differences (so `differences`, the diff and this list never
//! disagree); each failure's `current` and `desired` are what 22.2 shows for
//! that check, read from the container's inspect data and the task's options.
//! Environment values never appear: 22.2 shows only the variables' names, and
//! so does every failure here.

use crate::fields::{Ctx, Difference};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// 22.2's checks, in the order it runs them.
const CHECKS: &[&str] = &[
    "cap_add",
    "security_opt",
    "image",
    "ipc_mode",
    "labels",
    "privileged",
    "pid_mode",
    "cgroupns_mode",
    "tmpfs",
    "volumes",
    "volumes_from",
    "environment",
    "container_state",
    "dimensions",
    "command",
    "healthcheck",
];

/// 22.2's option names for the `dimensions` keys and the HostConfig keys they land in.
const DIMENSIONS: &[(&str, &str)] = &[
    ("mem_limit", "Memory"),
    ("mem_reservation", "MemoryReservation"),
    ("memswap_limit", "MemorySwap"),
    ("cpu_period", "CpuPeriod"),
    ("cpu_quota", "CpuQuota"),
    ("cpu_shares", "CpuShares"),
    ("cpuset_cpus", "CpusetCpus"),
    ("cpuset_mems", "CpusetMems"),
    ("kernel_memory", "KernelMemory"),
    ("blkio_weight", "BlkioWeight"),
    ("ulimits", "Ulimits"),
];

/// 22.2's name for the check of a table field.
fn check_name(field: &str) -> &str {
    match field {
        "state" => "container_state",
        other => other,
    }
}

/// The container does not exist.
pub fn missing(name: &str) -> Value {
    json!({"name": "container_missing", "current": null, "desired": name})
}

/// `kolla_set_configs --check` found the configuration stale; `output` is what it said.
pub fn stale_config(output: String) -> Value {
    json!({"name": "config", "current": output, "desired": "up_to_date"})
}

/// The systemd unit would be written anew.
pub fn systemd_unit() -> Value {
    json!({"name": "systemd_unit", "current": "out_of_date", "desired": "up_to_date"})
}

fn failure(name: &str, (current, desired): (Value, Value)) -> Value {
    json!({"name": name, "current": current, "desired": desired})
}

/// The failures of the checks `diffs` fail, 22.2's first and in its order;
/// `info` is the container's inspect data, `params` the task's merged options,
/// `ctx` the wanted image and engine the comparison used.
pub fn of_differences(
    diffs: &[Difference],
    info: &Value,
    params: &Map<String, Value>,
    ctx: &Ctx,
) -> Vec<Value> {
    let field = |d: &Difference| -> String {
        let f = d.name.split_once('.').map_or(d.name.as_str(), |(f, _)| f);
        check_name(f).to_string()
    };
    let failed: BTreeSet<String> = diffs.iter().map(field).collect();
    let mut out: Vec<Value> = CHECKS
        .iter()
        .filter(|c| failed.contains(**c))
        .map(|c| failure(c, shown(c, info, params, ctx)))
        .collect();
    // Differences 22.2 has no check for (tty, the engine's restart policy
    // where there is no systemd): our own name, and for keyed fields only
    // the keys, since their values may be secrets.
    let mut own: Vec<(String, Value, Value)> = Vec::new();
    for d in diffs {
        let name = field(d);
        if CHECKS.contains(&name.as_str()) {
            continue;
        }
        match d.name.split_once('.') {
            None => own.push((name, d.before.clone(), d.after.clone())),
            Some((_, key)) => {
                let at = match own.iter().position(|(n, ..)| *n == name) {
                    Some(i) => i,
                    None => {
                        own.push((name, json!([]), json!([])));
                        own.len() - 1
                    }
                };
                let (_, current, desired) = &mut own[at];
                for (side, v) in [(current, &d.before), (desired, &d.after)] {
                    if let (Value::Array(keys), false) = (side, v.is_null()) {
                        keys.push(json!(key));
                    }
                }
            }
        }
    }
    out.extend(own.into_iter().map(|(n, c, d)| failure(&n, (c, d))));
    out
}

/// An option as 22.2 holds it: options left unset (null) are absent there.
fn param<'a>(params: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    params.get(key).filter(|v| !v.is_null())
}

/// A list option's strings, or the inspect list's; none for null or missing.
fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn sorted(mut v: Vec<String>) -> Value {
    v.sort();
    json!(v)
}

/// A string that is empty or missing counts as unset (22.2's `or None`).
fn non_empty(v: &Value) -> Value {
    match v {
        Value::String(s) if s.is_empty() => Value::Null,
        other => other.clone(),
    }
}

/// The `(current, desired)` 22.2's `diff_<check>` shows. On podman 22.2 reads
/// libpod's inspect, which spells image ids without `sha256:` and
/// capabilities with `CAP_`.
fn shown(check: &str, info: &Value, params: &Map<String, Value>, ctx: &Ctx) -> (Value, Value) {
    let host = &info["HostConfig"];
    let config = &info["Config"];
    let opt = |k: &str| param(params, k).cloned().unwrap_or(Value::Null);
    match check {
        "cap_add" | "security_opt" => {
            let key = if check == "cap_add" {
                "CapAdd"
            } else {
                "SecurityOpt"
            };
            let mut current = strings(host.get(key));
            if ctx.podman && check == "cap_add" {
                current = current
                    .into_iter()
                    .map(|c| format!("CAP_{}", crate::podman::capability(&c)))
                    .collect();
            }
            (sorted(current), sorted(strings(param(params, check))))
        }
        "image" => {
            let mut id = non_empty(&info["Image"]);
            if let (true, Some(bare)) = (
                ctx.podman,
                id.as_str().and_then(|i| i.strip_prefix("sha256:")),
            ) {
                id = json!(bare);
            }
            let current = if id.is_null() {
                config["Image"].clone()
            } else {
                id
            };
            (current, opt("image"))
        }
        "ipc_mode" => (non_empty(&host["IpcMode"]), non_empty(&opt("ipc_mode"))),
        "pid_mode" => (non_empty(&host["PidMode"]), non_empty(&opt("pid_mode"))),
        "labels" => (labels_shown(config, ctx, params), opt("labels")),
        "privileged" => (host["Privileged"].clone(), opt("privileged")),
        "cgroupns_mode" => {
            let current = [&host["CgroupnsMode"], &host["CgroupMode"]]
                .into_iter()
                .map(non_empty)
                .find(|v| !v.is_null())
                .unwrap_or_else(|| json!("host"));
            (current, opt("cgroupns_mode"))
        }
        "tmpfs" => {
            let wanted = strings(param(params, "tmpfs"))
                .into_iter()
                .filter(|t| !t.is_empty());
            (sorted(strings(host.get("Tmpfs"))), sorted(wanted.collect()))
        }
        "volumes" => volumes(info, params),
        "volumes_from" => (
            sorted(strings(host.get("VolumesFrom"))),
            sorted(strings(param(params, "volumes_from"))),
        ),
        "environment" => {
            let current: BTreeSet<String> = strings(config.get("Env"))
                .into_iter()
                .map(|kv| {
                    kv.split_once('=')
                        .map_or(kv.clone(), |(k, _)| k.to_string())
                })
                .collect();
            let wanted: BTreeSet<&String> = param(params, "environment")
                .and_then(Value::as_object)
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            (json!(current), json!(wanted))
        }
        "container_state" => (info["State"]["Status"].clone(), opt("state")),
        "dimensions" => {
            let empty = Map::new();
            let wanted = param(params, "dimensions")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            let current: Map<String, Value> = DIMENSIONS
                .iter()
                .filter(|(k, _)| wanted.contains_key(*k))
                .map(|(_, h)| (h.to_string(), host[*h].clone()))
                .collect();
            let desired: Map<String, Value> = wanted
                .iter()
                .filter_map(|(k, v)| {
                    let (_, h) = DIMENSIONS.iter().find(|(d, _)| d == k)?;
                    Some((h.to_string(), v.clone()))
                })
                .collect();
            (Value::Object(current), Value::Object(desired))
        }
        "command" => {
            let path = info["Path"].as_str().unwrap_or_default();
            let args = strings(info.get("Args")).join(" ");
            (json!(format!("{path} {args}").trim()), opt("command"))
        }
        "healthcheck" => (config["Healthcheck"].clone(), opt("healthcheck")),
        _ => (Value::Null, Value::Null),
    }
}

/// The container's labels as 22.2's diff shows them: its compare_labels has
/// already deleted, from the very dict the diff reads, each label of the
/// wanted image the task does not set, stopping at the first such label the
/// task sets to another value (image labels in key order, as engines send them).
fn labels_shown(config: &Value, ctx: &Ctx, params: &Map<String, Value>) -> Value {
    let mut current = config["Labels"].as_object().cloned().unwrap_or_default();
    let empty = Map::new();
    let wanted = param(params, "labels")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let image_labels = ctx
        .image
        .as_ref()
        .and_then(|i| i["Config"]["Labels"].as_object());
    for (k, v) in image_labels.into_iter().flatten() {
        match wanted.get(k) {
            Some(w) if w != v => break,
            Some(_) => {}
            None => {
                current.remove(k);
            }
        }
    }
    Value::Object(current)
}

/// 22.2's volumes: the anonymous volumes and `src:dest:mode` binds, each side.
fn volumes(info: &Value, params: &Map<String, Value>) -> (Value, Value) {
    let current_vols: Vec<&String> = info["Config"]["Volumes"]
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    let current_binds = strings(info["HostConfig"].get("Binds"));
    let mut vols: Vec<String> = Vec::new();
    // Keyed by source like 22.2's dict: a source named twice keeps its last target.
    let mut binds: Vec<(String, String)> = Vec::new();
    for vol in strings(param(params, "volumes"))
        .iter()
        .filter(|v| !v.is_empty())
    {
        let parts: Vec<&str> = vol.split(':').collect();
        let [src, dest, rest @ ..] = parts.as_slice() else {
            vols.push(vol.clone());
            continue;
        };
        let mode = rest.first().copied().unwrap_or("rw");
        vols.push(dest.to_string());
        let bind = format!("{src}:{dest}:{mode}");
        match binds.iter_mut().find(|(s, _)| s == src) {
            Some(b) => b.1 = bind,
            None => binds.push((src.to_string(), bind)),
        }
    }
    let desired_binds = binds.into_iter().map(|(_, b)| b).collect();
    (
        json!({"volumes": current_vols, "binds": sorted(current_binds)}),
        json!({"volumes": vols, "binds": sorted(desired_binds)}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(name: &str, before: Value, after: Value) -> Difference {
        Difference {
            name: name.into(),
            before,
            after,
            recreate: true,
        }
    }

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    fn inspect() -> Value {
        json!({
            "Image": "sha256:abc",
            "Path": "sleep",
            "Args": ["infinity"],
            "State": {"Status": "exited"},
            "Config": {
                "Image": "127.0.0.1:5000/svc:1",
                "Env": ["DB_PASSWORD=old-secret", "PATH=/usr/bin", "A=1"],
                "Labels": {"l": "1"},
                "Volumes": {"/anon": {}, "/data": {}},
                "Healthcheck": null,
            },
            "HostConfig": {
                "Binds": ["/z:/z:rw", "/etc/x:/etc/x:ro"],
                "CapAdd": ["SYS_ADMIN", "NET_ADMIN"],
                "Memory": 0,
                "CpuShares": 0,
                "IpcMode": "private",
                "CgroupnsMode": "",
                "Privileged": false,
            },
        })
    }

    #[test]
    fn environment_shows_names_only() {
        let p = params(json!({"environment": {"DB_PASSWORD": "s3cret-xyz", "A": "1"}}));
        let d = [diff(
            "environment.DB_PASSWORD",
            json!("old-secret"),
            json!("s3cret-xyz"),
        )];
        let f = of_differences(&d, &inspect(), &p, &Ctx::default());
        assert_eq!(
            f,
            [json!({"name": "environment",
                    "current": ["A", "DB_PASSWORD", "PATH"],
                    "desired": ["A", "DB_PASSWORD"]})]
        );
        let text = serde_json::to_string(&f).unwrap();
        assert!(
            !text.contains("s3cret") && !text.contains("old-secret"),
            "{text}"
        );
    }

    #[test]
    fn checks_follow_22_2_order_and_shapes() {
        let p = params(json!({
            "image": "127.0.0.1:5000/svc:2", "state": "running", "command": "sleep 5",
            "cap_add": ["SYS_ADMIN"], "privileged": true, "labels": {"l": "2"},
            "volumes": ["/etc/x:/etc/x:ro", "data:/data", "/anon", "", "/z:/z"],
            "dimensions": {"mem_limit": "64m", "not_a_dimension": 1},
            "cgroupns_mode": "private", "ipc_mode": "",
        }));
        let d = [
            diff("state", json!("exited"), json!("running")),
            diff("command", json!("sleep infinity"), json!("sleep 5")),
            diff("dimensions.mem_limit", json!(0), json!(67108864)),
            diff("volumes", json!([]), json!([])),
            diff("labels.l", json!("1"), json!("2")),
            diff("image", json!("a"), json!("b")),
            diff("cap_add", json!([]), json!([])),
            diff("privileged", json!(false), json!(true)),
            diff("cgroupns_mode", json!("host"), json!("private")),
            diff("ipc_mode", json!("private"), json!(null)),
        ];
        let f = of_differences(&d, &inspect(), &p, &Ctx::default());
        let names: Vec<&str> = f.iter().map(|f| f["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "cap_add",
                "image",
                "ipc_mode",
                "labels",
                "privileged",
                "cgroupns_mode",
                "volumes",
                "container_state",
                "dimensions",
                "command"
            ]
        );
        let by = |n: &str| f.iter().find(|f| f["name"] == n).unwrap().clone();
        assert_eq!(by("cap_add")["current"], json!(["NET_ADMIN", "SYS_ADMIN"]));
        assert_eq!(by("image")["current"], "sha256:abc");
        assert_eq!(by("image")["desired"], "127.0.0.1:5000/svc:2");
        assert_eq!(by("ipc_mode")["desired"], Value::Null);
        assert_eq!(by("labels")["current"], json!({"l": "1"}));
        assert_eq!(by("cgroupns_mode")["current"], "host");
        assert_eq!(
            by("volumes"),
            json!({"name": "volumes",
                   "current": {"volumes": ["/anon", "/data"], "binds": ["/etc/x:/etc/x:ro", "/z:/z:rw"]},
                   "desired": {"volumes": ["/etc/x", "/data", "/anon", "/z"],
                               "binds": ["/etc/x:/etc/x:ro", "/z:/z:rw", "data:/data:rw"]}})
        );
        assert_eq!(by("container_state")["current"], "exited");
        assert_eq!(by("dimensions")["current"], json!({"Memory": 0}));
        assert_eq!(by("dimensions")["desired"], json!({"Memory": "64m"}));
        assert_eq!(by("command")["current"], "sleep infinity");
        assert_eq!(by("command")["desired"], "sleep 5");
    }

    #[test]
    fn image_falls_back_to_the_configured_name() {
        let mut info = inspect();
        info["Image"] = json!("");
        let (current, _) = shown("image", &info, &Map::new(), &Ctx::default());
        assert_eq!(current, "127.0.0.1:5000/svc:1");
    }

    #[test]
    fn fields_22_2_does_not_check_keep_our_name_and_hide_values() {
        let d = [
            diff("tty", json!(false), json!(true)),
            diff("sysctls.PASSWORDISH", json!("old"), json!("new")),
            diff("sysctls.GONE", json!("x"), Value::Null),
        ];
        let f = of_differences(&d, &inspect(), &Map::new(), &Ctx::default());
        assert_eq!(
            f,
            [
                json!({"name": "tty", "current": false, "desired": true}),
                json!({"name": "sysctls", "current": ["PASSWORDISH", "GONE"],
                       "desired": ["PASSWORDISH"]}),
            ]
        );
    }

    #[test]
    fn fixed_failures_have_the_22_2_shape() {
        assert_eq!(missing("x")["name"], "container_missing");
        assert_eq!(missing("x")["desired"], "x");
        assert_eq!(stale_config("changed".into())["current"], "changed");
        assert_eq!(systemd_unit()["desired"], "up_to_date");
    }

    #[test]
    fn labels_lose_the_wanted_image_s_as_22_2_s_compare_leaves_them() {
        let mut info = inspect();
        info["Config"]["Labels"] = json!({"a": "1", "kolla_version": "x", "mine": "2"});
        let ctx = Ctx {
            image: Some(json!({"Config": {"Labels": {"a": "1", "kolla_version": "x"}}})),
            ..Ctx::default()
        };
        let (current, _) = shown(
            "labels",
            &info,
            &params(json!({"labels": {"mine": "3"}})),
            &ctx,
        );
        assert_eq!(current, json!({"mine": "2"}));
        // A label the task sets to another value than the image's stops 22.2's pass.
        let (current, _) = shown(
            "labels",
            &info,
            &params(json!({"labels": {"a": "9"}})),
            &ctx,
        );
        assert_eq!(
            current,
            json!({"a": "1", "kolla_version": "x", "mine": "2"})
        );
    }

    #[test]
    fn podman_shows_libpod_spellings() {
        let ctx = Ctx {
            podman: true,
            ..Ctx::default()
        };
        let p = params(json!({"cap_add": ["NET_RAW"], "image": "svc:2"}));
        assert_eq!(
            shown("cap_add", &inspect(), &p, &ctx).0,
            json!(["CAP_NET_ADMIN", "CAP_SYS_ADMIN"])
        );
        assert_eq!(shown("image", &inspect(), &p, &ctx).0, json!("abc"));
        assert_eq!(
            shown("image", &inspect(), &p, &Ctx::default()).0,
            json!("sha256:abc")
        );
    }
}
