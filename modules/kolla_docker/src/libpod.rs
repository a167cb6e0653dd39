//! podman's own container definition, the SpecGenerator that
//! `POST /libpod/containers/create` takes: the shapes the field table's libpod
//! column writes. Under `container_engine: podman` containers are created
//! through it rather than through podman's Docker-compatible create, because
//! only libpod's create gives a container podman's defaults (podman 4.3's
//! compat create leaves the umask at 0000, world-writable files by default;
//! podman PR 15040 fixed that for libpod only), and because it is the request
//! 22.2's podman worker makes (through podman-py), so the container podman
//! records is the one 22.2 would have made.
//!
//! The mapping is 22.2's: its worker turns the task into podman-py keywords
//! (binds become mounts with `rprivate` propagation unless `shared`, named
//! volumes keep their mode, `devpts` is a devpts mount, AUDIT_WRITE is added) and podman-py turns those
//! into the spec (`env` as a map, namespaces as `{"nsmode": ...}`, sizes in
//! bytes under `resource_limits`, ulimits as `r_limits`, nulls and empty
//! values left out). Where 22.2 drops what a task asks for (tmpfs,
//! security_opt, anonymous volumes, blkio_weight, `RLIMIT_`-named ulimits),
//! ours sends it, in the form podman's own CLI gives it.

use crate::error::ArgsError;
use serde_json::{json, Map, Value};

/// The endpoint containers are created at. podman serves its libpod API
/// under any version prefix from 4.0 on; 4.0.0 names the oldest podman whose
/// SpecGenerator has every key written here.
pub const CREATE: &str = "/v4.0.0/libpod/containers/create";

/// libpod's ping, which only a podman that serves the libpod API answers.
pub const PING: &str = "/v4.0.0/libpod/_ping";

/// The spec being built: SpecGenerator keys to values.
pub type Spec = Map<String, Value>;

/// Mount propagation flags: a bind naming one keeps it, others get `rprivate`
/// as 22.2 gives them.
const PROPAGATION: &[&str] = &[
    "shared",
    "rshared",
    "slave",
    "rslave",
    "private",
    "rprivate",
    "unbindable",
    "runbindable",
];

/// Whether podman-py would leave `v` out of the request body (null, or an
/// empty string, list or map).
pub fn empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// Sets `key` unless the value is empty, as podman-py's request body does.
pub fn put(spec: &mut Spec, key: &str, v: Value) {
    if !empty(&v) {
        spec.insert(key.to_string(), v);
    }
}

/// Appends to the list under `key`.
fn push(spec: &mut Spec, key: &str, v: Value) {
    match spec.entry(key).or_insert_with(|| json!([])) {
        Value::Array(a) => a.push(v),
        other => *other = json!([v]),
    }
}

/// A namespace mode as the spec takes it.
pub fn namespace(mode: &str) -> Value {
    json!({ "nsmode": mode })
}

/// A bind (`src:dst:mode`, as `parse::volumes` writes it) into the spec: a host
/// path becomes a bind mount, anything else a named volume with its mode.
pub fn bind(spec: &mut Spec, bind: &str) {
    let mut parts = bind.splitn(3, ':');
    let (src, dst) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let flags: Vec<&str> = parts
        .next()
        .unwrap_or_default()
        .split(',')
        .filter(|f| !f.is_empty())
        .collect();
    // Kolla's `devpts:/dev/pts` (nova_libvirt on podman) is a fresh devpts
    // instance, as 22.2 mounts it, not a volume of that name.
    if src == "devpts" {
        let devpts = json!({"type": "devpts", "source": src, "destination": dst, "options": []});
        push(spec, "mounts", devpts);
        return;
    }
    if !src.starts_with('/') {
        let options = if flags.is_empty() { vec!["rw"] } else { flags };
        push(
            spec,
            "volumes",
            json!({"Name": src, "Dest": dst, "Options": options}),
        );
        return;
    }
    // 22.2 gives every bind a propagation and no `rw` (podman's default).
    let (mut options, rest): (Vec<&str>, Vec<&str>) = flags
        .into_iter()
        .filter(|f| *f != "rw")
        .partition(|f| PROPAGATION.contains(f));
    if options.is_empty() {
        options.push("rprivate");
    }
    options.extend(rest);
    push(
        spec,
        "mounts",
        json!({"type": "bind", "source": src, "destination": dst, "options": options}),
    );
}

/// An anonymous volume: a named volume without a name, which podman names itself.
pub fn anonymous(spec: &mut Spec, path: &str) {
    push(
        spec,
        "volumes",
        json!({"Name": "", "Dest": path, "Options": []}),
    );
}

/// A tmpfs mount with its options (`size=1m,mode=1777`), podman adding its defaults.
pub fn tmpfs(spec: &mut Spec, path: &str, options: &str) {
    let options: Vec<&str> = options.split(',').filter(|o| !o.is_empty()).collect();
    push(
        spec,
        "mounts",
        json!({"type": "tmpfs", "source": "tmpfs", "destination": path, "options": options}),
    );
}

