//! The whole pipeline behind one type: load a policy (parse → check →
//! compile) once, then evaluate any number of records.

use crate::check::recovery::explained;
use crate::check::types::Type;
use crate::check::{check_expr, check_with, tir::CheckedPolicy, CheckError, Checked};
use crate::compile::plan::Node;
use crate::compile::{compile, compile_expr, Compiled};
use crate::eval::interp::{eval, Env};
use crate::eval::{decide, Datum, Decision, Outcome};
use crate::source::Source;
use crate::syntax::{ast, parse_expr, parse_recovering};
use crate::Error;

/// Why a lead given on the command line (`lq explain --lead`) cannot be
/// read.
#[derive(Debug)]
pub enum LeadError {
    /// The lq record literal does not parse or check: the diagnostics and
    /// the text they point into.
    Policy(Vec<Error>, Source),
    /// It parses, but `lq eval` would make such a record an `error`
    /// outcome (a value that does not convert, a required field left out).
    Record(crate::data::RecordError),
}

/// A checked, compiled policy, ready to evaluate records.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Where it came from.
    pub source: Source,
    /// The compiled plan (and the checked declarations it came from).
    pub compiled: Compiled,
    /// The checker's warnings.
    pub warnings: Vec<CheckError>,
    /// The syntax tree, kept for checking expressions against the policy.
    pub ast: ast::Policy,
}

/// An expression checked and compiled against a policy.
#[derive(Clone, Debug)]
pub struct Expression {
    /// The compiled expression.
    pub node: Node,
    /// Its type.
    pub ty: Type,
}

/// The result of loading a policy: its diagnostics, and the policy when
/// there were no errors.
#[derive(Debug)]
pub struct Loaded {
    /// The source.
    pub source: Source,
    /// Errors and warnings in source order.
    pub diagnostics: Vec<Error>,
    /// The policy, if it has no errors.
    pub policy: Option<Policy>,
}

impl Loaded {
    /// The number of errors (not warnings).
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| !d.is_warning()).count()
    }

    /// The policy, or its errors (warnings left out) with the source they
    /// point into.
    pub fn into_result(self) -> Result<Policy, (Vec<Error>, Source)> {
        match self.policy {
            Some(policy) => Ok(policy),
            None => {
                let errors = self
                    .diagnostics
                    .into_iter()
                    .filter(|d| !d.is_warning())
                    .collect();
                Err((errors, self.source))
            }
        }
    }

    /// The number of warnings.
    pub fn warning_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_warning()).count()
    }
}

/// The diagnostics `lq check` reports for a policy's text: its syntax
/// errors, then the check diagnostics of the declarations that parsed
/// (`None` when nothing could be parsed), and invisible characters, in
/// source order. With syntax errors, the check errors a broken declaration
/// explains are left out, and so are warnings: they would be guesses about
/// a policy that is not all there.
pub(crate) fn reported(
    text: &str,
    syntax: Vec<crate::syntax::ParseError>,
    checked: Option<Vec<CheckError>>,
    broken: &[crate::syntax::split::Broken],
) -> Vec<Error> {
    let clean = syntax.is_empty();
    let mut out: Vec<(usize, bool, Error)> = syntax
        .into_iter()
        .map(|e| (e.span().start, false, Error::from(e)))
        .collect();
    if let Some(checked) = checked {
        let kept = checked
            .into_iter()
            .filter(|d| clean || !d.is_warning() && !explained(d, broken));
        // An invisible character may well be why a line does not parse.
        let invisible = crate::check::invisible_characters(text);
        out.extend(
            kept.chain(invisible)
                .map(|d| (d.primary_span().start, d.is_warning(), Error::from(d))),
        );
    }
    out.sort_by_key(|(at, warning, _)| (*at, *warning));
    out.into_iter().map(|(_, _, d)| d).collect()
}

/// Checks a parsed policy: its tree and checked declarations (`None` when
/// nothing could be parsed: the text is over a size limit), and every
/// diagnostic, as [`reported`].
fn checked_parse(
    text: &str,
    parsed: crate::syntax::Parsed,
) -> (Option<(ast::Policy, CheckedPolicy)>, Vec<Error>) {
    let Some(ast) = parsed.policy else {
        return (None, reported(text, parsed.errors, None, &parsed.broken));
    };
    let Checked {
        policy: checked,
        diagnostics,
    } = check_with(&ast, parsed.errors.is_empty());
    let diagnostics = reported(text, parsed.errors, Some(diagnostics), &parsed.broken);
    (Some((ast, checked)), diagnostics)
}

impl Policy {
    /// Parses, checks and compiles a policy, keeping every diagnostic.
    pub fn load(source: Source) -> Loaded {
        let parsed = parse_recovering(&source.text);
        Policy::load_parsed(source, parsed)
    }

