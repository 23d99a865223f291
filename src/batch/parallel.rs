//! The batch engine on threads (`lq eval --threads N`): a pipeline that
//! keeps input order. One thread cuts the text into blocks of whole
//! records: for CSV, the record guard ([`crate::data::bounded::CsvGuard`])
//! already finds every record's end by the parser's quoting rules, with a
//! scan that jumps from quote to quote, so cutting costs a fraction of
//! parsing; for NDJSON, a block is whole lines
//! ([`crate::data::bounded::BoundedLines::next_block`]). N workers each
//! parse their own block, take its first row number from the block before
//! (known once that block is parsed, so the workers wait on each other
//! only for a count), decide the records with the columnar engine and
//! format the outcomes into bytes; the caller writes the blocks back in
//! order. Memory stays bounded: at most a few blocks are in flight.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Condvar, Mutex};

use crate::check::tir::CheckedPolicy;
use crate::data::bounded::{block_lines, LongLines, TextBlock};
use crate::data::error::{RecordError, RecordProblem};
use crate::data::fast::DecisionWriter;
use crate::data::reader::csv_message;
use crate::data::reader::JsonReading;
use crate::data::writer::outcome_line;
use crate::data::{Columns, DataError, Layout, OutputFormat, RecordReader};
use crate::eval::columnar::{Columnar, Lanes};
use crate::eval::{Datum, Decision, Outcome, Status};
use crate::Policy;

use super::Flow;

/// The CSV text a block holds at least (unless the input ends), by
/// default: a block ends at the first record end past it. 128 KiB (about
/// 1,800 records of the benchmark's leads) keeps a block, its records and
/// its columns within a core's 1 MiB second-level cache, and hands a
/// block to a worker a quarter as often as 32 KiB did: with 32 KiB
/// blocks two threads ran 1.65 times as fast as one, with 128 KiB 1.82
/// times (handing blocks over cost a tenth more CPU time).
pub const BLOCK_BYTES: usize = 128 << 10;

/// With traces (`--explain`), a block holds [`Setup::block_bytes`]
/// divided by this: a record's line and trace are about twenty times its
/// text, so a block's output stays about the size of an untraced block's,
/// and so does the memory of the blocks in flight.
const TRACED_SHARE: usize = 16;

/// One parsed record, and why it is not a record when it is not.
#[derive(Default)]
struct Raw {
    record: csv::StringRecord,
    malformed: Option<RecordProblem>,
}

/// What a worker made of a block.
#[derive(Default)]
pub struct Done {
    /// The formatted lines.
    pub bytes: Vec<u8>,
    /// Each record's status and tier index, for the counts.
    pub statuses: Vec<(Status, Option<usize>)>,
    /// The records that could not be read, in order (for an error
    /// report: [`super::Sink::unreadable_lines`]).
    pub errors: Vec<RecordError>,
    /// Where each record's line ends in `bytes`.
    pub ends: Vec<usize>,
    /// With [`Setup::explain`] and CSV lines: each read record's trace as
    /// `lq eval --explain` prints it beside CSV (`row N:`, then the
    /// trace's lines indented), in order.
    pub explained: String,
    /// Where each record's trace ends in `explained` (an unreadable
    /// record has none); empty without traces.
    pub explained_ends: Vec<usize>,
}

impl Done {
    /// The part of the block up to the record of its `nth` unreadable
    /// record (from 1): how many records, unreadable records and bytes
    /// that is; the whole block when it has fewer.
    pub fn through_unreadable(&self, nth: usize) -> (usize, usize, usize) {
        let at = self
            .statuses
            .iter()
            .enumerate()
            .filter(|(_, (status, _))| *status == Status::Error)
            .nth(nth.saturating_sub(1))
            .map(|(i, _)| i);
        match at {
            Some(i) if nth > 0 => (i + 1, nth, self.ends.get(i).copied().unwrap_or(0)),
            _ => (self.statuses.len(), self.errors.len(), self.bytes.len()),
        }
    }

    /// The traces of the block's first `records` records
    /// ([`Done::explained`]).
    pub fn explained_through(&self, records: usize) -> &str {
        let end = match records.checked_sub(1) {
            Some(last) => self.explained_ends.get(last).copied(),
            None => Some(0),
        };
        end.and_then(|end| self.explained.get(..end))
            .unwrap_or(&self.explained)
    }

