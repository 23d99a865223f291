//! `--outcome SPEC`: which raw column says what happened to a lead, and
//! which of its values are positive.

use miette::Diagnostic;
use thiserror::Error;

/// What happened to one lead: `Some(true)` positive, `Some(false)`
/// negative, `None` unknown.
pub type Known = Option<bool>;

/// An outcome column and how its values read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeSpec {
    /// The raw input column (a CSV header, an NDJSON key), whether or not
    /// the schema declares it.
    pub column: String,
    /// The positive values, lower-cased (`Col=v1|v2`); `None` for the
    /// usual yes/no reading.
    pub positive: Option<Vec<String>>,
    /// The spec as given, for reports.
    pub text: String,
}

/// Why an `--outcome` spec cannot be used.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq, Eq)]
pub enum SpecError {
    /// No column before `=` (or nothing at all).
    #[error("--outcome `{0}` names no column")]
    #[diagnostic(
        code(lq::outcome_spec),
        help("give the column that says whether the lead converted: `--outcome Converted`, or with its positive values: `--outcome 'Stage=Won|Closed Won'`")
    )]
    NoColumn(String),
    /// `Col=` with no value after it.
    #[error("--outcome `{0}` lists no positive value after `=`")]
    #[diagnostic(
        code(lq::outcome_spec),
        help("list the values that count as converted, separated by `|`: `--outcome 'y=yes'`; or give only the column for yes/no, true/false, 1/0")
    )]
    NoValues(String),
}

impl OutcomeSpec {
    /// Reads a spec: `Column`, or `Column=value|value...`.
    pub fn parse(text: &str) -> Result<OutcomeSpec, SpecError> {
        let (column, values) = match text.split_once('=') {
            Some((c, v)) => (c.trim(), Some(v)),
            None => (text.trim(), None),
        };
        if column.is_empty() {
            return Err(SpecError::NoColumn(
                crate::printable::escape(text).into_owned(),
            ));
        }
        let positive = match values {
            None => None,
            Some(v) => {
                let listed: Vec<String> = v
                    .split('|')
                    .map(|x| x.trim().to_lowercase())
                    .filter(|x| !x.is_empty())
                    .collect();
                if listed.is_empty() {
                    return Err(SpecError::NoValues(
                        crate::printable::escape(text).into_owned(),
                    ));
                }
                Some(listed)
            }
        };
        Ok(OutcomeSpec {
            column: column.to_string(),
            positive,
            text: text.to_string(),
        })
    }

    /// What a raw value says: with listed values, one of them is
    /// positive, a blank unknown and anything else negative; otherwise
    /// `1 true yes y` positive, `0 false no n` negative and anything else
    /// (a blank included) unknown. Values are trimmed and compared in any
    /// case.
    pub fn read(&self, raw: &str) -> Known {
        let value = raw.trim();
        match &self.positive {
            Some(listed) => {
                if value.is_empty() {
                    None
                } else {
                    Some(listed.iter().any(|p| same(value, p)))
                }
            }
            None => {
                if ["1", "true", "yes", "y"].iter().any(|p| same(value, p)) {
                    Some(true)
                } else if ["0", "false", "no", "n"].iter().any(|p| same(value, p)) {
                    Some(false)
                } else {
                    None
                }
            }
        }
    }
}

/// Whether `value` is `lower` (already lower-cased) in any case.
fn same(value: &str, lower: &str) -> bool {
    if value.is_ascii() {
        value.eq_ignore_ascii_case(lower)
    } else {
        value.to_lowercase() == lower
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_no_reading() {
        let spec = OutcomeSpec::parse("Converted").unwrap();
        for p in ["1", "true", " YES ", "y", "True"] {
            assert_eq!(spec.read(p), Some(true), "{p}");
        }
        for n in ["0", "false", "No", " n"] {
            assert_eq!(spec.read(n), Some(false), "{n}");
        }
        for u in ["", "  ", "maybe", "2", "null", "1.0"] {
            assert_eq!(spec.read(u), None, "{u}");
        }
    }

    #[test]
    fn listed_values() {
        let spec = OutcomeSpec::parse("Stage=Won|Closed Won").unwrap();
        assert_eq!(spec.column, "Stage");
        assert_eq!(spec.read(" closed won "), Some(true));
        assert_eq!(spec.read("WON"), Some(true));
        assert_eq!(spec.read("Lost"), Some(false));
        assert_eq!(spec.read("no"), Some(false));
        assert_eq!(spec.read(" "), None);
        let spec = OutcomeSpec::parse("Étape=Gagné").unwrap();
        assert_eq!(spec.read("GAGNÉ"), Some(true));
    }

    #[test]
    fn bad_specs() {
        assert!(matches!(
            OutcomeSpec::parse("=yes"),
            Err(SpecError::NoColumn(_))
        ));
        assert!(matches!(
            OutcomeSpec::parse(" "),
            Err(SpecError::NoColumn(_))
        ));
        assert!(matches!(
            OutcomeSpec::parse("y="),
            Err(SpecError::NoValues(_))
        ));
        assert!(matches!(
            OutcomeSpec::parse("y=|"),
            Err(SpecError::NoValues(_))
        ));
    }
}
