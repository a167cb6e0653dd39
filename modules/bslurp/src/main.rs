//! `bslurp`: copy a file from one node to many.
//!
//! Without `dest` it *fetches*: reads `src` and returns its bytes (zlib
//! compressed unless `compress: false`, then base64), its sha1, sha256 and
//! mode. With `dest` it *pushes*: `src` is such a content string; it is
//! decoded, verified against `sha256`/`sha1`, and written to `dest`
//! atomically, unless `dest` already holds it.

mod args;
mod codec;
mod error;
mod fetch;
mod push;

fn main() {
    ansible_module::run(args::spec(), |module| {
        let args: args::Args = module.parse()?;
        match args.dest.as_deref() {
            None => fetch::fetch(&args),
            Some(dest) => push::push(&args, dest, module),
        }
        .map_err(Into::into)
    })
}
