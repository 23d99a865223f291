//! The source a rendered diagnostic shows its excerpt from: the policy's
//! text with control characters masked (shown, not obeyed), read from a
//! line near the excerpt instead of from the start of the text, and masked
//! only when the excerpt needs it, so that rendering many diagnostics over
//! a large policy costs little more than their excerpts.

use std::borrow::Cow;
use std::sync::OnceLock;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::printable;
use crate::source::count_byte;

/// A named text for miette to read excerpts from.
#[derive(Debug)]
pub(super) struct ShownSource<'t> {
    name: String,
    text: &'t str,
    /// The whole text masked, made when an excerpt first needs it
    /// (masking keeps every byte offset, so excerpts are cut alike).
    masked: OnceLock<String>,
}

impl<'t> ShownSource<'t> {
    /// `text` under `name`, both shown printable.
    pub(super) fn new(name: &str, text: &'t str) -> Self {
        ShownSource {
            name: printable::escape(name).into_owned(),
            text,
            masked: OnceLock::new(),
        }
    }

    /// The bytes `range` of the text, masked if they need it.
    fn printable(&self, range: std::ops::Range<usize>) -> &[u8] {
        let raw = &self.text.as_bytes()[range.clone()];
        let plain =
            std::str::from_utf8(raw).is_ok_and(|s| matches!(printable::mask(s), Cow::Borrowed(_)));
        if plain {
            return raw;
        }
        let masked = self
            .masked
            .get_or_init(|| printable::mask(self.text).into_owned());
        &masked.as_bytes()[range]
    }
}

impl SourceCode for ShownSource<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let bytes = self.text.as_bytes();
        // miette slices past the end of its text for such a span (a panic).
        if span.offset() > bytes.len() {
            return Err(MietteError::OutOfBounds);
        }
        let base = line_start_before(bytes, span.offset(), context_lines_before);
        let moved = SourceSpan::new((span.offset() - base).into(), span.len());
        let part = &bytes[base..];
        let excerpt = part.read_span(&moved, context_lines_before, context_lines_after)?;
        let lines = line_breaks(&bytes[..base]);
        let at = excerpt.span();
        let start = at.offset() + base;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            self.printable(start..start + at.len()),
            SourceSpan::new(start.into(), at.len()),
            excerpt.line() + lines,
            excerpt.column(),
            excerpt.line_count() + lines,
        )))
    }
}

/// A line start at least `lines` lines above the line holding byte `pos`
/// (0 when there are not that many): just after the `lines + 1`-th `\n`
/// before `pos - 1`. A `\n` ends a line however breaks are written
/// (`\r\n`, `\n`), and a lone `\r` only adds lines, so reading from there
/// sees the same excerpt as reading from the start. The start is always
/// before `pos` (miette reads an empty span at the very start of its text
/// differently from one anywhere else).
fn line_start_before(bytes: &[u8], pos: usize, lines: usize) -> usize {
    let pos = pos.min(bytes.len());
    bytes[..pos.saturating_sub(1)]
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, b)| **b == b'\n')
        .nth(lines)
        .map_or(0, |(i, _)| i + 1)
}

/// Line breaks in `bytes` as miette counts them: `\n`, `\r\n` and a lone
/// `\r` each end a line.
fn line_breaks(bytes: &[u8]) -> usize {
    let newlines = count_byte(bytes, b'\n');
    let returns = count_byte(bytes, b'\r');
    if returns == 0 {
        return newlines;
    }
    let pairs = bytes.windows(2).filter(|w| w == b"\r\n").count();
    newlines + returns - pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What miette reads from the whole text, for comparison.
    type Read = Option<(Vec<u8>, SourceSpan, usize, usize, usize)>;

    fn parts(c: &dyn SpanContents<'_>) -> (Vec<u8>, SourceSpan, usize, usize, usize) {
        (
            c.data().to_vec(),
            *c.span(),
            c.line(),
            c.column(),
            c.line_count(),
        )
    }

    fn whole(text: &str, span: SourceSpan, around: usize) -> Read {
        let c = text.as_bytes().read_span(&span, around, around).ok()?;
        Some(parts(c.as_ref()))
    }

    fn shown(text: &str, span: SourceSpan, around: usize) -> Read {
        let source = ShownSource::new("p.lq", text);
        let c = source.read_span(&span, around, around).ok()?;
        Some(parts(c.as_ref()))
    }

    #[test]
    fn excerpts_match_reading_from_the_start() {
        let texts = [
            "a\nbb\nccc\ndddd\neeeee\n",
            "a\r\nbb\r\nccc\r\ndddd\r\n",
            "a\rbb\nccc\r\ndddd\reeeee",
            "one line only",
            "\n\n\nx\n\n",
        ];
        for text in texts {
            assert_eq!(
                shown(text, SourceSpan::new((text.len() + 1).into(), 0), 1),
                None
            );
            for offset in 0..=text.len() {
                for len in [0, 1, 3] {
                    for around in [0, 1, 2, 5] {
                        let span = SourceSpan::new(offset.into(), len);
                        assert_eq!(
                            shown(text, span, around),
                            whole(text, span, around),
                            "{text:?} at {offset}+{len}, {around} lines around"
                        );
                    }
                }
            }
        }
    }

    /// An excerpt is the masked text's, whether or not it needed masking.
    #[test]
    fn excerpts_are_those_of_the_masked_text() {
        let text = "plain\nan \u{1b}]0; escape\nright\u{202e}left\nplain again\n";
        let masked = printable::mask(text).into_owned();
        for offset in 0..text.len() {
            if !text.is_char_boundary(offset) {
                continue;
            }
            let span = SourceSpan::new(offset.into(), 1);
            assert_eq!(shown(text, span, 1), whole(&masked, span, 1), "at {offset}");
        }
    }

    #[test]
    fn control_characters_are_masked_in_the_excerpt() {
        let source = ShownSource::new("p\u{1b}.lq", "rule a: when x == \"\u{1b}]0;\" then tier A");
        let c = source
            .read_span(&SourceSpan::new(0.into(), 4), 0, 0)
            .expect("in bounds");
        let data = String::from_utf8_lossy(c.data()).into_owned();
        assert!(!data.contains('\u{1b}'), "{data:?}");
        assert_eq!(c.name(), Some("p\\u{1b}.lq"));
    }
}
