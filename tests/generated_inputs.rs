//! `lq generate` and `lq schema infer` make input for lq itself, so what
//! they write must be what lq accepts. Properties over generated schemas
//! and generated exports: every lead `generate` writes reads without an
//! error under its own policy, and every schema `schema infer` proposes
//! checks, and reads the data it came from without an error.

use std::io::Cursor;

use lq::data::generate::generate;
use lq::data::infer::infer;
use lq::data::{InputFormat, RecordReader};
use lq::Policy;
use proptest::prelude::*;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// One schema field: its declaration (type, `?`, markers, options).
fn field() -> impl Strategy<Value = String> {
    let ty = prop_oneof![
        Just("int"),
        Just("number"),
        Just("money"),
        Just("bool"),
        Just("date"),
        Just("text"),
        Just("Stage"),
        Just("list of text"),
    ];
    let markers = prop_oneof![
        Just(""),
        Just(" missing [\"0\"]"),
        Just(" missing [\"none\", \"webinar\"]"),
        Just(" missing [\"Lead\", \"text1\"]"),
    ];
    let option = prop_oneof![Just(""), Just(" trim"), Just(" ignore case")];
    (ty, any::<bool>(), markers, option).prop_map(|(ty, optional, markers, option)| {
        let option = match ty {
            "Stage" => option,
            "text" if option == " trim" => option,
            _ => "",
        };
        format!("{ty}{}{option}{markers}", if optional { "?" } else { "" })
    })
}

/// A policy over a generated schema: a key, then up to seven fields.
fn schema_policy() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just("int"), Just("text")],
        proptest::collection::vec(field(), 1..8),
    )
        .prop_map(|(key, fields)| {
            let mut text =
                String::from("enum Stage { Lead (\"lead\"), Customer, Churned }\nschema {\n");
            text.push_str(&format!("  id: {key} key\n"));
            for (i, f) in fields.iter().enumerate() {
                text.push_str(&format!("  f{i}: {f}\n"));
            }
            text.push_str("}\ntiers A\notherwise tier A\n");
            text
        })
}

/// Reads `data` under `policy`; the error outcomes' messages.
fn read_errors(policy: &Policy, data: Vec<u8>, format: InputFormat) -> Vec<String> {
    let reader = RecordReader::new(
        policy.checked(),
        Box::new(Cursor::new(data)),
        format,
        "generated",
    )
    .expect("the header matches the schema");
    reader
        .map(|r| r.expect("no I/O error"))
        .filter_map(|r| r.err())
        .map(|e| e.messages().join("; "))
        .collect()
}

/// One cell of a generated export: the kinds of values real exports hold,
/// with the awkward ones (placeholders, long notes, spaces, quotes).
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..1000).prop_map(|n| n.to_string()),
        (0u32..1000, 0u32..100).prop_map(|(a, b)| format!("{a}.{b}")),
        Just("$1,250".to_string()),
        Just("yes".to_string()),
        Just("No".to_string()),
        Just("2026-11-23".to_string()),
        Just(String::new()),
        Just("Select".to_string()),
        Just("n/a".to_string()),
        Just(" padded ".to_string()),
        Just("Working Professional".to_string()),
        Just("say \"hi\"".to_string()),
        Just("line\nbreak".to_string()),
        Just("999".to_string()),
        "[a-zA-Z]{1,8}",
        "[a-z ]{70,200}",
    ]
}

/// A header as exports write them: words, numbers first, punctuation,
/// keywords, line breaks, very long ones.
fn header() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z][a-z]{2,8}( [A-Z][a-z]{2,8}){0,3}",
        Just("1st".to_string()),
        Just("2nd Contact".to_string()),
        Just("when".to_string()),
        Just("Total\nVisits".to_string()),
        Just("id".to_string()),
        Just("Lead Number".to_string()),
        Just("%".to_string()),
        Just("a_b".to_string()),
        Just("a b".to_string()),
        "[a-z]{1200,1300}",
    ]
}

fn csv_cell(c: &str) -> String {
    if c.contains([',', '"', '\n', '\r']) || c.starts_with(' ') {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c.to_string()
    }
}

proptest! {
    #![proptest_config(config(48))]

    /// `lq generate`'s leads read without an error under the policy that
    /// made them, as CSV and as NDJSON (a required `list of text` was left
    /// empty in a quarter of the rows).
    #[test]
    fn generated_leads_are_accepted_by_their_policy(text in schema_policy(), seed in 0u64..1000) {
        let policy = Policy::from_source("generated.lq", &text)
            .unwrap_or_else(|e| panic!("{text}\n{e:?}"));
        for (ndjson, format) in [(false, InputFormat::Csv), (true, InputFormat::Ndjson)] {
            let mut out = Vec::new();
            generate(policy.checked(), 200, seed, ndjson, &mut out).expect("generated");
            let errors = read_errors(&policy, out, format);
            prop_assert!(errors.is_empty(), "{}\n{:?}", text, &errors[..errors.len().min(3)]);
        }
    }

    /// The schema `lq schema infer` proposes checks without errors, and
    /// reads the export it came from without an error outcome.
    #[test]
    fn inferred_schemas_check_and_read_their_data(
        headers in proptest::collection::vec(header(), 1..6),
        rows in proptest::collection::vec(proptest::collection::vec(cell(), 6), 1..30),
    ) {
        let mut csv = headers.iter().map(|h| csv_cell(h)).collect::<Vec<_>>().join(",");
        csv.push('\n');
        for row in &rows {
            let line: Vec<String> = row[..headers.len()].iter().map(|c| csv_cell(c)).collect();
            csv.push_str(&line.join(","));
            csv.push('\n');
        }
        let inferred = infer(
            Box::new(Cursor::new(csv.clone().into_bytes())),
            InputFormat::Csv,
            "export.csv",
            None,
            None,
        )
        .expect("inferred");
        let text = format!("{}tiers A\notherwise tier A\n", inferred.text);
        let loaded = Policy::load(lq::Source::new("inferred.lq", text.as_str()));
        prop_assert_eq!(loaded.error_count(), 0, "{}\n{:?}", text, loaded.diagnostics);
        for line in text.lines() {
            prop_assert!(line.len() <= 2_000, "a {}-byte line:\n{}", line.len(), text);
        }
        let policy = loaded.policy.expect("checked");
        let errors = read_errors(&policy, csv.into_bytes(), InputFormat::Csv);
        prop_assert!(errors.is_empty(), "{}\n{:?}", text, errors);
    }
}
