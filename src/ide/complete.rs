//! Completion: what may be written at the cursor, by what the text before
//! it expects — a variant after `role =` or inside `role in [`, a tier after
//! `tier`, a rule after `expect rule`, a lead after `given`, a type after a
//! field's `:` in the schema, a route after `route`, else the names,
//! keywords and functions of an expression.

use super::{word_start, Analysis, SymbolKind};
use crate::check::types::{Type, BUILTIN_TYPES};
use crate::syntax::ast::Item;

/// What a completion inserts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// A schema field.
    Field,
    /// A let.
    Let,
    /// A score block.
    Block,
    /// An enum variant.
    Variant,
    /// A tier.
    Tier,
    /// A named rule.
    Rule,
    /// A named lead.
    Lead,
    /// A type name.
    Type,
    /// A keyword.
    Keyword,
    /// A function.
    Function,
    /// A route (quoted text).
    Route,
}

/// One completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// What is shown and inserted.
    pub label: String,
    /// What it is.
    pub kind: ItemKind,
    /// A short detail: a field's type, a variant's enum.
    pub detail: Option<String>,
}

/// The keywords of expressions and declarations.
pub const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "between",
    "contains",
    "starts with",
    "ends with",
    "matches",
    "before",
    "after",
    "within",
    "is missing",
    "is present",
    "ago",
    "days",
    "weeks",
    "months",
    "years",
    "true",
    "false",
    "when",
    "then",
    "tier",
    "route",
    "because",
    "per",
    "score",
    "let",
    "rule",
    "disqualify",
    "otherwise",
    "tiers",
    "schema",
    "enum",
    "policy",
    "lead",
    "test",
    "given",
    "with",
    "expect",
];

pub use crate::check::FUNCTIONS;

/// The name whose enum type decides what follows `before` (`role =`,
/// `role != `, `role in [VP, `, `role not in [`): the REPL and the
/// language server both offer that enum's variants.
pub fn expected_enum_name(before: &str) -> Option<&str> {
    let mut rest = before.trim_end();
    // Inside a list: skip the items already written.
    if let Some(open) = rest.rfind('[') {
        let items = &rest[open + 1..];
        let in_list = items
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == ',' || c.is_whitespace());
        if in_list {
            rest = rest[..open].trim_end();
        }
    }
    let rest = rest
        .strip_suffix("!=")
        .or_else(|| rest.strip_suffix("=="))
        .or_else(|| rest.strip_suffix('='))
        .or_else(|| {
            rest.strip_suffix(" in")
                .map(|r| r.trim_end().strip_suffix(" not").unwrap_or(r))
        })
        .or_else(|| rest.strip_suffix(':'))?
        .trim_end();
    let name_start = rest
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let name = &rest[name_start..];
    (!name.is_empty()).then_some(name)
}

impl Analysis {
    /// The completions at byte `offset`, and where the word they replace
    /// starts.
    pub fn completions(&self, offset: usize) -> (usize, Vec<Completion>) {
        let start = word_start(&self.text, offset);
        let typed = &self.text[start..super::floor_char(&self.text, offset)];
        let before = self.text[..start].trim_end();
        let mut found = self.candidates(before, start);
        found.retain(|c| c.label.starts_with(typed) || typed.is_empty());
        found.sort_by(|a, b| a.label.cmp(&b.label));
        found.dedup_by(|a, b| a.label == b.label);
        (start, found)
    }

