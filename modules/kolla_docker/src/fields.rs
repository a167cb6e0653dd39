//! THE table of options. Each row is one option, once: its argument (type,
//! default, choices, aliases, no_log, the module profiles that have it, whether
//! `common_options` may supply it) and, for options that describe the
//! container, where it goes in the typed create request, where it goes in
//! podman's own create request (the libpod column, `Libpod`), how it is read
//! back from `docker inspect` and how the two compare. The argument spec
//! (`args::spec`), both create requests, `differences`, the diff and check mode
//! all read this one table, and the sidecar documentation is tested against it.
//!
//! The model is community.docker's container options: simple one-to-one fields
//! are one stock row (`Row::field` with `Ops::HostFlag`, `Ops::HostList`, ...)
//! naming a typed bollard slot, from which both the create request and the inspect key follow;
//! fields Docker reshapes (volumes, healthcheck, dimensions...) carry their own
//! three functions. The comparison mode (strict, allow-more-present, ignore) is
//! decided per task, e.g. labels compare strictly only when the image's own
//! labels are known.

use crate::error::ArgsError;
use crate::libpod;
use crate::parse::{self, Health};
use crate::podman;
use ansible_module::Type;
use bollard::models::{
    ContainerCreateBody, HostConfig, HostConfigCgroupnsModeEnum, RestartPolicy,
    RestartPolicyNameEnum,
};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// A module this table serves. kolla_docker is kolla-ansible 15.6's module;
/// kolla_container is its 22.2 successor, the same implementation with a few
/// options and choices added or dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// kolla-ansible 15.6.0's `kolla_docker`.
    KollaDocker,
    /// kolla-ansible 22.2.0's `kolla_container`.
    KollaContainer,
}

impl Profile {
    /// The module name the profile answers to.
    pub fn module(self) -> &'static str {
        match self {
            Profile::KollaDocker => "kolla_docker",
            Profile::KollaContainer => "kolla_container",
        }
    }

    const fn bit(self) -> u8 {
        match self {
            Profile::KollaDocker => 1,
            Profile::KollaContainer => 2,
        }
    }
}

/// A set of profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profiles(u8);

impl Profiles {
    /// Every profile.
    pub const ALL: Profiles = Profiles(Profile::KollaDocker.bit() | Profile::KollaContainer.bit());
    /// kolla_container (22.2) only.
    pub const KOLLA_CONTAINER: Profiles = Profiles(Profile::KollaContainer.bit());

    /// Whether `p` is in the set.
    pub fn has(self, p: Profile) -> bool {
        self.0 & p.bit() != 0
    }
}

/// An option's value when neither the task nor `common_options` gives one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fallback {
    /// No value (null).
    Nothing,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string.
    Str(&'static str),
    /// `[]`.
    EmptyList,
    /// `{}`.
    EmptyDict,
}

impl Fallback {
    /// The value, None for [`Fallback::Nothing`].
    pub fn value(self) -> Option<Value> {
        match self {
            Fallback::Nothing => None,
            Fallback::Bool(b) => Some(json!(b)),
            Fallback::Int(i) => Some(json!(i)),
            Fallback::Str(s) => Some(json!(s)),
            Fallback::EmptyList => Some(json!([])),
            Fallback::EmptyDict => Some(json!({})),
        }
    }
}

/// One accepted value of a `choices` option and the profiles that accept it.
#[derive(Debug, Clone, Copy)]
pub struct Choice {
    /// The value.
    pub value: &'static str,
    /// Who accepts it.
    pub profiles: Profiles,
}

/// A choice every profile accepts.
pub const fn any(value: &'static str) -> Choice {
    Choice {
        value,
        profiles: Profiles::ALL,
    }
}

/// A choice only `profiles` accept.
pub const fn only(value: &'static str, profiles: Profiles) -> Choice {
    Choice { value, profiles }
}

/// The values an option accepts.
#[derive(Debug, Clone, Copy)]
pub enum Choices {
    /// Any value of its type.
    Free,
    /// These.
    List(&'static [Choice]),
    /// The names of the profile's actions (`action::Action`).
    Actions,
}

/// An option as the argument spec declares it.
#[derive(Debug, Clone, Copy)]
pub struct Arg {
    /// Its type.
    pub ty: Type,
    /// The element type of a list.
    pub elements: Option<Type>,
    /// Whether a task must give it.
    pub required: bool,
    /// The spec's default.
    pub default: Fallback,
    /// Accepted values.
    pub choices: Choices,
    /// Other names.
    pub aliases: &'static [&'static str],
    /// A secret, never echoed.
    pub no_log: bool,
    /// The profiles that have it.
    pub profiles: Profiles,
    /// Some: `common_options` may supply it, with this value when neither gives one.
    pub common: Option<Fallback>,
}

impl Arg {
    const fn of(ty: Type) -> Arg {
        Arg {
            ty,
            elements: None,
            required: false,
            default: Fallback::Nothing,
            choices: Choices::Free,
            aliases: &[],
            no_log: false,
            profiles: Profiles::ALL,
            common: None,
        }
    }
    /// A `str` option.
    pub const fn str() -> Arg {
        Arg::of(Type::Str)
    }
    /// An `int` option.
    pub const fn int() -> Arg {
        Arg::of(Type::Int)
    }
    /// A `dict` option.
    pub const fn dict() -> Arg {
        Arg::of(Type::Dict)
    }
    /// A `bool` option with its default.
    pub const fn flag(default: bool) -> Arg {
        Arg::of(Type::Bool).default(Fallback::Bool(default))
    }
    /// A `list` of `str` option.
    pub const fn strs() -> Arg {
        let mut a = Arg::of(Type::List);
        a.elements = Some(Type::Str);
        a
    }
    /// With this default.
    pub const fn default(mut self, d: Fallback) -> Arg {
        self.default = d;
        self
    }
    /// Accepting only these values.
    pub const fn choices(mut self, c: &'static [Choice]) -> Arg {
        self.choices = Choices::List(c);
        self
    }
    /// Accepting the profile's action names.
    pub const fn actions(mut self) -> Arg {
        self.choices = Choices::Actions;
        self
    }
    /// Required.
    pub const fn required(mut self) -> Arg {
        self.required = true;
        self
    }
    /// A secret.
    pub const fn no_log(mut self) -> Arg {
        self.no_log = true;
        self
    }
    /// Offered by these profiles only.
    pub const fn only_in(mut self, p: Profiles) -> Arg {
        self.profiles = p;
        self
    }
    /// Suppliable by `common_options`, with `d` when nobody gives it.
    pub const fn common(mut self, d: Fallback) -> Arg {
        self.common = Some(d);
        self
    }
}

/// How values of a field compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Equal values.
    Value,
    /// The same elements in any order.
    Set,
    /// Objects compared key by key; differences are named `field.KEY`.
    Dict,
    /// As `Dict`, but the values are secrets (passwords in `environment`):
    /// differences carry `SECRET_MASK` for a present value, so neither
    /// `--diff` nor a result ever shows one.
    SecretDict,
}

