//! Any bytes, split at NUL into up to four sources, through merge_configs'
//! oslo.config parser, merger and writer (the module's library).
//! Nothing may panic, and a merged result must always render.
#![no_main]

use libfuzzer_sys::fuzz_target;

use merge_configs::{merge, write};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut merged = merge::Merged::default();
    for source in text.splitn(4, '\0') {
        if merged.add(source).is_err() {
            return;
        }
    }
    let spaced = write::render(&merged, true);
    let tight = write::render(&merged, false);
    assert!(spaced.len() >= tight.len());
});
