//! Warnings: declarations nothing uses, caps no lead can reach, and rules
//! that can never fire.

use std::collections::hash_map::Entry;

use super::analysis::Sets;
use super::analysis::{witness, Analyzer};
use super::domain::{left, restore, spend, Region};
use super::error::{CheckError, NeverFiresCause};
use super::reuse::{shape_hash, Cost, Kept, Linted, RuleMemo};
use super::tir::Shape;
use super::tir::{RuleDef, TExpr};
use super::types::Type;
use super::Checker;
use crate::syntax::ast::Item;

impl Checker<'_> {
    /// Adds the warnings (only when the policy has no errors, so that a
    /// mistake is not also reported as its consequences).
    pub(super) fn lint(&mut self) {
        if self.diags.iter().any(|d| !d.is_warning()) {
            return;
        }
        self.unused_lets();
        self.unused_enums();
        self.unused_tiers();
        self.unreachable_caps();
        self.dead_rules();
    }

    fn unused_lets(&mut self) {
        for (i, used) in self.let_used.clone().into_iter().enumerate() {
            if !used {
                let name = &self.let_decls[i].name;
                self.diags.push(CheckError::UnusedLet {
                    name: name.node.clone(),
                    span: name.span,
                });
            }
        }
    }

    /// An enum that no field has as its type is unused. The variants of an
    /// enum a field uses are the data's vocabulary (a value outside them
    /// is an error outcome), so they are never reported unused.
    fn unused_enums(&mut self) {
        for (id, def) in self.out.enums.clone().iter().enumerate() {
            let in_schema = self
                .out
                .schema
                .fields
                .iter()
                .any(|f| matches!(&f.ty, Type::Enum(e, _) if *e == id));
            if !in_schema {
                self.diags.push(CheckError::UnusedEnum {
                    name: def.name.clone(),
                    span: self.enum_spans[id],
                });
            }
        }
    }

    fn unused_tiers(&mut self) {
        for (i, used) in self.tier_used.clone().into_iter().enumerate() {
            if !used {
                let name = self.out.tiers[i].clone();
                self.diags.push(CheckError::UnusedTier {
                    name,
                    span: self.tier_spans[i],
                });
            }
        }
    }

    fn unreachable_caps(&mut self) {
        let caps: Vec<(i64, i64, crate::source::Span)> = self
            .out
            .blocks
            .iter()
            .zip(self.ast.items.iter().filter_map(|i| {
                if let Item::Score(b) = i {
                    Some(b)
                } else {
                    None
                }
            }))
            .filter_map(|(block, ast)| {
                let cap = block.cap?;
                let unbounded = block.entries.iter().any(|e| e.per);
                // The most the entries can add, held within a score's
                // range as evaluation holds it (points near the `i64`
                // bounds must not overflow here).
                let max = block
                    .entries
                    .iter()
                    .filter(|e| !e.per && e.points > 0)
                    .fold(0i64, |sum, e| sum.saturating_add(e.points));
                let max = max.max(block.floor.unwrap_or(i64::MIN));
                (!unbounded && max < cap)
                    .then(|| (cap, max, ast.cap.as_ref().map_or(block.span, |c| c.span)))
            })
            .collect();
        for (cap, max, span) in caps {
            self.diags
                .push(CheckError::UnreachableCap { cap, max, span });
        }
    }

    /// What the rule analysis can prove: disqualifiers, score entries and
    /// rules that never (or always) fire, rules shadowed by earlier ones,
    /// entries a cap makes pointless, and leads that fall through.
    fn dead_rules(&mut self) {
        // Taken out for the analysis, so findings can be pushed while it
        // is read; put back after.
        let policy = std::mem::take(&mut self.out);
        self.dead_rules_in(&policy);
        self.out = policy;
    }

    fn dead_rules_in(&mut self, policy: &super::tir::CheckedPolicy) {
        super::domain::reset_budget();
        let mut analyzer = Analyzer::new(policy);
        let n = policy.schema.fields.len();
        // Leads not disqualified (over-approximated where a disqualifier is
        // beyond the analysis).
        let mut open = Some(Region::all(n));
        let mut all_supported = true;
        for d in &policy.disqualifiers {
            match analyzer.sets(&d.when) {
                Some(sets) => {
                    if sets.t.is_empty() {
                        let why = NeverFiresCause::NeverTrue;
                        self.diags.push(CheckError::NeverFires {
                            what: "disqualifier",
                            why,
                            span: d.span,
                        });
                    } else if sets.nt.is_empty() {
                        let help = "every lead is disqualified".to_string();
                        self.diags.push(CheckError::AlwaysTrue {
                            what: "disqualifier",
                            help,
                            span: d.span,
                        });
                    }
                    open = open.and_then(|o| o.intersect(&sets.nt));
                }
                None => all_supported = false,
            }
        }
        self.score_entries(&mut analyzer, policy);
        // Every lead disqualified: that is the one finding, not each rule.
        if open.as_ref().is_some_and(Region::is_empty) {
            self.rule_memos.iter_mut().for_each(|m| m.linted = None);
            return;
        }
        let rules = &policy.rules;
        let mut walk = Walk {
            open,
            earlier: Vec::with_capacity(rules.len()),
            seen: foldhash::HashMap::with_capacity_and_hasher(rules.len(), Default::default()),
            all_supported,
        };
        // What the last check found of each unchanged rule ([`super::reuse`]).
        let mut memos = std::mem::take(&mut self.rule_memos);
        memos.resize_with(rules.len(), Default::default);
        // The rules before the first changed one find what they found last
        // time, and leave the budget as they left it then.
        let resume = self.resume;
        for (j, (rule, memo)) in rules.iter().zip(&mut memos).enumerate() {
            let Some(when) = &rule.when else {
                walk.all_supported = false;
                walk.earlier.push((&rule.label, None));
                continue;
            };
            let replay = memo.linted.as_ref().filter(|_| j < resume);
            let sets = match (replay, &mut memo.sets) {
                (Some(linted), Some(kept)) => {
                    self.diags.extend(linted.finding.clone());
                    restore(linted.left_after);
                    let sets = kept.sets.take();
                    if sets.is_none() {
                        walk.beyond(rule, when, memo);
                    }
                    sets
                }
                _ => {
                    let sets = self.rule_sets(&mut analyzer, when, memo);
                    let finding = walk.finding(rule, when, sets.as_ref(), memo);
                    self.diags.extend(finding.clone());
                    memo.linted = Some(Linted {
                        finding,
                        left_after: left(),
                    });
                    sets
                }
            };
            walk.earlier.push((&rule.label, sets));
        }
        let has_otherwise = rules.iter().any(|r| r.when.is_none());
        if !has_otherwise && walk.all_supported && !rules.is_empty() {
            let mut fall = walk.open;
            for (_, e) in &walk.earlier {
                fall = match (fall, e) {
                    (Some(f), Some(e)) => f.intersect(&e.nt),
                    _ => None,
                };
            }
            if let Some(fall) = fall.filter(|f| !f.is_empty()) {
                if let Some(witness) = witness(policy, &fall) {
                    let span = rules.last().map_or_else(Default::default, |r| r.span);
                    self.diags.push(CheckError::FallsThrough { witness, span });
                }
            }
        }
        // Each rule's sets, kept for the next check.
        for (memo, (_, sets)) in memos.iter_mut().zip(walk.earlier) {
            if let Some(kept) = &mut memo.sets {
                kept.sets = sets;
            }
        }
        self.rule_memos = memos;
    }

    /// A rule condition's sets: carried over from the last check when
    /// computing them again would take the same steps and so give the same
    /// ([`Cost`]); otherwise computed, with what they cost noted in `memo`.
    fn rule_sets(
        &mut self,
        analyzer: &mut Analyzer<'_>,
        when: &TExpr,
        memo: &mut RuleMemo,
    ) -> Option<Sets> {
        let left_now = left();
        if let Some(kept) = memo.sets.take() {
            let same = match kept.cost {
                Cost::FromSpent => left_now == 0,
                Cost::Took(cost) => left_now >= cost && spend(cost),
                Cost::Cut => false,
            };
            if same {
                memo.sets = Some(Kept { sets: None, ..kept });
                return kept.sets;
            }
        }
        let sets = analyzer.sets(when);
        let after = left();
        let cost = if left_now == 0 {
            Cost::FromSpent
        } else if after > 0 {
            Cost::Took(left_now - after)
        } else {
            Cost::Cut
        };
        memo.sets = Some(Kept { sets: None, cost });
        sets
    }

    /// Score entries that never fire, or that a cap makes pointless.
    fn score_entries(&mut self, analyzer: &mut Analyzer<'_>, policy: &super::tir::CheckedPolicy) {
        for block in &policy.blocks {
            let sets: Vec<Option<super::analysis::Sets>> = block
                .entries
                .iter()
                .map(|e| if e.per { None } else { analyzer.sets(&e.expr) })
                .collect();
            for (i, entry) in block.entries.iter().enumerate() {
                let Some(s) = &sets[i] else { continue };
                if s.t.is_empty() {
                    let why = NeverFiresCause::NeverTrue;
                    self.diags.push(CheckError::NeverFires {
                        what: "score entry",
                        why,
                        span: entry.span,
                    });
                    continue;
                }
                let Some(cap) = block.cap else { continue };
                if entry.points <= 0 || block.entries.iter().any(|e| e.per) {
                    continue;
                }
                // The least the other entries add wherever this one fires.
                let mut least = 0i64;
                let mut known = true;
                for (j, other) in block.entries.iter().enumerate() {
                    if j == i {
                        continue;
                    }
                    let Some(o) = &sets[j] else {
                        known = false;
                        break;
                    };
                    let always = s.t.intersect(&o.nt).map(|r| r.is_empty());
                    let never = s.t.intersect(&o.t).map(|r| r.is_empty());
                    least += match (always, never) {
                        (Some(true), _) => other.points,
                        (_, Some(true)) => 0,
                        (Some(false), Some(false)) => other.points.min(0),
                        _ => {
                            known = false;
                            break;
                        }
                    };
                }
                if known && least >= cap {
                    let why = format!(
                        "whenever it fires, the other entries already reach the cap of {cap}"
                    );
                    self.diags.push(CheckError::EntryNeverCounts {
                        why,
                        span: entry.span,
                    });
                }
            }
        }
    }
}

