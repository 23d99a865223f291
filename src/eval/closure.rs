//! Conditions compiled to closures, for the per-record hot path.
//!
//! The tree interpreter ([`crate::eval::interp`]) dispatches every node
//! through one large `match`: its indirect jump is shared by every kind of
//! node, so the processor mispredicts it as often as the kind changes, and
//! the function saves a full set of registers even for a one-line test.
//! Here each node becomes a small closure specialised at compile time (the
//! slot, the constant and the operator are captured, and the operator's
//! test is chosen once), and each `and`/`or`/`not` calls its own operands,
//! so each call site always goes to the same place. Nodes without a
//! specialised form run the interpreter, so every policy compiles.
//! [`prepare`] fills a compiled plan's conditions.

use super::interp::truth;
use crate::compile::plan::Node;
use crate::compile::Compiled;
use crate::syntax::ast::{CompareOp, DateOp, TextOp};
use crate::value::{Cond, Datum, Truth};

/// Makes the closure of every condition in a compiled plan (the plan
/// leaves them empty: it is data, and running it is this stage's work).
/// Without it the evaluator walks the tree instead, with the same answers.
pub fn prepare(plan: &mut Compiled) {
    for d in &mut plan.disqualifiers {
        d.cond = Some(compile_cond(&d.when));
    }
    for b in &mut plan.blocks {
        for e in &mut b.entries {
            e.cond = (!e.per).then(|| compile_cond(&e.expr));
        }
    }
    for r in &mut plan.rules {
        r.cond = r.when.as_ref().map(compile_cond);
    }
}

const LT: u8 = 0;
const LE: u8 = 1;
const GT: u8 = 2;
const GE: u8 = 3;
const EQ: u8 = 4;
const NE: u8 = 5;

/// `a OP b`, with the operator fixed at compile time.
#[inline(always)]
fn holds<const OP: u8>(a: f64, b: f64) -> bool {
    match OP {
        LT => a < b,
        LE => a <= b,
        GT => a > b,
        GE => a >= b,
        EQ => a == b,
        _ => a != b,
    }
}

/// A number test on a slot: `budget >= 10k`.
fn field_num<const OP: u8>(slot: usize, c: f64) -> Cond {
    Cond::new(move |env| match env.record.get(slot) {
        Some(Datum::Int(i)) => Truth::from_bool(holds::<OP>(*i as f64, c)),
        // Files never give a NaN, but a service's own record might: it
        // compares as unknown, as in the interpreter.
        Some(Datum::Num(n)) if !n.is_nan() => Truth::from_bool(holds::<OP>(*n, c)),
        _ => Truth::Unknown,
    })
}

/// `score >= 40`, or a block's score against a number.
fn score_num<const OP: u8>(block: Option<usize>, c: f64) -> Cond {
    Cond::new(move |env| {
        let score = match block {
            None => env.total,
            Some(b) => match env.blocks.get(b) {
                Some(s) => *s,
                None => return Truth::Unknown,
            },
        };
        Truth::from_bool(holds::<OP>(score as f64, c))
    })
}

