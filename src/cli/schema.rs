//! `lq schema infer DATA`: propose a schema for a data file.

use clap::Subcommand;

use super::input::{open_input, parse_delimiter};
use super::render::Style;
use super::Exit;

/// Arguments of `lq schema`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: SchemaCommand,
}

#[derive(Subcommand)]
enum SchemaCommand {
    /// Read a data file and print the enums and schema that read it: field
    /// names from headers, types from values, placeholders as missing markers.
    #[command(
        after_help = "Examples:\n  lq schema infer leads.csv > leads.lq\n  lq schema infer export.csv.gz --sample 10000"
    )]
    Infer(InferArgs),
}

#[derive(clap::Args)]
struct InferArgs {
    /// The data file (CSV, NDJSON or JSON, maybe .gz); `-` reads stdin.
    data: String,
    /// Read only the first N records [default: all, so every value is seen].
    #[arg(long, value_name = "N")]
    sample: Option<usize>,
    /// Input format, when the file name does not tell.
    #[arg(long, value_enum)]
    input_format: Option<lq::data::InputFormat>,
    /// The CSV delimiter [default: detected from the header line].
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    delimiter: Option<u8>,
}

/// Runs `lq schema`.
pub fn run(args: Args, style: &Style) -> Exit {
    let SchemaCommand::Infer(args) = args.command;
    let (input, format) = match open_input(&args.data, args.input_format) {
        Ok(opened) => opened,
        Err(e) => {
            style.eprint(&e, None);
            return Exit::Usage;
        }
    };
    match lq::data::infer::infer(input, format, &args.data, args.delimiter, args.sample) {
        Ok(inferred) => {
            let text = lq::fmt::format(&inferred.text).map_or(inferred.text, |f| f.text);
            out!("{text}");
            errln!("read {} records of {}", inferred.records, args.data);
            Exit::Success
        }
        Err(e) => {
            style.eprint(&e, None);
            match e {
                lq::data::DataError::Io { .. } => Exit::Usage,
                _ => Exit::Failure,
            }
        }
    }
}
