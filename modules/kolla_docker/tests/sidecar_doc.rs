//! The documentation beside each binary (plugins/modules/kolla_docker.yml for
//! the 15.6 profile, kolla_container.yml for the 22.2 one) must describe exactly the options the table derives: same names, types,
//! element types, defaults, choices, aliases, required and no_log flags. The
//! descriptions stay hand-written prose; everything checkable is checked here.
//! Ansible's documentation schema has no `no_log` key (validate-modules
//! rejects one), so a secret option says so in its description with the
//! marker below, and the marker must stand exactly on the no_log options.

use ansible_module::{json, Map, Value};
use kolla_docker::{args, fields, Profile};
use yaml_rust2::{Yaml, YamlLoader};

fn to_json(y: &Yaml) -> Value {
    match y {
        Yaml::String(s) => json!(s),
        Yaml::Integer(i) => json!(i),
        Yaml::Real(r) => json!(r.parse::<f64>().unwrap_or(f64::NAN)),
        Yaml::Boolean(b) => json!(b),
        Yaml::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        Yaml::Hash(h) => Value::Object(
            h.iter()
                .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), to_json(v)))
                .collect(),
        ),
        _ => Value::Null,
    }
}

/// The options block of a profile's sidecar documentation.
fn documented(profile: Profile) -> Map<String, Value> {
    let path = format!(
        "{}/../../plugins/modules/{}.yml",
        env!("CARGO_MANIFEST_DIR"),
        profile.module()
    );
    let text = std::fs::read_to_string(path).expect("the sidecar documentation is readable");
    let docs = YamlLoader::load_from_str(&text).expect("the sidecar documentation is YAML");
    match to_json(&docs[0]["DOCUMENTATION"]["options"]) {
        Value::Object(m) => m,
        other => panic!("no options block: {other}"),
    }
}

/// How a description marks a secret option; tests/no_log_cases.py reads the same marker.
const SECRET_MARKER: &str = "(no_log)";

/// What the documentation must say of an option, in its own terms.
fn expected(p: &ansible_module::Param) -> Value {
    let mut want = json!({"type": p.ty.name()});
    if let Some(e) = p.elements {
        want["elements"] = json!(e.name());
    }
    if let Some(d) = &p.default {
        want["default"] = d.clone();
    }
    if let Some(c) = &p.choices {
        want["choices"] = json!(c);
    }
    if !p.aliases.is_empty() {
        want["aliases"] = json!(p.aliases);
    }
    if p.required {
        want["required"] = json!(true);
    }
    if p.no_log {
        want["secret"] = json!(true);
    }
    want
}

#[test]
fn the_kolla_docker_documentation_matches_the_table() {
    matches_the_table(Profile::KollaDocker);
}

#[test]
fn the_kolla_container_documentation_matches_the_table() {
    matches_the_table(Profile::KollaContainer);
}

fn matches_the_table(profile: Profile) {
    let spec = args::spec(profile);
    let docs = documented(profile);
    let mut names: Vec<&str> = fields::ROWS
        .iter()
        .filter(|r| r.arg.is_some_and(|a| a.profiles.has(profile)))
        .map(|r| r.name)
        .collect();
    names.sort_unstable();
    let mut documented_names: Vec<&str> = docs.keys().map(String::as_str).collect();
    documented_names.sort_unstable();
    assert_eq!(
        documented_names, names,
        "documented options differ from the table"
    );
    for name in names {
        let p = spec.get(name).expect("every row is in the spec");
        let mut doc = docs[name].clone();
        let description = doc
            .as_object_mut()
            .and_then(|m| m.remove("description"))
            .unwrap_or_default();
        if description.to_string().contains(SECRET_MARKER) {
            doc["secret"] = json!(true);
        }
        assert_eq!(doc, expected(p), "documentation of {name}");
    }
}
