//! The image's own files that config_files entries replace, kept so that a
//! later start without the entry gets the image's file back (Kolla 2026.1).
//!
//! On its first start with an entry, set_configs copies what the image had at
//! the destination to /etc/kolla/defaults/<dest> (or notes that there was
//! nothing) in /etc/kolla/defaults/state, a JSON object keyed by destination
//! in Kolla's format. Every later start first puts each recorded path back as
//! the image had it, then installs config.json's files on top.
//!
//! Two deliberate differences from Kolla 2026.1's code: the state is saved as
//! recorded (Kolla saves its entries with source and backup swapped after a
//! restore, so its third start copies the installed file over the backup and
//! the image's file is lost), and entries that config.json no longer lists are
//! dropped once restored (Kolla keeps them, so `--check` reports "changed"
//! on every run from then on and the container restarts each deploy).

use crate::config::Config;
use crate::copy::{copy, How, Props};
use crate::error::{io, Error};
use crate::paths;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Where Kolla keeps the image's files and the state.
pub const DIR: &str = "/etc/kolla/defaults";

/// What the first start found at a destination (the field names are Kolla's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Saved {
    /// The destination itself.
    pub source: String,
    /// Always true: the copy keeps the image file's attributes.
    #[serde(default)]
    pub preserve_properties: bool,
    /// The backup's path, or null when the image had nothing there.
    pub dest: Option<String>,
}

/// The defaults directory and its state file.
#[derive(Debug, Clone)]
pub struct Defaults {
    dir: PathBuf,
}

/// Backups are copied as they are: links stay links.
const KEEP: How = How {
    props: Props::Preserve,
    links: true,
};

impl Defaults {
    /// The defaults kept under `dir` (normally [`DIR`]).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Defaults { dir: dir.into() }
    }

    fn state_path(&self) -> PathBuf {
        self.dir.join("state")
    }

    /// The recorded destinations in the order they were first seen.
    pub fn load(&self) -> Result<Vec<(String, Saved)>, Error> {
        let path = self.state_path();
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(io("cannot read", &path)(e)),
        };
        let fail = |reason: String| Error::State {
            path: path.clone(),
            reason,
        };
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
        map.into_iter()
            .map(|(k, v)| {
                Ok((
                    k,
                    serde_json::from_value(v).map_err(|e| fail(e.to_string()))?,
                ))
            })
            .collect()
    }

    fn save(&self, state: &[(String, Saved)]) -> Result<(), Error> {
        let map: serde_json::Map<String, serde_json::Value> = state
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::json!(v)))
            .collect();
        let mut out = Vec::new();
        let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
        map.serialize(&mut ser)
            .map_err(|e| Error::Invalid(format!("cannot encode defaults state: {e}")))?;
        let attrs = hostfs::Attrs {
            mode: Some(0o644),
            ..Default::default()
        };
        Ok(hostfs::write(&self.state_path(), &out, &attrs)?)
    }

    /// At a start: puts recorded paths back as the image had them, forgets
    /// the ones config.json no longer lists, records the new ones.
    pub fn handle(&self, config: &Config) -> Result<(), Error> {
        fs::create_dir_all(&self.dir).map_err(io("cannot create directory", &self.dir))?;
        let mut state = self.load()?;
        for (dst, saved) in &state {
            restore(Path::new(dst), saved)?;
        }
        let listed = declared(config);
        state.retain(|(dst, _)| listed.contains(dst));
        for file in &config.config_files {
            let dst = paths::declared(&file.dest, &file.source);
            // A glob source or an absent optional one names no single file to keep.
            if state.iter().any(|(k, _)| *k == dst) || !Path::new(&file.source).exists() {
                continue;
            }
            let dest = if Path::new(&dst).exists() {
                let backup = format!("{}{dst}", self.dir.display());
                self.backup(Path::new(&dst), Path::new(&backup))?;
                Some(backup)
            } else {
                None
            };
            state.push((
                dst.clone(),
                Saved {
                    source: dst,
                    preserve_properties: true,
                    dest,
                },
            ));
        }
        self.save(&state)
    }

    fn backup(&self, from: &Path, to: &Path) -> Result<(), Error> {
        paths::remove(to)?;
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(io("cannot create directory", parent))?;
        }
        copy(from, to, &KEEP)?;
        eprintln!(
            "kolla_set_configs: kept the image's {} as {}",
            from.display(),
            to.display()
        );
        Ok(())
    }

    /// For `--check`: recorded destinations that config.json no longer lists
    /// (a start would restore or remove them). Changes nothing.
    pub fn unlisted(&self, config: &Config) -> Result<Vec<String>, Error> {
        let listed = declared(config);
        let mut out: Vec<String> = self
            .load()?
            .into_iter()
            .map(|(k, _)| k)
            .filter(|k| !listed.contains(k))
            .collect();
        out.sort();
        Ok(out)
    }
}

fn declared(config: &Config) -> HashSet<String> {
    config
        .config_files
        .iter()
        .map(|f| paths::declared(&f.dest, &f.source))
        .collect()
}

fn restore(dst: &Path, saved: &Saved) -> Result<(), Error> {
    match &saved.dest {
        None => paths::remove(dst),
        Some(backup) => {
            let backup = Path::new(backup);
            if backup.symlink_metadata().is_err() {
                return Err(Error::MissingSource(backup.display().to_string()));
            }
            paths::remove(dst)?;
            if let Some(parent) = dst.parent() {
                fs::create_dir_all(parent).map_err(io("cannot create directory", parent))?;
            }
            copy(backup, dst, &KEEP)
        }
    }
}
