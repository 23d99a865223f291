//! Stage 3, checked policy → evaluation plan (see [`plan`]).

pub mod plan;

use crate::check::patterns::PatternBudget;
use crate::check::tir::{CheckedPolicy, TExpr, TKind};
use crate::check::types::Type;
use crate::text_key::{Affix, TextList};
use crate::value::Datum;
use plan::*;

/// A policy ready to evaluate: the checked declarations and their plan.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The checked policy (schema, tiers, names, tests).
    pub policy: CheckedPolicy,
    /// The disqualifiers.
    pub disqualifiers: Vec<PlanDisqualifier>,
    /// The score blocks.
    pub blocks: Vec<PlanBlock>,
    /// The tier rules.
    pub rules: Vec<PlanRule>,
}

impl Compiled {
    /// The checked declarations the plan came from.
    pub fn policy_ref(&self) -> &CheckedPolicy {
        &self.policy
    }
}

/// Compiles a checked policy. The policy must have no check errors.
pub fn compile(policy: &CheckedPolicy) -> Compiled {
    let mut cx = Compiler {
        policy,
        lets: vec![None; policy.lets.len()],
        patterns: PatternBudget::new(),
    };
    let disqualifiers = policy
        .disqualifiers
        .iter()
        .map(|d| {
            let when = specialize(cx.node(&d.when));
            PlanDisqualifier {
                cond: None,
                when,
                reason: d.reason.clone(),
            }
        })
        .collect();
    let blocks = policy
        .blocks
        .iter()
        .map(|b| PlanBlock {
            name: b.name.clone(),
            floor: b.floor,
            cap: b.cap,
            entries: b
                .entries
                .iter()
                .map(|e| {
                    let expr = specialize(cx.node(&e.expr));
                    PlanEntry {
                        points: e.points,
                        per: e.per,
                        cond: None,
                        expr,
                    }
                })
                .collect(),
        })
        .collect();
    let rules = policy
        .rules
        .iter()
        .map(|r| {
            let when = r.when.as_ref().map(|w| specialize(cx.node(w)));
            PlanRule {
                label: r.label.clone(),
                cond: None,
                when,
                tier: r.tier,
                route: r.route.clone(),
            }
        })
        .collect();
    Compiled {
        policy: policy.clone(),
        disqualifiers,
        blocks,
        rules,
    }
}

/// Compiles a single typed expression against a policy (for the REPL).
pub fn compile_expr(policy: &CheckedPolicy, expr: &TExpr) -> Node {
    specialize(
        Compiler {
            policy,
            lets: vec![None; policy.lets.len()],
            patterns: PatternBudget::new(),
        }
        .node(expr),
    )
}

