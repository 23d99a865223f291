//! The checked policy: names resolved to indices, every expression typed.
//! This is what the compiler (`crate::compile`) and the linter read.

use super::types::Type;
use crate::source::{Span, Spanned};
use crate::syntax::ast::{ArithOp, CompareOp, DateOp, TextOp};
use crate::value::Datum;

/// A typed, resolved expression.
#[derive(Clone, Debug, PartialEq)]
pub struct TExpr {
    /// What it computes.
    pub kind: TKind,
    /// Its type.
    pub ty: Type,
    /// Where it was written.
    pub span: Span,
}

/// A node's operands: up to three single ones and a list (neither
/// allocates: the checker's passes walk every node of a policy). One match
/// for [`TExpr::children`] and [`TExpr::children_mut`], `$none` being the
/// empty list.
macro_rules! operands {
    ($kind:expr, $none:expr) => {
        match $kind {
            TKind::Const(_)
            | TKind::Field(_)
            | TKind::Let(_)
            | TKind::Score
            | TKind::Block(_)
            | TKind::Ago(_) => ([None, None, None], $none),
            TKind::List(items) | TKind::Call(_, items) => ([None, None, None], items),
            TKind::Neg(x)
            | TKind::Not(x)
            | TKind::Matches(x, _)
            | TKind::Within(x, _)
            | TKind::IsMissing(_, x) => ([Some(x), None, None], $none),
            TKind::Arith(_, l, r)
            | TKind::Compare(_, l, r)
            | TKind::In(_, l, r)
            | TKind::TextTest(_, l, r)
            | TKind::DateTest(_, l, r)
            | TKind::And(l, r)
            | TKind::Or(l, r) => ([Some(l), Some(r), None], $none),
            TKind::Between(x, lo, hi) => ([Some(x), Some(lo), Some(hi)], $none),
        }
    };
}

impl TExpr {
    /// Its operands, in order (a `let` is a leaf: its value is elsewhere).
    pub fn children(&self) -> impl DoubleEndedIterator<Item = &TExpr> + '_ {
        let (few, many): ([Option<&TExpr>; 3], &[TExpr]) = operands!(&self.kind, &[]);
        few.into_iter().flatten().chain(many)
    }

    /// Its operands, in order, to change in place.
    pub fn children_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut TExpr> + '_ {
        let (few, many): ([Option<&mut TExpr>; 3], &mut [TExpr]) =
            operands!(&mut self.kind, &mut []);
        few.into_iter().flatten().chain(many)
    }

    /// The stand-in for an expression that already has an error: its type
    /// combines with anything silently, so the error is reported once.
    pub fn poisoned(span: Span) -> TExpr {
        TExpr {
            kind: TKind::Const(Datum::Missing),
            ty: Type::Error,
            span,
        }
    }
}

/// The kinds of typed expression.
#[derive(Clone, Debug, PartialEq)]
pub enum TKind {
    /// A constant.
    Const(Datum),
    /// A schema field, by slot.
    Field(usize),
    /// A let, by index.
    Let(usize),
    /// The total score.
    Score,
    /// A named score block, by index.
    Block(usize),
    /// The evaluation date minus this many days.
    Ago(i64),
    /// A list literal.
    List(Vec<TExpr>),
    /// `-x`
    Neg(Box<TExpr>),
    /// `a + b` and friends.
    Arith(ArithOp, Box<TExpr>, Box<TExpr>),
    /// `a >= b`
    Compare(CompareOp, Box<TExpr>, Box<TExpr>),
    /// `x in list` / `x not in list`
    In(bool, Box<TExpr>, Box<TExpr>),
    /// `x between lo and hi`
    Between(Box<TExpr>, Box<TExpr>, Box<TExpr>),
    /// `contains`, `starts with`, `ends with`
    TextTest(TextOp, Box<TExpr>, Box<TExpr>),
    /// `x matches "pattern"`
    Matches(Box<TExpr>, Spanned<String>),
    /// `before`, `after`
    DateTest(DateOp, Box<TExpr>, Box<TExpr>),
    /// `d within N days`
    Within(Box<TExpr>, i64),
    /// `is missing` (false) / `is present` (true)
    IsMissing(bool, Box<TExpr>),
    /// `not c`
    Not(Box<TExpr>),
    /// `a and b`
    And(Box<TExpr>, Box<TExpr>),
    /// `a or b`
    Or(Box<TExpr>, Box<TExpr>),
    /// A built-in function call.
    Call(Func, Vec<TExpr>),
}

/// An expression compared by what it computes, not where it was written:
/// equal and hashed without spans, so the same condition in two places is
/// one key (the lint's repeated-condition check).
#[derive(Clone, Copy, Debug)]
pub struct Shape<'a>(pub &'a TExpr);

