//! Accounting for a batch: every record counted by status and tier, so
//! the totals always add up to the input.

use crate::eval::{Outcome, Status};

/// Counts per status and tier.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// By status, in the order of [`slot`].
    statuses: [usize; 4],
    /// Each tier seen (or given by [`Tally::for_tiers`]) and its count.
    tiers: Vec<(String, usize)>,
    total: usize,
    /// Whether the sink stopped the run early (`lq eval --max-errors`).
    pub stopped: bool,
    /// The most worker threads an input was evaluated on (0: all on the
    /// caller's thread).
    pub workers: usize,
}

/// A status's place in [`Tally`]'s counts.
fn slot(s: Status) -> usize {
    match s {
        Status::Qualified => 0,
        Status::Disqualified => 1,
        Status::Unmatched => 2,
        Status::Error => 3,
    }
}

impl Tally {
    /// An empty tally for a policy's tiers, which can then be counted by
    /// index ([`Tally::add_indexed`]).
    pub fn for_tiers(tiers: &[String]) -> Tally {
        Tally {
            tiers: tiers.iter().map(|t| (t.clone(), 0)).collect(),
            ..Tally::default()
        }
    }

    /// Counts one outcome.
    pub fn add(&mut self, o: &Outcome) {
        self.add_status(o.status, o.tier.as_deref());
    }

    /// Counts one outcome by its status and tier name.
    pub fn add_status(&mut self, status: Status, tier: Option<&str>) {
        let index = tier.map(|t| match self.tiers.iter().position(|(n, _)| n == t) {
            Some(i) => i,
            None => {
                self.tiers.push((t.to_string(), 0));
                self.tiers.len() - 1
            }
        });
        self.add_indexed(status, index);
    }

    /// Counts one outcome by its status and the index of its tier among
    /// those of [`Tally::for_tiers`] (the policy's tier order).
    #[inline]
    pub fn add_indexed(&mut self, status: Status, tier: Option<usize>) {
        self.total += 1;
        self.statuses[slot(status)] += 1;
        if let Some((_, n)) = tier.and_then(|t| self.tiers.get_mut(t)) {
            *n += 1;
        }
    }

    /// Records counted.
    pub fn total(&self) -> usize {
        self.total
    }

    /// Records of one status.
    pub fn count(&self, s: Status) -> usize {
        self.statuses[slot(s)]
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
        self.tiers
            .iter()
            .find(|(n, _)| n == tier)
            .map_or(0, |(_, c)| *c)
    }

    /// A bar per tier, best first.
    pub fn bars(&self, tiers: &[String]) -> String {
        let max = self.tiers.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1);
        let width = tiers.iter().map(|t| t.len()).max().unwrap_or(1);
        let mut out = String::new();
        for tier in tiers {
            let count = self.tier(tier);
            let bar = crate::insight::bar(count, max, 40);
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
