//! `merge_configs`: merge INI files the way kolla-ansible does and write the result.
//!
//! Sources (templated by the action plugin on the controller, or files on the
//! target) are parsed with oslo.config's INI rules and layered in order: a
//! later source's key replaces an earlier one's, repeated keys in one source
//! are a multi-valued option. The result is written to `dest` like `copy`
//! writes: atomically, only when it differs, with mode/owner/group and an
//! optional backup. A source that does not parse fails the task and leaves
//! `dest` as it was.

mod accounts;
mod args;
mod dest;
mod error;
mod ini;
mod merge;
mod mode;
mod sources;
mod write;

use error::MergeError;

fn main() {
    ansible_module::run(args::spec(), |module| {
        let args: args::Args = module.parse()?;
        let mut merged = merge::Merged::default();
        for source in sources::collect(&args, module)? {
            merged
                .add(&source.text)
                .map_err(|error| MergeError::Parse {
                    path: source.path,
                    error,
                    dest: args.dest.clone(),
                })?;
        }
        let content = write::render(&merged, args.whitespace);
        dest::apply(&args, &content, module).map_err(Into::into)
    })
}
