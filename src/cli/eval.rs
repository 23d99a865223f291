//! `lq eval POLICY [DATA...]`: evaluate lead records against a policy.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};

use lq::batch::{Batch, Failed as BatchFailed, Flow, Lines, Record, Sink, Tally};
use lq::data::error_report::ErrorReport;
use lq::data::fast::DecisionWriter;
use lq::data::{
    Columns, DataError, OutcomeWriter, OutputFormat, ReadOptions, RecordError, RecordReader,
};
use lq::eval::{Decision, Outcome};
use lq::Policy;

use super::atomic::{overwrites_input, same_file, write_atomically, AtomicFile};
use super::common::read_policy;
use super::input::{open_counted, parse_delimiter};
use super::progress::Progress;
use super::render::Style;
use super::Exit;

/// Arguments of `lq eval`.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  lq eval examples/inbound-saas.lq examples/data/inbound-leads.csv\n  lq eval policy.lq leads.ndjson --format ndjson --as-of 2026-11-23 --output outcomes.ndjson\n  lq eval policy.lq export.csv.gz --errors errors.csv --max-errors 100\n  cat leads.csv | lq eval policy.lq - --summary"
)]
pub struct Args {
    /// The policy file.
    policy: String,
    /// Data files (CSV, NDJSON or JSON array, each maybe .gz); `-` or none reads stdin.
    data: Vec<String>,
    /// Output format [default: table on a terminal, csv otherwise].
    #[arg(long, value_enum)]
    format: Option<OutputFormat>,
    /// Input format, when the file name does not tell (stdin defaults to csv).
    #[arg(long, value_enum)]
    input_format: Option<lq::data::InputFormat>,
    /// The CSV delimiter (`,` `;` `|` or `tab`) [default: detected from the header line].
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    delimiter: Option<u8>,
    /// The most bytes one record (a CSV record, an NDJSON line) may have; a
    /// larger one is an error outcome, skipped to the end of its line.
    #[arg(long, value_name = "BYTES", default_value_t = lq::data::bounded::DEFAULT_MAX_RECORD_BYTES as u64, value_parser = clap::value_parser!(u64).range(1..=1 << 32))]
    max_record_bytes: u64,
    /// In CSV output, write a cell a spreadsheet would run as a formula
    /// (starting with `=` `+` `-` `@`, a tab or a carriage return, and not a
    /// number) with a leading `'`, as the `--errors` CSV always does.
    #[arg(long)]
    escape_formulas: bool,
    /// Write outcomes to FILE (atomically: all or nothing) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<String>,
    /// Also write each unreadable record's problems (row, key, column, value,
    /// message) to FILE: CSV if it ends in .csv, else NDJSON.
    #[arg(long, value_name = "FILE")]
    errors: Option<String>,
    /// Stop after N unreadable records (everything so far is written; exit 1).
    #[arg(long, value_name = "N")]
    max_errors: Option<usize>,
    #[command(flatten)]
    as_of: crate::cli::common::AsOf,
    /// Exit 0 even when some records could not be read.
    #[arg(long)]
    allow_errors: bool,
    /// Print a bar per tier after the counts, on stderr.
    #[arg(long)]
    summary: bool,
    /// Explain each decision: every disqualifier, score entry and rule tried,
    /// with its condition's value (an `explain` field in ndjson/json; on
    /// stderr with table/csv).
    #[arg(long)]
    explain: bool,
    /// Copy a raw input column, as text, into each outcome (repeatable): in
    /// CSV after the outcome's columns, under its header name (`input.NAME`
    /// where that is an outcome column's); in NDJSON/JSON under `keep`.
    #[arg(long, value_name = "COL")]
    keep: Vec<String>,
    /// Read what happened to each lead from a raw column and write it as
    /// `outcome` (true, false, or empty/null when unknown): `Converted`
    /// (1/true/yes/y vs 0/false/no/n) or `Stage=Won|Closed Won`.
    #[arg(long, value_name = "SPEC", value_parser = super::common::parse_outcome)]
    outcome: Option<lq::insight::OutcomeSpec>,
    /// The outcome columns to write, in order, by their CSV header names
    /// (e.g. `id,tier,score,score_fit`); kept columns are always written.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    columns: Option<Vec<String>>,
    /// List the input columns the schema does not use.
    #[arg(long, short)]
    verbose: bool,
    /// Worker threads for CSV or NDJSON input to CSV or NDJSON output
    /// (outcomes, and --explain traces, stay in input order)
    /// [default: one per core].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
    threads: Option<u64>,
}

/// The most worker threads `--threads` takes: far more than any machine
/// gains from, few enough that each can be started.
const MAX_THREADS: u64 = 256;

