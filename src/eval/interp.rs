//! The plan's node evaluator: the truth value of a compiled condition and
//! the value of a compiled expression, in Kleene's three-valued logic.
//! The row order (disqualify, score, tier) is [`super::decide`](mod@super::decide)'s; the
//! closures of [`super::closure`] run the commonest nodes faster and come
//! here for the rest.

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::check::tir::Func;
use crate::compile::plan::{ConstSet, Node};
use crate::syntax::ast::{ArithOp, DateOp, TextOp};
pub use crate::value::Env;
use crate::value::{Datum, Truth, Value};

/// The truth value of a condition.
pub fn truth(node: &Node, env: &Env<'_>) -> Truth {
    let slot = |s: &usize| env.record.get(*s).unwrap_or(&Datum::Missing);
    match node {
        Node::FieldNum(s, op, c) => match slot(s) {
            Datum::Int(i) => Truth::from_bool(op.holds((*i as f64).total_cmp(c))),
            Datum::Num(n) => n
                .partial_cmp(c)
                .map_or(Truth::Unknown, |o| Truth::from_bool(op.holds(o))),
            _ => Truth::Unknown,
        },
        Node::FieldBetween(s, lo, hi) => {
            let x = match slot(s) {
                Datum::Int(i) => *i as f64,
                Datum::Num(n) if !n.is_nan() => *n,
                _ => return Truth::Unknown,
            };
            Truth::from_bool(*lo <= x && x <= *hi)
        }
        Node::FieldInEnum(s, negated, table) => match slot(s) {
            Datum::Enum(v) => {
                Truth::from_bool(table.get(*v as usize).copied().unwrap_or(false) != *negated)
            }
            _ => Truth::Unknown,
        },
        Node::FieldInTexts(s, negated, list) => match slot(s) {
            Datum::Text(t) => Truth::from_bool(list.contains(t) != *negated),
            _ => Truth::Unknown,
        },
        Node::FieldText(s, op, needle) => match slot(s) {
            Datum::Text(t) => Truth::from_bool(match op {
                TextOp::Contains => t.contains(needle.text.as_str()),
                TextOp::StartsWith => needle.starts(t),
                TextOp::EndsWith => needle.ends(t),
            }),
            Datum::List(items) if *op == TextOp::Contains => {
                Truth::from_bool(items.contains(&needle.text))
            }
            _ => Truth::Unknown,
        },
        Node::FieldBool(s) => match slot(s) {
            Datum::Bool(b) => Truth::from_bool(*b),
            _ => Truth::Unknown,
        },
        Node::ScoreNum(block, op, c) => {
            let score = match block {
                None => env.total,
                Some(b) => match env.blocks.get(*b) {
                    Some(score) => *score,
                    None => return Truth::Unknown,
                },
            };
            Truth::from_bool(op.holds((score as f64).total_cmp(c)))
        }
        Node::FieldAgo(s, op, days) => match slot(s) {
            Datum::Date(d) => {
                let limit = i64::from(env.as_of) - days;
                Truth::from_bool(match op {
                    DateOp::Before => i64::from(*d) < limit,
                    DateOp::After => i64::from(*d) > limit,
                })
            }
            _ => Truth::Unknown,
        },

        Node::And(l, r) => truth(l, env).and(|| truth(r, env)),
        Node::Or(l, r) => truth(l, env).or(|| truth(r, env)),
        Node::Not(x) => !truth(x, env),
        Node::IsMissing(negated, x) => {
            Truth::from_bool(matches!(eval(x, env), Value::Missing) != *negated)
        }
        Node::Compare(op, l, r) => match eval(l, env).compare(&eval(r, env)) {
            Some(ord) => Truth::from_bool(op.holds(ord)),
            None => Truth::Unknown,
        },
        Node::InSet(negated, v, set) => negate(in_set(&eval(v, env), set), *negated),
        Node::InList(negated, v, items) => negate(in_list(&eval(v, env), items, env), *negated),
        Node::InField(negated, v, list) => {
            let found = match (eval(v, env), eval(list, env)) {
                (Value::Text(t), Value::List(items)) => {
                    Truth::from_bool(items.iter().any(|i| *i == *t))
                }
                _ => Truth::Unknown,
            };
            negate(found, *negated)
        }
        Node::Between(v, lo, hi) => {
            let v = eval(v, env);
            let above = v.compare(&eval(lo, env)).map(|o| o != Ordering::Less);
            let below = v.compare(&eval(hi, env)).map(|o| o != Ordering::Greater);
            and3(above, below)
        }
        Node::TextTest(op, l, r) => text_test(*op, eval(l, env), eval(r, env)),
        Node::Matches(l, regex) => match eval(l, env) {
            Value::Text(t) => Truth::from_bool(regex.is_match(t.as_ref())),
            _ => Truth::Unknown,
        },
        Node::DateTest(op, l, r) => match (eval(l, env), eval(r, env)) {
            (Value::Date(a), Value::Date(b)) => Truth::from_bool(match op {
                DateOp::Before => a < b,
                DateOp::After => a > b,
            }),
            _ => Truth::Unknown,
        },
        Node::Within(l, days) => match eval(l, env) {
            Value::Date(d) => {
                let from = i64::from(env.as_of) - days;
                Truth::from_bool(from <= i64::from(d) && d <= env.as_of)
            }
            _ => Truth::Unknown,
        },
        other => Truth::of(&eval(other, env)),
    }
}

