//! The config.json that Kolla roles render for every container.

use crate::error::Error;
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
}

/// One entry of `config_files`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// A path or a glob in its last component.
    pub source: String,
    /// Destination; ending in `/` means "into this directory".
    pub dest: String,
    /// `user` or `user:group`; unset leaves root.
    #[serde(default)]
    pub owner: Option<String>,
    /// Octal mode such as "0600".
    #[serde(default)]
    pub perm: Option<String>,
    /// A missing source is skipped instead of being an error.
    #[serde(default)]
    pub optional: bool,
    /// Copy into an existing destination directory instead of replacing it.
    #[serde(default)]
    pub merge: bool,
    /// Keep the source's own mode and owner.
    #[serde(default)]
    pub preserve_properties: bool,
}

/// One entry of `permissions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permission {
    /// A path or a glob in its last component.
    pub path: String,
    /// `user` or `user:group`.
    pub owner: String,
    /// Octal mode such as "0750".
    #[serde(default)]
    pub perm: Option<String>,
    /// Apply to everything below `path` too.
    #[serde(default)]
    pub recurse: bool,
    /// Paths below `path` that recursion leaves alone.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// Reads and parses config.json.
pub fn load(path: &Path) -> Result<Config, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| Error::Parse {
        path: path.to_path_buf(),
        source,
    })
}

/// Parses an octal permission string ("0640", "640", "0o640").
pub fn parse_mode(text: &str) -> Result<u32, Error> {
    hostfs::parse_mode_text(text).ok_or_else(|| Error::BadMode(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        assert_eq!(parse_mode("0600").unwrap(), 0o600);
        assert_eq!(parse_mode("755").unwrap(), 0o755);
        assert!(parse_mode("0999").is_err());
        assert!(parse_mode("17777").is_err());
    }

    #[test]
    fn minimal_and_full_entries() {
        let c: Config = serde_json::from_str(
            r#"{"command": "memcached -v",
                "config_files": [{"source": "/a/*.conf", "dest": "/etc/x/", "owner": "root:root",
                                  "perm": "0600", "optional": true, "merge": true}],
                "permissions": [{"path": "/var/log/kolla", "owner": "root", "recurse": true}]}"#,
        )
        .unwrap();
        assert_eq!(c.command, "memcached -v");
        assert!(c.config_files[0].optional && c.config_files[0].merge);
        assert!(c.permissions[0].recurse);
        let bad = serde_json::from_str::<Config>(r#"{"command": "x", "config_file": []}"#);
        assert!(bad.is_err(), "a misspelt key must not be ignored silently");
    }
}
