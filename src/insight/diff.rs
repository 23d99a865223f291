//! `lq diff`: what changing a policy does to the same records — the whole
//! movement matrix between classes (with conversion per cell when the
//! outcome is known), each class's totals old and new, and how many leads
//! changed rule, route or score.
//!
//! The two policies may have different schemas: [`Diff`] counts a record
//! that one of them cannot read as an `error` on that side. The records
//! are read once, for both ([`crate::data::RecordReader::also`]).

use serde_json::{json, Value};

use super::classes::STATUS_CLASSES;
use super::{percent, Class, Known, OutcomeSpec, Split};
use crate::batch::{Batch, Failed, Flow, Record, Sink};
use crate::data::table::Table;
use crate::data::{RecordError, RecordReader};
use crate::eval::outcome::key_of;
use crate::eval::Datum;
use crate::eval::Decision;
use crate::insight::moved::MovedWriter;
use crate::Policy;
use std::io::Write;

/// One side's verdict on a record.
#[derive(Clone, Copy, Debug)]
pub enum Verdict<'a> {
    /// The record was read and decided.
    Decided(&'a Decision),
    /// The record could not be read by this side's schema.
    Unreadable,
}

/// A side's verdict in words (for `--moved`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Described {
    /// The class: the tier, or the status.
    pub class: String,
    /// The total score (none for an error).
    pub score: Option<i64>,
    /// The deciding rule's label.
    pub rule: Option<String>,
    /// The route.
    pub route: Option<String>,
}

/// One policy's side of a diff.
#[derive(Clone, Debug)]
struct SideOf<'p> {
    policy: &'p Policy,
    /// Each of its classes' index among the diff's classes.
    to_union: Vec<usize>,
    /// Each rule's route.
    routes: Vec<Option<String>>,
}

impl SideOf<'_> {
    fn class(&self, v: Verdict<'_>) -> Class {
        match v {
            Verdict::Decided(d) => Class::of(&self.policy.compiled, d),
            Verdict::Unreadable => Class::Error,
        }
    }

    fn union_class(&self, v: Verdict<'_>) -> usize {
        let tiers = self.policy.checked().tiers.len();
        self.to_union[self.class(v).index(tiers)]
    }

    fn rule(&self, v: Verdict<'_>) -> Option<usize> {
        match v {
            Verdict::Decided(d) if d.disqualified_by.is_empty() => d.rule,
            _ => None,
        }
    }

    fn route(&self, v: Verdict<'_>) -> Option<&str> {
        self.rule(v)
            .and_then(|r| self.routes.get(r))
            .and_then(|r| r.as_deref())
    }

    fn score(v: Verdict<'_>) -> Option<i64> {
        match v {
            Verdict::Decided(d) => Some(d.score),
            Verdict::Unreadable => None,
        }
    }

    fn describe(&self, v: Verdict<'_>) -> Described {
        let checked = self.policy.checked();
        Described {
            class: self.class(v).name(&checked.tiers).to_string(),
            score: Self::score(v),
            rule: self
                .rule(v)
                .and_then(|r| checked.rules.get(r))
                .map(|r| r.label.clone()),
            route: self.route(v).map(String::from),
        }
    }
}

/// What a change to a policy does, counted over records.
#[derive(Clone, Debug)]
pub struct Diff<'p> {
    old: SideOf<'p>,
    new: SideOf<'p>,
    /// Every class of either policy: NEW's tiers best first, OLD's other
    /// tiers, then `disqualified`, `unmatched`, `error`.
    names: Vec<String>,
    /// The leads moving from one class (row) to another (column).
    moves: Vec<Split>,
    /// Each class's leads under OLD and under NEW.
    old_classes: Vec<Split>,
    new_classes: Vec<Split>,
    /// For each NEW rule, the OLD rule that is the same rule (by name,
    /// or for an unnamed rule by its condition's text).
    same_rule: Vec<Option<usize>>,
    /// Records compared.
    pub leads: usize,
    /// Leads whose class changed.
    pub changed: usize,
    /// Leads decided by another rule (or by one where there was none).
    pub rule_changed: usize,
    /// Leads sent to another route.
    pub route_changed: usize,
    /// Leads whose total score changed (or that only one side could read).
    pub score_changed: usize,
}

