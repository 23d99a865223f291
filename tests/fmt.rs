//! The formatter proves itself: for every case, example and diagnostic
//! case that parses, formatting is idempotent, the result parses, and the
//! formatted policy decides every lead exactly as the original does (the
//! `line N` of an unnamed rule moves with it, and the formatter says where).

mod support;

use std::collections::HashMap;

use support::Lcg;

use lq::check::types::Type;
use lq::eval::{Datum, Outcome};
use lq::fmt::format;
use lq::{Policy, Source};

fn policy_files() -> Vec<String> {
    let mut files = Vec::new();
    for dir in [
        "examples",
        "tests/cases/fmt",
        "tests/cases/check",
        "tests/cases/parse",
        "tests/data",
        "docs/snippets",
    ] {
        for entry in std::fs::read_dir(dir).expect("a folder") {
            let path = entry.expect("an entry").path();
            if path.extension().is_some_and(|e| e == "lq") {
                files.push(path.to_string_lossy().into_owned());
            }
        }
    }
    files.sort();
    files
}

#[test]
fn formatting_is_idempotent_and_reparses() {
    let mut formatted_count = 0;
    for path in policy_files() {
        let text = std::fs::read_to_string(&path).expect("readable");
        let Ok(once) = format(&text) else { continue };
        formatted_count += 1;
        let twice = format(&once.text).unwrap_or_else(|e| {
            panic!(
                "{path}: formatted text does not parse: {e:?}\n{}",
                once.text
            )
        });
        assert_eq!(
            once.text, twice.text,
            "{path}: formatting twice changes the text"
        );
        let comments = |t: &str| t.lines().filter(|l| l.contains('#')).count();
        assert!(
            comments(&once.text) >= comments(&text),
            "{path}: a comment was lost"
        );
    }
    assert!(
        formatted_count > 60,
        "only {formatted_count} policies formatted"
    );
}

#[test]
fn formatter_cases() {
    insta::glob!("cases/fmt/*.lq", |path| {
        let text = std::fs::read_to_string(path).expect("readable");
        let out = format(&text).unwrap_or_else(|e| panic!("{e:?}"));
        insta::assert_snapshot!(out.text);
    });
}

fn sample(policy: &Policy, rng: &mut Lcg) -> Vec<Datum> {
    let checked = policy.checked();
    checked
        .schema
        .fields
        .iter()
        .map(|f| {
            if f.optional && rng.pick(4) == 0 {
                return Datum::Missing;
            }
            match &f.ty {
                Type::Int => Datum::Int(
                    [0, 1, 2, 3, 5, 10, 12, 100, 1_001, 20_000, 1_000_001, -5][rng.pick(12)],
                ),
                Type::Number | Type::Money => Datum::Num(
                    [
                        0.0, 0.5, 1.9, 2.5, 500.0, 999.0, 5_000.0, 10_000.0, 25_000.0, 1.5e6,
                    ][rng.pick(10)],
                ),
                Type::Text => Datum::Text(
                    [
                        "",
                        "US",
                        "DE",
                        "KP",
                        "x@uni.edu",
                        "a@rivalsoft.com",
                        "spam",
                        "bot",
                        "spam-marker-two",
                        "a very long prefix that matters.com",
                        "  ",
                    ][rng.pick(11)]
                    .to_string(),
                ),
                Type::Bool => Datum::Bool(rng.pick(2) == 0),
                Type::Date => Datum::Date(
                    lq::date::parse_iso(
                        ["2026-11-20", "2026-10-01", "2026-08-24", "2025-01-01"][rng.pick(4)],
                    )
                    .expect("a date"),
                ),
                Type::Enum(id, _) => {
                    Datum::Enum(rng.pick(checked.enums[*id].variants.len()) as u32)
                }
                Type::List => Datum::List(match rng.pick(3) {
                    0 => vec![],
                    1 => vec!["webinar".into()],
                    _ => vec!["competitor".into(), "event".into()],
                }),
                _ => Datum::Missing,
            }
        })
        .collect()
}

/// An outcome with `line N` labels moved as the formatter moved them.
fn moved(mut o: Outcome, map: &HashMap<usize, usize>) -> Outcome {
    let fix = |label: &mut String| {
        if let Some(n) = label
            .strip_prefix("line ")
            .and_then(|n| n.parse::<usize>().ok())
        {
            if let Some(m) = map.get(&n) {
                *label = format!("line {m}");
            }
        }
    };
    if let Some(r) = o.rule.as_mut() {
        fix(r);
    }
    o.reasons.iter_mut().for_each(fix);
    o
}

#[test]
fn formatting_never_changes_a_decision() {
    let as_of = lq::date::parse_iso("2026-11-23").expect("a date");
    let mut compared = 0;
    for path in policy_files() {
        let text = std::fs::read_to_string(&path).expect("readable");
        let Some(original) = Policy::load(Source::new(&path, text.clone())).policy else {
            continue;
        };
        let formatted = format(&text).expect("a checked policy formats");
        let Some(after) = Policy::load(Source::new(&path, formatted.text.clone())).policy else {
            panic!(
                "{path}: the formatted policy does not check:\n{}",
                formatted.text
            );
        };
        let mut rng = Lcg(42);
        for row in 1..=300 {
            let record = sample(&original, &mut rng);
            let want = moved(original.evaluate(row, &record, as_of), &formatted.line_map);
            assert_eq!(
                after.evaluate(row, &record, as_of),
                want,
                "{path}: record {record:?}"
            );
        }
        let tests_before: Vec<bool> = lq::testing::run_tests(&original, as_of)
            .iter()
            .map(|t| t.passed())
            .collect();
        let tests_after: Vec<bool> = lq::testing::run_tests(&after, as_of)
            .iter()
            .map(|t| t.passed())
            .collect();
        assert_eq!(
            tests_before, tests_after,
            "{path}: formatting changed a test result"
        );
        compared += 1;
    }
    assert!(compared >= 10, "only {compared} policies compared");
}
