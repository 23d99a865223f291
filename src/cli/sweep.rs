//! `lq sweep POLICY DATA --outcome SPEC`: volume against conversion at
//! every cut-off of the total score or of one block.

use lq::batch::{Batch, Failed, Flow, Record, Sink};
use lq::data::RecordError;
use lq::eval::Decision;
use lq::insight::sweep::Sweep;
use lq::insight::OutcomeSpec;
use lq::Policy;

use super::common::{load_checked, parse_outcome};
use super::input::open_readers;
use super::progress::Progress;
use super::render::Style;
use super::Exit;

/// How `lq sweep` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table with a bar per cut-off.
    Human,
    /// One JSON object.
    Json,
    /// A CSV row per cut-off.
    Csv,
}

/// Arguments of `lq sweep`.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  lq sweep examples/inbound-saas.lq examples/data/inbound-leads.csv --outcome converted --as-of 2026-11-23\n  lq sweep policy.lq leads.csv --outcome 'Stage=Won|Closed Won' --score fit --capacity 500 --format json"
)]
pub struct Args {
    /// The policy file.
    policy: String,
    /// Data files (CSV, NDJSON or JSON); `-` reads stdin.
    #[arg(required = true)]
    data: Vec<String>,
    /// What happened to each lead, from a raw column: `Converted`
    /// (1/true/yes/y vs 0/false/no/n) or `Stage=Won|Closed Won`.
    #[arg(long, value_name = "SPEC", value_parser = parse_outcome, required = true)]
    outcome: Option<OutcomeSpec>,
    /// Sweep this named score block instead of the total score.
    #[arg(long, value_name = "BLOCK")]
    score: Option<String>,
    /// The leads sales can work: mark the lowest cut-off whose volume fits.
    #[arg(long, value_name = "N")]
    capacity: Option<usize>,
    /// Input format, when the file name does not tell.
    #[arg(long, value_enum)]
    input_format: Option<lq::data::InputFormat>,
    #[command(flatten)]
    as_of: crate::cli::common::AsOf,
    /// human, json or csv.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// Runs `lq sweep`.
pub fn run(args: Args, style: &Style) -> Exit {
    let policy = match load_checked(&args.policy, style) {
        Ok(policy) => policy,
        Err(exit) => return exit,
    };
    let sweep = match Sweep::new(&policy, args.score.as_deref()) {
        Ok(sweep) => sweep,
        Err(e) => {
            errln!("error: --score: {e}");
            return Exit::Usage;
        }
    };
    let progress = Progress::for_inputs(&args.data);
    let readers = match open_readers(
        policy.checked(),
        &args.data,
        args.input_format,
        &progress,
        args.outcome.as_ref(),
    ) {
        Ok(readers) => readers,
        Err(e) => {
            style.eprint(&e, None);
            return Exit::Usage;
        }
    };
    let mut sink = Sweeping {
        policy: &policy,
        outcome: args.outcome.as_ref(),
        sweep,
        progress,
    };
    if let Err(failed) = Batch::new(&policy, args.as_of.date()).run(readers, &mut sink) {
        match failed {
            Failed::Data(e) => style.eprint(&e, None),
            Failed::Sink(never) => match never {},
        }
        return Exit::Usage;
    }
    sink.progress.finish();
    let sweep = sink.sweep;
    match args.format {
        Format::Human => out!("{}", sweep.render(&policy, args.capacity)),
        Format::Csv => out!("{}", sweep.csv()),
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&sweep.json(&policy, args.capacity)).unwrap_or_default()
        ),
    }
    Exit::Success
}

/// The batch sink of `lq sweep`.
struct Sweeping<'p> {
    policy: &'p Policy,
    outcome: Option<&'p OutcomeSpec>,
    sweep: Sweep,
    progress: Progress,
}

impl Sweeping<'_> {
    fn known(&self, carried: &[String]) -> lq::insight::Known {
        self.outcome?
            .read(carried.first().map_or("", String::as_str))
    }
}

impl Sink for Sweeping<'_> {
    type Error = std::convert::Infallible;

    #[inline]
    fn advanced(&mut self, records: usize) {
        self.progress.records(records);
    }

    fn decided(&mut self, record: Record<'_>, d: &Decision) -> Result<Flow, Self::Error> {
        let known = self.known(record.carried);
        self.sweep.decided(self.policy, d, known);
        Ok(Flow::Go)
    }

    fn unreadable(&mut self, _: RecordError, carried: &[String]) -> Result<Flow, Self::Error> {
        let known = self.known(carried);
        self.sweep.unreadable(known);
        Ok(Flow::Go)
    }
}
