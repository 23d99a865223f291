//! Micro-benchmarks (divan): checking a large policy, evaluating one lead
//! (lq against the same policy written by hand), a batch in memory, and the
//! service path (a lead as JSON, decided with reused buffers).
//!
//! Run with `cargo bench --bench eval`.

use divan::{black_box, Bencher};
use lq::eval::columnar::{Columnar, Lanes};
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

/// 10,000 varied leads from `lq generate` (seed 7), as CSV.
fn generated_csv(policy: &Policy) -> std::sync::Arc<[u8]> {
    let mut csv = Vec::new();
    lq::data::generate::generate(policy.checked(), 10_000, 7, false, &mut csv).expect("generated");
    csv.into()
}

/// A reader of `csv` for `policy`, as `lq eval` reads a file.
fn reader_of<'p>(policy: &'p Policy, csv: &std::sync::Arc<[u8]>) -> lq::data::RecordReader<'p> {
    lq::data::RecordReader::new(
        policy.checked(),
        Box::new(std::io::Cursor::new(csv.clone())),
        lq::data::InputFormat::Csv,
        "leads.csv",
    )
    .expect("a reader")
}

/// The 10,000 varied leads read as `lq eval` reads them, one `Datum`
/// record each.
fn varied_leads(policy: &Policy) -> Vec<Vec<Datum>> {
    let mut reader = reader_of(policy, &generated_csv(policy));
    let mut leads = Vec::new();
    let mut record = Vec::new();
    while let Some(item) = reader.next_into(&mut record) {
        item.expect("readable").expect("a valid lead");
        leads.push(record.clone());
    }
    leads
}

/// A batch as lq's batch engine reads a file: up to 1,024 records, and the
/// columns its policy reads, decoded 64 records at a time while they were
/// read ([`Columnar::decode_read`]).
struct ReadBatch {
    rows: Vec<Vec<Datum>>,
    lanes: Lanes,
}

/// The 10,000 varied leads read into batches as `lq eval` reads them
/// (the loop of `Pending::fill`, without what only the sinks need),
/// with the columns `engine` reads decoded as they are read, or (`None`)
/// records alone.
fn read_batches(
    policy: &Policy,
    csv: &std::sync::Arc<[u8]>,
    engine: Option<&Columnar<'_>>,
    batches: &mut Vec<ReadBatch>,
) {
    let mut reader = reader_of(policy, csv);
    let mut used = 0;
    loop {
        if batches.len() == used {
            batches.push(ReadBatch {
                rows: Vec::new(),
                lanes: Lanes::default(),
            });
        }
        let batch = &mut batches[used];
        if let Some(engine) = engine {
            engine.start_batch(1024, &mut batch.lanes);
        }
        let mut len = 0;
        while len < 1024 {
            if batch.rows.len() == len {
                batch.rows.push(Vec::new());
            }
            let Some(item) = reader.next_into(&mut batch.rows[len]) else {
                break;
            };
            item.expect("readable").expect("a valid lead");
            len += 1;
            if let Some(engine) = engine {
                engine.decode_read(&batch.rows[..len], &mut batch.lanes);
            }
        }
        batch.rows.truncate(len);
        if let Some(engine) = engine {
            engine.finish_batch(&batch.rows, &mut batch.lanes);
        }
        if len == 0 {
            break;
        }
        used += 1;
    }
    batches.truncate(used);
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

/// The hand-written program's `Lead`s of a batch as lq read it: every
/// field the policy reads from the batch's decoded columns (typed values
/// in arrays, as the hand-written code would want them), the texts from
/// its records.
fn native_leads_of<'a>(
    engine: &Columnar<'_>,
    batch: &'a ReadBatch,
    parsed: &mut Vec<native_inbound::Lead<'a>>,
) {
    let (wanted, columns) = (engine.wanted(), batch.lanes.columns());
    let at = |list: &[usize], slot: usize| list.iter().position(|s| *s == slot).expect("read");
    let (employees, budget) = (
        &columns.numbers[at(&wanted.numbers, 3)],
        &columns.numbers[at(&wanted.numbers, 4)],
    );
    let role = &columns.variants[at(&wanted.variants, 2)];
    let demo = &columns.bools[at(&wanted.bools, 7)];
    let visits = &columns.counts[at(&wanted.counts, 8)];
    let last = &columns.dates[at(&wanted.dates, 9)];
    let bit = |words: &[u64], i: usize| words[i / 64] >> (i % 64) & 1 == 1;
    fn text(d: &Datum) -> &[u8] {
        match d {
            Datum::Text(t) => t.as_bytes(),
            _ => b"",
        }
    }
    parsed.clear();
    parsed.extend(
        batch
            .rows
            .iter()
            .enumerate()
            .map(|(i, row)| native_inbound::Lead {
                id: match row[0] {
                    Datum::Int(id) => id,
                    _ => 0,
                },
                email: text(&row[1]),
                role: if bit(&role.known, i) {
                    role.values[i] as usize
                } else {
                    8
                },
                employees: employees.values[i] as i64,
                budget: bit(&budget.known, i).then_some(budget.values[i]),
                country: text(&row[5]),
                demo: bit(&demo.values, i),
                visits: visits[i],
                last: i64::from(last.values[i]),
            }),
    );
}

/// The 10,000 varied leads read into batches, with the columns `engine`
/// reads.
fn read_batches_of(policy: &Policy, engine: &Columnar<'_>) -> Vec<ReadBatch> {
    let mut batches = Vec::new();
    read_batches(policy, &generated_csv(policy), Some(engine), &mut batches);
    batches
}

