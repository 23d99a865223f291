//! The whole pipeline behind one type: load a policy (parse → check →
//! compile) once, then evaluate any number of records.

use crate::check::{check, tir::CheckedPolicy, CheckError};
use crate::compile::{compile, Compiled};
use crate::eval::{decide, Datum, Decision, Outcome};
use crate::source::Source;
use crate::syntax::parse;
use crate::Error;

/// A checked, compiled policy, ready to evaluate records.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Where it came from.
    pub source: Source,
    /// The compiled plan (and the checked declarations it came from).
    pub compiled: Compiled,
    /// The checker's warnings.
    pub warnings: Vec<CheckError>,
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

    /// The number of warnings.
    pub fn warning_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_warning()).count()
    }
}

impl Policy {
    /// Parses, checks and compiles a policy, keeping every diagnostic.
    pub fn load(source: Source) -> Loaded {
        let ast = match parse(&source.text) {
            Ok(ast) => ast,
            Err(errors) => {
                let diagnostics = errors.into_iter().map(Error::from).collect();
                return Loaded { source, diagnostics, policy: None };
            }
        };
        let checked = check(&ast);
        let has_errors = checked.has_errors();
        let warnings: Vec<CheckError> = checked.diagnostics.iter().filter(|d| d.is_warning()).cloned().collect();
        let diagnostics = checked.diagnostics.into_iter().map(Error::from).collect();
        let policy = (!has_errors).then(|| Policy {
            source: source.clone(),
            compiled: compile(&checked.policy),
            warnings,
        });
        Loaded { source, diagnostics, policy }
    }

    /// Loads a policy from text; `Err` holds every error (warnings are kept
    /// in [`Policy::warnings`]).
    pub fn from_source(name: &str, text: &str) -> Result<Policy, Vec<Error>> {
        let loaded = Policy::load(Source::new(name, text));
        match loaded.policy {
            Some(p) => Ok(p),
            None => Err(loaded.diagnostics.into_iter().filter(|d| !d.is_warning()).collect()),
        }
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
}
