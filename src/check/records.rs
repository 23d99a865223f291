//! Checking `lead` and `test` declarations: record values against the
//! schema, and each expectation against the tiers, rules and blocks.

use std::collections::HashMap;

use super::error::CheckError;
use super::tir::{Expect, LeadDef, TestDef};
use super::types::Type;
use super::Checker;
use crate::diagnostic::did_you_mean;
use crate::source::Span;
use crate::syntax::ast::{self, Expectation, Item, Number, RecordLit, ValueLit};
use crate::value::Datum;

impl Checker<'_> {
    /// Checks every lead, then every test.
    pub(super) fn records(&mut self) {
        for item in &self.ast.items {
            if let Item::Lead(l) = item {
                let values = self.record(&l.record);
                self.out.leads.push(LeadDef {
                    name: l.name.node.clone(),
                    values,
                });
            }
        }
        for item in &self.ast.items {
            if let Item::Test(t) = item {
                let test = self.test(t);
                self.out.tests.push(test);
            }
        }
    }

    /// A record's values by slot; reports unknown fields and wrong values.
    pub(super) fn record(&mut self, rec: &RecordLit) -> Vec<Option<Datum>> {
        let mut values = vec![None; self.out.schema.fields.len()];
        let mut given: HashMap<&str, Span> = HashMap::new();
        for (name, value) in &rec.fields {
            if let Some(first) = given.insert(&name.node, name.span) {
                self.error(CheckError::RecordDuplicate {
                    name: name.node.clone(),
                    span: name.span,
                    first,
                });
                continue;
            }
            let Some(&slot) = self.field_index.get(&name.node) else {
                let fields: Vec<String> = self
                    .out
                    .schema
                    .fields
                    .iter()
                    .map(|f| f.name.clone())
                    .collect();
                let suggestion = did_you_mean(&name.node, fields.iter().map(String::as_str));
                self.error(CheckError::UnknownField {
                    name: name.node.clone(),
                    fields,
                    suggestion,
                    span: name.span,
                });
                continue;
            };
            // A value that does not convert is reported once, not also as left out.
            values[slot] = Some(
                self.field_value(slot, &value.node, value.span)
                    .unwrap_or(Datum::Missing),
            );
        }
        values
    }

    /// Converts a written value to the field's type, or reports why not.
    fn field_value(&mut self, slot: usize, value: &ValueLit, span: Span) -> Option<Datum> {
        let field = &self.out.schema.fields[slot];
        let (name, ty, optional) = (field.name.clone(), field.ty.clone(), field.optional);
        let converted = match (&ty, value) {
            (Type::Error, _) => return None,
            (_, ValueLit::Missing) if optional => Some(Datum::Missing),
            (Type::Int, ValueLit::Number(Number::Int(i))) => Some(Datum::Int(*i)),
            (Type::Number | Type::Money, ValueLit::Number(Number::Int(i))) => {
                Some(Datum::Num(*i as f64))
            }
            (Type::Number | Type::Money, ValueLit::Number(Number::Real(r))) => Some(Datum::Num(*r)),
            (Type::Text, ValueLit::Text(t)) => Some(Datum::Text(t.clone())),
            (Type::Bool, ValueLit::Bool(b)) => Some(Datum::Bool(*b)),
            (Type::Date, ValueLit::Date(d)) => Some(Datum::Date(*d)),
            (Type::List, ValueLit::List(items)) => Some(Datum::List(items.clone())),
            (Type::Enum(id, enum_name), ValueLit::Name(v)) => {
                let def = &self.out.enums[*id];
                match def.variants.iter().position(|x| x.name == *v) {
                    Some(i) => {
                        return Some(Datum::Enum(i as u32));
                    }
                    None => {
                        let variants: Vec<String> =
                            def.variants.iter().map(|x| x.name.clone()).collect();
                        let suggestion = did_you_mean(v, variants.iter().map(String::as_str));
                        let enum_name = enum_name.clone();
                        self.error(CheckError::UnknownVariant {
                            name: v.clone(),
                            enum_name,
                            variants,
                            suggestion,
                            span,
                        });
                        return None;
                    }
                }
            }
            _ => None,
        };
        if converted.is_none() {
            let help = value_help(&ty, value, optional);
            let found = describe(value);
            self.error(CheckError::RecordType {
                field: name,
                expected: ty.to_string(),
                found,
                span,
                help,
            });
        }
        converted
    }

    fn test(&mut self, t: &ast::TestDecl) -> TestDef {
        let mut values = vec![None; self.out.schema.fields.len()];
        let mut complete = true;
        if let Some(base) = &t.given.base {
            match self.lead_index.get(&base.node) {
                Some(&i) => match self.out.leads.get(i) {
                    Some(lead) => values = lead.values.clone(),
                    None => complete = false,
                },
                None => {
                    complete = false;
                    let known: Vec<String> =
                        self.out.leads.iter().map(|l| l.name.clone()).collect();
                    let suggestion = did_you_mean(&base.node, known.iter().map(String::as_str));
                    let name = base.node.clone();
                    let span = base.span;
                    self.error(CheckError::UnknownReference {
                        kind: "lead",
                        plural: "leads",
                        name,
                        known,
                        suggestion,
                        span,
                    });
                }
            }
        }
        if let Some(rec) = &t.given.record {
            let own = self.record(rec);
            for (slot, v) in own.into_iter().enumerate() {
                if v.is_some() {
                    values[slot] = v;
                }
            }
        }
        let given_span = t.given.record.as_ref().map_or(t.name.span, |r| r.span);
        let mut absent = Vec::new();
        let record: Vec<Datum> = values
            .into_iter()
            .enumerate()
            .map(|(slot, v)| match v {
                Some(d) => d,
                None => {
                    let f = &self.out.schema.fields[slot];
                    if !f.optional && f.ty != Type::Error {
                        absent.push(f.name.clone());
                    }
                    Datum::Missing
                }
            })
            .collect();
        if complete && !absent.is_empty() && !self.has_record_errors_in(given_span) {
            self.error(CheckError::RecordMissing {
                fields: absent,
                span: given_span,
            });
        }
        let expects = t
            .expects
            .iter()
            .filter_map(|e| self.expectation(e))
            .collect();
        TestDef {
            name: t.name.node.clone(),
            as_of: t.as_of.as_ref().map(|d| d.node),
            record,
            expects,
            span: t.span,
        }
    }

    /// Whether an error was already reported inside `span` (so that a
    /// misspelt field is not also reported as a left-out one).
    fn has_record_errors_in(&self, span: Span) -> bool {
        self.diags.iter().any(|d| {
            matches!(d, CheckError::UnknownField { span: s, .. } if s.start >= span.start && s.end <= span.end)
        })
    }

    fn expectation(
        &mut self,
        e: &crate::source::Spanned<Expectation>,
    ) -> Option<crate::source::Spanned<Expect>> {
        let exp = match &e.node {
            Expectation::Tier(t) => match self.out.tiers.iter().position(|x| *x == t.node) {
                Some(i) => Expect::Tier(i),
                None => {
                    let tiers = self.out.tiers.clone();
                    let suggestion = did_you_mean(&t.node, tiers.iter().map(String::as_str));
                    self.error(CheckError::UnknownTier {
                        name: t.node.clone(),
                        tiers,
                        suggestion,
                        span: t.span,
                    });
                    return None;
                }
            },
            Expectation::Disqualified => Expect::Disqualified,
            Expectation::Unmatched => Expect::Unmatched,
            Expectation::Qualified => Expect::Qualified,
            Expectation::Rule(r) => {
                if !self.out.rules.iter().any(|x| x.label == r.node) {
                    let known: Vec<String> =
                        self.out.rules.iter().map(|x| x.label.clone()).collect();
                    let suggestion = did_you_mean(&r.node, known.iter().map(String::as_str));
                    let (name, span) = (r.node.clone(), r.span);
                    self.error(CheckError::UnknownReference {
                        kind: "rule",
                        plural: "rules",
                        name,
                        known,
                        suggestion,
                        span,
                    });
                    return None;
                }
                Expect::Rule(r.node.clone())
            }
            Expectation::Route(q) => Expect::Route(q.clone()),
            Expectation::Reason(q) => Expect::Reason(q.clone()),
            Expectation::Score { block, op, value } => {
                let (index, label) = match block {
                    None => (None, "score".to_string()),
                    Some(b) => match self.block_index.get(&b.node) {
                        Some(&i) => (Some(i), b.node.clone()),
                        None => {
                            let known: Vec<String> =
                                self.out.block_names().map(String::from).collect();
                            let known = if known.is_empty() {
                                self.ast_block_names()
                            } else {
                                known
                            };
                            let suggestion =
                                did_you_mean(&b.node, known.iter().map(String::as_str));
                            let (name, span) = (b.node.clone(), b.span);
                            self.error(CheckError::UnknownReference {
                                kind: "score block",
                                plural: "score blocks",
                                name,
                                known,
                                suggestion,
                                span,
                            });
                            return None;
                        }
                    },
                };
                Expect::Score {
                    block: index,
                    label,
                    op: *op,
                    value: value.node,
                }
            }
        };
        Some(crate::source::Spanned::new(exp, e.span))
    }

    fn ast_block_names(&self) -> Vec<String> {
        let mut names: Vec<(usize, String)> = self
            .block_index
            .iter()
            .map(|(n, i)| (*i, n.clone()))
            .collect();
        names.sort();
        names.into_iter().map(|(_, n)| n).collect()
    }
}

