//! `merge_yaml`: kolla-ansible's merge_yaml on the target, in one module call.
//!
//! The action plugin templates the sources on the controller and sends their
//! texts; this binary parses them as PyYAML's `safe_load` does, deep-merges
//! them in order (later sources win; `extend_lists` extends lists), dumps the
//! result byte for byte as kolla-ansible 22.2's plugin (PyYAML's `yaml.dump`)
//! does, and writes it to `dest` like `copy`: atomically, only when it
//! differs, with mode/owner/group, an optional backup, check and diff mode.
//! A source that does not parse, or no source at all, fails the task and
//! leaves `dest` as it was.

mod args;
mod module_error;

use module_error::ModuleError;

fn main() {
    ansible_module::run(args::spec(), |module| {
        let args: args::Args = module.parse()?;
        if args.rendered.is_empty() {
            return Err(ModuleError::NoSources {
                sources: args.sources.as_deref().unwrap_or_default().join(", "),
                dest: args.dest.clone(),
            }
            .into());
        }
        let texts = args.rendered.iter().map(|r| r.content.as_str());
        let content = merge_yaml::merge_texts(texts, args.extend_lists, args.yaml_width).map_err(
            |(i, error)| ModuleError::Yaml {
                path: args.rendered[i].path.clone(),
                error,
                dest: args.dest.clone(),
            },
        )?;
        hostfs::copy::apply(&args.dest, &content, &args.file, "merged sources", module)
            .map_err(|e| ModuleError::from(e).into())
    })
}
