//! Kolla's `kolla_set_configs` (docker/base/set_configs.py, 2026.1) as a
//! library: what a container start installs from config.json, and what
//! `--check` compares. The binary wires it to the environment.

pub mod attrs;
pub mod check;
pub mod config;
pub mod copy;
pub mod defaults;
pub mod error;
pub mod glob;
pub mod install;
pub mod paths;
pub mod permissions;

use config::Config;
use defaults::Defaults;
use error::Error;
use install::Install;
use permissions::Grant;
use std::path::{Path, PathBuf};

/// Where config.json is mounted.
pub const CONFIG_JSON: &str = "/var/lib/kolla/config_files/config.json";

/// The files set_configs keeps outside config.json's entries.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The command line for the start wrapper.
    pub run_command: PathBuf,
    /// Present once a COPY_ONCE container has been configured.
    pub configured: PathBuf,
    /// The image's replaced files.
    pub defaults: Defaults,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            run_command: PathBuf::from("/run_command"),
            configured: PathBuf::from("/configured"),
            defaults: Defaults::new(defaults::DIR),
        }
    }
}

/// KOLLA_CONFIG_STRATEGY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Install on every start.
    CopyAlways,
    /// Install on the first start only; a change needs a new container.
    CopyOnce,
}

impl Strategy {
    /// Reads the environment variable's value.
    pub fn parse(value: &str) -> Result<Self, Error> {
        match value {
            "COPY_ALWAYS" => Ok(Strategy::CopyAlways),
            "COPY_ONCE" => Ok(Strategy::CopyOnce),
            other => Err(Error::Strategy(other.to_string())),
        }
    }
}

/// What a start did.
#[derive(Debug, PartialEq, Eq)]
pub enum Started {
    /// The files are installed and the command written.
    Configured,
    /// COPY_ONCE found the container configured already and changed nothing.
    AlreadyConfigured,
}

/// A container start: directories, the image's defaults, config_files, the
/// command, then permissions (Kolla's order). Every entry is resolved first,
/// so an unknown owner, bad mode or missing source changes nothing.
pub fn configure(config: &Config, strategy: Strategy, layout: &Layout) -> Result<Started, Error> {
    if strategy == Strategy::CopyOnce && layout.configured.exists() {
        return Ok(Started::AlreadyConfigured);
    }
    let directories = prepare(&config.directories)?;
    let permissions = prepare(&config.permissions)?;
    let mut installs = Vec::new();
    for file in &config.config_files {
        match Install::prepare(file)? {
            Some(install) => installs.push(install),
            None => eprintln!(
                "kolla_set_configs: optional {} absent, skipped",
                file.source
            ),
        }
    }
    for dir in &directories {
        dir.create()?;
    }
    layout.defaults.handle(config)?;
    for install in &installs {
        install.run()?;
    }
    write(&layout.run_command, config.command.as_bytes(), 0o644)?;
    for grant in &permissions {
        grant.apply();
    }
    if strategy == Strategy::CopyOnce {
        write(&layout.configured, b"", 0o600)?;
    }
    Ok(Started::Configured)
}

/// `--check`: what a start would change now (empty: the container is current).
pub fn check(config: &Config, layout: &Layout) -> Result<Vec<String>, Error> {
    check::stale(config, layout)
}

fn prepare(entries: &[config::Permission]) -> Result<Vec<Grant<'_>>, Error> {
    entries.iter().map(Grant::prepare).collect()
}

fn write(path: &Path, data: &[u8], mode: u32) -> Result<(), Error> {
    let attrs = hostfs::Attrs {
        mode: Some(mode),
        ..Default::default()
    };
    Ok(hostfs::write(path, data, &attrs)?)
}

#[cfg(test)]
mod tests;
