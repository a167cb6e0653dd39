//! Any bytes as the config.json that kolla_set_configs reads at every
//! container start: parsing and validation (modes, `directories` rules,
//! `exclude` regexes) must never panic, and every source's glob must match in
//! bounded time, a wildcard-free one exactly itself.
#![no_main]

use libfuzzer_sys::fuzz_target;

use kolla_set_configs::{config, glob};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(config) = config::parse(text) else { return };
    for file in &config.config_files {
        let name = file.source.rsplit('/').next().unwrap_or_default();
        let pattern = glob::Pattern::new(name.as_bytes());
        let _ = pattern.matches(file.dest.as_bytes());
        if !glob::has_magic(name) {
            assert!(pattern.matches(name.as_bytes()), "{name:?} must match itself");
            assert!(!pattern.matches(format!("{name}x").as_bytes()));
        }
    }
});
