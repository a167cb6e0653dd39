//! Turning option values into Docker's terms: volumes, tmpfs, healthchecks,
//! dimensions with size strings, shell-split commands, image references and
//! the resource `dimensions`. Pure functions, so every rule has a unit test.

use crate::error::ArgsError;
use ansible_module::{coerce_int, python_str};

/// A value as Docker gets it in environment, labels and text fields: Python's
/// `str()`, except that null is empty text rather than `None`, as documented.
pub fn docker_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        v => python_str(v),
    }
}
use bollard::models::{HealthConfig, HostConfig, ResourcesUlimits};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Splits a command line as POSIX `shlex.split` does.
pub fn shell_split(text: &str) -> Result<Vec<String>, ArgsError> {
    let bad = |why: &str| ArgsError::Command(format!("{why} in {text:?}"));
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => word.push(ch),
                        None => return Err(bad("no closing quotation")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('\\' | '"' | '$' | '`')) => word.push(e),
                            Some('\n') => {}
                            Some(e) => {
                                word.push('\\');
                                word.push(e);
                            }
                            None => return Err(bad("no closing quotation")),
                        },
                        Some(ch) => word.push(ch),
                        None => return Err(bad("no closing quotation")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') => {}
                    Some(e) => word.push(e),
                    None => return Err(bad("no escaped character")),
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// `volumes` entries, split into binds and the container paths Docker lists as volumes.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Volumes {
    /// `source:destination:mode` for named volumes and host paths.
    pub binds: Vec<String>,
    /// Every destination, anonymous volumes included (Docker's `Config.Volumes`).
    pub paths: Vec<String>,
}

/// Parses `volumes` entries: `/path`, `name:/path`, `/host:/path`, each with an optional mode.
pub fn volumes(entries: &[String]) -> Result<Volumes, ArgsError> {
    let mut out = Volumes::default();
    for entry in entries.iter().filter(|e| !e.is_empty()) {
        let parts: Vec<&str> = entry.split(':').collect();
        let (src, dst, mode) = match parts.as_slice() {
            [path] => {
                out.paths.push((*path).to_string());
                continue;
            }
            // A volume name, or a host path bound to a container path; a
            // host path followed by a word would be a path with a mode and
            // no destination, which Docker cannot do.
            [src, dst] if !src.contains('/') || dst.contains('/') => (*src, *dst, "rw"),
            [src, dst, mode] => (*src, *dst, *mode),
            _ => return Err(ArgsError::Volume(entry.clone())),
        };
        if src.is_empty() || dst.is_empty() || mode.is_empty() {
            return Err(ArgsError::Volume(entry.clone()));
        }
        out.binds.push(format!("{src}:{dst}:{mode}"));
        out.paths.push(dst.to_string());
    }
    Ok(out)
}

/// Parses `tmpfs` entries (`/path` or `/path:options`) into Docker's path -> options map.
pub fn tmpfs(entries: &[String]) -> BTreeMap<String, String> {
    entries
        .iter()
        .filter(|e| !e.is_empty())
        .map(|e| match e.split_once(':') {
            Some((p, o)) => (p.to_string(), o.to_string()),
            None => (e.clone(), String::new()),
        })
        .collect()
}

