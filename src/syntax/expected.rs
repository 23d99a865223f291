//! Turns pest's error into a [`ParseError`] that says, in words, what was
//! expected at the place and what was found, with help for habits from other
//! languages (`&&`, `||`, `<>`, `IN (...)`, single quotes).

use pest::error::{Error, ErrorVariant, InputLocation};

use super::error::ParseError;
use super::parser::Rule;
use super::rule_names::human_name;
use crate::source::Span;

/// Builds the diagnostic for a pest failure over `text`.
pub fn from_pest(error: &Error<Rule>, text: &str) -> ParseError {
    let mut pos = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let mut expected: Vec<String> = Vec::new();
    if let ErrorVariant::ParsingError { positives, .. } = &error.variant {
        expected.extend(
            positives
                .iter()
                .filter_map(|r| human_name(*r))
                .map(String::from),
        );
    }
    if let Some(attempts) = error.parse_attempts() {
        let tokens: Vec<String> = attempts
            .expected_tokens()
            .iter()
            .filter_map(|t| token_name(&t.to_string()))
            .collect();
        if attempts.max_position > pos && !tokens.is_empty() {
            // A literal such as `:` failed further on than any rule did.
            pos = attempts.max_position;
            expected = tokens;
        } else if attempts.max_position == pos {
            expected.extend(tokens);
        }
    }
    let pos = pos.min(text.len());
    let expected = join_expected(summarise(expected));
    let found = describe_found(text, pos);
    let end = found_end(text, pos);
    // At the end of the file, point just after the last word.
    let at = if text[pos..].trim().is_empty() {
        text.trim_end().len()
    } else {
        pos
    };
    ParseError::Unexpected {
        help: habit_help(text, pos, &expected).or_else(|| general_help(&expected)),
        expected,
        found,
        span: Span::new(at, end.max(at)),
    }
}

const OPERATORS: &[&str] = &[
    "`and`",
    "`or`",
    "`not`",
    "`in`",
    "`between`",
    "`contains`",
    "`starts with`",
    "`ends with`",
    "`matches`",
    "`before`",
    "`after`",
    "`within`",
    "`is`",
    "a comparison",
    "an operator",
    "`+`",
    "`-`",
    "`*`",
    "`/`",
    "`=`",
    "`==`",
    "`!=`",
    "`<`",
    "`<=`",
    "`>`",
    "`>=`",
    "`starts`",
    "`ends`",
    "`not in`",
    "`is missing` or `is present`",
];

const VALUE_STARTS: &[&str] = &[
    "a number",
    "a quoted text",
    "a name",
    "a date",
    "an expression",
    "`(`",
    "`[`",
    "`-`",
    "`not`",
    "`true`",
    "`false`",
    "`true` or `false`",
    "`score`",
    "a duration such as `30 days`",
];

const TIME_UNITS: &[&str] = &[
    "a time unit (`days`, `weeks`, `months`, `years`)",
    "`day`",
    "`days`",
    "`week`",
    "`weeks`",
    "`month`",
    "`months`",
    "`year`",
    "`years`",
];

const DECLARATION_STARTS: &[&str] = &[
    "`policy`",
    "`enum`",
    "`schema`",
    "`tiers`",
    "`let`",
    "`disqualify`",
    "`rule`",
    "`when`",
    "`otherwise`",
    "`lead`",
    "`test`",
    "`score`",
    "a declaration",
];

