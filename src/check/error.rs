//! Check errors and warnings: every problem `lq check` reports, as data.

use miette::Diagnostic;
use thiserror::Error;

use crate::diagnostic::{list_names, suggestion_help};
use crate::source::Span;

/// A problem found by the checker. Variants whose code ends in a warning
/// name (`unused_*`, `unreachable_*`, `never_fires`) are warnings.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq)]
pub enum CheckError {
    /// A name that is not a let, a field or a score block.
    #[error("unknown name `{name}`")]
    #[diagnostic(code(lq::unknown_name))]
    UnknownName {
        /// The name as written.
        name: String,
        /// Where.
        #[label("not a field, let or score block")]
        span: Span,
        /// What to do instead.
        #[help]
        help: String,
    },
    /// A name that is not a variant of the enum the other side has.
    #[error("`{name}` is not a variant of enum `{enum_name}`")]
    #[diagnostic(
        code(lq::unknown_variant),
        help("{}", suggestion_help(suggestion, "variants", variants))
    )]
    UnknownVariant {
        /// The name as written.
        name: String,
        /// The enum expected.
        enum_name: String,
        /// The enum's variants.
        variants: Vec<String>,
        /// The closest variant, if any.
        suggestion: Option<String>,
        /// Where.
        #[label("not in `{enum_name}`")]
        span: Span,
    },
    /// An unknown field in a lead or test record.
    #[error("unknown field `{name}`")]
    #[diagnostic(
        code(lq::unknown_field),
        help("{}", suggestion_help(suggestion, "fields", fields))
    )]
    UnknownField {
        /// The name as written.
        name: String,
        /// The schema's fields.
        fields: Vec<String>,
        /// The closest field, if any.
        suggestion: Option<String>,
        /// Where.
        #[label("not in the schema")]
        span: Span,
    },
    /// A type name that is neither built in nor a declared enum.
    #[error("unknown type `{name}`")]
    #[diagnostic(
        code(lq::unknown_type),
        help("{}", suggestion_help(suggestion, "types", types))
    )]
    UnknownType {
        /// The name as written.
        name: String,
        /// The types available.
        types: Vec<String>,
        /// The closest type, if any.
        suggestion: Option<String>,
        /// Where.
        #[label("no such type")]
        span: Span,
    },
    /// A tier that `tiers` does not declare.
    #[error("unknown tier `{name}`")]
    #[diagnostic(code(lq::unknown_tier), help("{}", tier_help(suggestion, tiers)))]
    UnknownTier {
        /// The name as written.
        name: String,
        /// The declared tiers.
        tiers: Vec<String>,
        /// The closest tier, if any.
        suggestion: Option<String>,
        /// Where.
        #[label("not declared in `tiers`")]
        span: Span,
    },
    /// Something a test names (a rule, a score block, a lead) that does not exist.
    #[error("unknown {kind} `{name}`")]
    #[diagnostic(
        code(lq::unknown_reference),
        help("{}", suggestion_help(suggestion, plural, known))
    )]
    UnknownReference {
        /// What kind of thing: "rule", "score block", "lead".
        kind: &'static str,
        /// The same, plural.
        plural: &'static str,
        /// The name as written.
        name: String,
        /// The names that exist.
        known: Vec<String>,
        /// The closest, if any.
        suggestion: Option<String>,
        /// Where.
        #[label("no {kind} of that name")]
        span: Span,
    },
    /// A function that lq does not have.
    #[error("unknown function `{name}`")]
    #[diagnostic(
        code(lq::unknown_function),
        help("{}", suggestion_help(suggestion, "functions", functions))
    )]
    UnknownFunction {
        /// The name as written.
        name: String,
        /// The functions available.
        functions: Vec<String>,
        /// The closest, if any.
        suggestion: Option<String>,
        /// Where.
        #[label("no such function")]
        span: Span,
    },
    /// A function called with the wrong number of arguments.
    #[error("`{name}` takes {expected}, not {found}")]
    #[diagnostic(code(lq::wrong_arguments), help("write it as `{usage}`"))]
    WrongArity {
        /// The function.
        name: String,
        /// How many it takes, in words.
        expected: &'static str,
        /// How many were given.
        found: usize,
        /// How to call it.
        usage: &'static str,
        /// Where.
        #[label("called here")]
        span: Span,
    },
    /// Two operands whose types do not go together.
    #[error("{op} cannot combine `{left}` with `{right}`")]
    #[diagnostic(code(lq::type_mismatch), help("{help}"))]
    TypeMismatch {
        /// The operator.
        op: String,
        /// The left operand's type.
        left: String,
        /// The right operand's type.
        right: String,
        /// The left operand.
        #[label("{left}")]
        left_span: Span,
        /// The right operand.
        #[label("{right}")]
        right_span: Span,
        /// What would work.
        help: String,
    },
    /// An expression of the wrong type for where it stands.
    #[error("{context} must be {expected}, found `{found}`")]
    #[diagnostic(code(lq::wrong_type), help("{help}"))]
    WrongType {
        /// Where it stands, in words ("a condition").
        context: &'static str,
        /// The types accepted, in words.
        expected: &'static str,
        /// The type found.
        found: String,
        /// The expression.
        #[label("this is `{found}`")]
        span: Span,
        /// What would work.
        help: String,
    },
    /// A list literal anywhere but after `in`.
    #[error("a list can only follow `in` or `not in`")]
    #[diagnostic(
        code(lq::list_outside_in),
        help("write the test where the list is used: `role in [VP, Director]`")
    )]
    ListOutsideIn {
        /// The list.
        #[label("a list here")]
        span: Span,
    },
    /// An enum compared with a quoted string.
    #[error("`{enum_name}` values are compared with variants, not text")]
    #[diagnostic(
        code(lq::enum_vs_text),
        help("{}", enum_text_help(text, suggestion, variants))
    )]
    EnumVsText {
        /// The enum.
        enum_name: String,
        /// The enum's variants.
        variants: Vec<String>,
        /// The text literal.
        text: String,
        /// The matching variant, if any.
        suggestion: Option<String>,
        /// Where the text is.
        #[label("quoted text")]
        span: Span,
    },
    /// A name declared twice.
    #[error("{}", duplicate_message(kind, name))]
    #[diagnostic(code(lq::duplicate), help("{}", duplicate_help(kind)))]
    Duplicate {
        /// What kind of thing.
        kind: &'static str,
        /// Its name.
        name: String,
        /// The second declaration.
        #[label("declared again here")]
        span: Span,
        /// The first declaration.
        #[label("first declared here")]
        first: Span,
    },
    /// A tier named like a status (`qualified`, `disqualified`,
    /// `unmatched`, `error`): reports by class would mix the two up.
    #[error("`{name}` cannot be a tier's name: it is a status")]
    #[diagnostic(
        code(lq::reserved_tier),
        help("every lead is counted in one class, its tier or else its status (`disqualified`, `unmatched`, `error`), so tiers cannot share those names (nor `qualified`); call it e.g. `{name}_tier` or `Z`")
    )]
    ReservedTier {
        /// The tier's name.
        name: String,
        /// Where it is declared.
        #[label("a status, not a tier")]
        span: Span,
    },
    /// Lets that depend on each other in a circle.
    #[error("let `{name}` depends on itself")]
    #[diagnostic(code(lq::let_cycle), help("the lets form a cycle: {}; break it by writing one of them out", path.join(" → ")))]
    LetCycle {
        /// The let.
        name: String,
        /// The cycle, from the let back to itself.
        path: Vec<String>,
        /// Where the cycle closes.
        #[label("used here, inside its own definition")]
        span: Span,
    },
    /// Lets that would expand past the budget once inlined.
    #[error("{}", let_too_large_message(name, *size, *limit, *total))]
    #[diagnostic(
        code(lq::let_too_large),
        help("a let is copied into every place that uses it, so a let that uses another let twice doubles in size; write the condition with fewer nested lets, or as a score")
    )]
    LetTooLarge {
        /// The let (the largest one used, when the limit is passed at a use).
        name: String,
        /// Its expanded size, or the running total of all uses.
        size: u64,
        /// The limit.
        limit: u64,
        /// Whether `size` is the total of every use up to here.
        total: bool,
        /// The let, or the condition where the total passed the limit.
        #[label("expands past the limit")]
        span: Span,
    },
    /// A tier rule after `otherwise`.
    #[error("`otherwise` must be the last tier rule")]
    #[diagnostic(
        code(lq::otherwise_not_last),
        help("move `otherwise` below every other tier rule; a rule after it never runs")
    )]
    OtherwiseNotLast {
        /// The `otherwise`.
        #[label("`otherwise` here")]
        span: Span,
        /// The rule after it.
        #[label("this rule comes after it")]
        later: Span,
    },
    /// `otherwise` written twice.
    #[error("`otherwise` is written twice")]
    #[diagnostic(code(lq::duplicate_otherwise), help("keep one fallback rule"))]
    OtherwiseTwice {
        /// The second.
        #[label("second `otherwise`")]
        span: Span,
        /// The first.
        #[label("first `otherwise`")]
        first: Span,
    },
    /// A regular expression that does not compile.
    #[error("invalid regular expression")]
    #[diagnostic(code(lq::invalid_regex), help("{reason}"))]
    InvalidRegex {
        /// Why the regex engine refused it.
        reason: String,
        /// The pattern.
        #[label("does not compile")]
        span: Span,
    },
    /// A `matches` pattern that takes the policy's patterns over their
    /// total budget.
    #[error("the policy's patterns are too large together")]
    #[diagnostic(
        code(lq::patterns_too_large),
        help("compiled, the distinct `matches` patterns up to this one take more than the {limit_mib} MiB a policy may use; later patterns are not compiled. Use fewer or smaller patterns (a Unicode class such as `\\w` is large, `[a-z0-9_]` small; a repeated pattern counts once), or test with `contains`, `starts with` or `in [...]`, which cost nothing")
    )]
    PatternsTooLarge {
        /// The budget, in MiB.
        limit_mib: usize,
        /// The pattern that went over.
        #[label("the patterns exceed their budget here")]
        span: Span,
    },
    /// A policy with no `schema` block.
    #[error("the policy has no schema")]
    #[diagnostic(
        code(lq::no_schema),
        help("declare the lead record's fields, e.g. `schema {{ id: int key  budget: money? }}`")
    )]
    NoSchema {
        /// The start of the file.
        #[label("policy starts here")]
        span: Span,
    },
    /// Two fields marked `key`.
    #[error("only one field can be the key")]
    #[diagnostic(code(lq::duplicate_key), help("remove `key` from one of them"))]
    DuplicateKey {
        /// The second.
        #[label("second key")]
        span: Span,
        /// The first.
        #[label("first key")]
        first: Span,
    },
    /// A `list of` something other than text.
    #[error("lists hold text only")]
    #[diagnostic(code(lq::unsupported_list), help("write `list of text`"))]
    UnsupportedList {
        /// The type.
        #[label("not `list of text`")]
        span: Span,
    },
    /// `ignore case` on a field that is not an enum.
    #[error("`ignore case` applies to enum fields, and `{field}` is `{ty}`")]
    #[diagnostic(
        code(lq::option_type),
        help(
            "text is read exactly; compare it case-insensitively with `lower({field}) = \"...\"`"
        )
    )]
    CaseOnNonEnum {
        /// The field.
        field: String,
        /// Its type.
        ty: String,
        /// The option.
        #[label("not an enum field")]
        span: Span,
    },
    /// A `per` entry whose expression is not a whole number.
    #[error("`per` needs a whole number, found `{found}`")]
    #[diagnostic(
        code(lq::per_not_int),
        help("scores are integers: wrap it in `round(...)`")
    )]
    PerNotInt {
        /// The type found.
        found: String,
        /// The expression.
        #[label("this is `{found}`")]
        span: Span,
    },
    /// A score block whose floor is above its cap.
    #[error("the floor {floor} is above the cap {cap}")]
    #[diagnostic(code(lq::bounds), help("`at least` must not exceed `up to`"))]
    FloorAboveCap {
        /// The floor.
        floor: i64,
        /// The cap.
        cap: i64,
        /// The block.
        #[label("in this block")]
        span: Span,
    },
    /// A value in a lead or test record of the wrong type.
    #[error("field `{field}` is `{expected}`, but this value is {found}")]
    #[diagnostic(code(lq::record_type), help("{help}"))]
    RecordType {
        /// The field.
        field: String,
        /// Its type.
        expected: String,
        /// The value, described.
        found: String,
        /// Where.
        #[label("expected `{expected}`")]
        span: Span,
        /// How to write it.
        help: String,
    },
    /// Required fields left out of a lead or test record.
    #[error("required {} left out: {}", if fields.len() == 1 { "field" } else { "fields" }, fields.join(", "))]
    #[diagnostic(
        code(lq::record_missing),
        help(
            "give every required field a value, or mark the field optional with `?` in the schema"
        )
    )]
    RecordMissing {
        /// The fields left out.
        fields: Vec<String>,
        /// The record.
        #[label("this record")]
        span: Span,
    },
    /// A field given twice in one record.
    #[error("field `{name}` is given twice")]
    #[diagnostic(code(lq::duplicate), help("remove one of them"))]
    RecordDuplicate {
        /// The field.
        name: String,
        /// The second.
        #[label("given again here")]
        span: Span,
        /// The first.
        #[label("first given here")]
        first: Span,
    },
    /// A duration used as a value.
    #[error("a duration is not a value")]
    #[diagnostic(code(lq::bare_duration), help("for a date in the past write `{days} days ago`; to test recency write `d within {days} days`"))]
    BareDuration {
        /// The duration in days.
        days: i64,
        /// Where.
        #[label("a duration")]
        span: Span,
    },
    /// Warning: a let nobody uses.
    #[error("let `{name}` is never used")]
    #[diagnostic(
        code(lq::unused_let),
        severity(Warning),
        help("remove it, or use it in a rule")
    )]
    UnusedLet {
        /// The let.
        name: String,
        /// Where.
        #[label("unused")]
        span: Span,
    },
    /// Warning: an enum no field, expression or record uses.
    #[error("enum `{name}` is never used")]
    #[diagnostic(
        code(lq::unused_enum),
        severity(Warning),
        help("give a schema field this type, or remove the enum")
    )]
    UnusedEnum {
        /// The enum.
        name: String,
        /// Where.
        #[label("unused")]
        span: Span,
    },
    /// Warning: a tier that no rule assigns.
    #[error("tier `{name}` is never assigned")]
    #[diagnostic(
        code(lq::unused_tier),
        severity(Warning),
        help("add a rule `when ... then tier {name}`, or remove the tier")
    )]
    UnusedTier {
        /// The tier.
        name: String,
        /// Where.
        #[label("no rule gives this tier")]
        span: Span,
    },
    /// Warning: a block whose cap is above anything its entries can add.
    #[error("score block can never reach its cap of {cap}")]
    #[diagnostic(
        code(lq::unreachable_cap),
        severity(Warning),
        help("its entries add at most {max}; lower the cap to {max} or remove it")
    )]
    UnreachableCap {
        /// The cap.
        cap: i64,
        /// The most the entries can add.
        max: i64,
        /// Where.
        #[label("cap of {cap}")]
        span: Span,
    },
    /// Warning: a condition that is true for every lead.
    #[error("this {what}'s condition is always true")]
    #[diagnostic(code(lq::always_true), severity(Warning), help("{help}"))]
    AlwaysTrue {
        /// "disqualifier", "score entry", "rule".
        what: &'static str,
        /// What follows from it.
        help: String,
        /// Where.
        #[label("true for every lead")]
        span: Span,
    },
    /// Warning: a score entry that never changes its block's total.
    #[error("this score entry can never change its block's total")]
    #[diagnostic(code(lq::entry_never_counts), severity(Warning), help("{why}"))]
    EntryNeverCounts {
        /// Why, in words.
        why: String,
        /// The entry.
        #[label("never counts")]
        span: Span,
    },
    /// Warning: leads that no rule matches, with no `otherwise`.
    #[error("some leads match no rule and there is no `otherwise`")]
    #[diagnostic(
        code(lq::falls_through),
        severity(Warning),
        help("such leads come out `unmatched`; add `otherwise tier ...`, or a rule for leads like this one:\n{witness}")
    )]
    FallsThrough {
        /// A lead that falls through, as a `lead` declaration.
        witness: String,
        /// The last rule.
        #[label("after this rule, nothing is left to match")]
        span: Span,
    },
    /// Warning: a character that changes how the text is displayed
    /// without showing itself.
    #[error("invisible {name} character (U+{code:04X}) in the policy")]
    #[diagnostic(
        code(lq::invisible_character),
        severity(Warning),
        help("it can make the text read differently from how it runs (\"Trojan Source\"), and a reviewer cannot see it; delete it")
    )]
    InvisibleCharacter {
        /// What it is.
        name: &'static str,
        /// Its code point.
        code: u32,
        /// Where.
        #[label("hidden character here")]
        span: Span,
    },
    /// Warning: a rule, disqualifier or score entry that can never fire.
    #[error("this {what} can never fire")]
    #[diagnostic(code(lq::never_fires), severity(Warning), help("{why}"))]
    NeverFires {
        /// "rule", "disqualifier" or "score entry".
        what: &'static str,
        /// Why.
        why: NeverFiresCause,
        /// Where.
        #[label("never fires")]
        span: Span,
    },
}

