//! Line editing for the REPL: completion of commands, keywords, names and
//! enum variants (by the type the context expects), file paths after
//! `:load`; keyword highlighting; multi-line input while brackets are open
//! or a line ends in `and`/`or`.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

use lq::check::types::Type;

use super::session::COMMANDS;

/// The names the policy offers, refreshed after every input.
#[derive(Default)]
pub struct Names {
    /// Field, let and block names.
    pub names: Vec<String>,
    /// For each enum-typed field or let: its variants.
    pub enum_names: Vec<(String, Vec<String>)>,
    /// Every variant of every enum.
    pub variants: Vec<String>,
}

impl Names {
    /// The names of a policy.
    pub fn of(policy: &lq::Policy) -> Names {
        let c = policy.checked();
        let variants_of = |ty: &Type| match ty {
            Type::Enum(id, _) => c
                .enums
                .get(*id)
                .map(|e| e.variants.iter().map(|v| v.name.clone()).collect()),
            _ => None,
        };
        let mut names: Vec<String> = c.schema.fields.iter().map(|f| f.name.clone()).collect();
        names.extend(c.lets.iter().map(|l| l.name.clone()));
        names.extend(c.block_names().map(String::from));
        let mut enum_names: Vec<(String, Vec<String>)> = c
            .schema
            .fields
            .iter()
            .filter_map(|f| Some((f.name.clone(), variants_of(&f.ty)?)))
            .collect();
        enum_names.extend(
            c.lets
                .iter()
                .filter_map(|l| Some((l.name.clone(), variants_of(&l.value.ty)?))),
        );
        let variants = c
            .enums
            .iter()
            .flat_map(|e| e.variants.iter().map(|v| v.name.clone()))
            .collect();
        Names {
            names,
            enum_names,
            variants,
        }
    }
}

use lq::ide::complete::{expected_enum_name, FUNCTIONS, KEYWORDS};

/// The rustyline helper.
pub struct LqHelper {
    /// The current names, shared with the loop that updates them.
    pub names: Rc<RefCell<Names>>,
    /// Whether to colour keywords.
    pub color: bool,
    files: FilenameCompleter,
}

impl LqHelper {
    /// A helper over shared names.
    pub fn new(names: Rc<RefCell<Names>>, color: bool) -> Self {
        LqHelper {
            names,
            color,
            files: FilenameCompleter::new(),
        }
    }

    /// The candidates for the word ending at `pos`.
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let before = &line[..pos];
        let start = before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .map_or(0, |i| i + 1);
        let word = &before[start..];
        if start == 0 && word.starts_with(':') {
            let commands = COMMANDS
                .iter()
                .map(|(c, _)| c.split_whitespace().next().unwrap_or(c).to_string());
            let mut found: Vec<String> = commands.filter(|c| c.starts_with(word)).collect();
            found.dedup();
            return (0, found);
        }
        let names = self.names.borrow();
        let pool: Vec<String> = match expected_enum(before[..start].trim_end(), &names) {
            Some(variants) => variants,
            None => {
                let mut all: Vec<String> = names.names.clone();
                all.extend(KEYWORDS.iter().map(|k| k.to_string()));
                all.extend(FUNCTIONS.iter().map(|f| format!("{f}(")));
                all.extend(names.variants.iter().cloned());
                all
            }
        };
        let mut found: Vec<String> = pool
            .into_iter()
            .filter(|c| c.starts_with(word) && c != word)
            .collect();
        found.sort();
        found.dedup();
        (start, found)
    }
}

/// The variants expected after `x =`, `x !=`, `x in [` ... where `x` has an
/// enum type.
fn expected_enum(before: &str, names: &Names) -> Option<Vec<String>> {
    let name = expected_enum_name(before)?;
    names
        .enum_names
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

impl Completer for LqHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        for command in [":load ", ":save ", ":lead ", ":l ", ":run "] {
            if line.starts_with(command) && !line[command.len()..].trim_start().starts_with('{') {
                return self.files.complete(line, pos, ctx);
            }
        }
        let (start, found) = self.candidates(line, pos);
        Ok((
            start,
            found
                .into_iter()
                .map(|c| Pair {
                    display: c.clone(),
                    replacement: c,
                })
                .collect(),
        ))
    }
}

impl Hinter for LqHelper {
    type Hint = String;
}

/// Lines longer than this (bytes) are not coloured. The editor redraws
/// the whole line for each character typed when highlighting is on, so a
/// pasted line of 10 KB took 10 s, and 1 MB minutes; past this length
/// each character is only echoed.
const HIGHLIGHT_MAX_BYTES: usize = 2048;

