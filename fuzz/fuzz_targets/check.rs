//! The checker (and compiler) on every policy that parses: diagnostics
//! render, a policy without errors compiles, and its own tests run.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lq::{Policy, Source};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loaded = Policy::load(Source::new("fuzz.lq", text));
    lq_fuzz::render_all(&loaded.diagnostics, &loaded.source);
    match &loaded.policy {
        Some(policy) => {
            assert_eq!(loaded.error_count(), 0, "a policy with errors compiled");
            let _ = lq::testing::run_tests(policy, lq_fuzz::as_of(data));
        }
        None => assert!(loaded.error_count() > 0, "no policy and no error"),
    }
});
