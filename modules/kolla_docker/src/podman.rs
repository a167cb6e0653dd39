//! How podman's Docker-compatible inspect spells what a task asked for, and
//! the normal forms both sides are compared in, so that an unchanged podman
//! container is not recreated on every run. Seen from podman 4.3's API:
//! binds come back with the mount flags podman adds (`rprivate`, `rbind`,
//! `nosuid`, `nodev`) and anonymous volumes as binds of a generated volume;
//! tmpfs options gain `rw,rprivate,nosuid,nodev,tmpcopyup`; capabilities may
//! carry `CAP_`; ulimits are named `RLIMIT_*` and NOFILE/NPROC appear unasked;
//! the environment gains `container=podman`, `TERM`, `HOME` and `HOSTNAME`; PidMode is `private`
//! when none was asked for; image names gain `localhost/`. kolla-ansible
//! 22.2's podman worker makes the same allowances (and adds AUDIT_WRITE to
//! every unprivileged container, which `AUDIT_WRITE` here does too).

use serde_json::Value;
use std::collections::BTreeSet;

/// The capability 22.2 adds to every unprivileged podman container.
pub const AUDIT_WRITE: &str = "AUDIT_WRITE";

/// Mount flags podman adds to every bind.
const DEFAULT_BIND_FLAGS: &[&str] = &["rprivate", "rbind", "nosuid", "nodev"];
/// Destinations podman also mounts `noexec`.
const NOEXEC_PATHS: &[&str] = &["/proc", "/run", "/sys", "/var/run"];
/// tmpfs options podman adds to every tmpfs.
const DEFAULT_TMPFS_FLAGS: &[&str] = &["rw", "rprivate", "nosuid", "nodev", "tmpcopyup"];
/// Variables podman puts into every container's environment.
pub const INJECTED_ENV: &[&str] = &["container", "TERM", "HOME", "HOSTNAME"];
/// Ulimits podman sets on every container unless told otherwise.
const DEFAULT_ULIMITS: &[&str] = &["RLIMIT_NOFILE", "RLIMIT_NPROC"];

fn trim_slash(p: &str) -> &str {
    match p.trim_end_matches('/') {
        "" => "/",
        t => t,
    }
}

/// A podman volume name it generated for an anonymous volume: 64 hex digits.
fn generated(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A bind in normal form: `src:dst:flags` with podman's default flags gone and
/// `rw` when neither `ro` nor `rw` is given; Err(path) for an anonymous volume.
pub fn bind(b: &str) -> Result<String, String> {
    let mut parts = b.splitn(3, ':');
    let src = parts.next().unwrap_or_default();
    let Some(dst) = parts.next() else {
        return Err(trim_slash(src).to_string());
    };
    let dst = trim_slash(dst);
    if generated(src) {
        return Err(dst.to_string());
    }
    let mut flags: BTreeSet<&str> = parts
        .next()
        .unwrap_or_default()
        .split(',')
        .filter(|f| !f.is_empty() && !DEFAULT_BIND_FLAGS.contains(f))
        .collect();
    if NOEXEC_PATHS.iter().any(|p| dst.starts_with(p)) {
        flags.remove("noexec");
    }
    if !flags.contains("ro") && !flags.contains("rw") {
        flags.insert("rw");
    }
    let flags: Vec<&str> = flags.into_iter().collect();
    Ok(format!("{}:{dst}:{}", trim_slash(src), flags.join(",")))
}

/// tmpfs options in normal form: podman's defaults gone, the rest sorted.
pub fn tmpfs_options(options: &str) -> String {
    let set: BTreeSet<&str> = options
        .split(',')
        .filter(|o| !o.is_empty() && !DEFAULT_TMPFS_FLAGS.contains(o))
        .collect();
    set.into_iter().collect::<Vec<_>>().join(",")
}

/// A capability in normal form: upper case without `CAP_`.
pub fn capability(c: &str) -> String {
    let up = c.to_ascii_uppercase();
    up.strip_prefix("CAP_").map(str::to_string).unwrap_or(up)
}

/// An ulimit name in podman's form: `RLIMIT_` and upper case.
pub fn ulimit_name(n: &str) -> String {
    let up = n.to_ascii_uppercase();
    if up.starts_with("RLIMIT_") {
        up
    } else {
        format!("RLIMIT_{up}")
    }
}

/// Whether podman set this ulimit on its own (the task did not ask for it).
pub fn default_ulimit(name: &str) -> bool {
    DEFAULT_ULIMITS.contains(&name)
}

/// An image name without the registry podman writes for local images.
pub fn image_name(name: &Value) -> Value {
    match name.as_str() {
        Some(n) => Value::String(
            n.strip_prefix("localhost/")
                .or_else(|| n.strip_prefix("docker.io/library/"))
                .or_else(|| n.strip_prefix("docker.io/"))
                .unwrap_or(n)
                .to_string(),
        ),
        None => name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn binds_lose_podman_flags() {
        assert_eq!(
            bind("/etc/hosts:/etc/hosts:ro,rprivate,rbind").unwrap(),
            "/etc/hosts:/etc/hosts:ro"
        );
        assert_eq!(
            bind("/etc/hosts:/etc/hosts:ro").unwrap(),
            "/etc/hosts:/etc/hosts:ro"
        );
        assert_eq!(bind("/tmp/:/x/:rw,rprivate,rbind").unwrap(), "/tmp:/x:rw");
        assert_eq!(bind("logs:/var/log").unwrap(), "logs:/var/log:rw");
        assert_eq!(
            bind("logs:/var/log:rw,rprivate,nosuid,nodev,rbind").unwrap(),
            "logs:/var/log:rw"
        );
        assert_eq!(bind("/r:/run/x:noexec,rbind").unwrap(), "/r:/run/x:rw");
        assert_eq!(bind("/r:/x:shared").unwrap(), "/r:/x:rw,shared");
        let anon = format!("{}:/anon:rw,rprivate,nosuid,nodev,rbind", "a".repeat(64));
        assert_eq!(bind(&anon), Err("/anon".to_string()));
    }

    #[test]
    fn the_rest_is_normalised() {
        assert_eq!(
            tmpfs_options("size=1m,rw,rprivate,nosuid,nodev,tmpcopyup"),
            "size=1m"
        );
        assert_eq!(tmpfs_options(""), "");
        assert_eq!(capability("cap_net_admin"), "NET_ADMIN");
        assert_eq!(ulimit_name("nofile"), "RLIMIT_NOFILE");
        assert_eq!(ulimit_name("RLIMIT_CORE"), "RLIMIT_CORE");
        assert!(default_ulimit("RLIMIT_NPROC") && !default_ulimit("RLIMIT_CORE"));
        assert_eq!(image_name(&json!("localhost/k/s:1")), json!("k/s:1"));
        assert_eq!(
            image_name(&json!("reg:5000/k/s:1")),
            json!("reg:5000/k/s:1")
        );
    }
}
