//! `lq coverage POLICY DATA...`: which disqualifiers, score entries and
//! rules fire on real data, and which never do.

use lq::coverage::Coverage;
use lq::data::{ReadOptions, RecordReader};

use super::common::load_checked;
use super::input::{open_input, InputArg};
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
    input_format: Option<InputArg>,
    /// The evaluation date [default: today].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::common::parse_date)]
    as_of: Option<i32>,
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
    let as_of = args.as_of.unwrap_or_else(lq::date::today);
    let mut coverage = Coverage::new(&policy);
    let mut unreadable = 0;
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
        let reader = match opened {
            Ok(r) => r,
            Err(e) => {
                style.eprint(&e, None);
                return Exit::Usage;
            }
        };
        for item in reader {
            match item {
                Ok(Ok((_, record))) => coverage.add(&policy, &record, as_of),
                Ok(Err(_)) => unreadable += 1,
                Err(e) => {
                    style.eprint(&e, None);
                    return Exit::Usage;
                }
            }
        }
    }
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
