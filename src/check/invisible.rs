//! Warnings for characters that change how a policy's text is displayed
//! without showing themselves: bidirectional controls, which can make code
//! read in one order and run in another ("Trojan Source"), and zero-width
//! characters, which make two names that look alike differ. A reviewer
//! cannot see them, so `lq check` points at each, as rustc does.

use super::error::CheckError;
use crate::printable::invisible_name;
use crate::source::Span;

/// At most this many are reported: one is enough to make a review stop.
const MAX_REPORTED: usize = 100;

/// One warning per line that holds such a character (its first), at most
/// `MAX_REPORTED`. A byte-order mark at the very start is allowed.
pub fn invisible_characters(text: &str) -> Vec<CheckError> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut at = 0;
    // Every such character is outside ASCII: the scan skips from one
    // non-ASCII byte to the next (a policy is mostly ASCII, and is scanned
    // again after every keystroke in an editor).
    while let Some(skip) = bytes[at..].iter().position(|b| !b.is_ascii()) {
        let i = at + skip;
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        at = i + c.len_utf8();
        if i == 0 && c == '\u{feff}' {
            continue;
        }
        if let Some(name) = invisible_name(c) {
            out.push(CheckError::InvisibleCharacter {
                name,
                code: c as u32,
                span: Span::new(i, i + c.len_utf8()),
            });
            if out.len() == MAX_REPORTED {
                break;
            }
            // One per line: on to the next.
            match bytes[at..].iter().position(|&b| b == b'\n') {
                Some(newline) => at += newline + 1,
                None => break,
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_line_with_a_hidden_character_is_reported_once() {
        let text = "\u{feff}a\u{202e}b\u{2066}\nplain\nx\u{200b}y\n";
        let found = invisible_characters(text);
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|d| d.is_warning()));
    }

    /// The scan that skips ASCII finds what a walk over every character
    /// finds: each line's first hidden character, a leading byte-order
    /// mark allowed, among other non-ASCII text.
    #[test]
    fn skipping_ascii_finds_what_every_character_shows() {
        let text = "\u{feff}é\u{200b}x\u{202e}\nnaïve\n\u{feff}\nπ\u{2066}😀\u{200d}\n\u{200b}";
        let mut expected = Vec::new();
        let mut line_reported = false;
        for (i, c) in text.char_indices() {
            if c == '\n' {
                line_reported = false;
            } else if !line_reported && (i, c) != (0, '\u{feff}') && invisible_name(c).is_some() {
                expected.push(Span::new(i, i + c.len_utf8()));
                line_reported = true;
            }
        }
        let found: Vec<Span> = invisible_characters(text)
            .iter()
            .map(CheckError::primary_span)
            .collect();
        assert_eq!(found, expected);
        assert_eq!(found.len(), 4);
    }
}
