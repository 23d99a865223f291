//! Warnings: declarations nothing uses, caps no lead can reach, and rules
//! that can never fire.

use super::analysis::{witness, Analyzer};
use super::domain::Region;
use super::error::{CheckError, NeverFiresCause};
use super::tir::Shape;
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
            return;
        }
        let rules = &policy.rules;
        let mut earlier: Vec<(String, Option<super::analysis::Sets>)> = Vec::new();
        // Conditions beyond the analysis, written out, to find repeats.
        // (Hashed with foldhash, sized up front: a shape is a whole tree,
        // and hashing thousands of them with SipHash, twice over as the
        // map grew, was a sixth of the language server's time per change.)
        let mut seen_conditions: foldhash::HashMap<Shape<'_>, String> =
            foldhash::HashMap::with_capacity_and_hasher(rules.len(), Default::default());
        for rule in rules {
            let Some(when) = &rule.when else {
                all_supported = false;
                continue;
            };
            let sets = analyzer.sets(when);
            match &sets {
                Some(s) if s.t.is_empty() => {
                    let why = NeverFiresCause::NeverTrue;
                    self.diags.push(CheckError::NeverFires {
                        what: "rule",
                        why,
                        span: rule.span,
                    })
                }
                Some(s) => {
                    // The leads it would take, less those each earlier rule
                    // takes; `None` once beyond the analysis (its budget
                    // spent), which stays so: stop there rather than walk
                    // the thousands of earlier rules of a large policy.
                    let mut reach = open.clone().and_then(|o| o.intersect(&s.t));
                    for (_, e) in &earlier {
                        match (&reach, e) {
                            (None, _) => break,
                            (Some(r), Some(e)) => reach = r.intersect(&e.nt),
                            (Some(_), None) => {}
                        }
                    }
                    if let Some(reach) = reach {
                        if reach.is_empty() {
                            // The earlier rules that take some of its leads, in order.
                            let mut remaining = open.clone().and_then(|o| o.intersect(&s.t));
                            let mut covering = Vec::new();
                            for (label, e) in &earlier {
                                let (Some(r), Some(e)) = (&remaining, e) else {
                                    continue;
                                };
                                if r.intersect(&e.t).is_some_and(|x| !x.is_empty()) {
                                    covering.push(label.clone());
                                    remaining = r.intersect(&e.nt);
                                }
                            }
                            let why = if covering.is_empty() {
                                NeverFiresCause::DisqualifiedFirst
                            } else {
                                NeverFiresCause::DecidedFirst(covering)
                            };
                            self.diags.push(CheckError::NeverFires {
                                what: "rule",
                                why,
                                span: rule.span,
                            });
                        }
                    }
                }
                None => {
                    all_supported = false;
                    let key = Shape(when);
                    let same = seen_conditions.get(&key).cloned();
                    seen_conditions
                        .entry(key)
                        .or_insert_with(|| rule.label.clone());
                    if let Some(label) = same {
                        let why = NeverFiresCause::SameCondition(label);
                        self.diags.push(CheckError::NeverFires {
                            what: "rule",
                            why,
                            span: rule.span,
                        });
                    }
                }
            }
            earlier.push((rule.label.clone(), sets));
        }
        let has_otherwise = rules.iter().any(|r| r.when.is_none());
        if !has_otherwise && all_supported && !rules.is_empty() {
            let mut fall = open;
            for (_, e) in &earlier {
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
