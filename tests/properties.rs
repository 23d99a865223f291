//! Properties of generated policies and leads (proptest, which shrinks a
//! failure to a small policy): the checker accepts every policy the
//! generator builds; the optimised evaluator, row by row and columnar (a
//! batch at a time), agrees with a naive reference interpreter on every
//! condition and decision, over every combination of
//! missing fields; formatting is idempotent and keeps every decision;
//! evaluation is deterministic and independent of record order and thread
//! count; the three-valued laws hold as the evaluator computes them; and
//! an enum cell read at fixed widths finds the spelling a search finds.

mod properties {
    pub mod reference;
    pub mod strategy;
}
mod support;

use proptest::prelude::*;

use lq::coverage::Coverage;
use lq::eval::columnar::{Columnar, Lanes};
use lq::eval::interp::{self, Env};
use lq::eval::{Datum, Decision, Truth, Value};
use lq::Policy;
use properties::reference::{self, Tv};
use properties::strategy::{self, AS_OF};

fn load(text: &str) -> Policy {
    Policy::from_source("generated.lq", text)
        .unwrap_or_else(|e| panic!("a generated policy does not check: {e:?}\n{text}"))
}

fn tv(t: Truth) -> Tv {
    match t {
        Truth::True => Tv::True,
        Truth::False => Tv::False,
        Truth::Unknown => Tv::Unknown,
    }
}

fn same_value(lq: &Value<'_>, reference: &reference::Val) -> bool {
    use reference::Val;
    match (lq, reference) {
        (Value::Missing, Val::Missing) => true,
        (Value::Int(a), Val::Int(b)) => a == b,
        (Value::Num(a), Val::Num(b)) => a.to_bits() == b.to_bits(),
        _ => false,
    }
}

