//! Declaration boundaries, found without the grammar: where each top-level
//! declaration of a policy starts. Error recovery resumes parsing at the
//! next boundary after a syntax error, and a declaration that failed to
//! parse is summed up as a [`Broken`] — its kind and the names it was
//! about to declare — so that the checker does not report those names as
//! unknown a second time.
//!
//! The scanner knows only strings, comments, brackets and the words that
//! begin declarations. A word begins a declaration when it is the first on
//! its line outside any bracket, or when it is one of the words that only
//! ever begin declarations (`let`, `rule`, `schema`, ...) written at the
//! very start of a line, which recovers from an unclosed `{` as well.

use crate::source::Span;

/// Words that begin a declaration and nothing else.
const ONLY_DECLARATIONS: &[&str] = &[
    "policy",
    "enum",
    "schema",
    "tiers",
    "let",
    "disqualify",
    "rule",
    "otherwise",
    "lead",
    "test",
];

/// What kind of declaration a stretch of text was meant to be, by its first
/// word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclKind {
    /// `policy "name"`
    Policy,
    /// `enum Name { ... }`
    Enum,
    /// `schema { ... }`
    Schema,
    /// `tiers A > B`
    Tiers,
    /// `let name = ...`
    Let,
    /// `disqualify when ...`
    Disqualify,
    /// `score [name] { ... }`
    Score,
    /// `[rule name:] when ... then tier T`
    Rule,
    /// `otherwise tier T`
    Otherwise,
    /// `lead name { ... }`
    Lead,
    /// `test "name" { ... }`
    Test,
    /// Text that starts with no declaration's word.
    Unknown,
}

impl DeclKind {
    fn of_word(word: &str) -> DeclKind {
        match word {
            "policy" => DeclKind::Policy,
            "enum" => DeclKind::Enum,
            "schema" => DeclKind::Schema,
            "tiers" => DeclKind::Tiers,
            "let" => DeclKind::Let,
            "disqualify" => DeclKind::Disqualify,
            "score" => DeclKind::Score,
            "rule" | "when" => DeclKind::Rule,
            "otherwise" => DeclKind::Otherwise,
            "lead" => DeclKind::Lead,
            "test" => DeclKind::Test,
            _ => DeclKind::Unknown,
        }
    }
}

/// A declaration that failed to parse: where it is, what it was, and the
/// names it may have declared (for a schema, an enum, tiers or unknown
/// text, every name written in it; for a let, a score block, a lead or a
/// named rule, its name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// The text from its first word to the next declaration.
    pub span: Span,
    /// What it was meant to be.
    pub kind: DeclKind,
    /// Names it may have declared.
    pub names: Vec<String>,
}

impl Broken {
    /// Sums up the declaration written at `span` of `text`.
    pub fn new(text: &str, span: Span) -> Broken {
        let words = words(&text[span.start..span.end.min(text.len())]);
        let kind = words
            .first()
            .map_or(DeclKind::Unknown, |w| DeclKind::of_word(w));
        let named = |skip: &[&str]| -> Vec<String> {
            let name = words.iter().skip(1).find(|w| !skip.contains(w));
            name.map(|n| n.to_string()).into_iter().collect()
        };
        let names = match kind {
            DeclKind::Schema | DeclKind::Enum | DeclKind::Tiers | DeclKind::Unknown => {
                words.iter().map(|w| w.to_string()).collect()
            }
            DeclKind::Let | DeclKind::Lead => named(&[]),
            DeclKind::Score if !matches!(words.get(1), Some(&("at" | "up"))) => named(&[]),
            DeclKind::Rule if words.first() == Some(&"rule") => named(&[]),
            _ => Vec::new(),
        };
        Broken { span, kind, names }
    }

    /// Whether this declaration may have declared `name`.
    pub fn declares(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }
}

/// The words (names and keywords) of `text`, outside strings and comments,
/// in order.
fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut scan = Scanner::new(text);
    while let Some(token) = scan.next_token() {
        if let Token::Word(start, end) = token {
            out.push(&text[start..end]);
        }
    }
    out
}