    /// Empties the block for reuse, keeping its buffers up to
    /// [`KEPT_BYTES`] each (a block's lines with traces, `--explain`, are
    /// about twenty times its text: blocks waiting to be reused do not
    /// hold on to that much).
    fn clear(&mut self) {
        self.bytes.clear();
        self.bytes.shrink_to(KEPT_BYTES);
        self.statuses.clear();
        self.errors.clear();
        self.ends.clear();
        self.explained.clear();
        self.explained.shrink_to(KEPT_BYTES);
        self.explained_ends.clear();
    }
}

/// The most buffer a written block keeps for reuse.
const KEPT_BYTES: usize = 1 << 20;

/// What every worker needs.
pub struct Setup<'a> {
    /// The policy.
    pub policy: &'a Policy,
    /// How a block's records are read (CSV or NDJSON).
    pub layout: Layout,
    /// CSV or NDJSON.
    pub format: OutputFormat,
    /// The columns of CSV output.
    pub columns: &'a Columns,
    /// The evaluation date.
    pub as_of: i32,
    /// The text each block holds at least ([`BLOCK_BYTES`]); with
    /// traces, a sixteenth of it (`--explain` lines are long).
    pub block_bytes: usize,
    /// Each read record's trace ([`super::Lines::explain`]): in its
    /// NDJSON line, or in [`Done::explained`] beside CSV lines.
    pub explain: bool,
}

/// What a parallel run did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ran {
    /// The records read.
    pub rows: usize,
    /// The worker threads that started (the system may refuse some).
    pub workers: usize,
    /// The sink stopped the run ([`Flow::Stop`]).
    pub stopped: bool,
}

/// Evaluates every record of `reader` on `threads` workers, calling `sink`
/// with each block's result in input order.
pub fn run<E>(
    setup: &Setup<'_>,
    reader: &mut RecordReader<'_>,
    threads: usize,
    row_offset: usize,
    mut sink: impl FnMut(&Done) -> Result<Flow, E>,
) -> Result<Ran, Failure<E>> {
    let (work_tx, work_rx) = sync_channel::<(usize, TextBlock)>(threads * 2);
    let (recycle_tx, recycle_rx) = sync_channel::<TextBlock>(threads * 4);
    let (done_tx, done_rx) = sync_channel::<(usize, Done)>(threads * 2);
    // Written blocks go back to the workers, so their buffers are reused
    // rather than allocated (and faulted in) for every block.
    let (spent_tx, spent_rx) = sync_channel::<Done>(threads * 4);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let spent_rx = Arc::new(Mutex::new(spent_rx));
    let chain = RowChain::new(row_offset);
    // Set when the sink stops or fails: the reader hands out no more blocks.
    let stop = AtomicBool::new(false);
    let stop = &stop;
    let mut stopped = false;
    // `threads` workers, and a reader that mostly waits on the disk.
    let workers = threads.max(1);
    let (ran, rows) = std::thread::scope(|scope| {
        // The system may refuse threads (a process or memory limit): go on
        // with those that started, and fail cleanly if none did.
        let mut started = 0;
        for _ in 0..workers {
            let work_rx = Arc::clone(&work_rx);
            let done_tx = done_tx.clone();
            let recycle_tx = recycle_tx.clone();
            let spent_rx = Arc::clone(&spent_rx);
            let chain = &chain;
            let spawned = std::thread::Builder::new().spawn_scoped(scope, move || {
                let _abandon = Abandon(chain);
                worker(setup, chain, &work_rx, &done_tx, &recycle_tx, &spent_rx)
            });
            if spawned.is_err() {
                break;
            }
            started += 1;
        }
        drop(done_tx);
        drop(recycle_tx);
        // Reads on another thread; writes here, in input order.
        // A line with its trace is about twenty times its record's text:
        // blocks of less text hold as much.
        let share = if setup.explain { TRACED_SHARE } else { 1 };
        let block_bytes = (setup.block_bytes / share).max(1);
        let reading = if started == 0 {
            None
        } else {
            std::thread::Builder::new()
                .spawn_scoped(scope, move || {
                    let read = read_blocks(reader, block_bytes, &recycle_rx, |block| {
                        !stop.load(Ordering::Relaxed) && work_tx.send(block).is_ok()
                    });
                    drop(work_tx);
                    read
                })
                .ok()
        };
        let Some(reading) = reading else {
            return (
                Err(Failure::Data(DataError::io(
                    "the input",
                    &std::io::Error::other("the system refused to start a thread; try --threads 1"),
                ))),
                None,
            );
        };
        let mut pending: BTreeMap<usize, Done> = BTreeMap::new();
        let mut next = 0;
        let mut written = Ok(());
        for (seq, done) in done_rx {
            // After a failure or a stop, the blocks in flight are let
            // through unwritten, and the reader hands out no more.
            if written.is_err() || stopped {
                continue;
            }
            pending.insert(seq, done);
            while let Some(mut done) = pending.remove(&next) {
                match sink(&done) {
                    Ok(Flow::Go) => {}
                    Ok(Flow::Stop) => {
                        stopped = true;
                        stop.store(true, Ordering::Relaxed);
                        break;
                    }
                    Err(e) => {
                        written = Err(e);
                        stop.store(true, Ordering::Relaxed);
                        break;
                    }
                }
                done.clear();
                let _ = spent_tx.try_send(done);
                next += 1;
            }
        }
        let read = reading.join().unwrap_or_else(|_| {
            Err(DataError::io(
                "the input",
                &std::io::Error::other("the reader stopped"),
            ))
        });
        let rows = chain.rows();
        // A stopped run has read what it wanted: a failure to read past
        // that point, as one thread would never have met it, is not one.
        let read = if stopped { Ok(()) } else { read };
        let ran = read.map_err(Failure::Data).and_then(|()| {
            written.map_err(Failure::Sink)?;
            Ok(started)
        });
        (ran, rows)
    });
    let workers = ran?;
    let Some(rows) = rows else {
        return Err(Failure::Data(DataError::io(
            "the input",
            &std::io::Error::other("a worker thread stopped; try --threads 1"),
        )));
    };
    Ok(Ran {
        rows: rows - row_offset,
        workers,
        stopped,
    })
}

