//! Accounting for a batch: every record counted by status and tier, so
//! the totals always add up to the input.

use std::collections::BTreeMap;

use crate::eval::{Outcome, Status};

/// Counts per status and tier.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    statuses: BTreeMap<&'static str, usize>,
    tiers: BTreeMap<String, usize>,
    total: usize,
    /// Whether the sink stopped the run early (`lq eval --max-errors`).
    pub stopped: bool,
}

impl Tally {
    /// Counts one outcome.
    pub fn add(&mut self, o: &Outcome) {
        self.add_status(o.status, o.tier.as_deref());
    }

    /// Counts one outcome by its status and tier.
    pub fn add_status(&mut self, status: Status, tier: Option<&str>) {
        self.total += 1;
        match self.statuses.get_mut(status.as_str()) {
            Some(n) => *n += 1,
            None => {
                self.statuses.insert(status.as_str(), 1);
            }
        }
        if let Some(t) = tier {
            match self.tiers.get_mut(t) {
                Some(n) => *n += 1,
                None => {
                    self.tiers.insert(t.to_string(), 1);
                }
            }
        }
    }

    /// Records counted.
    pub fn total(&self) -> usize {
        self.total
    }

    /// Records of one status.
    pub fn count(&self, s: Status) -> usize {
        self.statuses.get(s.as_str()).copied().unwrap_or(0)
    }

    /// Error outcomes so far.
    pub fn errors(&self) -> usize {
        self.count(Status::Error)
    }

    /// `N records: Q qualified, D disqualified, U unmatched, E errors`
    pub fn line(&self) -> String {
        format!(
            "{} records: {} qualified, {} disqualified, {} unmatched, {} errors",
            self.total,
            self.count(Status::Qualified),
            self.count(Status::Disqualified),
            self.count(Status::Unmatched),
            self.count(Status::Error)
        )
    }

    /// Records given a tier.
    pub fn tier(&self, tier: &str) -> usize {
        self.tiers.get(tier).copied().unwrap_or(0)
    }

    /// A bar per tier, best first.
    pub fn bars(&self, tiers: &[String]) -> String {
        let max = self.tiers.values().copied().max().unwrap_or(0).max(1);
        let width = tiers.iter().map(|t| t.len()).max().unwrap_or(1);
        let mut out = String::new();
        for tier in tiers {
            let count = self.tiers.get(tier).copied().unwrap_or(0);
            let bar = "█".repeat((count * 40).div_ceil(max));
            let pct = if self.total == 0 {
                0.0
            } else {
                100.0 * count as f64 / self.total as f64
            };
            out.push_str(&format!(
                "  tier {tier:<width$}  {count:>7}  {pct:>5.1}%  {bar}\n"
            ));
        }
        out
    }
}
