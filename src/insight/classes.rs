//! Classes: every lead is in exactly one — its tier when qualified,
//! otherwise its status — so the classes add up to every record read.
//! Routes are counted too: the load each queue would get.

use serde_json::{json, Value};

use super::{Known, Split};
use crate::batch::status_of;
use crate::compile::Compiled;
use crate::eval::{Decision, Status};

/// The class of one lead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// Qualified, in the tier with this index (best first).
    Tier(usize),
    /// Disqualified.
    Disqualified,
    /// No rule matched.
    Unmatched,
    /// The record could not be read.
    Error,
}

/// The names that are classes besides the tiers, which tier names may
/// therefore not be (with `qualified`, a status): `lq check` rejects them.
pub const STATUS_CLASSES: [&str; 3] = ["disqualified", "unmatched", "error"];

impl Class {
    /// The class of a decision.
    pub fn of(plan: &Compiled, d: &Decision) -> Class {
        match status_of(plan, d) {
            (Status::Qualified, Some(t)) => Class::Tier(t),
            (Status::Disqualified, _) => Class::Disqualified,
            (Status::Error, _) => Class::Error,
            _ => Class::Unmatched,
        }
    }

    /// Its place in the list of classes of a policy with `tiers` tiers.
    pub fn index(self, tiers: usize) -> usize {
        match self {
            Class::Tier(t) => t,
            Class::Disqualified => tiers,
            Class::Unmatched => tiers + 1,
            Class::Error => tiers + 2,
        }
    }

    /// Its name: the tier's, or the status.
    pub fn name(self, tiers: &[String]) -> &str {
        match self {
            Class::Tier(t) => tiers.get(t).map_or("?", String::as_str),
            Class::Disqualified => "disqualified",
            Class::Unmatched => "unmatched",
            Class::Error => "error",
        }
    }
}

/// One class's count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassCounts {
    /// The class's name.
    pub class: String,
    /// Its leads, by outcome.
    pub split: Split,
}

/// Leads per class and per route, by outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classes {
    /// Every class: tiers best first, then `disqualified`, `unmatched`,
    /// `error`.
    pub classes: Vec<ClassCounts>,
    /// Every route a rule names, in the order first named, with the leads
    /// routed there.
    pub routes: Vec<ClassCounts>,
    /// Each plan rule's route, by its index in `routes`.
    route_of_rule: Vec<Option<usize>>,
    tiers: usize,
}

impl Classes {
    /// No leads yet, for a compiled policy.
    pub fn new(plan: &Compiled) -> Classes {
        let tiers = &plan.policy.tiers;
        let classes: Vec<ClassCounts> = tiers
            .iter()
            .map(String::as_str)
            .chain(STATUS_CLASSES)
            .map(|c| ClassCounts {
                class: c.to_string(),
                split: Split::default(),
            })
            .collect();
        let mut routes: Vec<ClassCounts> = Vec::new();
        let route_of_rule = plan
            .rules
            .iter()
            .map(|r| {
                let name = r.route.as_ref()?;
                Some(match routes.iter().position(|q| &q.class == name) {
                    Some(i) => i,
                    None => {
                        routes.push(ClassCounts {
                            class: name.clone(),
                            split: Split::default(),
                        });
                        routes.len() - 1
                    }
                })
            })
            .collect();
        Classes {
            classes,
            routes,
            route_of_rule,
            tiers: tiers.len(),
        }
    }

    /// Counts a decided lead.
    #[inline]
    pub fn decided(&mut self, plan: &Compiled, d: &Decision, known: Known) {
        let class = Class::of(plan, d);
        self.add(class, known);
        if let (Class::Tier(_), Some(rule)) = (class, d.rule) {
            if let Some(Some(q)) = self.route_of_rule.get(rule) {
                self.routes[*q].split.add(known);
            }
        }
    }

    /// Counts a lead of `class` (an unreadable record: [`Class::Error`]).
    #[inline]
    pub fn add(&mut self, class: Class, known: Known) {
        if let Some(c) = self.classes.get_mut(class.index(self.tiers)) {
            c.split.add(known);
        }
    }

    /// How many of the classes are tiers (they come first).
    pub fn tiers(&self) -> usize {
        self.tiers
    }

    /// Every lead counted, by outcome.
    pub fn total(&self) -> Split {
        let mut all = Split::default();
        for c in &self.classes {
            all.merge(&c.split);
        }
        all
    }

    /// The classes as JSON: `leads` only, or with `with_outcome` the
    /// outcome counts, `rate` and `lift` too.
    pub fn json(&self, with_outcome: bool) -> Value {
        json_rows(&self.classes, "class", with_outcome, self.total().rate())
    }

    /// The routes as JSON, as [`Classes::json`].
    pub fn routes_json(&self, with_outcome: bool) -> Value {
        json_rows(&self.routes, "route", with_outcome, self.total().rate())
    }
}

/// Rows of counts as JSON objects named by `label`.
fn json_rows(rows: &[ClassCounts], label: &str, with_outcome: bool, base: Option<f64>) -> Value {
    Value::Array(
        rows.iter()
            .map(|c| {
                let mut row = serde_json::Map::new();
                row.insert(label.to_string(), json!(c.class));
                row.insert("leads".to_string(), json!(c.split.leads()));
                if with_outcome {
                    c.split.json_into(&mut row);
                    row.insert("lift".to_string(), json!(c.split.lift(base)));
                }
                Value::Object(row)
            })
            .collect(),
    )
}