/// A rule's identity across versions of a policy: its name, `otherwise`,
/// or for an unnamed rule its condition's text (not its line, which
/// moves when a comment is added).
fn rule_identities(policy: &Policy) -> Vec<String> {
    let text = &policy.source.text;
    policy
        .checked()
        .rules
        .iter()
        .map(|r| match &r.when {
            Some(when) if r.label.starts_with("line ") => {
                let condition = text.get(when.span.start..when.span.end).unwrap_or("");
                let words: Vec<&str> = condition.split_whitespace().collect();
                format!("when {}", words.join(" "))
            }
            _ => r.label.clone(),
        })
        .collect()
}

impl<'p> Diff<'p> {
    /// An empty diff of `old` against `new`.
    pub fn new(old: &'p Policy, new: &'p Policy) -> Diff<'p> {
        let old_tiers = &old.checked().tiers;
        let new_tiers = &new.checked().tiers;
        let mut names: Vec<String> = new_tiers.clone();
        names.extend(old_tiers.iter().filter(|t| !new_tiers.contains(t)).cloned());
        let tiers = names.len();
        names.extend(STATUS_CLASSES.iter().map(|s| s.to_string()));
        let to_union = |own: &[String]| -> Vec<usize> {
            let mut map: Vec<usize> = own
                .iter()
                .map(|t| names.iter().position(|n| n == t).unwrap_or(0))
                .collect();
            map.extend(tiers..tiers + STATUS_CLASSES.len());
            map
        };
        let side = |policy: &'p Policy, map: Vec<usize>| SideOf {
            policy,
            to_union: map,
            routes: policy
                .compiled
                .rules
                .iter()
                .map(|r| r.route.clone())
                .collect(),
        };
        let old_ids = rule_identities(old);
        let same_rule = rule_identities(new)
            .iter()
            .map(|id| old_ids.iter().position(|o| o == id))
            .collect();
        let n = names.len();
        Diff {
            old: side(old, to_union(old_tiers)),
            new: side(new, to_union(new_tiers)),
            names,
            moves: vec![Split::default(); n * n],
            old_classes: vec![Split::default(); n],
            new_classes: vec![Split::default(); n],
            same_rule,
            leads: 0,
            changed: 0,
            rule_changed: 0,
            route_changed: 0,
            score_changed: 0,
        }
    }

    /// Counts one record's two verdicts and what happened to the lead;
    /// true when its class changed.
    pub fn add(&mut self, old: Verdict<'_>, new: Verdict<'_>, known: Known) -> bool {
        let (from, to) = (self.old.union_class(old), self.new.union_class(new));
        let n = self.names.len();
        self.moves[from * n + to].add(known);
        self.old_classes[from].add(known);
        self.new_classes[to].add(known);
        self.leads += 1;
        let rule_changed = match (self.old.rule(old), self.new.rule(new)) {
            (None, None) => false,
            (Some(o), Some(r)) => self.same_rule.get(r).copied().flatten() != Some(o),
            _ => true,
        };
        self.rule_changed += usize::from(rule_changed);
        self.route_changed += usize::from(self.old.route(old) != self.new.route(new));
        self.score_changed += usize::from(SideOf::score(old) != SideOf::score(new));
        let changed = from != to;
        self.changed += usize::from(changed);
        changed
    }

    /// The two verdicts in words, OLD's then NEW's.
    pub fn describe(&self, old: Verdict<'_>, new: Verdict<'_>) -> (Described, Described) {
        (self.old.describe(old), self.new.describe(new))
    }

    /// Every class of either policy, in order.
    pub fn classes(&self) -> &[String] {
        &self.names
    }

    /// The leads that moved from class `from` to class `to` (indices in
    /// [`Diff::classes`]).
    pub fn moved(&self, from: usize, to: usize) -> Split {
        let n = self.names.len();
        self.moves.get(from * n + to).copied().unwrap_or_default()
    }

    /// A class's leads under OLD and under NEW.
    pub fn totals(&self, class: usize) -> (Split, Split) {
        (
            self.old_classes.get(class).copied().unwrap_or_default(),
            self.new_classes.get(class).copied().unwrap_or_default(),
        )
    }

    /// Every lead, by outcome.
    pub fn all(&self) -> Split {
        let mut all = Split::default();
        for s in &self.old_classes {
            all.merge(s);
        }
        all
    }

    /// The diff as JSON, per the contract: `leads`, `changed`, `moves`
    /// (every pair with a lead, unchanged pairs included), `classes` (old
    /// and new totals), and the rule, route and score change counts; with
    /// an outcome, each move's and class's conversion too.
    pub fn json(&self, outcome: Option<&OutcomeSpec>) -> Value {
        let with_outcome = outcome.is_some();
        let mut moves = Vec::new();
        for (from, from_name) in self.names.iter().enumerate() {
            for (to, to_name) in self.names.iter().enumerate() {
                let split = self.moved(from, to);
                if split.leads() == 0 {
                    continue;
                }
                let mut row = serde_json::Map::new();
                row.insert("from".into(), json!(from_name));
                row.insert("to".into(), json!(to_name));
                row.insert("leads".into(), json!(split.leads()));
                if with_outcome {
                    split.json_into(&mut row);
                }
                moves.push(Value::Object(row));
            }
        }
        let classes: Vec<Value> = self
            .names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let (old, new) = self.totals(i);
                let mut row = serde_json::Map::new();
                row.insert("class".into(), json!(name));
                row.insert("old".into(), json!(old.leads()));
                row.insert("new".into(), json!(new.leads()));
                if with_outcome {
                    row.insert("old_positive".into(), json!(old.positive));
                    row.insert("new_positive".into(), json!(new.positive));
                    row.insert("old_rate".into(), json!(old.rate()));
                    row.insert("new_rate".into(), json!(new.rate()));
                }
                Value::Object(row)
            })
            .collect();
        let mut doc = serde_json::Map::new();
        doc.insert("leads".into(), json!(self.leads));
        doc.insert("changed".into(), json!(self.changed));
        if let Some(spec) = outcome {
            doc.insert("outcome".into(), self.all().outcome_json(spec));
        }
        doc.insert("moves".into(), Value::Array(moves));
        doc.insert("classes".into(), Value::Array(classes));
        doc.insert("rule_changed".into(), json!(self.rule_changed));
        doc.insert("route_changed".into(), json!(self.route_changed));
        doc.insert("score_changed".into(), json!(self.score_changed));
        Value::Object(doc)
    }

    /// The classes with a lead on either side.
    fn used(&self) -> Vec<usize> {
        (0..self.names.len())
            .filter(|&i| {
                let (old, new) = self.totals(i);
                old.leads() + new.leads() > 0
            })
            .collect()
    }

    /// The diff for people (`markdown`: ready for a pull-request comment):
    /// the movement matrix, each class's totals old and new, the change
    /// counts.
    pub fn render(&self, outcome: Option<&OutcomeSpec>, markdown: bool) -> String {
        let used = self.used();
        let share = if self.leads == 0 {
            0.0
        } else {
            100.0 * self.changed as f64 / self.leads as f64
        };
        let mut out = String::new();
        let bold = if markdown { "**" } else { "" };
        out.push_str(&format!(
            "{bold}{} leads, {} changed class ({share:.1}%){bold}\n",
            self.leads, self.changed
        ));
        if let Some(spec) = outcome {
            out.push_str(&format!("\n{}\n", self.all().outcome_line(spec)));
        }
        out.push_str(if markdown {
            "\nMoves (rows: old class, columns: new class"
        } else {
            "\nmoves (rows: old class, columns: new class"
        });
        out.push_str(if outcome.is_some() {
            "; each cell: leads (conversion))\n\n"
        } else {
            ")\n\n"
        });
        let mut matrix = Table::new(
            std::iter::once("old \\ new".to_string())
                .chain(used.iter().map(|&c| self.names[c].clone()))
                .collect(),
        );
        for &from in &used {
            let mut row = vec![self.names[from].clone()];
            for &to in &used {
                let split = self.moved(from, to);
                row.push(match (split.leads(), outcome) {
                    (0, _) => ".".to_string(),
                    (n, Some(_)) => format!("{n} ({})", percent(split.rate())),
                    (n, None) => n.to_string(),
                });
            }
            matrix.row(row);
        }
        out.push_str(&matrix.render(markdown));
        out.push_str(if markdown {
            "\nClasses\n\n"
        } else {
            "\nclasses\n\n"
        });
        let mut header = vec!["class", "old", "new", "change"];
        if outcome.is_some() {
            header.extend(["old rate", "new rate"]);
        }
        let mut classes = Table::new(header.into_iter().map(String::from).collect());
        for &c in &used {
            let (old, new) = self.totals(c);
            let delta = new.leads() as i64 - old.leads() as i64;
            let mut row = vec![
                self.names[c].clone(),
                old.leads().to_string(),
                new.leads().to_string(),
                if delta == 0 {
                    "0".to_string()
                } else {
                    format!("{delta:+}")
                },
            ];
            if outcome.is_some() {
                row.push(percent(old.rate()));
                row.push(percent(new.rate()));
            }
            classes.row(row);
        }
        out.push_str(&classes.render(markdown));
        out.push_str(&format!(
            "\nrule changed: {}, route changed: {}, score changed: {}\n",
            self.rule_changed, self.route_changed, self.score_changed
        ));
        out
    }
}

