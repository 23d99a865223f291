//! Parse errors: what was expected where, in words.

use miette::Diagnostic;
use thiserror::Error;

use crate::source::Span;

/// A policy that does not parse.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq)]
pub enum ParseError {
    /// The text does not follow the grammar at `span`.
    #[error("expected {expected}, found {found}")]
    #[diagnostic(code(lq::syntax))]
    Unexpected {
        /// What the grammar allowed there, in words.
        expected: String,
        /// What was there instead, in words.
        found: String,
        /// Where.
        #[label("unexpected here")]
        span: Span,
        /// A hint for a habit from another language, or a general one.
        #[help]
        help: Option<String>,
    },
    /// A number literal too large to hold.
    #[error("number `{text}` is too large")]
    #[diagnostic(
        code(lq::number_too_large),
        help("numbers must lie within ±9,223,372,036,854,775,807")
    )]
    NumberTooLarge {
        /// The literal as written.
        text: String,
        /// Where.
        #[label("too large")]
        span: Span,
    },
    /// A date literal that is not a real calendar date.
    #[error("`{text}` is not a calendar date")]
    #[diagnostic(code(lq::invalid_date), help("{help}"))]
    InvalidDate {
        /// The literal as written.
        text: String,
        /// Why: the day or month that does not exist, or the form to use.
        help: String,
        /// Where.
        #[label("no such date")]
        span: Span,
    },
    /// A duration (`30 days`) whose count is not a whole number.
    #[error("a duration needs a whole number of units")]
    #[diagnostic(code(lq::invalid_duration), help("write e.g. `30 days` or `2 weeks`"))]
    InvalidDuration {
        /// Where.
        #[label("not a whole number")]
        span: Span,
    },
    /// Nesting deeper than lq accepts.
    #[error("nesting is deeper than {limit} levels")]
    #[diagnostic(
        code(lq::too_deep),
        help("split the condition into named parts with `let`")
    )]
    TooDeep {
        /// The limit.
        limit: usize,
        /// Where the limit was passed.
        #[label("too deep here")]
        span: Span,
    },
    /// A chain of arithmetic longer than lq accepts.
    #[error("this arithmetic has more than {limit} operands")]
    #[diagnostic(code(lq::too_long), help("split it into named parts with `let`"))]
    TooLong {
        /// The limit.
        limit: usize,
        /// The chain.
        #[label("too long")]
        span: Span,
    },
    /// A text too large to be a policy.
    #[error("this policy is larger than {limit} bytes")]
    #[diagnostic(
        code(lq::policy_too_large),
        help("is this a data file? The policy comes first: `lq eval POLICY DATA`")
    )]
    TooLarge {
        /// The limit.
        limit: usize,
        /// The start of the text (not shown: the text is not a policy).
        span: Span,
    },
    /// A line too long to be read (or shown in a message).
    #[error("line {line} is {length} bytes long; a policy line may be at most {limit}")]
    #[diagnostic(
        code(lq::line_too_long),
        help("break it: a condition may continue on the next line, and long lists may span lines")
    )]
    LineTooLong {
        /// The 1-based line.
        line: usize,
        /// Its length.
        length: usize,
        /// The limit.
        limit: usize,
        /// The start of the line (not shown: the line would fill the screen).
        span: Span,
    },
    /// More rules than lq accepts in one policy.
    #[error("this policy has more than {limit} rules")]
    #[diagnostic(
        code(lq::too_many_rules),
        help("tier rules, disqualifiers and score entries count together; split the policy by segment")
    )]
    TooManyRules {
        /// The limit.
        limit: usize,
        /// The declaration past the limit.
        #[label("rules past the limit start here")]
        span: Span,
    },
    /// Points in a score block, or a bound, that are not whole numbers.
    #[error("points must be whole numbers")]
    #[diagnostic(
        code(lq::fractional_points),
        help("scores are integers; write e.g. `+5`, or use `round(...)` in a `per` entry")
    )]
    FractionalPoints {
        /// Where.
        #[label("not a whole number")]
        span: Span,
    },
}

impl ParseError {
    /// The same error, `by` bytes further on (for a declaration parsed on
    /// its own).
    pub fn shifted(mut self, by: usize) -> ParseError {
        match &mut self {
            ParseError::Unexpected { span, .. }
            | ParseError::NumberTooLarge { span, .. }
            | ParseError::InvalidDate { span, .. }
            | ParseError::TooDeep { span, .. }
            | ParseError::TooLong { span, .. }
            | ParseError::TooLarge { span, .. }
            | ParseError::LineTooLong { span, .. }
            | ParseError::TooManyRules { span, .. }
            | ParseError::InvalidDuration { span }
            | ParseError::FractionalPoints { span } => {
                span.start += by;
                span.end += by;
            }
        }
        self
    }

    /// Where the error is.
    pub fn span(&self) -> Span {
        match self {
            ParseError::Unexpected { span, .. }
            | ParseError::NumberTooLarge { span, .. }
            | ParseError::InvalidDate { span, .. }
            | ParseError::TooDeep { span, .. }
            | ParseError::TooLong { span, .. }
            | ParseError::TooLarge { span, .. }
            | ParseError::LineTooLong { span, .. }
            | ParseError::TooManyRules { span, .. }
            | ParseError::InvalidDuration { span }
            | ParseError::FractionalPoints { span } => *span,
        }
    }
}
