//! Rename: every occurrence of a field, enum, variant, let, score block,
//! tier, rule or lead, refusing a new name that is not a name or that
//! another declaration of the same namespace already has. Renaming a field
//! keeps reading the same data column (`from "old"` is added when the
//! field had no `from`); renaming a variant keeps accepting the old
//! spelling in data.

use super::fixes::Edit;
use super::{Analysis, SymbolKind};
use crate::source::Span;
use crate::syntax::ast::Item;

/// Why a rename is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenameError {
    /// No name under the cursor.
    NothingHere,
    /// The new name is not a name (or is a keyword).
    NotAName(String),
    /// Another declaration already has the new name.
    Clash {
        /// The new name.
        name: String,
        /// What already has it.
        kind: &'static str,
    },
}

impl std::fmt::Display for RenameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenameError::NothingHere => f.write_str("there is no field, enum, variant, let, score block, tier, rule or lead here to rename"),
            RenameError::NotAName(n) => write!(f, "`{n}` is not a name: use letters, digits and `_`, starting with a letter, and not a keyword"),
            RenameError::Clash { name, kind } => write!(f, "a {kind} is already called `{name}`"),
        }
    }
}

impl Analysis {
    /// The name under `offset` that can be renamed, and its span.
    pub fn prepare_rename(&self, offset: usize) -> Result<(Span, String), RenameError> {
        let (_, symbol, span) = self.symbol_at(offset).ok_or(RenameError::NothingHere)?;
        Ok((span, symbol.name.clone()))
    }

    /// The edits that rename the name under `offset` to `new_name`.
    pub fn rename(&self, offset: usize, new_name: &str) -> Result<Vec<Edit>, RenameError> {
        let (id, symbol, _) = self.symbol_at(offset).ok_or(RenameError::NothingHere)?;
        if !is_name(new_name, symbol.kind == SymbolKind::Tier) {
            return Err(RenameError::NotAName(new_name.to_string()));
        }
        if new_name == symbol.name {
            return Ok(Vec::new());
        }
        for kind in symbol.kind.namespace() {
            let owner = (*kind == SymbolKind::Variant && symbol.kind == SymbolKind::Variant)
                .then_some(symbol.owner.as_deref())
                .flatten();
            let taken = if *kind == SymbolKind::Variant && symbol.kind != SymbolKind::Variant {
                self.index()
                    .of_kind(SymbolKind::Variant)
                    .any(|v| v.name == new_name)
            } else {
                self.index().find(*kind, owner, new_name).is_some()
            };
            if taken {
                return Err(RenameError::Clash {
                    name: new_name.to_string(),
                    kind: kind.describe(),
                });
            }
        }
        let mut edits: Vec<Edit> = self
            .index()
            .occurrences_of(id)
            .into_iter()
            .map(|span| Edit {
                span,
                text: new_name.to_string(),
            })
            .collect();
        edits.extend(self.keep_data_name(symbol));
        edits.sort_by_key(|e| e.span.start);
        Ok(edits)
    }

    /// The edit that keeps a renamed field or variant reading the same data.
    fn keep_data_name(&self, symbol: &super::Symbol) -> Option<Edit> {
        let old = crate::fmt::quote_text(&symbol.name);
        match symbol.kind {
            SymbolKind::Field => {
                let field = self.ast.items.iter().find_map(|i| match i {
                    Item::Schema(s) => s.fields.iter().find(|f| f.name.span == symbol.def),
                    _ => None,
                })?;
                if field.column.is_some() {
                    return None;
                }
                let at = field.ty.span.end;
                Some(Edit {
                    span: Span::new(at, at),
                    text: format!(" from {old}"),
                })
            }
            SymbolKind::Variant => {
                let variant = self.ast.items.iter().find_map(|i| match i {
                    Item::Enum(e) => e.variants.iter().find(|v| v.name.span == symbol.def),
                    _ => None,
                })?;
                match variant.spellings.last() {
                    Some(last) => Some(Edit {
                        span: Span::new(last.span.end, last.span.end),
                        text: format!(", {old}"),
                    }),
                    None => Some(Edit {
                        span: Span::new(variant.name.span.end, variant.name.span.end),
                        text: format!(" ({old})"),
                    }),
                }
            }
            _ => None,
        }
    }
}

/// Whether `name` is a name lq accepts (a tier may end in `+` or `-`).
fn is_name(name: &str, tier: bool) -> bool {
    let body = if tier {
        name.strip_suffix(['+', '-']).unwrap_or(name)
    } else {
        name
    };
    let mut chars = body.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !crate::syntax::is_reserved(body)
}
