//! The one row evaluator: a compiled policy's decision for one record, in
//! the fixed order (every disqualifier; every score block, entry by entry,
//! then its cap and floor; then the tier rules, first match, unless the
//! lead was disqualified).
//!
//! The order is written here once. Whoever wants to see the steps — a
//! trace for `lq explain`, coverage counts, a test's failure trace, the
//! REPL's `:explain` — passes an [`Observer`]; the hot path passes
//! [`Quiet`], whose empty methods the compiler removes, so observing costs
//! nothing when nobody looks.

use super::interp::{eval, truth};
use crate::compile::plan::{Node, PlanBlock, PlanEntry};
use crate::compile::Compiled;
use crate::value::{Datum, Env, Truth, Value};

/// The decision for one record, as indices into the policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    /// The disqualifiers that fired, in order.
    pub disqualified_by: Vec<usize>,
    /// Each block's total.
    pub blocks: Vec<i64>,
    /// The total score.
    pub score: i64,
    /// The rule that gave the tier, if any (none when disqualified).
    pub rule: Option<usize>,
}

/// What a score entry found: a `when` condition's value, or a `per`
/// multiplier's (missing counts as 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryFact {
    /// `+N when …`: the condition's value.
    When(Truth),
    /// `+N per …`: the multiplier.
    Per(i64),
}

/// Watches the steps of [`decide_observed`] as they happen. Every method
/// has an empty default; the `env` given is the one the step was
/// evaluated in (no scores yet for disqualifiers and entries, every
/// block's total and the score for rules), so an observer can evaluate
/// more of the policy (the parts of a condition) exactly as the step saw
/// it.
pub trait Observer {
    /// Whether the rules the decision did not need (after the first match,
    /// or all of them for a disqualified lead) are evaluated too and
    /// reported by [`Observer::untried_rule`]; coverage wants them, to
    /// count shadowed rules. The decision is the same either way.
    const ALL_RULES: bool = false;