/// Runs OLD over `readers` through the batch engine and NEW on each
/// record as it is read; the diff, and the `--moved` writer back.
pub fn compare<'p, W: Write>(
    (old, new): (&'p Policy, &'p Policy),
    readers: Vec<RecordReader<'p>>,
    as_of: i32,
    outcome: Option<&'p OutcomeSpec>,
    moved: Option<MovedWriter<W>>,
    advanced: &mut dyn FnMut(usize),
) -> Result<(Diff<'p>, Option<MovedWriter<W>>), Failed<std::io::Error>> {
    let mut sink = Diffing {
        diff: Diff::new(old, new),
        new,
        outcome,
        new_decision: Decision::default(),
        new_read: false,
        new_key: serde_json::Value::Null,
        moved,
        advanced,
    };
    Batch::new(old, as_of).second(new).run(readers, &mut sink)?;
    Ok((sink.diff, sink.moved))
}

/// The batch sink of [`compare`] (`lq diff`): the engine decides OLD, and
/// NEW on the same record's second reading.
struct Diffing<'p, 'a, W: Write> {
    diff: Diff<'p>,
    new: &'p Policy,
    outcome: Option<&'p OutcomeSpec>,
    /// NEW's verdict on the record being compared.
    new_decision: Decision,
    new_read: bool,
    /// NEW's key of the record (the row when NEW has none), for `--moved`.
    new_key: serde_json::Value,
    moved: Option<MovedWriter<W>>,
    advanced: &'a mut dyn FnMut(usize),
}

