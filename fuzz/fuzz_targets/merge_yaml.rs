//! Any bytes, split at NUL into up to four sources, through merge_yaml's
//! loader, merger and PyYAML-style dumper (the module's library), with
//! extend_lists off and on. Nothing may panic, and dumping what our own dump
//! loads as must give the same text again. (A dump may fail to load back
//! where PyYAML's can: an alias used as a key, `*id001:`, which YAML 1.2
//! parsers read as an anchor named `id001:`.)
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let sources: Vec<&str> = text.splitn(4, '\0').collect();
    for extend in [false, true] {
        let Ok(out) = merge_yaml::merge_texts(sources.iter().copied(), extend, None) else {
            continue;
        };
        if let Ok(again) = merge_yaml::merge_texts([out.as_str()], false, None) {
            assert_eq!(again, out, "dumping a loaded dump must be stable");
        }
    }
});
