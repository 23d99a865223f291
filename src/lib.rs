//! lq: lead-qualification policies as checked, tested, versioned code.
//!
//! The pipeline is four stages, each its own module:
//! [`syntax`] (text → syntax tree), [`check`] (→ checked policy),
//! [`compile`] (→ evaluation plan) and [`eval`] (plan × record → outcome).
//! [`Policy`] runs them all:
//!
//! ```
//! use lq::{Policy, eval::Datum};
//!
//! let policy = Policy::from_source("example.lq", r#"
//!     schema { id: int key  budget: money? }
//!     tiers A > B
//!     rule big: when budget >= 10k then tier A
//!     otherwise tier B
//! "#).expect("the policy checks");
//!
//! let outcome = policy.evaluate(1, &[Datum::Int(7), Datum::Num(25_000.0)], 0);
//! assert_eq!(outcome.tier.as_deref(), Some("A"));
//! assert_eq!(outcome.rule.as_deref(), Some("big"));
//!
//! // A missing budget makes `budget >= 10k` unknown, so the rule does not fire.
//! let outcome = policy.evaluate(2, &[Datum::Int(8), Datum::Missing], 0);
//! assert_eq!(outcome.tier.as_deref(), Some("B"));
//! ```
#![warn(missing_docs)]

pub mod batch;
pub mod check;
pub mod compile;
pub mod coverage;
pub mod data;
pub mod date;
pub mod diagnostic;
pub mod error;
pub mod eval;
pub mod explain;
pub mod fmt;
pub mod ide;
pub mod insight;
#[cfg(feature = "lsp")]
pub mod lsp;
mod policy;
pub mod printable;
pub mod report;
#[cfg(feature = "serve")]
pub mod serve;
pub mod source;
pub mod sql;
pub mod syntax;
pub mod testing;
pub mod text_key;
pub mod value;

pub use error::Error;
pub use policy::{Expression, LeadError, Loaded, Policy};
pub use source::Source;
