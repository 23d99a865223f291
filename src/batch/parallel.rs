//! The batch engine on threads (`lq eval --threads N`): a pipeline that
//! keeps input order. One thread
//! reads raw CSV records in chunks; N workers convert them, decide each
//! chunk with the columnar engine and format the outcomes into bytes; the caller writes the chunks back in order. Memory stays
//! bounded: at most a few chunks are in flight.

use std::collections::BTreeMap;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};

use crate::data::fast::DecisionWriter;
use crate::data::writer::outcome_line;
use crate::data::{Columns, CsvLayout, DataError, OutputFormat, RecordReader};
use crate::eval::columnar::{Columnar, Lanes};
use crate::eval::{Datum, Decision, Outcome, Status};
use crate::Policy;

/// Records per chunk.
const CHUNK: usize = 4096;

/// The most CSV text a chunk holds: a chunk of large records ends early,
/// so the few chunks in flight keep memory flat.
const CHUNK_BYTES: usize = 4 << 20;

/// One raw record, and why it is not valid CSV when it is not.
#[derive(Default)]
struct Raw {
    record: csv::StringRecord,
    malformed: Option<crate::data::error::RecordProblem>,
}

/// A chunk of raw records; `len` of them are in use (the rest are kept
/// for their buffers).
struct Chunk {
    raws: Vec<Raw>,
    len: usize,
}

/// What a worker made of a chunk.
pub struct Done {
    /// The formatted lines.
    pub bytes: Vec<u8>,
    /// Each record's status and tier index, for the counts.
    pub statuses: Vec<(Status, Option<usize>)>,
}

/// What every worker needs.
pub struct Setup<'a> {
    /// The policy.
    pub policy: &'a Policy,
    /// Which CSV column feeds which field.
    pub layout: CsvLayout,
    /// CSV or NDJSON.
    pub format: OutputFormat,
    /// The columns of CSV output.
    pub columns: &'a Columns,
    /// The evaluation date.
    pub as_of: i32,
}

/// What a parallel run did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ran {
    /// The records read.
    pub rows: usize,
    /// The worker threads that started (the system may refuse some).
    pub workers: usize,
}

