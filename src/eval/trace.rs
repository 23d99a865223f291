//! Explaining a decision: every disqualifier, score entry and rule tried for
//! one record, with its condition's truth value and the points it added.

use serde::Serialize;

use super::decide::{clamp_score, decide_observed, Decision, EntryFact, Observer};
use crate::compile::Compiled;
use crate::value::{Datum, Env, Truth};

/// The trace of one record's evaluation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trace {
    /// Every disqualifier, in order.
    pub disqualifiers: Vec<DisqualifierStep>,
    /// Every score block, in order.
    pub blocks: Vec<BlockStep>,
    /// The tier rules tried, in order, up to the one that decided.
    pub rules: Vec<RuleStep>,
}

/// A part of a compound condition (an operand of `and`, `or`, `not`) and
/// its value, with its own parts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Part {
    /// The policy text of the part.
    pub text: String,
    /// Its value.
    #[serde(serialize_with = "truth_name")]
    pub value: Truth,
    /// Its parts, when it is compound itself.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    /// When it is simple: the values it read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reads: Vec<Read>,
}

/// A value a condition read: a field's (`budget = missing`) or a score's.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Read {
    /// The field or score name.
    pub name: String,
    /// Its value, as people read it (`missing`, `"US"`, `$25,000`).
    pub value: String,
}

/// One disqualifier.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DisqualifierStep {
    /// Its index in the policy.
    #[serde(skip)]
    pub index: usize,
    /// Its reason.
    pub reason: String,
    /// Its condition's value.
    #[serde(serialize_with = "truth_name")]
    pub value: Truth,
    /// The parts of a compound condition.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    /// What a simple condition (or a `per` multiplier) read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reads: Vec<Read>,
}

/// One score block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BlockStep {
    /// Its name, if named.
    pub name: Option<String>,
    /// Its entries.
    pub entries: Vec<EntryStep>,
    /// The sum of the entries, before the cap and floor.
    pub sum: i64,
    /// The total after the cap and floor.
    pub total: i64,
}

/// One score entry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EntryStep {
    /// Its points.
    pub points: i64,
    /// For `when`: the condition's value.
    #[serde(
        serialize_with = "opt_truth_name",
        skip_serializing_if = "Option::is_none"
    )]
    pub when: Option<Truth>,
    /// For `per`: the multiplier's value (missing counts as 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per: Option<i64>,
    /// The points it added.
    pub added: i64,
    /// The parts of a compound condition.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    /// What a simple condition (or a `per` multiplier) read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reads: Vec<Read>,
}

/// One tier rule tried.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleStep {
    /// Its label: name, `line N` or `otherwise`.
    pub rule: String,
    /// Its condition's value (`otherwise` is always true).
    #[serde(serialize_with = "truth_name")]
    pub value: Truth,
    /// Whether it gave the tier.
    pub decided: bool,
    /// The parts of a compound condition.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    /// What a simple condition (or a `per` multiplier) read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reads: Vec<Read>,
}

fn truth_name<S: serde::Serializer>(t: &Truth, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(t.as_str())
}

fn opt_truth_name<S: serde::Serializer>(t: &Option<Truth>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(t.as_str()),
        None => s.serialize_none(),
    }
}

/// Traces a record's evaluation: [`super::decide`](mod@super::decide)'s own steps, recorded.
pub fn trace(plan: &Compiled, record: &[Datum], as_of: i32) -> Trace {
    let mut recorder = Recorder::new(plan);
    decide_observed(plan, record, as_of, &mut Decision::default(), &mut recorder);
    recorder.finish()
}

/// The observer that writes a [`Trace`]: every step, its value and the
/// points it added (the parts and reads are filled by whoever wraps it,
/// such as `lq::explain`).
#[derive(Debug)]
pub struct Recorder<'p> {
    plan: &'p Compiled,
    trace: Trace,
}

impl<'p> Recorder<'p> {
    /// A recorder for one record's evaluation of `plan`.
    pub fn new(plan: &'p Compiled) -> Recorder<'p> {
        Recorder {
            plan,
            trace: Trace {
                disqualifiers: Vec::new(),
                blocks: Vec::new(),
                rules: Vec::new(),
            },
        }
    }

    /// The trace so far, to fill in the step just recorded.
    pub fn trace_mut(&mut self) -> &mut Trace {
        &mut self.trace
    }

    /// The whole trace.
    pub fn finish(self) -> Trace {
        self.trace
    }

    /// Block `b`'s step, made when its first entry (or its total) arrives.
    fn block_step(&mut self, b: usize) -> &mut BlockStep {
        while self.trace.blocks.len() <= b {
            let name = self
                .plan
                .blocks
                .get(self.trace.blocks.len())
                .and_then(|block| block.name.clone());
            self.trace.blocks.push(BlockStep {
                name,
                entries: Vec::new(),
                sum: 0,
                total: 0,
            });
        }
        &mut self.trace.blocks[b]
    }
}

impl Observer for Recorder<'_> {
    fn disqualifier(&mut self, index: usize, value: Truth, _env: &Env<'_>) {
        let reason = self
            .plan
            .disqualifiers
            .get(index)
            .map(|d| d.reason.clone())
            .unwrap_or_default();
        self.trace.disqualifiers.push(DisqualifierStep {
            index,
            reason,
            value,
            parts: Vec::new(),
            reads: Vec::new(),
        });
    }

    fn entry(&mut self, block: usize, entry: usize, fact: EntryFact, points: i128, _env: &Env<'_>) {
        let base = self
            .plan
            .blocks
            .get(block)
            .and_then(|b| b.entries.get(entry))
            .map_or(0, |e| e.points);
        let (when, per) = match fact {
            EntryFact::When(t) => (Some(t), None),
            EntryFact::Per(n) => (None, Some(n)),
        };
        self.block_step(block).entries.push(EntryStep {
            points: base,
            when,
            per,
            added: clamp_score(points),
            parts: Vec::new(),
            reads: Vec::new(),
        });
    }

    fn block(&mut self, block: usize, sum: i64, total: i64) {
        let step = self.block_step(block);
        step.sum = sum;
        step.total = total;
    }

    fn rule(&mut self, index: usize, value: Truth, decided: bool, _env: &Env<'_>) {
        let rule = self
            .plan
            .rules
            .get(index)
            .map(|r| r.label.clone())
            .unwrap_or_default();
        self.trace.rules.push(RuleStep {
            rule,
            value,
            decided,
            parts: Vec::new(),
            reads: Vec::new(),
        });
    }
}
