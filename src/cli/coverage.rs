//! `lq coverage POLICY DATA...`: which disqualifiers, score entries and
//! rules fire on real data, and which never do; every class and route
//! counted; with `--outcome`, how well each converts and how well the
//! scores rank the leads that did.

use lq::coverage::Coverage;
use lq::insight::OutcomeSpec;
use lq::Policy;

use super::common::{load_checked, parse_outcome};
use super::input::open_readers;
use super::progress::Progress;
use super::render::{HumanOrJson as Format, Style};
use super::Exit;

/// Arguments of `lq coverage`.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  lq coverage examples/inbound-saas.lq examples/data/inbound-leads.csv --as-of 2026-11-23"
)]
pub struct Args {
    /// The policy file.
    policy: String,
    /// Data files (CSV, NDJSON or JSON); `-` reads stdin.
    #[arg(required = true)]
    data: Vec<String>,
    /// Input format, when the file name does not tell.
    #[arg(long, value_enum)]
    input_format: Option<lq::data::InputFormat>,
    #[command(flatten)]
    as_of: crate::cli::common::AsOf,
    /// human (a table with a bar per tier) or json.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// What happened to each lead, from a raw column: `Converted`
    /// (1/true/yes/y vs 0/false/no/n) or `Stage=Won|Closed Won`; adds
    /// conversion per class and item, AUC and deciles.
    #[arg(long, value_name = "SPEC", value_parser = parse_outcome)]
    outcome: Option<OutcomeSpec>,
}

/// Runs `lq coverage`.
pub fn run(args: Args, style: &Style) -> Exit {
    let policy = match load_checked(&args.policy, style) {
        Ok(policy) => policy,
        Err(exit) => return exit,
    };
    let as_of = args.as_of.date();
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
    let coverage = match count(&policy, readers, as_of, args.outcome.as_ref(), progress) {
        Ok(coverage) => coverage,
        Err(e) => {
            style.eprint(&e, None);
            return Exit::Usage;
        }
    };
    match args.format {
        Format::Human => out!("{}", coverage.render(args.outcome.as_ref())),
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&coverage.json(args.outcome.as_ref())).unwrap_or_default()
        ),
    }
    Exit::Success
}

/// Counts coverage of `policy` over `readers`, with a progress bar.
pub fn count(
    policy: &Policy,
    readers: Vec<lq::data::RecordReader<'_>>,
    as_of: i32,
    outcome: Option<&OutcomeSpec>,
    mut progress: Progress,
) -> Result<Coverage, lq::data::DataError> {
    let coverage = lq::coverage::count(policy, readers, as_of, outcome, &mut |n| {
        progress.records(n)
    });
    progress.finish();
    coverage
}
