//! Coverage: for each disqualifier, score entry and tier rule, on how many
//! leads it fired (its condition was true) and how many it decided (it
//! disqualified the lead, changed its block's total, or gave the tier).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::eval::decide::{clamp_score, decide_observed, Decision, EntryFact, Observer};
use crate::source::{line_col, Span};
use crate::value::{Datum, Env, Truth};
use crate::Policy;

/// What one disqualifier, entry or rule did over many leads.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// `disqualifier`, `score entry` or `rule`.
    pub kind: &'static str,
    /// Its label: the reason, the entry's text, the rule's name.
    pub label: String,
    /// The line it starts on.
    pub line: usize,
    /// Leads for which its condition was true.
    pub fired: usize,
    /// Leads it decided.
    pub decided: usize,
}

/// Coverage over many leads.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Coverage {
    /// Every disqualifier, score entry and rule, in policy order.
    pub items: Vec<Counts>,
    /// Leads per tier.
    pub tiers: BTreeMap<String, usize>,
    /// Leads counted.
    pub leads: usize,
}

impl Coverage {
    /// Empty coverage for a policy.
    pub fn new(policy: &Policy) -> Coverage {
        let checked = policy.checked();
        let text = &policy.source.text;
        let line = |s: Span| line_col(text, s.start).0;
        let snippet = |s: Span| {
            text.get(s.start..s.end)
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut items = Vec::new();
        for d in &checked.disqualifiers {
            items.push(Counts {
                kind: "disqualifier",
                label: d.reason.clone(),
                line: line(d.span),
                ..Counts::default()
            });
        }
        for b in &checked.blocks {
            for e in &b.entries {
                items.push(Counts {
                    kind: "score entry",
                    label: snippet(e.span),
                    line: line(e.span),
                    ..Counts::default()
                });
            }
        }
        for r in &checked.rules {
            items.push(Counts {
                kind: "rule",
                label: r.label.clone(),
                line: line(r.span),
                ..Counts::default()
            });
        }
        Coverage {
            items,
            tiers: BTreeMap::new(),
            leads: 0,
        }
    }

    /// Counts one lead, from the evaluator's own steps.
    pub fn add(&mut self, policy: &Policy, record: &[Datum], as_of: i32) {
        self.decide(policy, record, as_of, &mut Decision::default());
    }

    /// Decides one lead into `decision` and counts it, in one evaluation
    /// (a [`crate::batch::Sink`] that counts coverage decides this way).
    pub fn decide(
        &mut self,
        policy: &Policy,
        record: &[Datum],
        as_of: i32,
        decision: &mut Decision,
    ) {
        let plan = &policy.compiled;
        let mut counter = Counter {
            plan,
            items: &mut self.items,
            entries_from: plan.disqualifiers.len(),
            rules_from: plan.disqualifiers.len()
                + plan.blocks.iter().map(|b| b.entries.len()).sum::<usize>(),
            block_from: 0,
            points: Vec::new(),
        };
        decide_observed(plan, record, as_of, decision, &mut counter);
        if let Some(t) = decision
            .rule
            .and_then(|r| plan.rules.get(r))
            .and_then(|r| policy.checked().tiers.get(r.tier))
        {
            *self.tiers.entry(t.clone()).or_default() += 1;
        }
        self.leads += 1;
    }

    /// The items nothing exercised (never fired nor decided).
    pub fn unexercised(&self) -> impl Iterator<Item = &Counts> {
        self.items.iter().filter(|c| c.fired == 0 && c.decided == 0)
    }

    /// The share of items exercised, in percent.
    pub fn percent(&self) -> f64 {
        if self.items.is_empty() {
            return 100.0;
        }
        let exercised = self.items.len() - self.unexercised().count();
        100.0 * exercised as f64 / self.items.len() as f64
    }

    /// A table for people, with a bar per tier.
    pub fn render(&self, tiers: &[String]) -> String {
        let mut out = String::new();
        let width = self
            .items
            .iter()
            .map(|c| c.label.chars().count().min(60))
            .max()
            .unwrap_or(10)
            .max(10);
        let _ = writeln!(
            out,
            "{:<12} {:>5}  {:<width$}  {:>7}  {:>7}",
            "kind", "line", "item", "fired", "decided"
        );
        for c in &self.items {
            let label: String = c.label.chars().take(60).collect();
            let flag = if c.fired == 0 {
                "  ← never fired"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "{:<12} {:>5}  {label:<width$}  {:>7}  {:>7}{flag}",
                c.kind, c.line, c.fired, c.decided
            );
        }
        let _ = writeln!(out, "\n{} leads", self.leads);
        let max = self.tiers.values().copied().max().unwrap_or(0).max(1);
        let tier_width = tiers.iter().map(|t| t.len()).max().unwrap_or(1);
        for t in tiers {
            let n = self.tiers.get(t).copied().unwrap_or(0);
            let pct = if self.leads == 0 {
                0.0
            } else {
                100.0 * n as f64 / self.leads as f64
            };
            let _ = writeln!(
                out,
                "  tier {t:<tier_width$}  {n:>7}  {pct:>5.1}%  {}",
                "█".repeat((n * 40).div_ceil(max))
            );
        }
        out
    }

    /// LCOV, a line per item with its fired count as hits.
    pub fn lcov(&self, file: &str) -> String {
        let mut out = format!("TN:\nSF:{file}\n");
        let mut lines: BTreeMap<usize, usize> = BTreeMap::new();
        for c in &self.items {
            *lines.entry(c.line).or_default() += c.fired.max(c.decided);
        }
        for (line, hits) in &lines {
            let _ = writeln!(out, "DA:{line},{hits}");
        }
        let hit = lines.values().filter(|h| **h > 0).count();
        let _ = write!(out, "LF:{}\nLH:{hit}\nend_of_record\n", lines.len());
        out
    }
}

/// The observer behind [`Coverage::add`]: counts each item as the
/// evaluator reaches it (items are numbered disqualifiers first, then each
/// block's entries, then the rules).
struct Counter<'a> {
    plan: &'a crate::compile::Compiled,
    items: &'a mut [Counts],
    /// The number of the first entry item, and of the first rule item.
    entries_from: usize,
    rules_from: usize,
    /// The number of the current block's first entry item.
    block_from: usize,
    /// The current block's points, entry by entry.
    points: Vec<i128>,
}

