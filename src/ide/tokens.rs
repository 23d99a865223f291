//! Semantic colouring: each keyword, name and literal of a policy with the
//! class of what it means — a field, an enum variant, a tier, a let — not
//! only how it looks, so `VP` after `role =` is coloured as a variant and
//! `budget` as a field.

use super::{Analysis, SymbolKind};
use crate::source::Span;

/// What a token is, for colouring.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenClass {
    /// A keyword.
    Keyword,
    /// A schema field.
    Field,
    /// An enum type.
    Enum,
    /// An enum variant.
    Variant,
    /// A let.
    Let,
    /// A score block.
    Block,
    /// A tier.
    Tier,
    /// A named rule.
    Rule,
    /// A named lead.
    Lead,
    /// A built-in type.
    Type,
    /// A function.
    Function,
    /// Quoted text.
    Text,
    /// A number, date or duration.
    Number,
    /// A comment.
    Comment,
}

impl TokenClass {
    /// Every class, in the order of the legend the server announces.
    pub const ALL: [TokenClass; 14] = [
        TokenClass::Keyword,
        TokenClass::Field,
        TokenClass::Enum,
        TokenClass::Variant,
        TokenClass::Let,
        TokenClass::Block,
        TokenClass::Tier,
        TokenClass::Rule,
        TokenClass::Lead,
        TokenClass::Type,
        TokenClass::Function,
        TokenClass::Text,
        TokenClass::Number,
        TokenClass::Comment,
    ];

    fn of_symbol(kind: SymbolKind) -> TokenClass {
        match kind {
            SymbolKind::Field => TokenClass::Field,
            SymbolKind::Enum => TokenClass::Enum,
            SymbolKind::Variant => TokenClass::Variant,
            SymbolKind::Let => TokenClass::Let,
            SymbolKind::Block => TokenClass::Block,
            SymbolKind::Tier => TokenClass::Tier,
            SymbolKind::Rule => TokenClass::Rule,
            SymbolKind::Lead => TokenClass::Lead,
        }
    }
}

/// Words the grammar reserves or uses as keywords.
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "between",
    "contains",
    "starts",
    "ends",
    "with",
    "matches",
    "before",
    "after",
    "within",
    "is",
    "missing",
    "present",
    "ago",
    "true",
    "false",
    "when",
    "then",
    "per",
    "because",
    "let",
    "rule",
    "tiers",
    "tier",
    "route",
    "otherwise",
    "disqualify",
    "score",
    "at",
    "least",
    "up",
    "to",
    "schema",
    "key",
    "from",
    "list",
    "of",
    "enum",
    "policy",
    "lead",
    "test",
    "as",
    "given",
    "expect",
    "disqualified",
    "unmatched",
    "qualified",
    "reason",
    "trim",
    "ignore",
    "case",
    "days",
    "day",
    "weeks",
    "week",
    "months",
    "month",
    "years",
    "year",
    "line",
];

impl Analysis {
    /// Every token worth colouring, in order; none spans a line break.
    pub fn semantic_tokens(&self) -> Vec<(Span, TokenClass)> {
        let text = self.text.as_bytes();
        let mut out = Vec::new();
        let mut at = 0;
        while at < text.len() {
            let start = at;
            let b = text[at];
            match b {
                b'#' => {
                    while at < text.len() && text[at] != b'\n' {
                        at += 1;
                    }
                    out.push((trim_cr(text, start, at), TokenClass::Comment));
                }
                b'"' => {
                    at += 1;
                    while at < text.len() && text[at] != b'"' && text[at] != b'\n' {
                        at += if text[at] == b'\\' && text.get(at + 1) != Some(&b'\n') {
                            2
                        } else {
                            1
                        };
                    }
                    if at < text.len() && text[at] == b'"' {
                        at += 1;
                    }
                    let at_end = at.min(text.len());
                    at = at_end;
                    out.push((trim_cr(text, start, at), TokenClass::Text));
                }
                b'0'..=b'9' | b'$' => {
                    at += 1;
                    while at < text.len()
                        && (text[at].is_ascii_alphanumeric()
                            || matches!(text[at], b'_' | b'.' | b'-'))
                    {
                        at += 1;
                    }
                    out.push((Span::new(start, at), TokenClass::Number));
                }
                b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                    while at < text.len() && (text[at].is_ascii_alphanumeric() || text[at] == b'_')
                    {
                        at += 1;
                    }
                    // A tier may end in `+` or `-`.
                    let mut end = at;
                    if matches!(text.get(at), Some(b'+' | b'-')) {
                        if let Some(o) = self.index().at(start).filter(|o| o.span.end == at + 1) {
                            if self.index().symbols[o.symbol].kind == SymbolKind::Tier {
                                end = at + 1;
                                at = end;
                            }
                        }
                    }
                    if let Some(class) = self.classify(Span::new(start, end)) {
                        out.push((Span::new(start, end), class));
                    }
                }
                _ => at += 1,
            }
            // Never stop inside a character.
            while at < text.len() && !self.text.is_char_boundary(at) {
                at += 1;
            }
        }
        out
    }

    fn classify(&self, span: Span) -> Option<TokenClass> {
        if let Some(o) = self.index().at(span.start).filter(|o| o.span == span) {
            return self
                .index()
                .symbols
                .get(o.symbol)
                .map(|s| TokenClass::of_symbol(s.kind));
        }
        let word = self.slice(span);
        if KEYWORDS.contains(&word) {
            return Some(TokenClass::Keyword);
        }
        if crate::check::types::BUILTIN_TYPES.contains(&word) {
            return Some(TokenClass::Type);
        }
        let next = self.text[span.end..].trim_start_matches([' ', '\t']);
        if next.starts_with('(') && super::complete::FUNCTIONS.contains(&word) {
            return Some(TokenClass::Function);
        }
        None
    }
}

/// A span that stops before a carriage return ending its line.
fn trim_cr(text: &[u8], start: usize, mut end: usize) -> Span {
    while end > start && text[end - 1] == b'\r' {
        end -= 1;
    }
    Span::new(start, end)
}
