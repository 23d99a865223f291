//! A reference interpreter, for tests only: a direct walk over the checked
//! policy, written to be obviously right rather than fast. Nothing is
//! specialised, cached or precompiled (lets are re-evaluated where used,
//! regexes compiled per use), and every rule of the language reference is
//! spelled out where it applies. The optimised evaluator must agree with it
//! on every generated policy and lead.

use std::cmp::Ordering;

use lq::check::tir::{CheckedPolicy, Func, TExpr, TKind};
use lq::eval::Datum;
use lq::syntax::ast::{ArithOp, CompareOp, DateOp, TextOp};

/// A value: what an expression gives. `Missing` of a condition is unknown.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Missing,
    Bool(bool),
    Int(i64),
    Num(f64),
    Text(String),
    Date(i64),
    Enum(u32),
    List(Vec<String>),
}

/// Kleene's truth values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tv {
    True,
    False,
    Unknown,
}

/// What a lead gets: the same facts as `lq::eval::Decision`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefDecision {
    pub disqualified_by: Vec<usize>,
    pub blocks: Vec<i64>,
    pub score: i64,
    pub rule: Option<usize>,
}

/// The evaluation context of one lead.
pub struct Lead<'a> {
    pub policy: &'a CheckedPolicy,
    pub record: &'a [Datum],
    pub as_of: i32,
    /// Block totals and the score, once step 3 has computed them.
    pub scores: Option<(Vec<i64>, i64)>,
}

/// Evaluates a policy over one lead in the fixed order.
pub fn decide(policy: &CheckedPolicy, record: &[Datum], as_of: i32) -> RefDecision {
    let mut lead = Lead {
        policy,
        record,
        as_of,
        scores: None,
    };
    // 2. Disqualify: every disqualifier whose condition is true.
    let mut disqualified_by = Vec::new();
    for (i, d) in policy.disqualifiers.iter().enumerate() {
        if truth(&lead, &d.when) == Tv::True {
            disqualified_by.push(i);
        }
    }
    // 3. Score: every block, its cap, then its floor. Points are summed
    // exactly (as big as they come) and then held within an i64.
    let hold = |exact: i128| -> i64 {
        if exact > i128::from(i64::MAX) {
            i64::MAX
        } else if exact < i128::from(i64::MIN) {
            i64::MIN
        } else {
            exact as i64
        }
    };
    let mut blocks = Vec::new();
    for block in &policy.blocks {
        let mut exact: i128 = 0;
        for entry in &block.entries {
            let points = if entry.per {
                match value(&lead, &entry.expr) {
                    Val::Int(n) => i128::from(entry.points) * i128::from(n),
                    // Missing counts as 0.
                    _ => 0,
                }
            } else if truth(&lead, &entry.expr) == Tv::True {
                i128::from(entry.points)
            } else {
                0
            };
            exact += points;
        }
        let mut total = hold(exact);
        if let Some(cap) = block.cap {
            if total > cap {
                total = cap;
            }
        }
        if let Some(floor) = block.floor {
            if total < floor {
                total = floor;
            }
        }
        blocks.push(total);
    }
    let mut exact: i128 = 0;
    for b in &blocks {
        exact += i128::from(*b);
    }
    let score = hold(exact);
    lead.scores = Some((blocks.clone(), score));
    // 4. Tier: the first rule whose condition is true, unless disqualified.
    let mut rule = None;
    if disqualified_by.is_empty() {
        for (i, r) in policy.rules.iter().enumerate() {
            let fires = match &r.when {
                None => true,
                Some(when) => truth(&lead, when) == Tv::True,
            };
            if fires {
                rule = Some(i);
                break;
            }
        }
    }
    RefDecision {
        disqualified_by,
        blocks,
        score,
        rule,
    }
}

/// The truth value of a condition.
pub fn truth(lead: &Lead<'_>, e: &TExpr) -> Tv {
    match value(lead, e) {
        Val::Bool(true) => Tv::True,
        Val::Bool(false) => Tv::False,
        _ => Tv::Unknown,
    }
}

fn from_tv(t: Tv) -> Val {
    match t {
        Tv::True => Val::Bool(true),
        Tv::False => Val::Bool(false),
        Tv::Unknown => Val::Missing,
    }
}

fn from_bool(b: bool) -> Val {
    Val::Bool(b)
}

fn not(t: Tv) -> Tv {
    match t {
        Tv::True => Tv::False,
        Tv::False => Tv::True,
        Tv::Unknown => Tv::Unknown,
    }
}

fn and(a: Tv, b: Tv) -> Tv {
    if a == Tv::False || b == Tv::False {
        Tv::False
    } else if a == Tv::True && b == Tv::True {
        Tv::True
    } else {
        Tv::Unknown
    }
}