    fn candidates(&self, before: &str, at: usize) -> Vec<Completion> {
        let last_word = before
            .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .next()
            .unwrap_or("");
        let symbols = |kind: SymbolKind, as_kind: ItemKind| -> Vec<Completion> {
            self.index()
                .of_kind(kind)
                .map(|s| Completion {
                    label: s.name.clone(),
                    kind: as_kind,
                    detail: None,
                })
                .collect()
        };
        if before.ends_with("expect rule") {
            let mut rules = symbols(SymbolKind::Rule, ItemKind::Rule);
            rules.push(keyword("otherwise"));
            return rules;
        }
        match last_word {
            "tier" => return symbols(SymbolKind::Tier, ItemKind::Tier),
            "given" => return symbols(SymbolKind::Lead, ItemKind::Lead),
            "route" => return self.routes(),
            _ => {}
        }
        if self.in_schema(at) && before.ends_with(':') {
            return self.types();
        }
        if let Some(name) = expected_enum_name(before) {
            if let Some(variants) = self.variants_for(name) {
                return variants;
            }
        }
        let mut all = Vec::new();
        for f in &self.checked.schema.fields {
            all.push(Completion {
                label: f.name.clone(),
                kind: ItemKind::Field,
                detail: Some(format!("{}{}", f.ty, if f.optional { "?" } else { "" })),
            });
        }
        all.extend(symbols(SymbolKind::Field, ItemKind::Field));
        for l in &self.checked.lets {
            all.push(Completion {
                label: l.name.clone(),
                kind: ItemKind::Let,
                detail: Some(l.value.ty.to_string()),
            });
        }
        all.extend(symbols(SymbolKind::Let, ItemKind::Let));
        all.extend(symbols(SymbolKind::Block, ItemKind::Block));
        all.extend(KEYWORDS.iter().map(|k| keyword(k)));
        all.extend(FUNCTIONS.iter().map(|f| Completion {
            label: f.to_string(),
            kind: ItemKind::Function,
            detail: None,
        }));
        all
    }

    /// The variants of the enum type of field or let `name`.
    fn variants_for(&self, name: &str) -> Option<Vec<Completion>> {
        let enum_name = match self.index().field_enum(name) {
            Some(e) => e.to_string(),
            None => {
                let l = self.checked.lets.iter().find(|l| l.name == name)?;
                match &l.value.ty {
                    Type::Enum(_, e) => e.to_string(),
                    _ => return None,
                }
            }
        };
        let variants = self.index().variants_of(&enum_name);
        Some(
            variants
                .into_iter()
                .map(|v| Completion {
                    label: v.name.clone(),
                    kind: ItemKind::Variant,
                    detail: Some(enum_name.clone()),
                })
                .collect(),
        )
    }

    fn in_schema(&self, at: usize) -> bool {
        let inside = |span: crate::source::Span| span.start < at && at <= span.end;
        self.ast
            .items
            .iter()
            .any(|i| matches!(i, Item::Schema(s) if inside(s.span)))
            || self
                .broken
                .iter()
                .any(|b| b.kind == crate::syntax::split::DeclKind::Schema && inside(b.span))
    }

    fn types(&self) -> Vec<Completion> {
        let mut types: Vec<Completion> = BUILTIN_TYPES
            .iter()
            .map(|t| Completion {
                label: t.to_string(),
                kind: ItemKind::Type,
                detail: None,
            })
            .collect();
        types.push(keyword("list of text"));
        types.extend(self.index().of_kind(SymbolKind::Enum).map(|e| Completion {
            label: e.name.clone(),
            kind: ItemKind::Type,
            detail: Some("enum".into()),
        }));
        types
    }

    /// The routes written elsewhere in the policy, quoted.
    fn routes(&self) -> Vec<Completion> {
        let mut routes: Vec<String> = self
            .ast
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Rule(r) => r.route.as_ref().map(|r| r.node.clone()),
                _ => None,
            })
            .collect();
        routes.sort();
        routes.dedup();
        routes
            .into_iter()
            .map(|r| Completion {
                label: crate::fmt::quote_text(&r),
                kind: ItemKind::Route,
                detail: None,
            })
            .collect()
    }
}

fn keyword(k: &str) -> Completion {
    Completion {
        label: k.to_string(),
        kind: ItemKind::Keyword,
        detail: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_enum_comes_from_the_text_before() {
        assert_eq!(expected_enum_name("when role ="), Some("role"));
        assert_eq!(expected_enum_name("when role in [VP, "), Some("role"));
        assert_eq!(expected_enum_name("when role not in ["), Some("role"));
        assert_eq!(expected_enum_name("{ id: 1, role:"), Some("role"));
        assert_eq!(expected_enum_name("when role"), None);
        assert_eq!(
            expected_enum_name("when role in [VP, \nwhen industry !="),
            Some("industry")
        );
    }
}
