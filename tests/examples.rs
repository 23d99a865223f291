//! Every example policy checks without a warning, passes its own tests, and
//! evaluates its data to the outcomes worked out by hand (and snapshotted).

mod support;

use lq::testing::run_tests;
use lq::{Policy, Source};
use support::{lq, success_stdout};

/// Tests without `as of` run as of this date, so the suite never rots.
const AS_OF: &str = "2026-11-23";

/// Each example and the data file it ships with.
const EXAMPLES: &[(&str, &str)] = &[
    (
        "examples/inbound-saas.lq",
        "examples/data/inbound-leads.csv",
    ),
    ("examples/bant.lq", "examples/data/bant-leads.ndjson"),
    (
        "examples/bank-telemarketing.lq",
        "examples/data/bank-sample.csv",
    ),
    ("examples/pardot-grades.lq", "examples/data/profiles.csv"),
    (
        "examples/fit-engagement-matrix.lq",
        "examples/data/hubspot-contacts.csv",
    ),
    (
        "examples/gates-and-routing.lq",
        "examples/data/web-leads.ndjson",
    ),
];

fn load(path: &str) -> Policy {
    let text = std::fs::read_to_string(path).expect("the example is readable");
    let loaded = Policy::load(Source::new(path, text));
    let shown: Vec<String> = loaded
        .diagnostics
        .iter()
        .map(|d| lq::diagnostic::render_plain(d, Some(&loaded.source), 100))
        .collect();
    assert!(
        loaded.diagnostics.is_empty(),
        "{path} has diagnostics:\n{}",
        shown.join("\n")
    );
    loaded.policy.expect("a policy without errors")
}

#[test]
fn every_example_is_listed() {
    for entry in std::fs::read_dir("examples").expect("examples/") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "lq") {
            let name = path.to_string_lossy().replace('\\', "/");
            assert!(
                EXAMPLES.iter().any(|(p, _)| *p == name),
                "{name} is not exercised by tests/examples.rs"
            );
        }
    }
}

#[test]
fn examples_check_cleanly_and_pass_their_tests() {
    let as_of = lq::date::parse_iso(AS_OF).expect("a date");
    for (path, _) in EXAMPLES {
        let policy = load(path);
        let results = run_tests(&policy, as_of);
        assert!(!results.is_empty(), "{path} has no tests");
        for r in results {
            assert!(
                r.passed(),
                "{path}: test {:?} failed: {:?}",
                r.name,
                r.failures
            );
        }
    }
}

fn outcomes(policy: &str, data: &str) -> Vec<serde_json::Value> {
    ndjson(policy, data)
        .lines()
        .map(|l| serde_json::from_str(l).expect("an NDJSON line"))
        .collect()
}

fn ndjson(policy: &str, data: &str) -> String {
    success_stdout(lq().args(["eval", policy, data, "--as-of", AS_OF, "--format", "ndjson"]))
}

#[test]
fn examples_evaluate_their_data() {
    for (policy, data) in EXAMPLES {
        let name = policy
            .trim_start_matches("examples/")
            .trim_end_matches(".lq");
        insta::assert_snapshot!(name, ndjson(policy, data));
    }
}

