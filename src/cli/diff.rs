//! `lq diff OLD NEW DATA...`: what a change to a policy does to the same
//! records — which leads move between classes, and (with `--outcome`)
//! whether they convert — in one pass over the data.

use std::io::{BufWriter, Write};

use lq::batch::Failed;
use lq::data::{DataError, ReadOptions, RecordReader};
use lq::insight::diff::Diff;
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

/// Runs OLD and NEW over `readers` with a progress bar; the diff, and the
/// `--moved` writer back.
pub fn compare<'p, W: Write>(
    policies: (&'p Policy, &'p Policy),
    readers: Vec<RecordReader<'p>>,
    as_of: i32,
    outcome: Option<&'p OutcomeSpec>,
    moved: Option<MovedWriter<W>>,
    mut progress: Progress,
) -> Result<(Diff<'p>, Option<MovedWriter<W>>), Failed<std::io::Error>> {
    let compared = lq::insight::diff::compare(policies, readers, as_of, outcome, moved, &mut |n| {
        progress.records(n)
    });
    progress.finish();
    compared
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
