//! The rule analysis is exact: over generated policies, a rule is reported
//! as never firing exactly when no lead makes it decide, and leads are
//! reported falling through exactly when some lead does — checked by
//! evaluating every lead of a grid that covers every boundary. And the
//! witness lead it prints really falls through.

mod support;

use lq::eval::{Datum, Status};
use lq::{Policy, Source};
use support::{condition, Lcg};

const SCHEMA: &str =
    "enum Role { V0, V1, V2 }\nschema {\n  a: int?\n  r: Role?\n  b: bool?\n  n: int\n}\ntiers T\n";

fn atom(rng: &mut Lcg) -> String {
    let c = [0, 1, 2, 3, 5][rng.pick(5)];
    let d = [1, 2, 3, 5][rng.pick(4)];
    match rng.pick(12) {
        0 => format!("a > {c}"),
        1 => format!("a <= {c}"),
        2 => format!("a = {c}"),
        3 => format!("a between {c} and {}", c + d),
        4 => format!("r = V{}", rng.pick(3)),
        5 => format!("r in [V{}, V{}]", rng.pick(3), rng.pick(3)),
        6 => "b".to_string(),
        7 => "a is missing".to_string(),
        8 => "r is present".to_string(),
        9 => format!("n >= {c}"),
        10 => format!("a != {c}"),
        _ => format!("r not in [V{}]", rng.pick(3)),
    }
}

fn grid() -> Vec<Vec<Datum>> {
    let a: Vec<Datum> = std::iter::once(Datum::Missing)
        .chain([-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(Datum::Int))
        .collect();
    let r: Vec<Datum> = std::iter::once(Datum::Missing)
        .chain((0..3).map(Datum::Enum))
        .collect();
    let b = [Datum::Missing, Datum::Bool(true), Datum::Bool(false)];
    let n = [-1, 0, 1, 2, 3, 4, 5, 6].map(Datum::Int);
    let mut out = Vec::new();
    for x in &a {
        for y in &r {
            for z in &b {
                for w in &n {
                    out.push(vec![x.clone(), y.clone(), z.clone(), w.clone()]);
                }
            }
        }
    }
    out
}

#[test]
fn the_analysis_agrees_with_exhaustive_evaluation() {
    let mut rng = Lcg(7);
    let leads = grid();
    let mut checked_rules = 0;
    for case in 0..300 {
        let rules = 1 + rng.pick(4);
        let mut text = SCHEMA.to_string();
        if rng.pick(3) == 0 {
            text.push_str(&format!(
                "disqualify when {} because \"d\"\n",
                condition(&mut rng, 2, atom)
            ));
        }
        for i in 0..rules {
            text.push_str(&format!(
                "rule r{i}: when {} then tier T\n",
                condition(&mut rng, 2, atom)
            ));
        }
        let loaded = Policy::load(Source::new("gen.lq", text.clone()));
        let policy = loaded
            .policy
            .as_ref()
            .unwrap_or_else(|| panic!("case {case} does not check:\n{text}"));
        let codes: Vec<(String, usize)> = loaded
            .diagnostics
            .iter()
            .filter_map(|d| {
                let code = miette::Diagnostic::code(d)?.to_string();
                let offset = miette::Diagnostic::labels(d)?.next()?.offset();
                Some((code, 1 + text[..offset].matches('\n').count()))
            })
            .collect();
        let outcomes: Vec<_> = leads.iter().map(|l| policy.evaluate(1, l, 0)).collect();
        // A disqualifier true for every lead is the one finding reported.
        if codes.iter().any(|(c, _)| c == "lq::always_true") {
            assert!(
                outcomes.iter().all(|o| o.status == Status::Disqualified),
                "case {case}:\n{text}"
            );
            continue;
        }
        for i in 0..rules {
            let label = format!("r{i}");
            let line = text
                .lines()
                .position(|l| l.starts_with(&format!("rule {label}:")))
                .expect("the rule")
                + 1;
            let reported = codes
                .iter()
                .any(|(c, l)| c == "lq::never_fires" && *l == line);
            let fires = outcomes
                .iter()
                .any(|o| o.rule.as_deref() == Some(label.as_str()));
            assert_eq!(reported, !fires, "case {case}, rule {label}:\n{text}");
            checked_rules += 1;
        }
        let falls = outcomes.iter().any(|o| o.status == Status::Unmatched);
        let reported = codes.iter().any(|(c, _)| c == "lq::falls_through");
        assert_eq!(reported, falls, "case {case}: falls through?\n{text}");
    }
    assert!(checked_rules > 300);
}

#[test]
fn the_witness_really_falls_through() {
    let path = "tests/cases/check/analysis-missing-falls-through.lq";
    let text = std::fs::read_to_string(path).expect("the case");
    let loaded = Policy::load(Source::new(path, text.clone()));
    let help = loaded
        .diagnostics
        .iter()
        .find_map(|d| {
            miette::Diagnostic::help(d)
                .map(|h| h.to_string())
                .filter(|h| h.contains("lead witness"))
        })
        .expect("a falls-through warning with a witness");
    let witness = &help[help.find("lead witness").expect("the witness")..];
    let with_test = format!(
        "{text}\n{witness}\ntest \"the witness\" {{\n  given witness\n  expect unmatched\n}}\n"
    );
    let policy = Policy::from_source("with-test.lq", &with_test)
        .unwrap_or_else(|e| panic!("{e:?}\n{with_test}"));
    let results = lq::testing::run_tests(&policy, 0);
    assert!(
        results.iter().all(|r| r.passed()),
        "{:?}",
        results[0].failures
    );
}

/// Entries whose points sum past an `i64` are summed as evaluation sums
/// them, held within a score's range: the cap lint neither overflows nor
/// calls a reachable cap unreachable.
#[test]
fn entries_summing_past_an_i64_do_not_break_the_cap_lint() {
    let text = "schema { budget: money? }\ntiers A\n\
        score fit up to 9000000000000000000 {\n  +9000000000000000000 when budget > 0\n  \
        +9000000000000000000 when budget > 10\n}\n\
        rule a: when fit >= 1 then tier A\n";
    let policy = Policy::from_source("huge.lq", text).expect("the policy checks");
    let warnings: Vec<String> = policy.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        warnings.iter().all(|w| !w.contains("cap")),
        "the cap is reachable: {warnings:?}"
    );
}