    /// [`Policy::load`] of a new version of a policy whose last version
    /// was parsed by the same `reparser` (a REPL session, an editor):
    /// only the declarations whose text changed are parsed again, and the
    /// others are moved from `previous`, the tree of that last version.
    /// Without it, or with another tree, everything is parsed again. The
    /// result is [`Policy::load`]'s.
    pub fn load_again(
        source: Source,
        reparser: &mut crate::syntax::Reparser,
        previous: Option<ast::Policy>,
    ) -> Loaded {
        let parsed = reparser.parse(&source.text, previous);
        Policy::load_parsed(source, parsed)
    }

    /// [`Policy::load`]'s diagnostics, without compiling the policy: what
    /// `lq check` reports, for a run that evaluates nothing.
    ///
    /// ```
    /// let text = "schema { budget: money }\ntiers A > B\n\
    ///             rule r: when budgit > 1 then tier A\notherwise tier B\n";
    /// let diagnostics = lq::Policy::diagnose(&lq::Source::new("p.lq", text));
    /// assert_eq!(diagnostics.len(), 1);
    /// assert_eq!(diagnostics[0].to_string(), "unknown name `budgit`");
    /// ```
    pub fn diagnose(source: &Source) -> Vec<Error> {
        let parsed = parse_recovering(&source.text);
        checked_parse(&source.text, parsed).1
    }

    /// Checks and compiles a parsed policy.
    fn load_parsed(source: Source, parsed: crate::syntax::Parsed) -> Loaded {
        let (checked, diagnostics) = checked_parse(&source.text, parsed);
        let has_errors = diagnostics.iter().any(|d| !d.is_warning());
        let policy = checked.filter(|_| !has_errors).map(|(ast, checked)| {
            Policy::from_checked(source.clone(), ast, &checked, &diagnostics)
        });
        Loaded {
            source,
            diagnostics,
            policy,
        }
    }

    /// A policy from its checked declarations, compiled and ready to
    /// evaluate; it keeps the warnings among `diagnostics` (which hold no
    /// error).
    pub(crate) fn from_checked(
        source: Source,
        ast: ast::Policy,
        checked: &CheckedPolicy,
        diagnostics: &[Error],
    ) -> Policy {
        let mut compiled = compile(checked);
        crate::eval::closure::prepare(&mut compiled);
        let warnings = diagnostics
            .iter()
            .filter_map(|d| match d {
                Error::Check(c) if c.is_warning() => Some(c.clone()),
                _ => None,
            })
            .collect();
        Policy {
            source,
            compiled,
            warnings,
            ast,
        }
    }

    /// Loads a policy from text; `Err` holds every error (warnings are kept
    /// in [`Policy::warnings`]).
    pub fn from_source(name: &str, text: &str) -> Result<Policy, Vec<Error>> {
        Policy::load(Source::new(name, text))
            .into_result()
            .map_err(|(errors, _)| errors)
    }

    /// The checked declarations: schema, enums, tiers, rules, tests.
    pub fn checked(&self) -> &CheckedPolicy {
        &self.compiled.policy
    }

    /// The decision for one record (values by schema slot) as of a date
    /// (days since 1970-01-01).
    pub fn decide(&self, record: &[Datum], as_of: i32) -> Decision {
        decide(&self.compiled, record, as_of)
    }

    /// The outcome for one record, numbered `row`.
    pub fn evaluate(&self, row: usize, record: &[Datum], as_of: i32) -> Outcome {
        let decision = self.decide(record, as_of);
        Outcome::from_decision(&self.compiled, row, record, &decision)
    }

    /// Parses, checks and compiles an expression against this policy, as
    /// the REPL does; errors point into `text`.
    pub fn expression(&self, text: &str) -> Result<Expression, Vec<Error>> {
        let expr =
            parse_expr(text).map_err(|e| e.into_iter().map(Error::from).collect::<Vec<_>>())?;
        let typed = check_expr(&self.ast, &expr)
            .map_err(|e| e.into_iter().map(Error::from).collect::<Vec<_>>())?;
        Ok(Expression {
            node: compile_expr(self.checked(), &typed),
            ty: typed.ty,
        })
    }

    /// The value of an expression for one record (scores included).
    pub fn eval_expression(&self, expr: &Expression, record: &[Datum], as_of: i32) -> Datum {
        let decision = self.decide(record, as_of);
        let env = Env {
            record,
            as_of,
            blocks: &decision.blocks,
            total: decision.score,
        };
        eval(&expr.node, &env).to_datum()
    }

    /// Every step of one record's evaluation: each disqualifier, score
    /// entry and rule tried, with its condition's value.
    pub fn trace(&self, record: &[Datum], as_of: i32) -> crate::eval::trace::Trace {
        crate::explain::trace(self, record, as_of)
    }