/// Why a rule, disqualifier or score entry can never fire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NeverFiresCause {
    /// Its condition is false or unknown for every lead.
    NeverTrue,
    /// Every lead it matches is disqualified first.
    DisqualifiedFirst,
    /// Every lead it matches is decided first by these earlier rules.
    DecidedFirst(Vec<String>),
    /// This earlier rule has the same condition and wins.
    SameCondition(String),
}

impl std::fmt::Display for NeverFiresCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NeverFiresCause::NeverTrue => f.write_str("its condition is never true"),
            NeverFiresCause::DisqualifiedFirst => {
                f.write_str("every lead it matches is disqualified first")
            }
            NeverFiresCause::DecidedFirst(rules) => {
                let named: Vec<String> = rules.iter().map(|r| format!("`{r}`")).collect();
                write!(
                    f,
                    "every lead it matches is decided first by {}",
                    named.join(", ")
                )
            }
            NeverFiresCause::SameCondition(rule) => {
                write!(f, "rule `{rule}` before it has the same condition and wins")
            }
        }
    }
}

fn let_too_large_message(name: &str, size: u64, limit: u64, total: bool) -> String {
    let (size, limit) = (
        crate::diagnostic::thousands(size),
        crate::diagnostic::thousands(limit),
    );
    if total {
        format!("the lets used up to here (the largest is `{name}`) expand to {size} operations in all; the limit is {limit}")
    } else {
        format!("let `{name}` expands to {size} operations where it is used; the limit is {limit}")
    }
}