/// Collapses the many tokens that can start a value into "an expression",
/// and the many operators that can continue one into "an operator".
fn summarise(items: Vec<String>) -> Vec<String> {
    let has = |set: &[&str], i: &String| set.contains(&i.as_str());
    let value_like = [
        "a number",
        "a quoted text",
        "a name",
        "a date",
        "an expression",
    ];
    let mut out = items.clone();
    if items.iter().any(|i| value_like.contains(&i.as_str())) && items.len() > 2 {
        out.retain(|i| !has(VALUE_STARTS, i));
        out.insert(0, "an expression".to_string());
    }
    if out.iter().filter(|i| has(OPERATORS, i)).count() >= 3 {
        out.retain(|i| !has(OPERATORS, i));
        out.insert(0, "an operator".to_string());
    }
    // A keyword token that a longer phrase already names (`as` / `as of`).
    let phrases = out.clone();
    out.retain(|i| {
        let word = i.trim_end_matches('`');
        !phrases
            .iter()
            .any(|p| p != i && p.starts_with(word) && p[word.len()..].starts_with(' '))
    });
    // `A+` / `B-` tier names make `+` and `-` possible after a tier; in a
    // test that is never what was meant.
    if out.iter().any(|i| i == "`expect`") {
        out.retain(|i| i != "`+`" && i != "`-`");
    }
    // A unit can follow any number (`90 days ago`); name it only when
    // nothing else could come.
    if out.len() > 1 {
        out.retain(|i| !TIME_UNITS.contains(&i.as_str()));
    }
    let starts_declaration = |i: &String| DECLARATION_STARTS.contains(&i.as_str());
    if out.iter().any(starts_declaration)
        || (items.len() > 1 && out.iter().any(|i| i == "the end of the file"))
    {
        out.retain(|i| {
            !starts_declaration(i) && i != "the end of the file" && i != "a declaration"
        });
        out.push("a new declaration".to_string());
    }
    out
}

fn token_name(token: &str) -> Option<String> {
    let t = token.trim();
    let piece = ["", "#", "\"", "\\", "$", "_", "BUILTIN_RULE", "\u{feff}"].contains(&t)
        || t.contains("..");
    (!piece && t.len() < 12).then(|| format!("`{t}`"))
}