/// Evaluates every record of `reader` on `threads` workers, calling `sink`
/// with each chunk's result in input order.
pub fn run<E>(
    setup: &Setup<'_>,
    reader: &mut RecordReader<'_>,
    threads: usize,
    row_offset: usize,
    mut sink: impl FnMut(&Done) -> Result<(), E>,
) -> Result<Ran, Failure<E>> {
    let (work_tx, work_rx) = sync_channel::<(usize, usize, Chunk)>(threads * 2);
    let (recycle_tx, recycle_rx) = sync_channel::<Chunk>(threads * 4);
    let (done_tx, done_rx) = sync_channel::<(usize, Done)>(threads * 2);
    // Written chunks go back to the workers, so their buffers are reused
    // rather than allocated (and faulted in) for every chunk.
    let (spent_tx, spent_rx) = sync_channel::<Done>(threads * 4);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let spent_rx = Arc::new(Mutex::new(spent_rx));
    // `threads` workers, and a reader that mostly waits on the disk and the
    // CSV parser.
    let workers = threads.max(1);
    std::thread::scope(|scope| {
        // The system may refuse threads (a process or memory limit): go on
        // with those that started, and fail cleanly if none did.
        let mut started = 0;
        for _ in 0..workers {
            let work_rx = Arc::clone(&work_rx);
            let done_tx = done_tx.clone();
            let recycle_tx = recycle_tx.clone();
            let spent_rx = Arc::clone(&spent_rx);
            let spawned = std::thread::Builder::new().spawn_scoped(scope, move || {
                worker(setup, &work_rx, &done_tx, &recycle_tx, &spent_rx)
            });
            if spawned.is_err() {
                break;
            }
            started += 1;
        }
        drop(done_tx);
        drop(recycle_tx);
        // Reads on another thread; writes here, in input order.
        let reading = if started == 0 {
            None
        } else {
            std::thread::Builder::new()
                .spawn_scoped(scope, move || {
                    let read = read_chunks(reader, row_offset, &recycle_rx, |chunk| {
                        work_tx.send(chunk).is_ok()
                    });
                    drop(work_tx);
                    read
                })
                .ok()
        };
        let Some(reading) = reading else {
            return Err(Failure::Data(DataError::io(
                "the input",
                &std::io::Error::other("the system refused to start a thread; try --threads 1"),
            )));
        };
        let mut pending: BTreeMap<usize, Done> = BTreeMap::new();
        let mut next = 0;
        let mut written = Ok(());
        for (seq, done) in done_rx {
            if written.is_err() {
                continue;
            }
            pending.insert(seq, done);
            while let Some(mut done) = pending.remove(&next) {
                if let Err(e) = sink(&done) {
                    written = Err(e);
                    break;
                }
                done.bytes.clear();
                done.statuses.clear();
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
        let rows = read.map_err(Failure::Data)?;
        written.map_err(Failure::Sink)?;
        Ok(Ran {
            rows,
            workers: started,
        })
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

fn read_chunks(
    reader: &mut RecordReader<'_>,
    row_offset: usize,
    recycled: &Receiver<Chunk>,
    mut send: impl FnMut((usize, usize, Chunk)) -> bool,
) -> Result<usize, DataError> {
    let (mut seq, mut rows) = (0, 0);
    loop {
        let mut chunk = recycled.try_recv().unwrap_or_else(|_| Chunk {
            raws: Vec::with_capacity(CHUNK),
            len: 0,
        });
        chunk.len = 0;
        let mut bytes = 0;
        while chunk.len < CHUNK && bytes < CHUNK_BYTES {
            if chunk.raws.len() == chunk.len {
                chunk.raws.push(Raw::default());
            }
            let raw = &mut chunk.raws[chunk.len];
            match reader.next_raw(&mut raw.record) {
                None => break,
                Some(Err(e)) => return Err(e),
                Some(Ok(result)) => raw.malformed = result.err(),
            }
            bytes += raw.record.as_slice().len();
            chunk.len += 1;
        }
        if chunk.len == 0 {
            return Ok(rows);
        }
        let first_row = row_offset + rows + 1;
        rows += chunk.len;
        if !send((seq, first_row, chunk)) {
            return Ok(rows);
        }
        seq += 1;
    }
}

fn worker(
    setup: &Setup<'_>,
    work: &Mutex<Receiver<(usize, usize, Chunk)>>,
    done: &std::sync::mpsc::SyncSender<(usize, Done)>,
    recycle: &std::sync::mpsc::SyncSender<Chunk>,
    spent: &Mutex<Receiver<Done>>,
) {
    let Setup {
        policy,
        layout,
        format,
        columns,
        as_of,
    } = setup;
    let (format, as_of) = (*format, *as_of);
    let plan = &policy.compiled;
    let lines = DecisionWriter::new(plan, format == OutputFormat::Ndjson, columns);
    let engine = Columnar::new(plan);
    let mut lanes = Lanes::default();
    // The chunk's converted records (lane `i` is `rows[i]`), each raw
    // record's carried columns, and each one's lane or error.
    let mut rows: Vec<Vec<Datum>> = Vec::new();
    let mut carried: Vec<Vec<String>> = Vec::new();
    let mut read: Vec<Result<usize, crate::data::RecordError>> = Vec::new();
    let mut decision = Decision::default();
    loop {
        let next = match work.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok((seq, first_row, chunk)) = next else {
            return;
        };
        let reused = spent.lock().ok().and_then(|rx| rx.try_recv().ok());
        let Done {
            mut bytes,
            mut statuses,
        } = reused.unwrap_or_else(|| Done {
            bytes: Vec::with_capacity(chunk.len * 64),
            statuses: Vec::with_capacity(chunk.len),
        });
        let raws = &chunk.raws[..chunk.len];
        carried.resize_with(raws.len().max(carried.len()), Vec::new);
        read.clear();
        let mut len = 0;
        for (i, raw) in raws.iter().enumerate() {
            let row = first_row + i;
            layout.carried_into(&raw.record, &mut carried[i]);
            if rows.len() == len {
                rows.push(Vec::new());
            }
            let converted = match &raw.malformed {
                None => layout
                    .convert(plan.policy_ref(), &raw.record, row, &mut rows[len])
                    .map(|_| len),
                Some(problem) => Err(crate::data::RecordError {
                    row,
                    key: None,
                    problems: vec![problem.clone()],
                }),
            };
            len += usize::from(converted.is_ok());
            read.push(converted);
        }
        engine.run(&rows[..len], as_of, &mut lanes);
        for (i, converted) in read.iter().enumerate() {
            let row = first_row + i;
            let carried = &carried[i];
            match converted {
                Ok(lane) => {
                    let values = &rows[*lane];
                    lanes.decision_into(*lane, &mut decision);
                    statuses.push(super::status_of(plan, &decision));
                    if !lines.write(&mut bytes, row, values, &decision, plan, carried) {
                        let mut o = Outcome::from_decision(plan, row, values, &decision);
                        columns.carry_into(&mut o, carried);
                        let _ = outcome_line(format, columns, &o, &mut bytes);
                    }
                }
                Err(e) => {
                    statuses.push((Status::Error, None));
                    let mut o =
                        Outcome::error(plan.policy_ref(), e.row, e.key.clone(), e.messages());
                    columns.carry_into(&mut o, carried);
                    let _ = outcome_line(format, columns, &o, &mut bytes);
                }
            }
        }
        let _ = recycle.try_send(chunk);
        if done.send((seq, Done { bytes, statuses })).is_err() {
            return;
        }
    }
}