/// Compiles a condition node.
pub fn compile_cond(node: &Node) -> Cond {
    match node {
        &Node::FieldNum(slot, op, c) => match op {
            CompareOp::Lt => field_num::<LT>(slot, c),
            CompareOp::Le => field_num::<LE>(slot, c),
            CompareOp::Gt => field_num::<GT>(slot, c),
            CompareOp::Ge => field_num::<GE>(slot, c),
            CompareOp::Eq => field_num::<EQ>(slot, c),
            CompareOp::Ne => field_num::<NE>(slot, c),
        },
        &Node::ScoreNum(block, op, c) => match op {
            CompareOp::Lt => score_num::<LT>(block, c),
            CompareOp::Le => score_num::<LE>(block, c),
            CompareOp::Gt => score_num::<GT>(block, c),
            CompareOp::Ge => score_num::<GE>(block, c),
            CompareOp::Eq => score_num::<EQ>(block, c),
            CompareOp::Ne => score_num::<NE>(block, c),
        },
        &Node::FieldBetween(slot, lo, hi) => Cond::new(move |env| {
            let x = match env.record.get(slot) {
                Some(Datum::Int(i)) => *i as f64,
                Some(Datum::Num(n)) if !n.is_nan() => *n,
                _ => return Truth::Unknown,
            };
            Truth::from_bool(lo <= x && x <= hi)
        }),
        Node::FieldInEnum(slot, negated, table) => {
            let (slot, negated) = (*slot, *negated);
            if table.len() <= 64 {
                // The variants as the bits of one word.
                let mask = table
                    .iter()
                    .enumerate()
                    .fold(0u64, |m, (i, on)| m | (u64::from(*on) << i));
                Cond::new(move |env| match env.record.get(slot) {
                    Some(Datum::Enum(v)) => {
                        let member = *v < 64 && (mask >> *v) & 1 == 1;
                        Truth::from_bool(member != negated)
                    }
                    _ => Truth::Unknown,
                })
            } else {
                let table = table.clone();
                Cond::new(move |env| match env.record.get(slot) {
                    Some(Datum::Enum(v)) => Truth::from_bool(
                        table.get(*v as usize).copied().unwrap_or(false) != negated,
                    ),
                    _ => Truth::Unknown,
                })
            }
        }
        Node::FieldInTexts(slot, negated, list) => {
            let (slot, negated, list) = (*slot, *negated, list.clone());
            Cond::new(move |env| match env.record.get(slot) {
                Some(Datum::Text(t)) => Truth::from_bool(list.contains(t) != negated),
                _ => Truth::Unknown,
            })
        }
        Node::FieldText(slot, op, affix) => {
            let (slot, affix) = (*slot, affix.clone());
            match op {
                TextOp::StartsWith => Cond::new(move |env| match env.record.get(slot) {
                    Some(Datum::Text(t)) => Truth::from_bool(affix.starts(t)),
                    _ => Truth::Unknown,
                }),
                TextOp::EndsWith => Cond::new(move |env| match env.record.get(slot) {
                    Some(Datum::Text(t)) => Truth::from_bool(affix.ends(t)),
                    _ => Truth::Unknown,
                }),
                TextOp::Contains => Cond::new(move |env| match env.record.get(slot) {
                    Some(Datum::Text(t)) => Truth::from_bool(t.contains(affix.text.as_str())),
                    Some(Datum::List(items)) => Truth::from_bool(items.contains(&affix.text)),
                    _ => Truth::Unknown,
                }),
            }
        }
        &Node::FieldAgo(slot, op, days) => {
            let before = op == DateOp::Before;
            Cond::new(move |env| match env.record.get(slot) {
                Some(Datum::Date(d)) => {
                    let limit = i64::from(env.as_of) - days;
                    let d = i64::from(*d);
                    Truth::from_bool(if before { d < limit } else { d > limit })
                }
                _ => Truth::Unknown,
            })
        }
        &Node::FieldBool(slot) => Cond::new(move |env| match env.record.get(slot) {
            Some(Datum::Bool(b)) => Truth::from_bool(*b),
            _ => Truth::Unknown,
        }),
        Node::And(l, r) => {
            let (l, r) = (compile_cond(l), compile_cond(r));
            Cond::new(move |env| l.truth(env).and(|| r.truth(env)))
        }
        Node::Or(l, r) => {
            let (l, r) = (compile_cond(l), compile_cond(r));
            Cond::new(move |env| l.truth(env).or(|| r.truth(env)))
        }
        Node::Not(x) => {
            let x = compile_cond(x);
            Cond::new(move |env| !x.truth(env))
        }
        other => {
            let node = other.clone();
            Cond::new(move |env| truth(&node, env))
        }
    }
}