/// Rewrites the commonest conditions (a field against constants) into
/// forms that read the slot directly, through `and`/`or`/`not`.
fn specialize(node: Node) -> Node {
    use crate::syntax::ast::CompareOp;
    // An int constant is compared as a float by the specialised forms,
    // which is exact for any int operand only while the constant is
    // within ±2^53; a larger one (`score >= 9223372036854775807`) keeps
    // the general, exact integer comparison.
    let number = |d: &Datum| match d {
        Datum::Int(i) if i.unsigned_abs() <= 1 << 53 => Some(*i as f64),
        Datum::Num(n) => Some(*n),
        _ => None,
    };
    match node {
        Node::And(l, r) => Node::And(Box::new(specialize(*l)), Box::new(specialize(*r))),
        Node::Or(l, r) => Node::Or(Box::new(specialize(*l)), Box::new(specialize(*r))),
        Node::Not(x) => Node::Not(Box::new(specialize(*x))),
        Node::Compare(op, l, r) => match (*l, *r) {
            // A constant first is the same test flipped: `10k <= budget`.
            (Node::Const(c), r @ (Node::Field(_) | Node::Score | Node::Block(_)))
                if number(&c).is_some() =>
            {
                let flipped = match op {
                    CompareOp::Lt => CompareOp::Gt,
                    CompareOp::Le => CompareOp::Ge,
                    CompareOp::Gt => CompareOp::Lt,
                    CompareOp::Ge => CompareOp::Le,
                    other => other,
                };
                specialize(Node::Compare(
                    flipped,
                    Box::new(r),
                    Box::new(Node::Const(c)),
                ))
            }
            (Node::Field(s), Node::Const(c)) if number(&c).is_some() => {
                Node::FieldNum(s, op, number(&c).unwrap_or(0.0))
            }
            (Node::Score, Node::Const(c)) if number(&c).is_some() => {
                Node::ScoreNum(None, op, number(&c).unwrap_or(0.0))
            }
            (Node::Block(b), Node::Const(c)) if number(&c).is_some() => {
                Node::ScoreNum(Some(b), op, number(&c).unwrap_or(0.0))
            }
            (Node::Field(s), Node::Const(Datum::Text(t)))
                if matches!(op, CompareOp::Eq | CompareOp::Ne) =>
            {
                Node::FieldInTexts(s, op == CompareOp::Ne, TextList::new(vec![t]))
            }
            (Node::Field(s), Node::Const(Datum::Enum(v)))
                if matches!(op, CompareOp::Eq | CompareOp::Ne) =>
            {
                let mut table = vec![false; v as usize + 1];
                table[v as usize] = true;
                Node::FieldInEnum(s, op == CompareOp::Ne, table)
            }
            (l, r) => Node::Compare(op, Box::new(l), Box::new(r)),
        },
        Node::InSet(negated, v, set) => match (*v, set) {
            (Node::Field(s), ConstSet::Enum(table)) => Node::FieldInEnum(s, negated, table),
            (Node::Field(s), ConstSet::Texts(list)) => Node::FieldInTexts(s, negated, list),
            (v, set) => Node::InSet(negated, Box::new(v), set),
        },
        Node::Between(v, lo, hi) => match (*v, *lo, *hi) {
            (Node::Field(s), Node::Const(a), Node::Const(b))
                if number(&a).is_some() && number(&b).is_some() =>
            {
                Node::FieldBetween(s, number(&a).unwrap_or(0.0), number(&b).unwrap_or(0.0))
            }
            (v, lo, hi) => Node::Between(Box::new(v), Box::new(lo), Box::new(hi)),
        },
        Node::TextTest(op, l, r) => match (*l, *r) {
            (Node::Field(s), Node::Const(Datum::Text(t))) => Node::FieldText(s, op, Affix::new(t)),
            (l, r) => Node::TextTest(op, Box::new(l), Box::new(r)),
        },
        Node::DateTest(op, l, r) => match (*l, *r) {
            (Node::Field(s), Node::Ago(d)) => Node::FieldAgo(s, op, d),
            (l, r) => Node::DateTest(op, Box::new(l), Box::new(r)),
        },
        other => other,
    }
}

struct Compiler<'p> {
    policy: &'p CheckedPolicy,
    lets: Vec<Option<Node>>,
    patterns: PatternBudget,
}

