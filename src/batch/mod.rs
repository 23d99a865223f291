//! The batch engine: a policy over a stream of records, in input order,
//! optionally on several threads, every record counted.
//!
//! Readers ([`crate::data::RecordReader`], any format) give the records,
//! a batch at a time; the columnar engine ([`crate::eval::columnar`])
//! decides each batch, and for a sink that counts coverage keeps each
//! part of the policy's masks ([`Sink::watches`]); a sink that must see
//! every step has each record decided by the row evaluator,
//! [`crate::eval::decide`](mod@crate::eval::decide), instead
//! ([`Sink::columnar`]). A [`Sink`] receives each decided record and each
//! unreadable one, in input order, with rows numbered across all inputs. The engine keeps the
//! [`Tally`]. `lq eval`, `lq coverage`, the REPL's `:load` and a service
//! that embeds lq all run through it; a sink that writes CSV or NDJSON
//! lines (its [`Sink::lines`]) is fed on `threads` workers when a CSV input
//! allows, with the same bytes as one thread.
//!
//! ```
//! use lq::batch::{Batch, Flow, Record, Sink};
//! use lq::data::{RecordError, RecordReader, InputFormat};
//! use lq::eval::Decision;
//!
//! /// Keeps each qualified lead's row.
//! struct Rows(Vec<usize>);
//! impl Sink for Rows {
//!     type Error = std::convert::Infallible;
//!     fn decided(&mut self, r: Record<'_>, d: &Decision) -> Result<Flow, Self::Error> {
//!         if d.rule.is_some() && d.disqualified_by.is_empty() {
//!             self.0.push(r.row);
//!         }
//!         Ok(Flow::Go)
//!     }
//!     fn unreadable(&mut self, _: RecordError, _: &[String]) -> Result<Flow, Self::Error> {
//!         Ok(Flow::Go)
//!     }
//! }
//!
//! let policy = lq::Policy::from_source("p.lq", "schema { budget: money }\ntiers A\n\
//!     rule big: when budget >= 10k then tier A\n").unwrap();
//! let data = "budget\n25000\n500\n40000\n";
//! let reader = RecordReader::new(policy.checked(), Box::new(data.as_bytes()), InputFormat::Csv, "leads.csv").unwrap();
//! let mut rows = Rows(Vec::new());
//! let tally = Batch::new(&policy, 20_000).run(vec![reader], &mut rows).unwrap();
//! assert_eq!(rows.0, [1, 3]);
//! assert_eq!(tally.line(), "3 records: 2 qualified, 0 disqualified, 1 unmatched, 0 errors");
//! ```

mod lanes;
pub mod parallel;
mod tally;

pub use tally::Tally;

use crate::compile::Compiled;
use crate::data::{Columns, DataError, OutputFormat, RecordError, RecordReader};
use crate::eval::columnar::{Columnar, Lanes};
use crate::eval::{decide_into, Datum, Decision, Status};
use crate::Policy;

/// Whether the engine goes on after a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Go on to the next record.
    Go,
    /// Stop here (the tally says so: [`Tally::stopped`]).
    Stop,
}

/// One record as the engine hands it to a sink.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    /// Its number, from 1 across all inputs.
    pub row: usize,
    /// Its values, by schema slot.
    pub values: &'a [Datum],
    /// The text of the raw columns its reader carries
    /// ([`RecordReader::carry`]), in the order asked.
    pub carried: &'a [String],
}

/// Output lines the engine may format itself, on worker threads.
#[derive(Clone, Copy, Debug)]
pub struct Lines<'a> {
    /// CSV or NDJSON (others are written by the sink).
    pub format: OutputFormat,
    /// The CSV columns.
    pub columns: &'a Columns,
    /// Each read record's trace too (`lq eval --explain`): in its NDJSON
    /// line's `explain` field, or beside CSV lines, given to
    /// [`Sink::explained`].
    pub explain: bool,
}

/// What receives the records, in input order.
pub trait Sink {
    /// Why the sink cannot go on (an output that cannot be written).
    type Error;

