//! Typing expressions: resolves names (let, field, score block, enum
//! variant) and checks that operands fit their operators.

use super::error::CheckError;
use super::tir::{Func, TExpr, TKind};
use super::types::Type;
use super::{Checker, LetState};
use crate::diagnostic::did_you_mean;
use crate::source::Span;
use crate::syntax::ast::{ArithOp, CompareOp, Expr, ExprKind, Number, TextOp};
use crate::value::Datum;

/// The functions of expressions.
pub const FUNCTIONS: &[&str] = &[
    "lower",
    "trim",
    "count",
    "days_since",
    "coalesce",
    "min",
    "max",
    "round",
];

impl Checker<'_> {
    /// Types `e` and requires a condition (`bool`).
    pub(super) fn condition(&mut self, e: &Expr, context: &'static str) -> TExpr {
        let t = self.infer(e, None);
        self.require_bool(&t, context);
        t
    }

    fn require_bool(&mut self, t: &TExpr, context: &'static str) {
        if !matches!(t.ty, Type::Bool | Type::Error) {
            let help = if t.ty.is_numeric() {
                "compare it with something, e.g. `x > 0`".to_string()
            } else {
                "a condition is a test such as `x = y`, `x in [...]` or `x is present`".to_string()
            };
            self.error(CheckError::WrongType {
                context,
                expected: "a yes/no condition (`bool`)",
                found: t.ty.to_string(),
                span: t.span,
                help,
            });
        }
    }

    /// Types an expression. `hint` is the type the context expects, used to
    /// resolve a bare name as an enum variant.
    pub(super) fn infer(&mut self, e: &Expr, hint: Option<&Type>) -> TExpr {
        let span = e.span;
        let make = |kind, ty| TExpr { kind, ty, span };
        match &e.kind {
            ExprKind::Number(Number::Int(i)) => make(TKind::Const(Datum::Int(*i)), Type::Int),
            ExprKind::Number(Number::Real(r)) => make(TKind::Const(Datum::Num(*r)), Type::Number),
            ExprKind::Text(t) => self.text_literal(t, span, hint),
            ExprKind::Bool(b) => make(TKind::Const(Datum::Bool(*b)), Type::Bool),
            ExprKind::Date(d) => make(TKind::Const(Datum::Date(*d)), Type::Date),
            ExprKind::Ago(days) => make(TKind::Ago(*days), Type::Date),
            ExprKind::Duration(days) => {
                self.error(CheckError::BareDuration { days: *days, span });
                TExpr::poisoned(span)
            }
            ExprKind::Name(n) => self.name(n, span, hint),
            ExprKind::Score => make(TKind::Score, Type::Int),
            ExprKind::List(_) => {
                self.error(CheckError::ListOutsideIn { span });
                TExpr::poisoned(span)
            }
            ExprKind::Neg(x) => {
                let x = self.infer(x, None);
                self.require_numeric(&x, "`-`");
                let ty = x.ty.clone();
                make(TKind::Neg(Box::new(x)), ty)
            }
            ExprKind::Arith(op, l, r) => self.arith(*op, l, r, span),
            ExprKind::Compare(op, l, r) => self.compare(*op, l, r, span),
            ExprKind::In {
                negated,
                value,
                list,
            } => self.membership(*negated, value, list, span),
            ExprKind::Between(v, lo, hi) => {
                let v = self.infer(v, None);
                let lo = self.infer(lo, Some(&v.ty));
                let hi = self.infer(hi, Some(&v.ty));
                for bound in [&lo, &hi] {
                    self.require_ordered("between", &v, bound);
                }
                make(
                    TKind::Between(Box::new(v), Box::new(lo), Box::new(hi)),
                    Type::Bool,
                )
            }
            ExprKind::TextTest(op, l, r) => self.text_test(*op, l, r, span),
            ExprKind::Matches(l, pattern) => {
                let l = self.infer(l, None);
                self.require(&l, &Type::Text, "the value before `matches`", "text");
                self.pattern(pattern);
                make(TKind::Matches(Box::new(l), pattern.clone()), Type::Bool)
            }
            ExprKind::DateTest(op, l, r) => {
                let l = self.infer(l, None);
                let r = self.infer(r, None);
                let word = if *op == crate::syntax::ast::DateOp::Before {
                    "`before`"
                } else {
                    "`after`"
                };
                if !matches!(
                    (&l.ty, &r.ty),
                    (Type::Date | Type::Error, Type::Date | Type::Error)
                ) {
                    self.mismatch(word, &l, &r, "`before` and `after` compare dates: `last_activity before 2026-01-01` or `... before 90 days ago`");
                }
                make(TKind::DateTest(*op, Box::new(l), Box::new(r)), Type::Bool)
            }
            ExprKind::Within(l, days) => {
                let l = self.infer(l, None);
                self.require(&l, &Type::Date, "the value before `within`", "a date");
                make(TKind::Within(Box::new(l), days.node), Type::Bool)
            }
            ExprKind::IsMissing { negated, value } => {
                let v = self.infer(value, None);
                make(TKind::IsMissing(*negated, Box::new(v)), Type::Bool)
            }
            ExprKind::Not(x) => {
                let x = self.infer(x, None);
                self.require_bool(&x, "the operand of `not`");
                make(TKind::Not(Box::new(x)), Type::Bool)
            }
            ExprKind::And(l, r) | ExprKind::Or(l, r) => {
                let word = if matches!(e.kind, ExprKind::And(..)) {
                    "`and`"
                } else {
                    "`or`"
                };
                let context = if word == "`and`" {
                    "each side of `and`"
                } else {
                    "each side of `or`"
                };
                let l = self.infer(l, None);
                self.require_bool(&l, context);
                let r = self.infer(r, None);
                self.require_bool(&r, context);
                let kind = if word == "`and`" {
                    TKind::And(Box::new(l), Box::new(r))
                } else {
                    TKind::Or(Box::new(l), Box::new(r))
                };
                make(kind, Type::Bool)
            }
            ExprKind::Call(name, args) => self.call(&name.node, name.span, args, span),
        }
    }

    fn text_literal(&mut self, t: &str, span: Span, hint: Option<&Type>) -> TExpr {
        if let Some(Type::Enum(id, enum_name)) = hint {
            let def = &self.out.enums[*id];
            let suggestion = def
                .variants
                .iter()
                .find(|v| v.name.eq_ignore_ascii_case(t) || v.spellings.iter().any(|s| s == t))
                .map(|v| v.name.clone());
            let variants = def.variants.iter().map(|v| v.name.clone()).collect();
            let (enum_name, text) = (enum_name.clone(), t.to_string());
            self.error(CheckError::EnumVsText {
                enum_name,
                variants,
                text,
                suggestion,
                span,
            });
            return TExpr::poisoned(span);
        }
        TExpr {
            kind: TKind::Const(Datum::Text(t.to_string())),
            ty: Type::Text,
            span,
        }
    }

    /// Whether `e` is a bare name that is not a let, field or block (so
    /// perhaps an enum variant, resolved from the other operand's type).
    fn is_variant_like(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Name(n) => {
                !self.let_index.contains_key(n)
                    && !self.field_index.contains_key(n)
                    && !self.block_index.contains_key(n)
            }
            ExprKind::List(items) => items.iter().all(|i| self.is_variant_like(i)),
            _ => false,
        }
    }

    /// Types two operands, the bare-name one (if any) against the other.
    fn pair(&mut self, l: &Expr, r: &Expr) -> (TExpr, TExpr) {
        if self.is_variant_like(l) && !self.is_variant_like(r) {
            let r = self.infer(r, None);
            let l = self.infer(l, Some(&r.ty));
            (l, r)
        } else {
            let l = self.infer(l, None);
            let r = self.infer(r, Some(&l.ty));
            (l, r)
        }
    }

    fn name(&mut self, n: &str, span: Span, hint: Option<&Type>) -> TExpr {
        if let Some(&i) = self.let_index.get(n) {
            self.let_used[i] = true;
            if self.let_state[i] == LetState::InProgress {
                let start = self.let_stack.iter().position(|&x| x == i).unwrap_or(0);
                let mut path: Vec<String> = self.let_stack[start..]
                    .iter()
                    .map(|&x| self.let_decls[x].name.node.clone())
                    .collect();
                path.push(n.to_string());
                self.error(CheckError::LetCycle {
                    name: n.to_string(),
                    path,
                    span,
                });
                return TExpr {
                    kind: TKind::Let(i),
                    ty: Type::Error,
                    span,
                };
            }
            let ty = self.check_let(i);
            return TExpr {
                kind: TKind::Let(i),
                ty,
                span,
            };
        }
        if let Some(&i) = self.field_index.get(n) {
            let ty = self.out.schema.fields[i].ty.clone();
            return TExpr {
                kind: TKind::Field(i),
                ty,
                span,
            };
        }
        if let Some(&i) = self.block_index.get(n) {
            return TExpr {
                kind: TKind::Block(i),
                ty: Type::Int,
                span,
            };
        }
        if let Some(Type::Enum(id, enum_name)) = hint {
            let def = &self.out.enums[*id];
            if let Some(v) = def.variants.iter().position(|v| v.name == n) {
                return TExpr {
                    kind: TKind::Const(Datum::Enum(v as u32)),
                    ty: Type::Enum(*id, enum_name.clone()),
                    span,
                };
            }
            let variants: Vec<String> = def.variants.iter().map(|v| v.name.clone()).collect();
            let suggestion = did_you_mean(n, variants.iter().map(String::as_str));
            let (name, enum_name) = (n.to_string(), enum_name.clone());
            self.error(CheckError::UnknownVariant {
                name,
                enum_name,
                variants,
                suggestion,
                span,
            });
            return TExpr::poisoned(span);
        }
        let help = self.unknown_name_help(n, hint);
        self.error(CheckError::UnknownName {
            name: n.to_string(),
            span,
            help,
        });
        TExpr::poisoned(span)
    }

    fn unknown_name_help(&self, n: &str, hint: Option<&Type>) -> String {
        let mut known: Vec<&str> = self.let_index.keys().map(String::as_str).collect();
        known.extend(self.field_index.keys().map(String::as_str));
        known.extend(self.block_index.keys().map(String::as_str));
        known.sort_unstable();
        if ["null", "NULL", "nil", "None", "undefined"].contains(&n) {
            return "lq has no null: test with `x is missing` or `x is present`".to_string();
        }
        let owner = self
            .out
            .enums
            .iter()
            .find(|e| e.variants.iter().any(|v| v.name == n));
        if let Some(e) = owner {
            return format!("`{n}` is a variant of enum `{}`: compare it with a field of that type, e.g. `field = {n}`", e.name);
        }
        if let Some(s) = did_you_mean(n, known.iter().copied()) {
            return format!("did you mean `{s}`?");
        }
        if hint == Some(&Type::Text) {
            return format!("to compare with the text, quote it: \"{n}\"");
        }
        if known.is_empty() {
            return "declare it as a schema field or with `let`".to_string();
        }
        let known: Vec<String> = known.iter().map(|s| s.to_string()).collect();
        format!(
            "declare it as a schema field or with `let`; the names are {}",
            crate::diagnostic::list_names(&known)
        )
    }

    fn arith(&mut self, op: ArithOp, l: &Expr, r: &Expr, span: Span) -> TExpr {
        let l = self.infer(l, None);
        let r = self.infer(r, None);
        let symbol = match op {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        };
        let ty = if l.ty.is_numeric() && r.ty.is_numeric() {
            match op {
                ArithOp::Div => l.ty.numeric_join(&Type::Number).min_error(&r.ty),
                _ => l.ty.numeric_join(&r.ty),
            }
        } else {
            if l.ty != Type::Error && r.ty != Type::Error {
                self.mismatch(
                    &format!("`{symbol}`"),
                    &l,
                    &r,
                    "arithmetic works on numbers (`int`, `number`, `money`)",
                );
            }
            Type::Error
        };
        TExpr {
            kind: TKind::Arith(op, Box::new(l), Box::new(r)),
            ty,
            span,
        }
    }

    fn compare(&mut self, op: CompareOp, l: &Expr, r: &Expr, span: Span) -> TExpr {
        let (l, r) = self.pair(l, r);
        let word = format!("`{}`", op.as_str());
        if !l.ty.comparable(&r.ty) {
            self.mismatch(
                &word,
                &l,
                &r,
                "both sides of a comparison must have the same type (numbers compare with numbers)",
            );
        } else if !(matches!(op, CompareOp::Eq | CompareOp::Ne) || l.ty.ordered() && r.ty.ordered())
        {
            let help = format!("`{}` values can only be tested with `=` and `!=`", l.ty);
            self.mismatch(&word, &l, &r, &help);
        }
        TExpr {
            kind: TKind::Compare(op, Box::new(l), Box::new(r)),
            ty: Type::Bool,
            span,
        }
    }

    fn membership(&mut self, negated: bool, value: &Expr, list: &Expr, span: Span) -> TExpr {
        let (v, list) = if matches!(list.kind, ExprKind::List(_)) {
            let ExprKind::List(written) = &list.kind else {
                unreachable!("matched above")
            };
            let v = self.infer(value, None);
            let items: Vec<TExpr> = written.iter().map(|i| self.infer(i, Some(&v.ty))).collect();
            if let Some(item) = items.iter().find(|i| !v.ty.comparable(&i.ty)) {
                self.mismatch(
                    if negated { "`not in`" } else { "`in`" },
                    &v,
                    item,
                    "every item of the list must have the value's type",
                );
            }
            let ty = Type::ListOf(Box::new(v.ty.clone()));
            (
                v,
                TExpr {
                    kind: TKind::List(items),
                    ty,
                    span: list.span,
                },
            )
        } else {
            let v = self.infer(value, None);
            let l = self.infer(list, None);
            if !matches!(
                (&v.ty, &l.ty),
                (Type::Text | Type::Error, Type::List | Type::Error)
            ) {
                self.mismatch("`in`", &v, &l, "`in` takes a list: `role in [VP, Director]`, or text in a `list of text` field");
            }
            (v, l)
        };
        TExpr {
            kind: TKind::In(negated, Box::new(v), Box::new(list)),
            ty: Type::Bool,
            span,
        }
    }

    fn text_test(&mut self, op: TextOp, l: &Expr, r: &Expr, span: Span) -> TExpr {
        let l = self.infer(l, None);
        let r = self.infer(r, Some(&Type::Text));
        let word = match op {
            TextOp::Contains => "`contains`",
            TextOp::StartsWith => "`starts with`",
            TextOp::EndsWith => "`ends with`",
        };
        let list_ok = op == TextOp::Contains && l.ty == Type::List;
        let ok = matches!(l.ty, Type::Text | Type::Error) || list_ok;
        if !ok || !matches!(r.ty, Type::Text | Type::Error) {
            self.mismatch(
                word,
                &l,
                &r,
                "text tests take text on both sides, e.g. `email ends with \".edu\"`",
            );
        }
        TExpr {
            kind: TKind::TextTest(op, Box::new(l), Box::new(r)),
            ty: Type::Bool,
            span,
        }
    }

    fn call(&mut self, name: &str, name_span: Span, args: &[Expr], span: Span) -> TExpr {
        let func = match name {
            "lower" => Func::Lower,
            "trim" => Func::Trim,
            "count" => Func::Count,
            "days_since" => Func::DaysSince,
            "coalesce" => Func::Coalesce,
            "min" => Func::Min,
            "max" => Func::Max,
            "round" => Func::Round,
            _ => {
                let functions: Vec<String> = FUNCTIONS.iter().map(|f| f.to_string()).collect();
                let suggestion = did_you_mean(name, FUNCTIONS.iter().copied());
                self.error(CheckError::UnknownFunction {
                    name: name.into(),
                    functions,
                    suggestion,
                    span: name_span,
                });
                return TExpr::poisoned(span);
            }
        };
        let (arity_ok, expected, usage) = match func {
            Func::Lower => (args.len() == 1, "one argument", "lower(text)"),
            Func::Trim => (args.len() == 1, "one argument", "trim(text)"),
            Func::Count => (args.len() == 1, "one argument", "count(list)"),
            Func::DaysSince => (args.len() == 1, "one argument", "days_since(date)"),
            Func::Round => (args.len() == 1, "one argument", "round(number)"),
            Func::Coalesce => (
                args.len() >= 2,
                "two or more arguments",
                "coalesce(value, fallback)",
            ),
            Func::Min => (args.len() >= 2, "two or more arguments", "min(a, b)"),
            Func::Max => (args.len() >= 2, "two or more arguments", "max(a, b)"),
        };
        if !arity_ok {
            self.error(CheckError::WrongArity {
                name: name.into(),
                expected,
                found: args.len(),
                usage,
                span,
            });
            return TExpr::poisoned(span);
        }
        let first = self.infer(&args[0], None);
        let mut typed = vec![first];
        for a in &args[1..] {
            let hint = typed[0].ty.clone();
            typed.push(self.infer(a, Some(&hint)));
        }
        let ty = self.call_type(func, name, &typed);
        TExpr {
            kind: TKind::Call(func, typed),
            ty,
            span,
        }
    }

    fn call_type(&mut self, func: Func, name: &str, args: &[TExpr]) -> Type {
        let context = match func {
            Func::Lower | Func::Trim => ("the argument of this function", "text", Type::Text),
            Func::Count => ("the argument of `count`", "a `list of text`", Type::List),
            Func::DaysSince => ("the argument of `days_since`", "a date", Type::Date),
            _ => ("", "", Type::Error),
        };
        match func {
            Func::Lower | Func::Trim | Func::Count | Func::DaysSince => {
                self.require(&args[0], &context.2, context.0, context.1);
                match func {
                    Func::Lower | Func::Trim => Type::Text,
                    _ => Type::Int,
                }
            }
            Func::Round => {
                self.require_numeric(&args[0], "`round`");
                Type::Int
            }
            Func::Min | Func::Max => {
                for a in args {
                    self.require_numeric(a, if name == "min" { "`min`" } else { "`max`" });
                }
                args.iter()
                    .skip(1)
                    .fold(args[0].ty.clone(), |acc, a| acc.numeric_join(&a.ty))
            }
            Func::Coalesce => {
                for a in &args[1..] {
                    if !args[0].ty.comparable(&a.ty) {
                        self.mismatch(
                            "`coalesce`",
                            &args[0],
                            a,
                            "the fallback must have the value's type",
                        );
                    }
                }
                args.iter()
                    .skip(1)
                    .fold(args[0].ty.clone(), |acc, a| acc.join(&a.ty))
            }
        }
    }

    fn require(&mut self, t: &TExpr, ty: &Type, context: &'static str, expected: &'static str) {
        if t.ty != *ty && t.ty != Type::Error {
            let help = format!("give it {expected}");
            self.error(CheckError::WrongType {
                context,
                expected,
                found: t.ty.to_string(),
                span: t.span,
                help,
            });
        }
    }

    fn require_numeric(&mut self, t: &TExpr, op: &str) {
        if !t.ty.is_numeric() {
            let help = format!("{op} works on `int`, `number` and `money`");
            self.error(CheckError::WrongType {
                context: "this operand",
                expected: "a number",
                found: t.ty.to_string(),
                span: t.span,
                help,
            });
        }
    }

    fn require_ordered(&mut self, op: &str, v: &TExpr, bound: &TExpr) {
        if !(v.ty.comparable(&bound.ty) && v.ty.ordered() && bound.ty.ordered()) {
            self.mismatch(
                &format!("`{op}`"),
                v,
                bound,
                "`between` takes numbers or dates of the same kind on every side",
            );
        }
    }

    pub(super) fn mismatch(&mut self, op: &str, l: &TExpr, r: &TExpr, help: &str) {
        if l.ty == Type::Error || r.ty == Type::Error {
            return;
        }
        self.error(CheckError::TypeMismatch {
            op: op.to_string(),
            left: l.ty.to_string(),
            right: r.ty.to_string(),
            left_span: l.span,
            right_span: r.span,
            help: help.to_string(),
        });
    }
}

impl Type {
    /// `self`, unless `other` is the error type.
    fn min_error(self, other: &Type) -> Type {
        if *other == Type::Error {
            Type::Error
        } else {
            self
        }
    }
}
