//! Fetch mode: read a file and return it in wire form with its checksums.

use crate::args::Args;
use crate::codec;
use crate::error::BslurpError;
use ansible_module::Response;
use hostfs::digest::{sha1_hex, sha256_hex};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Reads `args.src`. Read-only, so check mode runs it as usual.
pub fn fetch(args: &Args) -> Result<Response, BslurpError> {
    let path = Path::new(&args.src);
    let unreadable = |source| BslurpError::SourceUnreadable {
        path: path.to_path_buf(),
        source,
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BslurpError::SourceMissing(path.to_path_buf()))
        }
        Err(e) => return Err(unreadable(e)),
    };
    let data = std::fs::read(path).map_err(unreadable)?;
    Ok(Response::new(false)
        .set("content", codec::encode(&data, args.compress))
        .set("sha1", sha1_hex(&data))
        .set("sha256", sha256_hex(&data))
        .set("mode", codec::python_oct(meta.mode() & 0o777))
        .set("source", &args.src))
}
