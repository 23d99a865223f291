//! The untyped syntax tree of a policy, as written, with spans.
//!
//! Names are not resolved here; the checker (`crate::check`) does that.

use crate::source::{Span, Spanned};

/// A name as written: a field, let, enum, variant, tier, rule or block.
pub type Name = Spanned<String>;

/// A whole policy file.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// The declarations in source order.
    pub items: Vec<Item>,
}

/// One top-level declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// `policy "inbound-saas"`
    Name(Spanned<String>),
    /// `enum Role { CEO, VP ("vp") }`
    Enum(EnumDecl),
    /// `schema { ... }`
    Schema(SchemaDecl),
    /// `tiers A > B > C`
    Tiers(TiersDecl),
    /// `let executive = role in [CEO, CTO]`
    Let(LetDecl),
    /// `disqualify when cond because "reason"`
    Disqualify(Disqualifier),
    /// `score fit up to 30 { ... }`
    Score(ScoreBlock),
    /// `rule name: when cond then tier A, route "q"` or `otherwise tier C`
    Rule(TierRule),
    /// `lead ana { ... }`
    Lead(LeadDecl),
    /// `test "name" { ... }`
    Test(TestDecl),
}

/// `enum Name { A, B ("b", "Bee") }`
#[derive(Clone, Debug, PartialEq)]
pub struct EnumDecl {
    /// The enum's name.
    pub name: Name,
    /// Its variants in order.
    pub variants: Vec<Variant>,
    /// `trim`: data values are trimmed before matching.
    pub trim: Option<Span>,
    /// `ignore case`: data values match variants in any case.
    pub ignore_case: Option<Span>,
    /// The whole declaration.
    pub span: Span,
}

/// One enum variant and the extra spellings it accepts in data.
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    /// The variant's name.
    pub name: Name,
    /// Other spellings accepted in data: `Google ("google", "Google Ads")`.
    pub spellings: Vec<Spanned<String>>,
}

/// `schema { field: type [key] [from "Column"] [missing [...]] ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct SchemaDecl {
    /// The fields in order.
    pub fields: Vec<FieldDecl>,
    /// Cell values that mean "missing" for every field.
    pub missing: Vec<Spanned<String>>,
    /// The whole block.
    pub span: Span,
}

/// `budget: money? from "Budget (USD)" missing ["N/A"]`
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    /// The field's name.
    pub name: Name,
    /// Its declared type.
    pub ty: TypeRef,
    /// Whether it is the record's key.
    pub key: Option<Span>,
    /// The data column it is read from, when not its name.
    pub column: Option<Spanned<String>>,
    /// Cell values that mean "missing" for this field only.
    pub missing: Vec<Spanned<String>>,
    /// `trim`: surrounding spaces are removed before the value is read.
    pub trim: Option<Span>,
    /// `ignore case`: an enum field matches its variants in any case.
    pub ignore_case: Option<Span>,
}

/// A type as written: `int`, `money?`, `list of text`, `Role`.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeRef {
    /// The base type's name (`int`, `text`, an enum name, ...).
    pub name: Name,
    /// `list of ...`
    pub list: bool,
    /// A trailing `?`: the value may be missing.
    pub optional: bool,
    /// The whole type.
    pub span: Span,
}

/// `tiers A > B > C`
#[derive(Clone, Debug, PartialEq)]
pub struct TiersDecl {
    /// The tiers, best first.
    pub tiers: Vec<Name>,
    /// The whole declaration.
    pub span: Span,
}

/// `let name = expr`
#[derive(Clone, Debug, PartialEq)]
pub struct LetDecl {
    /// The let's name.
    pub name: Name,
    /// Its value.
    pub value: Expr,
    /// The whole declaration.
    pub span: Span,
}

