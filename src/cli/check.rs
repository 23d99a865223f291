//! `lq check FILE...`: parse and type-check policies.

use lq::{Policy, Source};

use super::render::{counts, Style};
use super::Exit;

/// Arguments of `lq check`.
#[derive(clap::Args)]
#[command(after_help = "Example:\n  lq check --deny-warnings examples/*.lq")]
pub struct Args {
    /// The policy files.
    #[arg(required = true)]
    files: Vec<String>,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    deny_warnings: bool,
}

/// Runs `lq check`.
pub fn run(args: Args, style: &Style) -> Exit {
    let (mut errors, mut warnings, mut unreadable) = (0, 0, false);
    for path in &args.files {
        let Some(source) = read_policy(path, style) else {
            unreadable = true;
            continue;
        };
        let loaded = Policy::load(source);
        for d in loaded.diagnostics.iter() {
            style.eprint(d, Some(&loaded.source));
        }
        errors += loaded.error_count();
        warnings += loaded.warning_count();
    }
    let files = args.files.len();
    eprintln!(
        "{} in {files} file{}",
        counts(errors, warnings),
        if files == 1 { "" } else { "s" }
    );
    if unreadable {
        Exit::Usage
    } else if errors > 0 || (args.deny_warnings && warnings > 0) {
        Exit::Failure
    } else {
        Exit::Success
    }
}

/// Reads a policy file, printing why not when it cannot.
pub fn read_policy(path: &str, style: &Style) -> Option<Source> {
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Some(Source::new(path, text)),
            Err(_) => {
                let io = std::io::Error::from(std::io::ErrorKind::InvalidData);
                style.eprint(&lq::data::DataError::io(path, &io), None);
                None
            }
        },
        Err(source) => {
            style.eprint(&lq::data::DataError::io(path, &source), None);
            None
        }
    }
}
