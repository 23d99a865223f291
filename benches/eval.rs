//! Micro-benchmarks (divan): checking a large policy, evaluating one lead
//! (lq against the same policy written by hand), a batch in memory, and the
//! service path (a lead as JSON, decided with reused buffers).
//!
//! Run with `cargo bench --bench eval`.

use divan::{black_box, Bencher};
use lq::eval::{Datum, Decision};
use lq::{Policy, Source};

fn main() {
    divan::main();
}

#[path = "big_policy.rs"]
mod big_policy;
use big_policy::big_policy;

fn inbound() -> Policy {
    let text = std::fs::read_to_string("examples/inbound-saas.lq").expect("the example");
    Policy::from_source("inbound-saas.lq", &text).expect("checks")
}

#[divan::bench(args = [100, 1000, 5000])]
fn check_policy(bencher: Bencher, rules: usize) {
    let text = big_policy(rules);
    bencher.bench(|| Policy::load(Source::new("big.lq", black_box(text.clone()))).error_count());
}

const AS_OF: i32 = 20_415; // 2025-11-23

fn lead() -> Vec<Datum> {
    vec![
        Datum::Int(3),
        Datum::Text("kim@globex.io".into()),
        Datum::Enum(1),
        Datum::Int(1200),
        Datum::Missing,
        Datum::Text("DE".into()),
        Datum::Enum(1),
        Datum::Bool(true),
        Datum::Int(15),
        Datum::Date(AS_OF - 3),
    ]
}

// A fixed sample size for both, so divan never times a single call (its
// timer's precision is about 20 ns).
#[divan::bench(sample_size = 1000)]
fn one_lead_lq(bencher: Bencher) {
    let policy = inbound();
    let record = lead();
    let mut decision = Decision::default();
    bencher.bench_local(|| {
        policy.decide_into(black_box(&record), AS_OF, &mut decision);
        decision.rule
    });
}

/// The same policy by hand, over the same record.
fn native(record: &[Datum], as_of: i32) -> (i64, Option<usize>) {
    let (Datum::Text(email), Datum::Enum(role), Datum::Int(employees), Datum::Text(country)) =
        (&record[1], &record[2], &record[3], &record[5])
    else {
        return (0, None);
    };
    let (Datum::Bool(demo), Datum::Int(visits), Datum::Date(last)) =
        (&record[7], &record[8], &record[9])
    else {
        return (0, None);
    };
    let budget = match &record[4] {
        Datum::Num(b) => Some(*b),
        _ => None,
    };
    let disqualified = email.ends_with(".edu")
        || *role == 7
        || ["KP", "IR", "SY", "CU"].contains(&country.as_str());
    let mut fit = 0;
    if *role <= 3 {
        fit += 20;
    }
    if (50..=5000).contains(employees) {
        fit += 10;
    }
    if !["US", "CA", "GB", "DE"].contains(&country.as_str()) {
        fit -= 15;
    }
    let engagement =
        (2 * visits + if *demo { 5 } else { 0 } - if *last < as_of - 90 { 10 } else { 0 }).min(30);
    let score = fit + engagement;
    if disqualified {
        return (score, None);
    }
    let rule = if budget.is_some_and(|b| b >= 10_000.0) && (*role == 3 || *role == 4) {
        0
    } else if score >= 40 {
        1
    } else if budget.is_some_and(|b| b >= 5_000.0) || (*demo && *visits >= 3) {
        2
    } else {
        3
    };
    (score, Some(rule))
}

#[divan::bench(sample_size = 1000)]
fn one_lead_native(bencher: Bencher) {
    let record = lead();
    assert_eq!(
        native(&record, AS_OF).1,
        inbound().decide(&record, AS_OF).rule
    );
    bencher.bench_local(|| native(black_box(&record), AS_OF));
}

#[divan::bench]
fn batch_of_10k(bencher: Bencher) {
    let policy = inbound();
    let mut leads = Vec::new();
    for i in 0..10_000i64 {
        let mut l = lead();
        l[3] = Datum::Int(i % 6000);
        l[8] = Datum::Int(i % 20);
        leads.push(l);
    }
    let mut decision = Decision::default();
    bencher.bench_local(|| {
        let mut qualified = 0;
        for l in &leads {
            policy.decide_into(l, AS_OF, &mut decision);
            qualified += usize::from(decision.rule.is_some());
        }
        qualified
    });
}

#[divan::bench]
fn service_json_lead(bencher: Bencher) {
    let policy = inbound();
    let json: serde_json::Value = serde_json::from_str(
        r#"{"id": 3, "email": "kim@globex.io", "role": "CTO", "employees": 1200, "budget": null, "country": "DE",
            "industry": "Fintech", "demo_requested": true, "Total Visits": 15, "last_activity": "2026-11-20"}"#,
    )
    .expect("JSON");
    let mut record = Vec::new();
    let mut decision = Decision::default();
    bencher.bench_local(|| {
        policy
            .read_json_into(black_box(&json), &mut record)
            .expect("a valid lead");
        policy.decide_into(&record, AS_OF, &mut decision);
        decision.rule
    });
}
