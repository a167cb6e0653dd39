//! The config.json that Kolla roles render for every container, read strictly:
//! a misspelt key is an error here, where Kolla's set_configs would skip it.

use crate::error::Error;
use crate::{attrs, glob};
use serde::Deserialize;
use std::path::Path;

/// The whole file: what to run and which files to install first.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The service's command line, handed to the start wrapper through /run_command.
    pub command: String,
    /// Files (or globs, or directories) to install from the config mount.
    #[serde(default)]
    pub config_files: Vec<ConfigFile>,
    /// Ownership and modes to enforce on paths the service writes to.
    #[serde(default)]
    pub permissions: Vec<Permission>,
    /// Directories to create (then treated as `permissions` entries); Kolla 2026.1.
    #[serde(default)]
    pub directories: Vec<Permission>,
}

/// One entry of `config_files`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// A path, possibly with wildcards.
    pub source: String,
    /// Destination; ending in `/` means "into this directory".
    pub dest: String,
    /// `user`, `user:` or `user:group`; unset means root (Kolla requires it
    /// unless `preserve_properties`).
    #[serde(default)]
    pub owner: Option<String>,
    /// Octal mode such as "0600"; unset keeps the source's mode.
    #[serde(default)]
    pub perm: Option<String>,
    /// A missing source is skipped instead of being an error.
    #[serde(default)]
    pub optional: bool,
    /// Copy into an existing destination directory instead of replacing it.
    #[serde(default)]
    pub merge: bool,
    /// Keep the source's own mode, owner and times.
    #[serde(default)]
    pub preserve_properties: bool,
}

/// One entry of `permissions` or `directories`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permission {
    /// A path, possibly with wildcards (not in `directories`).
    pub path: String,
    /// `user`, `user:` or `user:group`.
    pub owner: String,
    /// Octal mode such as "0750" (required in `directories`).
    #[serde(default)]
    pub perm: Option<String>,
    /// Apply to everything below `path` too.
    #[serde(default)]
    pub recurse: bool,
    /// Regular expressions (Python `re.search`) of paths below `path` that recursion leaves alone.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// Reads, parses and validates config.json.
pub fn load(path: &Path) -> Result<Config, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text).map_err(|e| match e {
        Error::Syntax(source) => Error::Parse {
            path: path.to_path_buf(),
            source,
        },
        other => other,
    })
}

/// Parses and validates config.json's text; nothing here touches the filesystem.
pub fn parse(text: &str) -> Result<Config, Error> {
    let config: Config = serde_json::from_str(text).map_err(Error::Syntax)?;
    config.validate()?;
    Ok(config)
}

impl Config {
    /// The checks that need no filesystem: modes, patterns, `directories` keys.
    fn validate(&self) -> Result<(), Error> {
        for file in &self.config_files {
            file.perm.as_deref().map(attrs::mode).transpose()?;
        }
        for dir in &self.directories {
            let Some(perm) = &dir.perm else {
                return Err(Error::Invalid(format!(
                    "directories entry {} has no \"perm\" (path, owner and perm are required)",
                    dir.path
                )));
            };
            if glob::has_magic(&dir.path) {
                return Err(Error::Invalid(format!(
                    "directories entry {} has a wildcard: it names one directory to create",
                    dir.path
                )));
            }
            attrs::mode(perm)?;
        }
        for perm in self.permissions.iter().chain(&self.directories) {
            perm.perm.as_deref().map(attrs::mode).transpose()?;
            for pattern in &perm.exclude {
                regex_lite::Regex::new(pattern).map_err(|e| Error::Exclude {
                    pattern: pattern.clone(),
                    reason: e.to_string(),
                })?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_and_full_entries() {
        let c = parse(
            r#"{"command": "memcached -v",
                "config_files": [{"source": "/a/*.conf", "dest": "/etc/x/", "owner": "root:root",
                                  "perm": "0600", "optional": true, "merge": true,
                                  "preserve_properties": false}],
                "permissions": [{"path": "/var/log/kolla", "owner": "root", "recurse": true,
                                 "exclude": ["\\.sock$"]}],
                "directories": [{"path": "/var/lib/x/tmp", "owner": "root", "perm": "0700"}]}"#,
        )
        .unwrap();
        assert_eq!(c.command, "memcached -v");
        assert!(c.config_files[0].optional && c.config_files[0].merge);
        assert!(c.permissions[0].recurse);
        assert_eq!(c.directories[0].perm.as_deref(), Some("0700"));
    }

    #[test]
    fn rejections() {
        for (text, says) in [
            (r#"{"command": "x", "config_file": []}"#, "unknown field"),
            (r#"{"config_files": []}"#, "missing field `command`"),
            (
                r#"{"command": "x", "config_files": [{"source": "/a"}]}"#,
                "missing field `dest`",
            ),
            (
                r#"{"command": "x", "config_files": [{"source": "/a", "dest": "/b", "perm": "0999"}]}"#,
                "invalid permission",
            ),
            (
                r#"{"command": "x", "permissions": [{"path": "/a"}]}"#,
                "missing field `owner`",
            ),
            (
                r#"{"command": "x", "permissions": [{"path": "/a", "owner": "r", "exclude": ["("]}]}"#,
                "exclude pattern",
            ),
            (
                r#"{"command": "x", "directories": [{"path": "/a", "owner": "root"}]}"#,
                "no \"perm\"",
            ),
            (
                r#"{"command": "x", "directories": [{"path": "/a/*", "owner": "root", "perm": "0755"}]}"#,
                "wildcard",
            ),
            (
                r#"{"command": "x", "config_files": [{"source": "/a", "dest": "/b", "optional": "yes"}]}"#,
                "expected a boolean",
            ),
            ("{\"command\": \"x\"", "EOF"),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.contains(says), "{text}: {err}");
        }
    }
}