/// Runs `lq eval`.
pub fn run(args: Args, style: &Style) -> Exit {
    let Some(source) = read_policy(&args.policy, style) else {
        return Exit::Usage;
    };
    let loaded = Policy::load(source);
    for d in &loaded.diagnostics {
        style.eprint(d, Some(&loaded.source));
    }
    let Some(policy) = loaded.policy else {
        return Exit::Failure;
    };
    let format = match args.format {
        Some(format) => format,
        None if args.output.is_none() && io::stdout().is_terminal() => OutputFormat::Table,
        None => OutputFormat::Csv,
    };
    if let Some(problem) = clashing_outputs(&args) {
        errln!("error: {problem}");
        return Exit::Usage;
    }
    let columns = match columns_of(&policy, &args) {
        Ok(columns) => columns,
        Err(problem) => {
            errln!("error: --columns: {}", lq::printable::escape(&problem));
            return Exit::Usage;
        }
    };
    let run = Run {
        policy: &policy,
        args: &args,
        as_of: args.as_of.date(),
        format,
        columns,
    };
    // The errors file is written like the output: all or nothing, kept
    // only when the run succeeds.
    let errors_file = match &args.errors {
        Some(path) => match AtomicFile::create(path) {
            Ok(file) => Some((path, file)),
            Err(e) => {
                style.eprint(&DataError::write(path, &e), None);
                return Exit::Usage;
            }
        },
        None => None,
    };
    let errors_out = errors_file.as_ref().map(|(_, file)| file.file());
    let result = match &args.output {
        Some(path) => write_atomically(path, |out| run.all(Box::new(out), errors_out))
            .unwrap_or_else(|e| Err(Failed::Output(Some(path.clone()), e))),
        None => run.all(Box::new(BufWriter::new(io::stdout().lock())), errors_out),
    };
    let result = match (result, errors_file) {
        (Ok(tally), Some((path, file))) => file
            .commit()
            .map(|()| tally)
            .map_err(|e| Failed::Output(Some(path.clone()), e)),
        (result, _) => result,
    };
    match result {
        Ok(tally) => {
            errln!("{}", tally.line());
            if args.verbose && tally.workers > 0 {
                errln!("evaluated on {} worker threads", tally.workers);
            }
            if args.summary {
                err!("{}", tally.bars(&policy.checked().tiers));
            }
            finish(&tally, &args)
        }
        Err(Failed::Data(e)) => {
            style.eprint(&e, None);
            match e {
                DataError::Io { .. }
                | DataError::UnknownFormat { .. }
                | DataError::UnknownColumn { .. } => Exit::Usage,
                _ => Exit::Failure,
            }
        }
        Err(Failed::Output(None, e)) => super::out::failed(super::out::Stream::Stdout, &e),
        Err(Failed::Output(Some(path), e)) => {
            style.eprint(&DataError::write(&path, &e), None);
            Exit::Usage
        }
    }
}

/// Why `--output` and `--errors` cannot be written as asked: one names
/// the policy, a data file or the other.
fn clashing_outputs(args: &Args) -> Option<String> {
    let outputs = [("--output", &args.output), ("--errors", &args.errors)];
    for (flag, path) in outputs
        .iter()
        .filter_map(|(f, p)| p.as_ref().map(|p| (f, p)))
    {
        if let Some(problem) = overwrites_input(flag, path, &args.policy, &args.data) {
            return Some(problem);
        }
    }
    match (&args.output, &args.errors) {
        (Some(o), Some(e)) if same_file(o, e) => Some(format!(
            "--output and --errors are both {o}; give each its own file"
        )),
        _ => None,
    }
}

/// The exit code once every outcome is written.
fn finish(tally: &Tally, args: &Args) -> Exit {
    let errors = tally.errors();
    if tally.stopped {
        errln!("stopped after {errors} unreadable records (--max-errors); the outcomes so far are written");
        return Exit::Failure;
    }
    if errors > 0 && !args.allow_errors {
        let s = if errors == 1 { "" } else { "s" };
        errln!("{errors} record{s} could not be read (see their `reasons`); pass --allow-errors to exit 0 anyway");
        return Exit::Failure;
    }
    Exit::Success
}

/// Why a run stopped.
enum Failed {
    Data(DataError),
    Output(Option<String>, io::Error),
}

/// One evaluation run's settings.
struct Run<'a> {
    policy: &'a Policy,
    args: &'a Args,
    as_of: i32,
    format: OutputFormat,
    columns: Columns,
}

/// The outcome columns `lq eval` writes: `--columns`, `--keep` (each name
/// once) and `--escape-formulas`.
fn columns_of(policy: &Policy, args: &Args) -> Result<Columns, String> {
    let mut columns = Columns::of(policy.checked());
    columns.escape_formulas = args.escape_formulas;
    if let Some(chosen) = &args.columns {
        columns.choose(chosen.iter().map(String::as_str))?;
    }
    for k in &args.keep {
        if !columns.keep.contains(k) {
            columns.keep.push(k.clone());
        }
    }
    columns.outcome = args.outcome.clone();
    Ok(columns)
}