/// What a differing secret value is shown as (absent stays null).
pub const SECRET_MASK: &str = "********";

/// What a field must be, for this task: the comparison mode and the value.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// Mode "ignore": not asked for, any current value is fine.
    Ignore,
    /// Mode "strict": exactly this.
    Strict(Value),
    /// Mode "allow more present": these keys or elements, others may be there too.
    AllowMorePresent(Value),
    /// Any of these (a default the daemon may spell several ways); the first is shown.
    AnyOf(Vec<Value>),
}

/// Writes an option's value (null when not given; all options at hand) into the create request.
pub type Create =
    fn(&Value, &Map<String, Value>, &mut ContainerCreateBody) -> Result<(), ArgsError>;

/// The hand-written functions of a field Docker reshapes.
pub struct Custom {
    /// Writes the option's value into the create request.
    pub create: Create,
    /// What the task asks for, read from the create request it will send.
    pub wanted: fn(&Want, &Ctx) -> Expect,
    /// The current value from inspect, shaped like the wanted one.
    pub current: fn(&Value, &Want, &Ctx) -> Value,
    /// Where it goes in podman's SpecGenerator.
    pub libpod: Libpod,
}

/// How a field goes into podman's SpecGenerator (`libpod`), the create request
/// under `container_engine: podman`.
#[derive(Clone, Copy)]
pub enum Libpod {
    /// Not part of the container (22.2's worker sends nothing for it either).
    Skip,
    /// The option's value under this key, left out when null or empty.
    Key(&'static str),
    /// `{"nsmode": value}` under this key when the option is a string.
    Namespace(&'static str),
    /// Its own function, reading the typed create request the row wrote.
    Custom(fn(&Want, &mut Map<String, Value>) -> Result<(), ArgsError>),
}

/// How a field gets into the create request and back out of inspect.
pub enum Ops {
    /// A bool option copied to a HostConfig flag.
    HostFlag(fn(&mut HostConfig) -> &mut Option<bool>),
    /// A bool option copied to a container Config flag.
    Flag(fn(&mut ContainerCreateBody) -> &mut Option<bool>),
    /// A list option copied to a HostConfig list when not empty.
    HostList(fn(&mut HostConfig) -> &mut Option<Vec<String>>),
    /// A mode option copied to a HostConfig string when not empty; unset, the
    /// container may report any of `unset`.
    HostMode {
        /// Where it goes.
        slot: fn(&mut HostConfig) -> &mut Option<String>,
        /// What the daemon reports when it is not set.
        unset: &'static [&'static str],
    },
    /// Its own functions.
    Custom(Custom),
}

/// The container side of a row.
pub struct Field {
    /// How to compare.
    pub kind: Kind,
    /// Whether a difference needs the container recreated (state only needs a start or stop).
    pub recreate: bool,
    /// Create and read-back.
    pub ops: Ops,
    /// The libpod column: where it goes in podman's create request.
    pub libpod: Libpod,
}

/// One row of the table.
pub struct Row {
    /// The option's name, also the name in `differences` and diffs.
    pub name: &'static str,
    /// The option; None for fields the module fixes (host networking).
    pub arg: Option<Arg>,
    /// None for options that steer the module rather than describe the container.
    pub field: Option<Field>,
}

impl Row {
    /// An option that does not describe the container.
    pub const fn option(name: &'static str, arg: Arg) -> Row {
        Row {
            name,
            arg: Some(arg),
            field: None,
        }
    }
    /// A one-to-one field: the option's value goes to one slot of the create
    /// request and is read back from the same Docker key; lists compare as sets.
    pub const fn field(name: &'static str, arg: Arg, ops: Ops, libpod: Libpod) -> Row {
        let kind = match ops {
            Ops::HostList(_) => Kind::Set,
            _ => Kind::Value,
        };
        Row {
            name,
            arg: Some(arg),
            field: Some(Field {
                kind,
                recreate: true,
                ops,
                libpod,
            }),
        }
    }
    /// A field with its own functions.
    pub const fn custom(
        name: &'static str,
        arg: Option<Arg>,
        kind: Kind,
        recreate: bool,
        ops: Custom,
    ) -> Row {
        let libpod = ops.libpod;
        Row {
            name,
            arg,
            field: Some(Field {
                kind,
                recreate,
                ops: Ops::Custom(ops),
                libpod,
            }),
        }
    }
}

/// The container the task describes: its options and the create request they make.
#[derive(Debug, Clone)]
pub struct Want {
    /// The merged, validated options.
    pub params: Map<String, Value>,
    /// The create request, every field written by its row.
    pub body: ContainerCreateBody,
    /// Under podman, podman's own create request (SpecGenerator), every field
    /// written by its row's libpod column.
    pub spec: Option<Value>,
}

impl Want {
    /// The container `params` describe; fails on options Docker could not take.
    pub fn new(params: &Map<String, Value>) -> Result<Want, ArgsError> {
        let mut body = ContainerCreateBody {
            host_config: Some(HostConfig::default()),
            ..Default::default()
        };
        for row in ROWS {
            let Some(field) = &row.field else { continue };
            let v = params.get(row.name).unwrap_or(&Value::Null);
            let hc = body.host_config.get_or_insert_with(Default::default);
            match &field.ops {
                Ops::HostFlag(slot) => *slot(hc) = Some(v.as_bool().unwrap_or(false)),
                Ops::Flag(slot) => *slot(&mut body) = Some(v.as_bool().unwrap_or(false)),
                Ops::HostList(slot) => {
                    let list = strings(v);
                    if !list.is_empty() {
                        *slot(hc) = Some(list);
                    }
                }
                Ops::HostMode { slot, .. } => {
                    if let Some(m) = v.as_str().filter(|m| !m.is_empty()) {
                        *slot(hc) = Some(m.to_string());
                    }
                }
                Ops::Custom(c) => (c.create)(v, params, &mut body)?,
            }
        }
        let mut want = Want {
            params: params.clone(),
            body,
            spec: None,
        };
        if on_podman(params) {
            want.spec = Some(want.libpod_spec()?);
        }
        Ok(want)
    }

    /// podman's create request for the container, from the typed one.
    fn libpod_spec(&self) -> Result<Value, ArgsError> {
        let mut spec = Map::new();
        libpod::put(&mut spec, "name", self.param("name").clone());
        for row in ROWS {
            let Some(field) = &row.field else { continue };
            let v = self.param(row.name);
            match field.libpod {
                Libpod::Skip => {}
                Libpod::Key(key) => libpod::put(&mut spec, key, v.clone()),
                Libpod::Namespace(key) => {
                    if let Some(mode) = v.as_str() {
                        spec.insert(key.into(), libpod::namespace(mode));
                    }
                }
                Libpod::Custom(f) => f(self, &mut spec)?,
            }
        }
        Ok(Value::Object(spec))
    }

    /// The HostConfig of the create request.
    pub fn host(&self) -> HostConfig {
        self.body.host_config.clone().unwrap_or_default()
    }