    /// A lead written as a record literal (`{ budget: 25k, role: VP }`),
    /// checked against the schema; fields left out are missing. On errors,
    /// the diagnostics and the text they point into.
    pub fn record_from_literal(&self, literal: &str) -> Result<Vec<Datum>, (Vec<Error>, Source)> {
        const NAME: &str = "the_lead_given";
        let text = format!("{}\nlead {NAME} {literal}\n", self.source.text.trim_end());
        let p = Policy::load(Source::new(self.source.name.clone(), text)).into_result()?;
        let lead = p.checked().leads.iter().find(|l| l.name == NAME);
        let values = lead.map(|l| {
            l.values
                .iter()
                .map(|v| v.clone().unwrap_or(Datum::Missing))
                .collect()
        });
        Ok(values.unwrap_or_default())
    }

    /// A lead given on the command line (`lq explain --lead`), read by the
    /// rules `lq eval` applies to a record: a JSON object (`{"id": 1}`) by
    /// the schema's column names, with the conversions of a data file; an
    /// lq record literal (`{id: 1, role: VP}`) checked against the schema.
    /// Either way a required field left out makes the lead unreadable, as
    /// it would make a record an `error` outcome.
    pub fn read_lead(&self, text: &str) -> Result<Vec<Datum>, LeadError> {
        if let Some(inside) = text.trim_start().strip_prefix('{') {
            if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
                return self.read_json(&json).map_err(LeadError::Record);
            }
            // A literal with a quoted key (`{"id": 1, role: VP}`) is JSON
            // the user meant: say what JSON wanted.
            if inside.trim_start().starts_with('"') {
                let e = serde_json::from_str::<serde_json::Value>(text).err();
                let message = e.map_or_else(String::new, |e| e.to_string());
                return Err(LeadError::Record(crate::data::RecordError {
                    row: 1,
                    key: None,
                    problems: vec![crate::data::error::RecordProblem::Malformed(format!(
                        "the lead is not valid JSON: {message}"
                    ))],
                }));
            }
        }
        let record = self
            .record_from_literal(text)
            .map_err(|(errors, source)| LeadError::Policy(errors, source))?;
        let fields = &self.checked().schema.fields;
        let problems: Vec<crate::data::error::RecordProblem> = fields
            .iter()
            .zip(&record)
            .filter(|(f, v)| !f.optional && **v == Datum::Missing)
            .map(|(f, _)| crate::data::error::RecordProblem::Cell {
                column: f.column.clone(),
                problem: crate::data::convert::CellProblem::Required,
            })
            .collect();
        if problems.is_empty() {
            Ok(record)
        } else {
            Err(LeadError::Record(crate::data::RecordError {
                row: 1,
                key: None,
                problems,
            }))
        }
    }

    /// Reads a lead given as a JSON object (as a service receives it), by
    /// the schema's column names, with the same conversions as a data file.
    pub fn read_json(
        &self,
        lead: &serde_json::Value,
    ) -> Result<Vec<Datum>, crate::data::RecordError> {
        let mut values = Vec::with_capacity(self.checked().schema.fields.len());
        self.read_json_into(lead, &mut values)?;
        Ok(values)
    }

    /// [`Policy::read_json`] into a reused record.
    pub fn read_json_into(
        &self,
        lead: &serde_json::Value,
        values: &mut Vec<Datum>,
    ) -> Result<(), crate::data::RecordError> {
        crate::data::reader::read_json_object(self.checked(), lead, values)
    }

    /// The decision for one record into `decision`, reusing its storage:
    /// no allocation on the common path, for services scoring each lead as
    /// it arrives.
    pub fn decide_into(&self, record: &[Datum], as_of: i32, decision: &mut Decision) {
        crate::eval::decide_into(&self.compiled, record, as_of, decision);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Loading versions of a policy through one reparser, each with the
    /// tree of the last, gives what loading each afresh gives: the same
    /// diagnostics and the same tree.
    #[test]
    fn loading_again_equals_loading_afresh() {
        let base = include_str!("../examples/inbound-saas.lq");
        let versions = [
            base.to_string(),
            format!("{base}\nlet keen = visits > 9\n"),
            format!("{base}\nlet keen = visits > 9\nlet broken = visits >\n"),
            base.replace("rule hot:", "rule hot:\n "),
            base.replace("tiers A > B > C", "tiers A > B > C > D"),
            base.to_string(),
        ];
        let mut reparser = crate::syntax::Reparser::new();
        let mut last: Option<ast::Policy> = None;
        for text in &versions {
            let fresh = Policy::load(Source::new("p.lq", text.as_str()));
            let again = Policy::load_again(
                Source::new("p.lq", text.as_str()),
                &mut reparser,
                last.take(),
            );
            let messages = |l: &Loaded| -> Vec<String> {
                l.diagnostics.iter().map(|d| format!("{d:?}")).collect()
            };
            assert_eq!(messages(&again), messages(&fresh), "{text}");
            assert_eq!(
                again.policy.as_ref().map(|p| format!("{:?}", p.ast)),
                fresh.policy.as_ref().map(|p| format!("{:?}", p.ast))
            );
            last = again.policy.map(|p| p.ast);
        }
    }
}
