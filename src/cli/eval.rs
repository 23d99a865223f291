//! `lq eval POLICY [DATA...]`: evaluate lead records against a policy.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::Path;

use lq::data::{Columns, DataError, InputFormat, OutcomeWriter, OutputFormat, RecordReader};
use lq::eval::{Outcome, Status};
use lq::Policy;

use super::check::read_policy;
use super::render::Style;
use super::Exit;

/// Arguments of `lq eval`.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  lq eval examples/inbound-saas.lq examples/data/inbound-leads.csv\n  lq eval policy.lq leads.ndjson --format ndjson --as-of 2026-11-23 --output outcomes.ndjson\n  cat leads.csv | lq eval policy.lq - --summary"
)]
pub struct Args {
    /// The policy file.
    policy: String,
    /// Data files (CSV, NDJSON or JSON array); `-` or none reads stdin.
    data: Vec<String>,
    /// Output format [default: table on a terminal, csv otherwise].
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Input format, when the file name does not tell (stdin defaults to csv).
    #[arg(long, value_enum)]
    input_format: Option<InputArg>,
    /// Write outcomes to FILE (atomically: all or nothing) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<String>,
    /// The evaluation date for `ago`, `within` and `days_since` [default: today].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    as_of: Option<i32>,
    /// Exit 0 even when some records could not be read.
    #[arg(long)]
    allow_errors: bool,
    /// Print counts per status and tier, with a bar per tier, to stderr.
    #[arg(long)]
    summary: bool,
    /// Explain each decision: every disqualifier, score entry and rule tried,
    /// with its condition's value (an `explain` field in ndjson/json; on
    /// stderr with table/csv).
    #[arg(long)]
    explain: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Table,
    Csv,
    Ndjson,
    Json,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum InputArg {
    Csv,
    Ndjson,
    Json,
}

/// Parses `--as-of`.
pub fn parse_date(text: &str) -> Result<i32, String> {
    lq::date::parse_iso(text)
        .ok_or_else(|| format!("`{text}` is not a date; write YYYY-MM-DD, e.g. 2026-11-23"))
}

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
    let as_of = args.as_of.unwrap_or_else(lq::date::today);
    let inputs = if args.data.is_empty() {
        vec!["-".to_string()]
    } else {
        args.data.clone()
    };
    let result = match &args.output {
        Some(path) => write_atomically(path, |out| {
            evaluate_all(&policy, &inputs, &args, as_of, format, out)
        }),
        None => evaluate_all(
            &policy,
            &inputs,
            &args,
            as_of,
            format,
            Box::new(BufWriter::new(io::stdout().lock())),
        ),
    };
    match result {
        Ok(tally) => {
            if args.summary {
                eprint!("{}", tally.render(&policy.checked().tiers));
            }
            if tally.errors() > 0 && !args.allow_errors {
                let n = tally.errors();
                eprintln!("{n} record{} could not be read (see their `reasons`); pass --allow-errors to exit 0 anyway", if n == 1 { "" } else { "s" });
                Exit::Failure
            } else {
                Exit::Success
            }
        }
        Err(Failed::Data(e)) => {
            style.eprint(&e, None);
            match e {
                DataError::Io { .. } | DataError::UnknownFormat { .. } => Exit::Usage,
                _ => Exit::Failure,
            }
        }
        Err(Failed::Output(path, e)) if e.kind() == io::ErrorKind::BrokenPipe && path.is_none() => {
            Exit::Success
        }
        Err(Failed::Output(path, e)) => {
            let path = path.unwrap_or_else(|| "standard output".to_string());
            style.eprint(&DataError::io(&path, &e), None);
            Exit::Usage
        }
    }
}

/// Why a run stopped.
enum Failed {
    Data(DataError),
    Output(Option<String>, io::Error),
}

fn evaluate_all(
    policy: &Policy,
    inputs: &[String],
    args: &Args,
    as_of: i32,
    format: OutputFormat,
    out: Box<dyn Write + '_>,
) -> Result<Tally, Failed> {
    let checked = policy.checked();
    let columns = Columns {
        key: checked
            .schema
            .key
            .map(|k| checked.schema.fields[k].name.clone()),
        blocks: checked.block_names().map(String::from).collect(),
    };
    let out_err = |e| Failed::Output(args.output.clone(), e);
    // Open every input (and match its header to the schema) before any
    // output, so a mismatch leaves no half-written result.
    let mut readers = Vec::with_capacity(inputs.len());
    for input in inputs {
        let (reader, input_format) = open_input(input, args.input_format)?;
        readers
            .push(RecordReader::new(checked, reader, input_format, input).map_err(Failed::Data)?);
    }
    let mut writer = OutcomeWriter::new(out, format, columns).map_err(out_err)?;
    let mut tally = Tally::default();
    let mut row_offset = 0;
    for records in readers {
        let mut last_row = 0;
        for item in records {
            let outcome = match item.map_err(Failed::Data)? {
                Ok((row, record)) => {
                    last_row = row;
                    let mut outcome = policy.evaluate(row_offset + row, &record, as_of);
                    if args.explain {
                        explain(policy, &mut outcome, &record, as_of, format);
                    }
                    outcome
                }
                Err(mut e) => {
                    last_row = e.row;
                    e.row += row_offset;
                    Outcome::error(checked, e.row, e.key.clone(), e.messages())
                }
            };
            tally.add(&outcome);
            writer.write(&outcome).map_err(out_err)?;
        }
        row_offset += last_row;
    }
    writer.finish().map_err(out_err)?;
    Ok(tally)
}