fn or(a: Tv, b: Tv) -> Tv {
    if a == Tv::True || b == Tv::True {
        Tv::True
    } else if a == Tv::False && b == Tv::False {
        Tv::False
    } else {
        Tv::Unknown
    }
}

fn datum(d: &Datum) -> Val {
    match d {
        Datum::Missing => Val::Missing,
        Datum::Bool(b) => Val::Bool(*b),
        Datum::Int(i) => Val::Int(*i),
        Datum::Num(n) => Val::Num(*n),
        Datum::Text(t) => Val::Text(t.clone()),
        Datum::Date(d) => Val::Date(i64::from(*d)),
        Datum::Enum(e) => Val::Enum(*e),
        Datum::List(l) => Val::List(l.clone()),
    }
}

fn number(v: &Val) -> Option<f64> {
    match v {
        Val::Int(i) => Some(*i as f64),
        Val::Num(n) => Some(*n),
        _ => None,
    }
}

/// How two values order; `None` when either is missing.
fn order(a: &Val, b: &Val) -> Option<Ordering> {
    match (a, b) {
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(y)),
        (Val::Text(x), Val::Text(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Val::Date(x), Val::Date(y)) => Some(x.cmp(y)),
        (Val::Enum(x), Val::Enum(y)) => Some(x.cmp(y)),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        _ => {
            let (x, y) = (number(a)?, number(b)?);
            x.partial_cmp(&y)
        }
    }
}

fn compare(op: CompareOp, a: &Val, b: &Val) -> Tv {
    match order(a, b) {
        None => Tv::Unknown,
        Some(o) => {
            let holds = match op {
                CompareOp::Eq => o == Ordering::Equal,
                CompareOp::Ne => o != Ordering::Equal,
                CompareOp::Lt => o == Ordering::Less,
                CompareOp::Le => o == Ordering::Less || o == Ordering::Equal,
                CompareOp::Gt => o == Ordering::Greater,
                CompareOp::Ge => o == Ordering::Greater || o == Ordering::Equal,
            };
            if holds {
                Tv::True
            } else {
                Tv::False
            }
        }
    }
}

/// A real result: missing unless finite.
fn real(x: f64) -> Val {
    if x.is_finite() {
        Val::Num(x)
    } else {
        Val::Missing
    }
}

/// A whole result: missing unless it fits an `int`.
fn whole(x: i128) -> Val {
    match i64::try_from(x) {
        Ok(i) => Val::Int(i),
        Err(_) => Val::Missing,
    }
}

fn arith(op: ArithOp, a: Val, b: Val) -> Val {
    if let (Val::Int(x), Val::Int(y)) = (&a, &b) {
        let (x, y) = (i128::from(*x), i128::from(*y));
        match op {
            ArithOp::Add => return whole(x + y),
            ArithOp::Sub => return whole(x - y),
            ArithOp::Mul => return whole(x * y),
            ArithOp::Div => {}
        }
    }
    let (Some(x), Some(y)) = (number(&a), number(&b)) else {
        return Val::Missing;
    };
    match op {
        ArithOp::Add => real(x + y),
        ArithOp::Sub => real(x - y),
        ArithOp::Mul => real(x * y),
        ArithOp::Div => {
            if y == 0.0 {
                Val::Missing
            } else {
                real(x / y)
            }
        }
    }
}

fn date(days: i64) -> Val {
    // Dates are days since 1970 that fit an i32.
    if days >= i64::from(i32::MIN) && days <= i64::from(i32::MAX) {
        Val::Date(days)
    } else {
        Val::Missing
    }
}

/// `x in [items]`: true if it equals one, false if none and none is
/// missing, else unknown.
fn in_items(lead: &Lead<'_>, x: &Val, items: &[TExpr]) -> Tv {
    if *x == Val::Missing {
        return Tv::Unknown;
    }
    let mut result = Tv::False;
    for item in items {
        result = or(result, compare(CompareOp::Eq, x, &value(lead, item)));
    }
    result
}

