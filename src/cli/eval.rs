//! `lq eval POLICY [DATA...]`: evaluate lead records against a policy.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};

use lq::data::errors::ErrorReport;
use lq::data::fast::DecisionWriter;
use lq::data::{Columns, DataError, OutcomeWriter, OutputFormat, ReadOptions, RecordReader};
use lq::eval::{decide_into, Decision, Outcome, Status};
use lq::Policy;

use super::atomic::{overwrites_input, same_file, write_atomically, AtomicFile};
use super::common::{parse_date, read_policy};
use super::input::{open_input, parse_delimiter, InputArg};
use super::render::Style;
use super::tally::Tally;
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
    format: Option<FormatArg>,
    /// Input format, when the file name does not tell (stdin defaults to csv).
    #[arg(long, value_enum)]
    input_format: Option<InputArg>,
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
    /// The evaluation date for `ago`, `within` and `days_since` [default: today].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    as_of: Option<i32>,
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
    /// List the input columns the schema does not use.
    #[arg(long, short)]
    verbose: bool,
    /// Worker threads for CSV input to CSV or NDJSON output (outcomes stay in
    /// input order) [default: one per core].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
    threads: Option<u64>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Table,
    Csv,
    Ndjson,
    Json,
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
        Some(FormatArg::Table) => OutputFormat::Table,
        Some(FormatArg::Csv) => OutputFormat::Csv,
        Some(FormatArg::Ndjson) => OutputFormat::Ndjson,
        Some(FormatArg::Json) => OutputFormat::Json,
        None if args.output.is_none() && io::stdout().is_terminal() => OutputFormat::Table,
        None => OutputFormat::Csv,
    };
    if let Some(problem) = clashing_outputs(&args) {
        errln!("error: {problem}");
        return Exit::Usage;
    }
    let run = Run {
        policy: &policy,
        args: &args,
        as_of: args.as_of.unwrap_or_else(lq::date::today),
        format,
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
            if args.summary {
                err!("{}", tally.bars(&policy.checked().tiers));
            }
            finish(&tally, &args)
        }
        Err(Failed::Data(e)) => {
            style.eprint(&e, None);
            match e {
                DataError::Io { .. } | DataError::UnknownFormat { .. } => Exit::Usage,
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
}

impl Run<'_> {
    /// The CSV/table column layout of the outcomes.
    fn columns(&self) -> Columns {
        let checked = self.policy.checked();
        Columns {
            key: checked
                .schema
                .key
                .map(|k| checked.schema.fields[k].name.clone()),
            blocks: checked.block_names().map(String::from).collect(),
            escape_formulas: self.args.escape_formulas,
        }
    }

    /// Evaluates every input into `out`, and the unreadable records'
    /// problems into `errors_out` (with `--errors`).
    fn all(&self, out: Box<dyn Write + '_>, errors_out: Option<&File>) -> Result<Tally, Failed> {
        let checked = self.policy.checked();
        let columns = self.columns();
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
        for input in &inputs {
            let (reader, input_format) =
                open_input(input, self.args.input_format).map_err(Failed::Data)?;
            let records = RecordReader::with_options(checked, reader, input_format, input, options)
                .map_err(Failed::Data)?;
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
        let mut errors = match (&self.args.errors, errors_out) {
            (Some(path), Some(file)) => {
                let csv = path.to_ascii_lowercase().ends_with(".csv");
                Some(
                    ErrorReport::new(BufWriter::new(file), csv)
                        .map_err(|e| Failed::Output(Some(path.clone()), e))?,
                )
            }
            _ => None,
        };
        let errors_err = |e| Failed::Output(self.args.errors.clone(), e);
        let mut writer = OutcomeWriter::new(out, self.format, columns).map_err(out_err)?;
        let mut tally = Tally::default();
        let mut row_offset = 0;
        // CSV and NDJSON lines are formatted straight from the decision
        // into `buffer`; anything else goes through an `Outcome`.
        let fast =
            matches!(self.format, OutputFormat::Csv | OutputFormat::Ndjson) && !self.args.explain;
        let lines = DecisionWriter::new(
            &self.policy.compiled,
            self.format == OutputFormat::Ndjson,
            self.args.escape_formulas,
        );
        let mut buffer: Vec<u8> = Vec::with_capacity(1 << 16);
        let mut record = Vec::new();
        let mut decision = Decision::default();
        let threads = self.args.threads.map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get()),
            |n| usize::try_from(n).unwrap_or(1),
        );
        let parallel =
            fast && threads > 1 && self.args.errors.is_none() && self.args.max_errors.is_none();
        'inputs: for mut records in readers {
            if let Some(layout) = records.layout().filter(|_| parallel) {
                writer.write_raw(&buffer).map_err(out_err)?;
                buffer.clear();
                let tiers = &self.policy.checked().tiers;
                let columns = self.columns();
                let setup = super::parallel::Setup {
                    policy: self.policy,
                    layout,
                    format: self.format,
                    columns: &columns,
                    as_of: self.as_of,
                };
                let rows =
                    super::parallel::run(&setup, &mut records, threads, row_offset, |done| {
                        for (status, tier) in &done.statuses {
                            tally.add_status(
                                *status,
                                tier.and_then(|t| tiers.get(t)).map(String::as_str),
                            );
                        }
                        writer.write_raw(&done.bytes)
                    })
                    .map_err(|f| match f {
                        super::parallel::Failure::Data(e) => Failed::Data(e),
                        super::parallel::Failure::Output(e) => {
                            Failed::Output(self.args.output.clone(), e)
                        }
                    })?;
                row_offset += rows;
                continue;
            }
            let mut last_row = 0;
            while let Some(item) = records.next_into(&mut record) {
                let outcome = match item.map_err(Failed::Data)? {
                    Ok(row) => {
                        last_row = row;
                        let row = row_offset + row;
                        decide_into(&self.policy.compiled, &record, self.as_of, &mut decision);
                        if fast
                            && lines.write(
                                &mut buffer,
                                row,
                                &record,
                                &decision,
                                &self.policy.compiled,
                            )
                        {
                            let (status, tier) = status_of(&self.policy.compiled, &decision);
                            tally.add_status(status, tier);
                            if buffer.len() >= 1 << 16 {
                                writer.write_raw(&buffer).map_err(out_err)?;
                                buffer.clear();
                            }
                            continue;
                        }
                        let mut outcome =
                            Outcome::from_decision(&self.policy.compiled, row, &record, &decision);
                        if self.args.explain {
                            self.explain(&mut outcome, &record);
                        }
                        outcome
                    }
                    Err(mut e) => {
                        last_row = e.row;
                        e.row += row_offset;
                        if let Some(report) = errors.as_mut() {
                            report.write(&e).map_err(errors_err)?;
                        }
                        Outcome::error(checked, e.row, e.key.clone(), e.messages())
                    }
                };
                writer.write_raw(&buffer).map_err(out_err)?;
                buffer.clear();
                tally.add(&outcome);
                writer.write(&outcome).map_err(out_err)?;
                if self
                    .args
                    .max_errors
                    .is_some_and(|max| max > 0 && tally.errors() >= max)
                {
                    tally.stopped = true;
                    break 'inputs;
                }
            }
            row_offset += last_row;
        }
        writer.write_raw(&buffer).map_err(out_err)?;
        writer.finish().map_err(out_err)?;
        if let Some(report) = errors {
            report.finish().map_err(errors_err)?;
        }
        Ok(tally)
    }

    /// Attaches a decision's trace to its outcome (JSON formats) or prints
    /// it to stderr (table and CSV).
    fn explain(&self, outcome: &mut Outcome, record: &[lq::eval::Datum]) {
        let trace = self.policy.trace(record, self.as_of);
        match self.format {
            OutputFormat::Ndjson | OutputFormat::Json => {
                outcome.explain = serde_json::to_value(&trace).ok()
            }
            OutputFormat::Csv | OutputFormat::Table => {
                errln!("row {}:", outcome.row);
                for line in lq::explain::render(self.policy, &trace).lines() {
                    errln!("  {line}");
                }
            }
        }
    }
}

/// A decision's status and tier, for the counts.
fn status_of<'p>(plan: &'p lq::compile::Compiled, d: &Decision) -> (Status, Option<&'p str>) {
    if !d.disqualified_by.is_empty() {
        return (Status::Disqualified, None);
    }
    match d.rule.and_then(|r| plan.rules.get(r)) {
        Some(rule) => (
            Status::Qualified,
            plan.policy.tiers.get(rule.tier).map(String::as_str),
        ),
        None => (Status::Unmatched, None),
    }
}
