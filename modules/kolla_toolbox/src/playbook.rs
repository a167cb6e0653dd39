//! The ansible-runner private data directory: where it lives in the toolbox,
//! and the inventory and one-task playbook it holds. The task's arguments and
//! variables travel only inside these files (through the engine's archive
//! upload), never on a command line.

use ansible_module::{Map, Value};
use std::io::Read;

/// The toolbox's Python, also the inner modules' interpreter.
pub const PYTHON: &str = "/opt/ansible/bin/python3";
/// The ansible-runner executable the image must provide.
pub const RUNNER: &str = "/opt/ansible/bin/ansible-runner";
/// Where private data directories are created (the ansible user's home).
pub const BASEDIR: &str = "/var/lib/ansible";
/// The playbook's file name under `project/`.
pub const PLAYBOOK: &str = "main.json";

/// A fresh private data directory path, unguessable so concurrent tasks and
/// other users of the toolbox never share one.
pub fn new_pdd() -> String {
    let mut bytes = [0u8; 8];
    let random = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if random.is_err() {
        // No /dev/urandom on the host: the clock and pid still separate concurrent tasks.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        bytes = (nanos ^ (u64::from(std::process::id()) << 40)).to_le_bytes();
    }
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{BASEDIR}/kolla_runner.{token}")
}

/// The inventory: localhost, local connection, temporary files inside the pdd.
pub fn inventory(pdd: &str) -> String {
    format!(
        "localhost ansible_connection=local ansible_remote_tmp={pdd}/tmp \
         ansible_local_tmp={pdd}/tmp ansible_local_temp={pdd}/tmp \
         ansible_python_interpreter={PYTHON}\n"
    )
}

/// The one-play, one-task playbook, as JSON (which is YAML).
pub fn playbook(
    module_name: &str,
    module_args: Map<String, Value>,
    extra_vars: Map<String, Value>,
    check_mode: bool,
) -> String {
    let mut task = Map::new();
    task.insert("name".into(), "kolla_toolbox task".into());
    task.insert(module_name.to_string(), Value::Object(module_args));
    let mut play = Map::new();
    play.insert("name".into(), "kolla_toolbox".into());
    play.insert("hosts".into(), "localhost".into());
    play.insert("gather_facts".into(), false.into());
    play.insert("tasks".into(), Value::Array(vec![Value::Object(task)]));
    if !extra_vars.is_empty() {
        play.insert("vars".into(), Value::Object(extra_vars));
    }
    if check_mode {
        play.insert("check_mode".into(), true.into());
    }
    Value::Array(vec![Value::Object(play)]).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ansible_module::json;

    #[test]
    fn playbook_holds_one_task_and_the_modes() {
        let args = json!({"name": "db", "login_password": "pw"});
        let vars = json!({"auth": {"password": "x"}});
        let text = playbook(
            "mysql_db",
            args.as_object().unwrap().clone(),
            vars.as_object().unwrap().clone(),
            true,
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v,
            json!([{"name": "kolla_toolbox", "hosts": "localhost", "gather_facts": false,
                    "tasks": [{"name": "kolla_toolbox task", "mysql_db": args}],
                    "vars": vars, "check_mode": true}])
        );
        let plain = playbook("ping", Map::new(), Map::new(), false);
        assert!(
            !plain.contains("vars") && !plain.contains("check_mode"),
            "{plain}"
        );
    }

    #[test]
    fn pdds_are_unique_under_the_base() {
        let (a, b) = (new_pdd(), new_pdd());
        assert_ne!(a, b);
        assert!(
            a.starts_with("/var/lib/ansible/kolla_runner.") && a.len() == BASEDIR.len() + 30,
            "{a}"
        );
        assert!(inventory(&a).contains(&format!("ansible_remote_tmp={a}/tmp")));
    }
}
