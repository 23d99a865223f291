//! Insight: how well a policy picks the leads that convert, and what a
//! change to it does.
//!
//! An outcome column (`--outcome SPEC`, [`OutcomeSpec`]) says what
//! happened to each lead: positive, negative or unknown. Over a batch run
//! [`Classes`] counts each class (a tier, or `disqualified`, `unmatched`,
//! `error`) and each route, by outcome ([`crate::coverage::Coverage`]
//! counts each disqualifier, score entry and rule the same way);
//! [`scores`] ranks the leads by a score (AUC, deciles); [`diff`] runs
//! two policies over the same records; [`sweep`] tries every cut-off of
//! a score.

pub mod classes;
pub mod diff;
pub mod moved;
pub mod scores;
pub mod spec;
pub mod sweep;

pub use classes::{Class, ClassCounts, Classes};
pub use spec::{Known, OutcomeSpec, SpecError};

use serde::Serialize;

/// Leads counted by what happened to them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Split {
    /// Leads whose outcome is positive.
    pub positive: usize,
    /// Leads whose outcome is negative.
    pub negative: usize,
    /// Leads whose outcome is unknown (blank, or not a value the spec
    /// reads): never counted as negatives.
    pub unknown: usize,
}

impl Split {
    /// Counts one lead.
    #[inline]
    pub fn add(&mut self, known: Known) {
        match known {
            Some(true) => self.positive += 1,
            Some(false) => self.negative += 1,
            None => self.unknown += 1,
        }
    }

    /// Adds another split's counts.
    pub fn merge(&mut self, other: &Split) {
        self.positive += other.positive;
        self.negative += other.negative;
        self.unknown += other.unknown;
    }

    /// Every lead counted.
    pub fn leads(&self) -> usize {
        self.positive + self.negative + self.unknown
    }

    /// `positive / (positive + negative)`, `None` when both are 0.
    pub fn rate(&self) -> Option<f64> {
        rate(self.positive, self.negative)
    }

    /// This split's rate over `base` (the rate of every lead with a known
    /// outcome); `None` when either is undefined or `base` is 0.
    pub fn lift(&self, base: Option<f64>) -> Option<f64> {
        lift(self.rate(), base)
    }

    /// `positive`, `negative`, `unknown` and `rate`, into a JSON object.
    pub fn json_into(&self, row: &mut serde_json::Map<String, serde_json::Value>) {
        use serde_json::json;
        row.insert("positive".to_string(), json!(self.positive));
        row.insert("negative".to_string(), json!(self.negative));
        row.insert("unknown".to_string(), json!(self.unknown));
        row.insert("rate".to_string(), json!(self.rate()));
    }

    /// Every lead's outcome as a report's `outcome` object: the spec and
    /// the counts.
    pub fn outcome_json(&self, spec: &OutcomeSpec) -> serde_json::Value {
        let mut o = serde_json::Map::new();
        o.insert("spec".into(), serde_json::json!(spec.text));
        self.json_into(&mut o);
        serde_json::Value::Object(o)
    }

    /// Every lead's outcome for people: `outcome SPEC: P positive, N
    /// negative, U unknown; rate R`.
    pub fn outcome_line(&self, spec: &OutcomeSpec) -> String {
        format!(
            "outcome {}: {} positive, {} negative, {} unknown; rate {}",
            crate::printable::escape(&spec.text),
            self.positive,
            self.negative,
            self.unknown,
            percent(self.rate())
        )
    }
}

/// `positive / (positive + negative)`, `None` when both are 0.
pub fn rate(positive: usize, negative: usize) -> Option<f64> {
    let known = positive + negative;
    (known > 0).then(|| positive as f64 / known as f64)
}

/// A rate over the base rate; `None` when either is undefined or the base
/// is 0.
pub fn lift(rate: Option<f64>, base: Option<f64>) -> Option<f64> {
    match (rate, base) {
        (Some(r), Some(b)) if b > 0.0 => Some(r / b),
        _ => None,
    }
}

/// A rate as a percentage for people (`71.3%`, `-` when undefined).
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "-".to_string(), |r| format!("{:.1}%", 100.0 * r))
}

/// A lift for people (`2.54×`, `-` when undefined).
pub fn times(lift: Option<f64>) -> String {
    lift.map_or_else(|| "-".to_string(), |l| format!("{l:.2}×"))
}

/// A bar of `n` out of `max`, at most `width` cells.
pub fn bar(n: usize, max: usize, width: usize) -> String {
    "█".repeat((n * width).div_ceil(max.max(1)))
}
