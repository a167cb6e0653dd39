//! The inner task's secrets. Our own spec has no `no_log` option: the secrets
//! are inside `module_args` / `module_extra_vars` (login_password, password,
//! url_password, auth...), which the glue crate cannot know. 22.2 adds the
//! values of those keys to AnsibleModule's no_log values, which also hides
//! them in the result; we do the same, at any depth (so `auth.password` and a
//! `module_extra_vars` dict of credentials are covered too).
//!
//! Only the finding is here: the values go to the glue
//! (`Module::hide_values`), which hides them in the result, failure messages
//! included, by the same rule as any `no_log` option.

use ansible_module::{Map, Value};

/// Keys whose values are secrets, wherever they appear.
const SECRET_KEYS: [&str; 7] = [
    "password",
    "login_password",
    "url_password",
    "token",
    "application_credential_secret",
    "client_secret",
    "secret",
];

/// The secret values of one task, longest first.
#[derive(Default)]
pub struct Secrets(Vec<String>);

impl Secrets {
    /// Collects the secrets of these argument dicts.
    pub fn collect<'a>(dicts: impl IntoIterator<Item = &'a Map<String, Value>>) -> Secrets {
        let mut found = Vec::new();
        for dict in dicts {
            walk(dict, &mut found);
        }
        found.retain(|s| !s.is_empty());
        found.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        found.dedup();
        Secrets(found)
    }

    /// The secret values found.
    pub fn into_values(self) -> Vec<String> {
        self.0
    }
}

fn walk(dict: &Map<String, Value>, out: &mut Vec<String>) {
    for (key, value) in dict {
        if SECRET_KEYS.contains(&key.as_str()) {
            leaves(value, out);
        } else if key == "auth" {
            // An auth dict's secrets are its password/token entries; an auth
            // given as text (a template of module_extra_vars) is secret whole.
            match value {
                Value::Object(inner) => walk(inner, out),
                Value::String(s) => out.push(s.clone()),
                _ => {}
            }
        } else {
            match value {
                Value::Object(inner) => walk(inner, out),
                Value::Array(items) => items.iter().for_each(|i| {
                    if let Value::Object(inner) = i {
                        walk(inner, out)
                    }
                }),
                _ => {}
            }
        }
    }
}

fn leaves(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Number(n) => out.push(n.to_string()),
        Value::Array(items) => items.iter().for_each(|i| leaves(i, out)),
        Value::Object(map) => map.values().for_each(|i| leaves(i, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ansible_module::json;

    #[test]
    fn secrets_at_any_depth_are_found() {
        let args = json!({"login_password": "rootpw", "name": "db", "update_password": "always",
                          "auth": {"username": "admin", "password": "kspw"}});
        let vars = json!({"creds": {"password": "varpw"}, "list": [{"token": "tok123"}]});
        let s = Secrets::collect([args.as_object().unwrap(), vars.as_object().unwrap()]);
        // Longest first, so a secret inside another is hidden after it.
        assert_eq!(s.into_values(), ["rootpw", "tok123", "varpw", "kspw"]);
    }

    #[test]
    fn auth_text_is_secret_whole_and_empty_values_are_ignored() {
        let args = json!({"auth": "{{ openstack_auth }}", "password": ""});
        let s = Secrets::collect([args.as_object().unwrap()]);
        assert_eq!(s.into_values(), ["{{ openstack_auth }}"]);
    }
}
