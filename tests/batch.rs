//! The batch engine as a library user drives it: rows numbered across
//! inputs and batches, every record counted, a sink that stops the run,
//! an input that fails part way, a sink that decides with its own observer, and lines on worker threads equal, byte
//! for byte, to lines written one record at a time.

use lq::batch::{Batch, CountOnly, Failed, Flow, Lines, Record, Sink};
use lq::data::fast::DecisionWriter;
use lq::data::{Columns, InputFormat, OutputFormat, RecordError, RecordReader};
use lq::eval::{Decision, Status};
use lq::Policy;

const AS_OF: i32 = 20_000;

fn policy() -> Policy {
    Policy::from_source(
        "p.lq",
        "schema { id: int key\n budget: money? }\ntiers A > B\n\
         disqualify when id = 13 because \"unlucky\"\n\
         rule big: when budget >= 10k then tier A\n\
         rule some: when budget >= 1k then tier B\n",
    )
    .expect("the policy checks")
}

fn reader<'p>(policy: &'p Policy, csv: &'static str, name: &str) -> RecordReader<'p> {
    RecordReader::new(
        policy.checked(),
        Box::new(csv.as_bytes()),
        InputFormat::Csv,
        name,
    )
    .expect("the header matches")
}

/// Everything a sink is told, in order.
#[derive(Default)]
struct Log {
    seen: Vec<String>,
    stop_at_error: bool,
}

impl Sink for Log {
    type Error = String;

    fn decided(&mut self, r: Record<'_>, d: &Decision) -> Result<Flow, String> {
        let first = format!("{}:{:?}:{:?}", r.row, r.values[0], d.rule);
        self.seen.push(format!("{first}{:?}", r.carried));
        Ok(Flow::Go)
    }

    fn unreadable(&mut self, e: RecordError, carried: &[String]) -> Result<Flow, String> {
        self.seen.push(format!("{}:unreadable{carried:?}", e.row));
        Ok(if self.stop_at_error {
            Flow::Stop
        } else {
            Flow::Go
        })
    }
}

#[test]
fn rows_are_numbered_across_inputs_and_every_record_is_counted() {
    let policy = policy();
    let first = reader(&policy, "id,budget\n1,20000\n2,oops\n", "a.csv");
    let second = reader(&policy, "id,budget\n3,2000\n13,50000\n4,\n", "b.csv");
    let mut log = Log::default();
    let tally = Batch::new(&policy, AS_OF)
        .run([first, second], &mut log)
        .expect("runs");
    assert_eq!(
        log.seen,
        [
            "1:Int(1):Some(0)[]",
            "2:unreadable[]",
            "3:Int(3):Some(1)[]",
            "4:Int(13):None[]",
            "5:Int(4):None[]"
        ]
    );
    assert_eq!(tally.total(), 5);
    assert_eq!(
        (
            tally.count(Status::Qualified),
            tally.count(Status::Disqualified),
            tally.count(Status::Unmatched),
            tally.errors()
        ),
        (2, 1, 1, 1)
    );
    assert_eq!((tally.tier("A"), tally.tier("B")), (1, 1));
    assert!(!tally.stopped);
}

#[test]
fn a_sink_can_stop_the_run_and_its_errors_come_back() {
    let policy = policy();
    let data = "id,budget\n1,20000\n2,oops\n3,5\n";
    let mut log = Log {
        stop_at_error: true,
        ..Log::default()
    };
    let tally = Batch::new(&policy, AS_OF)
        .run([reader(&policy, data, "a.csv")], &mut log)
        .expect("runs");
    assert!(tally.stopped);
    assert_eq!(tally.total(), 2);
    assert_eq!(log.seen.len(), 2);

    struct Refuses;
    impl Sink for Refuses {
        type Error = &'static str;
        fn decided(&mut self, _: Record<'_>, _: &Decision) -> Result<Flow, Self::Error> {
            Err("disk full")
        }
        fn unreadable(&mut self, _: RecordError, _: &[String]) -> Result<Flow, Self::Error> {
            Ok(Flow::Go)
        }
    }
    let failed = Batch::new(&policy, AS_OF).run([reader(&policy, data, "a.csv")], &mut Refuses);
    assert!(matches!(failed, Err(Failed::Sink("disk full"))));
}

#[test]
fn a_broken_input_is_a_data_failure_not_a_panic() {
    let policy = policy();
    let ndjson = RecordReader::new(
        policy.checked(),
        Box::new("{\"id\": 1, \"budget\": 5}\n[not json\n".as_bytes()),
        InputFormat::Ndjson,
        "a.ndjson",
    )
    .expect("opens");
    let tally = Batch::new(&policy, AS_OF)
        .run([ndjson], &mut CountOnly)
        .expect("a bad line is an unreadable record");
    assert_eq!((tally.total(), tally.errors()), (2, 1));
}

/// Writes lines itself, one record at a time, or takes them from workers.
struct LineSink {
    lines: DecisionWriter,
    columns: Columns,
    on_workers: bool,
    out: Vec<u8>,
    plan: lq::compile::Compiled,
}

impl Sink for LineSink {
    type Error = std::convert::Infallible;

    fn decided(&mut self, r: Record<'_>, d: &Decision) -> Result<Flow, Self::Error> {
        let plan = &self.plan;
        assert!(self
            .lines
            .write(&mut self.out, r.row, r.values, d, plan, r.carried));
        Ok(Flow::Go)
    }

    fn unreadable(&mut self, e: RecordError, _: &[String]) -> Result<Flow, Self::Error> {
        self.out
            .extend_from_slice(format!("{},error\n", e.row).as_bytes());
        Ok(Flow::Go)
    }