impl Run<'_> {
    /// Evaluates every input into `out`, and the unreadable records'
    /// problems into `errors_out` (with `--errors`).
    fn all(&self, out: Box<dyn Write + '_>, errors_out: Option<&File>) -> Result<Tally, Failed> {
        let checked = self.policy.checked();
        let columns = self.columns.clone();
        let out_err = |e| Failed::Output(self.args.output.clone(), e);
        // Open every input (and match its header to the schema) before any
        // output, so a mismatch leaves no half-written result.
        let options = ReadOptions {
            delimiter: self.args.delimiter,
            max_record_bytes: usize::try_from(self.args.max_record_bytes).unwrap_or(usize::MAX),
        };
        let mut readers = Vec::with_capacity(self.args.data.len().max(1));
        let inputs = if self.args.data.is_empty() {
            vec!["-".to_string()]
        } else {
            self.args.data.clone()
        };
        // Lines streamed to a terminal would tangle with a bar redrawn
        // under them: a bar only when the outcomes go elsewhere (or are
        // held back for a table).
        let streaming_to_terminal = self.args.output.is_none()
            && self.format != OutputFormat::Table
            && io::stdout().is_terminal();
        let progress = if streaming_to_terminal {
            Progress::none()
        } else {
            Progress::for_inputs(&inputs)
        };
        for input in &inputs {
            let (reader, input_format) =
                open_counted(input, self.args.input_format, &progress).map_err(Failed::Data)?;
            let mut records =
                RecordReader::with_options(checked, reader, input_format, input, options)
                    .map_err(Failed::Data)?;
            records
                .carry(&columns.carried_names())
                .map_err(Failed::Data)?;
            if let Some(spec) = &columns.outcome {
                records.require_first(&spec.column);
            }
            for warning in records.duplicate_columns() {
                errln!(
                    "warning: {input}: {}",
                    lq::printable::escape_keep_lines(warning)
                );
            }
            if self.args.verbose && !records.unused_columns().is_empty() {
                errln!(
                    "{input}: columns not in the schema (ignored): {}",
                    lq::printable::escape(&records.unused_columns().join(", "))
                );
            }
            readers.push(records);
        }
        let errors = match (&self.args.errors, errors_out) {
            (Some(path), Some(file)) => {
                let csv = path.to_ascii_lowercase().ends_with(".csv");
                Some(
                    ErrorReport::new(BufWriter::new(file), csv)
                        .map_err(|e| Failed::Output(Some(path.clone()), e))?,
                )
            }
            _ => None,
        };
        let writer = OutcomeWriter::new(out, self.format, columns.clone()).map_err(out_err)?;
        // CSV and NDJSON lines are formatted straight from the decision;
        // anything else goes through an `Outcome`.
        let fast =
            matches!(self.format, OutputFormat::Csv | OutputFormat::Ndjson) && !self.args.explain;
        let mut sink = Outcomes {
            run: self,
            writer,
            columns,
            fast,
            lines: DecisionWriter::new(
                &self.policy.compiled,
                self.format == OutputFormat::Ndjson,
                &self.columns,
            ),
            buffer: Vec::with_capacity(1 << 16),
            errors,
            unreadable: 0,
            progress,
        };
        let threads = self.args.threads.map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get()),
            |n| usize::try_from(n).unwrap_or(1),
        );
        let tally = Batch::new(self.policy, self.as_of)
            .threads(threads)
            .run(readers, &mut sink)
            .map_err(|f| match f {
                BatchFailed::Data(e) => Failed::Data(e),
                BatchFailed::Sink(f) => f,
            })?;
        sink.finish()?;
        Ok(tally)
    }

    /// Attaches a decision's trace to its outcome (JSON formats) or prints
    /// it to stderr (table and CSV).
    fn explain(&self, outcome: &mut Outcome, record: &[lq::eval::Datum]) {
        let trace = self.policy.trace(record, self.as_of);
        match self.format {
            OutputFormat::Ndjson | OutputFormat::Json => outcome.explain = Some(trace),
            OutputFormat::Csv | OutputFormat::Table => {
                // One write for the whole trace.
                let mut text = String::new();
                lq::explain::render_row_into(&mut text, self.policy, outcome.row, &trace);
                err!("{text}");
            }
        }
    }
}

