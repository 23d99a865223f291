//! `lq check FILE...`: parse and type-check policies.

use lq::report::{to_github, to_json, to_sarif, Record};
use lq::{Policy, Source};

use super::common::read_source;
use super::render::{counts, Style};
use super::Exit;

/// Arguments of `lq check`.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  lq check --deny-warnings examples/*.lq\n  lq check --format github policies/*.lq\n  lq check --format sarif policies/*.lq > lq.sarif"
)]
pub struct Args {
    /// The policy files.
    #[arg(required = true)]
    files: Vec<String>,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    deny_warnings: bool,
    /// How to report: human (on stderr), json, github (workflow annotations) or sarif (on stdout).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Human,
    Json,
    Github,
    Sarif,
}

/// Runs `lq check`.
pub fn run(args: Args, style: &Style) -> Exit {
    let (mut errors, mut warnings, mut unreadable) = (0, 0, false);
    let mut records = Vec::new();
    for path in &args.files {
        let source = match read_source(path) {
            Ok(s) => s,
            Err(e) => {
                unreadable = true;
                errors += 1;
                report(style, args.format, &e, None, path, &mut records);
                continue;
            }
        };
        // Checked, not compiled: nothing is evaluated here.
        let diagnostics = Policy::diagnose(&source);
        for d in &diagnostics {
            report(style, args.format, d, Some(&source), path, &mut records);
        }
        let warned = diagnostics.iter().filter(|d| d.is_warning()).count();
        errors += diagnostics.len() - warned;
        warnings += warned;
    }
    match args.format {
        Format::Human => {}
        Format::Json => outln!("{}", to_json(&records)),
        Format::Github => out!("{}", to_github(&records)),
        Format::Sarif => outln!("{}", to_sarif(&records)),
    }
    let files = args.files.len();
    errln!(
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

fn report(
    style: &Style,
    format: Format,
    d: &dyn miette::Diagnostic,
    source: Option<&Source>,
    path: &str,
    records: &mut Vec<Record>,
) {
    match format {
        Format::Human => style.eprint(d, source),
        _ => records.push(Record::new(d, source, path)),
    }
}
