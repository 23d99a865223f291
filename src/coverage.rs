//! Coverage: for each disqualifier, score entry and tier rule, on how many
//! leads it fired (its condition was true) and how many it decided (it
//! disqualified the lead, changed its block's total, or gave the tier);
//! every class and route counted; and, with an outcome column, how many of
//! those leads converted and how well each score ranks them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::{json, Value};

use crate::eval::columnar::mask::low_bits;
use crate::eval::columnar::Lanes;
use crate::eval::decide::{decide_observed, Decision};
use crate::eval::items::Items;
use crate::insight::scores::Ranks;
use crate::insight::{bar, percent, times, Class, Classes, Known, OutcomeSpec, Split};
use crate::source::{line_col, Span};
use crate::value::Datum;
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
    /// The leads it fired on, by outcome.
    #[serde(skip)]
    pub outcomes: Split,
}

/// Coverage over many leads.
#[derive(Clone, Debug)]
pub struct Coverage {
    /// Every disqualifier, score entry and rule, in policy order.
    pub items: Vec<Counts>,
    /// Leads per class and per route, by outcome.
    pub classes: Classes,
    /// The scores of the leads with a known outcome, for AUC and deciles.
    pub ranks: Ranks,
    /// Leads counted, unreadable records included.
    pub leads: usize,
    /// The current block's points, entry by entry: the counter's buffer,
    /// kept from lead to lead.
    points: Vec<i128>,
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
        let plan = &policy.compiled;
        Coverage {
            items,
            classes: Classes::new(plan),
            ranks: Ranks::new(plan.blocks.iter().map(|b| b.name.clone()).collect()),
            leads: 0,
            points: Vec::new(),
        }
    }

    /// Counts one lead, from the evaluator's own steps.
    pub fn add(&mut self, policy: &Policy, record: &[Datum], as_of: i32) {
        self.decide(policy, record, as_of, &mut Decision::default(), None);
    }

    /// Decides one lead into `decision` and counts it, with what happened
    /// to it (`known`), in one evaluation (a [`crate::batch::Sink`] that
    /// counts coverage decides this way).
    pub fn decide(
        &mut self,
        policy: &Policy,
        record: &[Datum],
        as_of: i32,
        decision: &mut Decision,
        known: Known,
    ) {
        let plan = &policy.compiled;
        let items = &mut self.items;
        let watch = &mut Items::new(plan, &mut self.points, |item, fired, decided| {
            if let Some(c) = items.get_mut(item) {
                c.fired += usize::from(fired);
                c.decided += usize::from(decided);
                if fired {
                    c.outcomes.add(known);
                }
            }
        });
        decide_observed(plan, record, as_of, decision, watch);
        self.decided(policy, decision, known);
    }

    /// Counts one lead's class, route and score; its items are counted
    /// apart (by the row evaluator's steps, or a batch's masks).
    fn decided(&mut self, policy: &Policy, decision: &Decision, known: Known) {
        self.classes.decided(&policy.compiled, decision, known);
        if let Some(positive) = known {
            self.ranks.add(decision, positive);
        }
        self.leads += 1;
    }

    /// Counts the items of a batch decided by the columnar engine with
    /// [`Lanes::watch`]: lane `i`'s outcome is `known[i]` (lanes past
    /// `known` are not counted). Each count is a popcount of a mask.
    pub fn add_lanes(&mut self, lanes: &Lanes, known: &[Known]) {
        let n = known.len().min(lanes.len());
        let words = n.div_ceil(64);
        let (mut positive, mut negative) = (vec![0u64; words], vec![0u64; words]);
        for (lane, k) in known.iter().take(n).enumerate() {
            let bit = 1u64 << (lane % 64);
            match k {
                Some(true) => positive[lane / 64] |= bit,
                Some(false) => negative[lane / 64] |= bit,
                None => {}
            }
        }
        let ones = |w: u64| w.count_ones() as usize;
        for (item, counts) in self.items.iter_mut().enumerate() {
            let Some((fired, decided)) = lanes.item(item) else {
                break;
            };
            for w in 0..words {
                let valid = low_bits(n - w * 64);
                let f = fired.get(w).map_or(0, |f| f & valid);
                let d = decided.get(w).map_or(0, |d| d & valid);
                let (pos, neg) = (ones(f & positive[w]), ones(f & negative[w]));
                counts.fired += ones(f);
                counts.decided += ones(d);
                counts.outcomes.positive += pos;
                counts.outcomes.negative += neg;
                counts.outcomes.unknown += ones(f) - pos - neg;
            }
        }
    }

    /// Counts a record that could not be read: the `error` class.
    pub fn unreadable(&mut self, known: Known) {
        self.classes.add(Class::Error, known);
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

    /// Tables for people: the items, then every class and route with a
    /// bar; with an outcome, the conversion of each, and how well each
    /// score ranks the leads.
    pub fn render(&self, outcome: Option<&OutcomeSpec>) -> String {
        let mut out = String::new();
        let base = self.classes.total().rate();
        let width = self
            .items
            .iter()
            .map(|c| c.label.chars().count().min(60))
            .max()
            .unwrap_or(10)
            .max(10);
        let _ = write!(
            out,
            "{:<12} {:>5}  {:<width$}  {:>7}  {:>7}",
            "kind", "line", "item", "fired", "decided"
        );
        let _ = writeln!(
            out,
            "{}",
            if outcome.is_some() {
                "  converted     lift"
            } else {
                ""
            }
        );
        for c in &self.items {
            let label: String = c.label.chars().take(60).collect();
            let flag = if c.fired == 0 {
                "  ← never fired"
            } else {
                ""
            };
            let _ = write!(
                out,
                "{:<12} {:>5}  {label:<width$}  {:>7}  {:>7}",
                c.kind, c.line, c.fired, c.decided
            );
            if outcome.is_some() {
                let _ = write!(
                    out,
                    "  {:>9}  {:>7}",
                    percent(c.outcomes.rate()),
                    times(c.outcomes.lift(base))
                );
            }
            let _ = writeln!(out, "{flag}");
        }
        let _ = writeln!(out, "\n{} leads", self.leads);
        if let Some(spec) = outcome {
            let _ = writeln!(out, "{}", self.classes.total().outcome_line(spec));
        }
        let _ = writeln!(out, "\nclasses");
        self.render_rows(&mut out, &self.classes.classes, outcome.is_some(), base);
        if !self.classes.routes.is_empty() {
            let _ = writeln!(out, "\nroutes (the load each queue gets)");
            self.render_rows(&mut out, &self.classes.routes, outcome.is_some(), base);
        }
        if outcome.is_some() {
            let all = self.classes.total();
            for r in self.ranks.rankings(base, all.positive) {
                let name = r
                    .block
                    .as_deref()
                    .map_or_else(|| "score".to_string(), |b| format!("block {b}"));
                let auc = r.auc.map_or_else(|| "-".to_string(), |a| format!("{a:.3}"));
                let _ = writeln!(out, "\n{name}: AUC {auc}");
                if r.block.is_some() {
                    continue;
                }
                let _ = writeln!(
                    out,
                    "  decile  scores         leads  positive   rate     lift   gain"
                );
                for d in &r.deciles {
                    let _ = writeln!(
                        out,
                        "  {:>6}  {:>13}  {:>6}  {:>8}  {:>6}  {:>6}  {:>5}",
                        d.decile,
                        format!("{}..{}", d.min, d.max),
                        d.leads,
                        d.positive,
                        percent(d.rate),
                        times(d.lift),
                        percent(d.cumulative_gain)
                    );
                }
            }
        }
        out
    }

    /// Class or route rows, each with its share of the leads and a bar.
    fn render_rows(
        &self,
        out: &mut String,
        rows: &[crate::insight::ClassCounts],
        with_outcome: bool,
        base: Option<f64>,
    ) {
        let max = rows.iter().map(|c| c.split.leads()).max().unwrap_or(0);
        let name_width = rows
            .iter()
            .map(|c| c.class.chars().count())
            .max()
            .unwrap_or(1)
            .max(5);
        for c in rows {
            let n = c.split.leads();
            let share = if self.leads == 0 {
                0.0
            } else {
                100.0 * n as f64 / self.leads as f64
            };
            let _ = write!(
                out,
                "  {:<name_width$}  {n:>7}  {share:>5.1}%",
                crate::printable::escape(&c.class)
            );
            if with_outcome {
                let _ = write!(
                    out,
                    "  {:>6} converted  {:>7}",
                    percent(c.split.rate()),
                    times(c.split.lift(base))
                );
            }
            let drawn = bar(n, max, 40);
            if drawn.is_empty() {
                out.push('\n');
            } else {
                let _ = writeln!(out, "  {drawn}");
            }
        }
    }

    /// The coverage as JSON: `items`, `classes` and `routes` (`leads`
    /// only, or with an outcome their conversion), `leads`; with an
    /// outcome also `outcome` and `scores` (AUC and deciles).
    pub fn json(&self, outcome: Option<&OutcomeSpec>) -> Value {
        let all = self.classes.total();
        let base = all.rate();
        let items: Vec<Value> = self
            .items
            .iter()
            .map(|c| {
                let mut row = serde_json::Map::new();
                row.insert("kind".into(), json!(c.kind));
                row.insert("label".into(), json!(c.label));
                row.insert("line".into(), json!(c.line));
                row.insert("fired".into(), json!(c.fired));
                row.insert("decided".into(), json!(c.decided));
                if outcome.is_some() {
                    c.outcomes.json_into(&mut row);
                    row.insert("lift".into(), json!(c.outcomes.lift(base)));
                }
                Value::Object(row)
            })
            .collect();
        let tiers: BTreeMap<&str, usize> = self
            .classes
            .classes
            .iter()
            .take(self.classes.tiers())
            .map(|c| (c.class.as_str(), c.split.leads()))
            .collect();
        let mut doc = serde_json::Map::new();
        doc.insert("leads".into(), json!(self.leads));
        if let Some(spec) = outcome {
            doc.insert("outcome".into(), all.outcome_json(spec));
        }
        doc.insert("classes".into(), self.classes.json(outcome.is_some()));
        doc.insert("routes".into(), self.classes.routes_json(outcome.is_some()));
        doc.insert("items".into(), Value::Array(items));
        doc.insert("tiers".into(), json!(tiers));
        if outcome.is_some() {
            let scores: Vec<Value> = self
                .ranks
                .rankings(base, all.positive)
                .iter()
                .map(|r| r.json())
                .collect();
            doc.insert("scores".into(), Value::Array(scores));
        }
        Value::Object(doc)
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

/// Counts the coverage of `policy` over `readers` through the batch
/// engine (`lq coverage`, the playground): every lead decided with the
/// coverage observer, every unreadable one counted as `error`. `advanced`
/// hears how many records were read, for a progress bar.
pub fn count(
    policy: &Policy,
    readers: Vec<crate::data::RecordReader<'_>>,
    as_of: i32,
    outcome: Option<&OutcomeSpec>,
    advanced: &mut dyn FnMut(usize),
) -> Result<Coverage, crate::data::DataError> {
    let mut counting = Counting {
        policy,
        coverage: Coverage::new(policy),
        outcome,
        advanced,
        known: Vec::new(),
    };
    match crate::batch::Batch::new(policy, as_of).run(readers, &mut counting) {
        Ok(_) => Ok(counting.coverage),
        Err(crate::batch::Failed::Data(e)) => Err(e),
        Err(crate::batch::Failed::Sink(never)) => match never {},
    }
}

/// The batch sink of [`count`]: counts each lead as it is decided.
struct Counting<'p, 'a> {
    policy: &'p Policy,
    coverage: Coverage,
    outcome: Option<&'p OutcomeSpec>,
    advanced: &'a mut dyn FnMut(usize),
    /// The outcome of each lead of the batch, lane by lane.
    known: Vec<Known>,
}

impl Counting<'_, '_> {
    /// What the carried outcome column says (unknown without one).
    fn outcome_of(&self, carried: &[String]) -> Known {
        let spec = self.outcome?;
        spec.read(carried.first().map_or("", String::as_str))
    }
}

impl crate::batch::Sink for Counting<'_, '_> {
    type Error = std::convert::Infallible;

    /// Coverage is counted from each batch's masks.
    fn watches(&self) -> bool {
        true
    }

    fn lanes(&mut self, lanes: &Lanes) {
        self.coverage.add_lanes(lanes, &self.known);
        self.known.clear();
    }

    #[inline]
    fn advanced(&mut self, records: usize) {
        (self.advanced)(records);
    }

    fn decided(
        &mut self,
        record: crate::batch::Record<'_>,
        decision: &Decision,
    ) -> Result<crate::batch::Flow, Self::Error> {
        let known = self.outcome_of(record.carried);
        self.coverage.decided(self.policy, decision, known);
        self.known.push(known);
        Ok(crate::batch::Flow::Go)
    }

    /// Unreadable records are the `error` class.
    fn unreadable(
        &mut self,
        _: crate::data::RecordError,
        carried: &[String],
    ) -> Result<crate::batch::Flow, Self::Error> {
        let known = self.outcome_of(carried);
        self.coverage.unreadable(known);
        Ok(crate::batch::Flow::Go)
    }
}