    fn param(&self, name: &str) -> &Value {
        self.params.get(name).unwrap_or(&Value::Null)
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
    /// The engine is podman, whose Docker-compatible inspect reports some fields its own way.
    pub podman: bool,
}

impl Ctx {
    fn base_config(&self, key: &str) -> Option<&Value> {
        self.base.as_ref().map(|b| &b["Config"][key])
    }
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

impl Difference {
    /// The container does not exist: everything must be created.
    pub fn absent(state: &Value) -> Difference {
        Difference {
            name: "state".into(),
            before: json!("absent"),
            after: state.clone(),
            recreate: true,
        }
    }
    /// The container's systemd unit would be written anew.
    pub fn stale_unit() -> Difference {
        Difference {
            name: "systemd_unit".into(),
            before: json!("out_of_date"),
            after: json!("up_to_date"),
            recreate: false,
        }
    }
    /// `kolla_set_configs --check` found the configuration stale.
    pub fn stale_config() -> Difference {
        Difference {
            name: "config".into(),
            before: json!("stale"),
            after: json!("current"),
            recreate: false,
        }
    }
}

fn to_json<T: Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The Docker name serde gives a slot: set it alone and see which key appears.
fn docker_key<B: Default + Serialize, T: Default>(
    slot: impl Fn(&mut B) -> &mut Option<T>,
) -> String {
    let mut b = B::default();
    *slot(&mut b) = Some(T::default());
    match to_json(b) {
        Value::Object(m) => m.keys().next().cloned().unwrap_or_default(),
        _ => String::new(),
    }
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

fn env_map(list: &[String]) -> Map<String, Value> {
    list.iter()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (k.to_string(), Value::String(v.to_string())),
            None => (kv.clone(), Value::String(String::new())),
        })
        .collect()
}

/// Values as the reference hands them to Docker: Python's `str()` of each.
fn texts(v: &Value) -> Map<String, Value> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), Value::String(parse::docker_text(v))))
                .collect()
        })
        .unwrap_or_default()
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

/// Whether the task drives podman (kolla_container's `container_engine`).
fn on_podman(params: &Map<String, Value>) -> bool {
    params.get("container_engine").and_then(Value::as_str) == Some("podman")
}

/// Capabilities as compared: podman's spelling normalised, AUDIT_WRITE
/// (which podman may or may not report) always present.
fn capabilities(caps: &[String], c: &Ctx) -> Value {
    if !c.podman {
        return json!(caps);
    }
    let mut out: Vec<String> = caps.iter().map(|x| podman::capability(x)).collect();
    if !out.iter().any(|x| x == podman::AUDIT_WRITE) {
        out.push(podman::AUDIT_WRITE.into());
    }
    json!(out)
}

fn image_named(name: Value, c: &Ctx) -> Value {
    if c.podman {
        podman::image_name(&name)
    } else {
        name
    }
}

fn tmpfs_shape(m: Value, c: &Ctx) -> Value {
    match (m, c.podman) {
        (Value::Object(m), true) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let o = podman::tmpfs_options(v.as_str().unwrap_or_default());
                    (k, json!(o))
                })
                .collect(),
        ),
        (m, _) => m,
    }
}

/// The volumes as compared; under podman binds in normal form, anonymous volumes as paths.
fn volumes_shape(binds: &[String], mut paths: Vec<String>, c: &Ctx) -> Value {
    if !c.podman {
        return volume_set(binds, paths.into_iter());
    }
    let mut normal = Vec::new();
    for b in binds {
        match podman::bind(b) {
            Ok(b) => normal.push(b),
            Err(path) => paths.push(path),
        }
    }
    let paths = paths.iter().map(|p| p.trim_end_matches('/').to_string());
    volume_set(&normal, paths.collect::<Vec<_>>().into_iter())
}

fn ulimit_shape(u: Value, c: &Ctx) -> Value {
    let name = match (u["Name"].as_str(), c.podman) {
        (Some(n), true) => json!(podman::ulimit_name(n)),
        _ => u["Name"].clone(),
    };
    json!({"Name": name, "Soft": u["Soft"].as_i64().unwrap_or(0), "Hard": u["Hard"].as_i64().unwrap_or(0)})
}

/// A choice-checked string into one of bollard's enums.
fn docker_enum<T: serde::de::DeserializeOwned>(
    option: &'static str,
    v: &str,
) -> Result<T, ArgsError> {
    serde_json::from_value(json!(v)).map_err(|_| ArgsError::Unsupported(option, v.to_string()))
}

const MODES: &[Choice] = &[any(""), any("host"), any("private"), any("shareable")];