    fn lines(&self) -> Option<Lines<'_>> {
        self.on_workers.then_some(Lines {
            format: OutputFormat::Csv,
            columns: &self.columns,
            explain: false,
        })
    }

    fn write_lines(&mut self, bytes: &[u8]) -> Result<(), Self::Error> {
        self.out.extend_from_slice(bytes);
        Ok(())
    }
}

#[test]
fn lines_on_worker_threads_equal_lines_written_one_by_one() {
    let text = std::fs::read_to_string("examples/inbound-saas.lq").expect("the example");
    let policy = Policy::from_source("inbound-saas.lq", &text).expect("checks");
    let csv = std::fs::read_to_string("examples/data/inbound-leads.csv").expect("the data");
    // Enough records for many chunks on every worker.
    let mut big = csv.clone();
    let body: String = csv.lines().skip(1).map(|l| format!("{l}\n")).collect();
    for _ in 0..2_000 {
        big.push_str(&body);
    }
    let big: &'static str = Box::leak(big.into_boxed_str());
    let mut columns = Columns::of(policy.checked());
    columns.keep = vec!["email".into(), "role".into()];
    let run = |threads: usize, on_workers: bool| {
        let mut sink = LineSink {
            lines: DecisionWriter::new(&policy.compiled, false, &columns),
            columns: columns.clone(),
            on_workers,
            out: Vec::new(),
            plan: Policy::from_source("inbound-saas.lq", &text)
                .expect("checks")
                .compiled,
        };
        let mut r = RecordReader::new(
            policy.checked(),
            Box::new(big.as_bytes()),
            InputFormat::Csv,
            "big.csv",
        )
        .expect("opens");
        r.carry(&columns.keep).expect("the columns are there");
        let tally = Batch::new(&policy, AS_OF)
            .threads(threads)
            .run([r], &mut sink)
            .expect("runs");
        (sink.out, tally)
    };
    let (one, one_tally) = run(1, false);
    let (four, four_tally) = run(4, true);
    assert_eq!(one_tally.total(), 18_009);
    assert_eq!(one_tally.line(), four_tally.line());
    assert_eq!(
        (one_tally.workers, four_tally.workers),
        (0, 4),
        "the lines came from the workers"
    );
    assert!(one == four, "the same bytes on 4 workers");
    let text = String::from_utf8_lossy(&one);
    let first = text.lines().next().unwrap_or("");
    assert!(
        first.ends_with(",ana@acme.com,VP"),
        "the carried columns end the line: {first}"
    );
}

#[test]
fn carried_columns_come_with_every_record_in_every_format() {
    let policy = policy();
    let names = vec!["crm id".to_string(), "budget".to_string()];
    let mut csv = reader(
        &policy,
        "id,budget,crm id\n1,20000,A-1\n2,oops,A-2\n3,5,\"A,3\"\n",
        "a.csv",
    );
    csv.carry(&names).expect("both columns are there");
    let mut log = Log::default();
    Batch::new(&policy, AS_OF)
        .run([csv], &mut log)
        .expect("runs");
    assert_eq!(
        log.seen,
        [
            "1:Int(1):Some(0)[\"A-1\", \"20000\"]",
            "2:unreadable[\"A-2\", \"oops\"]",
            "3:Int(3):None[\"A,3\", \"5\"]"
        ]
    );
    let lines =
        "{\"id\": 1, \"budget\": 20000, \"crm id\": 7}\n[1]\n{\"id\": 2, \"budget\": null}\n";
    let mut ndjson = RecordReader::new(
        policy.checked(),
        Box::new(lines.as_bytes()),
        InputFormat::Ndjson,
        "a.ndjson",
    )
    .expect("opens");
    ndjson.carry(&names).expect("NDJSON takes any key");
    let mut log = Log::default();
    Batch::new(&policy, AS_OF)
        .run([ndjson], &mut log)
        .expect("runs");
    assert_eq!(
        log.seen,
        [
            "1:Int(1):Some(0)[\"7\", \"20000\"]",
            "2:unreadable[\"\", \"\"]",
            "3:Int(2):None[\"\", \"\"]"
        ]
    );
    let mut missing = reader(&policy, "id,budget\n1,5\n", "a.csv");
    let err = missing
        .carry(&["Budget".to_string()])
        .expect_err("no such column");
    assert_eq!(err.to_string(), "`a.csv` has no column `Budget`");
}

/// The fast line writer and the general one (through an `Outcome`) write
/// the same bytes for every choice of columns, carried columns and format.
#[test]
fn fast_lines_equal_general_lines_for_every_choice_of_columns() {
    let text = std::fs::read_to_string("examples/inbound-saas.lq").expect("the example");
    let policy = Policy::from_source("inbound-saas.lq", &text).expect("checks");
    let plan = &policy.compiled;
    let choices: [Option<&str>; 5] = [
        None,
        Some("id,tier,score"),
        Some("score_engagement,row"),
        Some("reasons,status,rule,route,score_fit,id"),
        Some("tier"),
    ];
    let keeps: [&[&str]; 2] = [&[], &["email", "id", "Total Visits"]];
    let mut compared = 0;
    for choice in choices {
        for keep in keeps {
            for format in [OutputFormat::Csv, OutputFormat::Ndjson] {
                let mut columns = Columns::of(policy.checked());
                if let Some(choice) = choice {
                    columns.choose(choice.split(',')).expect("known columns");
                }
                columns.keep = keep.iter().map(|k| k.to_string()).collect();
                let fast = DecisionWriter::new(plan, format == OutputFormat::Ndjson, &columns);
                let data = std::fs::read("examples/data/inbound-leads.csv").expect("the data");
                let mut reader = RecordReader::new(
                    policy.checked(),
                    Box::new(std::io::Cursor::new(data)),
                    InputFormat::Csv,
                    "leads.csv",
                )
                .expect("opens");
                reader.carry(&columns.keep).expect("the columns are there");
                let mut values = Vec::new();
                while let Some(item) = reader.next_into(&mut values) {
                    let row = item.expect("reads").expect("a good record");
                    let d = policy.decide(&values, AS_OF);
                    let mut quick = Vec::new();
                    assert!(fast.write(&mut quick, row, &values, &d, plan, reader.carried()));
                    let mut o = lq::eval::Outcome::from_decision(plan, row, &values, &d);
                    o.keep = columns.kept(reader.carried());
                    let mut general = Vec::new();
                    lq::data::writer::outcome_line(format, &columns, &o, &mut general)
                        .expect("written");
                    assert_eq!(
                        String::from_utf8_lossy(&quick),
                        String::from_utf8_lossy(&general),
                        "{choice:?} {keep:?} {format:?}"
                    );
                    compared += 1;
                }
            }
        }
    }
    assert_eq!(compared, 5 * 2 * 2 * 9);
}

