//! `lq diff OLD NEW DATA...`: what a change to a policy does to the same
//! records — which leads move between classes, and (with `--outcome`)
//! whether they convert — in one pass over the data.

use std::io::{BufWriter, Write};

use lq::batch::{Batch, Failed, Flow, Record, Sink};
use lq::data::{DataError, ReadOptions, RecordError, RecordReader};
use lq::eval::outcome::key_of;
use lq::eval::{decide_into, Datum, Decision};
use lq::insight::diff::{Diff, Verdict};
use lq::insight::moved::MovedWriter;
use lq::insight::OutcomeSpec;
use lq::Policy;

use super::atomic::{overwrites_input, AtomicFile};
use super::common::{load_checked, parse_outcome};
use super::input::open_counted;
use super::progress::Progress;
use super::render::Style;
use super::Exit;

/// How `lq diff` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Tables for people.
    Human,
    /// One JSON object.
    Json,
    /// Markdown tables, for a pull-request comment or a CI job summary.
    Markdown,
}

/// Arguments of `lq diff`.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  lq diff old.lq examples/inbound-saas.lq examples/data/inbound-leads.csv --as-of 2026-11-23\n  lq diff main.lq policy.lq leads.csv --outcome Converted --format markdown --moved moved.csv"
)]
pub struct Args {
    /// The policy as it was.
    old: String,
    /// The policy as changed (its schema may differ).
    new: String,
    /// Data files (CSV, NDJSON or JSON); `-` reads stdin.
    #[arg(required = true)]
    data: Vec<String>,
    /// Input format, when the file name does not tell.
    #[arg(long, value_enum)]
    input_format: Option<lq::data::InputFormat>,
    #[command(flatten)]
    as_of: crate::cli::common::AsOf,
    /// What happened to each lead, from a raw column: `Converted`
    /// (1/true/yes/y vs 0/false/no/n) or `Stage=Won|Closed Won`; adds the
    /// conversion of each cell and class.
    #[arg(long, value_name = "SPEC", value_parser = parse_outcome)]
    outcome: Option<OutcomeSpec>,
    /// human, json, or markdown (for a pull-request comment).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write the leads that changed class to FILE (CSV if it ends in .csv,
    /// else NDJSON): row, key, old and new class, score, rule and route.
    #[arg(long, value_name = "FILE")]
    moved: Option<String>,
    /// Exit 1 when any lead changed class.
    #[arg(long)]
    fail_on_change: bool,
}

/// Runs `lq diff`.
pub fn run(args: Args, style: &Style) -> Exit {
    let old = match load_checked(&args.old, style) {
        Ok(policy) => policy,
        Err(exit) => return exit,
    };
    let new = match load_checked(&args.new, style) {
        Ok(policy) => policy,
        Err(exit) => return exit,
    };
    if let Some(path) = &args.moved {
        let inputs: Vec<String> = args.data.iter().chain([&args.new]).cloned().collect();
        if let Some(problem) = overwrites_input("--moved", path, &args.old, &inputs) {
            errln!("error: {problem}");
            return Exit::Usage;
        }
    }
    let progress = Progress::for_inputs(&args.data);
    let readers = match open_both(
        &old,
        &new,
        &args.data,
        args.input_format,
        args.outcome.as_ref(),
        &progress,
    ) {
        Ok(readers) => readers,
        Err(e) => {
            style.eprint(&e, None);
            return Exit::Usage;
        }
    };
    let moved_path = args.moved.as_deref().unwrap_or("--moved");
    let write_failed = |e: std::io::Error| {
        style.eprint(&DataError::write(moved_path, &e), None);
        Exit::Usage
    };
    let (moved_file, moved) = match args.moved.as_deref().map(open_moved).transpose() {
        Ok(opened) => opened.unzip(),
        Err(e) => return write_failed(e),
    };
    let compared = compare(
        (&old, &new),
        readers,
        args.as_of.date(),
        args.outcome.as_ref(),
        moved,
        progress,
    );
    let (diff, moved) = match compared {
        Ok(done) => done,
        Err(Failed::Data(e)) => {
            style.eprint(&e, None);
            return Exit::Usage;
        }
        Err(Failed::Sink(e)) => return write_failed(e),
    };
    if let (Some(writer), Some(file)) = (moved, moved_file) {
        if let Err(e) = writer.finish().and_then(|_| file.commit()) {
            return write_failed(e);
        }
    }
    match args.format {
        Format::Human => out!("{}", diff.render(args.outcome.as_ref(), false)),
        Format::Markdown => out!("{}", diff.render(args.outcome.as_ref(), true)),
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&diff.json(args.outcome.as_ref())).unwrap_or_default()
        ),
    }
    if args.fail_on_change && diff.changed > 0 {
        errln!("{} leads changed class (--fail-on-change)", diff.changed);
        return Exit::Failure;
    }
    Exit::Success
}