#[test]
fn bant_outcomes_worked_by_hand() {
    let o = outcomes("examples/bant.lq", "examples/data/bant-leads.ndjson");
    let summary: Vec<(String, String, i64)> = o
        .iter()
        .map(|x| {
            (
                x["id"].as_str().unwrap_or("").to_string(),
                x["tier"]
                    .as_str()
                    .unwrap_or(x["status"].as_str().unwrap_or(""))
                    .to_string(),
                x["scores"]["bant"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    let want = [
        ("L-100", "SalesReady", 4), // $50,000, "economic buyer", a need, "this quarter"
        ("L-101", "SalesReady", 3), // influencer: no authority point
        ("L-102", "Later", 0),      // null budget, "unknown" authority, a blank need, this year
        ("L-103", "disqualified", 4), // a rivalsoft.com address
        ("L-104", "disqualified", 1), // budget 800 < 1k; "n/a" timeline is missing
        ("L-105", "SalesReady", 3), // no budget key at all: missing
        ("L-106", "Nurture", 2),    // 1.5M budget and a decision maker, no need, someday
    ];
    let want: Vec<(String, String, i64)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), *c))
        .collect();
    assert_eq!(summary, want);
}

#[test]
fn bank_outcomes_worked_by_hand() {
    let o = outcomes(
        "examples/bank-telemarketing.lq",
        "examples/data/bank-sample.csv",
    );
    assert_eq!(o.len(), 24, "every record of the sample gives an outcome");
    // Row 1: age 30, blue-collar, housing loan, cellular, 2 calls, never
    // called before: fit = 5 (cellular), history = -3 × 2 = -6 → Cold.
    assert_eq!(
        (
            o[0]["scores"]["fit"].as_i64(),
            o[0]["scores"]["history"].as_i64(),
            o[0]["tier"].as_str()
        ),
        (Some(5), Some(-6), Some("Cold"))
    );
    // Row 16: credit in default: disqualified.
    assert_eq!(o[15]["reasons"][0], "credit in default");
    // Rows 13-15: an earlier campaign succeeded → Hot, routed to priority callers.
    for row in &o[12..15] {
        assert_eq!(
            (row["tier"].as_str(), row["route"].as_str()),
            (Some("Hot"), Some("priority-callers"))
        );
    }
    // Every "unknown" cell is missing, not an error.
    assert!(o.iter().all(|x| x["status"] != "error"));
}

/// Dogfooding: the commands a team runs in CI pass on every example.
#[test]
fn examples_pass_the_ci_commands() {
    let files: Vec<&str> = EXAMPLES.iter().map(|(p, _)| *p).collect();
    for command in [
        vec!["check", "--deny-warnings"],
        vec!["fmt", "--check"],
        vec!["test", "--as-of", AS_OF, "--coverage-min", "100"],
    ] {
        assert_cmd::Command::cargo_bin("lq")
            .expect("the binary")
            .args(&command)
            .args(&files)
            .assert()
            .success();
    }
}

fn column(outcomes: &[serde_json::Value], field: &str) -> Vec<String> {
    outcomes
        .iter()
        .map(|o| o[field].as_str().unwrap_or("-").to_string())
        .collect()
}

#[test]
fn grades_worked_by_hand() {
    let o = outcomes("examples/pardot-grades.lq", "examples/data/profiles.csv");
    // Row 2: director 30 + Marketing 20 + 150 employees 10 + EMEA 15 = 75 → B+.
    // Row 3: manager 15 + 60 employees 10 + EMEA 15 + Financial Services 10 = 50 → C.
    // Row 5: every cell is `n/a`, a missing marker: 0 → F, not an error.
    // Row 7: 12,000 employees is above the 10k sweet spot: 15 + 20 + 15 + 10 = 60 → B-.
    assert_eq!(column(&o, "tier"), ["A+", "B+", "C", "F", "F", "F", "B-"]);
}

#[test]
fn matrix_worked_by_hand() {
    let o = outcomes(
        "examples/fit-engagement-matrix.lq",
        "examples/data/hubspot-contacts.csv",
    );
    // Row 2: 12,000 employees 20 + "VP" 30 + GB 10 = fit 60; 3 views 15 + 1 form 15 = 30 → A2.
    // Row 4: 250 employees 40 + "Head" 30 + DE 10 = 80; silent since May: 0 - 30, floored at 0 → A3.
    // Row 6: a customer: disqualified, still scored.
    assert_eq!(
        column(&o, "tier"),
        ["A1", "A2", "C1", "A3", "C3", "-", "A2"]
    );
    assert_eq!(o[5]["reasons"][0], "already a customer");
    assert_eq!(
        o[3]["scores"],
        serde_json::json!({"fit": 80, "engagement": 0})
    );
}

#[test]
fn gates_worked_by_hand() {
    let o = outcomes(
        "examples/gates-and-routing.lq",
        "examples/data/web-leads.ndjson",
    );
    assert_eq!(
        column(&o, "route"),
        [
            "emea-enterprise",
            "americas-smb",
            "-",
            "global-enterprise",
            "-",
            "partner-desk"
        ]
    );
    // W3: a gmail address, "no" consent, a bought lead with no company: three reasons, in order.
    assert_eq!(
        o[2]["reasons"],
        serde_json::json!([
            "personal email",
            "no marketing consent",
            "bought lead without a company"
        ])
    );
    // W5: "Hooli Test Labs" contains "test" once lowered.
    assert_eq!(o[4]["reasons"], serde_json::json!(["test lead"]));
}