/// The value of an expression.
pub fn value(lead: &Lead<'_>, e: &TExpr) -> Val {
    let as_of = i64::from(lead.as_of);
    match &e.kind {
        TKind::Const(d) => datum(d),
        TKind::Field(slot) => lead.record.get(*slot).map_or(Val::Missing, datum),
        TKind::Let(i) => value(lead, &lead.policy.lets[*i].value),
        TKind::Score => match &lead.scores {
            Some((_, score)) => Val::Int(*score),
            None => Val::Missing,
        },
        TKind::Block(i) => match &lead.scores {
            Some((blocks, _)) => Val::Int(blocks[*i]),
            None => Val::Missing,
        },
        TKind::Ago(days) => date(as_of - days),
        TKind::List(_) => Val::Missing,
        TKind::Neg(x) => match value(lead, x) {
            Val::Int(i) => whole(-i128::from(i)),
            Val::Num(n) => Val::Num(-n),
            _ => Val::Missing,
        },
        TKind::Arith(op, l, r) => arith(*op, value(lead, l), value(lead, r)),
        TKind::Compare(op, l, r) => from_tv(compare(*op, &value(lead, l), &value(lead, r))),
        TKind::In(negated, x, list) => {
            let x = value(lead, x);
            let found = match &list.kind {
                TKind::List(items) => in_items(lead, &x, items),
                _ => match (&x, value(lead, list)) {
                    (Val::Text(t), Val::List(items)) => {
                        if items.contains(t) {
                            Tv::True
                        } else {
                            Tv::False
                        }
                    }
                    _ => Tv::Unknown,
                },
            };
            from_tv(if *negated { not(found) } else { found })
        }
        TKind::Between(x, lo, hi) => {
            let x = value(lead, x);
            let above = compare(CompareOp::Ge, &x, &value(lead, lo));
            let below = compare(CompareOp::Le, &x, &value(lead, hi));
            from_tv(and(above, below))
        }
        TKind::TextTest(op, l, r) => match (value(lead, l), value(lead, r)) {
            (Val::Text(a), Val::Text(b)) => from_bool(match op {
                TextOp::Contains => a.contains(&b),
                TextOp::StartsWith => a.starts_with(&b),
                TextOp::EndsWith => a.ends_with(&b),
            }),
            (Val::List(items), Val::Text(b)) => from_bool(items.contains(&b)),
            _ => Val::Missing,
        },
        TKind::Matches(l, pattern) => match value(lead, l) {
            Val::Text(t) => {
                let regex = regex::Regex::new(&pattern.node).expect("the checker accepted it");
                from_bool(regex.is_match(&t))
            }
            _ => Val::Missing,
        },
        TKind::DateTest(op, l, r) => match (value(lead, l), value(lead, r)) {
            (Val::Date(a), Val::Date(b)) => from_bool(match op {
                DateOp::Before => a < b,
                DateOp::After => a > b,
            }),
            _ => Val::Missing,
        },
        TKind::Within(d, days) => match value(lead, d) {
            Val::Date(d) => from_bool(as_of - days <= d && d <= as_of),
            _ => Val::Missing,
        },
        TKind::IsMissing(present, x) => {
            let missing = value(lead, x) == Val::Missing;
            from_bool(if *present { !missing } else { missing })
        }
        TKind::Not(x) => from_tv(not(truth(lead, x))),
        TKind::And(l, r) => from_tv(and(truth(lead, l), truth(lead, r))),
        TKind::Or(l, r) => from_tv(or(truth(lead, l), truth(lead, r))),
        TKind::Call(f, args) => call(lead, *f, args),
    }
}

fn call(lead: &Lead<'_>, f: Func, args: &[TExpr]) -> Val {
    let values: Vec<Val> = args.iter().map(|a| value(lead, a)).collect();
    let first = values.first().cloned().unwrap_or(Val::Missing);
    match f {
        Func::Lower => match first {
            Val::Text(t) => Val::Text(t.to_lowercase()),
            _ => Val::Missing,
        },
        Func::Trim => match first {
            Val::Text(t) => Val::Text(t.trim().to_string()),
            _ => Val::Missing,
        },
        Func::Count => match first {
            Val::List(items) => Val::Int(items.len() as i64),
            _ => Val::Missing,
        },
        Func::DaysSince => match first {
            Val::Date(d) => Val::Int(i64::from(lead.as_of) - d),
            _ => Val::Missing,
        },
        Func::Coalesce => values
            .into_iter()
            .find(|v| *v != Val::Missing)
            .unwrap_or(Val::Missing),
        Func::Round => match first {
            Val::Int(i) => Val::Int(i),
            // Halves away from zero, as f64::round does.
            Val::Num(n) => {
                let r = n.round();
                if r.is_finite() && r >= i64::MIN as f64 && r < i64::MAX as f64 {
                    Val::Int(r as i64)
                } else {
                    Val::Missing
                }
            }
            _ => Val::Missing,
        },
        Func::Min | Func::Max => {
            if values.is_empty() || values.contains(&Val::Missing) {
                return Val::Missing;
            }
            let mut best = values[0].clone();
            for v in &values[1..] {
                let better = match order(v, &best) {
                    Some(Ordering::Less) => f == Func::Min,
                    Some(Ordering::Greater) => f == Func::Max,
                    _ => false,
                };
                if better {
                    best = v.clone();
                }
            }
            // An int only when every argument is an int.
            let all_ints = values.iter().all(|v| matches!(v, Val::Int(_)));
            let any_number = values.iter().any(|v| matches!(v, Val::Num(_)));
            match best {
                Val::Int(i) if !all_ints && any_number => Val::Num(i as f64),
                other => other,
            }
        }
    }
}
