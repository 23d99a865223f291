//! Which parts of a policy fired and which decided, for one lead: the
//! facts coverage counts. Items are numbered in policy order: the
//! disqualifiers, then every block's entries, then the rules.
//!
//! An item *fired* when its condition held (an entry also when it added
//! points; a rule also when an earlier rule had already decided, or the
//! lead was disqualified: it is shadowed). It *decided* when it
//! disqualified the lead, when its block's total would differ without it,
//! or when it gave the tier. [`Items`] reports them as the row evaluator
//! reaches each step; the columnar engine computes the same facts as bit
//! masks over a batch, and hands the leads it decides on the row evaluator
//! to [`Items`].

use super::decide::{clamp_score, EntryFact, Observer};
use crate::compile::Compiled;
use crate::value::{Env, Truth};

/// An observer that calls `report(item, fired, decided)` for each step of
/// one decision (an entry's `decided` comes with its block's total, in a
/// second report with `fired` false).
pub struct Items<'a, F: FnMut(usize, bool, bool)> {
    plan: &'a Compiled,
    report: F,
    /// The number of the current block's first entry item.
    block_from: usize,
    /// The current block's points, entry by entry (the caller's buffer,
    /// kept from lead to lead).
    points: &'a mut Vec<i128>,
}

impl<'a, F: FnMut(usize, bool, bool)> Items<'a, F> {
    /// Watches one decision of `plan`, with `points` as its scratch buffer.
    pub fn new(plan: &'a Compiled, points: &'a mut Vec<i128>, report: F) -> Self {
        points.clear();
        Items {
            plan,
            report,
            block_from: plan.disqualifiers.len(),
            points,
        }
    }

    /// The number of the first rule item.
    fn rules_from(&self) -> usize {
        item_count(self.plan) - self.plan.rules.len()
    }
}

/// How many items `plan` has.
pub fn item_count(plan: &Compiled) -> usize {
    plan.disqualifiers.len()
        + plan.blocks.iter().map(|b| b.entries.len()).sum::<usize>()
        + plan.rules.len()
}

/// Block `cap` and `floor` applied to a sum.
#[inline]
pub fn bounded(sum: i64, cap: Option<i64>, floor: Option<i64>) -> i64 {
    let capped = cap.map_or(sum, |c| sum.min(c));
    floor.map_or(capped, |f| capped.max(f))
}

impl<F: FnMut(usize, bool, bool)> Observer for Items<'_, F> {
    /// Shadowed rules count as fired (their condition held) though they
    /// did not decide.
    const ALL_RULES: bool = true;

    fn disqualifier(&mut self, index: usize, value: Truth, _env: &Env<'_>) {
        let fired = value == Truth::True;
        (self.report)(index, fired, fired);
    }

    fn entry(&mut self, _block: usize, entry: usize, fact: EntryFact, points: i128, _: &Env<'_>) {
        if entry == 0 {
            self.points.clear();
        }
        self.points.push(points);
        let fired = points != 0 || fact == EntryFact::When(Truth::True);
        (self.report)(self.block_from + entry, fired, false);
    }

    /// An entry decided when its block's total would differ without it.
    fn block(&mut self, block: usize, _sum: i64, total: i64) {
        let Some(b) = self.plan.blocks.get(block) else {
            return;
        };
        if b.entries.is_empty() {
            self.points.clear();
        }
        let exact = self.points.iter().fold(0i128, |a, p| a.saturating_add(*p));
        for (e, p) in self.points.iter().enumerate() {
            let without = clamp_score(exact.saturating_sub(*p));
            if bounded(without, b.cap, b.floor) != total {
                (self.report)(self.block_from + e, false, true);
            }
        }
        self.block_from += b.entries.len();
    }

    fn rule(&mut self, index: usize, value: Truth, decided: bool, _env: &Env<'_>) {
        let item = self.rules_from() + index;
        (self.report)(item, value == Truth::True, decided);
    }

    fn untried_rule(&mut self, index: usize, value: Truth, _env: &Env<'_>) {
        let item = self.rules_from() + index;
        (self.report)(item, value == Truth::True, false);
    }
}
