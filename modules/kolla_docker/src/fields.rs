//! THE table of container fields. For each field: how the wanted value goes
//! into the create request, what is wanted, how the current value is read
//! back from `docker inspect`, and how the two compare. Creating, comparing,
//! diff output and check mode all read this one table, so a field cannot be
//! created one way and compared another.

use crate::args::Args;
use crate::error::ArgsError;
use crate::parse::{self, Dimensions, Health};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The container the task describes, in Docker's terms.
#[derive(Debug, Clone)]
pub struct Want {
    /// Image as given (None for compare_container without image).
    pub image: Option<String>,
    /// Shell-split command.
    pub command: Option<Vec<String>>,
    /// Environment with KOLLA_SERVICE_NAME injected, values as Docker gets them.
    pub env: Map<String, Value>,
    /// Labels, values as Docker gets them.
    pub labels: Map<String, Value>,
    /// Parsed `volumes`.
    pub volumes: parse::Volumes,
    /// `volumes_from`.
    pub volumes_from: Vec<String>,
    /// Privileged mode.
    pub privileged: bool,
    /// Added capabilities.
    pub cap_add: Vec<String>,
    /// Security options.
    pub security_opt: Vec<String>,
    /// IPC mode, None when not given.
    pub ipc_mode: Option<String>,
    /// PID mode, None when not given.
    pub pid_mode: Option<String>,
    /// Cgroup namespace mode, None when not given.
    pub cgroupns_mode: Option<String>,
    /// tmpfs path -> options.
    pub tmpfs: BTreeMap<String, String>,
    /// Resources.
    pub dimensions: Dimensions,
    /// Healthcheck.
    pub health: Health,
    /// Restart policy name and retries, when given.
    pub restart: Option<(String, Option<i64>)>,
    /// TTY.
    pub tty: bool,
    /// false: the container's output is collected, so it is attached.
    pub detach: bool,
    /// running, exited or paused.
    pub state: String,
}

impl Want {
    /// The container `args` describe; fails on options Docker could not take.
    pub fn from_args(a: &Args) -> Result<Want, ArgsError> {
        let name = a.name().to_string();
        let mut env: Map<String, Value> = a
            .environment
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(parse::python_str(v))))
            .collect();
        env.insert(
            "KOLLA_SERVICE_NAME".into(),
            Value::String(name.replace('_', "-")),
        );
        let labels = a
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(parse::python_str(v))))
            .collect();
        let restart = a.restart_policy.clone().map(|p| {
            let retries = if p == "on-failure" {
                a.restart_retries
            } else {
                None
            };
            (p, retries)
        });
        Ok(Want {
            image: a.image.clone(),
            command: a.command.as_deref().map(parse::shell_split).transpose()?,
            env,
            labels,
            volumes: parse::volumes(a.volumes.as_deref().unwrap_or_default())?,
            volumes_from: a.volumes_from.clone().unwrap_or_default(),
            privileged: a.privileged,
            cap_add: a.cap_add.clone(),
            security_opt: a.security_opt.clone(),
            ipc_mode: a.ipc_mode.clone().filter(|m| !m.is_empty()),
            pid_mode: a.pid_mode.clone().filter(|m| !m.is_empty()),
            cgroupns_mode: a.cgroupns_mode.clone(),
            tmpfs: parse::tmpfs(a.tmpfs.as_deref().unwrap_or_default()),
            dimensions: parse::dimensions(&a.dimensions)?,
            health: parse::healthcheck(a.healthcheck.as_ref())?,
            restart,
            tty: a.tty,
            detach: a.detach,
            state: a.state.clone(),
        })
    }
}

/// What the daemon and images tell us beyond the container itself.
#[derive(Debug, Default)]
pub struct Ctx {
    /// `docker image inspect` of the wanted image, when present locally.
    pub image: Option<Value>,
    /// The image whose defaults the container inherits: the wanted one, else the container's own.
    pub base: Option<Value>,
    /// Whether the daemon has cgroup namespaces (API 1.41+).
    pub cgroupns_supported: bool,
    /// The daemon's cgroupns mode for containers that do not ask for one.
    pub default_cgroupns: Option<String>,
}

