//! Checking around syntax errors: which check errors a declaration that
//! failed to parse could explain, so that one mistake is reported once.
//!
//! A broken `let executive = ...` leaves every use of `executive` unknown;
//! a broken `schema` leaves its fields unknown; a broken `enum` leaves its
//! type and variants unknown. Those follow from the syntax error already
//! reported, so they are left out; a name that no broken declaration
//! mentions is still reported.

use super::CheckError;
use crate::syntax::split::{Broken, DeclKind};

/// Whether a declaration in `broken` may be the cause of `error`.
pub fn explained(error: &CheckError, broken: &[Broken]) -> bool {
    let declares = |kinds: &[DeclKind], name: &str| {
        broken
            .iter()
            .any(|b| (kinds.contains(&b.kind) || b.kind == DeclKind::Unknown) && b.declares(name))
    };
    let any = |kind: DeclKind| {
        broken
            .iter()
            .any(|b| b.kind == kind || b.kind == DeclKind::Unknown)
    };
    use DeclKind::*;
    match error {
        CheckError::UnknownName { name, .. } => declares(&[Schema, Enum, Let, Score], name),
        CheckError::UnknownVariant { enum_name, .. } => declares(&[Enum], enum_name),
        CheckError::UnknownField { name, .. } => declares(&[Schema], name),
        CheckError::UnknownType { name, .. } => declares(&[Enum], name),
        CheckError::UnknownTier { name, .. } => declares(&[Tiers], name),
        CheckError::UnknownReference { kind, name, .. } => match *kind {
            "rule" => declares(&[Rule], name),
            "lead" => declares(&[Lead], name),
            _ => declares(&[Score], name),
        },
        // A fragment with a syntax error need not be a whole policy.
        CheckError::NoSchema { .. } => true,
        // Which rule is last, or whether leads fall through, cannot be
        // known while a rule is broken.
        CheckError::OtherwiseNotLast { .. } => any(Rule) || any(Otherwise),
        _ => false,
    }
}