/// An image reference split as the reference does: a tag defaults to `latest`.
pub fn image_name(image: &str) -> String {
    if image.contains('@') {
        return image.to_string();
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    if last.contains(':') {
        image.to_string()
    } else {
        format!("{image}:latest")
    }
}

/// Repository and tag of an image reference, for pulling.
pub fn repo_tag(image: &str) -> (String, String) {
    let full = image_name(image);
    if let Some((repo, digest)) = full.split_once('@') {
        return (repo.to_string(), digest.to_string());
    }
    match full.rsplit_once(':') {
        Some((r, t)) => (r.to_string(), t.to_string()),
        None => (full, "latest".into()),
    }
}

/// An integer as ansible-core's `int` type takes it (templated values arrive as text).
fn int_of(key: &str, v: &Value) -> Result<i64, ArgsError> {
    coerce_int(v).map_err(|_| ArgsError::Number(key.into(), v.to_string()))
}

/// A byte size: a number, or a string like `512`, `64m`, `1g`, `100kb` (powers of 1024).
pub fn size(key: &str, v: &Value) -> Result<i64, ArgsError> {
    let Value::String(s) = v else {
        return int_of(key, v);
    };
    let bad = || ArgsError::Size(key.into(), s.clone());
    let mut t = s.trim().to_ascii_lowercase();
    if t.len() > 2 && t.ends_with('b') && t[..t.len() - 1].ends_with(|c: char| c.is_alphabetic()) {
        t.pop();
    }
    let (num, unit) = match t.chars().last() {
        Some(c) if c.is_ascii_digit() => (t.as_str(), 1i64),
        Some(c) => {
            let unit = match c {
                'b' => 1,
                'k' => 1 << 10,
                'm' => 1 << 20,
                'g' => 1 << 30,
                _ => return Err(bad()),
            };
            (&t[..t.len() - 1], unit)
        }
        None => return Err(bad()),
    };
    if let Ok(n) = num.parse::<i64>() {
        return n.checked_mul(unit).ok_or_else(bad);
    }
    let f: f64 = num.parse().map_err(|_| bad())?;
    Ok((f * unit as f64) as i64)
}

/// Where a dimension goes in HostConfig, which also says how its value is read.
#[derive(Clone, Copy)]
pub enum Slot {
    /// An integer.
    Int(fn(&mut HostConfig) -> &mut Option<i64>),
    /// A byte size: a number or text like `64m`.
    Size(fn(&mut HostConfig) -> &mut Option<i64>),
    /// A small integer (Docker's blkio weight).
    Weight(fn(&mut HostConfig) -> &mut Option<u16>),
    /// Text.
    Text(fn(&mut HostConfig) -> &mut Option<String>),
}

/// A resource option kolla passes in `dimensions`.
pub struct Dimension {
    /// Its name in `dimensions`.
    pub option: &'static str,
    /// Where it goes.
    pub slot: Slot,
    /// Where podman's SpecGenerator holds it: `resource_limits.SECTION.KEY`
    /// (podman-py's mapping of the same keyword).
    pub spec: (&'static str, &'static str),
}

impl Dimension {
    /// The HostConfig key Docker reports it under (serde's name for the slot).
    pub fn docker_key(&self) -> String {
        let mut h = HostConfig::default();
        match self.slot {
            Slot::Int(s) | Slot::Size(s) => *s(&mut h) = Some(0),
            Slot::Weight(s) => *s(&mut h) = Some(0),
            Slot::Text(s) => *s(&mut h) = Some(String::new()),
        }
        match serde_json::to_value(h) {
            Ok(Value::Object(m)) => m.keys().next().cloned().unwrap_or_default(),
            _ => String::new(),
        }
    }
    /// Its value as Docker reports it when not requested.
    pub fn unset(&self) -> Value {
        match self.slot {
            Slot::Text(_) => json!(""),
            _ => json!(0),
        }
    }
    fn apply(&self, v: &Value, h: &mut HostConfig) -> Result<(), ArgsError> {
        let key = self.option;
        match self.slot {
            Slot::Int(s) => *s(h) = Some(int_of(key, v)?),
            Slot::Size(s) => *s(h) = Some(size(key, v)?),
            Slot::Weight(s) => {
                let n = int_of(key, v)?;
                let w =
                    u16::try_from(n).map_err(|_| ArgsError::Number(key.into(), v.to_string()))?;
                *s(h) = Some(w);
            }
            Slot::Text(s) => *s(h) = Some(docker_text(v)),
        }
        Ok(())
    }
}

/// The resource options kolla passes as `dimensions`.
#[rustfmt::skip]
pub const DIMENSIONS: &[Dimension] = &[
    Dimension { option: "mem_limit", slot: Slot::Size(|h| &mut h.memory), spec: ("memory", "limit") },
    Dimension { option: "mem_reservation", slot: Slot::Size(|h| &mut h.memory_reservation), spec: ("memory", "reservation") },
    Dimension { option: "memswap_limit", slot: Slot::Size(|h| &mut h.memory_swap), spec: ("memory", "swap") },
    Dimension { option: "cpu_period", slot: Slot::Int(|h| &mut h.cpu_period), spec: ("cpu", "period") },
    Dimension { option: "cpu_quota", slot: Slot::Int(|h| &mut h.cpu_quota), spec: ("cpu", "quota") },
    Dimension { option: "cpu_shares", slot: Slot::Int(|h| &mut h.cpu_shares), spec: ("cpu", "shares") },
    Dimension { option: "cpuset_cpus", slot: Slot::Text(|h| &mut h.cpuset_cpus), spec: ("cpu", "cpus") },
    Dimension { option: "cpuset_mems", slot: Slot::Text(|h| &mut h.cpuset_mems), spec: ("cpu", "mems") },
    Dimension { option: "blkio_weight", slot: Slot::Weight(|h| &mut h.blkio_weight), spec: ("blockIO", "weight") },
];

/// Writes `dimensions` into `host`; unknown keys fail with their names.
pub fn dimensions(given: &Map<String, Value>, host: &mut HostConfig) -> Result<(), ArgsError> {
    let mut unknown = Vec::new();
    for (key, v) in given {
        if key == "ulimits" {
            host.ulimits = Some(ulimits(v)?);
            continue;
        }
        match DIMENSIONS.iter().find(|d| d.option == key) {
            Some(d) => d.apply(v, host)?,
            None => unknown.push(key.clone()),
        }
    }
    if !unknown.is_empty() {
        return Err(ArgsError::Unsupported("dimensions", unknown.join(", ")));
    }
    Ok(())
}

fn ulimits(v: &Value) -> Result<Vec<ResourcesUlimits>, ArgsError> {
    let Value::Object(map) = v else {
        return Err(ArgsError::Ulimits(v.to_string()));
    };
    let mut out = Vec::new();
    for (name, limits) in map {
        let Value::Object(l) = limits else {
            return Err(ArgsError::Ulimits(format!("{name}: {limits}")));
        };
        let get = |k: &str| -> Result<i64, ArgsError> {
            match l.get(k) {
                None | Some(Value::Null) => Ok(0),
                Some(x) => int_of(&format!("ulimits.{name}.{k}"), x),
            }
        };
        out.push(ResourcesUlimits {
            name: Some(name.clone()),
            soft: Some(get("soft")?),
            hard: Some(get("hard")?),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// What `healthcheck` asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Health {
    /// Not given: the image's own healthcheck applies.
    Unset,
    /// `test: NONE`: no healthcheck at all.
    Disabled,
    /// Docker's HealthConfig: test, interval, timeout, start period (ns), retries.
    Check(HealthConfig),
}

const HEALTH_KEYS: &[&str] = &["test", "interval", "timeout", "start_period", "retries"];

/// Parses `healthcheck`: all five keys, durations in seconds, `test` a shell line or a list.
pub fn healthcheck(given: Option<&Map<String, Value>>) -> Result<Health, ArgsError> {
    let Some(hc) = given.filter(|h| !h.is_empty()) else {
        return Ok(Health::Unset);
    };
    let unknown: Vec<&str> = hc
        .keys()
        .map(String::as_str)
        .filter(|k| !HEALTH_KEYS.contains(k))
        .collect();
    if !unknown.is_empty() {
        return Err(ArgsError::Unsupported(
            "healthcheck options",
            unknown.join(", "),
        ));
    }
    let test = hc.get("test").cloned().unwrap_or(Value::Null);
    let disabled = match &test {
        Value::String(s) => s == "NONE",
        Value::Array(a) => a.len() == 1 && a[0] == "NONE",
        _ => false,
    };
    if disabled {
        return Ok(Health::Disabled);
    }
    let missing: Vec<&str> = HEALTH_KEYS
        .iter()
        .copied()
        .filter(|k| !hc.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        return Err(ArgsError::MissingHealthcheck(missing.join(", ")));
    }
    let test = match test {
        Value::Array(items) => items.iter().map(docker_text).collect::<Vec<_>>(),
        other => vec!["CMD-SHELL".to_string(), docker_text(&other)],
    };
    let secs = |k: &str| -> Result<i64, ArgsError> {
        let v = &hc[k];
        int_of(k, v)
            .map(|s| s * 1_000_000_000)
            .map_err(|_| ArgsError::Healthcheck(k.into(), v.to_string()))
    };
    Ok(Health::Check(HealthConfig {
        test: Some(test),
        interval: Some(secs("interval")?),
        timeout: Some(secs("timeout")?),
        start_period: Some(secs("start_period")?),
        retries: Some(
            int_of("retries", &hc["retries"])
                .map_err(|_| ArgsError::Healthcheck("retries".into(), hc["retries"].to_string()))?,
        ),
        ..Default::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn split_like_shlex() {
        assert_eq!(
            shell_split(r#"sh -c "trap exit TERM; echo \"hi\"" 'a b' c\ d"#).unwrap(),
            strings(&["sh", "-c", "trap exit TERM; echo \"hi\"", "a b", "c d"])
        );
        assert_eq!(shell_split("  ").unwrap(), Vec::<String>::new());
        assert_eq!(shell_split("''").unwrap(), strings(&[""]));
        assert!(shell_split("echo 'x").is_err());
        assert!(shell_split("echo \\").is_err());
    }

    #[test]
    fn volumes_follow_the_reference_rules() {
        let v = volumes(&strings(&[
            "",
            "/anon",
            "kolla_logs:/var/log/kolla/",
            "/etc/localtime:/etc/localtime:ro",
            "/run:/run:shared",
            "data:/data",
        ]))
        .unwrap();
        assert_eq!(
            v.binds,
            strings(&[
                "kolla_logs:/var/log/kolla/:rw",
                "/etc/localtime:/etc/localtime:ro",
                "/run:/run:shared",
                "data:/data:rw"
            ])
        );
        assert_eq!(
            v.paths,
            strings(&[
                "/anon",
                "/var/log/kolla/",
                "/etc/localtime",
                "/run",
                "/data"
            ])
        );
        assert!(volumes(&strings(&["/host:ro"])).is_err());
        assert!(volumes(&strings(&["a:/b:ro:x"])).is_err());
        assert!(volumes(&strings(&[":/b"])).is_err());
    }

    #[test]
    fn tmpfs_keeps_options() {
        let t = tmpfs(&strings(&["/x:size=1m", "/y", ""]));
        assert_eq!(t.get("/x").unwrap(), "size=1m");
        assert_eq!(t.get("/y").unwrap(), "");
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn sizes() {
        assert_eq!(size("m", &json!("64m")).unwrap(), 64 << 20);
        assert_eq!(size("m", &json!("64MB")).unwrap(), 64 << 20);
        assert_eq!(size("m", &json!("1g")).unwrap(), 1 << 30);
        assert_eq!(size("m", &json!("100k")).unwrap(), 102400);
        assert_eq!(size("m", &json!("100b")).unwrap(), 100);
        assert_eq!(size("m", &json!("1.5k")).unwrap(), 1536);
        assert_eq!(size("m", &json!("4096")).unwrap(), 4096);
        assert_eq!(size("m", &json!(4096)).unwrap(), 4096);
        assert_eq!(size("m", &json!(-1)).unwrap(), -1);
        assert!(size("m", &json!("lots")).is_err());
        assert!(size("m", &json!("12x")).is_err());
        assert!(size("m", &json!("")).is_err());
    }

    #[test]
    fn dimensions_map_to_docker_names() {
        let d: Map<String, Value> = serde_json::from_value(json!({
            "mem_limit": "64m", "cpu_shares": "512", "cpuset_cpus": "0,1",
            "ulimits": {"nofile": {"soft": 1024, "hard": "2048"}, "core": {"soft": 0, "hard": 0}}
        }))
        .unwrap();
        let mut h = HostConfig::default();
        dimensions(&d, &mut h).unwrap();
        let h = serde_json::to_value(h).unwrap();
        assert_eq!(h["Memory"], json!(67108864));
        assert_eq!(h["CpuShares"], json!(512));
        assert_eq!(h["CpusetCpus"], json!("0,1"));
        assert_eq!(
            h["Ulimits"],
            json!([{"Name": "core", "Soft": 0, "Hard": 0}, {"Name": "nofile", "Soft": 1024, "Hard": 2048}])
        );
        let keys: Vec<String> = DIMENSIONS.iter().map(Dimension::docker_key).collect();
        assert_eq!(keys[0], "Memory");
        assert_eq!(keys[8], "BlkioWeight");
        let bad: Map<String, Value> =
            serde_json::from_value(json!({"mem_limit": 1, "bogus": 2, "kernel_memory": 3}))
                .unwrap();
        let e = dimensions(&bad, &mut HostConfig::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("bogus") && e.contains("kernel_memory"), "{e}");
    }

    #[test]
    fn healthcheck_converts_seconds_and_tests() {
        let hc: Map<String, Value> = serde_json::from_value(json!({
            "test": "curl -f localhost", "interval": "30", "timeout": 5,
            "start_period": 0, "retries": "3"
        }))
        .unwrap();
        let Health::Check(h) = healthcheck(Some(&hc)).unwrap() else {
            panic!("a check")
        };
        assert_eq!(
            serde_json::to_value(h).unwrap(),
            json!({
                "Test": ["CMD-SHELL", "curl -f localhost"], "Interval": 30_000_000_000i64,
                "Timeout": 5_000_000_000i64, "StartPeriod": 0, "Retries": 3
            })
        );
        let list: Map<String, Value> = serde_json::from_value(json!({
            "test": ["CMD", "true"], "interval": 1, "timeout": 1, "start_period": 1, "retries": 1
        }))
        .unwrap();
        let Health::Check(v) = healthcheck(Some(&list)).unwrap() else {
            panic!()
        };
        assert_eq!(v.test, Some(vec!["CMD".to_string(), "true".to_string()]));
        let none: Map<String, Value> = serde_json::from_value(json!({"test": "NONE"})).unwrap();
        assert_eq!(healthcheck(Some(&none)).unwrap(), Health::Disabled);
        assert_eq!(healthcheck(None).unwrap(), Health::Unset);
        let refused = |hc: Value| {
            let hc: Map<String, Value> = serde_json::from_value(hc).unwrap();
            healthcheck(Some(&hc)).unwrap_err().to_string()
        };
        assert!(refused(json!({"test": "true", "interval": 1})).contains("retries"));
        let bad: Map<String, Value> = serde_json::from_value(json!({
            "test": "true", "interval": "10s", "timeout": 1, "start_period": 1, "retries": 1
        }))
        .unwrap();
        assert!(healthcheck(Some(&bad)).is_err());
        assert!(refused(json!({"test": "true", "shell": 1})).contains("shell"));
    }

    #[test]
    fn values_become_docker_text() {
        assert_eq!(docker_text(&json!(null)), "");
        assert_eq!(docker_text(&json!(5)), "5");
        assert_eq!(docker_text(&json!(true)), "True");
        assert_eq!(docker_text(&json!(1.0)), "1.0");
    }

    #[test]
    fn images_and_values() {
        assert_eq!(image_name("busybox"), "busybox:latest");
        assert_eq!(
            image_name("127.0.0.1:5000/kolla/x"),
            "127.0.0.1:5000/kolla/x:latest"
        );
        assert_eq!(
            image_name("127.0.0.1:5000/kolla/x:1"),
            "127.0.0.1:5000/kolla/x:1"
        );
        assert_eq!(
            repo_tag("127.0.0.1:5000/kolla/x"),
            ("127.0.0.1:5000/kolla/x".into(), "latest".into())
        );
        assert_eq!(repo_tag("a/b:c"), ("a/b".into(), "c".into()));
    }
}
