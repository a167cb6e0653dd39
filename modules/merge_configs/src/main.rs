//! `merge_configs`: merge INI files the way kolla-ansible does and write the result.
//!
//! Sources (templated by the action plugin on the controller, or files on the
//! target) are parsed with oslo.config's INI rules and layered in order: a
//! later source's key replaces an earlier one's, repeated keys in one source
//! are a multi-valued option. The result is written to `dest` like `copy`
//! writes: atomically, only when it differs, with mode/owner/group and an
//! optional backup. A source that does not parse, or no source at all to
//! read, fails the task and leaves `dest` as it was.

use merge_configs::{args, merge_sources, sources};

fn main() {
    ansible_module::run(args::spec(), |module| {
        let args: args::Args = module.parse()?;
        // Parsed on its own rather than flattened into Args: serde's flatten
        // buffers every value and costs binary size.
        let file: hostfs::copy::FileOptions = module.parse()?;
        let sources = sources::collect(&args, module)?;
        let content = merge_sources(&sources, args.whitespace, &args.dest)?;
        hostfs::copy::apply(&args.dest, &content, &file, "merged sources", module)
            .map_err(Into::into)
    })
}
