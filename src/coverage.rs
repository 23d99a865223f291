//! Coverage: for each disqualifier, score entry and tier rule, on how many
//! leads it fired (its condition was true) and how many it decided (it
//! disqualified the lead, changed its block's total, or gave the tier).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::eval::interp::{block_total, clamp_score, decide, entry_points, truth, Env};
use crate::source::{line_col, Span};
use crate::value::{Datum, Truth};
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

    /// Counts one lead.
    pub fn add(&mut self, policy: &Policy, record: &[Datum], as_of: i32) {
        let plan = &policy.compiled;
        let decision = decide(plan, record, as_of);
        let env = Env {
            record,
            as_of,
            blocks: &[],
            total: 0,
        };
        let mut i = 0;
        for d in &plan.disqualifiers {
            if truth(&d.when, &env) == Truth::True {
                self.items[i].fired += 1;
                self.items[i].decided += 1;
            }
            i += 1;
        }
        for (b, block) in plan.blocks.iter().enumerate() {
            let total = decision.blocks[b];
            let sum: i128 = block
                .entries
                .iter()
                .map(|e| entry_points(e, &env))
                .fold(0, i128::saturating_add);
            for e in &block.entries {
                let added = entry_points(e, &env);
                if added != 0 || (!e.per && truth(&e.expr, &env) == Truth::True) {
                    self.items[i].fired += 1;
                }
                let mut without = clamp_score(sum.saturating_sub(added));
                if let Some(cap) = block.cap {
                    without = without.min(cap);
                }
                if let Some(floor) = block.floor {
                    without = without.max(floor);
                }
                if without != total {
                    self.items[i].decided += 1;
                }
                i += 1;
            }
            debug_assert_eq!(total, block_total(block, &env));
        }
        let rules_env = Env {
            record,
            as_of,
            blocks: &decision.blocks,
            total: decision.score,
        };
        for (r, rule) in plan.rules.iter().enumerate() {
            if rule
                .when
                .as_ref()
                .is_none_or(|w| truth(w, &rules_env) == Truth::True)
            {
                self.items[i].fired += 1;
            }
            if decision.rule == Some(r) {
                self.items[i].decided += 1;
                if let Some(t) = policy.checked().tiers.get(rule.tier) {
                    *self.tiers.entry(t.clone()).or_default() += 1;
                }
            }
            i += 1;
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
