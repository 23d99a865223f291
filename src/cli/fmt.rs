//! `lq fmt FILE...`: rewrite policies in the canonical layout.

use std::io::Read;

use lq::fmt::format;
use lq::Source;

use super::atomic::write_atomically;
use super::common::read_policy;
use super::render::Style;
use super::Exit;

/// Arguments of `lq fmt`.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  lq fmt examples/*.lq\n  lq fmt --check policies/*.lq\n  lq fmt - < policy.lq > formatted.lq"
)]
pub struct Args {
    /// The policy files; `-` formats stdin to stdout.
    #[arg(required = true)]
    files: Vec<String>,
    /// Change nothing: list the files that are not formatted, with a diff, and exit 1.
    #[arg(long)]
    check: bool,
}

/// Runs `lq fmt`.
pub fn run(args: Args, style: &Style) -> Exit {
    let mut exit = Exit::Success;
    for path in &args.files {
        let result = if path == "-" {
            stdin(args.check, style)
        } else {
            file(path, args.check, style)
        };
        exit = worst(exit, result);
    }
    exit
}

fn worst(a: Exit, b: Exit) -> Exit {
    if a as u8 >= b as u8 {
        a
    } else {
        b
    }
}

fn stdin(check: bool, style: &Style) -> Exit {
    let mut text = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        style.eprint(&lq::data::DataError::io("standard input", &e), None);
        return Exit::Usage;
    }
    let source = Source::new("<stdin>", text);
    match formatted(&source, style) {
        Some(out) if check => report(&source, &out),
        Some(out) => {
            out!("{out}");
            Exit::Success
        }
        None => Exit::Failure,
    }
}

fn file(path: &str, check: bool, style: &Style) -> Exit {
    let Some(source) = read_policy(path, style) else {
        return Exit::Usage;
    };
    let Some(out) = formatted(&source, style) else {
        return Exit::Failure;
    };
    if check {
        return report(&source, &out);
    }
    if out != source.text {
        let written = write_atomically(path, |file| file.write_all(out.as_bytes()));
        if let Err(e) = written.and_then(|inner| inner) {
            style.eprint(&lq::data::DataError::write(path, &e), None);
            return Exit::Usage;
        }
        errln!("formatted {path}");
    }
    Exit::Success
}

/// The canonical text, or the parse errors printed.
fn formatted(source: &Source, style: &Style) -> Option<String> {
    match format(&source.text) {
        Ok(f) => Some(f.text),
        Err(errors) => {
            for e in errors {
                style.eprint(&e, Some(source));
            }
            None
        }
    }
}

/// `--check`: a unified diff of what would change.
fn report(source: &Source, out: &str) -> Exit {
    if out == source.text {
        return Exit::Success;
    }
    let diff = similar::TextDiff::from_lines(source.text.as_str(), out);
    out!(
        "{}",
        diff.unified_diff()
            .context_radius(2)
            .header(&source.name, &format!("{} (formatted)", source.name))
    );
    errln!(
        "{} is not formatted; run `lq fmt {}`",
        source.name,
        source.name
    );
    Exit::Failure
}