fn negate(t: Truth, negated: bool) -> Truth {
    if negated {
        !t
    } else {
        t
    }
}

fn and3(a: Option<bool>, b: Option<bool>) -> Truth {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Truth::False,
        (Some(true), Some(true)) => Truth::True,
        _ => Truth::Unknown,
    }
}

fn in_set(v: &Value<'_>, set: &ConstSet) -> Truth {
    let found = match (v, set) {
        (Value::Missing, _) => return Truth::Unknown,
        (Value::Enum(e), ConstSet::Enum(table)) => table.get(*e as usize).copied().unwrap_or(false),
        (Value::Text(t), ConstSet::Texts(list)) => list.contains(t),
        (Value::Text(t), ConstSet::Text(set)) => set.contains(t.as_ref()),
        (Value::Date(d), ConstSet::Date(ds)) => ds.contains(d),
        (Value::Bool(b), ConstSet::Bool(bs)) => bs.contains(b),
        (v, ConstSet::Number(ns)) => v.as_f64().is_some_and(|x| ns.contains(&x)),
        _ => false,
    };
    Truth::from_bool(found)
}

fn in_list(v: &Value<'_>, items: &[Node], env: &Env<'_>) -> Truth {
    if matches!(v, Value::Missing) {
        return Truth::Unknown;
    }
    let mut result = Truth::False;
    for item in items {
        match v.compare(&eval(item, env)) {
            Some(Ordering::Equal) => return Truth::True,
            Some(_) => {}
            None => result = Truth::Unknown,
        }
    }
    result
}

fn text_test(op: TextOp, l: Value<'_>, r: Value<'_>) -> Truth {
    match (l, r) {
        (Value::Text(a), Value::Text(b)) => Truth::from_bool(match op {
            TextOp::Contains => a.contains(b.as_ref()),
            TextOp::StartsWith => a.starts_with(b.as_ref()),
            TextOp::EndsWith => a.ends_with(b.as_ref()),
        }),
        (Value::List(items), Value::Text(b)) => Truth::from_bool(items.iter().any(|i| *i == *b)),
        _ => Truth::Unknown,
    }
}

/// The value of an expression.
pub fn eval<'a>(node: &'a Node, env: &Env<'a>) -> Value<'a> {
    match node {
        Node::Const(d) => d.as_value(),
        Node::Field(slot) => env
            .record
            .get(*slot)
            .map_or(Value::Missing, Datum::as_value),
        Node::Score => Value::Int(env.total),
        Node::Block(i) => env
            .blocks
            .get(*i)
            .map_or(Value::Missing, |b| Value::Int(*b)),
        Node::Ago(days) => date_value(i64::from(env.as_of) - days),
        Node::Neg(x) => match eval(x, env) {
            Value::Int(i) => i.checked_neg().map_or(Value::Missing, Value::Int),
            Value::Num(n) => Value::Num(-n),
            _ => Value::Missing,
        },
        Node::Arith(op, l, r) => arith(*op, eval(l, env), eval(r, env)),
        Node::Call(f, args) => call(*f, args, env),
        condition => truth(condition, env).value(),
    }
}