/// A Docker `--security-opt` into the spec keys podman's CLI parses it into.
pub fn security_opt(spec: &mut Spec, opt: &str) -> Result<(), ArgsError> {
    let (key, value) = match opt.split_once(['=', ':']) {
        Some((k, v)) => (k, Some(v)),
        None => (opt, None),
    };
    match (key, value) {
        ("label", Some(v)) => push(spec, "selinux_opts", json!(v)),
        ("apparmor", Some(v)) => put(spec, "apparmor_profile", json!(v)),
        ("seccomp", Some(v)) => put(spec, "seccomp_profile_path", json!(v)),
        ("no-new-privileges", None | Some("true")) => put(spec, "no_new_privileges", json!(true)),
        ("no-new-privileges", Some("false")) => put(spec, "no_new_privileges", json!(false)),
        ("mask" | "unmask", Some(v)) => {
            for path in v.split(':').filter(|p| !p.is_empty()) {
                push(spec, key, json!(path));
            }
        }
        _ => {
            return Err(ArgsError::Unsupported(
                "security_opt under podman",
                opt.into(),
            ))
        }
    }
    Ok(())
}

/// A limit under `resource_limits.SECTION.KEY`.
pub fn resource(spec: &mut Spec, (section, key): (&str, &str), v: Value) {
    let limits = spec.entry("resource_limits").or_insert_with(|| json!({}));
    if let Value::Object(l) = limits {
        if let Value::Object(s) = l.entry(section).or_insert_with(|| json!({})) {
            s.insert(key.to_string(), v);
        }
    }
}

/// A ulimit. podman prefixes the type with `RLIMIT_` itself, so a name that
/// already has it (which 22.2 drops) loses it here.
pub fn rlimit(spec: &mut Spec, name: &str, soft: i64, hard: i64) {
    let short = match name.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("RLIMIT_") => &name[7..],
        _ => name,
    };
    push(
        spec,
        "r_limits",
        json!({"type": short, "soft": soft, "hard": hard}),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_of(f: impl FnOnce(&mut Spec)) -> Value {
        let mut s = Spec::new();
        f(&mut s);
        Value::Object(s)
    }

    #[test]
    fn binds_become_mounts_as_22_2_makes_them() {
        let s = spec_of(|s| {
            bind(s, "/etc/hostname:/etc/kcp-hostname:ro");
            bind(s, "/run:/run:shared");
            bind(s, "/dev:/dev:rw");
            bind(s, "/x:/y:ro,rslave,z");
            bind(s, "kolla_logs:/var/log/kolla:rw");
            bind(s, "devpts:/dev/pts:rw");
        });
        let mount = |src: &str, dst: &str, opts: Value| json!({"type": "bind", "source": src, "destination": dst, "options": opts});
        assert_eq!(
            s["mounts"],
            json!([
                mount(
                    "/etc/hostname",
                    "/etc/kcp-hostname",
                    json!(["rprivate", "ro"])
                ),
                mount("/run", "/run", json!(["shared"])),
                mount("/dev", "/dev", json!(["rprivate"])),
                mount("/x", "/y", json!(["rslave", "ro", "z"])),
                json!({"type": "devpts", "source": "devpts", "destination": "/dev/pts", "options": []}),
            ])
        );
        assert_eq!(
            s["volumes"],
            json!([{"Name": "kolla_logs", "Dest": "/var/log/kolla", "Options": ["rw"]}])
        );
    }

    #[test]
    fn what_22_2_drops_is_sent_as_podman_s_cli_sends_it() {
        let s = spec_of(|s| {
            anonymous(s, "/anon");
            tmpfs(s, "/t", "size=1m,mode=1777");
            tmpfs(s, "/u", "");
            rlimit(s, "RLIMIT_CORE", 0, 1);
            rlimit(s, "nofile", 2, 3);
            for o in [
                "label=disable",
                "apparmor=unconfined",
                "seccomp=unconfined",
                "no-new-privileges",
            ] {
                security_opt(s, o).unwrap();
            }
        });
        assert_eq!(
            s["volumes"],
            json!([{"Name": "", "Dest": "/anon", "Options": []}])
        );
        assert_eq!(s["mounts"][0]["options"], json!(["size=1m", "mode=1777"]));
        assert_eq!(s["mounts"][1]["options"], json!([]));
        assert_eq!(
            s["r_limits"],
            json!([{"type": "CORE", "soft": 0, "hard": 1}, {"type": "nofile", "soft": 2, "hard": 3}])
        );
        assert_eq!(s["selinux_opts"], json!(["disable"]));
        assert_eq!(s["apparmor_profile"], "unconfined");
        assert_eq!(s["seccomp_profile_path"], "unconfined");
        assert_eq!(s["no_new_privileges"], true);
        let e = security_opt(&mut Spec::new(), "bogus").unwrap_err();
        assert!(e.to_string().contains("bogus"), "{e}");
    }

    #[test]
    fn empty_values_are_left_out() {
        let s = spec_of(|s| {
            put(s, "labels", json!({}));
            put(s, "volumes_from", json!([]));
            put(s, "privileged", json!(false));
            put(s, "stop_timeout", json!(0));
            resource(s, ("memory", "limit"), json!(64));
            resource(s, ("memory", "swap"), json!(128));
        });
        assert_eq!(
            s,
            json!({"privileged": false, "stop_timeout": 0,
                   "resource_limits": {"memory": {"limit": 64, "swap": 128}}})
        );
    }
}