fn describe(value: &ValueLit) -> String {
    match value {
        ValueLit::Number(Number::Int(_)) => "a whole number".into(),
        ValueLit::Number(Number::Real(_)) => "a number with a fraction".into(),
        ValueLit::Text(_) => "text".into(),
        ValueLit::Bool(_) => "a boolean".into(),
        ValueLit::Date(_) => "a date".into(),
        ValueLit::List(_) => "a list".into(),
        ValueLit::Missing => "`missing`".into(),
        ValueLit::Name(n) => format!("the bare name `{n}`"),
    }
}

fn value_help(ty: &Type, value: &ValueLit, optional: bool) -> String {
    match (ty, value) {
        (_, ValueLit::Missing) if !optional => {
            "the field is required; mark it optional in the schema (`T?`) to allow `missing`".into()
        }
        (Type::Int, ValueLit::Number(_)) => "an `int` field takes a whole number, e.g. `42`".into(),
        (Type::Text, ValueLit::Name(n)) => format!("text is quoted: \"{n}\""),
        (Type::Enum(_, e), ValueLit::Text(t)) => {
            format!("write the `{e}` variant without quotes, e.g. `{t}`")
        }
        (Type::Int | Type::Number, _) => "write a number, e.g. `42` or `3.5`".into(),
        (Type::Money, _) => "write an amount, e.g. `25k` or `1500`".into(),
        (Type::Text, _) => "write text in double quotes, e.g. \"US\"".into(),
        (Type::Bool, _) => "write `true` or `false`".into(),
        (Type::Date, _) => "write a date as YYYY-MM-DD, e.g. 2026-11-01".into(),
        (Type::List, _) => "write a list of texts, e.g. [\"webinar\", \"pricing\"]".into(),
        (Type::Enum(_, e), _) => format!("write a variant of `{e}`"),
        _ => "write a value of the field's type".into(),
    }
}