/// Where each declaration of `text` starts, by byte offset, in order.
pub fn boundaries(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut scan = Scanner::new(text);
    let mut depth = 0usize;
    // The previous token, to tell `rule r:` + `when` on the next line (one
    // declaration) from a new unnamed rule.
    let mut previous: Option<Token> = None;
    // And the one before it, to tell a score entry's points (`+1`).
    let mut before: Option<Token> = None;
    while let Some(token) = scan.next_token() {
        match token {
            Token::Open => depth += 1,
            Token::Close => depth = depth.saturating_sub(1),
            Token::Word(start, end) if scan.first_on_line(start) => {
                let word = &text[start..end];
                let column_zero = start == 0 || text.as_bytes()[start - 1] == b'\n';
                let only = ONLY_DECLARATIONS.contains(&word);
                let begins = if depth == 0 {
                    only || match word {
                        "when" => !continues_rule(text, previous),
                        "score" => starts_score_block(text, end),
                        _ => false,
                    }
                } else {
                    // Inside brackets only a line that starts in column 0
                    // ends an unclosed block; a `when` there is a rule unless
                    // it follows a score entry's points.
                    column_zero
                        && (only
                            || word == "when"
                                && !continues_rule(text, previous)
                                && !(previous == Some(Token::Number)
                                    && before == Some(Token::Sign)))
                };
                if begins {
                    depth = 0;
                    out.push(start);
                }
            }
            _ => {}
        }
        before = previous;
        previous = Some(token);
    }
    out
}

/// Whether a `when` after `previous` continues a declaration: `rule r:` or
/// `disqualify` just before it.
fn continues_rule(text: &str, previous: Option<Token>) -> bool {
    match previous {
        Some(Token::Colon) => true,
        Some(Token::Word(s, e)) => &text[s..e] == "disqualify",
        _ => false,
    }
}

/// Whether the `score` ending at `end` begins a score block (`score {`,
/// `score fit {`, `score up to 30 {`) rather than an expression.
fn starts_score_block(text: &str, end: usize) -> bool {
    let mut scan = Scanner::new(text);
    scan.at = end;
    let word = |t: Option<Token>| match t {
        Some(Token::Word(s, e)) => Some(&text[s..e]),
        _ => None,
    };
    match scan.next_token() {
        Some(Token::Open) => true,
        Some(Token::Word(s, e)) if matches!(&text[s..e], "at" | "up") => true,
        Some(Token::Word(..)) => {
            let after = scan.next_token();
            matches!(after, Some(Token::Open)) || matches!(word(after), Some("at" | "up"))
        }
        _ => false,
    }
}

/// A token, as far as finding boundaries needs: byte offsets into the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    /// A name or keyword.
    Word(usize, usize),
    /// `(`, `[` or `{`.
    Open,
    /// `)`, `]` or `}`.
    Close,
    /// `:`
    Colon,
    /// A number.
    Number,
    /// `+` or `-`.
    Sign,
    /// Anything else: a string, a number, an operator.
    Other,
}

/// Walks the text token by token, skipping white space and comments.
struct Scanner<'t> {
    text: &'t [u8],
    at: usize,
}

impl<'t> Scanner<'t> {
    fn new(text: &'t str) -> Self {
        Scanner {
            text: text.as_bytes(),
            at: 0,
        }
    }

    /// Whether only white space stands between the line's start and `at`.
    fn first_on_line(&self, at: usize) -> bool {
        self.text[..at]
            .iter()
            .rev()
            .take_while(|b| **b != b'\n')
            .all(|b| matches!(b, b' ' | b'\t' | b'\r'))
            || at == 0
    }

