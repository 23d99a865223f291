//! `lq sweep`: where should the line be? For every cut-off a score takes
//! on the data, the leads at or above it (neither disqualified nor
//! errors), how many converted, and the share of all positives they hold.
//! With a capacity (the leads sales can work), the lowest cut-off that
//! fits, against the policy's own boundary when a tier rule is a plain
//! score comparison.

use serde_json::{json, Value};

use super::{bar, lift, percent, rate, times, Known, Split};
use crate::check::tir::{TExpr, TKind};
use crate::data::table::Table;
use crate::eval::{Decision, Status};
use crate::syntax::ast::CompareOp;
use crate::value::Datum;
use crate::Policy;

/// The scores of the leads a cut-off can pick, and every lead's outcome.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// The swept block's index among the policy's blocks; `None` for the
    /// total score.
    block: Option<usize>,
    /// The block's name.
    name: Option<String>,
    /// Each lead neither disqualified nor an error: its score and outcome.
    leads: Vec<(i64, Known)>,
    /// Every record read, by outcome (recall is over all known positives).
    all: Split,
}

/// One cut-off's row.
#[derive(Clone, Debug, PartialEq)]
pub struct Cut {
    /// The cut-off: leads scoring at least this.
    pub cutoff: i64,
    /// Those leads, by outcome.
    pub split: Split,
    /// Their rate (precision).
    pub rate: Option<f64>,
    /// Their share of every known positive in the data.
    pub recall: Option<f64>,
    /// Their rate over the rate of every lead with a known outcome.
    pub lift: Option<f64>,
}

/// The policy's own boundary: the first tier rule whose whole condition
/// is `S >= k` or `S > k` for the swept score `S`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Boundary {
    /// The rule's label.
    pub rule: String,
    /// Its tier.
    pub tier: String,
    /// The lowest score it takes.
    pub cutoff: i64,
}

/// Why a sweep cannot be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoSuchBlock {
    /// The name asked for.
    pub name: String,
    /// The named blocks there are.
    pub blocks: Vec<String>,
}

impl std::fmt::Display for NoSuchBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hint =
            crate::diagnostic::did_you_mean(&self.name, self.blocks.iter().map(String::as_str))
                .map_or_else(String::new, |b| format!("did you mean `{b}`? "));
        write!(
            f,
            "the policy has no score block `{}`; {hint}its named blocks are {}",
            crate::printable::escape(&self.name),
            crate::diagnostic::list_names(&self.blocks)
        )
    }
}

impl Sweep {
    /// An empty sweep of the total score (`block: None`) or of a named
    /// block.
    pub fn new(policy: &Policy, block: Option<&str>) -> Result<Sweep, NoSuchBlock> {
        let blocks = &policy.checked().blocks;
        let index = match block {
            None => None,
            Some(name) => Some(
                blocks
                    .iter()
                    .position(|b| b.name.as_deref() == Some(name))
                    .ok_or_else(|| NoSuchBlock {
                        name: name.to_string(),
                        blocks: policy.checked().block_names().map(String::from).collect(),
                    })?,
            ),
        };
        Ok(Sweep {
            block: index,
            name: block.map(String::from),
            leads: Vec::new(),
            all: Split::default(),
        })
    }

    /// Counts a decided lead.
    #[inline]
    pub fn decided(&mut self, policy: &Policy, d: &Decision, known: Known) {
        self.all.add(known);
        if crate::batch::status_of(&policy.compiled, d).0 == Status::Disqualified {
            return;
        }
        let score = match self.block {
            None => d.score,
            Some(b) => d.blocks.get(b).copied().unwrap_or(0),
        };
        self.leads.push((score, known));
    }

    /// Counts a record that could not be read (it has no score, but its
    /// outcome counts towards recall).
    pub fn unreadable(&mut self, known: Known) {
        self.all.add(known);
    }

    /// A row for every distinct score, highest first.
    pub fn cuts(&self) -> Vec<Cut> {
        let mut sorted = self.leads.clone();
        sorted.sort_by_key(|s| std::cmp::Reverse(s.0));
        let base = self.all.rate();
        let mut out = Vec::new();
        let mut split = Split::default();
        let mut i = 0;
        while i < sorted.len() {
            let cutoff = sorted[i].0;
            while i < sorted.len() && sorted[i].0 == cutoff {
                split.add(sorted[i].1);
                i += 1;
            }
            out.push(self.cut(cutoff, split, base));
        }
        out
    }

    fn cut(&self, cutoff: i64, split: Split, base: Option<f64>) -> Cut {
        let r = rate(split.positive, split.negative);
        Cut {
            cutoff,
            split,
            rate: r,
            recall: (self.all.positive > 0)
                .then(|| split.positive as f64 / self.all.positive as f64),
            lift: lift(r, base),
        }
    }

    /// The leads at or above any cut-off (not only one the data takes).
    pub fn at(&self, cutoff: i64) -> Cut {
        let mut split = Split::default();
        for (s, k) in &self.leads {
            if *s >= cutoff {
                split.add(*k);
            }
        }
        self.cut(cutoff, split, self.all.rate())
    }

    /// The lowest cut-off whose volume is at most `capacity`, if any.
    pub fn fitting(cuts: &[Cut], capacity: usize) -> Option<&Cut> {
        cuts.iter()
            .take_while(|c| c.split.leads() <= capacity)
            .last()
    }

    /// The policy's own boundary on the swept score, if it has one.
    pub fn boundary(&self, policy: &Policy) -> Option<Boundary> {
        let checked = policy.checked();
        checked.rules.iter().find_map(|r| {
            let cutoff = self.cutoff_of(r.when.as_ref()?)?;
            Some(Boundary {
                rule: r.label.clone(),
                tier: checked.tiers.get(r.tier)?.clone(),
                cutoff,
            })
        })
    }