    /// Whether the engine may decide records a batch at a time, with the
    /// columnar engine ([`crate::eval::columnar`]): the same decisions,
    /// but [`Sink::decide`] is not called. A sink that overrides
    /// [`Sink::decide`] (to watch the steps) returns `false`.
    fn columnar(&self) -> bool {
        true
    }

    /// Decides one record into `decision` (only when [`Sink::columnar`]
    /// is `false`). The default is the quiet hot path; a sink that
    /// watches the steps decides with its own [`crate::eval::Observer`]
    /// through [`crate::eval::decide_observed`], and may read the record's
    /// carried columns.
    #[inline]
    fn decide(&mut self, plan: &Compiled, record: Record<'_>, as_of: i32, decision: &mut Decision) {
        decide_into(plan, record.values, as_of, decision);
    }

    /// The second policy's reading of the record about to be decided or
    /// reported unreadable, numbered `row` across inputs, when its reader
    /// reads for two policies ([`RecordReader::also`]: `lq diff`).
    fn other(&mut self, _row: usize, _read: Result<&[Datum], &RecordError>) {}

    /// With [`Batch::second`]: the second policy's reading of the record
    /// about to be handed over, and its decision (the engine decides both
    /// policies, a batch at a time); after [`Sink::other`].
    fn other_decided(&mut self, _row: usize, _read: Result<(&[Datum], &Decision), &RecordError>) {}

    /// Whether the sink counts what each part of the policy did over the
    /// leads (coverage): the columnar engine then keeps, for every
    /// disqualifier, score entry and rule, the leads it fired on and those
    /// it decided, and hands them over with [`Sink::lanes`].
    fn watches(&self) -> bool {
        false
    }

    /// Only when [`Sink::watches`]: after a batch's records were handed
    /// over, the batch's lanes (the `i`-th record [`Sink::decided`]
    /// received in the batch is lane `i`), with each item's masks
    /// ([`Lanes::item`]).
    fn lanes(&mut self, _lanes: &Lanes) {}

    /// `records` more records were read (decided or not): for progress
    /// bars. Called per record on one thread, per block on workers.
    #[inline]
    fn advanced(&mut self, _records: usize) {}

    /// A record and its decision.
    fn decided(&mut self, record: Record<'_>, decision: &Decision) -> Result<Flow, Self::Error>;

    /// A record that could not be read (its row numbered across inputs),
    /// with the text of the carried columns it had.
    fn unreadable(&mut self, error: RecordError, carried: &[String]) -> Result<Flow, Self::Error>;

    /// The lines this sink writes, when the engine may format them itself
    /// on worker threads (then [`Sink::write_lines`] receives them instead
    /// of [`Sink::decided`] and [`Sink::unreadable`]); `None` (the
    /// default) keeps every record on the sink.
    fn lines(&self) -> Option<Lines<'_>> {
        None
    }

    /// Formatted lines, in input order (only when [`Sink::lines`] is
    /// given). Lines are formatted by [`parallel::run`].
    fn write_lines(&mut self, _bytes: &[u8]) -> Result<(), Self::Error> {
        Ok(())
    }

    /// With [`Lines::explain`] and CSV lines: the traces of the read
    /// records among the lines about to be written
    /// ([`Sink::write_lines`]), in order, each as `row N:` and then its
    /// lines ([`crate::explain::render`]) indented by two spaces.
    fn explained(&mut self, _text: &str) -> Result<(), Self::Error> {
        Ok(())
    }

    /// The records of the lines about to be written
    /// ([`Sink::write_lines`]) that could not be read, in order, each
    /// already among those lines as its `error` outcome (for an error
    /// report; the default keeps nothing).
    fn unreadable_lines(&mut self, _errors: &[RecordError]) -> Result<(), Self::Error> {
        Ok(())
    }

    /// With lines on worker threads: how many more unreadable records
    /// the sink takes before the run stops (`lq eval --max-errors`), as
    /// [`Sink::unreadable`] stops it record by record; the lines after the
    /// last one taken are not written. `None` (the default): no limit.
    fn unreadable_left(&self) -> Option<usize> {
        None
    }
}

/// A sink that keeps nothing: the [`Tally`] the run returns is the
/// result (the REPL's `:run`, a quick count of a file's tiers).
#[derive(Clone, Copy, Debug, Default)]
pub struct CountOnly;

