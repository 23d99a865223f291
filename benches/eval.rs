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

/// What `lq check` does with a policy of `rules` rules: parse and check it
/// ([`Policy::diagnose`]; nothing is compiled).
#[divan::bench(args = [100, 1000, 5000])]
fn check_policy(bencher: Bencher, rules: usize) {
    let source = Source::new("big.lq", big_policy(rules));
    bencher.bench(|| Policy::diagnose(black_box(&source)).len());
}

/// What a run that evaluates does first: parse, check and compile.
#[divan::bench(args = [5000])]
fn load_policy(bencher: Bencher, rules: usize) {
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

/// The hand-written program, for its batch entry point.
#[path = "native_inbound.rs"]
#[allow(dead_code)]
mod native_inbound;

/// 10,000 varied leads from `lq generate` (seed 7), read as `lq eval`
/// reads them: the already-parsed records both engines start from.
fn varied_leads(policy: &Policy) -> Vec<Vec<Datum>> {
    let mut csv = Vec::new();
    lq::data::generate::generate(policy.checked(), 10_000, 7, false, &mut csv).expect("generated");
    let mut reader = lq::data::RecordReader::new(
        policy.checked(),
        Box::new(std::io::Cursor::new(csv)),
        lq::data::InputFormat::Csv,
        "leads.csv",
    )
    .expect("a reader");
    let mut leads = Vec::new();
    let mut record = Vec::new();
    while let Some(item) = reader.next_into(&mut record) {
        item.expect("readable").expect("a valid lead");
        leads.push(record.clone());
    }
    leads
}

/// The same leads as the hand-written program's parsed form.
fn native_leads(leads: &[Vec<Datum>]) -> Vec<native_inbound::Lead<'_>> {
    let mut parsed = Vec::with_capacity(leads.len());
    native_leads_into(leads, &mut parsed);
    parsed
}

/// [`native_leads`] into a buffer kept from batch to batch.
fn native_leads_into<'a>(leads: &'a [Vec<Datum>], parsed: &mut Vec<native_inbound::Lead<'a>>) {
    parsed.clear();
    parsed.extend(leads.iter().map(|l| {
        fn text(d: &Datum) -> &[u8] {
            match d {
                Datum::Text(t) => t.as_bytes(),
                _ => b"",
            }
        }
        let int = |d: &Datum| match d {
            Datum::Int(i) => *i,
            _ => 0,
        };
        native_inbound::Lead {
            id: int(&l[0]),
            email: text(&l[1]),
            role: match l[2] {
                Datum::Enum(r) => r as usize,
                _ => 8,
            },
            employees: int(&l[3]),
            budget: match l[4] {
                Datum::Num(b) => Some(b),
                _ => None,
            },
            country: text(&l[5]),
            demo: l[7] == Datum::Bool(true),
            visits: int(&l[8]),
            last: match l[9] {
                Datum::Date(d) => i64::from(d),
                _ => 0,
            },
        }
    }));
}

/// The hand-written decision code over 10,000 parsed leads: the baseline
/// of the two below.
#[divan::bench]
fn in_memory_10k_native(bencher: Bencher) {
    let policy = inbound();
    let leads = varied_leads(&policy);
    let parsed = native_leads(&leads);
    let mut out = Vec::with_capacity(parsed.len());
    // Both decide alike, lead for lead, before either is timed.
    native_inbound::decide_batch(&parsed, i64::from(AS_OF), &mut out);
    for (lead, native) in leads.iter().zip(&out) {
        let d = policy.decide(lead, AS_OF);
        let disqualified = native.student || native.embargo;
        assert_eq!(d.disqualified_by.is_empty(), !disqualified);
        assert_eq!(d.score, native.score);
        if !disqualified {
            assert_eq!(d.rule, Some(usize::from(native.rule)));
        }
    }
    bencher.bench_local(|| {
        native_inbound::decide_batch(black_box(&parsed), i64::from(AS_OF), &mut out);
        out.len()
    });
}

/// The hand-written program from the same records lq starts from: each
/// batch of 1,024 `Datum` records read into its `Lead`s, then decided
/// (the hand-written decision code unchanged). lq's
/// `in_memory_10k_columnar` is timed from the same records.
#[divan::bench]
fn in_memory_10k_native_from_records(bencher: Bencher) {
    let policy = inbound();
    let leads = varied_leads(&policy);
    let mut parsed = Vec::with_capacity(1024);
    let mut out = Vec::with_capacity(1024);
    bencher.bench_local(|| {
        let mut decided = 0;
        for batch in black_box(&leads).chunks(1024) {
            native_leads_into(batch, &mut parsed);
            native_inbound::decide_batch(&parsed, i64::from(AS_OF), &mut out);
            decided += out.len();
        }
        decided
    });
}

/// lq's columnar engine over the same 10,000 leads, in batches of 1,024
/// as the batch engine runs it.
#[divan::bench]
fn in_memory_10k_columnar(bencher: Bencher) {
    let policy = inbound();
    let leads = varied_leads(&policy);
    let engine = lq::eval::columnar::Columnar::new(&policy.compiled);
    let mut lanes = lq::eval::columnar::Lanes::default();
    bencher.bench_local(|| {
        let mut decided = 0;
        for batch in black_box(&leads).chunks(1024) {
            engine.run(batch, AS_OF, &mut lanes);
            decided += lanes.len();
        }
        decided
    });
}

/// lq's columnar engine deciding the same 10,000 leads from their
/// decoded columns (the reader's batches, already in column form).
#[divan::bench]
fn in_memory_10k_columnar_decoded(bencher: Bencher) {
    let policy = inbound();
    let leads = varied_leads(&policy);
    let engine = lq::eval::columnar::Columnar::new(&policy.compiled);
    let mut lanes = lq::eval::columnar::Lanes::default();
    engine.decode(&leads, &mut lanes);
    bencher.bench_local(|| {
        engine.decide(black_box(&leads), AS_OF, &mut lanes);
        lanes.len()
    });
}

/// lq's row evaluator over the same 10,000 leads, one at a time.
#[divan::bench]
fn in_memory_10k_rows(bencher: Bencher) {
    let policy = inbound();
    let leads = varied_leads(&policy);
    let mut decision = Decision::default();
    bencher.bench_local(|| {
        let mut qualified = 0;
        for l in black_box(&leads) {
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

/// Decoding alone: the columns lq's engine reads, from the same 10,000
/// parsed records in batches of 1,024 (`cold`: each record read once, as
/// from a file), or from the first 1,024 ten times over (`hot`: the
/// records in cache), to tell the decode's own work from the wait for
/// records to come from memory.
#[divan::bench(args = ["cold", "hot"])]
fn decode_10k(bencher: Bencher, kind: &str) {
    let policy = inbound();
    let leads = varied_leads(&policy);
    let engine = lq::eval::columnar::Columnar::new(&policy.compiled);
    let mut lanes = lq::eval::columnar::Lanes::default();
    let batches: Vec<&[Vec<Datum>]> = match kind {
        "hot" => (0..10).map(|_| &leads[..1024]).collect(),
        _ => leads.chunks(1024).collect(),
    };
    bencher.bench_local(|| {
        for batch in &batches {
            engine.decode(black_box(batch), &mut lanes);
        }
        lanes.len()
    });
}
