//! `lq generate POLICY`: synthetic leads for a policy's schema.

use std::io::{BufWriter, Write};

use super::common::load_checked;
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
    let ndjson = args.format == Format::Ndjson;
    let generate = |out: &mut dyn Write| {
        lq::data::generate::generate(policy.checked(), args.count, args.seed, ndjson, out)
    };
    match &args.output {
        Some(path) => {
            if let Some(problem) =
                super::atomic::overwrites_input("--output", path, &args.policy, &[])
            {
                errln!("error: {problem}");
                return Exit::Usage;
            }
            match super::atomic::write_atomically(path, |out| generate(out)).and_then(|r| r) {
                Ok(()) => Exit::Success,
                Err(e) => {
                    style.eprint(&lq::data::DataError::write(path, &e), None);
                    Exit::Usage
                }
            }
        }
        None => {
            let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            match generate(&mut out).and_then(|()| out.flush()) {
                Ok(()) => Exit::Success,
                Err(e) => super::out::failed(super::out::Stream::Stdout, &e),
            }
        }
    }
}
