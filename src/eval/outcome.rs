//! Outcomes: what `lq eval` reports for each record, with the fixed field
//! names of the command-line contract.

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::decide::Decision;
use crate::check::tir::CheckedPolicy;
use crate::compile::Compiled;
use crate::value::Datum;

/// A record's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// A rule gave it a tier.
    Qualified,
    /// A disqualifier fired.
    Disqualified,
    /// No rule matched and there is no `otherwise`.
    Unmatched,
    /// The record could not be read.
    Error,
}

impl Status {
    /// The name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Qualified => "qualified",
            Status::Disqualified => "disqualified",
            Status::Unmatched => "unmatched",
            Status::Error => "error",
        }
    }
}

/// The outcome for one input record.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// 1-based position among the input's records.
    pub row: usize,
    /// The key field's name and value, when the schema has a key.
    pub key: Option<(String, serde_json::Value)>,
    /// The status.
    pub status: Status,
    /// The tier's name.
    pub tier: Option<String>,
    /// The total score (none for errors).
    pub score: Option<i64>,
    /// Each named block's score, in declaration order.
    pub scores: Vec<(String, i64)>,
    /// The routing queue of the deciding rule.
    pub route: Option<String>,
    /// The deciding rule: its name, `line N` or `otherwise`.
    pub rule: Option<String>,
    /// Disqualifier reasons, or the error message.
    pub reasons: Vec<String>,
    /// The evaluation's trace, when asked for (`lq eval --explain`),
    /// written as is (never converted to a JSON value first).
    pub explain: Option<super::trace::Trace>,
    /// Raw input columns carried into the outcome (`lq eval --keep`): each
    /// column's header name and its text in the record.
    pub keep: Vec<(String, String)>,
    /// What happened to the lead, read from the outcome column
    /// (`lq eval --outcome`): `Some(None)` when unknown.
    pub outcome: Option<Option<bool>>,
}

impl Outcome {
    /// The outcome of a decision.
    pub fn from_decision(plan: &Compiled, row: usize, record: &[Datum], d: &Decision) -> Outcome {
        let policy = &plan.policy;
        let key = key_of(policy, record);
        let scores = plan
            .blocks
            .iter()
            .zip(&d.blocks)
            .filter_map(|(b, s)| b.name.as_ref().map(|n| (n.clone(), *s)))
            .collect();
        let rule = d.rule.and_then(|r| plan.rules.get(r));
        let status = if !d.disqualified_by.is_empty() {
            Status::Disqualified
        } else if rule.is_some() {
            Status::Qualified
        } else {
            Status::Unmatched
        };
        Outcome {
            row,
            key,
            status,
            tier: rule.and_then(|r| policy.tiers.get(r.tier).cloned()),
            score: Some(d.score),
            scores,
            route: rule.and_then(|r| r.route.clone()),
            rule: rule.map(|r| r.label.clone()),
            reasons: d
                .disqualified_by
                .iter()
                .map(|&i| plan.disqualifiers[i].reason.clone())
                .collect(),
            explain: None,
            keep: Vec::new(),
            outcome: None,
        }
    }

    /// The outcome of a record that could not be read.
    pub fn error(
        policy: &CheckedPolicy,
        row: usize,
        key: Option<serde_json::Value>,
        messages: Vec<String>,
    ) -> Outcome {
        let key = policy.schema.key.map(|k| {
            (
                policy.schema.fields[k].name.clone(),
                key.unwrap_or(serde_json::Value::Null),
            )
        });
        Outcome {
            row,
            key,
            status: Status::Error,
            tier: None,
            score: None,
            scores: Vec::new(),
            route: None,
            rule: None,
            reasons: messages,
            explain: None,
            keep: Vec::new(),
            outcome: None,
        }
    }
}

/// The key field's name and value, as JSON.
pub fn key_of(policy: &CheckedPolicy, record: &[Datum]) -> Option<(String, serde_json::Value)> {
    let k = policy.schema.key?;
    let value = record
        .get(k)
        .map_or(serde_json::Value::Null, |d| datum_json(policy, k, d));
    Some((policy.schema.fields[k].name.clone(), value))
}

/// A field's value as JSON (enums by variant name, dates as text).
pub fn datum_json(policy: &CheckedPolicy, slot: usize, d: &Datum) -> serde_json::Value {
    use serde_json::Value as J;
    match d {
        Datum::Missing => J::Null,
        Datum::Bool(b) => J::Bool(*b),
        Datum::Int(i) => J::from(*i),
        Datum::Num(n) => serde_json::Number::from_f64(*n).map_or(J::Null, J::Number),
        Datum::Text(t) => J::String(t.clone()),
        Datum::Date(days) => J::String(crate::date::format(*days)),
        Datum::Enum(v) => {
            let name = match &policy.schema.fields[slot].ty {
                crate::check::types::Type::Enum(id, _) => policy.enums[*id]
                    .variants
                    .get(*v as usize)
                    .map(|x| x.name.clone()),
                _ => None,
            };
            J::String(name.unwrap_or_default())
        }
        Datum::List(items) => J::Array(items.iter().cloned().map(J::String).collect()),
    }
}

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("row", &self.row)?;
        if let Some((name, value)) = &self.key {
            map.serialize_entry(name, value)?;
        }
        map.serialize_entry("status", self.status.as_str())?;
        map.serialize_entry("tier", &self.tier)?;
        map.serialize_entry("score", &self.score)?;
        map.serialize_entry("scores", &OrderedScores(&self.scores))?;
        map.serialize_entry("route", &self.route)?;
        map.serialize_entry("rule", &self.rule)?;
        map.serialize_entry("reasons", &self.reasons)?;
        if let Some(known) = self.outcome {
            map.serialize_entry("outcome", &known)?;
        }
        if !self.keep.is_empty() {
            map.serialize_entry("keep", &Pairs(&self.keep))?;
        }
        if let Some(explain) = &self.explain {
            map.serialize_entry("explain", explain)?;
        }
        map.end()
    }
}

/// Name-value pairs as a JSON object, in their order.
pub struct Pairs<'a, V>(pub &'a [(String, V)]);

impl<V: Serialize> Serialize for Pairs<'_, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

struct OrderedScores<'a>(&'a [(String, i64)]);

impl Serialize for OrderedScores<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}