/// Why the pipeline stopped.
#[derive(Debug)]
pub enum Failure<E> {
    /// The input could not be read.
    Data(DataError),
    /// The sink failed (an output that could not be written).
    Sink(E),
}

/// The rows before each block, handed from block to block: a block's
/// first row is known once every block before it has been parsed.
struct RowChain {
    state: Mutex<Chained>,
    turn: Condvar,
}

struct Chained {
    /// The block whose turn it is to count its records.
    next: usize,
    /// The rows counted so far (from the input's row offset).
    rows: usize,
    /// A worker stopped with its block uncounted: no later block can be.
    broken: bool,
}

impl RowChain {
    fn new(row_offset: usize) -> Self {
        RowChain {
            state: Mutex::new(Chained {
                next: 0,
                rows: row_offset,
                broken: false,
            }),
            turn: Condvar::new(),
        }
    }

    /// Counts block `seq`'s `records` after every block before it: the row
    /// before its first record, or `None` when the chain is broken.
    fn claim(&self, seq: usize, records: usize) -> Option<usize> {
        let mut state = self.state.lock().ok()?;
        while state.next != seq && !state.broken {
            state = self.turn.wait(state).ok()?;
        }
        if state.broken {
            return None;
        }
        let before = state.rows;
        state.rows += records;
        state.next += 1;
        self.turn.notify_all();
        Some(before)
    }

    /// The rows counted, `None` when a worker stopped mid-block.
    fn rows(&self) -> Option<usize> {
        let state = self.state.lock().ok()?;
        (!state.broken).then_some(state.rows)
    }
}

/// Breaks the chain when a worker panics, so the others stop waiting.
struct Abandon<'a>(&'a RowChain);

impl Drop for Abandon<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Ok(mut state) = self.0.state.lock() {
                state.broken = true;
            }
            self.0.turn.notify_all();
        }
    }
}

fn read_blocks(
    reader: &mut RecordReader<'_>,
    block_bytes: usize,
    recycled: &Receiver<TextBlock>,
    mut send: impl FnMut((usize, TextBlock)) -> bool,
) -> Result<(), DataError> {
    let mut seq = 0;
    loop {
        let mut block = recycled.try_recv().unwrap_or_default();
        reader.next_block(&mut block, block_bytes)?;
        if block.bytes.is_empty() {
            return Ok(());
        }
        if !send((seq, block)) {
            return Ok(());
        }
        seq += 1;
    }
}

