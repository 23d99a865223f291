//! A guard run before the grammar: nesting deeper than any real policy
//! needs (brackets, or `not` after `not`) is refused with a diagnostic,
//! so that no input can exhaust the stack of the parser, checker or
//! evaluator.

use super::error::ParseError;
use crate::source::Span;

/// The deepest nesting accepted.
pub const MAX_DEPTH: usize = 200;

/// Reports the first place where nesting exceeds [`MAX_DEPTH`].
pub fn check_depth(text: &str) -> Result<(), ParseError> {
    let bytes = text.as_bytes();
    let (mut depth, mut nots, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                nots = if &bytes[start..i] == b"not" {
                    nots + 1
                } else {
                    0
                };
                if nots > MAX_DEPTH {
                    return Err(ParseError::TooDeep {
                        limit: MAX_DEPTH,
                        span: Span::new(start, i),
                    });
                }
                continue;
            }
            _ => {}
        }
        if depth > MAX_DEPTH {
            return Err(ParseError::TooDeep {
                limit: MAX_DEPTH,
                span: Span::new(i, i + 1),
            });
        }
        i += 1;
    }
    Ok(())
}
