//! Any text: the filter parser must not panic, and whatever it accepts must
//! print to text that parses back to the same tree, unless the printed text
//! is over the parser's size limit (escapes make it longer than the input:
//! a 3,957-byte filter printed past 4,096 bytes), which is then the error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_core::filter::{parse, MAX_BYTES};

const FIELDS: [&str; 5] = ["city", "firstName", "blockCustomer", "tags", "createdAt"];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(expr) = parse(text, |f| FIELDS.contains(&f)) {
        let printed = expr.to_string();
        let again = parse(&printed, |f| FIELDS.contains(&f));
        if printed.len() > MAX_BYTES {
            assert!(again.is_err(), "{printed:?} is over the limit");
            return;
        }
        assert_eq!(
            again.as_ref().ok(),
            Some(&expr),
            "{printed:?} did not round-trip"
        );
    }
});