/// Where `lq eval` puts each record: its outcome line (or, with
/// `--errors`, its problems too), in input order.
struct Outcomes<'r, 'w> {
    run: &'r Run<'r>,
    writer: OutcomeWriter<Box<dyn Write + 'w>>,
    columns: Columns,
    /// CSV or NDJSON lines straight from the decision, into `buffer`.
    fast: bool,
    lines: DecisionWriter,
    buffer: Vec<u8>,
    errors: Option<ErrorReport<BufWriter<&'r File>>>,
    /// Unreadable records so far, for `--max-errors`.
    unreadable: usize,
    progress: Progress,
}

impl Outcomes<'_, '_> {
    fn out_err(&self, e: io::Error) -> Failed {
        Failed::Output(self.run.args.output.clone(), e)
    }

    /// Writes the lines formatted so far.
    fn flush(&mut self) -> Result<(), Failed> {
        if !self.buffer.is_empty() {
            let written = self.writer.write_raw(&self.buffer);
            written.map_err(|e| self.out_err(e))?;
            self.buffer.clear();
        }
        Ok(())
    }

    fn write(&mut self, outcome: &Outcome) -> Result<(), Failed> {
        self.flush()?;
        let written = self.writer.write(outcome);
        written.map_err(|e| self.out_err(e))
    }

    /// Ends the outcomes and the error report.
    fn finish(mut self) -> Result<(), Failed> {
        self.progress.finish();
        self.flush()?;
        let out = self.run.args.output.clone();
        self.writer.finish().map_err(|e| Failed::Output(out, e))?;
        if let Some(report) = self.errors {
            report
                .finish()
                .map_err(|e| Failed::Output(self.run.args.errors.clone(), e))?;
        }
        Ok(())
    }
}

impl Sink for Outcomes<'_, '_> {
    type Error = Failed;

    #[inline]
    fn advanced(&mut self, records: usize) {
        self.progress.records(records);
    }

    #[inline]
    fn decided(&mut self, record: Record<'_>, d: &Decision) -> Result<Flow, Failed> {
        let plan = &self.run.policy.compiled;
        let Record {
            row,
            values,
            carried,
        } = record;
        if self.fast
            && self
                .lines
                .write(&mut self.buffer, row, values, d, plan, carried)
        {
            if self.buffer.len() >= 1 << 16 {
                self.flush()?;
            }
            return Ok(Flow::Go);
        }
        let mut outcome = Outcome::from_decision(plan, row, values, d);
        self.columns.carry_into(&mut outcome, carried);
        if self.run.args.explain {
            self.run.explain(&mut outcome, values);
        }
        self.write(&outcome)?;
        Ok(Flow::Go)
    }

    fn unreadable(&mut self, e: RecordError, carried: &[String]) -> Result<Flow, Failed> {
        if let Some(report) = self.errors.as_mut() {
            report
                .write(&e)
                .map_err(|err| Failed::Output(self.run.args.errors.clone(), err))?;
        }
        let mut outcome = Outcome::error(
            self.run.policy.checked(),
            e.row,
            e.key.clone(),
            e.messages(),
        );
        self.columns.carry_into(&mut outcome, carried);
        self.write(&outcome)?;
        self.unreadable += 1;
        let stop = self
            .run
            .args
            .max_errors
            .is_some_and(|max| max > 0 && self.unreadable >= max);
        Ok(if stop { Flow::Stop } else { Flow::Go })
    }

    /// CSV and NDJSON lines on worker threads; an `--errors` report is
    /// written from each block's unreadable records, `--max-errors` stops
    /// at the record it names, and `--explain` traces come in each NDJSON
    /// line or, beside CSV, to [`Sink::explained`].
    fn lines(&self) -> Option<Lines<'_>> {
        let format = self.run.format;
        matches!(format, OutputFormat::Csv | OutputFormat::Ndjson).then_some(Lines {
            format,
            columns: &self.columns,
            explain: self.run.args.explain,
        })
    }

    /// Traces beside CSV lines, to standard error as one thread prints
    /// them ([`Run::explain`], [`lq::explain::render_row_into`]).
    fn explained(&mut self, text: &str) -> Result<(), Failed> {
        if !text.is_empty() {
            err!("{text}");
        }
        Ok(())
    }

    fn unreadable_left(&self) -> Option<usize> {
        let max = self.run.args.max_errors.filter(|max| *max > 0)?;
        Some(max.saturating_sub(self.unreadable))
    }

    fn unreadable_lines(&mut self, errors: &[RecordError]) -> Result<(), Failed> {
        if let Some(report) = self.errors.as_mut() {
            for e in errors {
                report
                    .write(e)
                    .map_err(|err| Failed::Output(self.run.args.errors.clone(), err))?;
            }
        }
        self.unreadable += errors.len();
        Ok(())
    }

    fn write_lines(&mut self, bytes: &[u8]) -> Result<(), Failed> {
        self.flush()?;
        let written = self.writer.write_raw(bytes);
        written.map_err(|e| self.out_err(e))
    }
}
