//! Size limits checked before and after the grammar: a policy file, one
//! line of it, and the number of rules are bounded far beyond any real
//! policy, so that a data file passed by mistake, or a generated policy run
//! wild, gets a diagnostic rather than minutes of work or a screen-filling
//! message.

use super::ast::{Item, Policy};
use super::error::ParseError;
use crate::source::Span;

/// The largest policy file lq reads, in bytes (8 MiB).
pub const MAX_POLICY_BYTES: usize = 8 << 20;

/// The longest line of a policy, in bytes.
pub const MAX_LINE_BYTES: usize = 10_000;

/// The most rules a policy may have: tier rules, disqualifiers and score
/// entries together.
pub const MAX_RULES: usize = 50_000;

/// Refuses a text too large to be a policy, or with a line too long to be
/// shown in a diagnostic.
pub fn check_size(text: &str) -> Result<(), ParseError> {
    if text.len() > MAX_POLICY_BYTES {
        return Err(ParseError::TooLarge {
            limit: MAX_POLICY_BYTES,
            span: Span::new(0, 0),
        });
    }
    let mut start = 0;
    for (number, line) in text.split('\n').enumerate() {
        if line.len() > MAX_LINE_BYTES {
            return Err(ParseError::LineTooLong {
                line: number + 1,
                length: line.len(),
                limit: MAX_LINE_BYTES,
                span: Span::new(start, start),
            });
        }
        start += line.len() + 1;
    }
    Ok(())
}

/// Refuses a policy with more than [`MAX_RULES`] rules, pointing at the
/// first one past the limit.
pub fn check_rules(policy: &Policy) -> Result<(), ParseError> {
    let mut count = 0;
    for item in &policy.items {
        let (rules, span) = match item {
            Item::Rule(r) => (1, r.span),
            Item::Disqualify(d) => (1, d.span),
            Item::Score(s) => (s.entries.len(), s.span),
            _ => continue,
        };
        count += rules;
        if count > MAX_RULES {
            return Err(ParseError::TooManyRules {
                limit: MAX_RULES,
                span,
            });
        }
    }
    Ok(())
}