impl Compiler<'_> {
    fn boxed(&mut self, e: &TExpr) -> Box<Node> {
        Box::new(self.node(e))
    }

    fn node(&mut self, e: &TExpr) -> Node {
        match &e.kind {
            TKind::Const(d) => Node::Const(d.clone()),
            TKind::Field(i) if e.ty == Type::Bool => Node::FieldBool(*i),
            TKind::Field(i) => Node::Field(*i),
            TKind::Let(i) => self.let_node(*i),
            TKind::Score => Node::Score,
            TKind::Block(i) => Node::Block(*i),
            TKind::Ago(d) => Node::Ago(*d),
            // INVARIANT: the checker allows list literals only after `in`.
            TKind::List(_) => Node::Const(Datum::Missing),
            TKind::Neg(x) => Node::Neg(self.boxed(x)),
            TKind::Arith(op, l, r) => Node::Arith(*op, self.boxed(l), self.boxed(r)),
            TKind::Compare(op, l, r) => Node::Compare(*op, self.boxed(l), self.boxed(r)),
            TKind::In(negated, v, list) => self.membership(*negated, v, list),
            TKind::Between(v, lo, hi) => {
                Node::Between(self.boxed(v), self.boxed(lo), self.boxed(hi))
            }
            TKind::TextTest(op, l, r) => Node::TextTest(*op, self.boxed(l), self.boxed(r)),
            TKind::Matches(l, pattern) => {
                // The check compiled the policy's patterns; an expression
                // checked on its own (the REPL) has its patterns built here.
                // INVARIANT: the checker refuses a pattern that fails.
                let regex = match self.policy.patterns.get(&pattern.node) {
                    Some(built) => built.clone(),
                    None => self
                        .patterns
                        .build(&pattern.node)
                        .unwrap_or_else(|_| unreachable!("the checker rejects invalid patterns")),
                };
                Node::Matches(self.boxed(l), regex)
            }
            TKind::DateTest(op, l, r) => Node::DateTest(*op, self.boxed(l), self.boxed(r)),
            TKind::Within(l, days) => Node::Within(self.boxed(l), *days),
            TKind::IsMissing(negated, x) => Node::IsMissing(*negated, self.boxed(x)),
            TKind::Not(x) => Node::Not(self.boxed(x)),
            TKind::And(l, r) => Node::And(self.boxed(l), self.boxed(r)),
            TKind::Or(l, r) => Node::Or(self.boxed(l), self.boxed(r)),
            TKind::Call(f, args) => Node::Call(*f, args.iter().map(|a| self.node(a)).collect()),
        }
    }

    /// A let's compiled value, inlined where it is used.
    fn let_node(&mut self, i: usize) -> Node {
        if let Some(Some(n)) = self.lets.get(i) {
            return n.clone();
        }
        let value = &self.policy.lets[i].value;
        let n = self.node(value);
        self.lets[i] = Some(n.clone());
        n
    }

    fn membership(&mut self, negated: bool, v: &TExpr, list: &TExpr) -> Node {
        let value = self.boxed(v);
        let TKind::List(items) = &list.kind else {
            return Node::InField(negated, value, self.boxed(list));
        };
        let consts: Option<Vec<&Datum>> = items
            .iter()
            .map(|i| match &i.kind {
                TKind::Const(d) if *d != Datum::Missing => Some(d),
                _ => None,
            })
            .collect();
        match consts.and_then(|c| self.const_set(&v.ty, &c)) {
            Some(set) => Node::InSet(negated, value, set),
            None => Node::InList(negated, value, items.iter().map(|i| self.node(i)).collect()),
        }
    }

    fn const_set(&self, ty: &Type, items: &[&Datum]) -> Option<ConstSet> {
        Some(match ty {
            Type::Enum(id, _) => {
                let mut table = vec![false; self.policy.enums[*id].variants.len()];
                for d in items {
                    let Datum::Enum(v) = d else { return None };
                    *table.get_mut(*v as usize)? = true;
                }
                ConstSet::Enum(table)
            }
            Type::Text => {
                let texts = items
                    .iter()
                    .map(|d| {
                        if let Datum::Text(t) = d {
                            Some(t.clone())
                        } else {
                            None
                        }
                    })
                    .collect::<Option<Vec<_>>>()?;
                if texts.len() <= 16 {
                    ConstSet::Texts(TextList::new(texts))
                } else {
                    ConstSet::Text(texts.into_iter().collect())
                }
            }
            Type::Int | Type::Number | Type::Money => ConstSet::Number(
                items
                    .iter()
                    .map(|d| match d {
                        Datum::Int(i) => Some(*i as f64),
                        Datum::Num(n) => Some(*n),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()?,
            ),
            Type::Date => ConstSet::Date(
                items
                    .iter()
                    .map(|d| {
                        if let Datum::Date(x) = d {
                            Some(*x)
                        } else {
                            None
                        }
                    })
                    .collect::<Option<Vec<_>>>()?,
            ),
            Type::Bool => ConstSet::Bool(
                items
                    .iter()
                    .map(|d| {
                        if let Datum::Bool(x) = d {
                            Some(*x)
                        } else {
                            None
                        }
                    })
                    .collect::<Option<Vec<_>>>()?,
            ),
            _ => return None,
        })
    }
}
