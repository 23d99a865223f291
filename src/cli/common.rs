//! What the subcommands share: reading a policy file (capped, as UTF-8),
//! loading a checked policy with its diagnostics printed, and parsing
//! `--as-of`. Subcommands import these from here, not from each other.

use lq::{Policy, Source};

use super::render::Style;
use super::Exit;

/// Reads a policy file as UTF-8 text.
pub fn read_source(path: &str) -> Result<Source, lq::data::DataError> {
    // A file far larger than any policy is not read into memory: reading
    // its first bytes past the limit is enough for the parser to say so.
    let limit = lq::syntax::limits::MAX_POLICY_BYTES as u64;
    let file = std::fs::File::open(path).map_err(|e| lq::data::DataError::io(path, &e))?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, limit + 1), &mut bytes)
        .map_err(|e| lq::data::DataError::io(path, &e))?;
    if bytes.len() as u64 > limit {
        // Cut at the limit, perhaps inside a character: the parser refuses
        // the size whatever the text.
        return Ok(Source::new(
            path,
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }
    String::from_utf8(bytes)
        .map(|text| Source::new(path, text))
        .map_err(|_| {
            lq::data::DataError::io(path, &std::io::Error::from(std::io::ErrorKind::InvalidData))
        })
}

/// Reads a policy file, printing why not when it cannot.
pub fn read_policy(path: &str, style: &Style) -> Option<Source> {
    read_source(path).map_err(|e| style.eprint(&e, None)).ok()
}

/// Reads and checks the policy at `path`, for the commands that need a
/// checked one: an unreadable file is a usage error; a policy with errors
/// has its diagnostics printed and is a failure.
pub fn load_checked(path: &str, style: &Style) -> Result<Policy, Exit> {
    let source = read_policy(path, style).ok_or(Exit::Usage)?;
    let loaded = Policy::load(source);
    match loaded.policy {
        Some(policy) => Ok(policy),
        None => {
            for d in &loaded.diagnostics {
                style.eprint(d, Some(&loaded.source));
            }
            Err(Exit::Failure)
        }
    }
}

/// `--as-of`, the evaluation date, declared once for every subcommand
/// that evaluates (flattened into each one's arguments).
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct AsOf {
    /// The evaluation date for `ago`, `within` and `days_since` [default: today].
    ///
    /// A test with its own `as of` keeps it; `lq compile` writes the date
    /// into the query.
    #[arg(id = "as_of", long = "as-of", value_name = "YYYY-MM-DD", value_parser = parse_date)]
    given: Option<i32>,
}

impl AsOf {
    /// The date given, or today (days since 1970-01-01).
    pub fn date(self) -> i32 {
        self.given.unwrap_or_else(lq::date::today)
    }
}

/// Parses `--as-of`.
pub fn parse_date(text: &str) -> Result<i32, String> {
    lq::date::parse_iso(text)
        .ok_or_else(|| format!("`{text}` is not a date; write YYYY-MM-DD, e.g. 2026-11-23"))
}

/// Parses `--outcome SPEC` (a bad spec is a usage error, with its help).
pub fn parse_outcome(text: &str) -> Result<lq::insight::OutcomeSpec, String> {
    lq::insight::OutcomeSpec::parse(text).map_err(|e| {
        let help =
            miette::Diagnostic::help(&e).map_or_else(String::new, |h| format!("\n  help: {h}"));
        format!("{e}{help}")
    })
}