/// Parses a block's records into `raws` (their storage reused): how many.
fn parse_block(block: &mut TextBlock, delimiter: u8, raws: &mut Vec<Raw>) -> usize {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(block.bytes.as_slice());
    let mut len = 0;
    loop {
        if raws.len() == len {
            raws.push(Raw::default());
        }
        let raw = &mut raws[len];
        let at = csv.position().byte();
        match csv.read_record(&mut raw.record) {
            Ok(true) => raw.malformed = block.problems.take(raw.record.iter()),
            Ok(false) => return len,
            Err(e) => {
                raw.malformed = Some(RecordProblem::Malformed(csv_message(&e)));
                // A failure that read nothing would come again for ever;
                // a block in memory has none (no I/O), so this is a guard.
                if csv.position().byte() == at {
                    return len + 1;
                }
            }
        }
        len += 1;
    }
}

/// Where a block's records go as they are converted: lane `i` is
/// `rows[i]` (the first `len` in use), and each record's carried columns
/// and its lane or error, in order.
struct Converted<'a> {
    rows: &'a mut Vec<Vec<Datum>>,
    carried: &'a mut Vec<Vec<String>>,
    read: &'a mut Vec<Result<usize, RecordError>>,
    len: &'a mut usize,
}

/// Reads a block of NDJSON lines into `into`, numbering its records from
/// 1 (a too-long line in `long` is a record that could not be read; a
/// blank line is none): how many records.
fn json_block(
    reading: &mut JsonReading,
    policy: &CheckedPolicy,
    lines: &[u8],
    long: &LongLines,
    into: &mut Converted<'_>,
) -> usize {
    let mut long = long.iter().peekable();
    for (index, line) in block_lines(lines).enumerate() {
        let at = into.read.len();
        if into.carried.len() == at {
            into.carried.push(Vec::new());
        }
        if into.rows.len() == *into.len {
            into.rows.push(Vec::new());
        }
        let (carried, values) = (&mut into.carried[at], &mut into.rows[*into.len]);
        let row = at + 1;
        let read = match long.next_if(|(i, _)| *i == index) {
            Some((_, problem)) => {
                reading.carried_empty(carried);
                Err(RecordError::one(row, problem.clone()))
            }
            None => match reading.read_line(policy, line, row, carried, values) {
                Some(read) => read.map(|_| *into.len),
                None => continue,
            },
        };
        *into.len += usize::from(read.is_ok());
        into.read.push(read);
    }
    into.read.len()
}