/// An input that gives `good` bytes, then fails as a disk would.
struct FailsAfter {
    good: std::io::Cursor<Vec<u8>>,
}

impl std::io::Read for FailsAfter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match std::io::Read::read(&mut self.good, buf)? {
            0 => Err(std::io::Error::other("the disk went away")),
            n => Ok(n),
        }
    }
}

/// Records are decided a batch at a time: an input that fails part way
/// through a batch still hands every record read before it to the sink,
/// in order, and then the failure; rows stay numbered across batches.
#[test]
fn records_before_a_failed_read_are_delivered_across_batches() {
    let policy = policy();
    let mut csv = String::from("id,budget\n");
    for i in 1..=2500 {
        csv.push_str(&format!("{i},{}\n", (i % 3) * 6000));
    }
    let input = std::io::BufReader::with_capacity(
        256,
        FailsAfter {
            good: std::io::Cursor::new(csv.into_bytes()),
        },
    );
    let reader = RecordReader::new(policy.checked(), Box::new(input), InputFormat::Csv, "a.csv")
        .expect("the header reads");
    let mut log = Log::default();
    let failed = Batch::new(&policy, AS_OF).run([reader], &mut log);
    assert!(
        matches!(failed, Err(Failed::Data(_))),
        "the read failure is reported"
    );
    assert!(
        log.seen.len() >= 2499,
        "records before the failure: {}",
        log.seen.len()
    );
    for (i, line) in log.seen.iter().enumerate() {
        let row = i + 1;
        let rule = match row % 3 {
            _ if row == 13 => "None",
            0 => "None",
            1 => "Some(1)",
            _ => "Some(0)",
        };
        assert_eq!(line, &format!("{row}:Int({row}):{rule}[]"));
    }
}

/// A batch ends early when its records hold much text (memory stays flat
/// however large each record is): records of 300 KB each still all come,
/// in order, decided.
#[test]
fn large_records_are_decided_in_order_across_short_batches() {
    let policy = Policy::from_source(
        "p.lq",
        "schema { id: int key\n note: text }\ntiers A > B\n\
         rule long: when note ends with \"z\" then tier A\notherwise tier B\n",
    )
    .expect("the policy checks");
    let mut csv = String::from("id,note\n");
    for i in 1..=40 {
        let end = if i % 2 == 0 { "z" } else { "y" };
        csv.push_str(&format!("{i},{}{end}\n", "x".repeat(300_000)));
    }
    let reader = RecordReader::new(
        policy.checked(),
        Box::new(std::io::Cursor::new(csv.into_bytes())),
        InputFormat::Csv,
        "big.csv",
    )
    .expect("the header matches");
    let mut log = Log::default();
    let tally = Batch::new(&policy, AS_OF)
        .run([reader], &mut log)
        .expect("runs");
    assert_eq!(tally.total(), 40);
    assert_eq!((tally.tier("A"), tally.tier("B")), (20, 20));
    for (i, line) in log.seen.iter().enumerate() {
        let row = i + 1;
        let rule = if row % 2 == 0 { "Some(0)" } else { "Some(1)" };
        assert_eq!(line, &format!("{row}:Int({row}):{rule}[]"));
    }
}

/// Writes every outcome line as `lq eval` does, one record at a time, or
/// takes the lines the workers wrote.
struct OutcomeLines {
    plan: lq::compile::Compiled,
    columns: Columns,
    on_workers: bool,
    out: Vec<u8>,
    /// Each unreadable record the sink was told of, as an error report
    /// would have it.
    errors: Vec<String>,
    /// Stop the run at this unreadable record, as `--max-errors` does.
    stop_after: Option<usize>,
    /// The lines' format (NDJSON unless set).
    format: OutputFormat,
    /// Each read record's trace too, as `lq eval --explain` gives it: in
    /// its NDJSON line, or beside CSV lines in `traces`.
    explain: Option<Policy>,
    traces: String,
}

impl OutcomeLines {
    /// NDJSON lines of `policy`'s outcomes with `columns`, on workers or
    /// not.
    fn new(policy: &Policy, columns: Columns, on_workers: bool) -> OutcomeLines {
        OutcomeLines {
            plan: policy.compiled.clone(),
            columns,
            on_workers,
            out: Vec::new(),
            errors: Vec::new(),
            stop_after: None,
            format: OutputFormat::Ndjson,
            explain: None,
            traces: String::new(),
        }
    }

    fn line(&mut self, mut o: lq::eval::Outcome, carried: &[String]) {
        self.columns.carry_into(&mut o, carried);
        lq::data::writer::outcome_line(self.format, &self.columns, &o, &mut self.out)
            .expect("written");
    }
}

impl Sink for OutcomeLines {
    type Error = std::convert::Infallible;

