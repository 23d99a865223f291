//! The batch engine as a library user drives it: rows numbered across
//! inputs, every record counted, a sink that stops the run, a sink that
//! decides with its own observer, and lines on worker threads equal, byte
//! for byte, to lines written one record at a time.

use lq::batch::{Batch, CountOnly, Failed, Flow, Lines, Sink};
use lq::data::fast::DecisionWriter;
use lq::data::{Columns, InputFormat, OutputFormat, RecordError, RecordReader};
use lq::eval::{Datum, Decision, Status};
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

    fn decided(&mut self, row: usize, record: &[Datum], d: &Decision) -> Result<Flow, String> {
        self.seen
            .push(format!("{row}:{:?}:{:?}", record[0], d.rule));
        Ok(Flow::Go)
    }

    fn unreadable(&mut self, e: RecordError) -> Result<Flow, String> {
        self.seen.push(format!("{}:unreadable", e.row));
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
            "1:Int(1):Some(0)",
            "2:unreadable",
            "3:Int(3):Some(1)",
            "4:Int(13):None",
            "5:Int(4):None"
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
        fn decided(&mut self, _: usize, _: &[Datum], _: &Decision) -> Result<Flow, Self::Error> {
            Err("disk full")
        }
        fn unreadable(&mut self, _: RecordError) -> Result<Flow, Self::Error> {
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

    fn decided(&mut self, row: usize, record: &[Datum], d: &Decision) -> Result<Flow, Self::Error> {
        assert!(self.lines.write(&mut self.out, row, record, d, &self.plan));
        Ok(Flow::Go)
    }

    fn unreadable(&mut self, e: RecordError) -> Result<Flow, Self::Error> {
        self.out
            .extend_from_slice(format!("{},error\n", e.row).as_bytes());
        Ok(Flow::Go)
    }

    fn lines(&self) -> Option<Lines<'_>> {
        self.on_workers.then_some(Lines {
            format: OutputFormat::Csv,
            columns: &self.columns,
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
    let columns = Columns {
        key: Some("id".into()),
        blocks: policy.checked().block_names().map(String::from).collect(),
        escape_formulas: false,
    };
    let run = |threads: usize, on_workers: bool| {
        let mut sink = LineSink {
            lines: DecisionWriter::new(&policy.compiled, false, false),
            columns: columns.clone(),
            on_workers,
            out: Vec::new(),
            plan: Policy::from_source("inbound-saas.lq", &text)
                .expect("checks")
                .compiled,
        };
        let r = RecordReader::new(
            policy.checked(),
            Box::new(big.as_bytes()),
            InputFormat::Csv,
            "big.csv",
        )
        .expect("opens");
        let tally = Batch::new(&policy, AS_OF)
            .threads(threads)
            .run([r], &mut sink)
            .expect("runs");
        (sink.out, tally)
    };
    let (one, one_tally) = run(1, false);
    let (four, four_tally) = run(4, true);
    assert_eq!(one_tally.total(), 18_009);
    assert_eq!(one_tally, four_tally);
    assert!(one == four, "the same bytes on 4 workers");
}