/// `disqualify when cond [because "reason"]`
#[derive(Clone, Debug, PartialEq)]
pub struct Disqualifier {
    /// The condition.
    pub when: Expr,
    /// The reason reported, if given.
    pub because: Option<Spanned<String>>,
    /// The whole declaration.
    pub span: Span,
    /// The 1-based line it starts on, reported as `line N` without `because`.
    pub line: usize,
}

/// `score [name] [at least N] [up to M] { entries }`
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreBlock {
    /// The block's name, if any.
    pub name: Option<Name>,
    /// `at least N`
    pub floor: Option<Spanned<i64>>,
    /// `up to M`
    pub cap: Option<Spanned<i64>>,
    /// The entries, one per line.
    pub entries: Vec<ScoreEntry>,
    /// The whole block.
    pub span: Span,
}

/// `+20 when executive` or `+2 per visits`
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreEntry {
    /// The signed points.
    pub points: Spanned<i64>,
    /// What the points depend on.
    pub kind: EntryKind,
    /// An explanation, if given.
    pub because: Option<Spanned<String>>,
    /// The whole entry.
    pub span: Span,
}

/// How a score entry earns its points.
#[derive(Clone, Debug, PartialEq)]
pub enum EntryKind {
    /// `when cond`: the points once, when the condition is true.
    When(Expr),
    /// `per expr`: the points times the value.
    Per(Expr),
}

/// A tier rule: `[rule name:] when cond then tier T [, route "q"]`, or
/// `otherwise tier T` when `when` is `None`.
#[derive(Clone, Debug, PartialEq)]
pub struct TierRule {
    /// `rule name:`
    pub name: Option<Name>,
    /// The condition; `None` for `otherwise`.
    pub when: Option<Expr>,
    /// The tier assigned.
    pub tier: Name,
    /// The routing queue, if any.
    pub route: Option<Spanned<String>>,
    /// An explanation, if given.
    pub because: Option<Spanned<String>>,
    /// The whole rule.
    pub span: Span,
    /// The 1-based line the rule starts on, reported as `line N`.
    pub line: usize,
}

/// `lead name { field: value, ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct LeadDecl {
    /// The lead's name.
    pub name: Name,
    /// Its field values.
    pub record: RecordLit,
    /// The whole declaration.
    pub span: Span,
}

/// `{ field: value, ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct RecordLit {
    /// The field values in order.
    pub fields: Vec<(Name, Spanned<ValueLit>)>,
    /// The whole record.
    pub span: Span,
}

/// A value written in a lead or test record.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueLit {
    /// `42`, `25k`, `-3.5`
    Number(Number),
    /// `"text"`
    Text(String),
    /// `true`
    Bool(bool),
    /// `2026-11-23`
    Date(i32),
    /// `["a", "b"]`
    List(Vec<String>),
    /// `missing`
    Missing,
    /// `VP`: an enum variant
    Name(String),
}

/// `test "name" { [as of DATE] given ... expect ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct TestDecl {
    /// The test's name.
    pub name: Spanned<String>,
    /// `as of DATE`
    pub as_of: Option<Spanned<i32>>,
    /// The lead it runs on.
    pub given: Given,
    /// What it expects.
    pub expects: Vec<Spanned<Expectation>>,
    /// The whole test.
    pub span: Span,
}

/// `given { ... }`, `given name` or `given name with { ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct Given {
    /// The named lead it starts from.
    pub base: Option<Name>,
    /// The fields written out (or overridden).
    pub record: Option<RecordLit>,
}

/// One `expect ...` line.
#[derive(Clone, Debug, PartialEq)]
pub enum Expectation {
    /// `expect tier A`
    Tier(Name),
    /// `expect disqualified`
    Disqualified,
    /// `expect unmatched`
    Unmatched,
    /// `expect qualified`
    Qualified,
    /// `expect rule enterprise`
    Rule(Name),
    /// `expect route "enterprise-ae"`
    Route(String),
    /// `expect reason "student"`
    Reason(String),
    /// `expect score >= 30`, `expect fit 20`
    Score {
        /// `None` for the total score, else a named block.
        block: Option<Name>,
        /// The comparison (`=` when omitted).
        op: CompareOp,
        /// The number compared with.
        value: Spanned<i64>,
    },
}

