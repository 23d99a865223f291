//! Moving parsed declarations: a declaration parsed on its own has spans
//! from 0 and lines from 1; placed back at its offset in a policy, every
//! span and line number moves by the same amount. Incremental parsing
//! ([`super::Reparser`]) keeps declarations parsed once and moves them.

use super::ast::*;
use crate::source::{Span, Spanned};

/// How far to move: bytes and lines (back, when negative).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shift {
    /// Bytes added to every span.
    pub bytes: isize,
    /// Lines added to every line number.
    pub lines: isize,
}

impl Shift {
    fn span(self, s: &mut Span) {
        *s = s.moved(self.bytes);
    }

    fn spanned<T>(self, s: &mut Spanned<T>) {
        self.span(&mut s.span);
    }

    fn opt(self, s: &mut Option<Span>) {
        if let Some(s) = s {
            self.span(s);
        }
    }

    fn opt_spanned<T>(self, s: &mut Option<Spanned<T>>) {
        if let Some(s) = s {
            self.spanned(s);
        }
    }

    /// Moves declarations and appends them to `to`.
    pub fn append(self, items: Vec<Item>, to: &mut Vec<Item>) {
        if self.bytes == 0 && self.lines == 0 {
            // Where it was (every declaration before an edit, and after
            // one that kept the length and the lines).
            to.extend(items);
            return;
        }
        to.extend(items.into_iter().map(|mut item| {
            self.item(&mut item);
            item
        }));
    }

    /// Moves one declaration.
    pub fn item(self, item: &mut Item) {
        match item {
            Item::Name(n) => self.spanned(n),
            Item::Enum(e) => {
                self.spanned(&mut e.name);
                for v in &mut e.variants {
                    self.spanned(&mut v.name);
                    v.spellings.iter_mut().for_each(|s| self.spanned(s));
                }
                self.opt(&mut e.trim);
                self.opt(&mut e.ignore_case);
                self.span(&mut e.span);
            }
            Item::Schema(s) => {
                for f in &mut s.fields {
                    self.spanned(&mut f.name);
                    self.spanned(&mut f.ty.name);
                    self.span(&mut f.ty.span);
                    self.opt(&mut f.key);
                    self.opt_spanned(&mut f.column);
                    f.missing.iter_mut().for_each(|m| self.spanned(m));
                    self.opt(&mut f.trim);
                    self.opt(&mut f.ignore_case);
                }
                s.missing.iter_mut().for_each(|m| self.spanned(m));
                self.span(&mut s.span);
            }
            Item::Tiers(t) => {
                t.tiers.iter_mut().for_each(|n| self.spanned(n));
                self.span(&mut t.span);
            }
            Item::Let(l) => {
                self.spanned(&mut l.name);
                self.expr(&mut l.value);
                self.span(&mut l.span);
            }
            Item::Disqualify(d) => {
                self.expr(&mut d.when);
                self.opt_spanned(&mut d.because);
                self.span(&mut d.span);
                d.line = d.line.wrapping_add_signed(self.lines);
            }
            Item::Score(b) => {
                self.opt_spanned(&mut b.name);
                self.opt_spanned(&mut b.floor);
                self.opt_spanned(&mut b.cap);
                for e in &mut b.entries {
                    self.spanned(&mut e.points);
                    match &mut e.kind {
                        EntryKind::When(x) | EntryKind::Per(x) => self.expr(x),
                    }
                    self.opt_spanned(&mut e.because);
                    self.span(&mut e.span);
                }
                self.span(&mut b.span);
            }
            Item::Rule(r) => {
                self.opt_spanned(&mut r.name);
                if let Some(w) = &mut r.when {
                    self.expr(w);
                }
                self.spanned(&mut r.tier);
                self.opt_spanned(&mut r.route);
                self.opt_spanned(&mut r.because);
                self.span(&mut r.span);
                r.line = r.line.wrapping_add_signed(self.lines);
            }
            Item::Lead(l) => {
                self.spanned(&mut l.name);
                self.record(&mut l.record);
                self.span(&mut l.span);
            }
            Item::Test(t) => {
                self.spanned(&mut t.name);
                self.opt_spanned(&mut t.as_of);
                self.opt_spanned(&mut t.given.base);
                if let Some(r) = &mut t.given.record {
                    self.record(r);
                }
                for e in &mut t.expects {
                    self.spanned(e);
                    match &mut e.node {
                        Expectation::Tier(n) | Expectation::Rule(n) => self.spanned(n),
                        Expectation::Score { block, value, .. } => {
                            self.opt_spanned(block);
                            self.spanned(value);
                        }
                        _ => {}
                    }
                }
                self.span(&mut t.span);
            }
        }
    }

    fn record(self, r: &mut RecordLit) {
        for (name, value) in &mut r.fields {
            self.spanned(name);
            self.spanned(value);
        }
        self.span(&mut r.span);
    }

    fn expr(self, e: &mut Expr) {
        self.span(&mut e.span);
        match &mut e.kind {
            ExprKind::Number(_)
            | ExprKind::Text(_)
            | ExprKind::Bool(_)
            | ExprKind::Date(_)
            | ExprKind::Ago(_)
            | ExprKind::Duration(_)
            | ExprKind::Name(_)
            | ExprKind::Score => {}
            ExprKind::List(items) => items.iter_mut().for_each(|x| self.expr(x)),
            ExprKind::Neg(x) | ExprKind::Not(x) => self.expr(x),
            ExprKind::IsMissing { value, .. } => self.expr(value),
            ExprKind::Matches(x, pattern) => {
                self.expr(x);
                self.spanned(pattern);
            }
            ExprKind::Within(x, days) => {
                self.expr(x);
                self.spanned(days);
            }
            ExprKind::Arith(_, l, r)
            | ExprKind::Compare(_, l, r)
            | ExprKind::TextTest(_, l, r)
            | ExprKind::DateTest(_, l, r)
            | ExprKind::And(l, r)
            | ExprKind::Or(l, r) => {
                self.expr(l);
                self.expr(r);
            }
            ExprKind::In { value, list, .. } => {
                self.expr(value);
                self.expr(list);
            }
            ExprKind::Between(a, b, c) => {
                self.expr(a);
                self.expr(b);
                self.expr(c);
            }
            ExprKind::Call(name, args) => {
                self.spanned(name);
                args.iter_mut().for_each(|x| self.expr(x));
            }
        }
    }
}