/// A condition's shape with its hash, computed once ([`shape_hash`]).
struct Hashed<'a>(u64, Shape<'a>);

impl PartialEq for Hashed<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0 && self.1 == other.1
    }
}

impl Eq for Hashed<'_> {}

impl std::hash::Hash for Hashed<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

/// The rule analysis's walk through the rules, in order: what the rules
/// before the next one leave.
struct Walk<'p> {
    /// The leads no disqualifier takes (`None`: beyond the analysis).
    open: Option<Region>,
    /// Each earlier rule's label and sets.
    earlier: Vec<(&'p str, Option<Sets>)>,
    /// The conditions beyond the analysis so far, to find repeats, with
    /// the first rule that has each. (Keyed by their hash, which an
    /// unchanged rule carries over from the last check: a shape is a whole
    /// tree, and hashing thousands of them was a sixth of the language
    /// server's time per change.)
    seen: foldhash::HashMap<Hashed<'p>, &'p str>,
    /// Whether every rule so far is within the analysis.
    all_supported: bool,
}

impl<'p> Walk<'p> {
    /// Notes a rule whose condition is beyond the analysis; the earlier
    /// rule with the same condition, if any.
    fn beyond(
        &mut self,
        rule: &'p RuleDef,
        when: &'p TExpr,
        memo: &mut RuleMemo,
    ) -> Option<&'p str> {
        self.all_supported = false;
        let hash = *memo.shape.get_or_insert_with(|| shape_hash(when));
        match self.seen.entry(Hashed(hash, Shape(when))) {
            Entry::Occupied(first) => Some(*first.get()),
            Entry::Vacant(v) => {
                v.insert(&rule.label);
                None
            }
        }
    }

    /// What the analysis finds of the next rule, whose condition has
    /// `sets`: that it never fires (never true, shadowed, or a repeat).
    fn finding(
        &mut self,
        rule: &'p RuleDef,
        when: &'p TExpr,
        sets: Option<&Sets>,
        memo: &mut RuleMemo,
    ) -> Option<CheckError> {
        let never = |why| CheckError::NeverFires {
            what: "rule",
            why,
            span: rule.span,
        };
        let Some(s) = sets else {
            let same = self.beyond(rule, when, memo)?;
            return Some(never(NeverFiresCause::SameCondition(same.to_string())));
        };
        if s.t.is_empty() {
            return Some(never(NeverFiresCause::NeverTrue));
        }
        // The leads it would take, less those each earlier rule takes;
        // `None` once beyond the analysis (its budget spent), which stays
        // so: stop there rather than walk the thousands of earlier rules
        // of a large policy.
        let mut reach = self.open.clone().and_then(|o| o.intersect(&s.t));
        for (_, e) in &self.earlier {
            match (&reach, e) {
                (None, _) => break,
                (Some(r), Some(e)) => reach = r.intersect(&e.nt),
                (Some(_), None) => {}
            }
        }
        if !reach?.is_empty() {
            return None;
        }
        // The earlier rules that take some of its leads, in order.
        let mut remaining = self.open.clone().and_then(|o| o.intersect(&s.t));
        let mut covering = Vec::new();
        for (label, e) in &self.earlier {
            let (Some(r), Some(e)) = (&remaining, e) else {
                continue;
            };
            if r.intersect(&e.t).is_some_and(|x| !x.is_empty()) {
                covering.push(label.to_string());
                remaining = r.intersect(&e.nt);
            }
        }
        Some(never(if covering.is_empty() {
            NeverFiresCause::DisqualifiedFirst
        } else {
            NeverFiresCause::DecidedFirst(covering)
        }))
    }
}