/// A number literal: an integer unless it has a fractional part after scaling.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// `42`, `10k`, `$2.5M`
    Int(i64),
    /// `3.5`
    Real(f64),
}

/// An expression with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// Where it was written.
    pub span: Span,
}

/// The kinds of expression.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// `42`, `10k`, `3.5`
    Number(Number),
    /// `"text"`
    Text(String),
    /// `true`, `false`
    Bool(bool),
    /// `2026-11-23`, as days since 1970-01-01
    Date(i32),
    /// `90 days ago`: the evaluation date minus the days
    Ago(i64),
    /// `90 days` where a value is expected (always a check error)
    Duration(i64),
    /// A bare name: a let, field, score block or enum variant
    Name(String),
    /// `score`: the total score
    Score,
    /// `[a, b, c]`
    List(Vec<Expr>),
    /// `-x`
    Neg(Box<Expr>),
    /// `a + b`, `a * b`, ...
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    /// `a >= b`
    Compare(CompareOp, Box<Expr>, Box<Expr>),
    /// `role in [VP, Director]`, `country not in [...]`
    In {
        /// `not in`
        negated: bool,
        /// The value looked up.
        value: Box<Expr>,
        /// The list (or a list-valued expression).
        list: Box<Expr>,
    },
    /// `employees between 50 and 5000` (inclusive)
    Between(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `email contains "x"`, `starts with`, `ends with`
    TextTest(TextOp, Box<Expr>, Box<Expr>),
    /// `email matches "regex"`
    Matches(Box<Expr>, Spanned<String>),
    /// `d before x`, `d after x` (strict)
    DateTest(DateOp, Box<Expr>, Box<Expr>),
    /// `d within 30 days`
    Within(Box<Expr>, Spanned<i64>),
    /// `x is missing`, `x is present`
    IsMissing {
        /// `is present` / `is not missing`
        negated: bool,
        /// The value tested.
        value: Box<Expr>,
    },
    /// `not c`
    Not(Box<Expr>),
    /// `a and b`
    And(Box<Expr>, Box<Expr>),
    /// `a or b`
    Or(Box<Expr>, Box<Expr>),
    /// `lower(x)`, `coalesce(x, y)`, ...
    Call(Name, Vec<Expr>),
}

/// `+ - * /`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (real division)
    Div,
}

/// `= != < <= > >=`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `=` or `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CompareOp {
    /// The canonical spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }

    /// Whether `ordering` (of left against right) satisfies the operator.
    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CompareOp::Eq => ordering == Equal,
            CompareOp::Ne => ordering != Equal,
            CompareOp::Lt => ordering == Less,
            CompareOp::Le => ordering != Greater,
            CompareOp::Gt => ordering == Greater,
            CompareOp::Ge => ordering != Less,
        }
    }
}

/// `contains`, `starts with`, `ends with`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TextOp {
    /// `contains` (also a list membership test on `list of text`)
    Contains,
    /// `starts with`
    StartsWith,
    /// `ends with`
    EndsWith,
}

/// `before`, `after`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DateOp {
    /// strictly earlier
    Before,
    /// strictly later
    After,
}

impl Item {
    /// The whole declaration's span (for `policy "name"`, the name's).
    pub fn span(&self) -> Span {
        match self {
            Item::Name(n) => n.span,
            Item::Enum(e) => e.span,
            Item::Schema(s) => s.span,
            Item::Tiers(t) => t.span,
            Item::Let(l) => l.span,
            Item::Disqualify(d) => d.span,
            Item::Score(b) => b.span,
            Item::Rule(r) => r.span,
            Item::Lead(l) => l.span,
            Item::Test(t) => t.span,
        }
    }
}
