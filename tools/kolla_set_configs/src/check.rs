//! `--check`: would a start now leave the container different from what it
//! has? It changes nothing. As in Kolla it looks at the command, at the
//! defaults state and at config_files (not at `permissions` or `directories`,
//! which services may change while they run).

use crate::config::Config;
use crate::copy::How;
use crate::error::{io, Error};
use crate::install::Install;
use crate::Layout;
use std::fs;
use std::path::{Path, PathBuf};

/// What differs, one line per path (empty: nothing changed).
pub fn stale(config: &Config, layout: &Layout) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    // A changed command only takes effect through a restart, like a changed file.
    match fs::read_to_string(&layout.run_command) {
        Ok(running) if running == config.command => {}
        Ok(running) => out.push(format!(
            "{} (running command differs: {:?} != {:?})",
            layout.run_command.display(),
            config.command,
            running
        )),
        Err(_) => out.push(format!("{} (missing)", layout.run_command.display())),
    }
    for dst in layout.defaults.unlisted(config)? {
        out.push(format!(
            "{dst} (kept in the defaults state, no longer in config.json: a start restores it)"
        ));
    }
    for file in &config.config_files {
        match Install::prepare(file) {
            Ok(None) => {}
            Ok(Some(install)) => {
                for (source, dest) in install.dests() {
                    compare(source, &dest, &install.how, file.merge, &mut out)?;
                }
            }
            Err(Error::MissingSource(s)) => out.push(format!("{s} (required source missing)")),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

fn compare(
    source: &Path,
    dest: &Path,
    how: &How,
    merge: bool,
    out: &mut Vec<String>,
) -> Result<(), Error> {
    let flag = |out: &mut Vec<String>| out.push(dest.display().to_string());
    let lmd = source
        .symlink_metadata()
        .map_err(io("cannot stat", source))?;
    let dest_link = fs::read_link(dest).ok();
    if how.links && lmd.file_type().is_symlink() {
        let target = fs::read_link(source).map_err(io("cannot read link", source))?;
        if dest_link.as_ref() != Some(&target) {
            flag(out);
        }
        return Ok(());
    }
    let md = fs::metadata(source).map_err(io("cannot stat", source))?;
    if !hostfs::attrs_match(dest, &how.attrs(&md)) {
        flag(out);
        return Ok(());
    }
    if md.is_dir() {
        if !dest.is_dir() {
            flag(out);
            return Ok(());
        }
        let theirs = names(source)?;
        // Without merge, a start replaces the directory: extra files would disappear.
        if !merge && names(dest)? != theirs {
            flag(out);
            return Ok(());
        }
        for name in theirs {
            compare(&source.join(&name), &dest.join(&name), how, merge, out)?;
        }
        return Ok(());
    }
    // A start replaces a link with a regular file.
    if dest_link.is_some() {
        flag(out);
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

fn names(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(io("cannot list", dir))?
        .flatten()
        .map(|e| PathBuf::from(e.file_name()))
        .collect();
    v.sort();
    Ok(v)
}
