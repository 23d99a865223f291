//! The formatter: one canonical layout for a policy, keeping every comment.
//!
//! The layout: declarations in their order, a blank line where the source
//! had one (never two); two-space indentation inside blocks; schema fields
//! in aligned columns; consecutive `let`s aligned at `=`, named rules at
//! `when`, disqualifiers at `because`, score entries at their points; one
//! spelling per operator (`=`, `is present`); lines over [`MAX_WIDTH`]
//! broken before `and`/`or`, and a long list filled to the width under its
//! first item; records and enums keep the line breaks the
//! author chose between fields; a trailing comment keeps its distance from
//! the code. Formatting is idempotent and never changes what a policy
//! evaluates to: the `line N` of unnamed rules and disqualifiers moves with
//! them, and tests that name them are rewritten to match.

mod comments;
mod expr;
mod fill;
mod items;

use std::collections::HashMap;

use crate::syntax::{parse, ParseError};

pub use expr::ExprPrinter;

/// Lines longer than this are broken before `and` / `or` where possible.
pub const MAX_WIDTH: usize = 120;

/// A text literal for `text`: quotes, backslashes, line breaks and tabs
/// escaped, so any text reads back as itself.
pub fn quote_text(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
        .replace('\t', "\\t");
    format!("\"{escaped}\"")
}

/// A formatted policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Formatted {
    /// The canonical text.
    pub text: String,
    /// For each unnamed rule or disqualifier: its line before → after.
    pub line_map: HashMap<usize, usize>,
}

/// Formats a policy's text; a policy that does not parse is refused.
pub fn format(text: &str) -> Result<Formatted, Vec<ParseError>> {
    let ast = parse(text)?;
    // The first pass finds where unnamed rules land; the second rewrites
    // the tests that name them by line.
    let first = items::Printer::new(text, HashMap::new()).policy(&ast);
    let mut text_out = items::Printer::new(text, first.line_map.clone())
        .policy(&ast)
        .text;
    // A byte-order mark some editors write stays, so `fmt --check` accepts
    // the file they save.
    if text.starts_with('\u{feff}') && !text_out.starts_with('\u{feff}') {
        text_out.insert(0, '\u{feff}');
    }
    Ok(Formatted {
        text: text_out,
        line_map: first.line_map,
    })
}
