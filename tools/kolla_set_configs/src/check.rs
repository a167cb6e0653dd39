//! `--check`: would a fresh start install anything different from what the container has?

use crate::config::{Config, ConfigFile};
use crate::error::{io, Error};
use crate::install::wanted;
use crate::paths;
use hostfs::Attrs;
use std::fs;
use std::path::{Path, PathBuf};

/// The installed paths that differ from config.json's sources (empty: nothing changed).
pub fn stale(config: &Config, run_command: &Path) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for file in &config.config_files {
        stale_entry(file, &mut out)?;
    }
    // A changed command only takes effect through a restart, like a changed file.
    let running = fs::read_to_string(run_command).unwrap_or_default();
    if running != config.command {
        out.push(format!("{} (command)", run_command.display()));
    }
    Ok(out)
}

fn stale_entry(file: &ConfigFile, out: &mut Vec<String>) -> Result<(), Error> {
    let sources = paths::expand(&file.source)?;
    if sources.is_empty() {
        if !file.optional {
            out.push(format!("{} (required source missing)", file.source));
        }
        return Ok(());
    }
    let attrs = paths::attrs(file.owner.as_deref(), file.perm.as_deref())?;
    for source in sources {
        let dest = paths::destination(&file.dest, &source);
        compare(&source, &dest, &attrs, file, out)?;
    }
    Ok(())
}

fn compare(
    source: &Path,
    dest: &Path,
    attrs: &Attrs,
    file: &ConfigFile,
    out: &mut Vec<String>,
) -> Result<(), Error> {
    let want = wanted(source, attrs, file.preserve_properties)?;
    let flag = |out: &mut Vec<String>| out.push(dest.display().to_string());
    if !hostfs::attrs_match(dest, &want) {
        flag(out);
        return Ok(());
    }
    if source.is_dir() {
        if !dest.is_dir() {
            flag(out);
            return Ok(());
        }
        let names = |dir: &Path| -> Result<Vec<PathBuf>, Error> {
            let mut v: Vec<PathBuf> = fs::read_dir(dir)
                .map_err(io("cannot list", dir))?
                .flatten()
                .map(|e| PathBuf::from(e.file_name()))
                .collect();
            v.sort();
            Ok(v)
        };
        let theirs = names(source)?;
        // Without merge, a start replaces the directory: extra files would disappear.
        if !file.merge && names(dest)? != theirs {
            flag(out);
            return Ok(());
        }
        for name in theirs {
            compare(&source.join(&name), &dest.join(&name), attrs, file, out)?;
        }
        return Ok(());
    }
    let same = match (fs::read(source), fs::read(dest)) {
        (Ok(a), Ok(b)) => a == b,
        (Err(e), _) => return Err(io("cannot read", source)(e)),
        (_, Err(_)) => false,
    };
    if !same {
        flag(out);
    }
    Ok(())
}