impl<W: Write> Diffing<'_, '_, W> {
    fn compare(&mut self, row: usize, old: Verdict<'_>, carried: &[String]) -> std::io::Result<()> {
        let known = self
            .outcome
            .and_then(|spec| spec.read(carried.first().map_or("", String::as_str)));
        let new = if self.new_read {
            Verdict::Decided(&self.new_decision)
        } else {
            Verdict::Unreadable
        };
        if self.diff.add(old, new, known) {
            if let Some(moved) = self.moved.as_mut() {
                let (old, new) = self.diff.describe(old, new);
                let key = match &self.new_key {
                    serde_json::Value::Null => serde_json::Value::from(row),
                    key => key.clone(),
                };
                moved.write(row, &key, &old, &new)?;
            }
        }
        Ok(())
    }
}

impl<W: Write> Sink for Diffing<'_, '_, W> {
    type Error = std::io::Error;

    fn other_decided(&mut self, _row: usize, read: Result<(&[Datum], &Decision), &RecordError>) {
        match read {
            Ok((values, decision)) => {
                self.new_decision.clone_from(decision);
                self.new_read = true;
                if self.moved.is_some() {
                    self.new_key = key_of(self.new.checked(), values)
                        .map_or(serde_json::Value::Null, |(_, v)| v);
                }
            }
            Err(e) => {
                self.new_read = false;
                self.new_key = e.key.clone().unwrap_or(serde_json::Value::Null);
            }
        }
    }

    #[inline]
    fn advanced(&mut self, records: usize) {
        (self.advanced)(records);
    }

    fn decided(&mut self, record: Record<'_>, d: &Decision) -> Result<Flow, Self::Error> {
        self.compare(record.row, Verdict::Decided(d), record.carried)?;
        Ok(Flow::Go)
    }

    fn unreadable(&mut self, e: RecordError, carried: &[String]) -> Result<Flow, Self::Error> {
        self.compare(e.row, Verdict::Unreadable, carried)?;
        Ok(Flow::Go)
    }
}
