//! Quick fixes: edits that apply what a diagnostic suggests — its "did you
//! mean" name, quoting a bare name that should be text, unquoting text that
//! should be a variant, adding the missing `otherwise`, replacing a habit
//! from another language (`&&` → `and`).

use miette::Diagnostic;

use super::Analysis;
use crate::check::CheckError;
use crate::source::Span;
use crate::Error;

/// One text edit: replace `span` with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// What to replace (empty for an insertion).
    pub span: Span,
    /// The new text.
    pub text: String,
}

/// A quick fix for one diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What it does, in words.
    pub title: String,
    /// The edits.
    pub edits: Vec<Edit>,
    /// The diagnostic it fixes (an index into [`Analysis::diagnostics`]).
    pub diagnostic: usize,
    /// Whether it is the one fix the diagnostic asks for.
    pub preferred: bool,
}

/// Habits from other languages a syntax error's help names, and lq's word.
const HABITS: &[(&str, &str)] = &[("&&", "and"), ("||", "or"), ("<>", "!="), ("==", "=")];

/// The text between the first pair of backticks after `marker` in `help`.
fn quoted_after<'h>(help: &'h str, marker: &str) -> Option<&'h str> {
    let rest = &help[help.find(marker)? + marker.len()..];
    let rest = &rest[rest.find('`')? + 1..];
    Some(&rest[..rest.find('`')?])
}

/// The text between the first pair of double quotes after `marker`.
fn text_after<'h>(help: &'h str, marker: &str) -> Option<&'h str> {
    let rest = &help[help.find(marker)? + marker.len()..];
    let rest = &rest[rest.find('"')?..];
    let end = rest[1..].find('"')? + 2;
    Some(&rest[..end])
}

impl Analysis {
    /// The fixes for the diagnostics whose primary span overlaps `range`.
    pub fn fixes(&self, range: Span) -> Vec<Fix> {
        let mut fixes = Vec::new();
        for (i, d) in self.diagnostics.iter().enumerate() {
            let span = d.primary_span();
            let overlaps = span.start <= range.end && range.start <= span.end;
            if overlaps {
                fixes.extend(self.fixes_for(i, d, span));
            }
        }
        fixes
    }

    fn fixes_for(&self, index: usize, d: &Error, span: Span) -> Vec<Fix> {
        let help = d.help().map(|h| h.to_string()).unwrap_or_default();
        let written = self.slice(span).to_string();
        let fix = |title: String, text: String| Fix {
            title,
            edits: vec![Edit { span, text }],
            diagnostic: index,
            preferred: true,
        };
        if let Error::Check(CheckError::FallsThrough { .. }) = d {
            return self.add_otherwise(index).into_iter().collect();
        }
        if let Some(name) = quoted_after(&help, "did you mean") {
            if name != written {
                return vec![fix(
                    format!("Change `{written}` to `{name}`"),
                    name.to_string(),
                )];
            }
        }
        if let Some(variant) = quoted_after(&help, "without quotes") {
            if written.starts_with('"') {
                return vec![fix(
                    format!("Write the variant `{variant}` without quotes"),
                    variant.to_string(),
                )];
            }
        }
        for marker in ["quote it:", "text is quoted:"] {
            if let Some(text) = text_after(&help, marker) {
                return vec![fix(format!("Quote it: {text}"), text.to_string())];
            }
        }
        if let Some((habit, word)) = HABITS.iter().find(|(h, _)| written == *h) {
            if help.contains(&format!("`{word}`")) {
                return vec![fix(
                    format!("Write `{word}` for `{habit}`"),
                    word.to_string(),
                )];
            }
        }
        Vec::new()
    }

    /// Adds `otherwise tier T` (the last tier) after the last rule.
    fn add_otherwise(&self, index: usize) -> Option<Fix> {
        let last = self.checked.tiers.last()?;
        let at = self
            .ast
            .items
            .iter()
            .filter_map(|i| match i {
                crate::syntax::ast::Item::Rule(r) => Some(r.span.end),
                _ => None,
            })
            .next_back()
            .unwrap_or(self.text.trim_end().len());
        Some(Fix {
            title: format!("Add `otherwise tier {last}`"),
            edits: vec![Edit {
                span: Span::new(at, at),
                text: format!("\notherwise tier {last}"),
            }],
            diagnostic: index,
            preferred: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_suggestions_from_help() {
        assert_eq!(
            quoted_after("did you mean `budget`?", "did you mean"),
            Some("budget")
        );
        assert_eq!(
            quoted_after("write the variant without quotes: `VP`", "without quotes"),
            Some("VP")
        );
        assert_eq!(
            text_after("to compare with the text, quote it: \"US\"", "quote it:"),
            Some("\"US\"")
        );
    }
}