impl Highlighter for LqHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if !self.color || line.len() > HIGHLIGHT_MAX_BYTES {
            return Cow::Borrowed(line);
        }
        Cow::Owned(highlight(line))
    }

    fn highlight_char(&self, line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.color && line.len() <= HIGHLIGHT_MAX_BYTES
    }
}

/// Keywords in bold blue, text in green, comments dim.
pub fn highlight(line: &str) -> String {
    const KEYWORD: &str = "\x1b[1;34m";
    const TEXT: &str = "\x1b[32m";
    const COMMENT: &str = "\x1b[2m";
    const RESET: &str = "\x1b[0m";
    let mut out = String::with_capacity(line.len() * 2);
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '"' {
            let mut end = line.len();
            let mut escaped = false;
            for (j, d) in line[i + 1..].char_indices() {
                if escaped {
                    escaped = false;
                } else if d == '\\' {
                    escaped = true;
                } else if d == '"' {
                    end = i + 1 + j + 1;
                    break;
                }
            }
            out.push_str(TEXT);
            out.push_str(&line[i..end]);
            out.push_str(RESET);
            while chars.peek().is_some_and(|(k, _)| *k < end) {
                chars.next();
            }
        } else if c == '#' {
            out.push_str(COMMENT);
            out.push_str(&line[i..]);
            out.push_str(RESET);
            break;
        } else if c.is_ascii_alphabetic() {
            let end = line[i..]
                .find(|d: char| !(d.is_alphanumeric() || d == '_'))
                .map_or(line.len(), |n| i + n);
            let word = &line[i..end];
            if is_keyword(word) {
                out.push_str(KEYWORD);
                out.push_str(word);
                out.push_str(RESET);
            } else {
                out.push_str(word);
            }
            while chars.peek().is_some_and(|(k, _)| *k < end) {
                chars.next();
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn is_keyword(word: &str) -> bool {
    KEYWORDS
        .iter()
        .any(|k| k.split_whitespace().next() == Some(word))
}

impl Validator for LqHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(if is_incomplete(ctx.input()) {
            ValidationResult::Incomplete
        } else {
            ValidationResult::Valid(None)
        })
    }
}

impl Helper for LqHelper {}

/// Whether an input goes on: a bracket is still open, or the last line
/// ends in `and`, `or`, `not` or a comma.
pub fn is_incomplete(input: &str) -> bool {
    // `:set FIELD VALUE` is one line: an open bracket there is a mistake to
    // report, not the start of a longer input.
    if input.trim_start().starts_with(":set") {
        return false;
    }
    let mut depth: i64 = 0;
    let mut in_text = false;
    let mut escaped = false;
    for line in input.lines() {
        for c in line.chars() {
            match c {
                _ if escaped => escaped = false,
                '\\' if in_text => escaped = true,
                '"' => in_text = !in_text,
                '#' if !in_text => break,
                '(' | '[' | '{' if !in_text => depth += 1,
                ')' | ']' | '}' if !in_text => depth -= 1,
                _ => {}
            }
        }
        in_text = false;
    }
    if depth > 0 {
        return true;
    }
    let last = input.trim_end();
    let last_word = last
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("");
    matches!(last_word, "and" | "or" | "not") || last.ends_with(',')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_brackets_and_trailing_operators_continue() {
        assert!(is_incomplete("role in [VP,"));
        assert!(is_incomplete("budget > 10k and"));
        assert!(is_incomplete(":lead { id: 1,"));
        assert!(!is_incomplete("role in [VP, Director]"));
        assert!(!is_incomplete("email = \"(\""));
        assert!(!is_incomplete("x # (a comment"));
    }

    #[test]
    fn completes_variants_by_expected_type() {
        let names = Names {
            names: vec!["role".into(), "budget".into()],
            enum_names: vec![(
                "role".into(),
                vec!["VP".into(), "Director".into(), "Other".into()],
            )],
            variants: vec![
                "VP".into(),
                "Director".into(),
                "Other".into(),
                "Google".into(),
            ],
        };
        let helper = LqHelper::new(Rc::new(RefCell::new(names)), false);
        assert_eq!(
            helper.candidates("role = D", 8),
            (7, vec!["Director".to_string()])
        );
        assert_eq!(
            helper.candidates("role in [VP, O", 14),
            (13, vec!["Other".to_string()])
        );
        assert_eq!(helper.candidates("bud", 3), (0, vec!["budget".to_string()]));
        assert_eq!(
            helper.candidates(":ex", 3),
            (0, vec![":explain".to_string()])
        );
    }
}
