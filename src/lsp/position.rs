//! Byte offsets ↔ protocol positions. The protocol counts characters in
//! UTF-16 code units unless the client offers UTF-8; a position past the
//! end of a line or of the text is clamped, never an error, so a request
//! made on a stale version still gets an answer.

use lsp_types::{Position, Range};

use crate::source::Span;

/// Where each line of a text starts, and how columns are counted.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
    utf8: bool,
}

impl LineIndex {
    /// The index of `text`; columns in UTF-8 bytes when `utf8`, else in
    /// UTF-16 code units.
    pub fn new(text: &str, utf8: bool) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts, utf8 }
    }

    /// The position of byte `offset`.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = crate::ide::floor_char(text, offset);
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts[line];
        let before = &text[start..offset];
        let column = if self.utf8 {
            before.len()
        } else {
            before.encode_utf16().count()
        };
        Position::new(line as u32, column as u32)
    }

    /// The byte offset of `position`, clamped into the text.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let line = position.line as usize;
        let Some(&start) = self.starts.get(line) else {
            return text.len();
        };
        let end = self.starts.get(line + 1).map_or(text.len(), |&e| e);
        let line_text = text[start..end].trim_end_matches(['\n', '\r']);
        let want = position.character as usize;
        if self.utf8 {
            return start + crate::ide::floor_char(line_text, want);
        }
        let mut units = 0;
        for (i, c) in line_text.char_indices() {
            if units >= want {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + line_text.len()
    }

    /// The range of a span.
    pub fn range(&self, text: &str, span: Span) -> Range {
        Range::new(
            self.position(text, span.start),
            self.position(text, span.end),
        )
    }

    /// The span of a range.
    pub fn span(&self, text: &str, range: Range) -> Span {
        let start = self.offset(text, range.start);
        Span::new(start, self.offset(text, range.end).max(start))
    }

    /// A token's start line and column, and its length, in the index's
    /// units (for semantic tokens, which never span lines).
    pub fn token(&self, text: &str, span: Span) -> (u32, u32, u32) {
        let start = self.position(text, span.start);
        let piece = text.get(span.start..span.end).unwrap_or("");
        let length = if self.utf8 {
            piece.len()
        } else {
            piece.encode_utf16().count()
        };
        (start.line, start.character, length as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_utf16_units_or_bytes() {
        let text = "let é = 1\n# 😀 x\n";
        let utf16 = LineIndex::new(text, false);
        let utf8 = LineIndex::new(text, true);
        let x = text.find('x').expect("there");
        assert_eq!(utf16.position(text, x), Position::new(1, 5));
        assert_eq!(utf8.position(text, x), Position::new(1, 7));
        assert_eq!(utf16.offset(text, Position::new(1, 5)), x);
        assert_eq!(utf8.offset(text, Position::new(1, 7)), x);
        // Past the end of a line or the text: clamped.
        assert_eq!(utf16.offset(text, Position::new(0, 99)), 10);
        assert_eq!(utf16.offset(text, Position::new(99, 0)), text.len());
        // Inside a character: moved to its start.
        assert_eq!(utf8.offset(text, Position::new(0, 5)), 4);
    }
}