/// Checks one policy against the reference over `leads`: every
/// disqualifier's and rule's truth value (unknown is not false), as the
/// tree interpreter and the compiled closures compute it, every entry's
/// contribution, and the decision.
fn agrees_with_reference(policy: &Policy, leads: &[Vec<Datum>]) -> Result<(), TestCaseError> {
    let checked = policy.checked();
    let plan = &policy.compiled;
    // The columnar engine decides the grid in two batches, of all but
    // seven leads (words of 64, the last one partial) and of seven, with
    // the same buffers.
    let columnar = Columnar::new(plan);
    let mut lanes = Lanes::default();
    let split = leads.len().saturating_sub(7);
    let mut batched = Vec::new();
    for part in [&leads[..split], &leads[split..]] {
        columnar.run(part, AS_OF, &mut lanes);
        prop_assert_eq!(lanes.len(), part.len());
        for lane in 0..part.len() {
            let mut d = Decision::default();
            lanes.decision_into(lane, &mut d);
            batched.push(d);
        }
    }
    // Coverage counted from the batches' masks (the engine watching every
    // item, every rule tried on every lead) equals coverage counted from
    // the row evaluator's steps, outcome by outcome; and watching changes
    // no decision. These batches are decoded as the batch engine reads a
    // file, a block of 64 records as soon as it is whole (started with
    // room for 64, so a longer batch grows), which changes no decision
    // either.
    let known = |i: usize| [Some(true), Some(false), None][i % 3];
    let mut by_rows = Coverage::new(policy);
    for (i, lead) in leads.iter().enumerate() {
        by_rows.decide(policy, lead, AS_OF, &mut Decision::default(), known(i));
    }
    let mut by_masks = Coverage::new(policy);
    let mut watched = Lanes::default();
    watched.watch();
    for (from, part) in [(0, &leads[..split]), (split, &leads[split..])] {
        columnar.start_batch(64, &mut watched);
        for read in 1..=part.len() {
            columnar.decode_read(&part[..read], &mut watched);
        }
        columnar.finish_batch(part, &mut watched);
        columnar.decide(part, AS_OF, &mut watched);
        let outcomes: Vec<_> = (from..from + part.len()).map(known).collect();
        by_masks.add_lanes(&watched, &outcomes);
        for lane in 0..part.len() {
            let mut d = Decision::default();
            watched.decision_into(lane, &mut d);
            prop_assert_eq!(&d, &batched[from + lane], "watched lead {}", from + lane);
        }
    }
    prop_assert_eq!(&by_masks.items, &by_rows.items, "coverage by masks");
    for (lane, (lead, batched)) in leads.iter().zip(&batched).enumerate() {
        let expected = reference::decide(checked, lead, AS_OF);
        let actual = policy.decide(lead, AS_OF);
        prop_assert_eq!(
            (
                &batched.disqualified_by,
                &batched.blocks,
                batched.score,
                batched.rule
            ),
            (
                &expected.disqualified_by,
                &expected.blocks,
                expected.score,
                expected.rule
            ),
            "columnar decision for lead {} of {}: {:?}",
            lane,
            leads.len(),
            lead
        );
        prop_assert_eq!(
            (
                &actual.disqualified_by,
                &actual.blocks,
                actual.score,
                actual.rule
            ),
            (
                &expected.disqualified_by,
                &expected.blocks,
                expected.score,
                expected.rule
            ),
            "decision for {:?}",
            lead
        );
        // The trace is the same evaluation, recorded.
        let trace = policy.trace(lead, AS_OF);
        let fired: Vec<usize> = trace
            .disqualifiers
            .iter()
            .filter(|d| d.value == Truth::True)
            .map(|d| d.index)
            .collect();
        prop_assert_eq!(&fired, &actual.disqualified_by, "trace for {:?}", lead);
        let totals: Vec<i64> = trace.blocks.iter().map(|b| b.total).collect();
        prop_assert_eq!(&totals, &actual.blocks, "trace for {:?}", lead);
        prop_assert_eq!(
            trace.rules.iter().position(|r| r.decided),
            actual.rule,
            "trace for {:?}",
            lead
        );
        let before = Env {
            record: lead,
            as_of: AS_OF,
            blocks: &[],
            total: 0,
        };
        let reference_lead = |scores| reference::Lead {
            policy: checked,
            record: lead,
            as_of: AS_OF,
            scores,
        };
        let unscored = reference_lead(None);
        for (d, def) in plan.disqualifiers.iter().zip(&checked.disqualifiers) {
            let expected = reference::truth(&unscored, &def.when);
            prop_assert_eq!(
                tv(interp::truth(&d.when, &before)),
                expected,
                "disqualifier {:?} for {:?}",
                def.reason,
                lead
            );
            let cond = d
                .cond
                .as_ref()
                .expect("a loaded policy's conditions are prepared");
            prop_assert_eq!(tv(cond.truth(&before)), expected, "compiled, {:?}", lead);
        }
        for (b, def) in plan.blocks.iter().zip(&checked.blocks) {
            for (e, edef) in b.entries.iter().zip(&def.entries) {
                if e.per {
                    let v = interp::eval(&e.expr, &before);
                    let r = reference::value(&unscored, &edef.expr);
                    prop_assert!(
                        same_value(&v, &r),
                        "per {:?} against {:?} for {:?}",
                        v,
                        r,
                        lead
                    );
                } else {
                    let expected = reference::truth(&unscored, &edef.expr);
                    prop_assert_eq!(
                        tv(interp::truth(&e.expr, &before)),
                        expected,
                        "score entry for {:?}",
                        lead
                    );
                    let compiled = e.cond.as_ref().map(|c| tv(c.truth(&before)));
                    prop_assert_eq!(compiled, Some(expected), "compiled, {:?}", lead);
                }
            }
        }
        let after = Env {
            record: lead,
            as_of: AS_OF,
            blocks: &actual.blocks,
            total: actual.score,
        };
        let scored = reference_lead(Some((expected.blocks.clone(), expected.score)));
        for (r, def) in plan.rules.iter().zip(&checked.rules) {
            if let (Some(when), Some(def_when)) = (&r.when, &def.when) {
                let expected = reference::truth(&scored, def_when);
                prop_assert_eq!(
                    tv(interp::truth(when, &after)),
                    expected,
                    "rule {} for {:?}",
                    def.label,
                    lead
                );
                let compiled = r.cond.as_ref().map(|c| tv(c.truth(&after)));
                prop_assert_eq!(compiled, Some(expected), "compiled, {:?}", lead);
            }
        }
    }
    Ok(())
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn the_evaluator_agrees_with_the_reference_interpreter(
        text in strategy::policy(),
        values in proptest::collection::vec(strategy::present(), 2),
    ) {
        let policy = load(&text);
        agrees_with_reference(&policy, &strategy::grid(&values))?;
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn the_checker_accepts_every_generated_policy(text in strategy::policy()) {
        let loaded = Policy::load(lq::Source::new("generated.lq", text.as_str()));
        prop_assert_eq!(loaded.error_count(), 0, "{}\n{:?}", text, loaded.diagnostics);
        prop_assert!(loaded.policy.is_some());
    }

    #[test]
    fn formatting_is_idempotent_and_keeps_every_decision(
        text in strategy::policy(),
        values in proptest::collection::vec(strategy::present(), 1),
    ) {
        let once = lq::fmt::format(&text).expect("a generated policy parses");
        let twice = lq::fmt::format(&once.text).expect("formatted text parses");
        prop_assert_eq!(&once.text, &twice.text, "formatting twice changes the text");
        let (before, after) = (load(&text), load(&once.text));
        for lead in strategy::grid(&values) {
            prop_assert_eq!(before.decide(&lead, AS_OF), after.decide(&lead, AS_OF));
        }
    }

    #[test]
    fn evaluation_is_deterministic_and_independent_of_record_order(
        text in strategy::policy(),
        values in proptest::collection::vec(strategy::present(), 1),
    ) {
        let policy = load(&text);
        let leads = strategy::grid(&values);
        let forward: Vec<Decision> = leads.iter().map(|l| policy.decide(l, AS_OF)).collect();
        let mut reused = Decision::default();
        for (lead, expected) in leads.iter().zip(&forward).rev() {
            policy.decide_into(lead, AS_OF, &mut reused);
            prop_assert_eq!(&reused, expected);
        }
    }

    #[test]
    fn three_valued_laws_hold(
        p in strategy::condition(),
        q in strategy::condition(),
        values in proptest::collection::vec(strategy::present(), 1),
    ) {
        let policy = load(strategy::SCHEMA);
        let laws = [
            (format!("not ({p} and {q})"), format!("(not {p}) or (not {q})")),
            (format!("not ({p} or {q})"), format!("(not {p}) and (not {q})")),
            (format!("not not ({p})"), p.clone()),
            (format!("{p} and ({p} or {q})"), p.clone()),
            (format!("{p} or ({p} and {q})"), p.clone()),
            (format!("({p}) and ({q})"), format!("({q}) and ({p})")),
            (format!("({p}) or ({q})"), format!("({q}) or ({p})")),
        ];
        let compiled: Vec<_> = laws
            .iter()
            .map(|(l, r)| {
                let expr = |t: &str| policy.expression(t).unwrap_or_else(|e| panic!("{t}: {e:?}"));
                (expr(l), expr(r))
            })
            .collect();
        for lead in strategy::grid(&values) {
            for ((l, r), (lt, rt)) in compiled.iter().zip(&laws) {
                prop_assert_eq!(
                    policy.eval_expression(l, &lead, AS_OF),
                    policy.eval_expression(r, &lead, AS_OF),
                    "{} against {} for {:?}",
                    lt,
                    rt,
                    lead
                );
            }
        }
    }
}

/// Generates leads for a policy with `lq generate`, then evaluates them
/// with 1, 2 and 3 threads and in reverse order: the outcomes are the same
/// bytes, and the same per key.
fn thread_counts_agree(text: &str, seed: u64) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let policy_path = dir.path().join("generated.lq");
    std::fs::write(&policy_path, text).expect("written");
    let policy_arg = policy_path.to_string_lossy().into_owned();
    let data = support::success_stdout(support::lq().args([
        "generate",
        &policy_arg,
        "--count",
        "9000",
        "--seed",
        &seed.to_string(),
    ]));
    let data_path = dir.path().join("leads.csv");
    std::fs::write(&data_path, &data).expect("written");
    let mut lines: Vec<&str> = data.lines().collect();
    lines[1..].reverse();
    let reversed_path = dir.path().join("reversed.csv");
    std::fs::write(&reversed_path, lines.join("\n") + "\n").expect("written");
    let eval = |path: &std::path::Path, threads: &str| {
        support::success_stdout(support::lq().args([
            "eval",
            &policy_arg,
            &path.to_string_lossy(),
            "--as-of",
            "2026-11-23",
            "--format",
            "ndjson",
            "--threads",
            threads,
        ]))
    };
    let one = eval(&data_path, "1");
    prop_assert_eq!(one.lines().count(), 9000);
    prop_assert!(one == eval(&data_path, "2"), "2 threads differ from 1");
    prop_assert!(one == eval(&data_path, "3"), "3 threads differ from 1");
    // In reverse order, each lead (by key) gets the same outcome.
    let by_key = |out: &str| {
        let mut outcomes: Vec<serde_json::Value> = out
            .lines()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).expect("an NDJSON line");
                v.as_object_mut().expect("an object").remove("row");
                v
            })
            .collect();
        outcomes.sort_by_key(|v| v["id"].as_i64());
        outcomes
    };
    prop_assert_eq!(by_key(&one), by_key(&eval(&reversed_path, "2")));
    Ok(())
}