impl PartialEq for Shape<'_> {
    fn eq(&self, other: &Self) -> bool {
        use TKind as K;
        let same = |a: &TExpr, b: &TExpr| Shape(a) == Shape(b);
        let all = |a: &[TExpr], b: &[TExpr]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        };
        match (&self.0.kind, &other.0.kind) {
            (K::Const(a), K::Const(b)) => same_datum(a, b),
            (K::Field(a), K::Field(b)) | (K::Let(a), K::Let(b)) | (K::Block(a), K::Block(b)) => {
                a == b
            }
            (K::Score, K::Score) => true,
            (K::Ago(a), K::Ago(b)) => a == b,
            (K::List(a), K::List(b)) => all(a, b),
            (K::Neg(a), K::Neg(b)) | (K::Not(a), K::Not(b)) => same(a, b),
            (K::Arith(o, a, b), K::Arith(p, c, d)) => o == p && same(a, c) && same(b, d),
            (K::Compare(o, a, b), K::Compare(p, c, d)) => o == p && same(a, c) && same(b, d),
            (K::In(o, a, b), K::In(p, c, d)) => o == p && same(a, c) && same(b, d),
            (K::Between(a, b, c), K::Between(d, e, f)) => same(a, d) && same(b, e) && same(c, f),
            (K::TextTest(o, a, b), K::TextTest(p, c, d)) => o == p && same(a, c) && same(b, d),
            (K::Matches(a, p), K::Matches(b, q)) => p.node == q.node && same(a, b),
            (K::DateTest(o, a, b), K::DateTest(p, c, d)) => o == p && same(a, c) && same(b, d),
            (K::Within(a, n), K::Within(b, m)) => n == m && same(a, b),
            (K::IsMissing(o, a), K::IsMissing(p, b)) => o == p && same(a, b),
            (K::And(a, b), K::And(c, d)) | (K::Or(a, b), K::Or(c, d)) => same(a, c) && same(b, d),
            (K::Call(f, a), K::Call(g, b)) => f == g && all(a, b),
            _ => false,
        }
    }
}

impl Eq for Shape<'_> {}

impl std::hash::Hash for Shape<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        use TKind as K;
        std::mem::discriminant(&self.0.kind).hash(state);
        // What a node holds besides its operands; the operands follow.
        match &self.0.kind {
            K::Const(d) => hash_datum(d, state),
            K::Field(i) | K::Let(i) | K::Block(i) => i.hash(state),
            K::Ago(d) | K::Within(_, d) => d.hash(state),
            K::Call(f, _) => f.hash(state),
            K::Matches(_, p) => p.node.hash(state),
            K::IsMissing(b, _) | K::In(b, _, _) => b.hash(state),
            K::Arith(op, _, _) => op.hash(state),
            K::Compare(op, _, _) => op.hash(state),
            K::TextTest(op, _, _) => op.hash(state),
            K::DateTest(op, _, _) => op.hash(state),
            K::Score
            | K::List(_)
            | K::Neg(_)
            | K::Not(_)
            | K::And(..)
            | K::Or(..)
            | K::Between(..) => {}
        }
        self.0.children().count().hash(state);
        for c in self.0.children() {
            Shape(c).hash(state);
        }
    }
}

/// Two constants the same value (numbers by their bits, so `NaN` equals
/// itself and the relation stays an equivalence).
fn same_datum(a: &Datum, b: &Datum) -> bool {
    match (a, b) {
        (Datum::Num(x), Datum::Num(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

fn hash_datum<H: std::hash::Hasher>(d: &Datum, state: &mut H) {
    use std::hash::Hash;
    std::mem::discriminant(d).hash(state);
    match d {
        Datum::Missing => {}
        Datum::Bool(b) => b.hash(state),
        Datum::Int(i) => i.hash(state),
        Datum::Num(n) => n.to_bits().hash(state),
        Datum::Text(t) => t.hash(state),
        Datum::Date(d) => d.hash(state),
        Datum::Enum(e) => e.hash(state),
        Datum::List(items) => items.hash(state),
    }
}

/// The built-in functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Func {
    /// `lower(text)`
    Lower,
    /// `trim(text)`
    Trim,
    /// `count(list)`
    Count,
    /// `days_since(date)`
    DaysSince,
    /// `coalesce(x, fallback, ...)`
    Coalesce,
    /// `min(a, b, ...)`
    Min,
    /// `max(a, b, ...)`
    Max,
    /// `round(x)`
    Round,
}

/// An enum declaration.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumDef {
    /// Its name.
    pub name: String,
    /// Its variants, in order; a variant's index is its value.
    pub variants: Vec<VariantDef>,
    /// Data values are trimmed before matching.
    pub trim: bool,
    /// Data values match variants and spellings in any case.
    pub ignore_case: bool,
    /// Each variant's name and spellings, for reading data exactly.
    pub spelled: crate::text_key::TextMap,
}

/// An enum variant.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantDef {
    /// Its name.
    pub name: String,
    /// Other spellings accepted in data.
    pub spellings: Vec<String>,
}

/// A schema field.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// Whether it may be missing.
    pub optional: bool,
    /// The data column it is read from.
    pub column: String,
    /// Cell values that mean missing, besides the schema-wide ones.
    pub missing: Vec<String>,
    /// Text and enum values are trimmed before they are read.
    pub trim: bool,
    /// Enum values match in any case.
    pub ignore_case: bool,
}

