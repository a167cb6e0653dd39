//! Where the texts to merge come from: the action plugin's templated sources,
//! or files on the target read the way Python's `open(path, 'r')` reads them.

use crate::args::Args;
use crate::error::MergeError;
use ansible_module::Module;
use std::io::ErrorKind;
use std::path::Path;

/// A source's name for messages and its text.
pub struct Source {
    /// Where it came from.
    pub path: String,
    /// Its text, lines separated by `\n`.
    pub text: String,
}

/// The sources to merge, in order. Missing target files are skipped, as the
/// reference skips sources it cannot read (optional overrides), but when none
/// is left this fails: the reference would write an empty `dest`.
pub fn collect(args: &Args, module: &Module) -> Result<Vec<Source>, MergeError> {
    let out = match &args.rendered {
        Some(rendered) => rendered
            .iter()
            .map(|r| Source {
                path: r.path.clone(),
                text: r.content.clone(),
            })
            .collect(),
        None => read_target_files(args.sources.as_deref().unwrap_or_default(), module)?,
    };
    if out.is_empty() {
        // `rendered` (the action plugin's) holds only the sources it could
        // read, so an empty one has nothing to name.
        return Err(MergeError::NoSources {
            sources: args.sources.clone().unwrap_or_default(),
            dest: args.dest.clone(),
        });
    }
    Ok(out)
}

/// The target files among `paths` that exist, read as text.
fn read_target_files(paths: &[String], module: &Module) -> Result<Vec<Source>, MergeError> {
    let mut out = Vec::new();
    for path in paths {
        let p = Path::new(path);
        if p.is_dir() {
            return Err(MergeError::SourceIsDirectory(p.to_path_buf()));
        }
        let bytes = match std::fs::read(p) {
            Ok(b) => b,
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) if e.kind() == ErrorKind::PermissionDenied => {
                module.warn(format!("skipping source {path}: {e}"));
                continue;
            }
            Err(e) => {
                return Err(MergeError::SourceUnreadable {
                    path: p.to_path_buf(),
                    source: e,
                })
            }
        };
        let text =
            String::from_utf8(bytes).map_err(|_| MergeError::SourceNotText(p.to_path_buf()))?;
        out.push(Source {
            path: path.clone(),
            text: universal_newlines(&text),
        });
    }
    Ok(out)
}

/// `\r\n` and lone `\r` become `\n`, as text-mode reads do in Python.
fn universal_newlines(text: &str) -> String {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::universal_newlines;

    #[test]
    fn newlines() {
        assert_eq!(universal_newlines("a\r\nb\rc\n"), "a\nb\nc\n");
    }
}
