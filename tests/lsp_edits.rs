//! The language server under random editing: example policies cut, spliced
//! and sprinkled with fragments and odd characters, each version sent as a
//! change, then random requests at random positions. Every request must be
//! answered, and none with an internal error (the server answers a panic
//! with one): the server never crashes or hangs, whatever the text.
#![cfg(feature = "lsp")]

mod lsp_client;

use lsp_client::{uri, Client};
use proptest::prelude::*;
use serde_json::json;

const EXAMPLES: [&str; 3] = [
    include_str!("../examples/inbound-saas.lq"),
    include_str!("../examples/bant.lq"),
    include_str!("../examples/gates-and-routing.lq"),
];

/// Fragments a person typing might leave half-done.
const FRAGMENTS: &[&str] = &[
    "when ",
    "role = ",
    "in [",
    "]",
    "{",
    "}",
    "(",
    ")",
    "\"",
    "then tier ",
    "score ",
    "+5 when ",
    "let x = ",
    "&&",
    "\n",
    "#",
    "é",
    "😀",
    "\u{202e}",
    "\0",
    "10k",
    "2026-13-45",
    "rule r:",
    "otherwise",
    "test \"t\" { given ",
    "expect ",
    "schema {",
    "enum E {",
    "\r\n",
    "\t",
];

#[derive(Clone, Debug)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, usize),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0usize..40).prop_map(|(a, n)| Edit::Delete(a, n)),
        (any::<usize>(), 0..FRAGMENTS.len()).prop_map(|(a, f)| Edit::Insert(a, f)),
        (any::<usize>(), 0usize..200).prop_map(|(a, n)| Edit::Duplicate(a, n)),
    ]
}

/// `at` (any number) as a character boundary of `text`.
fn boundary(text: &str, at: usize) -> usize {
    let mut at = if text.is_empty() {
        0
    } else {
        at % (text.len() + 1)
    };
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn apply(text: &mut String, e: &Edit) {
    match *e {
        Edit::Delete(a, n) => {
            let start = boundary(text, a);
            let end = boundary(text, start + n);
            text.replace_range(start..end.max(start), "");
        }
        Edit::Insert(a, f) => {
            let at = boundary(text, a);
            text.insert_str(at, FRAGMENTS[f]);
        }
        Edit::Duplicate(a, n) => {
            let start = boundary(text, a);
            let end = boundary(text, start + n).max(start);
            let piece = text[start..end].to_string();
            text.insert_str(end, &piece);
        }
    }
}

const REQUESTS: [&str; 12] = [
    "textDocument/completion",
    "textDocument/hover",
    "textDocument/definition",
    "textDocument/references",
    "textDocument/prepareRename",
    "textDocument/rename",
    "textDocument/documentSymbol",
    "textDocument/foldingRange",
    "textDocument/formatting",
    "textDocument/codeAction",
    "textDocument/codeLens",
    "textDocument/semanticTokens/full",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_edits_never_crash_or_hang_the_server(
        example in 0..EXAMPLES.len(),
        edits in proptest::collection::vec(edit(), 1..8),
        requests in proptest::collection::vec((0..REQUESTS.len(), 0u32..120, 0u32..90), 1..12),
    ) {
        let mut c = Client::start(false);
        let mut text = EXAMPLES[example].to_string();
        c.open("e.lq", &text);
        for (version, e) in edits.iter().enumerate() {
            apply(&mut text, e);
            let published = c.change("e.lq", version as i32 + 2, &text);
            prop_assert!(published["diagnostics"].is_array());
        }
        let doc = json!({"uri": uri("e.lq")});
        for (r, line, character) in requests {
            let position = json!({"line": line, "character": character});
            let range = json!({"start": {"line": 0, "character": 0}, "end": position});
            let params = json!({
                "textDocument": doc, "position": position, "newName": "renamed",
                "context": {"includeDeclaration": true, "diagnostics": []},
                "range": range, "options": {"tabSize": 2, "insertSpaces": true},
            });
            if let Err(e) = c.answer(REQUESTS[r], params) {
                // Refusals (nothing to rename, syntax errors) are fine; an
                // internal error means a handler panicked.
                prop_assert_ne!(&e["code"], &json!(-32603), "{}: {}\n{}", REQUESTS[r], e, text);
            }
        }
        c.shutdown();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    /// Incremental parsing through random edits gives what parsing each
    /// version afresh gives: the same declarations with the same spans and
    /// lines, the same errors.
    #[test]
    fn the_reparser_equals_a_fresh_parse_through_random_edits(
        example in 0..EXAMPLES.len(),
        edits in proptest::collection::vec(edit(), 1..10),
    ) {
        let mut text = EXAMPLES[example].to_string();
        let mut reparser = lq::syntax::Reparser::new();
        let mut last = reparser.parse(&text, None).policy;
        for e in &edits {
            apply(&mut text, e);
            let again = reparser.parse(&text, last.take());
            let fresh = lq::syntax::parse_recovering(&text);
            prop_assert_eq!(format!("{:?}", again.policy), format!("{:?}", fresh.policy), "{}", text);
            prop_assert_eq!(format!("{:?}", again.errors), format!("{:?}", fresh.errors), "{}", text);
            last = again.policy;
        }
    }
}