impl Ctx {
    fn base_config(&self, key: &str) -> Option<&Value> {
        self.base.as_ref().map(|b| &b["Config"][key])
    }
}

/// What a field must be.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// Not asked for: any current value is fine.
    Ignore,
    /// This value.
    Is(Value),
    /// Any of these (a default the daemon may spell several ways); the first is shown.
    AnyOf(Vec<Value>),
}

/// How wanted and current values compare.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Compare {
    /// Equal values.
    Exact,
    /// The same elements in any order.
    Set,
    /// Objects compared key by key; differences are named `field.KEY`.
    Keys,
}

/// One row of the table.
pub struct Field {
    /// Name used in `differences` and diffs.
    pub name: &'static str,
    /// How to compare.
    pub compare: Compare,
    /// Whether a difference needs the container recreated (state only needs a start or stop).
    pub recreate: bool,
    /// Writes the wanted value into the create request (Docker API names).
    pub create: fn(&Want, &mut Value),
    /// The wanted value.
    pub wanted: fn(&Want, &Ctx) -> Expect,
    /// The current value from inspect, shaped like the wanted one.
    pub current: fn(&Value, &Want, &Ctx) -> Value,
}

/// One field that differs.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// Field name, `field.KEY` for keyed fields.
    pub name: String,
    /// The current value.
    pub before: Value,
    /// The wanted value.
    pub after: Value,
    /// Whether it needs a new container.
    pub recreate: bool,
}

fn host(body: &mut Value, key: &str, v: Value) {
    body["HostConfig"][key] = v;
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn string_or_empty(v: &Value) -> Value {
    Value::String(v.as_str().unwrap_or_default().to_string())
}

fn env_map(list: &Value) -> Map<String, Value> {
    strings(list)
        .into_iter()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (k.to_string(), Value::String(v.to_string())),
            None => (kv, Value::String(String::new())),
        })
        .collect()
}

/// A healthcheck in the shape we compare: None when absent or disabled.
fn health_shape(v: &Value) -> Value {
    if v.is_null() || v["Test"] == json!(["NONE"]) || v["Test"].is_null() {
        return Value::Null;
    }
    let n = |k: &str| v[k].as_i64().unwrap_or(0);
    json!({
        "Test": v["Test"], "Interval": n("Interval"), "Timeout": n("Timeout"),
        "StartPeriod": n("StartPeriod"), "Retries": n("Retries")
    })
}

fn bind_destination(bind: &str) -> Option<&str> {
    bind.split(':').nth(1)
}

/// Binds plus the non-bind volume paths, the shape the `volumes` field compares.
fn volume_set(binds: &[String], paths: impl Iterator<Item = String>) -> Value {
    let dests: Vec<&str> = binds.iter().filter_map(|b| bind_destination(b)).collect();
    let mut out: Vec<String> = binds.to_vec();
    for p in paths {
        if !dests.contains(&p.as_str()) && !out.contains(&p) {
            out.push(p);
        }
    }
    json!(out)
}

fn restart_shape(name: &str, retries: i64) -> Value {
    let name = if name.is_empty() { "no" } else { name };
    json!({"Name": name, "MaximumRetryCount": retries})
}

