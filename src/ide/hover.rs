//! Hover: what the name or keyword under the cursor is, in Markdown — a
//! field's type, source column and missing markers; an enum's variants and
//! spellings; a let's definition and type; a score block's bounds and
//! entries; a tier's rank; a keyword's one-line doc.

use super::{Analysis, SymbolKind};
use crate::source::Span;
use crate::syntax::ast::Item;

/// A hover: Markdown, and the span it describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    /// The text, in Markdown.
    pub markdown: String,
    /// The name or keyword described.
    pub span: Span,
}

/// One-line docs of the keywords.
const KEYWORD_DOCS: &[(&str, &str)] = &[
    ("policy", "`policy \"name\"` — the policy's name, shown in reports."),
    ("enum", "`enum Name { A, B (\"spelling\") }` — a closed set of values; data must hold one of them."),
    ("schema", "`schema { field: type [key] [from \"Column\"] }` — the fields of a lead record."),
    ("tiers", "`tiers A > B > C` — the tiers, best first."),
    ("let", "`let name = expr` — a named value or condition."),
    ("disqualify", "`disqualify when cond [because \"reason\"]` — leads that match are disqualified before scoring."),
    ("score", "`score [name] [at least N] [up to M] { +N when cond }` — a score block; `score` alone in an expression is the total."),
    ("rule", "`rule name: when cond then tier T` — a named tier rule; the first rule that matches decides."),
    ("when", "`when cond` — the condition of a rule, disqualifier or score entry."),
    ("then", "`then tier T [, route \"queue\"]` — what a matching rule assigns."),
    ("tier", "`tier T` — a tier declared in `tiers`."),
    ("route", "`route \"queue\"` — where a lead of this rule goes."),
    ("because", "`because \"reason\"` — the reason reported with the outcome."),
    ("otherwise", "`otherwise tier T` — the fallback rule; it must be last."),
    ("per", "`+N per expr` — N points for each unit of a whole number, capped by the block."),
    ("lead", "`lead name { field: value }` — a named example lead for tests and the REPL."),
    ("test", "`test \"name\" { given {…} expect … }` — an executable example."),
    ("given", "`given {…}`, `given lead`, `given lead with {…}` — the lead a test evaluates."),
    ("expect", "`expect tier A`, `expect disqualified`, `expect score >= 30`, `expect rule r`, `expect route \"q\"`, `expect reason \"r\"`."),
    ("and", "`a and b` — true when both are; unknown beats true, false beats unknown."),
    ("or", "`a or b` — true when either is; true beats unknown."),
    ("not", "`not a` — unknown stays unknown."),
    ("in", "`x in [a, b]` — membership; `x not in [...]` for the opposite."),
    ("between", "`x between lo and hi` — inclusive at both ends."),
    ("contains", "`text contains \"s\"`, `tags contains \"webinar\"`."),
    ("starts", "`text starts with \"s\"`."),
    ("ends", "`text ends with \"s\"`."),
    ("matches", "`text matches \"regex\"` — a linear-time regular expression."),
    ("before", "`date before DATE` or `date before 90 days ago`."),
    ("after", "`date after DATE`."),
    ("within", "`date within 30 days` — in the last 30 days."),
    ("is", "`x is missing`, `x is present`."),
    ("missing", "`x is missing` — the value is absent; in the schema, `missing [\"N/A\"]` lists markers read as missing."),
    ("ago", "`90 days ago` — a date relative to the evaluation date."),
    ("key", "`key` — the field that identifies a lead in outputs."),
    ("from", "`from \"Column\"` — the data column a field reads."),
];

