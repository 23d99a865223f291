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

/// A policy whose rules shadow one another, repeat conditions and outrun
/// the rule analysis's budget part way through: what the incremental check
/// carries over and resumes must give what a fresh check gives.
fn shadowing_policy() -> String {
    let mut text = String::from(
        "enum Role { CEO, VP, Other }\nschema {\n  id: int key\n  role: Role\n  budget: money?\n  visits: int\n  email: text\n}\ntiers A > B > C\nlet big = budget >= 50k\nscore fit up to 10 {\n  +5 when big\n  +5 when visits > 3\n}\n",
    );
    for i in 0..540 {
        let line = match i % 6 {
            0 => format!(
                "rule r{i}: when budget >= {}k and visits > {} then tier A\n",
                i % 37,
                i % 11
            ),
            1 => "when big and role = VP then tier B\n".to_string(),
            2 => format!(
                "rule m{i}: when email matches \"^a{}\" then tier C\n",
                i % 5
            ),
            3 => format!(
                "when visits between {} and {} then tier B\n",
                i % 13,
                i % 13 + 4
            ),
            4 => format!("rule s{i}: when score >= {} then tier A\n", i % 9),
            _ => format!(
                "when role in [CEO, VP] and budget < {}k then tier C\n",
                i % 23
            ),
        };
        // Each declaration's text its own (the same text twice is parsed
        // again rather than moved), the same condition for all that.
        text.push_str(&line.replace('\n', &format!(" # {i}\n")));
    }
    text.push_str("otherwise tier C\n");
    text
}

/// Edits that keep a policy mostly valid, line by line: what an analyst
/// does to rules (with [`Edit`]'s character edits for the rest).
#[derive(Clone, Debug)]
enum LineEdit {
    Chars(Edit),
    DuplicateLine(usize),
    DeleteLine(usize),
    MoveLine(usize, usize),
    Digit(usize, u8),
}

fn line_edit() -> impl Strategy<Value = LineEdit> {
    prop_oneof![
        edit().prop_map(LineEdit::Chars),
        any::<usize>().prop_map(LineEdit::DuplicateLine),
        any::<usize>().prop_map(LineEdit::DeleteLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| LineEdit::MoveLine(a, b)),
        (any::<usize>(), 0u8..10).prop_map(|(a, d)| LineEdit::Digit(a, d)),
        (any::<usize>(), 0u8..10).prop_map(|(a, d)| LineEdit::Digit(a, d)),
    ]
}

fn apply_line(text: &mut String, e: &LineEdit) {
    let mut lines: Vec<String> = text.lines().map(|l| format!("{l}\n")).collect();
    let n = lines.len().max(1);
    match e {
        LineEdit::Chars(e) => return apply(text, e),
        LineEdit::DuplicateLine(a) if !lines.is_empty() => {
            let line = lines[a % n].clone();
            lines.insert(a % n, line);
        }
        LineEdit::DeleteLine(a) if !lines.is_empty() => {
            lines.remove(a % n);
        }
        LineEdit::MoveLine(a, b) if !lines.is_empty() => {
            let line = lines.remove(a % n);
            lines.insert(b % lines.len().max(1), line);
        }
        LineEdit::Digit(a, d) => {
            let digits: Vec<usize> = text
                .match_indices(|c: char| c.is_ascii_digit())
                .map(|(i, _)| i)
                .collect();
            if !digits.is_empty() {
                let at = digits[a % digits.len()];
                text.replace_range(at..at + 1, &d.to_string());
            }
            return;
        }
        _ => {}
    }
    *text = lines.concat();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    /// The editor's check of each version, which carries unchanged rules
    /// over from the check before and resumes the rule analysis after them,
    /// gives what a fresh check of that version gives: the same
    /// diagnostics, in the same words and places, and the same checked
    /// policy.
    #[test]
    fn the_incremental_check_equals_a_fresh_check_through_random_edits(
        example in 0..EXAMPLES.len() + 1,
        edits in proptest::collection::vec(line_edit(), 1..10),
    ) {
        let mut text = EXAMPLES.get(example).map_or_else(shadowing_policy, |e| e.to_string());
        let mut reparser = lq::syntax::Reparser::new();
        let mut last = lq::ide::Analysis::again(&mut reparser, None, "e.lq", &text);
        for e in &edits {
            apply_line(&mut text, e);
            let again = lq::ide::Analysis::again(&mut reparser, Some(&mut last), "e.lq", &text);
            let fresh = lq::ide::Analysis::new("e.lq", &text);
            prop_assert_eq!(format!("{:?}", again.diagnostics), format!("{:?}", fresh.diagnostics), "{}", text);
            prop_assert_eq!(format!("{:?}", again.checked), format!("{:?}", fresh.checked), "{}", text);
            last = again;
        }
    }
}

