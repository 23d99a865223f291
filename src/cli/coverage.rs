//! `lq coverage POLICY DATA...`: which disqualifiers, score entries and
//! rules fire on real data, and which never do.

use lq::batch::{Batch, Failed, Flow, Record, Sink};
use lq::compile::Compiled;
use lq::coverage::Coverage;
use lq::data::{ReadOptions, RecordError, RecordReader};
use lq::eval::{Datum, Decision};
use lq::Policy;

use super::common::load_checked;
use super::input::open_input;
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
}

/// Runs `lq coverage`.
pub fn run(args: Args, style: &Style) -> Exit {
    let policy = match load_checked(&args.policy, style) {
        Ok(policy) => policy,
        Err(exit) => return exit,
    };
    let as_of = args.as_of.date();
    let mut readers = Vec::with_capacity(args.data.len());
    for data in &args.data {
        let opened = open_input(data, args.input_format).and_then(|(input, format)| {
            RecordReader::with_options(
                policy.checked(),
                input,
                format,
                data,
                ReadOptions::default(),
            )
        });
        match opened {
            Ok(r) => readers.push(r),
            Err(e) => {
                style.eprint(&e, None);
                return Exit::Usage;
            }
        }
    }
    let mut counting = Counting {
        policy: &policy,
        coverage: Coverage::new(&policy),
    };
    let tally = match Batch::new(&policy, as_of).run(readers, &mut counting) {
        Ok(tally) => tally,
        Err(Failed::Data(e)) => {
            style.eprint(&e, None);
            return Exit::Usage;
        }
        Err(Failed::Sink(never)) => match never {},
    };
    let coverage = counting.coverage;
    let unreadable = tally.errors();
    match args.format {
        Format::Human => out!("{}", coverage.render(&policy.checked().tiers)),
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&coverage).unwrap_or_default()
        ),
    }
    if unreadable > 0 {
        errln!("{unreadable} records could not be read and are not counted (see `lq eval`)");
    }
    Exit::Success
}

/// The batch sink of `lq coverage`: counts each lead as it is decided.
struct Counting<'p> {
    policy: &'p Policy,
    coverage: Coverage,
}

impl Sink for Counting<'_> {
    type Error = std::convert::Infallible;

    fn decide(&mut self, _: &Compiled, record: &[Datum], as_of: i32, decision: &mut Decision) {
        self.coverage.decide(self.policy, record, as_of, decision);
    }

    fn decided(&mut self, _: Record<'_>, _: &Decision) -> Result<Flow, Self::Error> {
        Ok(Flow::Go)
    }

    /// Unreadable records are not counted; the run says how many.
    fn unreadable(&mut self, _: RecordError, _: &[String]) -> Result<Flow, Self::Error> {
        Ok(Flow::Go)
    }
}
