//! Running a policy's `test` blocks: evaluate each test's lead and compare
//! the outcome with every `expect`.

use crate::check::tir::{Expect, TestDef};
use crate::eval::{Outcome, Status};
use crate::source::Span;
use crate::Policy;

/// The result of one test.
#[derive(Clone, Debug)]
pub struct TestResult {
    /// The test's name.
    pub name: String,
    /// The outcome its lead got.
    pub outcome: Outcome,
    /// The expectations that did not hold.
    pub failures: Vec<Mismatch>,
    /// Where the test is.
    pub span: Span,
    /// The trace of its lead's evaluation, when it failed.
    pub trace: Option<crate::eval::trace::Trace>,
}

impl TestResult {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// One expectation that did not hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// What was expected, as written: `tier A`.
    pub expected: String,
    /// What the outcome has instead: `tier B`.
    pub actual: String,
    /// Where the `expect` is.
    pub span: Span,
}

/// Runs every test of `policy`; tests without `as of` use `as_of`.
pub fn run_tests(policy: &Policy, as_of: i32) -> Vec<TestResult> {
    policy
        .checked()
        .tests
        .iter()
        .map(|t| run_test(policy, t, as_of))
        .collect()
}

/// Runs one test.
pub fn run_test(policy: &Policy, test: &TestDef, as_of: i32) -> TestResult {
    let as_of = test.as_of.unwrap_or(as_of);
    let outcome = policy.evaluate(1, &test.record, as_of);
    let failures: Vec<Mismatch> = test
        .expects
        .iter()
        .filter_map(|e| {
            check_expectation(policy, &e.node, &outcome).map(|(expected, actual)| Mismatch {
                expected,
                actual,
                span: e.span,
            })
        })
        .collect();
    let trace = (!failures.is_empty()).then(|| policy.trace(&test.record, as_of));
    TestResult {
        name: test.name.clone(),
        outcome,
        failures,
        span: test.span,
        trace,
    }
}

/// `None` when the expectation holds, else (expected, actual) in words.
fn check_expectation(policy: &Policy, e: &Expect, o: &Outcome) -> Option<(String, String)> {
    let status = || describe_status(o);
    let (holds, expected, actual) = match e {
        Expect::Tier(i) => {
            let want = policy.checked().tiers.get(*i).cloned();
            (
                o.tier == want,
                format!("tier {}", want.unwrap_or_default()),
                status(),
            )
        }
        Expect::Disqualified => (
            o.status == Status::Disqualified,
            "disqualified".into(),
            status(),
        ),
        Expect::Unmatched => (o.status == Status::Unmatched, "unmatched".into(), status()),
        Expect::Qualified => (o.status == Status::Qualified, "qualified".into(), status()),
        Expect::Rule(r) => {
            let actual = o.rule.as_ref().map_or_else(
                || format!("no rule ({})", o.status.as_str()),
                |x| format!("rule {x}"),
            );
            (
                o.rule.as_deref() == Some(r.as_str()),
                format!("rule {r}"),
                actual,
            )
        }
        Expect::Route(q) => {
            let actual = o
                .route
                .as_ref()
                .map_or_else(|| "no route".to_string(), |x| format!("route {x:?}"));
            (
                o.route.as_deref() == Some(q.as_str()),
                format!("route {q:?}"),
                actual,
            )
        }
        Expect::Reason(r) => {
            let actual = if o.reasons.is_empty() {
                "no reasons".to_string()
            } else {
                format!("reasons {:?}", o.reasons)
            };
            (
                o.reasons.iter().any(|x| x == r),
                format!("reason {r:?}"),
                actual,
            )
        }
        Expect::Score {
            block,
            label,
            op,
            value,
        } => {
            let got = match block {
                None => o.score,
                Some(_) => o.scores.iter().find(|(n, _)| n == label).map(|(_, s)| *s),
            };
            let holds = got.is_some_and(|g| op.holds(g.cmp(value)));
            let op_text = if *op == crate::syntax::ast::CompareOp::Eq {
                String::new()
            } else {
                format!("{} ", op.as_str())
            };
            let actual = got.map_or_else(|| format!("no {label}"), |g| format!("{label} {g}"));
            (holds, format!("{label} {op_text}{value}"), actual)
        }
    };
    (!holds).then_some((expected, actual))
}

fn describe_status(o: &Outcome) -> String {
    match (&o.status, &o.tier) {
        (Status::Qualified, Some(t)) => format!("tier {t}"),
        (Status::Disqualified, _) => format!("disqualified ({})", o.reasons.join(", ")),
        (s, _) => s.as_str().to_string(),
    }
}
