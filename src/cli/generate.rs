//! `lq generate POLICY`: synthetic leads for a policy's schema.

use std::io::{BufWriter, Write};

use super::check::load_checked;
use super::render::Style;
use super::Exit;

/// Arguments of `lq generate`.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  lq generate examples/inbound-saas.lq --count 1000000 > leads.csv"
)]
pub struct Args {
    /// The policy whose schema the leads follow.
    policy: String,
    /// How many leads.
    #[arg(long, default_value_t = 1000)]
    count: usize,
    /// The random seed (the same seed gives the same leads).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// csv (with a header) or ndjson.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// Write to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Csv,
    Ndjson,
}

/// Runs `lq generate`.
pub fn run(args: Args, style: &Style) -> Exit {
    let policy = match load_checked(&args.policy, style) {
        Ok(policy) => policy,
        Err(exit) => return exit,
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Box::new(BufWriter::with_capacity(1 << 16, f)),
            Err(e) => {
                style.eprint(&lq::data::DataError::write(path, &e), None);
                return Exit::Usage;
            }
        },
        None => Box::new(BufWriter::with_capacity(1 << 16, std::io::stdout().lock())),
    };
    let ndjson = args.format == Format::Ndjson;
    match lq::data::generate::generate(policy.checked(), args.count, args.seed, ndjson, &mut out) {
        Ok(()) => Exit::Success,
        Err(e) => match &args.output {
            Some(path) => {
                style.eprint(&lq::data::DataError::write(path, &e), None);
                Exit::Usage
            }
            None => super::out::failed(super::out::Stream::Stdout, &e),
        },
    }
}