/// The table, in the order the reference declares its options.
pub const ROWS: &[Row] = &[
    Row::option("common_options", Arg::dict().default(Fallback::EmptyDict)),
    Row::option("action", Arg::str().required().actions()),
    Row::option("api_version", Arg::str().common(Fallback::Str("auto"))),
    Row::option("auth_email", Arg::str().common(Fallback::Nothing)),
    Row::option(
        "auth_password",
        Arg::str().no_log().common(Fallback::Nothing),
    ),
    Row::option("auth_registry", Arg::str().common(Fallback::Nothing)),
    Row::option("auth_username", Arg::str().common(Fallback::Nothing)),
    Row::option(
        "container_engine",
        Arg::str()
            .choices(&[any("docker"), any("podman")])
            .only_in(Profiles::KOLLA_CONTAINER)
            .common(Fallback::Str("docker")),
    ),
    Row::custom(
        "command",
        Some(Arg::str()),
        Kind::Value,
        true,
        Custom {
            create: |v, _, b| {
                if let Some(c) = v.as_str() {
                    b.cmd = Some(parse::shell_split(c)?);
                }
                Ok(())
            },
            wanted: |w, c| match (&w.body.cmd, c.base_config("Cmd")) {
                (Some(cmd), _) => Expect::Strict(json!(cmd)),
                (None, Some(image_cmd)) => Expect::Strict(image_cmd.clone()),
                (None, None) => Expect::Ignore,
            },
            current: |cur, _, _| cur["Config"]["Cmd"].clone(),
            libpod: Libpod::Custom(|w, s| {
                libpod::put(s, "command", json!(w.body.cmd));
                Ok(())
            }),
        },
    ),
    Row::custom(
        "detach",
        Some(Arg::flag(true)),
        Kind::Value,
        false,
        Custom {
            // A non-detached container's output is collected, so it is attached.
            create: |v, _, b| {
                if v == &json!(false) {
                    b.attach_stdout = Some(true);
                    b.attach_stderr = Some(true);
                }
                Ok(())
            },
            wanted: |_, _| Expect::Ignore,
            current: |_, _, _| Value::Null,
            libpod: Libpod::Skip,
        },
    ),
    Row::custom(
        "labels",
        Some(Arg::dict().default(Fallback::EmptyDict)),
        Kind::Dict,
        true,
        Custom {
            create: |v, _, b| {
                b.labels = Some(
                    texts(v)
                        .into_iter()
                        .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
                        .collect(),
                );
                Ok(())
            },
            wanted: |w, c| {
                let mine: Map<String, Value> = w
                    .body
                    .labels
                    .iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect();
                // Without the image's labels, those the container inherited cannot be told apart.
                match c.base_config("Labels") {
                    None => Expect::AllowMorePresent(Value::Object(mine)),
                    Some(image) => {
                        let mut all = image.as_object().cloned().unwrap_or_default();
                        all.extend(mine);
                        Expect::Strict(Value::Object(all))
                    }
                }
            },
            current: |cur, _, _| {
                Value::Object(
                    cur["Config"]["Labels"]
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                )
            },
            libpod: Libpod::Custom(|w, s| {
                libpod::put(s, "labels", json!(w.body.labels));
                Ok(())
            }),
        },
    ),
    Row::option("name", Arg::str()),
    Row::custom(
        "environment",
        Some(Arg::dict().common(Fallback::Nothing)),
        Kind::SecretDict,
        true,
        Custom {
            create: |v, params, b| {
                let mut env = texts(v);
                let name = params
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                env.insert("KOLLA_SERVICE_NAME".into(), json!(name.replace('_', "-")));
                b.env = Some(
                    env.iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                        .collect(),
                );
                Ok(())
            },
            wanted: |w, _| {
                Expect::Strict(Value::Object(env_map(
                    w.body.env.as_deref().unwrap_or_default(),
                )))
            },
            current: |cur, w, c| {
                let wanted = env_map(w.body.env.as_deref().unwrap_or_default());
                let image_env = c.base_config("Env").map(|e| env_map(&strings(e)));
                // Variables the image sets are not the task's business unless it sets them too.
                let keep = |k: &String, v: &Value| {
                    wanted.contains_key(k)
                        || (image_env.as_ref().is_some_and(|ie| ie.get(k) != Some(v))
                            && !(c.podman && podman::INJECTED_ENV.contains(&k.as_str())))
                };
                env_map(&strings(&cur["Config"]["Env"]))
                    .into_iter()
                    .filter(|(k, v)| keep(k, v))
                    .collect::<Map<_, _>>()
                    .into()
            },
            libpod: Libpod::Custom(|w, s| {
                let env = env_map(w.body.env.as_deref().unwrap_or_default());
                libpod::put(s, "env", Value::Object(env));
                Ok(())
            }),
        },
    ),
    Row::custom(
        "healthcheck",
        Some(Arg::dict()),
        Kind::Value,
        true,
        Custom {
            create: |v, _, b| {
                b.healthcheck = match parse::healthcheck(v.as_object())? {
                    Health::Unset => None,
                    Health::Disabled => Some(bollard::models::HealthConfig {
                        test: Some(vec!["NONE".into()]),
                        ..Default::default()
                    }),
                    Health::Check(h) => Some(h),
                };
                Ok(())
            },
            wanted: |w, c| match (&w.body.healthcheck, c.base_config("Healthcheck")) {
                (Some(h), _) => Expect::Strict(health_shape(&to_json(h))),
                (None, Some(image)) => Expect::Strict(health_shape(image)),
                (None, None) => Expect::Ignore,
            },
            current: |cur, _, _| health_shape(&cur["Config"]["Healthcheck"]),
            libpod: Libpod::Custom(|w, s| {
                // podman reads the keys case-insensitively; nulls are left out.
                if let Value::Object(h) = to_json(&w.body.healthcheck) {
                    let set = h.into_iter().filter(|(_, v)| !v.is_null()).collect();
                    libpod::put(s, "healthconfig", Value::Object(set));
                }
                Ok(())
            }),
        },
    ),
    Row::custom(
        "image",
        Some(Arg::str()),
        Kind::Value,
        true,
        Custom {
            create: |v, _, b| {
                b.image = v.as_str().map(str::to_string);
                Ok(())
            },
            wanted: |w, c| match &w.body.image {
                None => Expect::Ignore,
                Some(i) => Expect::Strict(json!({
                    "Id": c.image.as_ref().map(|x| x["Id"].clone()).unwrap_or(Value::Null),
                    "Name": image_named(json!(parse::image_name(i)), c),
                })),
            },
            current: |cur, _, c| {
                let name = parse::image_name(cur["Config"]["Image"].as_str().unwrap_or_default());
                json!({"Id": cur["Image"], "Name": image_named(json!(name), c)})
            },
            libpod: Libpod::Key("image"),
        },
    ),
    Row::custom(
        "ipc_mode",
        Some(Arg::str().choices(MODES)),
        Kind::Value,
        true,
        Custom {
            create: |v, _, b| {
                if let Some(m) = v.as_str().filter(|m| !m.is_empty()) {
                    b.host_config.get_or_insert_with(Default::default).ipc_mode =
                        Some(m.to_string());
                }
                Ok(())
            },
            wanted: |w, c| match w.host().ipc_mode {
                // podman 4.3's Docker-compatible inspect reports "shareable" whatever was set.
                _ if c.podman => Expect::Ignore,
                Some(m) => Expect::Strict(json!(m)),
                None => Expect::AnyOf(vec![json!("private"), json!("shareable"), json!("")]),
            },
            current: |cur, _, _| string_or_empty(&cur["HostConfig"]["IpcMode"]),
            libpod: Libpod::Namespace("ipcns"),
        },
    ),
    Row::custom(
        "cap_add",
        Some(Arg::strs().default(Fallback::EmptyList)),
        Kind::Set,
        true,
        Custom {
            create: |v, params, b| {
                let mut caps = strings(v);
                // 22.2's podman worker: unprivileged containers need AUDIT_WRITE.
                let privileged = params.get("privileged") == Some(&json!(true));
                if on_podman(params)
                    && !privileged
                    && !caps
                        .iter()
                        .any(|c| podman::capability(c) == podman::AUDIT_WRITE)
                {
                    caps.push(podman::AUDIT_WRITE.into());
                }
                if !caps.is_empty() {
                    b.host_config.get_or_insert_with(Default::default).cap_add = Some(caps);
                }
                Ok(())
            },
            wanted: |w, c| Expect::Strict(capabilities(&w.host().cap_add.unwrap_or_default(), c)),
            current: |cur, _, c| capabilities(&strings(&cur["HostConfig"]["CapAdd"]), c),
            libpod: Libpod::Custom(|w, s| {
                libpod::put(s, "cap_add", json!(w.host().cap_add));
                Ok(())
            }),
        },
    ),
    Row::custom(
        "security_opt",
        Some(Arg::strs().default(Fallback::EmptyList)),
        Kind::Set,
        true,
        Custom {
            create: |v, _, b| {
                let opts = strings(v);
                if !opts.is_empty() {
                    b.host_config
                        .get_or_insert_with(Default::default)
                        .security_opt = Some(opts);
                }
                Ok(())
            },
            wanted: |w, _| Expect::Strict(json!(w.host().security_opt.unwrap_or_default())),
            current: |cur, w, _| {
                let hc = &cur["HostConfig"];
                let mine = w.host().security_opt.unwrap_or_default();
                // Docker adds label=disable itself for host IPC/PID and privileged containers.
                let docker_added = hc["IpcMode"] == "host"
                    || hc["PidMode"] == "host"
                    || hc["Privileged"] == json!(true);
                let opts: Vec<String> = strings(&hc["SecurityOpt"])
                    .into_iter()
                    .filter(|o| !(docker_added && o == "label=disable" && !mine.contains(o)))
                    .collect();
                json!(opts)
            },
            libpod: Libpod::Custom(|w, s| {
                for opt in w.host().security_opt.unwrap_or_default() {
                    libpod::security_opt(s, &opt)?;
                }
                Ok(())
            }),
        },
    ),
    Row::field(
        "pid_mode",
        Arg::str().choices(&[
            any("host"),
            any(""),
            only("private", Profiles::KOLLA_CONTAINER),
        ]),
        Ops::HostMode {
            slot: |h| &mut h.pid_mode,
            // podman reports its default as private.
            unset: &["", "private"],
        },
        Libpod::Namespace("pidns"),
    ),
    Row::custom(
        "cgroupns_mode",
        Some(Arg::str().choices(&[any("private"), any("host")])),
        Kind::Value,
        true,
        Custom {
            create: |v, _, b| {
                if let Some(m) = v.as_str() {
                    let mode: HostConfigCgroupnsModeEnum = docker_enum("cgroupns_mode", m)?;
                    b.host_config
                        .get_or_insert_with(Default::default)
                        .cgroupns_mode = Some(mode);
                }
                Ok(())
            },
            wanted: |w, c| match (w.host().cgroupns_mode, &c.default_cgroupns) {
                _ if !c.cgroupns_supported => Expect::Ignore,
                (Some(m), _) => Expect::Strict(to_json(m)),
                (None, Some(d)) => Expect::Strict(json!(d)),
                (None, None) => Expect::Ignore,
            },
            current: |cur, _, _| match cur["HostConfig"]["CgroupnsMode"].as_str() {
                // Containers made before Docker 20.10 behave as host.
                None | Some("") => json!("host"),
                Some(m) => json!(m),
            },
            libpod: Libpod::Namespace("cgroupns"),
        },
    ),
    Row::field(
        "privileged",
        Arg::flag(false),
        Ops::HostFlag(|h| &mut h.privileged),
        Libpod::Key("privileged"),
    ),
    Row::custom(
        "graceful_timeout",
        Some(Arg::int().common(Fallback::Int(10))),
        Kind::Value,
        false,
        Custom {
            // Docker containers are stopped with it; 22.2's podman worker also
            // makes it the podman container's own stop timeout (a plain
            // `podman stop` then waits as long). Not compared, as in 22.2.
            create: |_, _, _| Ok(()),
            wanted: |_, _| Expect::Ignore,
            current: |_, _, _| Value::Null,
            libpod: Libpod::Key("stop_timeout"),
        },
    ),
    Row::option("remove_on_exit", Arg::flag(true)),
    Row::custom(
        "restart_policy",
        Some(
            Arg::str()
                .choices(&[
                    any("no"),
                    any("on-failure"),
                    only("oneshot", Profiles::KOLLA_CONTAINER),
                    any("always"),
                    any("unless-stopped"),
                ])
                .common(Fallback::Nothing),
        ),
        Kind::Value,
        true,
        Custom {
            create: |v, params, b| {
                // oneshot (kolla_container) runs once: nothing restarts it.
                if let Some(p) = v.as_str().filter(|p| *p != "oneshot") {
                    let name: RestartPolicyNameEnum = docker_enum("restart_policy", p)?;
                    let retries = match p {
                        "on-failure" => params.get("restart_retries").and_then(Value::as_i64),
                        _ => None,
                    };
                    b.host_config
                        .get_or_insert_with(Default::default)
                        .restart_policy = Some(RestartPolicy {
                        name: Some(name),
                        maximum_retry_count: retries,
                    });
                }
                Ok(())
            },
            wanted: |w, _| match w.host().restart_policy {
                Some(p) => Expect::Strict(restart_shape(
                    to_json(p.name).as_str().unwrap_or_default(),
                    p.maximum_retry_count.unwrap_or(0),
                )),
                None => Expect::Strict(restart_shape("no", 0)),
            },
            current: |cur, _, _| {
                let p = &cur["HostConfig"]["RestartPolicy"];
                restart_shape(
                    p["Name"].as_str().unwrap_or_default(),
                    p["MaximumRetryCount"].as_i64().unwrap_or(0),
                )
            },
            libpod: Libpod::Custom(|w, s| {
                // Only where the engine restarts the container (no systemd).
                if let Some(p) = w.host().restart_policy {
                    libpod::put(s, "restart_policy", to_json(p.name));
                    libpod::put(s, "restart_tries", json!(p.maximum_retry_count));
                }
                Ok(())
            }),
        },
    ),
    Row::option("restart_retries", Arg::int().common(Fallback::Int(10))),
    Row::custom(
        "state",
        Some(Arg::str().default(Fallback::Str("running")).choices(&[
            any("running"),
            any("exited"),
            any("paused"),
        ])),
        Kind::Value,
        false,
        Custom {
            create: |_, _, _| Ok(()),
            wanted: |w, _| match w.param("state").as_str().unwrap_or("running") {
                "exited" => Expect::AnyOf(vec![json!("exited"), json!("created")]),
                s => Expect::Strict(json!(s)),
            },
            current: |cur, _, _| cur["State"]["Status"].clone(),
            libpod: Libpod::Skip,
        },
    ),
    Row::option("tls_verify", Arg::flag(false)),
    Row::option("tls_cert", Arg::str()),
    Row::option("tls_key", Arg::str()),
    Row::option("tls_cacert", Arg::str()),
    Row::custom(
        "tmpfs",
        Some(Arg::strs()),
        Kind::Value,
        true,
        Custom {
            create: |v, _, b| {
                let t = parse::tmpfs(&strings(v));
                if !t.is_empty() {
                    b.host_config.get_or_insert_with(Default::default).tmpfs =
                        Some(t.into_iter().collect());
                }
                Ok(())
            },
            wanted: |w, c| {
                let sorted: BTreeMap<String, String> =
                    w.host().tmpfs.unwrap_or_default().into_iter().collect();
                Expect::Strict(tmpfs_shape(json!(sorted), c))
            },
            current: |cur, _, c| match &cur["HostConfig"]["Tmpfs"] {
                Value::Object(m) => {
                    let sorted: BTreeMap<&String, &Value> = m.iter().collect();
                    tmpfs_shape(json!(sorted), c)
                }
                _ => json!({}),
            },
            libpod: Libpod::Custom(|w, s| {
                let tmpfs: BTreeMap<String, String> =
                    w.host().tmpfs.unwrap_or_default().into_iter().collect();
                for (path, options) in tmpfs {
                    libpod::tmpfs(s, &path, &options);
                }
                Ok(())
            }),
        },
    ),
    Row::custom(
        "volumes",
        Some(Arg::strs()),
        Kind::Set,
        true,
        Custom {
            create: |v, _, b| {
                let vols = parse::volumes(&strings(v))?;
                if !vols.paths.is_empty() {
                    b.volumes = Some(vols.paths);
                }
                if !vols.binds.is_empty() {
                    b.host_config.get_or_insert_with(Default::default).binds = Some(vols.binds);
                }
                Ok(())
            },
            wanted: |w, c| {
                let image_paths = c
                    .base_config("Volumes")
                    .and_then(Value::as_object)
                    .map(|m| m.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default();
                let paths = w.body.volumes.clone().unwrap_or_default();
                Expect::Strict(volumes_shape(
                    &w.host().binds.unwrap_or_default(),
                    paths.into_iter().chain(image_paths).collect(),
                    c,
                ))
            },
            current: |cur, _, c| {
                let paths = cur["Config"]["Volumes"]
                    .as_object()
                    .map(|m| m.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default();
                volumes_shape(&strings(&cur["HostConfig"]["Binds"]), paths, c)
            },
            libpod: Libpod::Custom(|w, s| {
                let binds = w.host().binds.unwrap_or_default();
                for b in &binds {
                    libpod::bind(s, b);
                }
                let dests: Vec<&str> = binds.iter().filter_map(|b| bind_destination(b)).collect();
                for path in w.body.volumes.iter().flatten() {
                    if !dests.contains(&path.as_str()) {
                        libpod::anonymous(s, path);
                    }
                }
                Ok(())
            }),
        },
    ),
    Row::field(
        "volumes_from",
        Arg::strs(),
        Ops::HostList(|h| &mut h.volumes_from),
        Libpod::Key("volumes_from"),
    ),
    Row::custom(
        "dimensions",
        Some(Arg::dict().default(Fallback::EmptyDict)),
        Kind::Dict,
        true,
        Custom {
            create: |v, _, b| {
                let empty = Map::new();
                parse::dimensions(
                    v.as_object().unwrap_or(&empty),
                    b.host_config.get_or_insert_with(Default::default),
                )
            },
            wanted: |w, c| {
                let hc = to_json(w.host());
                let mut all = Map::new();
                for d in parse::DIMENSIONS {
                    let v = match &hc[d.docker_key()] {
                        Value::Null => d.unset(),
                        v => v.clone(),
                    };
                    all.insert(d.option.into(), v);
                }
                let mut ulimits: Vec<Value> = w
                    .host()
                    .ulimits
                    .unwrap_or_default()
                    .iter()
                    .map(|u| ulimit_shape(to_json(u), c))
                    .collect();
                ulimits.sort_by(|a, b| a["Name"].as_str().cmp(&b["Name"].as_str()));
                all.insert("ulimits".into(), json!(ulimits));
                Expect::Strict(Value::Object(all))
            },
            current: |cur, w, c| {
                let hc = &cur["HostConfig"];
                let mut all = Map::new();
                for d in parse::DIMENSIONS {
                    let v = match &hc[d.docker_key()] {
                        Value::Null => d.unset(),
                        v => v.clone(),
                    };
                    all.insert(d.option.into(), v);
                }
                // Docker doubles Memory into MemorySwap when only a memory limit is set.
                let mem = hc["Memory"].as_i64().unwrap_or(0);
                if w.host().memory_swap.is_none()
                    && mem > 0
                    && hc["MemorySwap"].as_i64() == Some(mem * 2)
                {
                    all.insert("memswap_limit".into(), json!(0));
                }
                let asked: Vec<String> = w
                    .host()
                    .ulimits
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|u| u.name.as_deref().map(podman::ulimit_name))
                    .collect();
                let mut ulimits: Vec<Value> = hc["Ulimits"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|u| ulimit_shape(u, c))
                    // podman's own defaults, unless the task asks for that limit.
                    .filter(|u| {
                        let n = u["Name"].as_str().unwrap_or_default();
                        !(c.podman && podman::default_ulimit(n) && !asked.iter().any(|a| a == n))
                    })
                    .collect();
                ulimits.sort_by(|a, b| a["Name"].as_str().cmp(&b["Name"].as_str()));
                all.insert("ulimits".into(), json!(ulimits));
                Value::Object(all)
            },
            libpod: Libpod::Custom(|w, s| {
                let hc = to_json(w.host());
                for d in parse::DIMENSIONS {
                    let v = &hc[d.docker_key()];
                    if !v.is_null() {
                        libpod::resource(s, d.spec, v.clone());
                    }
                }
                for u in w.host().ulimits.unwrap_or_default() {
                    let name = u.name.unwrap_or_default();
                    libpod::rlimit(s, &name, u.soft.unwrap_or(0), u.hard.unwrap_or(0));
                }
                Ok(())
            }),
        },
    ),
    Row::field(
        "tty",
        Arg::flag(false),
        Ops::Flag(|b| &mut b.tty),
        Libpod::Key("terminal"),
    ),
    Row::option(
        "client_timeout",
        Arg::int().common(Fallback::Int(docker_client::DEFAULT_TIMEOUT as i64)),
    ),
    Row::option("ignore_missing", Arg::flag(false)),
    Row::option("docker_host", Arg::str()),
    Row::custom(
        "network_mode",
        None,
        Kind::Value,
        true,
        Custom {
            // kolla's containers always use the host's network.
            create: |_, _, b| {
                b.host_config
                    .get_or_insert_with(Default::default)
                    .network_mode = Some("host".into());
                Ok(())
            },
            wanted: |_, _| Expect::Strict(json!("host")),
            current: |cur, _, _| cur["HostConfig"]["NetworkMode"].clone(),
            libpod: Libpod::Custom(|_, s| {
                s.insert("netns".into(), libpod::namespace("host"));
                Ok(())
            }),
        },
    ),
];

/// The row of an option, by name.
pub fn row(name: &str) -> Option<&'static Row> {
    ROWS.iter().find(|r| r.name == name)
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

impl Field {
    /// What the task asks of this field.
    fn wanted(&self, w: &Want, ctx: &Ctx) -> Expect {
        let hc = w.host();
        match &self.ops {
            Ops::HostFlag(slot) => Expect::Strict(json!(slot(&mut hc.clone()).unwrap_or(false))),
            Ops::Flag(slot) => Expect::Strict(json!(slot(&mut w.body.clone()).unwrap_or(false))),
            Ops::HostList(slot) => {
                Expect::Strict(json!(slot(&mut hc.clone()).clone().unwrap_or_default()))
            }
            Ops::HostMode { slot, unset } => match slot(&mut hc.clone()).clone() {
                Some(m) => Expect::Strict(json!(m)),
                None => Expect::AnyOf(unset.iter().map(|u| json!(u)).collect()),
            },
            Ops::Custom(c) => (c.wanted)(w, ctx),
        }
    }

    /// The field as the container `cur` (inspect JSON) has it.
    fn current(&self, cur: &Value, w: &Want, ctx: &Ctx) -> Value {
        let host = &cur["HostConfig"];
        match &self.ops {
            Ops::HostFlag(slot) => json!(host[docker_key(slot)].as_bool().unwrap_or(false)),
            Ops::Flag(slot) => json!(cur["Config"][docker_key(slot)].as_bool().unwrap_or(false)),
            Ops::HostList(slot) => json!(strings(&host[docker_key(slot)])),
            Ops::HostMode { slot, .. } => string_or_empty(&host[docker_key(slot)]),
            Ops::Custom(c) => (c.current)(cur, w, ctx),
        }
    }
}

/// Every field where the container `current` (inspect JSON) is not what `want` asks for.
pub fn differences(want: &Want, current: &Value, ctx: &Ctx) -> Vec<Difference> {
    let mut out = Vec::new();
    for row in ROWS {
        let Some(f) = &row.field else { continue };
        let cur = f.current(current, want, ctx);
        let diff = |name: String, before: Value, after: Value| Difference {
            name,
            before,
            after,
            recreate: f.recreate,
        };
        let (wanted, exact) = match f.wanted(want, ctx) {
            Expect::Ignore => continue,
            Expect::AnyOf(options) => {
                if !options.contains(&cur) {
                    out.push(diff(row.name.into(), cur, options[0].clone()));
                }
                continue;
            }
            Expect::Strict(w) => (w, true),
            Expect::AllowMorePresent(w) => (w, false),
        };
        match f.kind {
            Kind::Dict | Kind::SecretDict => {
                let shown = |v: Option<&Value>| match (v, f.kind) {
                    (None, _) => Value::Null,
                    (Some(_), Kind::SecretDict) => json!(SECRET_MASK),
                    (Some(v), _) => v.clone(),
                };
                let empty = Map::new();
                let wm = wanted.as_object().unwrap_or(&empty);
                let cm = cur.as_object().unwrap_or(&empty);
                let mut keys: Vec<&String> = wm.keys().chain(cm.keys().filter(|_| exact)).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    let (a, b) = (wm.get(k), cm.get(k));
                    if a != b {
                        out.push(diff(format!("{}.{k}", row.name), shown(b), shown(a)));
                    }
                }
            }
            Kind::Set => {
                let (w, c) = (set_of(&wanted), set_of(&cur));
                let same = if exact {
                    w == c
                } else {
                    w.iter().all(|x| c.contains(x))
                };
                if !same {
                    out.push(diff(row.name.into(), cur, wanted));
                }
            }
            Kind::Value => {
                if wanted != cur {
                    out.push(diff(row.name.into(), cur, wanted));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(extra: Value) -> Map<String, Value> {
        let mut a: Map<String, Value> = serde_json::from_value(json!({
            "action": "start_container", "name": "kd_x", "image": "img:1",
            "state": "running", "detach": true, "remove_on_exit": true,
            "environment": {}, "labels": {}, "dimensions": {}, "privileged": false, "tty": false,
            "cap_add": [], "security_opt": [],
        }))
        .unwrap();
        a.extend(extra.as_object().unwrap().clone());
        a
    }

    fn want(extra: Value) -> Want {
        Want::new(&params(extra)).unwrap()
    }

    fn body(w: &Want) -> Value {
        to_json(&w.body)
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
            podman: false,
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
        let body = body(&w);
        let mut cur = inspect_of(&body, &image());
        cur["HostConfig"]["SecurityOpt"] = json!(["label=disable"]);
        cur["HostConfig"]["MemorySwap"] = json!(2 * 64 * 1024 * 1024);
        cur["HostConfig"]["CgroupnsMode"] = json!("host");
        let d = differences(&w, &cur, &ctx());
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(body["HostConfig"]["NetworkMode"], "host");
        assert_eq!(body["HostConfig"]["Memory"], 64 << 20);
        assert_eq!(body["HostConfig"]["RestartPolicy"]["MaximumRetryCount"], 3);
        assert_eq!(body["Env"][0], "A=1");
        assert!(strings(&body["Env"]).contains(&"KOLLA_SERVICE_NAME=kd-x".to_string()));
    }

    #[test]
    fn differences_are_named() {
        let w = want(json!({"environment": {"A": "1"}, "labels": {"l": "1"}}));
        let mut cur = inspect_of(&body(&w), &image());
        cur["Config"]["Env"] = json!(["PATH=/bin", "A=2", "GONE=1", "KOLLA_SERVICE_NAME=kd-x"]);
        cur["Config"]["Labels"]["l"] = json!("0");
        cur["HostConfig"]["RestartPolicy"]["Name"] = json!("always");
        cur["HostConfig"]["IpcMode"] = json!("host");
        cur["HostConfig"]["Privileged"] = json!(true);
        cur["HostConfig"]["CapAdd"] = json!(["NET_ADMIN"]);
        cur["State"]["Status"] = json!("exited");
        cur["Config"]["Cmd"] = json!(["other"]);
        cur["Config"]["Tty"] = json!(true);
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
            "privileged",
            "cap_add",
            "tty",
        ] {
            assert!(names.contains(&n.to_string()), "{n} missing from {names:?}");
        }
        assert!(!names.contains(&"environment.PATH".to_string()));
    }

    #[test]
    fn environment_values_never_reach_a_difference() {
        let w = want(json!({"environment": {"DB_PASSWORD": "n3w-s3cret", "NEW": "x"}}));
        let mut cur = inspect_of(&body(&w), &image());
        cur["Config"]["Env"] = json!(["DB_PASSWORD=0ld-s3cret", "GONE=g0ne-s3cret"]);
        let d = differences(&w, &cur, &ctx());
        let text =
            serde_json::to_string(&d.iter().map(|d| (&d.before, &d.after)).collect::<Vec<_>>())
                .unwrap();
        assert!(
            !text.contains("s3cret") && !text.contains("\"x\""),
            "{text}"
        );
        let by_name = |n: &str| d.iter().find(|d| d.name == n).unwrap();
        assert_eq!(
            by_name("environment.DB_PASSWORD").before,
            json!(SECRET_MASK)
        );
        assert_eq!(by_name("environment.NEW").before, Value::Null);
        assert_eq!(by_name("environment.GONE").after, Value::Null);
        // Labels are no secrets: their values stay visible.
        let w = want(json!({"labels": {"l": "1"}}));
        let d = differences(&w, &inspect_of(&body(&want(json!({}))), &image()), &ctx());
        assert!(
            d.iter()
                .any(|d| d.name == "labels.l" && d.after == json!("1")),
            "{d:?}"
        );
    }

    #[test]
    fn labels_allow_more_without_the_image() {
        let w = want(json!({"labels": {"l": "1"}}));
        let mut cur = inspect_of(&body(&w), &image());
        cur["Config"]["Labels"]["inherited"] = json!("x");
        let no_image = Ctx::default();
        assert!(differences(&w, &cur, &no_image)
            .iter()
            .all(|d| !d.name.starts_with("labels")));
        let d = differences(&w, &cur, &ctx());
        assert!(d.iter().any(|d| d.name == "labels.inherited"), "{d:?}");
    }

    #[test]
    fn image_changes_are_seen() {
        let w = want(json!({}));
        let mut cur = inspect_of(&body(&w), &image());
        cur["Image"] = json!("sha256:old");
        let d = differences(&w, &cur, &ctx());
        let image = d.iter().find(|d| d.name == "image").expect("image differs");
        assert!(image.recreate);
        assert_eq!(d.len(), 1, "{d:?}");
    }

    #[test]
    fn generic_rows_find_their_docker_names() {
        assert_eq!(
            docker_key(|h: &mut HostConfig| &mut h.privileged),
            "Privileged"
        );
        assert_eq!(
            docker_key(|h: &mut HostConfig| &mut h.volumes_from),
            "VolumesFrom"
        );
        assert_eq!(docker_key(|b: &mut ContainerCreateBody| &mut b.tty), "Tty");
    }

    #[test]
    fn pid_mode_private_is_kolla_container_only() {
        let Some(Arg {
            choices: Choices::List(c),
            ..
        }) = row("pid_mode").and_then(|r| r.arg)
        else {
            panic!("pid_mode has choices");
        };
        let of = |p| {
            c.iter()
                .filter(|c| c.profiles.has(p))
                .map(|c| c.value)
                .collect::<Vec<_>>()
        };
        assert_eq!(of(Profile::KollaDocker), ["host", ""]);
        assert_eq!(of(Profile::KollaContainer), ["host", "", "private"]);
        let w = want(json!({"pid_mode": "private"}));
        assert_eq!(w.host().pid_mode.as_deref(), Some("private"));
    }

    #[test]
    fn podman_gets_the_spec_22_2_s_worker_sends() {
        // What 22.2's podman worker hands podman-py for this task and podman-py
        // posts to libpod (read off their code with this task's arguments),
        // but ulimits in table order and the healthcheck's keys as bollard
        // spells them (podman reads them case-insensitively).
        let w = want(json!({
            "name": "kcp_svc", "image": "kolla-test/service:latest", "container_engine": "podman",
            "environment": {"KCP_MODE": "base", "N": 5}, "labels": {"kcp": "base"},
            "dimensions": {"cpu_shares": 512, "mem_limit": "64m",
                           "ulimits": {"nofile": {"soft": 4096, "hard": 4096}, "core": {"soft": 0, "hard": 0}}},
            "cap_add": ["NET_ADMIN"],
            "volumes": ["/etc/hostname:/etc/kcp-hostname:ro", "kcp_data:/var/lib/kcp", "", "/run:/run:shared"],
            "healthcheck": {"test": ["CMD-SHELL", "true"], "interval": 30, "retries": 3, "timeout": 10, "start_period": 5},
            "command": "sh -c 'sleep 1'", "graceful_timeout": 10, "ipc_mode": "host", "cgroupns_mode": "private",
        }));
        let bind = |src: &str, dst: &str, opts: Value| json!({"destination": dst, "options": opts, "source": src, "type": "bind"});
        assert_eq!(
            w.spec.unwrap(),
            json!({
                "cap_add": ["NET_ADMIN", "AUDIT_WRITE"], "cgroupns": {"nsmode": "private"},
                "command": ["sh", "-c", "sleep 1"],
                "env": {"KCP_MODE": "base", "KOLLA_SERVICE_NAME": "kcp-svc", "N": "5"},
                "healthconfig": {"Interval": 30_000_000_000i64, "Retries": 3, "StartPeriod": 5_000_000_000i64,
                                 "Test": ["CMD-SHELL", "true"], "Timeout": 10_000_000_000i64},
                "image": "kolla-test/service:latest", "ipcns": {"nsmode": "host"},
                "labels": {"kcp": "base"},
                "mounts": [bind("/etc/hostname", "/etc/kcp-hostname", json!(["rprivate", "ro"])),
                           bind("/run", "/run", json!(["shared"]))],
                "name": "kcp_svc", "netns": {"nsmode": "host"}, "privileged": false,
                "r_limits": [{"hard": 0, "soft": 0, "type": "core"}, {"hard": 4096, "soft": 4096, "type": "nofile"}],
                "resource_limits": {"cpu": {"shares": 512}, "memory": {"limit": 67108864}},
                "stop_timeout": 10, "terminal": false,
                "volumes": [{"Dest": "/var/lib/kcp", "Name": "kcp_data", "Options": ["rw"]}],
            })
        );
    }

    #[test]
    fn podman_gets_what_22_2_drops_and_docker_no_spec() {
        let w = want(json!({
            "container_engine": "podman", "privileged": true, "cap_add": ["SYS_ADMIN"],
            "tmpfs": ["/t:size=1m"], "volumes": ["/anon"], "security_opt": ["no-new-privileges"],
            "dimensions": {"blkio_weight": 300}, "restart_policy": "on-failure", "restart_retries": 3,
            "pid_mode": "host", "healthcheck": {"test": "NONE"},
        }));
        let spec = w.spec.unwrap();
        // Privileged: no AUDIT_WRITE, as in 22.2.
        assert_eq!(spec["cap_add"], json!(["SYS_ADMIN"]));
        assert_eq!(spec["pidns"], json!({"nsmode": "host"}));
        assert_eq!(spec["mounts"][0]["type"], "tmpfs");
        assert_eq!(
            spec["volumes"],
            json!([{"Name": "", "Dest": "/anon", "Options": []}])
        );
        assert_eq!(spec["no_new_privileges"], true);
        assert_eq!(spec["resource_limits"], json!({"blockIO": {"weight": 300}}));
        assert_eq!(
            (&spec["restart_policy"], &spec["restart_tries"]),
            (&json!("on-failure"), &json!(3))
        );
        assert_eq!(spec["healthconfig"], json!({"Test": ["NONE"]}));
        // Nothing the task leaves unset is sent.
        for absent in [
            "labels",
            "command",
            "ipcns",
            "cgroupns",
            "r_limits",
            "volumes_from",
        ] {
            assert!(spec.get(absent).is_none(), "{absent}: {spec}");
        }
        assert!(want(json!({"container_engine": "docker"})).spec.is_none());
        assert!(want(json!({})).spec.is_none());
        let e = Want::new(&params(
            json!({"container_engine": "podman", "security_opt": ["x=y"]}),
        ))
        .unwrap_err();
        assert!(e.to_string().contains("x=y"), "{e}");
    }

    #[test]
    fn bad_values_fail_before_any_request() {
        assert!(Want::new(&params(json!({"volumes": ["/host:ro"]}))).is_err());
        assert!(Want::new(&params(json!({"command": "echo 'x"}))).is_err());
        let e = Want::new(&params(json!({"dimensions": {"blkio_weight": 70000}}))).unwrap_err();
        assert!(e.to_string().contains("blkio_weight"), "{e}");
    }
}