/// `a`, `a or b`, `a, b or c` — most specific first, at most six.
fn join_expected(mut items: Vec<String>) -> String {
    let mut seen = std::collections::HashSet::new();
    items.retain(|i| seen.insert(i.clone()));
    // Name pieces of larger things only when nothing larger was expected.
    let general = ["a declaration", "an expression", "a name", "a value"];
    items.sort_by_key(|i| general.iter().position(|g| g == i).map_or(0, |p| p + 1));
    if items.len() > 6 {
        items.truncate(5);
        items.push("something else".to_string());
    }
    match items.len() {
        0 => "something else".to_string(),
        1 => items.remove(0),
        n => format!("{} or {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// What stands at `pos`: a word, a symbol, a line break or the end.
pub fn describe_found(text: &str, pos: usize) -> String {
    let rest = &text[pos.min(text.len())..];
    match rest.chars().next() {
        None => "the end of the file".to_string(),
        Some('\n' | '\r') => "the end of the line".to_string(),
        Some(_) => format!("`{}`", &rest[..found_end(text, pos) - pos]),
    }
}

fn found_end(text: &str, pos: usize) -> usize {
    let rest = &text[pos.min(text.len())..];
    let Some(first) = rest.chars().next() else {
        return pos;
    };
    let len = if first.is_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len())
    } else if first == '"' {
        match rest[1..].find(['"', '\n']) {
            Some(i) if rest.as_bytes()[1 + i] == b'"' => i + 2,
            Some(i) => i + 1,
            None => rest.len(),
        }
    } else if first == '\n' || first == '\r' {
        first.len_utf8()
    } else {
        // A symbol: up to two characters of punctuation (`&&`, `<>`).
        rest.char_indices()
            .take(2)
            .take_while(|(_, c)| !(c.is_alphanumeric() || c.is_whitespace() || *c == '"'))
            .last()
            .map_or(first.len_utf8(), |(i, c)| i + c.len_utf8())
    };
    pos + len
}

/// Help for something another language would accept.
fn habit_help(text: &str, pos: usize, expected: &str) -> Option<String> {
    let (before, rest) = text.split_at(pos);
    let line_before = before.rsplit('\n').next().unwrap_or("");
    if before.ends_with('<') && rest.starts_with('>') {
        return Some("lq writes `!=` for \"not equal\"".to_string());
    }
    if line_before.contains("in (") || line_before.contains("in(") {
        return Some("lists use square brackets: `role in [VP, Director]`".to_string());
    }
    if rest.starts_with('"') && !rest[1..].split('\n').next().unwrap_or("").contains('"') {
        return Some("this text is not closed: end it with `\"` on the same line".to_string());
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if expected.contains("a name") && is_reserved(&word) {
        return Some(format!(
            "`{word}` is a keyword and cannot be a name; choose another name"
        ));
    }
    let last_words: Vec<&str> = line_before.split_whitespace().rev().take(2).collect();
    let is_count = |w: &&&str| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit());
    if let Some(n) = last_words.first().filter(is_count) {
        let within = last_words.get(1) == Some(&"within");
        if (within && !word.starts_with("day")) || word == "ago" {
            return Some(format!(
                "a duration needs a unit: `{n} days` (or `weeks`, `months`, `years`)"
            ));
        }
    }
    if before.ends_with(|c: char| c.is_ascii_digit()) && rest.starts_with('%') {
        return Some(
            "lq has no percent sign: compare with the number as the data holds it, \
             e.g. `visits >= 10` or `rate >= 0.1`"
                .to_string(),
        );
    }
    if expected.contains("`+`")
        && expected.contains("`-`")
        && rest.starts_with(|c: char| c.is_ascii_digit())
    {
        return Some(
            "a score entry starts with its sign: `+5 when ...` adds points, `-5 when ...` takes them away"
                .to_string(),
        );
    }
    if word.chars().any(|c| c.is_ascii_uppercase()) && is_reserved(&word.to_lowercase()) {
        return Some(format!(
            "keywords are lower case: write `{}`",
            word.to_lowercase()
        ));
    }
    let help = if rest.starts_with("&&") {
        "lq writes `and` where other languages write `&&`"
    } else if rest.starts_with("||") {
        "lq writes `or` where other languages write `||`"
    } else if rest.starts_with("<>") {
        "lq writes `!=` for \"not equal\""
    } else if rest.starts_with('!') {
        "lq writes `not` for negation, e.g. `not demo_requested`"
    } else if rest.starts_with('\'') {
        "text uses double quotes: \"like this\""
    } else if rest.starts_with('(') {
        "lists use square brackets: `role in [VP, Director]`"
    } else if word == "null" || word == "NULL" {
        "lq has no null: test with `is missing` or `is present`"
    } else if word == "elif" || word == "else" {
        "write the fallback as `otherwise tier T`"
    } else {
        return None;
    };
    Some(help.to_string())
}

fn general_help(expected: &str) -> Option<String> {
    if expected.contains("declaration") {
        Some(
            "a policy is made of declarations: `policy`, `enum`, `schema`, `tiers`, `let`, \
             `disqualify`, `score`, `rule`/`when`, `otherwise`, `lead` and `test`"
                .to_string(),
        )
    } else {
        None
    }
}

/// Whether `word` is a reserved keyword (never a name).
pub fn is_reserved(word: &str) -> bool {
    use pest::Parser as _;
    !word.is_empty()
        && super::parser::LqParser::parse(super::parser::Rule::keyword, word)
            .is_ok_and(|p| p.as_str() == word)
}

#[cfg(test)]
mod tests {
    use super::is_reserved;

    /// The reserved words as the language guide lists them (after
    /// "Keywords are lower case and reserved:"), so the guide and the
    /// grammar cannot drift apart.
    fn keywords() -> Vec<&'static str> {
        let guide = include_str!("../../docs/language.md");
        let list = guide
            .split_once("Keywords are lower case and reserved: `")
            .and_then(|(_, rest)| rest.split_once('`'))
            .map_or("", |(list, _)| list);
        list.split_whitespace().collect()
    }

    /// Every keyword is reserved; a name made by adding a letter to one,
    /// or by dropping its last, is not (unless that is a keyword too).
    #[test]
    fn exactly_the_keywords_are_reserved() {
        let keywords = keywords();
        assert_eq!(keywords.len(), 35, "{keywords:?}");
        for &word in &keywords {
            assert!(is_reserved(word), "{word}");
            for longer in [format!("{word}s"), format!("{word}_x"), format!("x{word}")] {
                assert_eq!(
                    is_reserved(&longer),
                    keywords.contains(&longer.as_str()),
                    "{longer}"
                );
            }
            let shorter = &word[..word.len() - 1];
            assert_eq!(
                is_reserved(shorter),
                keywords.contains(&shorter),
                "{shorter:?}"
            );
        }
        for name in [
            "budget", "role", "o", "t", "wit", "order", "inside", "x", "_and",
        ] {
            assert!(!is_reserved(name), "{name}");
        }
    }
}