/// `--moved FILE`: the file, written atomically, and the writer of the
/// moved leads into it (CSV when the name ends in `.csv`, else NDJSON).
fn open_moved(path: &str) -> std::io::Result<(AtomicFile, MovedWriter<BufWriter<std::fs::File>>)> {
    let file = AtomicFile::create(path)?;
    let csv = path.to_ascii_lowercase().ends_with(".csv");
    let writer = MovedWriter::new(BufWriter::new(file.file().try_clone()?), csv)?;
    Ok((file, writer))
}

/// Runs OLD over `readers` through the batch engine and NEW on each
/// record as it is read; the diff, and the `--moved` writer back.
pub fn compare<'p, W: Write>(
    (old, new): (&'p Policy, &'p Policy),
    readers: Vec<RecordReader<'p>>,
    as_of: i32,
    outcome: Option<&'p OutcomeSpec>,
    moved: Option<MovedWriter<W>>,
    progress: Progress,
) -> Result<(Diff<'p>, Option<MovedWriter<W>>), Failed<std::io::Error>> {
    let mut sink = Diffing {
        diff: Diff::new(old, new),
        new,
        as_of,
        outcome,
        new_decision: Decision::default(),
        new_read: false,
        new_key: serde_json::Value::Null,
        moved,
        progress,
    };
    Batch::new(old, as_of).run(readers, &mut sink)?;
    sink.progress.finish();
    Ok((sink.diff, sink.moved))
}

/// Opens every input once, read for OLD and for NEW: a column either
/// policy needs that the data lacks makes that side's records errors.
pub fn open_both<'p>(
    old: &'p Policy,
    new: &'p Policy,
    paths: &[String],
    forced: Option<lq::data::InputFormat>,
    outcome: Option<&OutcomeSpec>,
    progress: &Progress,
) -> Result<Vec<RecordReader<'p>>, DataError> {
    let mut readers = Vec::with_capacity(paths.len());
    for path in paths {
        let (input, format) = open_counted(path, forced, progress)?;
        let mut reader =
            RecordReader::lenient(old.checked(), input, format, path, ReadOptions::default())?;
        reader.also(new.checked());
        if let Some(spec) = outcome {
            reader.carry(std::slice::from_ref(&spec.column))?;
            reader.require_first(&spec.column);
        }
        readers.push(reader);
    }
    Ok(readers)
}

/// The batch sink of `lq diff`: OLD decides through the engine, NEW on the
/// same record as it is read.
struct Diffing<'p, W: Write> {
    diff: Diff<'p>,
    new: &'p Policy,
    as_of: i32,
    outcome: Option<&'p OutcomeSpec>,
    /// NEW's verdict on the record being compared.
    new_decision: Decision,
    new_read: bool,
    /// NEW's key of the record (the row when NEW has none), for `--moved`.
    new_key: serde_json::Value,
    moved: Option<MovedWriter<W>>,
    progress: Progress,
}

impl<W: Write> Diffing<'_, W> {
    fn compare(&mut self, row: usize, old: Verdict<'_>, carried: &[String]) -> std::io::Result<()> {
        let known = self
            .outcome
            .and_then(|spec| spec.read(carried.first().map_or("", String::as_str)));
        let new = if self.new_read {
            Verdict::Decided(&self.new_decision)
        } else {
            Verdict::Unreadable
        };
        if self.diff.add(old, new, known) {
            if let Some(moved) = self.moved.as_mut() {
                let (old, new) = self.diff.describe(old, new);
                let key = match &self.new_key {
                    serde_json::Value::Null => serde_json::Value::from(row),
                    key => key.clone(),
                };
                moved.write(row, &key, &old, &new)?;
            }
        }
        Ok(())
    }
}

impl<W: Write> Sink for Diffing<'_, W> {
    type Error = std::io::Error;

    fn other(&mut self, _row: usize, read: Result<&[Datum], &RecordError>) {
        match read {
            Ok(values) => {
                decide_into(
                    &self.new.compiled,
                    values,
                    self.as_of,
                    &mut self.new_decision,
                );
                self.new_read = true;
                if self.moved.is_some() {
                    self.new_key = key_of(self.new.checked(), values)
                        .map_or(serde_json::Value::Null, |(_, v)| v);
                }
            }
            Err(e) => {
                self.new_read = false;
                self.new_key = e.key.clone().unwrap_or(serde_json::Value::Null);
            }
        }
    }

    #[inline]
    fn advanced(&mut self, records: usize) {
        self.progress.records(records);
    }

    fn decided(&mut self, record: Record<'_>, d: &Decision) -> Result<Flow, Self::Error> {
        self.compare(record.row, Verdict::Decided(d), record.carried)?;
        Ok(Flow::Go)
    }

    fn unreadable(&mut self, e: RecordError, carried: &[String]) -> Result<Flow, Self::Error> {
        self.compare(e.row, Verdict::Unreadable, carried)?;
        Ok(Flow::Go)
    }
}