fn date_value(days: i64) -> Value<'static> {
    i32::try_from(days).map_or(Value::Missing, Value::Date)
}

fn arith(op: ArithOp, l: Value<'_>, r: Value<'_>) -> Value<'static> {
    if let (ArithOp::Add | ArithOp::Sub | ArithOp::Mul, Value::Int(a), Value::Int(b)) = (op, &l, &r)
    {
        let result = match op {
            ArithOp::Add => a.checked_add(*b),
            ArithOp::Sub => a.checked_sub(*b),
            _ => a.checked_mul(*b),
        };
        return result.map_or(Value::Missing, Value::Int);
    }
    let (Some(a), Some(b)) = (l.as_f64(), r.as_f64()) else {
        return Value::Missing;
    };
    let result = match op {
        ArithOp::Add => a + b,
        ArithOp::Sub => a - b,
        ArithOp::Mul => a * b,
        ArithOp::Div if b == 0.0 => return Value::Missing,
        ArithOp::Div => a / b,
    };
    if result.is_finite() {
        Value::Num(result)
    } else {
        Value::Missing
    }
}

fn call<'a>(f: Func, args: &'a [Node], env: &Env<'a>) -> Value<'a> {
    let arg = |i: usize| args.get(i).map_or(Value::Missing, |a| eval(a, env));
    match f {
        Func::Lower => match arg(0) {
            Value::Text(t) => Value::Text(Cow::Owned(t.to_lowercase())),
            _ => Value::Missing,
        },
        Func::Trim => match arg(0) {
            Value::Text(Cow::Borrowed(t)) => Value::Text(Cow::Borrowed(t.trim())),
            Value::Text(t) => Value::Text(Cow::Owned(t.trim().to_string())),
            _ => Value::Missing,
        },
        Func::Count => match arg(0) {
            Value::List(items) => Value::Int(items.len() as i64),
            _ => Value::Missing,
        },
        Func::DaysSince => match arg(0) {
            Value::Date(d) => Value::Int(i64::from(env.as_of) - i64::from(d)),
            _ => Value::Missing,
        },
        Func::Coalesce => args
            .iter()
            .map(|a| eval(a, env))
            .find(|v| !matches!(v, Value::Missing))
            .unwrap_or(Value::Missing),
        Func::Round => match arg(0) {
            Value::Int(i) => Value::Int(i),
            Value::Num(n) => round(n),
            _ => Value::Missing,
        },
        Func::Min | Func::Max => extreme(f == Func::Max, args, env),
    }
}

/// Rounds half away from zero, to an `int`.
fn round(n: f64) -> Value<'static> {
    let r = n.round();
    if r.is_finite() && r >= i64::MIN as f64 && r < i64::MAX as f64 {
        Value::Int(r as i64)
    } else {
        Value::Missing
    }
}

fn extreme<'a>(max: bool, args: &'a [Node], env: &Env<'a>) -> Value<'a> {
    let mut best: Option<Value<'a>> = None;
    for a in args {
        let v = eval(a, env);
        if matches!(v, Value::Missing) {
            return Value::Missing;
        }
        best = Some(match best {
            None => v,
            Some(b) => {
                let better = match v.compare(&b) {
                    Some(Ordering::Greater) => max,
                    Some(Ordering::Less) => !max,
                    _ => false,
                };
                if better {
                    v
                } else {
                    b
                }
            }
        });
    }
    match best {
        // Mixed int and number arguments give a number.
        Some(Value::Int(i)) if args_mixed(args, env) => Value::Num(i as f64),
        Some(v) => v,
        None => Value::Missing,
    }
}

fn args_mixed<'a>(args: &'a [Node], env: &Env<'a>) -> bool {
    args.iter().any(|a| matches!(eval(a, env), Value::Num(_)))
}
