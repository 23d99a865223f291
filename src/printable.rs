//! Text from data or a policy made safe to show: a terminal obeys escape
//! sequences (ESC, OSC) in what it prints, a line break in a cell forges a
//! row, and bidirectional controls reorder what a reader sees. Everything
//! lq prints that came from a file goes through one of these.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not reach a terminal as itself: a control character
/// (C0, DEL, C1), a bidirectional control or a zero-width character.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || invisible_name(c).is_some()
}

/// `s` with every unsafe character, line breaks and tabs included, written
/// as `\u{1b}`: for a value on one line (a table cell, a name).
pub fn escape(s: &str) -> Cow<'_, str> {
    if plain_ascii(s, false) {
        return Cow::Borrowed(s);
    }
    escape_where(s, is_unsafe)
}

/// [`escape`], but line breaks and tabs kept: for messages that span lines.
pub fn escape_keep_lines(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| !matches!(c, '\n' | '\t') && is_unsafe(c))
}

/// Whether every byte of `s` is printable ASCII, or a line break or tab
/// when `lines` allows them: the common case, settled a byte at a time
/// (a loop the compiler vectorises) before any character is decoded.
fn plain_ascii(s: &str, lines: bool) -> bool {
    let plain = |b: u8| (0x20..0x7f).contains(&b) || (lines && matches!(b, b'\n' | b'\t' | b'\r'));
    s.as_bytes()
        .chunks(64)
        .all(|chunk| chunk.iter().fold(true, |all, b| all & plain(*b)))
}

fn escape_where(s: &str, unsafe_char: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` with every unsafe character but line breaks and tabs replaced by a
/// visible one of the same length in bytes (`?`, `¿` or `\u{fffd}`), so
/// byte offsets into it (diagnostic spans) stay right.
pub fn mask(s: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| !matches!(c, '\n' | '\t' | '\r') && is_unsafe(c);
    if plain_ascii(s, true) || !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if unsafe_char(c) {
            out.push(match c.len_utf8() {
                1 => '?',
                2 => '\u{bf}',
                _ => '\u{fffd}',
            });
            // A four-byte unsafe character does not exist today; pad anyway.
            for _ in 3..c.len_utf8() {
                out.push('?');
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The name of an invisible character that changes how text reads.
pub fn invisible_name(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{202a}' => "left-to-right embedding",
        '\u{202b}' => "right-to-left embedding",
        '\u{202c}' => "pop directional formatting",
        '\u{202d}' => "left-to-right override",
        '\u{202e}' => "right-to-left override",
        '\u{2066}' => "left-to-right isolate",
        '\u{2067}' => "right-to-left isolate",
        '\u{2068}' => "first strong isolate",
        '\u{2069}' => "pop directional isolate",
        '\u{200e}' => "left-to-right mark",
        '\u{200f}' => "right-to-left mark",
        '\u{061c}' => "Arabic letter mark",
        '\u{200b}' => "zero-width space",
        '\u{200c}' => "zero-width non-joiner",
        '\u{200d}' => "zero-width joiner",
        '\u{2060}' => "word joiner",
        '\u{feff}' => "zero-width no-break space",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_invisibles() {
        assert_eq!(escape("plain é"), "plain é");
        assert_eq!(escape("a\u{1b}]0;x\u{7}b"), "a\\u{1b}]0;x\\u{7}b");
        assert_eq!(escape("one\ntwo"), "one\\u{a}two");
        assert_eq!(escape("\u{202e}x\u{9b}"), "\\u{202e}x\\u{9b}");
        assert_eq!(escape_keep_lines("one\n\u{1b}two"), "one\n\\u{1b}two");
    }

    #[test]
    fn masking_keeps_byte_offsets() {
        let s = "a\u{1b}b\u{9b}c\u{202e}d\ne";
        let masked = mask(s);
        assert_eq!(masked.len(), s.len());
        assert_eq!(masked, "a?b\u{bf}c\u{fffd}d\ne");
        for (i, _) in s.char_indices() {
            assert!(masked.is_char_boundary(i));
        }
    }
}