    fn decided(&mut self, r: Record<'_>, d: &Decision) -> Result<Flow, Self::Error> {
        let mut o = lq::eval::Outcome::from_decision(&self.plan, r.row, r.values, d);
        if let Some(policy) = &self.explain {
            let trace = policy.trace(r.values, AS_OF);
            if self.format == OutputFormat::Ndjson {
                o.explain = Some(trace);
            } else {
                self.traces.push_str(&format!("row {}:\n", r.row));
                for line in lq::explain::render(policy, &trace).lines() {
                    self.traces.push_str(&format!("  {line}\n"));
                }
            }
        }
        self.line(o, r.carried);
        Ok(Flow::Go)
    }

    fn explained(&mut self, text: &str) -> Result<(), Self::Error> {
        self.traces.push_str(text);
        Ok(())
    }

    fn unreadable(&mut self, e: RecordError, carried: &[String]) -> Result<Flow, Self::Error> {
        self.errors
            .push(format!("{} {:?}: {:?}", e.row, e.key, e.messages()));
        let o =
            lq::eval::Outcome::error(self.plan.policy_ref(), e.row, e.key.clone(), e.messages());
        self.line(o, carried);
        Ok(match self.unreadable_left() {
            Some(0) => Flow::Stop,
            _ => Flow::Go,
        })
    }

    fn unreadable_lines(&mut self, errors: &[RecordError]) -> Result<(), Self::Error> {
        for e in errors {
            self.errors
                .push(format!("{} {:?}: {:?}", e.row, e.key, e.messages()));
        }
        Ok(())
    }

    fn unreadable_left(&self) -> Option<usize> {
        Some(self.stop_after?.saturating_sub(self.errors.len()))
    }

    fn lines(&self) -> Option<Lines<'_>> {
        self.on_workers.then_some(Lines {
            format: self.format,
            columns: &self.columns,
            explain: self.explain.is_some(),
        })
    }

    fn write_lines(&mut self, bytes: &[u8]) -> Result<(), Self::Error> {
        self.out.extend_from_slice(bytes);
        Ok(())
    }
}

/// The kinds of CSV text a real export holds, good and broken: each piece
/// is one stretch of a file (the `{}` is a lead's id).
const PIECES: &[&[u8]] = &[
    b"{},20000\n",
    b"{},500\r\n",
    b"{},\"12\n000\"\n",
    b"{},\"2,000\"\r\n",
    b"{},5\"00\n",
    b"\n",
    b"\r\n",
    b"{}\n",
    b"{},1,2\n",
    b"{},\xff\xfe\n",
    b"\x01lq-broken-record-0\n",
    b"{},\"a \"\"quoted\"\" word\"\n",
    b"{},12345678901234567890123456789012345678901234567890123456789012345678901234567890\n",
    b"{},\"never closed\n",
    b"{},7",
];

/// A piece with `id` in place of its `{}`.
fn with_id(piece: &[u8], id: usize) -> Vec<u8> {
    match piece.windows(2).position(|w| w == b"{}") {
        Some(at) => [&piece[..at], id.to_string().as_bytes(), &piece[at + 2..]].concat(),
        None => piece.to_vec(),
    }
}

/// The kinds of NDJSON lines a real export holds, good and broken (the
/// `{}` is a lead's id).
const JSON_PIECES: &[&[u8]] = &[
    b"{\"id\": {}, \"budget\": 20000}\n",
    b"{\"id\": {}, \"budget\": \"$500\"}\r\n",
    b"{\"budget\": 12000, \"id\": {}, \"extra\": [1, 2]}\n",
    b"{\"id\": {}, \"budget\": null}\n",
    b"{\"id\": {}}\n",
    b"{\"id\": {}, \"budget\": \"lots\"}\n",
    b"{\"id\": \"x{}\", \"budget\": 1}\n",
    b"\n",
    b"   \t \r\n",
    b"[{}, 2]\n",
    b"{}\n",
    b"{ }\n",
    b"{\"id\": {}, \"budget\": 2\n",
    b"{\"id\": {}, \"budget\": \"\xff\xfe\"}\n",
    b"{\"id\": {}, \"budget\": 5, \"note\": \"a line far longer than the sixty bytes a record may have\"}\n",
    b"{\"id\": {}, \"budget\": 7}",
    b"{\"id\": {}, \"budget\": \"7\r",
    b"{\"id\": {}}\r",
];

/// Evaluates `data` on one thread, record by record, and on `threads`
/// workers handed blocks of at least `block` bytes: the NDJSON lines.
fn one_and_many(data: &[u8], threads: usize, block: usize) -> (Vec<u8>, Vec<u8>, usize) {
    one_and_many_of(InputFormat::Csv, data, threads, block)
}

/// [`one_and_many`] for an input of `format`.
fn one_and_many_of(
    format: InputFormat,
    data: &[u8],
    threads: usize,
    block: usize,
) -> (Vec<u8>, Vec<u8>, usize) {
    one_and_many_stopping(format, data, threads, block, None)
}

/// [`one_and_many_of`] with a sink that stops at its `stop_after`th
/// unreadable record (`--max-errors`).
fn one_and_many_stopping(
    format: InputFormat,
    data: &[u8],
    threads: usize,
    block: usize,
    stop_after: Option<usize>,
) -> (Vec<u8>, Vec<u8>, usize) {
    one_and_many_with(format, data, threads, block, &|sink| {
        sink.stop_after = stop_after;
    })
}

