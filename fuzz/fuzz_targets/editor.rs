//! The editor analysis behind `lq lsp` on any text: every request, at
//! offsets taken from the input, answers without panicking, and every span
//! it gives lies inside the text on character boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lq::ide::Analysis;
use lq::source::Span;

fn inside(text: &str, span: Span) {
    assert!(span.start <= span.end && span.end <= text.len(), "{span:?}");
    assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let a = Analysis::new("fuzz.lq", text);
    for (span, _) in a.semantic_tokens() {
        inside(text, span);
        assert!(!text[span.start..span.end].contains('\n'), "a token spans lines");
    }
    for item in a.outline() {
        inside(text, item.span);
    }
    let _ = a.folds();
    let _ = a.formatted();
    for fix in a.fixes(Span::new(0, text.len())) {
        for e in fix.edits {
            inside(text, e.span);
        }
    }
    let offsets = data.iter().take(8).map(|b| *b as usize * text.len() / 255);
    for at in offsets {
        let (start, _) = a.completions(at);
        assert!(start <= text.len());
        if let Some(h) = a.hover(at) {
            inside(text, h.span);
        }
        for span in a.references(at, true) {
            inside(text, span);
        }
        if let Ok(edits) = a.rename(at, "renamed") {
            for e in edits {
                inside(text, e.span);
            }
        }
    }
});