/// The lead record's shape.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    /// The fields; a field's index is its slot in a record.
    pub fields: Vec<Field>,
    /// Cell values that mean missing in every field.
    pub missing: Vec<String>,
    /// The key field's slot.
    pub key: Option<usize>,
}

/// A `let`.
#[derive(Clone, Debug, PartialEq)]
pub struct LetDef {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: TExpr,
}

/// A disqualifier.
#[derive(Clone, Debug, PartialEq)]
pub struct DisqualifierDef {
    /// The condition.
    pub when: TExpr,
    /// The reason reported: its `because`, or `line N`.
    pub reason: String,
    /// The whole declaration.
    pub span: Span,
}

/// A score block.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockDef {
    /// Its name, if named.
    pub name: Option<String>,
    /// `at least N`
    pub floor: Option<i64>,
    /// `up to M`
    pub cap: Option<i64>,
    /// Its entries.
    pub entries: Vec<EntryDef>,
    /// The whole block.
    pub span: Span,
}

/// A score entry.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryDef {
    /// The signed points.
    pub points: i64,
    /// `per` (multiply by the value) rather than `when`.
    pub per: bool,
    /// The condition or the multiplier.
    pub expr: TExpr,
    /// Its explanation, if any.
    pub because: Option<String>,
    /// The entry.
    pub span: Span,
}

/// A tier rule.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleDef {
    /// What outcomes call it: its name, `line N`, or `otherwise`.
    pub label: String,
    /// The condition; `None` for `otherwise`.
    pub when: Option<TExpr>,
    /// The tier's index in `tiers`.
    pub tier: usize,
    /// The routing queue.
    pub route: Option<String>,
    /// Its explanation, if any.
    pub because: Option<String>,
    /// The rule.
    pub span: Span,
}

/// A named example lead.
#[derive(Clone, Debug, PartialEq)]
pub struct LeadDef {
    /// Its name.
    pub name: String,
    /// The values written, by slot (`None`: not written).
    pub values: Vec<Option<Datum>>,
}

/// An executable example.
#[derive(Clone, Debug, PartialEq)]
pub struct TestDef {
    /// Its name.
    pub name: String,
    /// `as of DATE`
    pub as_of: Option<i32>,
    /// The whole record, by slot.
    pub record: Vec<Datum>,
    /// What it expects.
    pub expects: Vec<Spanned<Expect>>,
    /// The test.
    pub span: Span,
}

/// A resolved expectation.
#[derive(Clone, Debug, PartialEq)]
pub enum Expect {
    /// `expect tier A` (tier index)
    Tier(usize),
    /// `expect disqualified`
    Disqualified,
    /// `expect unmatched`
    Unmatched,
    /// `expect qualified`
    Qualified,
    /// `expect rule NAME`
    Rule(String),
    /// `expect route "q"`
    Route(String),
    /// `expect reason "r"`
    Reason(String),
    /// `expect score >= N` / `expect fit N`
    Score {
        /// The block's index, or `None` for the total.
        block: Option<usize>,
        /// The block's name, for messages.
        label: String,
        /// The comparison.
        op: CompareOp,
        /// The value.
        value: i64,
    },
}

/// A policy that has passed the checker.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CheckedPolicy {
    /// `policy "name"`
    pub name: Option<String>,
    /// The enums.
    pub enums: Vec<EnumDef>,
    /// The schema.
    pub schema: Schema,
    /// The tiers, best first.
    pub tiers: Vec<String>,
    /// The lets.
    pub lets: Vec<LetDef>,
    /// The disqualifiers, in order.
    pub disqualifiers: Vec<DisqualifierDef>,
    /// The score blocks, in order.
    pub blocks: Vec<BlockDef>,
    /// The tier rules, in order (`otherwise` last).
    pub rules: Vec<RuleDef>,
    /// The named leads.
    pub leads: Vec<LeadDef>,
    /// The tests.
    pub tests: Vec<TestDef>,
    /// The `matches` patterns, compiled by the check (within its budget).
    pub patterns: super::patterns::BuiltPatterns,
}

impl CheckedPolicy {
    /// The slot of the field named `name`.
    pub fn field(&self, name: &str) -> Option<usize> {
        self.schema.fields.iter().position(|f| f.name == name)
    }

    /// The names of the named score blocks, in order.
    pub fn block_names(&self) -> impl Iterator<Item = &str> {
        self.blocks.iter().filter_map(|b| b.name.as_deref())
    }
}