fn worker(
    setup: &Setup<'_>,
    chain: &RowChain,
    work: &Mutex<Receiver<(usize, TextBlock)>>,
    done: &std::sync::mpsc::SyncSender<(usize, Done)>,
    recycle: &std::sync::mpsc::SyncSender<TextBlock>,
    spent: &Mutex<Receiver<Done>>,
) {
    let Setup {
        policy,
        layout,
        format,
        columns,
        as_of,
        explain,
        ..
    } = setup;
    let (format, as_of, explain) = (*format, *as_of, *explain);
    // With traces, an NDJSON line carries its trace (an outcome's line);
    // beside CSV lines, each trace goes to `Done::explained`.
    let traced_lines = explain && format == OutputFormat::Ndjson;
    let traced_beside = explain && !traced_lines;
    let plan = &policy.compiled;
    let lines = DecisionWriter::new(plan, format == OutputFormat::Ndjson, columns);
    let engine = Columnar::new(plan);
    let mut lanes = Lanes::default();
    // The block's parsed records; their converted values (lane `i` is
    // `rows[i]`), each record's carried columns, and each one's lane or
    // error.
    let mut raws: Vec<Raw> = Vec::new();
    let mut rows: Vec<Vec<Datum>> = Vec::new();
    let mut carried: Vec<Vec<String>> = Vec::new();
    let mut read: Vec<Result<usize, RecordError>> = Vec::new();
    let mut decision = Decision::default();
    // NDJSON: this worker's reading of lines.
    let mut json = None;
    loop {
        let next = match work.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok((seq, mut block)) = next else {
            return;
        };
        // CSV: the records are parsed here and converted once their rows
        // are known. NDJSON: each line is parsed and converted here, as if
        // the block's first record were row 1, its rows moved on below.
        read.clear();
        let mut len = 0;
        let count = match (layout, &mut json) {
            (Layout::Csv(csv), _) => parse_block(&mut block, csv.delimiter(), &mut raws),
            (Layout::Ndjson(layout), json) => {
                let (lines, long) = (&block.bytes, &block.long);
                let mut into = Converted {
                    rows: &mut rows,
                    carried: &mut carried,
                    read: &mut read,
                    len: &mut len,
                };
                let reading = json.get_or_insert_with(|| layout.reading());
                json_block(reading, plan.policy_ref(), lines, long, &mut into)
            }
        };
        let _ = recycle.try_send(block);
        let Some(before) = chain.claim(seq, count) else {
            return;
        };
        let first_row = before + 1;
        let reused = spent.lock().ok().and_then(|rx| rx.try_recv().ok());
        let mut out = reused.unwrap_or_else(|| Done {
            bytes: Vec::with_capacity(count * 64),
            statuses: Vec::with_capacity(count),
            ends: Vec::with_capacity(count),
            ..Done::default()
        });
        match layout {
            Layout::Csv(layout) => {
                let raws = &raws[..count];
                carried.resize_with(raws.len().max(carried.len()), Vec::new);
                engine.start_batch(raws.len(), &mut lanes);
                for (i, raw) in raws.iter().enumerate() {
                    let row = first_row + i;
                    // A broken record's text (its marker line) is not carried.
                    let whole = raw.malformed.is_none().then_some(&raw.record);
                    layout.carried_into(whole, &mut carried[i]);
                    if rows.len() == len {
                        rows.push(Vec::new());
                    }
                    let converted = match &raw.malformed {
                        None => layout
                            .convert(plan.policy_ref(), &raw.record, row, &mut rows[len])
                            .map(|_| len),
                        Some(problem) => Err(RecordError {
                            row,
                            key: None,
                            problems: vec![problem.clone()],
                        }),
                    };
                    if converted.is_ok() {
                        len += 1;
                        // Decoded into columns while it is in cache.
                        engine.decode_read(&rows[..len], &mut lanes);
                    }
                    read.push(converted);
                }
                engine.finish_batch(&rows[..len], &mut lanes);
            }
            Layout::Ndjson(_) => {
                for e in read.iter_mut().filter_map(|r| r.as_mut().err()) {
                    e.row += before;
                }
                engine.decode(&rows[..len], &mut lanes);
            }
        }
        engine.decide(&rows[..len], as_of, &mut lanes);
        for (i, converted) in read.iter().enumerate() {
            let row = first_row + i;
            let carried = &carried[i];
            let bytes = &mut out.bytes;
            match converted {
                Ok(lane) => {
                    let values = &rows[*lane];
                    lanes.decision_into(*lane, &mut decision);
                    out.statuses.push(super::status_of(plan, &decision));
                    if traced_lines || !lines.write(bytes, row, values, &decision, plan, carried) {
                        let mut o = Outcome::from_decision(plan, row, values, &decision);
                        columns.carry_into(&mut o, carried);
                        if traced_lines {
                            o.explain = Some(policy.trace(values, as_of));
                        }
                        let _ = outcome_line(format, columns, &o, bytes);
                    }
                    // Whichever path wrote the line (a date key, a cell
                    // escaped for a spreadsheet take the general one).
                    if traced_beside {
                        let trace = policy.trace(values, as_of);
                        crate::explain::render_row_into(&mut out.explained, policy, row, &trace);
                    }
                }
                Err(e) => {
                    out.statuses.push((Status::Error, None));
                    let mut o =
                        Outcome::error(plan.policy_ref(), e.row, e.key.clone(), e.messages());
                    columns.carry_into(&mut o, carried);
                    let _ = outcome_line(format, columns, &o, bytes);
                    out.errors.push(e.clone());
                }
            }
            out.ends.push(out.bytes.len());
            if explain {
                out.explained_ends.push(out.explained.len());
            }
        }
        if done.send((seq, out)).is_err() {
            return;
        }
    }
}