    /// `k` when `when` is exactly `S >= k` (or `S > k`: `k + 1`).
    fn cutoff_of(&self, when: &TExpr) -> Option<i64> {
        let TKind::Compare(op, lhs, rhs) = &when.kind else {
            return None;
        };
        let swept = match (&lhs.kind, self.block) {
            (TKind::Score, None) => true,
            (TKind::Block(b), Some(want)) => *b == want,
            _ => false,
        };
        if !swept {
            return None;
        }
        let k = match &rhs.kind {
            TKind::Const(Datum::Int(k)) => *k as f64,
            TKind::Const(Datum::Num(k)) => *k,
            _ => return None,
        };
        let cutoff = match op {
            CompareOp::Ge => k.ceil(),
            CompareOp::Gt => k.floor() + 1.0,
            _ => return None,
        };
        (cutoff.abs() < 9.0e15).then_some(cutoff as i64)
    }

    /// The sweep as JSON, per the contract.
    pub fn json(&self, policy: &Policy, capacity: Option<usize>) -> Value {
        let cuts = self.cuts();
        let rows: Vec<Value> = cuts.iter().map(cut_json).collect();
        let mut doc = serde_json::Map::new();
        doc.insert("score".into(), json!(self.name));
        doc.insert("rows".into(), Value::Array(rows));
        if let Some(n) = capacity {
            let fit = Self::fitting(&cuts, n);
            let current = self.boundary(policy).map(|b| {
                let at = self.at(b.cutoff);
                json!({"rule": b.rule, "tier": b.tier, "cutoff": b.cutoff,
                       "leads": at.split.leads(), "positive": at.split.positive, "rate": at.rate})
            });
            doc.insert(
                "capacity".into(),
                json!({"n": n, "cutoff": fit.map(|c| c.cutoff),
                       "leads": fit.map_or(0, |c| c.split.leads()),
                       "positive": fit.map_or(0, |c| c.split.positive),
                       "rate": fit.and_then(|c| c.rate),
                       "current": current}),
            );
        }
        Value::Object(doc)
    }

    /// The sweep as CSV: a row per cut-off.
    pub fn csv(&self) -> String {
        let mut out = String::from("cutoff,leads,positive,negative,unknown,rate,recall,lift\n");
        let num = |x: Option<f64>| x.map_or_else(String::new, |x| x.to_string());
        for c in self.cuts() {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                c.cutoff,
                c.split.leads(),
                c.split.positive,
                c.split.negative,
                c.split.unknown,
                num(c.rate),
                num(c.recall),
                num(c.lift)
            ));
        }
        out
    }

    /// The sweep for people: a row per cut-off with a bar of its volume,
    /// the capacity's cut-off and the policy's own marked.
    pub fn render(&self, policy: &Policy, capacity: Option<usize>) -> String {
        let cuts = self.cuts();
        let boundary = self.boundary(policy);
        let fit = capacity.and_then(|n| Self::fitting(&cuts, n).map(|c| c.cutoff));
        let max = cuts.last().map_or(0, |c| c.split.leads());
        let mut out = format!(
            "{}: {} leads neither disqualified nor errors; {} known positives in all ({} rate)\n\n",
            self.name
                .as_deref()
                .map_or_else(|| "score".to_string(), |b| format!("block {b}")),
            self.leads.len(),
            self.all.positive,
            percent(self.all.rate())
        );
        let mut table = Table::new(
            [
                "cut-off", "leads", "positive", "rate", "recall", "lift", "", "",
            ]
            .map(String::from)
            .to_vec(),
        )
        .left(&[6, 7]);
        for c in &cuts {
            let mut marks = Vec::new();
            if fit == Some(c.cutoff) {
                marks.push("◀ capacity".to_string());
            }
            if let Some(b) = boundary.as_ref().filter(|b| b.cutoff == c.cutoff) {
                marks.push(format!("◀ now: rule {} (tier {})", b.rule, b.tier));
            }
            table.row(vec![
                format!(">= {}", c.cutoff),
                c.split.leads().to_string(),
                c.split.positive.to_string(),
                percent(c.rate),
                percent(c.recall),
                times(c.lift),
                bar(c.split.leads(), max, 30),
                marks.join(" "),
            ]);
        }
        out.push_str(&table.render(false));
        if let Some(n) = capacity {
            out.push('\n');
            match Self::fitting(&cuts, n) {
                Some(c) => out.push_str(&format!(
                    "capacity {n}: cut-off {} picks {} leads, {} positive ({}, recall {})\n",
                    c.cutoff,
                    c.split.leads(),
                    c.split.positive,
                    percent(c.rate),
                    percent(c.recall)
                )),
                None => out.push_str(&format!(
                    "capacity {n}: no cut-off fits; even the highest picks more leads\n"
                )),
            }
            if let Some(b) = &boundary {
                let at = self.at(b.cutoff);
                out.push_str(&format!(
                    "now: rule {} (tier {}) at {} picks {} leads, {} positive ({}, recall {})\n",
                    b.rule,
                    b.tier,
                    b.cutoff,
                    at.split.leads(),
                    at.split.positive,
                    percent(at.rate),
                    percent(at.recall)
                ));
            }
        }
        out
    }
}

fn cut_json(c: &Cut) -> Value {
    json!({"cutoff": c.cutoff, "leads": c.split.leads(), "positive": c.split.positive,
           "negative": c.split.negative, "unknown": c.split.unknown,
           "rate": c.rate, "recall": c.recall, "lift": c.lift})
}
