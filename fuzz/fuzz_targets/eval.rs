//! The evaluator on checked policies and arbitrary records. The input is a
//! policy and records separated by a NUL byte (a policy that does not check
//! falls back to an example), or, without one, a byte choosing an example
//! and the records. Records are read as CSV or NDJSON; each that reads is
//! decided twice (the same decision), traced (the trace agrees with the
//! decision) and written as an outcome line and as an outcome; then all of
//! them are decided by the columnar engine, which must agree.
#![no_main]

use std::borrow::Cow;
use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use lq::data::fast::DecisionWriter;
use lq::data::reader::{InputFormat, ReadOptions, RecordReader};
use lq::eval::columnar::{Columnar, Lanes};
use lq::eval::{Decision, Outcome, Truth};
use lq::{Policy, Source};

fn pick_policy(data: &[u8]) -> Option<(Cow<'static, Policy>, &[u8])> {
    let example = |which: u8| Some(Cow::Borrowed(lq_fuzz::example(which)));
    match data.iter().position(|b| *b == 0) {
        Some(nul) => {
            let (text, rest) = (&data[..nul], &data[nul + 1..]);
            let loaded = std::str::from_utf8(text)
                .ok()
                .and_then(|t| Policy::load(Source::new("fuzz.lq", t)).policy);
            match loaded {
                Some(p) => Some((Cow::Owned(p), rest)),
                None => Some((example(text.len() as u8)?, rest)),
            }
        }
        None => {
            let (which, rest) = data.split_first()?;
            Some((example(*which)?, rest))
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((policy, rest)) = pick_policy(data) else {
        return;
    };
    let Some((settings, input)) = rest.split_first_chunk::<3>() else {
        return;
    };
    let as_of = lq_fuzz::as_of(&settings[1..]);
    let format = if settings[0] % 2 == 0 {
        InputFormat::Csv
    } else {
        InputFormat::Ndjson
    };
    let reader = Box::new(Cursor::new(input.to_vec()));
    let options = ReadOptions::default();
    let Ok(mut records) =
        RecordReader::with_options(policy.checked(), reader, format, "fuzz", options)
    else {
        return;
    };
    let plan = &policy.compiled;
    let columns = lq::data::Columns::of(plan.policy_ref());
    let lines = DecisionWriter::new(plan, format == InputFormat::Ndjson, &columns);
    let mut values = Vec::new();
    let mut decision = Decision::default();
    let mut buffer = Vec::new();
    let mut read = Vec::new();
    while let Some(Ok(item)) = records.next_into(&mut values) {
        let Ok(row) = item else { continue };
        read.push(values.clone());
        policy.decide_into(&values, as_of, &mut decision);
        assert_eq!(decision, policy.decide(&values, as_of), "not deterministic");
        let trace = policy.trace(&values, as_of);
        let fired: Vec<usize> = trace
            .disqualifiers
            .iter()
            .filter(|d| d.value == Truth::True)
            .map(|d| d.index)
            .collect();
        assert_eq!(fired, decision.disqualified_by, "trace and decision differ");
        let totals: Vec<i64> = trace.blocks.iter().map(|b| b.total).collect();
        assert_eq!(totals, decision.blocks, "trace and decision differ");
        buffer.clear();
        lines.write(&mut buffer, row, &values, &decision, plan, &[]);
        let outcome = Outcome::from_decision(plan, row, &values, &decision);
        assert_eq!(outcome.score, Some(decision.score));
    }
    // The columnar engine decides every record that read as the row
    // evaluator does, in one batch decoded as it is read (as the batch
    // engine reads a file, started with room for one record so it grows)
    // and in batches of 3 decoded at once (a partial word, buffers
    // reused).
    let engine = Columnar::new(plan);
    let mut lanes = Lanes::default();
    for size in [read.len().max(1), 3] {
        for batch in read.chunks(size) {
            if size == 3 {
                engine.run(batch, as_of, &mut lanes);
            } else {
                engine.start_batch(1, &mut lanes);
                for len in 1..=batch.len() {
                    engine.decode_read(&batch[..len], &mut lanes);
                }
                engine.finish_batch(batch, &mut lanes);
                engine.decide(batch, as_of, &mut lanes);
            }
            for (lane, record) in batch.iter().enumerate() {
                lanes.decision_into(lane, &mut decision);
                assert_eq!(decision, policy.decide(record, as_of), "columnar and row differ");
            }
        }
    }
});