impl Sink for CountOnly {
    type Error = std::convert::Infallible;

    fn decided(&mut self, _: Record<'_>, _: &Decision) -> Result<Flow, Self::Error> {
        Ok(Flow::Go)
    }

    fn unreadable(&mut self, _: RecordError, _: &[String]) -> Result<Flow, Self::Error> {
        Ok(Flow::Go)
    }
}

/// Why a batch stopped early.
#[derive(Debug)]
pub enum Failed<E> {
    /// An input could not be read (not a bad record: those are
    /// [`Sink::unreadable`]).
    Data(DataError),
    /// The sink failed.
    Sink(E),
}

/// A batch run's settings.
#[derive(Clone, Copy, Debug)]
pub struct Batch<'p> {
    /// The policy.
    pub policy: &'p Policy,
    /// The evaluation date (days since 1970-01-01).
    pub as_of: i32,
    /// Worker threads for sinks that take lines (1: all on this thread).
    pub threads: usize,
    /// A second policy, decided on the readers' second reading
    /// ([`RecordReader::also`]) for [`Sink::other_decided`].
    pub second: Option<&'p Policy>,
    /// The CSV text the reading thread hands each worker at a time
    /// ([`parallel::BLOCK_BYTES`] unless set).
    pub block_bytes: usize,
}

impl<'p> Batch<'p> {
    /// A batch on one thread.
    pub fn new(policy: &'p Policy, as_of: i32) -> Batch<'p> {
        Batch {
            policy,
            as_of,
            threads: 1,
            second: None,
            block_bytes: parallel::BLOCK_BYTES,
        }
    }

    /// The same batch deciding `policy` too, on the second reading of
    /// readers that read for two policies (`lq diff`).
    pub fn second(self, policy: &'p Policy) -> Batch<'p> {
        Batch {
            second: Some(policy),
            ..self
        }
    }

    /// The same batch handing workers blocks of at least `bytes` of CSV
    /// text (smaller blocks: less memory in flight, more hand-overs).
    pub fn block_bytes(self, bytes: usize) -> Batch<'p> {
        Batch {
            block_bytes: bytes.max(1),
            ..self
        }
    }

    /// The same batch on `threads` workers (for sinks that take lines).
    pub fn threads(self, threads: usize) -> Batch<'p> {
        Batch {
            threads: threads.max(1),
            ..self
        }
    }