    /// Disqualifier `index`'s condition had `value`.
    #[inline(always)]
    fn disqualifier(&mut self, _index: usize, _value: Truth, _env: &Env<'_>) {}

    /// Entry `entry` of block `block` found `fact` and adds `points`
    /// (exact: a `per` product of two `i64`s fits an `i128`).
    #[inline(always)]
    fn entry(
        &mut self,
        _block: usize,
        _entry: usize,
        _fact: EntryFact,
        _points: i128,
        _env: &Env<'_>,
    ) {
    }

    /// Block `block` summed to `sum` (held within a score's range) and,
    /// after its cap and floor, to `total`.
    #[inline(always)]
    fn block(&mut self, _block: usize, _sum: i64, _total: i64) {}

    /// Rule `index` was tried: its condition had `value` (`otherwise` is
    /// true), and it gave the tier when `decided`.
    #[inline(always)]
    fn rule(&mut self, _index: usize, _value: Truth, _decided: bool, _env: &Env<'_>) {}

    /// Only when [`Observer::ALL_RULES`]: rule `index`, not needed by the
    /// decision, had `value`.
    #[inline(always)]
    fn untried_rule(&mut self, _index: usize, _value: Truth, _env: &Env<'_>) {}
}

/// The observer that watches nothing: the hot path.
#[derive(Clone, Copy, Debug, Default)]
pub struct Quiet;

impl Observer for Quiet {}

/// Evaluates a compiled policy over one record.
pub fn decide(plan: &Compiled, record: &[Datum], as_of: i32) -> Decision {
    let mut decision = Decision::default();
    decide_into(plan, record, as_of, &mut decision);
    decision
}

/// [`decide`] into an existing decision, reusing its storage.
#[inline]
pub fn decide_into(plan: &Compiled, record: &[Datum], as_of: i32, d: &mut Decision) {
    decide_observed(plan, record, as_of, d, &mut Quiet);
}

/// [`decide_into`], reporting every step to `watch`.
#[inline]
pub fn decide_observed<O: Observer>(
    plan: &Compiled,
    record: &[Datum],
    as_of: i32,
    d: &mut Decision,
    watch: &mut O,
) {
    let env = Env {
        record,
        as_of,
        blocks: &[],
        total: 0,
    };
    d.disqualified_by.clear();
    for (i, q) in plan.disqualifiers.iter().enumerate() {
        let fired = match &q.cond {
            Some(c) => c.truth(&env),
            None => truth(&q.when, &env),
        };
        watch.disqualifier(i, fired, &env);
        if fired == Truth::True {
            d.disqualified_by.push(i);
        }
    }
    d.blocks.clear();
    for (b, block) in plan.blocks.iter().enumerate() {
        let total = block_total(b, block, &env, watch);
        d.blocks.push(total);
    }
    d.score = d
        .blocks
        .iter()
        .try_fold(0i64, |acc, b| acc.checked_add(*b))
        .unwrap_or_else(|| score_of(d.blocks.iter().map(|b| i128::from(*b))));
    let env = Env {
        record,
        as_of,
        blocks: &d.blocks,
        total: d.score,
    };
    let mut decided = None;
    if d.disqualified_by.is_empty() {
        for (i, r) in plan.rules.iter().enumerate() {
            let value = rule_truth(r, &env);
            let fires = value == Truth::True;
            watch.rule(i, value, fires, &env);
            if fires {
                decided = Some(i);
                break;
            }
        }
    }
    if O::ALL_RULES {
        let first_untried = decided.map_or(0, |i| i + 1);
        let untried = if d.disqualified_by.is_empty() && decided.is_none() {
            plan.rules.len()
        } else {
            first_untried
        };
        for (i, r) in plan.rules.iter().enumerate().skip(untried) {
            watch.untried_rule(i, rule_truth(r, &env), &env);
        }
    }
    d.rule = decided;
}

/// A rule's condition (`otherwise` is true).
#[inline(always)]
fn rule_truth(r: &crate::compile::plan::PlanRule, env: &Env<'_>) -> Truth {
    match (&r.cond, &r.when) {
        (Some(c), _) => c.truth(env),
        (None, Some(w)) => truth(w, env),
        (None, None) => Truth::True,
    }
}

/// One block's total: entries that fire, summed exactly and held within a
/// score's range ([`score_of`]), then the cap and the floor.
#[inline(always)]
fn block_total<O: Observer>(b: usize, block: &PlanBlock, env: &Env<'_>, watch: &mut O) -> i64 {
    // Summed in 64 bits while nothing overflows (every real policy); the
    // exact 128-bit sum from the first entry that would.
    let mut sum: i64 = 0;
    let mut wide: Option<i128> = None;
    for (e, entry) in block.entries.iter().enumerate() {
        let (fact, points) = entry_points(entry, env);
        watch.entry(b, e, fact, points, env);
        match wide {
            Some(w) => wide = Some(w.saturating_add(points)),
            None => match i64::try_from(points).ok().and_then(|p| sum.checked_add(p)) {
                Some(s) => sum = s,
                None => wide = Some(i128::from(sum).saturating_add(points)),
            },
        }
    }
    let sum = wide.map_or(sum, clamp_score);
    let mut total = sum;
    if let Some(cap) = block.cap {
        total = total.min(cap);
    }
    if let Some(floor) = block.floor {
        total = total.max(floor);
    }
    watch.block(b, sum, total);
    total
}

/// What one entry found, and the points it adds, exactly.
#[inline(always)]
fn entry_points(entry: &PlanEntry, env: &Env<'_>) -> (EntryFact, i128) {
    if entry.per {
        let n = match &entry.expr {
            // `+2 per visits`: the commonest multiplier, read from its slot.
            Node::Field(s) => match env.record.get(*s) {
                Some(Datum::Int(n)) => *n,
                _ => 0,
            },
            expr => match eval(expr, env) {
                Value::Int(n) => n,
                _ => 0,
            },
        };
        (EntryFact::Per(n), i128::from(entry.points) * i128::from(n))
    } else {
        let t = match &entry.cond {
            Some(c) => c.truth(env),
            None => truth(&entry.expr, env),
        };
        let points = if t == Truth::True { entry.points } else { 0 };
        (EntryFact::When(t), i128::from(points))
    }
}

/// A sum of exact points held within the range of a score (an `i64`):
/// scores are computed exactly, and a block or total beyond
/// ±9,223,372,036,854,775,807 is that bound. The SQL back ends do the same
/// in a wider type, so every engine gives the same score.
pub fn score_of(points: impl IntoIterator<Item = i128>) -> i64 {
    let sum = points.into_iter().fold(0i128, i128::saturating_add);
    clamp_score(sum)
}

/// An exact value held within the range of a score.
pub fn clamp_score(exact: i128) -> i64 {
    i64::try_from(exact).unwrap_or(if exact < 0 { i64::MIN } else { i64::MAX })
}
