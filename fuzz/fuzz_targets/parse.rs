//! The parser on any text: it returns a tree or errors (never panics), and
//! every error renders over the text it points into.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lq::{Error, Source};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(errors) = lq::syntax::parse(text) {
        assert!(!errors.is_empty(), "a failed parse with no error");
        let source = Source::new("fuzz.lq", text);
        let errors: Vec<Error> = errors.into_iter().map(Error::from).collect();
        lq_fuzz::render_all(&errors, &source);
    }
    let _ = lq::syntax::parse_expr(text);
});