    /// Runs every record of every reader, in order, into `sink`; the
    /// counts of what was decided. Rows are numbered from 1 across the
    /// readers, as if they were one input.
    pub fn run<'r, S: Sink>(
        &self,
        readers: impl IntoIterator<Item = RecordReader<'r>>,
        sink: &mut S,
    ) -> Result<Tally, Failed<S::Error>> {
        let plan = &self.policy.compiled;
        let mut tally = Tally::for_tiers(&self.policy.checked().tiers);
        let mut row_offset = 0;
        let mut record = Vec::new();
        let mut decision = Decision::default();
        let mut columnar = None;
        let mut pending = lanes::Pending::default();
        // The lines the sink lets the workers format, when there are
        // workers: asked once, for every input.
        let lines = sink
            .lines()
            .filter(|_| self.threads > 1)
            .map(|l| (l.format, l.columns.clone(), l.explain));
        for mut reader in readers {
            if let (Some((format, columns, explain)), Some(layout)) = (&lines, reader.layout()) {
                let setup = parallel::Setup {
                    policy: self.policy,
                    layout,
                    format: *format,
                    columns,
                    as_of: self.as_of,
                    block_bytes: self.block_bytes,
                    explain: *explain,
                };
                let ran = parallel::run(&setup, &mut reader, self.threads, row_offset, |done| {
                    // The block up to the last unreadable record the sink
                    // takes, or all of it.
                    let (records, unreadable, bytes) = match sink.unreadable_left() {
                        Some(left) => done.through_unreadable(left),
                        None => (done.statuses.len(), done.errors.len(), done.bytes.len()),
                    };
                    let statuses = done.statuses.get(..records).unwrap_or(&done.statuses);
                    for (status, tier) in statuses {
                        tally.add_indexed(*status, *tier);
                    }
                    sink.advanced(statuses.len());
                    sink.unreadable_lines(done.errors.get(..unreadable).unwrap_or(&done.errors))?;
                    if *explain {
                        sink.explained(done.explained_through(records))?;
                    }
                    sink.write_lines(done.bytes.get(..bytes).unwrap_or(&done.bytes))?;
                    Ok(match sink.unreadable_left() {
                        Some(0) => Flow::Stop,
                        _ => Flow::Go,
                    })
                })
                .map_err(|f| match f {
                    parallel::Failure::Data(e) => Failed::Data(e),
                    parallel::Failure::Sink(e) => Failed::Sink(e),
                })?;
                row_offset += ran.rows;
                tally.workers = tally.workers.max(ran.workers);
                if ran.stopped {
                    tally.stopped = true;
                    return Ok(tally);
                }
                continue;
            }
            if sink.columnar() {
                let engine = columnar.get_or_insert_with(|| {
                    (
                        Columnar::new(plan),
                        self.second.map(|p| Columnar::new(&p.compiled)),
                    )
                });
                let mut last_row = 0;
                let (first, second) = (&engine.0, engine.1.as_ref());
                loop {
                    let more = pending.fill(&mut reader, first);
                    if more {
                        last_row = pending.last_row().unwrap_or(last_row);
                        let flow = pending
                            .deliver(first, second, self.as_of, row_offset, &mut tally, sink)?;
                        if flow == Flow::Stop {
                            tally.stopped = true;
                            return Ok(tally);
                        }
                    }
                    if let Some(e) = pending.failure() {
                        return Err(Failed::Data(e));
                    }
                    if !more {
                        break;
                    }
                }
                row_offset += last_row;
                continue;
            }
            let mut last_row = 0;
            while let Some(item) = reader.next_into(&mut record) {
                sink.advanced(1);
                let flow = match item.map_err(Failed::Data)? {
                    Ok(row) => {
                        last_row = row;
                        if let Some(read) = reader.other() {
                            let read = read.map(|values| values.unwrap_or(&record));
                            sink.other(row_offset + row, read);
                            self.decide_second(row_offset + row, read, &mut decision, sink);
                        }
                        let record = Record {
                            row: row_offset + row,
                            values: &record,
                            carried: reader.carried(),
                        };
                        sink.decide(plan, record, self.as_of, &mut decision);
                        let (status, tier) = status_of(plan, &decision);
                        tally.add_indexed(status, tier);
                        sink.decided(record, &decision)
                    }
                    Err(mut e) => {
                        last_row = e.row;
                        e.row += row_offset;
                        if let Some(read) = reader.other() {
                            // A reading alike failed as the first did.
                            let read = read.map(|values| values.unwrap_or(&[]));
                            sink.other(e.row, read);
                            self.decide_second(e.row, read, &mut decision, sink);
                        }
                        tally.add_indexed(Status::Error, None);
                        sink.unreadable(e, reader.carried())
                    }
                };
                if flow.map_err(Failed::Sink)? == Flow::Stop {
                    tally.stopped = true;
                    return Ok(tally);
                }
            }
            row_offset += last_row;
        }
        Ok(tally)
    }
}

impl Batch<'_> {
    /// The row loop's [`Sink::other_decided`]: the second policy's
    /// decision of a record's second reading.
    fn decide_second<S: Sink>(
        &self,
        row: usize,
        read: Result<&[Datum], &RecordError>,
        decision: &mut Decision,
        sink: &mut S,
    ) {
        let Some(second) = self.second else {
            return;
        };
        match read {
            Ok(values) => {
                decide_into(&second.compiled, values, self.as_of, decision);
                sink.other_decided(row, Ok((values, decision)));
            }
            Err(e) => sink.other_decided(row, Err(e)),
        }
    }
}

/// A decision's status and the index of its tier.
#[inline]
pub fn status_of(plan: &Compiled, d: &Decision) -> (Status, Option<usize>) {
    if !d.disqualified_by.is_empty() {
        return (Status::Disqualified, None);
    }
    match d.rule.and_then(|r| plan.rules.get(r)) {
        Some(rule) => (Status::Qualified, Some(rule.tier)),
        None => (Status::Unmatched, None),
    }
}
