//! The wire form of file content: optional zlib, then base64; and modes as fetch reports them.

use crate::error::BslurpError;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use flate2::Compression;
use std::io::{Read, Write};

/// Raw bytes to the `content` string.
pub fn encode(data: &[u8], compress: bool) -> String {
    if compress {
        let mut enc = ZlibEncoder::new(
            Vec::with_capacity(data.len() / 2 + 64),
            Compression::default(),
        );
        // Writing into a Vec cannot fail.
        let _ = enc.write_all(data);
        STANDARD.encode(enc.finish().unwrap_or_default())
    } else {
        STANDARD.encode(data)
    }
}

/// The `content` string back to raw bytes.
pub fn decode(content: &str, compressed: bool) -> Result<Vec<u8>, BslurpError> {
    // Ansible may hand over text with line breaks folded in; base64 ignores whitespace there too.
    let cleaned: String = content
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let data = STANDARD.decode(cleaned.as_bytes())?;
    if !compressed {
        return Ok(data);
    }
    let mut out = Vec::with_capacity(data.len() * 3);
    ZlibDecoder::new(&data[..])
        .read_to_end(&mut out)
        .map_err(BslurpError::Zlib)?;
    Ok(out)
}

/// A mode as Python's `oct()` prints it (`0o644`), which is what users register.
pub fn python_oct(mode: u32) -> String {
    format!("0o{mode:o}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for compress in [true, false] {
            let data = b"hello\0world\n".repeat(100);
            assert_eq!(decode(&encode(&data, compress), compress).unwrap(), data);
        }
    }

    #[test]
    fn bad_input_is_typed() {
        assert!(matches!(decode("!!!", false), Err(BslurpError::Base64(_))));
        assert!(matches!(
            decode("aGVsbG8=", true),
            Err(BslurpError::Zlib(_))
        ));
    }

    #[test]
    fn oct_like_python() {
        assert_eq!(python_oct(0o644), "0o644");
        assert_eq!(python_oct(0), "0o0");
    }
}
