//! Comments, found in the source text and handed out to the printer as it
//! reaches them, so that the formatter never drops one.

/// A `#` comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Where it starts (the `#`).
    pub start: usize,
    /// Its text, from `#` to the end of the line (trailing spaces removed).
    pub text: String,
    /// Whether it stands alone on its line.
    pub own_line: bool,
    /// The spaces between the code before it and the `#` (trailing comments).
    pub gap: usize,
    /// Whether a blank line comes before it (own-line comments).
    pub blank_before: bool,
}

/// Every comment of `text`, in order. Quoted text is skipped.
pub fn find_comments(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'#' => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
                let before = &text[line_start..i];
                let own_line = before.trim().is_empty();
                out.push(Comment {
                    start: i,
                    text: text[i..end].trim_end().to_string(),
                    own_line,
                    gap: before.len() - before.trim_end().len(),
                    blank_before: own_line && blank_line_before(text, line_start),
                });
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

/// Whether the line before the one starting at `line_start` is blank.
pub fn blank_line_before(text: &str, line_start: usize) -> bool {
    if line_start == 0 {
        return false;
    }
    let before = &text[..line_start - 1];
    let prev_start = before.rfind('\n').map_or(0, |n| n + 1);
    before[prev_start..].trim().is_empty() && prev_start > 0
}

/// The comments not yet printed, handed out in source order.
pub struct Comments {
    comments: Vec<Comment>,
    next: usize,
}

impl Comments {
    /// All comments of a source.
    pub fn new(text: &str) -> Self {
        Comments {
            comments: find_comments(text),
            next: 0,
        }
    }

    /// The comments that start before `offset` and are not yet printed.
    pub fn before(&mut self, offset: usize) -> Vec<Comment> {
        let start = self.next;
        while self.next < self.comments.len() && self.comments[self.next].start < offset {
            self.next += 1;
        }
        self.comments[start..self.next].to_vec()
    }

    /// The comment at the end of the source line holding `offset`, if not
    /// yet printed.
    pub fn trailing(&mut self, text: &str, offset: usize) -> Option<Comment> {
        let offset = offset.min(text.len());
        let line_end = text[offset..].find('\n').map_or(text.len(), |n| offset + n);
        self.before(line_end).into_iter().last()
    }
}