    fn next_token(&mut self) -> Option<Token> {
        let text = self.text;
        loop {
            let b = *text.get(self.at)?;
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => self.at += 1,
                b'#' => {
                    while self.at < text.len() && text[self.at] != b'\n' {
                        self.at += 1;
                    }
                }
                _ => break,
            }
        }
        let start = self.at;
        let b = text[start];
        self.at += 1;
        Some(match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                while self
                    .text
                    .get(self.at)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                {
                    self.at += 1;
                }
                Token::Word(start, self.at)
            }
            b'0'..=b'9' => {
                // A number with its suffix (`10k`): never a word.
                while self
                    .text
                    .get(self.at)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.'))
                {
                    self.at += 1;
                }
                Token::Number
            }
            b'"' => {
                // Text runs to its closing quote or the end of the line.
                while let Some(&c) = text.get(self.at) {
                    match c {
                        b'\\' => self.at += 2,
                        b'"' => {
                            self.at += 1;
                            break;
                        }
                        b'\n' => break,
                        _ => self.at += 1,
                    }
                }
                self.at = self.at.min(text.len());
                Token::Other
            }
            b'(' | b'[' | b'{' => Token::Open,
            b')' | b']' | b'}' => Token::Close,
            b':' => Token::Colon,
            b'+' | b'-' => Token::Sign,
            _ => Token::Other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts(text: &str) -> Vec<&str> {
        boundaries(text)
            .into_iter()
            .map(|b| text[b..].split_whitespace().next().unwrap_or(""))
            .collect()
    }

    #[test]
    fn finds_each_declaration() {
        let text = "policy \"p\"\nenum R { A,\n  B }\nschema {\n  id: int key\n  s: int\n}\n\
                    tiers A > B\nlet x = s > 1\n  and s < 9\nscore fit up to 9 {\n  +1 when x\n}\n\
                    score {\n +1 when x\n}\nrule r:\n  when x\n  then tier A\nwhen score >= 1\n  then tier B\n\
                    otherwise tier B\nlead l { s: 1 }\ntest \"t\" {\n  given l\n  expect tier A\n}\n";
        assert_eq!(
            starts(text),
            [
                "policy",
                "enum",
                "schema",
                "tiers",
                "let",
                "score",
                "score",
                "rule",
                "when",
                "otherwise",
                "lead",
                "test"
            ]
        );
    }

    #[test]
    fn a_score_in_an_expression_is_no_boundary() {
        let text = "when fit > 1 and\nscore >= 40 then tier A\ndisqualify\nwhen x\n";
        assert_eq!(starts(text), ["when", "disqualify"]);
    }

    #[test]
    fn strings_and_comments_hide_words() {
        let text = "let a = \"x\nlet b\" # let c\nlet d = 1\n";
        assert_eq!(starts(text), ["let", "let", "let"]);
        let text = "let a = 1 # \nlet b = \"# let c\"\n";
        assert_eq!(starts(text), ["let", "let"]);
    }

    #[test]
    fn an_unclosed_brace_ends_at_the_next_declaration_word_in_column_zero() {
        let text = "schema {\n  id: int key\n  let: x\nlet a = 1\nscore {\n  +1 when a\nrule r: when a then tier A\n";
        assert_eq!(starts(text), ["schema", "let", "score", "rule"]);
        let text = "score {\n  +1 when a\nwhen a then tier A\nscore {\n+1\nwhen a\n}\n";
        assert_eq!(starts(text), ["score", "when", "score"]);
    }

    #[test]
    fn a_broken_declaration_names_what_it_declares() {
        let text = "let executive = role in [CEO &&\nenum Role { CEO VP }\nscore fit { +1 when ) }\nrule big: when\nscore up to 3 {";
        let mut ends = boundaries(text);
        ends.push(text.len());
        let spans: Vec<Span> = ends.windows(2).map(|w| Span::new(w[0], w[1])).collect();
        let names: Vec<Vec<String>> = spans.iter().map(|s| Broken::new(text, *s).names).collect();
        assert_eq!(names[0], ["executive"]);
        assert_eq!(names[1], ["enum", "Role", "CEO", "VP"]);
        assert_eq!(names[2], ["fit"]);
        assert_eq!(names[3], ["big"]);
        assert!(names[4].is_empty());
    }
}