/// The hand-written program from the batches lq read (the same parsed
/// records lq's engine starts from): each batch read into its `Lead`s,
/// then decided (the hand-written decision code unchanged). Its `Lead`s
/// are read from the batch's decoded columns, and its texts from the
/// batch's records ([`in_memory_10k_native_from_rows`] reads them all
/// from the records).
#[divan::bench]
fn in_memory_10k_native_from_batches(bencher: Bencher) {
    let policy = inbound();
    let engine = Columnar::new(&policy.compiled);
    let batches = read_batches_of(&policy, &engine);
    let mut parsed = Vec::with_capacity(1024);
    let mut out = Vec::with_capacity(1024);
    // The columns give the hand-written code the leads the records give.
    for batch in &batches {
        native_leads_of(&engine, batch, &mut parsed);
        let from_rows = native_leads(&batch.rows);
        let mut one = Vec::new();
        native_inbound::decide_batch(&parsed, i64::from(AS_OF), &mut out);
        native_inbound::decide_batch(&from_rows, i64::from(AS_OF), &mut one);
        assert_eq!(out, one);
    }
    native_over_batches(bencher, &batches, |batch, parsed| {
        native_leads_of(&engine, batch, parsed);
    });
}

/// Times the hand-written program over `batches`, each read into its
/// `Lead`s by `read`, then decided.
fn native_over_batches<'a>(
    bencher: Bencher,
    batches: &'a [ReadBatch],
    read: impl Fn(&'a ReadBatch, &mut Vec<native_inbound::Lead<'a>>),
) {
    let mut parsed = Vec::with_capacity(1024);
    let mut out = Vec::with_capacity(1024);
    bencher.bench_local(|| {
        let mut decided = 0;
        for batch in black_box(batches) {
            read(batch, &mut parsed);
            native_inbound::decide_batch(&parsed, i64::from(AS_OF), &mut out);
            decided += out.len();
        }
        decided
    });
}

/// The hand-written program from the batches lq read, each batch's
/// `Lead`s read from its `Datum` records alone (not its decoded
/// columns), then decided. `in_memory_10k_columnar_from_rows` is lq from
/// such records alone.
#[divan::bench]
fn in_memory_10k_native_from_rows(bencher: Bencher) {
    let policy = inbound();
    let batches = read_batches_of(&policy, &Columnar::new(&policy.compiled));
    native_over_batches(bencher, &batches, |batch, parsed| {
        native_leads_into(&batch.rows, parsed);
    });
}

/// lq's columnar engine over the batches it read (its columns decoded as
/// each batch was read, as `lq eval` reads a file): the target's measure,
/// beside [`in_memory_10k_native_from_batches`].
#[divan::bench]
fn in_memory_10k_columnar(bencher: Bencher) {
    let policy = inbound();
    let engine = Columnar::new(&policy.compiled);
    let mut batches = read_batches_of(&policy, &engine);
    // The same decisions as decoding each batch's records afresh.
    let mut fresh = Lanes::default();
    for batch in &mut batches {
        engine.decide(&batch.rows, AS_OF, &mut batch.lanes);
        engine.run(&batch.rows, AS_OF, &mut fresh);
        for lane in 0..batch.rows.len() {
            assert_eq!(batch.lanes.rule(lane), fresh.rule(lane));
            assert_eq!(batch.lanes.score(lane), fresh.score(lane));
        }
    }
    bencher.bench_local(|| {
        let mut decided = 0;
        for batch in black_box(&mut batches).iter_mut() {
            engine.decide(&batch.rows, AS_OF, &mut batch.lanes);
            decided += batch.lanes.len();
        }
        decided
    });
}

/// lq's columnar engine from `Datum` records alone: each batch of 1,024
/// decoded, then decided (beside [`in_memory_10k_native_from_rows`]).
#[divan::bench]
fn in_memory_10k_columnar_from_rows(bencher: Bencher) {
    let policy = inbound();
    let leads = varied_leads(&policy);
    let engine = Columnar::new(&policy.compiled);
    let mut lanes = Lanes::default();
    bencher.bench_local(|| {
        let mut decided = 0;
        for batch in black_box(&leads).chunks(1024) {
            engine.run(batch, AS_OF, &mut lanes);
            decided += lanes.len();
        }
        decided
    });
}

/// lq's columnar engine deciding all 10,000 leads as one batch, from
/// their decoded columns.
#[divan::bench]
fn in_memory_10k_columnar_decoded(bencher: Bencher) {
    let policy = inbound();
    let leads = varied_leads(&policy);
    let engine = Columnar::new(&policy.compiled);
    let mut lanes = Lanes::default();
    engine.decode(&leads, &mut lanes);
    bencher.bench_local(|| {
        engine.decide(black_box(&leads), AS_OF, &mut lanes);
        lanes.len()
    });
}

/// Reading the 10,000 leads from CSV text as `lq eval` reads them, into
/// batches with their decoded columns (`batches`), or into records alone
/// (`records`): what decoding while reading adds to reading.
#[divan::bench(args = ["records", "batches"])]
fn read_10k(bencher: Bencher, kind: &str) {
    let policy = inbound();
    let engine = Columnar::new(&policy.compiled);
    let csv = generated_csv(&policy);
    let mut batches = Vec::new();
    bencher.bench_local(|| {
        let engine = (kind == "batches").then_some(&engine);
        read_batches(&policy, &csv, engine, &mut batches);
        batches.len()
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
    let engine = Columnar::new(&policy.compiled);
    let mut lanes = Lanes::default();
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
