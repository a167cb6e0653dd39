//! Installing config_files entries at container start. Every entry is
//! resolved (sources, owner, mode) before the first file changes, so a bad
//! config.json leaves the container's files as they were.

use crate::config::ConfigFile;
use crate::copy::{copy, How, Props};
use crate::error::{io, Error};
use crate::{attrs, glob, paths};
use std::fs;
use std::path::PathBuf;

/// A config_files entry with its sources found and its owner and mode resolved.
#[derive(Debug)]
pub struct Install<'a> {
    /// The entry.
    pub entry: &'a ConfigFile,
    /// The matched sources, sorted.
    pub sources: Vec<PathBuf>,
    /// How each source is copied.
    pub how: How,
}

impl<'a> Install<'a> {
    /// Resolves an entry; `None` for an optional entry whose source is absent.
    pub fn prepare(entry: &'a ConfigFile) -> Result<Option<Self>, Error> {
        let how = how(entry)?;
        let sources = glob::expand(&entry.source);
        if sources.is_empty() {
            if entry.optional {
                return Ok(None);
            }
            return Err(Error::MissingSource(entry.source.clone()));
        }
        Ok(Some(Install {
            entry,
            sources,
            how,
        }))
    }

    /// Copies every source into place.
    pub fn run(&self) -> Result<(), Error> {
        for source in &self.sources {
            let dest = paths::destination(&self.entry.dest, source);
            if !self.entry.merge {
                paths::remove(&dest)?;
            }
            if let Some(parent) = dest.parent() {
                fs::create_dir_all(parent).map_err(io("cannot create directory", parent))?;
            }
            copy(source, &dest, &self.how)?;
            eprintln!(
                "kolla_set_configs: installed {} -> {}",
                source.display(),
                dest.display()
            );
        }
        Ok(())
    }

    /// The destinations of every source.
    pub fn dests(&self) -> impl Iterator<Item = (&PathBuf, PathBuf)> {
        self.sources
            .iter()
            .map(|s| (s, paths::destination(&self.entry.dest, s)))
    }
}

/// An entry's copy rules: Kolla recreates links only when merging with preserved properties.
pub fn how(entry: &ConfigFile) -> Result<How, Error> {
    let props = if entry.preserve_properties {
        Props::Preserve
    } else {
        let (uid, gid) = entry
            .owner
            .as_deref()
            .map(attrs::owner)
            .unwrap_or(Ok((0, 0)))?;
        let mode = entry.perm.as_deref().map(attrs::mode).transpose()?;
        Props::Set { uid, gid, mode }
    };
    Ok(How {
        props,
        links: entry.merge && entry.preserve_properties,
    })
}