proptest! {
    #![proptest_config(config(6))]

    #[test]
    fn thread_counts_and_record_order_give_the_same_outcomes(
        text in strategy::policy(),
        seed in 0u64..1000,
    ) {
        thread_counts_agree(&text, seed)?;
    }
}

/// A spelling or any text: letters, digits, a space, a dot, an accented
/// letter and a NUL byte, of 0 to 18 characters (about the 16 bytes a
/// text is read in at fixed widths).
fn spelling() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 .\u{e9}\u{0}]{0,18}"
}

proptest! {
    #![proptest_config(config(512))]

    /// An enum cell read from its record at fixed widths, by the table of
    /// its enum's spellings, finds what a copy of it finds, which is the
    /// first spelling listed: for spellings listed (some twice, the first
    /// then wins) and for any other text, wherever the cell is in its
    /// record.
    #[test]
    fn enum_cells_read_from_a_record_as_by_search(
        spellings in proptest::collection::vec(spelling(), 1..80),
        cells in proptest::collection::vec(
            (spelling(), any::<prop::sample::Index>(), any::<bool>(), 0usize..24),
            1..40,
        ),
    ) {
        let map: lq::text_key::TextMap = spellings.iter().map(String::as_str).zip(0..).collect();
        for (text, pick, listed, after) in cells {
            let text = if listed { pick.get(&spellings).clone() } else { text };
            let record = format!("id,{text},{}", "x".repeat(after));
            let cell = &record[3..3 + text.len()];
            let window = &record.as_bytes()[3..];
            let first = spellings.iter().position(|s| *s == text).map(|i| i as u32);
            prop_assert_eq!(map.get(&text), first, "{:?}", text);
            prop_assert_eq!(map.get_in(cell, window), map.get(&text), "{:?} in {:?}", text, record);
        }
    }
}