impl Counter<'_> {
    fn count(&mut self, item: usize, fired: bool, decided: bool) {
        if let Some(c) = self.items.get_mut(item) {
            c.fired += usize::from(fired);
            c.decided += usize::from(decided);
        }
    }
}

impl Observer for Counter<'_> {
    /// Shadowed rules count as fired (their condition held) though they
    /// did not decide.
    const ALL_RULES: bool = true;

    fn disqualifier(&mut self, index: usize, value: Truth, _env: &Env<'_>) {
        let fired = value == Truth::True;
        self.count(index, fired, fired);
    }

    fn entry(
        &mut self,
        _block: usize,
        entry: usize,
        fact: EntryFact,
        points: i128,
        _env: &Env<'_>,
    ) {
        if entry == 0 {
            self.points.clear();
        }
        self.points.push(points);
        let fired = points != 0 || fact == EntryFact::When(Truth::True);
        self.count(self.entries_from + self.block_from + entry, fired, false);
    }

    /// An entry decided when its block's total would differ without it.
    fn block(&mut self, block: usize, _sum: i64, total: i64) {
        let entries = self.plan.blocks.get(block).map_or(0, |b| b.entries.len());
        if entries == 0 {
            self.points.clear();
        }
        let exact = self.points.iter().fold(0i128, |a, p| a.saturating_add(*p));
        for e in 0..self.points.len() {
            let Some(b) = self.plan.blocks.get(block) else {
                break;
            };
            let mut without = clamp_score(exact.saturating_sub(self.points[e]));
            if let Some(cap) = b.cap {
                without = without.min(cap);
            }
            if let Some(floor) = b.floor {
                without = without.max(floor);
            }
            if without != total {
                self.count(self.entries_from + self.block_from + e, false, true);
            }
        }
        self.block_from += entries;
    }

    fn rule(&mut self, index: usize, value: Truth, decided: bool, _env: &Env<'_>) {
        self.count(self.rules_from + index, value == Truth::True, decided);
    }

    fn untried_rule(&mut self, index: usize, value: Truth, _env: &Env<'_>) {
        self.count(self.rules_from + index, value == Truth::True, false);
    }
}
