//! The evaluation plan: what the interpreter walks for each record. Fields
//! are slots, enum values small integers, constant lists sets, regexes
//! compiled and lets inlined, so the per-record path looks nothing up.

use std::collections::HashSet;

use crate::check::patterns::Pattern;

use crate::check::tir::Func;
use crate::syntax::ast::{ArithOp, CompareOp, DateOp, TextOp};
use crate::text_key::{Affix, TextList};
use crate::value::Cond;
use crate::value::Datum;

/// One node of a compiled expression.
#[derive(Clone, Debug)]
pub enum Node {
    /// A constant.
    Const(Datum),
    /// A record slot.
    Field(usize),
    /// The total score.
    Score,
    /// A score block's total, by block index.
    Block(usize),
    /// The evaluation date minus this many days.
    Ago(i64),
    /// `-x`
    Neg(Box<Node>),
    /// `a + b` and friends; `int` when both sides are `int` (except `/`).
    Arith(ArithOp, Box<Node>, Box<Node>),
    /// `a >= b`
    Compare(CompareOp, Box<Node>, Box<Node>),
    /// `x in [constants]`: a set lookup.
    InSet(bool, Box<Node>, ConstSet),
    /// `x in [expressions]`
    InList(bool, Box<Node>, Vec<Node>),
    /// `"text" in list_field`
    InField(bool, Box<Node>, Box<Node>),
    /// `x between lo and hi`
    Between(Box<Node>, Box<Node>, Box<Node>),
    /// `contains`, `starts with`, `ends with`
    TextTest(TextOp, Box<Node>, Box<Node>),
    /// `x matches "pattern"`
    Matches(Box<Node>, Pattern),
    /// `before`, `after`
    DateTest(DateOp, Box<Node>, Box<Node>),
    /// `d within N days`
    Within(Box<Node>, i64),
    /// `is missing` (false) / `is present` (true)
    IsMissing(bool, Box<Node>),
    /// `not`
    Not(Box<Node>),
    /// `and`
    And(Box<Node>, Box<Node>),
    /// `or`
    Or(Box<Node>, Box<Node>),
    /// A built-in function.
    Call(Func, Vec<Node>),
    // Specialised forms of the above, for the commonest conditions: a field
    // tested against constants, read straight from its slot.
    /// `field op number`
    FieldNum(usize, CompareOp, f64),
    /// `field between lo and hi` (numbers)
    FieldBetween(usize, f64, f64),
    /// `field in [variants]` (or `not in`), `field = Variant`
    FieldInEnum(usize, bool, Vec<bool>),
    /// `field in ["texts"]` (or `not in`), `field = "text"`
    FieldInTexts(usize, bool, TextList),
    /// `field contains / starts with / ends with "text"`
    FieldText(usize, TextOp, Affix),
    /// `field before/after N days ago`
    FieldAgo(usize, DateOp, i64),
    /// A `bool` field as a condition.
    FieldBool(usize),
    /// `score op number`, or a block's score (`Some(block)`) against one.
    ScoreNum(Option<usize>, CompareOp, f64),
}

/// The constants of an `in` list, ready for lookup.
#[derive(Clone, Debug)]
pub enum ConstSet {
    /// Enum variants, as a membership table indexed by variant.
    Enum(Vec<bool>),
    /// A few texts, compared one by one (faster than hashing for short lists).
    Texts(TextList),
    /// Many texts.
    Text(HashSet<String>),
    /// Numbers (few, so a linear scan).
    Number(Vec<f64>),
    /// Dates.
    Date(Vec<i32>),
    /// Booleans.
    Bool(Vec<bool>),
}

/// A compiled disqualifier.
#[derive(Clone, Debug)]
pub struct PlanDisqualifier {
    /// The condition.
    pub when: Node,
    /// The condition as a closure, made by `eval::closure::prepare`
    /// (`None` until then: the tree is walked instead).
    pub cond: Option<Cond>,
    /// The reason reported.
    pub reason: String,
}

/// A compiled score entry.
#[derive(Clone, Debug)]
pub struct PlanEntry {
    /// The signed points.
    pub points: i64,
    /// `per` rather than `when`.
    pub per: bool,
    /// The condition or multiplier.
    pub expr: Node,
    /// The condition as a closure, made by `eval::closure::prepare`
    /// (`None` for `per`, and until then).
    pub cond: Option<Cond>,
}

/// A compiled score block.
#[derive(Clone, Debug)]
pub struct PlanBlock {
    /// Its name, if named.
    pub name: Option<String>,
    /// `at least N`
    pub floor: Option<i64>,
    /// `up to M`
    pub cap: Option<i64>,
    /// Its entries.
    pub entries: Vec<PlanEntry>,
}

/// A compiled tier rule.
#[derive(Clone, Debug)]
pub struct PlanRule {
    /// The rule's label in outcomes.
    pub label: String,
    /// The condition; `None` for `otherwise`.
    pub when: Option<Node>,
    /// The condition as a closure, made by `eval::closure::prepare`
    /// (`None` for `otherwise`, and until then).
    pub cond: Option<Cond>,
    /// The tier's index.
    pub tier: usize,
    /// The routing queue.
    pub route: Option<String>,
}
