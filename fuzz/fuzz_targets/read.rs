//! The record readers on any bytes, for each example schema: every CSV
//! record or NDJSON line yields exactly one record or one record error (none
//! is dropped), and a record that reads evaluates; and CSV or NDJSON cut
//! into blocks for worker threads, at any block size, gives the same
//! outcome lines as one thread.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use lq::data::reader::{InputFormat, ReadOptions, RecordReader};
use lq::eval::Decision;

fuzz_target!(|data: &[u8]| {
    let [which, format, input @ ..] = data else {
        return;
    };
    let policy = lq_fuzz::example(*which);
    let (format, delimiter) = match format % 4 {
        0 => (InputFormat::Csv, Some(b',')),
        1 => (InputFormat::Csv, Some(b';')),
        2 => (InputFormat::Ndjson, None),
        _ => (InputFormat::Json, None),
    };
    let options = ReadOptions {
        delimiter,
        ..ReadOptions::default()
    };
    let reader = Box::new(Cursor::new(input.to_vec()));
    let Ok(mut records) =
        RecordReader::with_options(policy.checked(), reader, format, "fuzz", options)
    else {
        return;
    };
    let mut items = 0;
    let mut ended_early = false;
    let mut values = Vec::new();
    let mut decision = Decision::default();
    while let Some(item) = records.next_into(&mut values) {
        match item {
            Ok(Ok(row)) => {
                items += 1;
                assert_eq!(row, items, "rows are numbered in order");
                policy.decide_into(&values, 20_415, &mut decision);
            }
            Ok(Err(e)) => {
                items += 1;
                assert_eq!(e.row, items, "rows are numbered in order");
                assert!(!e.messages().is_empty(), "a record error says nothing");
            }
            Err(_) => {
                ended_early = true;
                break;
            }
        }
    }
    if ended_early {
        return;
    }
    if format != InputFormat::Json {
        let block = 1 + usize::from(*which) * 7;
        let one = lq_fuzz::outcome_lines(policy, format, input, options, 1, block);
        let many = lq_fuzz::outcome_lines(policy, format, input, options, 3, block);
        assert!(one == many, "workers' lines differ from one thread's");
    }
    // An independent count of the records the input holds.
    let expected = match format {
        InputFormat::Csv => {
            let mut csv = csv::ReaderBuilder::new()
                .delimiter(delimiter.unwrap_or(b','))
                .flexible(true)
                .from_reader(input);
            let mut count = 0;
            let mut record = csv::ByteRecord::new();
            loop {
                match csv.read_byte_record(&mut record) {
                    Ok(true) => count += 1,
                    Ok(false) => break,
                    Err(_) => count += 1,
                }
            }
            Some(count)
        }
        InputFormat::Ndjson => std::str::from_utf8(input)
            .ok()
            .map(|t| t.lines().filter(|l| !l.trim().is_empty()).count()),
        InputFormat::Json => None,
    };
    if let Some(expected) = expected {
        // A quote left open swallows the rest of the input for the csv
        // crate; lq reads on after its line, so it may count more.
        if input.contains(&b'"') {
            assert!(items >= expected, "a record was dropped");
        } else {
            assert_eq!(items, expected, "a record was dropped or invented");
        }
    }
});