impl Analysis {
    /// The hover at byte `offset`.
    pub fn hover(&self, offset: usize) -> Option<Hover> {
        if let Some((_, symbol, span)) = self.symbol_at(offset) {
            let markdown = self.describe(symbol)?;
            return Some(Hover { markdown, span });
        }
        let start = super::word_start(&self.text, offset);
        let end = self.text[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(self.text.len(), |i| start + i);
        let word = &self.text[start..end];
        if self.in_comment_or_text(start) {
            return None;
        }
        let doc = KEYWORD_DOCS.iter().find(|(k, _)| *k == word)?.1;
        Some(Hover {
            markdown: doc.to_string(),
            span: Span::new(start, end),
        })
    }

    /// Whether `at` is inside a comment or quoted text on its line.
    fn in_comment_or_text(&self, at: usize) -> bool {
        let line_start = self.text[..at].rfind('\n').map_or(0, |i| i + 1);
        let (mut quoted, mut escaped) = (false, false);
        for c in self.text[line_start..at].chars() {
            match c {
                _ if escaped => escaped = false,
                '\\' if quoted => escaped = true,
                '"' => quoted = !quoted,
                '#' if !quoted => return true,
                _ => {}
            }
        }
        quoted
    }

    fn code(&self, span: Span) -> String {
        let text = self.slice(span);
        let lines: Vec<&str> = text.lines().collect();
        let shown = if lines.len() > 24 {
            format!("{}\n…", lines[..24].join("\n"))
        } else {
            text.to_string()
        };
        format!("```lq\n{shown}\n```")
    }

    fn describe(&self, symbol: &super::Symbol) -> Option<String> {
        let name = &symbol.name;
        Some(match symbol.kind {
            SymbolKind::Field => {
                let f = self.checked.schema.fields.iter().find(|f| &f.name == name);
                let mut out = self.code(symbol.decl);
                if let Some(f) = f {
                    out.push_str(&format!(
                        "\n\nField `{name}`: `{}`{}, read from column `{}`.",
                        f.ty,
                        if f.optional {
                            ", optional"
                        } else {
                            ", required"
                        },
                        f.column
                    ));
                    let mut markers: Vec<String> = vec!["an empty cell".into()];
                    markers.extend(
                        self.checked
                            .schema
                            .missing
                            .iter()
                            .chain(&f.missing)
                            .map(|m| format!("`{}`", crate::fmt::quote_text(m))),
                    );
                    out.push_str(&format!("\n\nMissing when: {}.", markers.join(", ")));
                }
                out
            }
            SymbolKind::Enum => {
                let mut out = format!("enum `{name}`");
                if let Some(e) = self.checked.enums.iter().find(|e| &e.name == name) {
                    for v in &e.variants {
                        out.push_str(&format!("\n- `{}`", v.name));
                        if !v.spellings.is_empty() {
                            let s: Vec<String> = v
                                .spellings
                                .iter()
                                .map(|s| crate::fmt::quote_text(s))
                                .collect();
                            out.push_str(&format!(" — also {}", s.join(", ")));
                        }
                    }
                }
                out
            }
            SymbolKind::Variant => {
                let owner = symbol.owner.as_deref().unwrap_or("?");
                format!(
                    "variant `{name}` of enum `{owner}`\n\n{}\n\nData matches the name exactly, or a spelling listed with it.",
                    self.code(symbol.decl)
                )
            }
            SymbolKind::Let => {
                let ty = self
                    .checked
                    .lets
                    .iter()
                    .find(|l| &l.name == name)
                    .map(|l| format!("\n\nType: `{}`", l.value.ty))
                    .unwrap_or_default();
                format!("{}{ty}", self.code(symbol.decl))
            }
            SymbolKind::Block => {
                let block = self.ast.items.iter().find_map(|i| match i {
                    Item::Score(b) if b.name.as_ref().is_some_and(|n| &n.node == name) => Some(b),
                    _ => None,
                })?;
                let bounds = match (&block.floor, &block.cap) {
                    (Some(f), Some(c)) => format!("at least {}, up to {}", f.node, c.node),
                    (Some(f), None) => format!("at least {}", f.node),
                    (None, Some(c)) => format!("up to {}", c.node),
                    (None, None) => "unbounded".into(),
                };
                format!(
                    "score block `{name}`: {bounds}, {} {}\n\n{}",
                    block.entries.len(),
                    if block.entries.len() == 1 {
                        "entry"
                    } else {
                        "entries"
                    },
                    self.code(block.span)
                )
            }
            SymbolKind::Tier => {
                let tiers = &self.checked.tiers;
                let rank = tiers.iter().position(|t| t == name).map_or(0, |i| i + 1);
                format!(
                    "tier `{name}`: {} of {} (`tiers {}`)",
                    ordinal(rank),
                    tiers.len(),
                    tiers.join(" > ")
                )
            }
            SymbolKind::Rule | SymbolKind::Lead => {
                format!(
                    "{} `{name}`\n\n{}",
                    symbol.kind.describe(),
                    self.code(symbol.decl)
                )
            }
        })
    }
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}
