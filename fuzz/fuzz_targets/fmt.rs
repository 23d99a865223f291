//! The formatter on every policy that parses: the result parses to the same
//! tree (positions aside), and formatting it again changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lq_fuzz::without_positions;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(before) = lq::syntax::parse(text) else {
        return;
    };
    let once = lq::fmt::format(text).expect("a policy that parses formats");
    let after = match lq::syntax::parse(&once.text) {
        Ok(tree) => tree,
        Err(e) => panic!("the formatted text does not parse: {e:?}\n{}", once.text),
    };
    assert_eq!(
        without_positions(&format!("{before:?}")),
        without_positions(&format!("{after:?}")),
        "formatting changed the tree:\n{}",
        once.text
    );
    let twice = lq::fmt::format(&once.text).expect("formatted text formats");
    assert_eq!(once.text, twice.text, "formatting is not idempotent");
});
