//! Installing config_files entries and permissions: what happens at container start.

use crate::config::{ConfigFile, Permission};
use crate::error::{io, Error};
use crate::paths;
use hostfs::Attrs;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Installs one config_files entry; returns how many sources it copied.
pub fn install(file: &ConfigFile) -> Result<usize, Error> {
    let sources = paths::expand(&file.source)?;
    if sources.is_empty() {
        if file.optional {
            eprintln!(
                "kolla_set_configs: optional {} absent, skipped",
                file.source
            );
            return Ok(0);
        }
        return Err(Error::MissingSource(file.source.clone()));
    }
    let attrs = paths::attrs(file.owner.as_deref(), file.perm.as_deref())?;
    for source in &sources {
        let dest = paths::destination(&file.dest, source);
        if !file.merge {
            remove(&dest)?;
        }
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).map_err(io("cannot create directory", parent))?;
        }
        copy_tree(source, &dest, &attrs, file.preserve_properties)?;
        eprintln!(
            "kolla_set_configs: installed {} -> {}",
            source.display(),
            dest.display()
        );
    }
    Ok(sources.len())
}

/// Removes a file, link or directory tree if present.
fn remove(path: &Path) -> Result<(), Error> {
    match path.symlink_metadata() {
        Err(_) => Ok(()),
        Ok(md) if md.is_dir() => fs::remove_dir_all(path).map_err(io("cannot remove", path)),
        Ok(_) => fs::remove_file(path).map_err(io("cannot remove", path)),
    }
}

/// The attributes a copy gets: the entry's, or the source's own with `preserve_properties`.
pub fn wanted(source: &Path, attrs: &Attrs, preserve: bool) -> Result<Attrs, Error> {
    if !preserve {
        return Ok(*attrs);
    }
    let md = fs::metadata(source).map_err(io("cannot stat", source))?;
    Ok(Attrs {
        mode: Some(md.mode() & 0o7777),
        uid: Some(md.uid()),
        gid: Some(md.gid()),
    })
}

fn copy_tree(source: &Path, dest: &Path, attrs: &Attrs, preserve: bool) -> Result<(), Error> {
    let want = wanted(source, attrs, preserve)?;
    if source.is_dir() {
        if dest.symlink_metadata().is_ok_and(|m| !m.is_dir()) {
            remove(dest)?;
        }
        fs::create_dir_all(dest).map_err(io("cannot create directory", dest))?;
        hostfs::set_attrs(dest, &want)?;
        let mut children: Vec<_> = fs::read_dir(source)
            .map_err(io("cannot list", source))?
            .flatten()
            .map(|e| e.file_name())
            .collect();
        children.sort();
        for name in children {
            copy_tree(&source.join(&name), &dest.join(&name), attrs, preserve)?;
        }
        return Ok(());
    }
    if dest.is_dir() {
        remove(dest)?;
    }
    let data = fs::read(source).map_err(io("cannot read", source))?;
    hostfs::write(dest, &data, &want)?;
    Ok(())
}

/// Applies one permissions entry; paths that do not exist are left for the service to create.
pub fn permissions(perm: &Permission) -> Result<(), Error> {
    let attrs = paths::attrs(Some(&perm.owner), perm.perm.as_deref())?;
    for path in paths::expand(&perm.path)? {
        apply(&path, &attrs, perm)?;
    }
    Ok(())
}

fn apply(path: &Path, attrs: &Attrs, perm: &Permission) -> Result<(), Error> {
    if perm.exclude.iter().any(|x| Path::new(x) == path) {
        return Ok(());
    }
    let md = path.symlink_metadata().map_err(io("cannot stat", path))?;
    if md.file_type().is_symlink() {
        // Following links could hand the service files outside its own tree.
        return Ok(());
    }
    hostfs::set_attrs(path, attrs)?;
    if perm.recurse && md.is_dir() {
        for entry in fs::read_dir(path)
            .map_err(io("cannot list", path))?
            .flatten()
        {
            apply(&entry.path(), attrs, perm)?;
        }
    }
    Ok(())
}