fn duplicate_message(kind: &str, name: &str) -> String {
    if kind == "declaration" {
        format!("`{name}` is declared twice")
    } else {
        format!("{kind} `{name}` is declared twice")
    }
}

fn duplicate_help(kind: &str) -> &'static str {
    if kind == "declaration" {
        "a policy has at most one; merge them into one"
    } else {
        "rename or remove one of them"
    }
}

fn tier_help(suggestion: &Option<String>, tiers: &[String]) -> String {
    if tiers.is_empty() {
        return "declare the tiers first, best first: `tiers A > B > C`".to_string();
    }
    suggestion_help(suggestion, "tiers", tiers)
}

fn enum_text_help(text: &str, suggestion: &Option<String>, variants: &[String]) -> String {
    match suggestion {
        Some(v) => format!("write the variant without quotes: `{v}`"),
        None => format!(
            "`\"{text}\"` is text; write one of the variants without quotes: {}",
            list_names(variants)
        ),
    }
}

impl CheckError {
    /// Whether this is a warning rather than an error.
    pub fn is_warning(&self) -> bool {
        matches!(
            self.severity(),
            Some(miette::Severity::Warning) | Some(miette::Severity::Advice)
        )
    }

    /// The primary span, for sorting.
    pub fn primary_span(&self) -> Span {
        crate::diagnostic::primary_span(self)
    }
}
