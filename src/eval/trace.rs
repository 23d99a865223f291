//! Explaining a decision: every disqualifier, score entry and rule tried for
//! one record, with its condition's truth value and the points it added.

use serde::Serialize;

use super::interp::{block_total, clamp_score, entry_points, eval, score_of, truth, Env};
use crate::compile::Compiled;
use crate::value::{Datum, Truth, Value};

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

/// Traces a record's evaluation (the same steps as [`super::decide`]).
pub fn trace(plan: &Compiled, record: &[Datum], as_of: i32) -> Trace {
    let env = Env {
        record,
        as_of,
        blocks: &[],
        total: 0,
    };
    let disqualifiers: Vec<DisqualifierStep> = plan
        .disqualifiers
        .iter()
        .enumerate()
        .map(|(index, d)| DisqualifierStep {
            index,
            reason: d.reason.clone(),
            value: truth(&d.when, &env),
            parts: Vec::new(),
            reads: Vec::new(),
        })
        .collect();
    let blocks: Vec<BlockStep> = plan
        .blocks
        .iter()
        .map(|b| {
            let entries: Vec<EntryStep> = b
                .entries
                .iter()
                .map(|e| {
                    let exact = entry_points(e, &env);
                    let added = clamp_score(exact);
                    if e.per {
                        let per = match eval(&e.expr, &env) {
                            Value::Int(n) => n,
                            _ => 0,
                        };
                        EntryStep {
                            points: e.points,
                            when: None,
                            per: Some(per),
                            added,
                            parts: Vec::new(),
                            reads: Vec::new(),
                        }
                    } else {
                        EntryStep {
                            points: e.points,
                            when: Some(truth(&e.expr, &env)),
                            per: None,
                            added,
                            parts: Vec::new(),
                            reads: Vec::new(),
                        }
                    }
                })
                .collect();
            let sum = score_of(b.entries.iter().map(|e| entry_points(e, &env)));
            BlockStep {
                name: b.name.clone(),
                entries,
                sum,
                total: block_total(b, &env),
            }
        })
        .collect();
    let mut rules = Vec::new();
    if disqualifiers.iter().all(|d| d.value != Truth::True) {
        let totals: Vec<i64> = blocks.iter().map(|b| b.total).collect();
        let score = score_of(totals.iter().map(|t| i128::from(*t)));
        let env = Env {
            record,
            as_of,
            blocks: &totals,
            total: score,
        };
        for r in &plan.rules {
            let value = r.when.as_ref().map_or(Truth::True, |w| truth(w, &env));
            let decided = value == Truth::True;
            rules.push(RuleStep {
                rule: r.label.clone(),
                value,
                decided,
                parts: Vec::new(),
                reads: Vec::new(),
            });
            if decided {
                break;
            }
        }
    }
    Trace {
        disqualifiers,
        blocks,
        rules,
    }
}