/// Attaches a decision's trace to its outcome (JSON formats) or prints
/// it to stderr (table and CSV).
fn explain(
    policy: &Policy,
    outcome: &mut Outcome,
    record: &[lq::eval::Datum],
    as_of: i32,
    format: OutputFormat,
) {
    let trace = policy.trace(record, as_of);
    match format {
        OutputFormat::Ndjson | OutputFormat::Json => {
            outcome.explain = serde_json::to_value(&trace).ok()
        }
        OutputFormat::Csv | OutputFormat::Table => {
            eprintln!("row {}:", outcome.row);
            for line in lq::explain::render(policy, &trace).lines() {
                eprintln!("  {line}");
            }
        }
    }
}

fn open_input(
    path: &str,
    forced: Option<InputArg>,
) -> Result<(Box<dyn BufRead>, InputFormat), Failed> {
    let io_err = |e: io::Error| Failed::Data(DataError::io(path, &e));
    if path != "-" && Path::new(path).is_dir() {
        return Err(io_err(io::Error::from(io::ErrorKind::IsADirectory)));
    }
    let format = match forced {
        Some(InputArg::Csv) => InputFormat::Csv,
        Some(InputArg::Ndjson) => InputFormat::Ndjson,
        Some(InputArg::Json) => InputFormat::Json,
        None if path == "-" => InputFormat::Csv,
        None => InputFormat::from_path(path).ok_or_else(|| {
            Failed::Data(DataError::UnknownFormat {
                path: path.to_string(),
            })
        })?,
    };
    if path == "-" {
        return Ok((
            Box::new(BufReader::with_capacity(1 << 16, io::stdin())),
            format,
        ));
    }
    let file = File::open(path).map_err(io_err)?;
    Ok((Box::new(BufReader::with_capacity(1 << 16, file)), format))
}

/// Writes through a temporary file in the target's folder, renamed over the
/// target only when everything succeeded.
fn write_atomically<T>(
    path: &str,
    body: impl FnOnce(Box<dyn Write + '_>) -> Result<T, Failed>,
) -> Result<T, Failed> {
    let target = Path::new(path);
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let fail = |e| Failed::Output(Some(path.to_string()), e);
    let temp = tempfile::NamedTempFile::new_in(&dir).map_err(fail)?;
    let result = body(Box::new(BufWriter::new(temp.as_file())))?;
    temp.persist(target).map_err(|e| fail(e.error))?;
    Ok(result)
}

/// Counts per status and tier, for `--summary` and the exit code.
#[derive(Default)]
struct Tally {
    statuses: BTreeMap<&'static str, usize>,
    tiers: BTreeMap<String, usize>,
    total: usize,
}

impl Tally {
    fn add(&mut self, o: &Outcome) {
        self.total += 1;
        *self.statuses.entry(o.status.as_str()).or_default() += 1;
        if let Some(t) = &o.tier {
            *self.tiers.entry(t.clone()).or_default() += 1;
        }
    }

    fn errors(&self) -> usize {
        self.statuses
            .get(Status::Error.as_str())
            .copied()
            .unwrap_or(0)
    }

    fn render(&self, tiers: &[String]) -> String {
        let n = |s: Status| self.statuses.get(s.as_str()).copied().unwrap_or(0);
        let mut out = format!(
            "{} records: {} qualified, {} disqualified, {} unmatched, {} errors\n",
            self.total,
            n(Status::Qualified),
            n(Status::Disqualified),
            n(Status::Unmatched),
            n(Status::Error)
        );
        let max = self.tiers.values().copied().max().unwrap_or(0).max(1);
        let width = tiers.iter().map(|t| t.len()).max().unwrap_or(1);
        for tier in tiers {
            let count = self.tiers.get(tier).copied().unwrap_or(0);
            let bar = "█".repeat((count * 40).div_ceil(max));
            let pct = if self.total == 0 {
                0.0
            } else {
                100.0 * count as f64 / self.total as f64
            };
            out.push_str(&format!(
                "  tier {tier:<width$}  {count:>7}  {pct:>5.1}%  {bar}\n"
            ));
        }
        out
    }
}