/// [`one_and_many_of`] with a sink `set` as it should be (its traces
/// follow the unreadable records).
fn one_and_many_with(
    format: InputFormat,
    data: &[u8],
    threads: usize,
    block: usize,
    set: &dyn Fn(&mut OutcomeLines),
) -> (Vec<u8>, Vec<u8>, usize) {
    let policy = policy();
    let run = |threads: usize| {
        let mut columns = Columns::of(policy.checked());
        columns.keep = vec!["budget".into()];
        let mut sink = OutcomeLines::new(&policy, columns.clone(), threads > 1);
        set(&mut sink);
        let options = lq::data::ReadOptions {
            delimiter: Some(b','),
            max_record_bytes: 60,
        };
        let mut r = RecordReader::with_options(
            policy.checked(),
            Box::new(std::io::Cursor::new(data.to_vec())),
            format,
            "messy.csv",
            options,
        )
        .expect("the header reads");
        r.carry(&columns.keep).expect("the column is there");
        let tally = Batch::new(&policy, AS_OF)
            .threads(threads)
            .block_bytes(block)
            .run([r], &mut sink)
            .expect("runs");
        // The unreadable records the sink was told of, after the lines.
        let mut out = sink.out;
        out.extend_from_slice(b"-- unreadable --\n");
        for e in &sink.errors {
            out.extend_from_slice(e.as_bytes());
            out.push(b'\n');
        }
        out.extend_from_slice(format!("stopped: {}\n", tally.stopped).as_bytes());
        out.extend_from_slice(b"-- traces --\n");
        out.extend_from_slice(sink.traces.as_bytes());
        (out, tally.total())
    };
    let (one, total) = run(1);
    let (many, many_total) = run(threads);
    assert_eq!(total, many_total, "the same records counted");
    (one, many, total)
}

/// A run that stops at an unreadable record has read what it wanted: an
/// input that fails further on, which one thread never reaches, does not
/// fail the run on workers either (their reader may have run ahead).
#[test]
fn a_stopped_run_is_not_failed_by_a_read_past_its_stop() {
    let policy = policy();
    let mut text = String::from("id,budget\n1,5\nx,5\n");
    for i in 3..40 {
        text.push_str(&format!("{i},{}\n", i * 1000));
    }
    for threads in [1, 2, 3] {
        for block in [1, 16, 64] {
            let input = std::io::BufReader::with_capacity(
                16,
                FailsAfter {
                    good: std::io::Cursor::new(text.clone().into_bytes()),
                },
            );
            let reader =
                RecordReader::new(policy.checked(), Box::new(input), InputFormat::Csv, "a.csv")
                    .expect("the header reads");
            let mut sink = OutcomeLines::new(&policy, Columns::of(policy.checked()), threads > 1);
            sink.stop_after = Some(1);
            let tally = Batch::new(&policy, AS_OF)
                .threads(threads)
                .block_bytes(block)
                .run([reader], &mut sink)
                .expect("stopped, not failed");
            assert!(tally.stopped, "{threads} threads, block {block}");
            assert_eq!(tally.total(), 2, "{threads} threads, block {block}");
            assert_eq!(String::from_utf8_lossy(&sink.out).lines().count(), 2);
        }
    }
}

/// `rounds` rounds of every kind of CSV and NDJSON piece that ends in a
/// line end (so rounds do not run into each other), each lead's id its
/// round's hundred plus its piece.
fn messy_rounds(rounds: usize) -> (Vec<u8>, Vec<u8>) {
    let mut csv = b"id,budget\n".to_vec();
    let mut ndjson = Vec::new();
    for round in 0..rounds {
        for (i, piece) in PIECES.iter().enumerate().take(PIECES.len() - 2) {
            csv.extend_from_slice(&with_id(piece, round * 100 + i));
        }
        for (i, piece) in JSON_PIECES.iter().enumerate().take(JSON_PIECES.len() - 3) {
            ndjson.extend_from_slice(&with_id(piece, round * 100 + i));
        }
    }
    (csv, ndjson)
}

#[test]
fn stopping_at_the_nth_unreadable_record_is_the_same_on_workers() {
    let (csv, ndjson) = messy_rounds(30);
    for (format, data) in [(InputFormat::Csv, &csv), (InputFormat::Ndjson, &ndjson)] {
        for stop in [1, 2, 7, 40, 100_000] {
            for block in [1, 50, 700, 1 << 20] {
                let (one, many, total) = one_and_many_stopping(format, data, 3, block, Some(stop));
                let text = String::from_utf8_lossy(&one);
                let stopped = stop < 1000;
                assert!(
                    text.ends_with(&format!("stopped: {stopped}\n-- traces --\n")),
                    "{text}"
                );
                if stopped {
                    let unreadable = text.split("-- unreadable --").nth(1).unwrap_or("");
                    // The line break after the marker, the records, the
                    // stop, and the (empty) traces' marker.
                    assert_eq!(unreadable.lines().count(), stop + 3, "{text}");
                    assert!(total < 1000, "{total} records: stopped early");
                }
                assert!(
                    one == many,
                    "{format:?}, stop at {stop}, block {block}:\n{text}\n---\n{}",
                    String::from_utf8_lossy(&many)
                );
            }
        }
    }
}

/// `lq eval --explain` on workers: every read record's trace in its
/// NDJSON line, or beside CSV lines in input order, as one thread gives
/// them, whatever the blocks, also when the run stops at an unreadable
/// record.
#[test]
fn traces_on_workers_equal_traces_one_record_at_a_time() {
    let (csv, ndjson) = messy_rounds(8);
    for (format, data) in [(InputFormat::Csv, &csv), (InputFormat::Ndjson, &ndjson)] {
        for out in [OutputFormat::Csv, OutputFormat::Ndjson] {
            for stop in [None, Some(9)] {
                for block in [1, 50, 700, 1 << 20] {
                    let (one, many, _) = one_and_many_with(format, data, 3, block, &|sink| {
                        sink.format = out;
                        sink.explain = Some(policy());
                        sink.stop_after = stop;
                    });
                    let text = String::from_utf8_lossy(&one);
                    // Traces of read records (13 is disqualified): beside
                    // CSV lines from the first, in NDJSON lines.
                    let traced = match out {
                        OutputFormat::Csv => text.split("-- traces --\n").nth(1).unwrap_or(""),
                        _ => &text,
                    };
                    match out {
                        OutputFormat::Csv => assert!(traced.starts_with("row 1:\n  "), "{text}"),
                        _ => assert!(traced.contains(",\"explain\":{"), "{text}"),
                    }
                    assert!(traced.contains("unlucky"), "{text}");
                    assert!(
                        one == many,
                        "{format:?} to {out:?}, stop {stop:?}, block {block}:\n{text}\n---\n{}",
                        String::from_utf8_lossy(&many)
                    );
                }
            }
        }
    }
}