/// A version the rule analysis does not see (it has a syntax error) in
/// between: what the analysis found before it is not replayed after it,
/// where the rules before have changed.
#[test]
fn findings_are_not_carried_through_a_version_with_a_syntax_error() {
    let base = shadowing_policy();
    let first_rule = base.find("rule r0:").expect("the first rule");
    let mut inserted = base.clone();
    inserted.insert_str(first_rule, "rule early: when visits > 5 then tier A\n");
    let versions = [
        base.clone(),
        format!("{inserted}when &&\n"),
        inserted.clone(),
        format!("{base}when &&\n"),
        base,
    ];
    let mut reparser = lq::syntax::Reparser::new();
    let mut last = lq::ide::Analysis::again(&mut reparser, None, "e.lq", &versions[0]);
    for text in &versions[1..] {
        let again = lq::ide::Analysis::again(&mut reparser, Some(&mut last), "e.lq", text);
        let fresh = lq::ide::Analysis::new("e.lq", text);
        assert_eq!(
            format!("{:?}", again.diagnostics),
            format!("{:?}", fresh.diagnostics)
        );
        assert_eq!(
            format!("{:?}", again.checked),
            format!("{:?}", fresh.checked)
        );
        last = again;
    }
}

/// A policy whose rule `x` never fires, after `k` rules that spend the
/// rule analysis's budget: past some `k` the budget runs out while `x`'s
/// own sets are being found, and the warning is not given.
fn budget_policy(k: usize) -> String {
    let mut text = String::from(
        "schema {\n  id: int key\n  a: int\n  b: int\n  c: int\n  d: int\n  e: int\n  f: int\n}\ntiers A > B\n",
    );
    for i in 0..k {
        text.push_str(&format!(
            "rule r{i}: when a > {i} and b < {} then tier A\n",
            i + 50
        ));
    }
    let any = |op: &str, n: u32| {
        let fields = ["a", "b", "c", "d", "e", "f"];
        let parts: Vec<String> = fields.iter().map(|f| format!("{f} {op} {n}")).collect();
        format!("({})", parts.join(" or "))
    };
    text.push_str(&format!(
        "rule x: when {} and {} and {} and {} and a > 5 and a < 3 then tier B\notherwise tier B\n",
        any(">", 1),
        any("<", 9),
        any(">", 3),
        any("<", 7)
    ));
    text
}

fn warns_x(text: &str) -> bool {
    let x = text.find("rule x").expect("rule x");
    lq::ide::Analysis::new("b.lq", text)
        .diagnostics
        .iter()
        .any(|d| d.is_warning() && d.primary_span().start == x)
}

/// The rule analysis's budget ran out part way through a rule's own sets
/// in the last check; with rules before it removed, more budget is left
/// when it comes: its sets are found again, not carried over cut short.
#[test]
fn sets_cut_short_by_the_budget_are_found_again_with_more_budget() {
    // The fewest rules before `x` that keep its warning from being given.
    let (mut lo, mut hi) = (0, 400);
    assert!(warns_x(&budget_policy(lo)));
    assert!(!warns_x(&budget_policy(hi)));
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if warns_x(&budget_policy(mid)) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    // (With four groups of six alternatives, `x`'s sets need more than a
    // rule's share of the budget, so at this boundary the budget is not
    // yet spent when `x` comes, and runs out inside it.)
    let before = budget_policy(hi);
    // The first rule taken out: everything after it moves, and `x` is
    // carried over with the sets the last check found.
    let first = before.find("rule r0:").expect("r0");
    let line_end = first + before[first..].find('\n').expect("a line") + 1;
    let mut after = before.clone();
    after.replace_range(first..line_end, "");
    assert!(
        warns_x(&after),
        "with one rule fewer, x is analysed in full"
    );
    let mut reparser = lq::syntax::Reparser::new();
    let mut last = lq::ide::Analysis::again(&mut reparser, None, "b.lq", &before);
    let again = lq::ide::Analysis::again(&mut reparser, Some(&mut last), "b.lq", &after);
    let fresh = lq::ide::Analysis::new("b.lq", &after);
    assert_eq!(
        format!("{:?}", again.diagnostics),
        format!("{:?}", fresh.diagnostics)
    );
}
