//! The floor every stage stands on: `Datum`, the owned value in a record
//! slot (and a constant in a checked policy), `Value`, what evaluating an
//! expression gives (borrowing from the record), `Truth`, Kleene's three
//! truth values, and `Env`, what one record's evaluation reads. The
//! checker, the compiler and the evaluator all use these; none of them
//! belongs to one stage.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

/// A value held in a record slot or a constant.
#[derive(Clone, Debug, PartialEq)]
pub enum Datum {
    /// No value (an empty cell, a missing marker, a missing optional field).
    Missing,
    /// `true` / `false`
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A real number (also money).
    Num(f64),
    /// Text.
    Text(String),
    /// Days since 1970-01-01.
    Date(i32),
    /// An enum variant's index.
    Enum(u32),
    /// A list of text.
    List(Vec<String>),
}

impl Datum {
    /// This datum as a borrowed value.
    pub fn as_value(&self) -> Value<'_> {
        match self {
            Datum::Missing => Value::Missing,
            Datum::Bool(b) => Value::Bool(*b),
            Datum::Int(i) => Value::Int(*i),
            Datum::Num(n) => Value::Num(*n),
            Datum::Text(t) => Value::Text(Cow::Borrowed(t)),
            Datum::Date(d) => Value::Date(*d),
            Datum::Enum(e) => Value::Enum(*e),
            Datum::List(l) => Value::List(l),
        }
    }
}

/// The value of an expression for one record. A missing value of type
/// `bool` is the logical *unknown*.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    /// Missing (or unknown, for a condition).
    Missing,
    /// `true` / `false`
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A real number (also money).
    Num(f64),
    /// Text, borrowed from the record where possible.
    Text(Cow<'a, str>),
    /// Days since 1970-01-01.
    Date(i32),
    /// An enum variant's index.
    Enum(u32),
    /// A list of text.
    List(&'a [String]),
}

impl Value<'_> {
    /// The number, for `int`, `number` and `money` values.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Num(n) => Some(*n),
            _ => None,
        }
    }

    /// How two values of comparable types order; `None` if either is missing.
    pub fn compare(&self, other: &Value<'_>) -> Option<Ordering> {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
            (Value::Text(a), Value::Text(b)) => Some(a.as_ref().cmp(b.as_ref())),
            (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
            (Value::Enum(a), Value::Enum(b)) => Some(a.cmp(b)),
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
            (a, b) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        }
    }

    /// An owned copy.
    pub fn to_datum(&self) -> Datum {
        match self {
            Value::Missing => Datum::Missing,
            Value::Bool(b) => Datum::Bool(*b),
            Value::Int(i) => Datum::Int(*i),
            Value::Num(n) => Datum::Num(*n),
            Value::Text(t) => Datum::Text(t.to_string()),
            Value::Date(d) => Datum::Date(*d),
            Value::Enum(e) => Datum::Enum(*e),
            Value::List(l) => Datum::List(l.to_vec()),
        }
    }
}

/// Kleene's three truth values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Truth {
    /// Definitely true.
    True,
    /// Definitely false.
    False,
    /// Unknown: some operand was missing.
    Unknown,
}

impl Truth {
    /// From a value of type `bool` (missing is unknown).
    pub fn of(value: &Value<'_>) -> Truth {
        match value {
            Value::Bool(true) => Truth::True,
            Value::Bool(false) => Truth::False,
            _ => Truth::Unknown,
        }
    }

    /// From a known boolean.
    #[inline(always)]
    pub fn from_bool(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }

    /// As a value (unknown is missing).
    pub fn value(self) -> Value<'static> {
        match self {
            Truth::True => Value::Bool(true),
            Truth::False => Value::Bool(false),
            Truth::Unknown => Value::Missing,
        }
    }

    /// Kleene's `and`: false if either side is false, whatever the other;
    /// `rhs` is evaluated only when `self` is not false.
    #[inline(always)]
    pub fn and(self, rhs: impl FnOnce() -> Truth) -> Truth {
        match self {
            Truth::False => Truth::False,
            lt => match (lt, rhs()) {
                (_, Truth::False) => Truth::False,
                (Truth::True, Truth::True) => Truth::True,
                _ => Truth::Unknown,
            },
        }
    }

    /// Kleene's `or`: true if either side is true, whatever the other;
    /// `rhs` is evaluated only when `self` is not true.
    #[inline(always)]
    pub fn or(self, rhs: impl FnOnce() -> Truth) -> Truth {
        match self {
            Truth::True => Truth::True,
            lt => match (lt, rhs()) {
                (_, Truth::True) => Truth::True,
                (Truth::False, Truth::False) => Truth::False,
                _ => Truth::Unknown,
            },
        }
    }

    /// The word for it: `true`, `false`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Truth::True => "true",
            Truth::False => "false",
            Truth::Unknown => "unknown",
        }
    }
}

impl std::ops::Not for Truth {
    type Output = Truth;

    /// `not`: unknown stays unknown.
    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

/// What a record is evaluated with: its values, the evaluation date, and
/// (once computed) the scores.
pub struct Env<'a> {
    /// The record, by slot.
    pub record: &'a [Datum],
    /// The evaluation date (days since 1970-01-01).
    pub as_of: i32,
    /// Each block's total.
    pub blocks: &'a [i64],
    /// The total score.
    pub total: i64,
}

type Test = dyn Fn(&Env<'_>) -> Truth + Send + Sync;

/// A condition compiled to a closure: its truth value for a record. The
/// compiler's plan holds them; the evaluator makes them
/// (`eval::closure`), so the plan stays data that any engine can run.
#[derive(Clone)]
pub struct Cond(Arc<Test>);

impl fmt::Debug for Cond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cond(..)")
    }
}

impl Cond {
    /// A condition running `test`.
    pub fn new(test: impl Fn(&Env<'_>) -> Truth + Send + Sync + 'static) -> Cond {
        Cond(Arc::new(test))
    }

    /// The condition's truth value for the record in `env`.
    #[inline]
    pub fn truth(&self, env: &Env<'_>) -> Truth {
        (self.0)(env)
    }
}
