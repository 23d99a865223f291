//! Warnings: declarations nothing uses, caps no lead can reach, and rules
//! that can never fire.

use super::error::CheckError;
use super::tir::{TExpr, TKind};
use super::types::Type;
use super::Checker;
use crate::eval::value::Datum;
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
                let max: i64 = block
                    .entries
                    .iter()
                    .filter(|e| !e.per && e.points > 0)
                    .map(|e| e.points)
                    .sum();
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

    /// Rules that can never fire: a condition that is the constant `false`,
    /// or one identical to an earlier rule's, or any rule after an earlier
    /// rule whose condition is the constant `true`. (Deeper analysis of
    /// overlapping conditions belongs to `lq check`'s rule analysis.)
    fn dead_rules(&mut self) {
        let rules = self.out.rules.clone();
        let mut always: Option<String> = None;
        for (i, rule) in rules.iter().enumerate() {
            let Some(when) = &rule.when else { continue };
            let why = if let Some(earlier) = &always {
                Some(format!("rule `{earlier}` before it matches every lead"))
            } else if is_const(when, false) {
                Some("its condition is always false".to_string())
            } else {
                rules[..i]
                    .iter()
                    .find(|r| r.when.as_ref().is_some_and(|w| same(w, when)))
                    .map(|r| {
                        format!(
                            "rule `{}` before it has the same condition and wins",
                            r.label
                        )
                    })
            };
            if let Some(why) = why {
                self.diags.push(CheckError::NeverFires {
                    why,
                    span: rule.span,
                });
            }
            if always.is_none() && is_const(when, true) {
                always = Some(rule.label.clone());
            }
        }
    }
}

fn is_const(e: &TExpr, value: bool) -> bool {
    matches!(&e.kind, TKind::Const(Datum::Bool(b)) if *b == value)
}

/// Whether two expressions are the same, ignoring where they were written.
fn same(a: &TExpr, b: &TExpr) -> bool {
    format!("{:?}", strip(a)) == format!("{:?}", strip(b))
}

fn strip(e: &TExpr) -> String {
    let text = format!("{:?}", e.kind);
    // Spans print as `Span { start: N, end: M }`; drop them.
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find("span: Span {") {
        out.push_str(&rest[..i]);
        rest = rest[i..].split_once('}').map_or("", |(_, r)| r);
    }
    out.push_str(rest);
    out
}
