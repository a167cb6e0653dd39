//! Any bytes, split at NUL into up to four sources, through merge_yaml's
//! loader (with its anchor and alias name pass, which walks the text between
//! the parser's events and re-parses it with spaces put in), merger and
//! PyYAML-style dumper (the module's library), with extend_lists off and on.
//! Nothing may panic; our own dump must load back, alias keys (`*id001: v`)
//! included, and dumping it again must give the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let sources: Vec<&str> = text.splitn(4, '\0').collect();
    for extend in [false, true] {
        let Ok(out) = merge_yaml::merge_texts(sources.iter().copied(), extend, None) else {
            continue;
        };
        let again = merge_yaml::merge_texts([out.as_str()], false, None)
            .unwrap_or_else(|e| panic!("our dump must load back: {e:?}\n{out}"));
        assert_eq!(again, out, "dumping a loaded dump must be stable");
    }
});