#[test]
fn messy_csv_cut_into_blocks_reads_as_it_does_on_one_thread() {
    let mut data = b"id,budget\r\n".to_vec();
    for round in 0..40 {
        for (i, piece) in PIECES.iter().enumerate().take(PIECES.len() - 2) {
            data.extend_from_slice(&with_id(piece, round * 100 + i));
        }
    }
    for block in [1, 7, 64, 1000, 1 << 20] {
        let (one, many, total) = one_and_many(&data, 3, block);
        assert!(total > 400, "{total} records");
        let text = String::from_utf8_lossy(&one);
        assert!(text.contains("not valid UTF-8"), "{text}");
        assert!(text.contains("bytes"), "an oversized record: {text}");
        assert!(
            one == many,
            "block {block}: the lines differ:\n{text}\n---\n{}",
            String::from_utf8_lossy(&many)
        );
    }
}

#[test]
fn messy_ndjson_cut_into_blocks_reads_as_it_does_on_one_thread() {
    let mut data = Vec::new();
    for round in 0..40 {
        for (i, piece) in JSON_PIECES.iter().enumerate().take(JSON_PIECES.len() - 3) {
            data.extend_from_slice(&with_id(piece, round * 100 + i));
        }
    }
    data.extend_from_slice(&with_id(JSON_PIECES[JSON_PIECES.len() - 3], 9999));
    for block in [1, 7, 64, 1000, 1 << 20] {
        let (one, many, total) = one_and_many_of(InputFormat::Ndjson, &data, 3, block);
        assert_eq!(total, 40 * 13 + 1, "blank lines are no records");
        let text = String::from_utf8_lossy(&one);
        for problem in [
            "not valid UTF-8",
            "bytes",
            "invalid JSON",
            "a record is a JSON object",
            "lots",
        ] {
            assert!(text.contains(problem), "{problem}: {text}");
        }
        assert!(text.contains(r#""row":521,"id":9999"#), "{text}");
        assert!(
            one == many,
            "block {block}: the lines differ:\n{text}\n---\n{}",
            String::from_utf8_lossy(&many)
        );
    }
}

/// Reads `data` as NDJSON for `policy`, carrying `carry`, twice: by the
/// keys the schema and the carried columns name (no map of each record),
/// and as whole objects (as a reader keeping each JSON record still
/// does). Every record must read alike: the same values, the same errors,
/// the same carried text. How many records there were.
fn keys_read_as_whole_objects(policy: &Policy, data: &[u8], carry: &[&str]) -> usize {
    let open = |whole: bool| {
        let options = lq::data::ReadOptions {
            delimiter: None,
            max_record_bytes: 300,
        };
        let mut r = RecordReader::with_options(
            policy.checked(),
            Box::new(std::io::Cursor::new(data.to_vec())),
            InputFormat::Ndjson,
            "leads.ndjson",
            options,
        )
        .expect("opens");
        let carry: Vec<String> = carry.iter().map(|c| c.to_string()).collect();
        r.carry(&carry).expect("carried");
        if whole {
            r.keep_json();
        }
        r
    };
    let (mut keys, mut whole) = (open(false), open(true));
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut records = 0;
    loop {
        let (x, y) = (keys.next_into(&mut a), whole.next_into(&mut b));
        let (x, y) = match (x, y) {
            (Some(x), Some(y)) => (x, y),
            (None, None) => break,
            _ => panic!("record {records}: one reading ended before the other"),
        };
        records += 1;
        match (x.expect("no I/O failure"), y.expect("no I/O failure")) {
            (Ok(r1), Ok(r2)) => assert_eq!((r1, &a), (r2, &b)),
            (Err(e1), Err(e2)) => assert_eq!(
                (e1.messages(), e1.key),
                (e2.messages(), e2.key),
                "record {records}"
            ),
            (x, y) => panic!("record {records}: {x:?} against {y:?}"),
        }
        assert_eq!(keys.carried(), whole.carried(), "record {records}");
    }
    records
}

/// NDJSON read by its wanted keys reads as whole objects do: messy lines
/// for a small schema; the examples' NDJSON (lists, enums, texts, bools,
/// dates); generated leads; and hand-made lines with escapes, every kind
/// of value in every field, and numbers and booleans as text.
#[test]
fn ndjson_read_by_its_wanted_keys_equals_reading_whole_objects() {
    let mut data = Vec::new();
    for round in 0..3 {
        for (i, piece) in JSON_PIECES.iter().enumerate() {
            data.extend_from_slice(&with_id(piece, round * 100 + i));
        }
    }
    data.extend_from_slice(b"\n{\"budget\": {\"a\": [1, \"\\u00e9\"]}, \"id\": 5, \"id\": 6}\n");
    data.extend_from_slice(b"{\"id\": 7, \"x\": 1e400}\n{\"id\": 8, \"x\": \"\\ud800\"}\n");
    let records = keys_read_as_whole_objects(&policy(), &data, &["budget", "nope", "id"]);
    assert!(records >= 40, "{records} records");

    let load = |path: &str| {
        let text = std::fs::read_to_string(path).expect("the example");
        Policy::from_source(path, &text).expect("checks")
    };
    for (example, data, carry) in [
        (
            "examples/bant.lq",
            "examples/data/bant-leads.ndjson",
            &["tags", "company"][..],
        ),
        (
            "examples/gates-and-routing.lq",
            "examples/data/web-leads.ndjson",
            &["source"][..],
        ),
    ] {
        let data = std::fs::read(data).expect("the data");
        assert!(keys_read_as_whole_objects(&load(example), &data, carry) >= 5);
    }

    let inbound = load("examples/inbound-saas.lq");
    let mut data = Vec::new();
    lq::data::generate::generate(inbound.checked(), 500, 11, true, &mut data).expect("made");
    for line in [
        r#"{"id": 1, "email": "a@b.c", "role": "V\u0050", "employees": "1,200", "budget": "$5,000", "country": "D\u0045", "industry": "SaaS", "demo_requested": "yes", "Total Visits": "3", "last_activity": "2026-11-01"}"#,
        r#"{"id": 2, "email": 5, "role": ["VP"], "employees": 12.0, "budget": null, "country": {"c": 1}, "industry": "saas", "demo_requested": 1, "Total Visits": -1, "last_activity": 20261101}"#,
        r#"{"id": "3", "email": "", "role": " VP ", "employees": 1e3, "budget": 1e2, "country": "US", "industry": "Other", "demo_requested": "TRUE", "Total Visits": 2.5, "last_activity": "11/01/2026"}"#,
        r#"{"id": 4, "email": "x\"y@z.io", "role": "Student", "employees": true, "budget": "", "country": "  ", "demo_requested": false, "Total Visits": 0, "last_activity": "2026-02-30"}"#,
        r#"{"id": -5, "role": "VP", "role": "CEO", "employees": 18446744073709551615, "budget": -0.0}"#,
    ] {
        data.extend_from_slice(line.as_bytes());
        data.push(b'\n');
    }
    let records = keys_read_as_whole_objects(&inbound, &data, &["email", "role", "id"]);
    assert_eq!(records, 505);
}

/// What a run of NDJSON whose first object must have `budget` delivered,
/// and how it ended, on `threads` workers with blocks of `block` bytes.
fn run_requiring_budget(data: &[u8], threads: usize, block: usize) -> (Vec<u8>, String) {
    let policy = policy();
    let columns = Columns::of(policy.checked());
    let mut sink = OutcomeLines::new(&policy, columns, threads > 1);
    let mut r = RecordReader::new(
        policy.checked(),
        Box::new(std::io::Cursor::new(data.to_vec())),
        InputFormat::Ndjson,
        "leads.ndjson",
    )
    .expect("opens");
    r.require_first("budget");
    let ended = match Batch::new(&policy, AS_OF)
        .threads(threads)
        .block_bytes(block)
        .run([r], &mut sink)
    {
        Ok(tally) => format!("{} records", tally.total()),
        Err(Failed::Data(e)) => e.to_string(),
        Err(Failed::Sink(e)) => match e {},
    };
    let mut out = sink.out;
    for e in &sink.errors {
        out.extend_from_slice(e.as_bytes());
        out.push(b'\n');
    }
    (out, ended)
}

#[test]
fn a_first_object_without_a_required_key_fails_after_the_lines_before_it_on_workers_too() {
    let lacking = b"\n[1]\n{\"id\": 1,\n\xff\n{\"id\": 2}\n{\"id\": 3, \"budget\": 1}\n";
    let having = b"[1]\n{\"id\": 2, \"budget\": 5}\n{\"id\": 3}\n";
    for (data, ends) in [(&lacking[..], "budget"), (&having[..], "3 records")] {
        let (one, one_ended) = run_requiring_budget(data, 1, 1);
        assert!(one_ended.contains(ends), "{one_ended}");
        for block in [1, 5, 12, 1000] {
            let (many, many_ended) = run_requiring_budget(data, 2, block);
            assert_eq!(many_ended, one_ended, "block {block}");
            assert!(
                one == many,
                "block {block}:\n{}\n---\n{}",
                String::from_utf8_lossy(&one),
                String::from_utf8_lossy(&many)
            );
        }
    }
    let (one, _) = run_requiring_budget(lacking, 1, 1);
    assert_eq!(
        String::from_utf8_lossy(&one).lines().count(),
        6,
        "three broken lines first, and their errors"
    );
}

mod blocks {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Any file made of the pieces, cut into blocks of any size, reads
        /// on 2 or 3 workers as it does record by record on one thread.
        #[test]
        fn any_file_cut_anywhere_reads_the_same(
            pieces in proptest::collection::vec(0..PIECES.len(), 0..120),
            crlf_header in any::<bool>(),
            block in 1usize..300,
            threads in 2usize..4,
        ) {
            let mut data = if crlf_header { b"id,budget\r\n".to_vec() } else { b"id,budget\n".to_vec() };
            for (n, &p) in pieces.iter().enumerate() {
                data.extend_from_slice(&with_id(PIECES[p], n));
            }
            let (one, many, _) = one_and_many(&data, threads, block);
            prop_assert!(
                one == many,
                "{}\n---\n{}",
                String::from_utf8_lossy(&one),
                String::from_utf8_lossy(&many)
            );
        }

        /// Any NDJSON made of the pieces, cut into blocks of any size,
        /// reads on 2 or 3 workers as it does line by line on one thread.
        #[test]
        fn any_ndjson_cut_anywhere_reads_the_same(
            pieces in proptest::collection::vec(0..JSON_PIECES.len() - 3, 0..120),
            last in proptest::option::of(JSON_PIECES.len() - 3..JSON_PIECES.len()),
            block in 1usize..300,
            threads in 2usize..4,
        ) {
            let mut data = Vec::new();
            for (n, &p) in pieces.iter().enumerate() {
                data.extend_from_slice(&with_id(JSON_PIECES[p], n));
            }
            if let Some(&last) = last.as_ref() {
                data.extend_from_slice(&with_id(JSON_PIECES[last], 9999));
            }
            let (one, many, _) = one_and_many_of(InputFormat::Ndjson, &data, threads, block);
            prop_assert!(
                one == many,
                "{}\n---\n{}",
                String::from_utf8_lossy(&one),
                String::from_utf8_lossy(&many)
            );
        }
    }
}

#[test]
fn a_broken_record_carries_empty_columns_not_its_marker() {
    let policy = policy();
    let mut csv = reader(&policy, "id,budget\n1,5\n\"2,oops\n3,7\n", "a.csv");
    csv.carry(&["id".to_string()]).expect("the column is there");
    let mut log = Log::default();
    Batch::new(&policy, AS_OF)
        .run([csv], &mut log)
        .expect("runs");
    assert_eq!(
        log.seen,
        [
            "1:Int(1):None[\"1\"]",
            "2:unreadable[\"\"]",
            "3:Int(3):None[\"3\"]"
        ]
    );
}

/// `lq coverage` counts from the columnar engine's masks: the same counts
/// as the row evaluator's steps, for a real policy over messy data and for
/// scores that leave an `i64` (those leads go through the row evaluator).
#[test]
fn coverage_from_batch_masks_equals_coverage_from_the_steps() {
    let huge = Policy::from_source(
        "huge.lq",
        "schema { id: int key\n budget: money? }\ntiers A > B\n\
         score fit up to 9000000000000000000 {\n  +9000000000000000000 when budget > 0\n  \
         +9000000000000000000 when budget > 10\n  -5 per id\n}\n\
         rule big: when score >= 9000000000000000000 then tier A\n\
         rule some: when budget >= 1k then tier B\n",
    )
    .expect("the policy checks");
    let mut huge_csv = String::from("id,budget\n");
    for i in 0..3000 {
        huge_csv.push_str(&format!("{i},{}\n", [0, 5, 50, 2000][i % 4]));
    }
    let example = std::fs::read_to_string("examples/inbound-saas.lq").expect("the example");
    let example = Policy::from_source("inbound-saas.lq", &example).expect("checks");
    let messy = std::fs::read_to_string("examples/data/inbound-leads-messy.csv").expect("data");
    for (policy, csv) in [(&huge, huge_csv), (&example, messy.repeat(50))] {
        let open = || {
            RecordReader::new(
                policy.checked(),
                Box::new(std::io::Cursor::new(csv.clone().into_bytes())),
                InputFormat::Csv,
                "leads.csv",
            )
            .expect("opens")
        };
        let by_masks =
            lq::coverage::count(policy, vec![open()], AS_OF, None, &mut |_| {}).expect("counts");
        let mut by_steps = lq::coverage::Coverage::new(policy);
        for read in open() {
            match read.expect("reads") {
                Ok((_, values)) => by_steps.add(policy, &values, AS_OF),
                Err(_) => by_steps.unreadable(None),
            }
        }
        assert_eq!(by_masks.items, by_steps.items);
        assert_eq!(by_masks.leads, by_steps.leads);
        assert!(by_masks.items.iter().any(|c| c.decided > 0));
    }
}

/// Records the second policy's decisions (`lq diff`'s NEW).
#[derive(Default)]
struct Seconds(Vec<String>);

impl Sink for Seconds {
    type Error = std::convert::Infallible;

    fn other_decided(
        &mut self,
        row: usize,
        read: Result<(&[lq::eval::Datum], &Decision), &RecordError>,
    ) {
        self.0.push(match read {
            Ok((values, d)) => format!("{row}:{:?}:{:?}:{}", values[0], d.rule, d.score),
            Err(e) => format!("{row}:unreadable:{}", e.row),
        });
    }

    fn decided(&mut self, _: Record<'_>, _: &Decision) -> Result<Flow, Self::Error> {
        Ok(Flow::Go)
    }

    fn unreadable(&mut self, _: RecordError, _: &[String]) -> Result<Flow, Self::Error> {
        Ok(Flow::Go)
    }
}

/// A second policy that reads records as the first does (the same schema)
/// is decided on the first reading, not a copy: the same decisions as its
/// own run, also where a batch starts with an unreadable record.
#[test]
fn a_second_policy_reading_alike_decides_as_it_would_alone() {
    let first = policy();
    let second = Policy::from_source(
        "p2.lq",
        "schema { id: int key\n budget: money? }\ntiers A > B\n\
         rule big: when budget >= 500 then tier A\notherwise tier B\n",
    )
    .expect("checks");
    let mut csv = String::from("id,budget\nx,1\n");
    for i in 0..2500 {
        let budget = ["20000", "oops", "600", ""][i % 4];
        csv.push_str(&format!("{i},{budget}\n"));
    }
    let csv: &'static str = Box::leak(csv.into_boxed_str());
    let mut both = reader(&first, csv, "a.csv");
    both.also(second.checked());
    let mut seconds = Seconds::default();
    Batch::new(&first, AS_OF)
        .second(&second)
        .run([both], &mut seconds)
        .expect("runs");
    let mut alone = Log::default();
    Batch::new(&second, AS_OF)
        .run([reader(&second, csv, "a.csv")], &mut alone)
        .expect("runs");
    assert_eq!(seconds.0.len(), 2501);
    assert_eq!(alone.seen.len(), 2501);
    for (s, a) in seconds.0.iter().zip(&alone.seen) {
        let (s_row, rest) = s.split_once(':').unwrap_or_default();
        let (a_row, a_rest) = a.split_once(':').unwrap_or_default();
        assert_eq!(s_row, a_row);
        if a_rest.starts_with("unreadable") {
            assert!(rest.starts_with("unreadable"), "{s} against {a}");
        } else {
            let (value, rule) = a_rest.split_once(':').unwrap_or_default();
            let rule = rule.trim_end_matches("[]");
            assert!(
                rest.starts_with(&format!("{value}:{rule}:")),
                "{s} against {a}"
            );
        }
    }
}
