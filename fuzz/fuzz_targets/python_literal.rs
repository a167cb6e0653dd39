//! Any text as a Python literal (check_type_dict's fallback for `{`-texts):
//! never a panic; a value it returns serialises, and reads back the same from its JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match ansible_module::literal_eval(text) {
        Ok(value) => {
            let json = serde_json::to_string(&value).expect("serialisable");
            let back: serde_json::Value = serde_json::from_str(&json).expect("JSON reads back");
            assert_eq!(back, value);
        }
        Err(message) => assert!(!message.is_empty()),
    }
});
