//! Source files and spans: where in a policy each piece of syntax came from.

use std::fmt;

/// A byte range in a policy's source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// The first byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The same span `by` bytes further on (back, when negative): a
    /// declaration moved to a new place in an edited text.
    pub fn moved(self, by: isize) -> Span {
        Span::new(
            self.start.wrapping_add_signed(by),
            self.end.wrapping_add_signed(by),
        )
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// The 1-based line and column of this span's start in `text`.
    pub fn line_col(self, text: &str) -> (usize, usize) {
        line_col(text, self.start)
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        (span.start, span.end.saturating_sub(span.start)).into()
    }
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = count_byte(before.as_bytes(), b'\n') + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// How many of `bytes` are `byte`, counted in runs of up to 255 with a
/// byte counter (a loop the compiler vectorises): diagnostics over a large
/// policy each count the line breaks before them.
pub fn count_byte(bytes: &[u8], byte: u8) -> usize {
    bytes
        .chunks(255)
        .map(|run| usize::from(run.iter().fold(0u8, |n, b| n + u8::from(*b == byte))))
        .sum()
}

/// A value with the span it was written at. The span is ignored by `==`, so
/// two ASTs compare equal when they mean the same thing.
#[derive(Clone, Debug)]
pub struct Spanned<T> {
    /// The value.
    pub node: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps `node` with `span`.
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl<T: fmt::Display> fmt::Display for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.node.fmt(f)
    }
}

/// A policy's source: its file name (as shown in diagnostics) and its text.
#[derive(Clone, Debug)]
pub struct Source {
    /// The name shown in diagnostics, usually the path as the user gave it.
    pub name: String,
    /// The whole text.
    pub text: String,
}

impl Source {
    /// A source named `name` holding `text`.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }

    /// The source as miette wants it for rendering.
    pub fn named(&self) -> miette::NamedSource<String> {
        miette::NamedSource::new(&self.name, self.text.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_byte_counts_every_line_break() {
        let long = "ab\n".repeat(400) + &"x".repeat(600) + "\n\n";
        for text in ["", "\n", "a", "a\nb\r\nc\n", &"\n".repeat(300), &long] {
            assert_eq!(
                count_byte(text.as_bytes(), b'\n'),
                text.matches('\n').count(),
                "{text:?}"
            );
        }
        assert_eq!(line_col(&long, long.len()), (403, 1));
    }
}