/// The table.
pub const FIELDS: &[Field] = &[
    Field {
        name: "image",
        compare: Compare::Exact,
        recreate: true,
        create: |w, b| {
            if let Some(i) = &w.image {
                b["Image"] = json!(i);
            }
        },
        wanted: |w, c| match &w.image {
            None => Expect::Ignore,
            Some(i) => Expect::Is(json!({
                "Id": c.image.as_ref().map(|x| x["Id"].clone()).unwrap_or(Value::Null),
                "Name": parse::image_name(i),
            })),
        },
        current: |cur, _, _| {
            json!({
                "Id": cur["Image"],
                "Name": parse::image_name(cur["Config"]["Image"].as_str().unwrap_or_default()),
            })
        },
    },
    Field {
        name: "command",
        compare: Compare::Exact,
        recreate: true,
        create: |w, b| {
            if let Some(c) = &w.command {
                b["Cmd"] = json!(c);
            }
        },
        wanted: |w, c| match (&w.command, c.base_config("Cmd")) {
            (Some(cmd), _) => Expect::Is(json!(cmd)),
            (None, Some(image_cmd)) => Expect::Is(image_cmd.clone()),
            (None, None) => Expect::Ignore,
        },
        current: |cur, _, _| cur["Config"]["Cmd"].clone(),
    },
    Field {
        name: "environment",
        compare: Compare::Keys,
        recreate: true,
        create: |w, b| {
            let env: Vec<String> = w
                .env
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect();
            b["Env"] = json!(env);
        },
        wanted: |w, _| Expect::Is(Value::Object(w.env.clone())),
        current: |cur, w, c| {
            let image_env = c.base_config("Env").map(env_map);
            // Variables the image sets are not the task's business unless it sets them too.
            let keep = |k: &String, v: &Value| {
                w.env.contains_key(k) || image_env.as_ref().is_some_and(|ie| ie.get(k) != Some(v))
            };
            env_map(&cur["Config"]["Env"])
                .into_iter()
                .filter(|(k, v)| keep(k, v))
                .collect::<Map<_, _>>()
                .into()
        },
    },
    Field {
        name: "labels",
        compare: Compare::Keys,
        recreate: true,
        create: |w, b| b["Labels"] = Value::Object(w.labels.clone()),
        wanted: |w, c| {
            let mut all = match c.base_config("Labels") {
                Some(Value::Object(m)) => m.clone(),
                _ => Map::new(),
            };
            all.extend(w.labels.clone());
            Expect::Is(Value::Object(all))
        },
        current: |cur, w, c| {
            let labels = cur["Config"]["Labels"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            if c.base.is_some() {
                Value::Object(labels)
            } else {
                labels
                    .into_iter()
                    .filter(|(k, _)| w.labels.contains_key(k))
                    .collect::<Map<_, _>>()
                    .into()
            }
        },
    },
    Field {
        name: "volumes",
        compare: Compare::Set,
        recreate: true,
        create: |w, b| {
            if !w.volumes.paths.is_empty() {
                let v: Map<String, Value> = w
                    .volumes
                    .paths
                    .iter()
                    .map(|p| (p.clone(), json!({})))
                    .collect();
                b["Volumes"] = Value::Object(v);
            }
            if !w.volumes.binds.is_empty() {
                host(b, "Binds", json!(w.volumes.binds));
            }
        },
        wanted: |w, c| {
            let image_paths = c
                .base_config("Volumes")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default();
            Expect::Is(volume_set(
                &w.volumes.binds,
                w.volumes.paths.iter().cloned().chain(image_paths),
            ))
        },
        current: |cur, _, _| {
            let paths = cur["Config"]["Volumes"]
                .as_object()
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default();
            volume_set(&strings(&cur["HostConfig"]["Binds"]), paths.into_iter())
        },
    },
    Field {
        name: "volumes_from",
        compare: Compare::Set,
        recreate: true,
        create: |w, b| {
            if !w.volumes_from.is_empty() {
                host(b, "VolumesFrom", json!(w.volumes_from));
            }
        },
        wanted: |w, _| Expect::Is(json!(w.volumes_from)),
        current: |cur, _, _| json!(strings(&cur["HostConfig"]["VolumesFrom"])),
    },
    Field {
        name: "privileged",
        compare: Compare::Exact,
        recreate: true,
        create: |w, b| host(b, "Privileged", json!(w.privileged)),
        wanted: |w, _| Expect::Is(json!(w.privileged)),
        current: |cur, _, _| json!(cur["HostConfig"]["Privileged"].as_bool().unwrap_or(false)),
    },
    Field {
        name: "cap_add",
        compare: Compare::Set,
        recreate: true,
        create: |w, b| {
            if !w.cap_add.is_empty() {
                host(b, "CapAdd", json!(w.cap_add));
            }
        },
        wanted: |w, _| Expect::Is(json!(w.cap_add)),
        current: |cur, _, _| json!(strings(&cur["HostConfig"]["CapAdd"])),
    },
    Field {
        name: "security_opt",
        compare: Compare::Set,
        recreate: true,
        create: |w, b| {
            if !w.security_opt.is_empty() {
                host(b, "SecurityOpt", json!(w.security_opt));
            }
        },
        wanted: |w, _| Expect::Is(json!(w.security_opt)),
        current: |cur, w, _| {
            let hc = &cur["HostConfig"];
            // Docker adds label=disable itself for host IPC/PID and privileged containers.
            let docker_added = hc["IpcMode"] == "host"
                || hc["PidMode"] == "host"
                || hc["Privileged"] == json!(true);
            let opts: Vec<String> = strings(&hc["SecurityOpt"])
                .into_iter()
                .filter(|o| !(docker_added && o == "label=disable" && !w.security_opt.contains(o)))
                .collect();
            json!(opts)
        },
    },
    Field {
        name: "ipc_mode",
        compare: Compare::Exact,
        recreate: true,
        create: |w, b| {
            if let Some(m) = &w.ipc_mode {
                host(b, "IpcMode", json!(m));
            }
        },
        wanted: |w, _| match &w.ipc_mode {
            Some(m) => Expect::Is(json!(m)),
            None => Expect::AnyOf(vec![json!("private"), json!("shareable"), json!("")]),
        },
        current: |cur, _, _| string_or_empty(&cur["HostConfig"]["IpcMode"]),
    },
    Field {
        name: "pid_mode",
        compare: Compare::Exact,
        recreate: true,
        create: |w, b| {
            if let Some(m) = &w.pid_mode {
                host(b, "PidMode", json!(m));
            }
        },
        wanted: |w, _| Expect::Is(json!(w.pid_mode.clone().unwrap_or_default())),
        current: |cur, _, _| string_or_empty(&cur["HostConfig"]["PidMode"]),
    },
    Field {
        name: "cgroupns_mode",
        compare: Compare::Exact,
        recreate: true,
        create: |w, b| {
            if let Some(m) = &w.cgroupns_mode {
                host(b, "CgroupnsMode", json!(m));
            }
        },
        wanted: |w, c| match (&w.cgroupns_mode, &c.default_cgroupns) {
            _ if !c.cgroupns_supported => Expect::Ignore,
            (Some(m), _) => Expect::Is(json!(m)),
            (None, Some(d)) => Expect::Is(json!(d)),
            (None, None) => Expect::Ignore,
        },
        current: |cur, _, _| match cur["HostConfig"]["CgroupnsMode"].as_str() {
            // Containers made before Docker 20.10 behave as host.
            None | Some("") => json!("host"),
            Some(m) => json!(m),
        },
    },
    Field {
        name: "tmpfs",
        compare: Compare::Exact,
        recreate: true,
        create: |w, b| {
            if !w.tmpfs.is_empty() {
                host(b, "Tmpfs", json!(w.tmpfs));
            }
        },
        wanted: |w, _| Expect::Is(json!(w.tmpfs)),
        current: |cur, _, _| match &cur["HostConfig"]["Tmpfs"] {
            Value::Object(m) => {
                let sorted: BTreeMap<&String, &Value> = m.iter().collect();
                json!(sorted)
            }
            _ => json!({}),
        },
    },
    Field {
        name: "dimensions",
        compare: Compare::Keys,
        recreate: true,
        create: |w, b| {
            for (docker, v) in w.dimensions.values.values() {
                host(b, docker, v.clone());
            }
            if let Some(u) = &w.dimensions.ulimits {
                host(b, "Ulimits", json!(u));
            }
        },
        wanted: |w, _| {
            let mut all = Map::new();
            for (key, _) in Dimensions::all() {
                let v = match w.dimensions.values.get(key) {
                    Some((_, v)) => v.clone(),
                    None => Dimensions::default_of(key),
                };
                all.insert(key.into(), v);
            }
            all.insert(
                "ulimits".into(),
                json!(w.dimensions.ulimits.clone().unwrap_or_default()),
            );
            Expect::Is(Value::Object(all))
        },
        current: |cur, w, _| {
            let hc = &cur["HostConfig"];
            let mut all = Map::new();
            for (key, docker) in Dimensions::all() {
                let v = match &hc[docker] {
                    Value::Null => Dimensions::default_of(key),
                    v => v.clone(),
                };
                all.insert(key.into(), v);
            }
            // Docker doubles Memory into MemorySwap when only a memory limit is set.
            let mem = hc["Memory"].as_i64().unwrap_or(0);
            if !w.dimensions.values.contains_key("memswap_limit")
                && mem > 0
                && hc["MemorySwap"].as_i64() == Some(mem * 2)
            {
                all.insert("memswap_limit".into(), json!(0));
            }
            let mut ulimits: Vec<Value> = hc["Ulimits"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|u| json!({"Name": u["Name"], "Soft": u["Soft"].as_i64().unwrap_or(0), "Hard": u["Hard"].as_i64().unwrap_or(0)}))
                .collect();
            ulimits.sort_by(|a, b| a["Name"].as_str().cmp(&b["Name"].as_str()));
            all.insert("ulimits".into(), json!(ulimits));
            Value::Object(all)
        },
    },
    Field {
        name: "healthcheck",
        compare: Compare::Exact,
        recreate: true,
        create: |w, b| match &w.health {
            Health::Unset => {}
            Health::Disabled => b["Healthcheck"] = json!({"Test": ["NONE"]}),
            Health::Check(h) => b["Healthcheck"] = h.clone(),
        },
        wanted: |w, c| match (&w.health, c.base_config("Healthcheck")) {
            (Health::Check(h), _) => Expect::Is(health_shape(h)),
            (Health::Disabled, _) => Expect::Is(Value::Null),
            (Health::Unset, Some(image)) => Expect::Is(health_shape(image)),
            (Health::Unset, None) => Expect::Ignore,
        },
        current: |cur, _, _| health_shape(&cur["Config"]["Healthcheck"]),
    },
    Field {
        name: "restart_policy",
        compare: Compare::Exact,
        recreate: true,
        create: |w, b| {
            if let Some((name, retries)) = &w.restart {
                let mut p = json!({"Name": name});
                if let Some(r) = retries {
                    p["MaximumRetryCount"] = json!(r);
                }
                host(b, "RestartPolicy", p);
            }
        },
        wanted: |w, _| match &w.restart {
            Some((name, retries)) => Expect::Is(restart_shape(name, retries.unwrap_or(0))),
            None => Expect::Is(restart_shape("no", 0)),
        },
        current: |cur, _, _| {
            let p = &cur["HostConfig"]["RestartPolicy"];
            restart_shape(
                p["Name"].as_str().unwrap_or_default(),
                p["MaximumRetryCount"].as_i64().unwrap_or(0),
            )
        },
    },
    Field {
        name: "tty",
        compare: Compare::Exact,
        recreate: true,
        create: |w, b| b["Tty"] = json!(w.tty),
        wanted: |w, _| Expect::Is(json!(w.tty)),
        current: |cur, _, _| json!(cur["Config"]["Tty"].as_bool().unwrap_or(false)),
    },
    Field {
        name: "detach",
        compare: Compare::Exact,
        recreate: false,
        create: |w, b| {
            if !w.detach {
                b["AttachStdout"] = json!(true);
                b["AttachStderr"] = json!(true);
            }
        },
        wanted: |_, _| Expect::Ignore,
        current: |_, _, _| Value::Null,
    },
    Field {
        name: "network_mode",
        compare: Compare::Exact,
        recreate: true,
        create: |_, b| host(b, "NetworkMode", json!("host")),
        wanted: |_, _| Expect::Is(json!("host")),
        current: |cur, _, _| cur["HostConfig"]["NetworkMode"].clone(),
    },
    Field {
        name: "state",
        compare: Compare::Exact,
        recreate: false,
        create: |_, _| {},
        wanted: |w, _| match w.state.as_str() {
            "exited" => Expect::AnyOf(vec![json!("exited"), json!("created")]),
            s => Expect::Is(json!(s)),
        },
        current: |cur, _, _| cur["State"]["Status"].clone(),
    },
];

/// The create request body for `want`, every field written by its row.
pub fn create_body(want: &Want) -> Value {
    let mut body = json!({"HostConfig": {}});
    for f in FIELDS {
        (f.create)(want, &mut body);
    }
    body
}

fn set_of(v: &Value) -> Vec<String> {
    let mut items: Vec<String> = v
        .as_array()
        .map(|a| a.iter().map(|x| x.to_string()).collect())
        .unwrap_or_default();
    items.sort();
    items.dedup();
    items
}

fn matches(compare: Compare, want: &Value, cur: &Value) -> bool {
    match compare {
        Compare::Set => set_of(want) == set_of(cur),
        _ => want == cur,
    }
}

/// Every field where the container `current` (inspect JSON) is not what `want` asks for.
pub fn differences(want: &Want, current: &Value, ctx: &Ctx) -> Vec<Difference> {
    let mut out = Vec::new();
    for f in FIELDS {
        let expected = (f.wanted)(want, ctx);
        let cur = (f.current)(current, want, ctx);
        let diff = |name: String, before: Value, after: Value| Difference {
            name,
            before,
            after,
            recreate: f.recreate,
        };
        match (expected, f.compare) {
            (Expect::Ignore, _) => {}
            (Expect::AnyOf(options), _) => {
                if !options.contains(&cur) {
                    out.push(diff(f.name.into(), cur, options[0].clone()));
                }
            }
            (Expect::Is(w), Compare::Keys) => {
                let empty = Map::new();
                let wm = w.as_object().unwrap_or(&empty);
                let cm = cur.as_object().unwrap_or(&empty);
                let mut keys: Vec<&String> = wm.keys().chain(cm.keys()).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    let (a, b) = (wm.get(k), cm.get(k));
                    if a != b {
                        out.push(diff(
                            format!("{}.{k}", f.name),
                            b.cloned().unwrap_or(Value::Null),
                            a.cloned().unwrap_or(Value::Null),
                        ));
                    }
                }
            }
            (Expect::Is(w), compare) => {
                if !matches(compare, &w, &cur) {
                    out.push(diff(f.name.into(), cur, w));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn want(extra: Value) -> Want {
        let mut a: Map<String, Value> = serde_json::from_value(json!({
            "action": "start_container", "name": "kd_x", "image": "img:1",
            "state": "running", "detach": true, "remove_on_exit": true,
        }))
        .unwrap();
        a.extend(extra.as_object().unwrap().clone());
        Want::from_args(&serde_json::from_value(Value::Object(a)).unwrap()).unwrap()
    }

    /// What Docker would report for a container made from `body`, roughly.
    fn inspect_of(body: &Value, image: &Value) -> Value {
        let mut hc = body["HostConfig"].clone();
        if hc["RestartPolicy"].is_null() {
            hc["RestartPolicy"] = json!({"Name": "no", "MaximumRetryCount": 0});
        }
        if hc["IpcMode"].is_null() {
            hc["IpcMode"] = json!("private");
        }
        let mut env = strings(&image["Config"]["Env"]);
        env.extend(strings(&body["Env"]));
        let mut labels = image["Config"]["Labels"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        labels.extend(body["Labels"].as_object().cloned().unwrap_or_default());
        json!({
            "Image": image["Id"],
            "Config": {
                "Image": body["Image"], "Env": env, "Labels": labels,
                "Cmd": if body["Cmd"].is_null() { image["Config"]["Cmd"].clone() } else { body["Cmd"].clone() },
                "Volumes": body["Volumes"], "Tty": body["Tty"], "Healthcheck": body["Healthcheck"],
            },
            "HostConfig": hc,
            "State": {"Status": "running"},
        })
    }

    fn image() -> Value {
        json!({"Id": "sha256:1", "Config": {"Env": ["PATH=/bin"], "Cmd": ["sh"],
            "Labels": {"kolla_version": "test"}}})
    }

    fn ctx() -> Ctx {
        Ctx {
            image: Some(image()),
            base: Some(image()),
            cgroupns_supported: true,
            default_cgroupns: Some("host".into()),
        }
    }

    #[test]
    fn a_created_container_has_no_differences() {
        let w = want(json!({
            "environment": {"A": 1, "B": null, "C": "x"},
            "labels": {"kolla_version": "override", "mine": "yes"},
            "volumes": ["/etc/hosts:/etc/hosts:ro", "logs:/var/log", "/anon", ""],
            "tmpfs": ["/t:size=1m"],
            "dimensions": {"mem_limit": "64m", "ulimits": {"nofile": {"soft": 1, "hard": 2}}},
            "healthcheck": {"test": "true", "interval": 1, "timeout": 1, "start_period": 0, "retries": 1},
            "restart_policy": "on-failure", "restart_retries": 3,
            "command": "sh -c 'sleep 1'", "security_opt": [], "ipc_mode": "host"
        }));
        let body = create_body(&w);
        let mut cur = inspect_of(&body, &image());
        cur["HostConfig"]["SecurityOpt"] = json!(["label=disable"]);
        cur["HostConfig"]["MemorySwap"] = json!(2 * 64 * 1024 * 1024);
        cur["HostConfig"]["CgroupnsMode"] = json!("host");
        let d = differences(&w, &cur, &ctx());
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(body["HostConfig"]["NetworkMode"], "host");
        assert_eq!(body["Env"][0], "A=1");
        assert!(strings(&body["Env"]).contains(&"KOLLA_SERVICE_NAME=kd-x".to_string()));
    }

    #[test]
    fn differences_are_named() {
        let w = want(json!({"environment": {"A": "1"}, "labels": {"l": "1"}}));
        let mut cur = inspect_of(&create_body(&w), &image());
        cur["Config"]["Env"] = json!(["PATH=/bin", "A=2", "GONE=1", "KOLLA_SERVICE_NAME=kd-x"]);
        cur["Config"]["Labels"]["l"] = json!("0");
        cur["HostConfig"]["RestartPolicy"]["Name"] = json!("always");
        cur["HostConfig"]["IpcMode"] = json!("host");
        cur["State"]["Status"] = json!("exited");
        cur["Config"]["Cmd"] = json!(["other"]);
        let names: Vec<String> = differences(&w, &cur, &ctx())
            .into_iter()
            .map(|d| d.name)
            .collect();
        for n in [
            "environment.A",
            "environment.GONE",
            "labels.l",
            "restart_policy",
            "ipc_mode",
            "state",
            "command",
        ] {
            assert!(names.contains(&n.to_string()), "{n} missing from {names:?}");
        }
        assert!(!names.contains(&"environment.PATH".to_string()));
    }

    #[test]
    fn image_changes_are_seen() {
        let w = want(json!({}));
        let mut cur = inspect_of(&create_body(&w), &image());
        cur["Image"] = json!("sha256:old");
        let d = differences(&w, &cur, &ctx());
        assert_eq!(d[0].name, "image");
        assert!(d[0].recreate);
    }
}
