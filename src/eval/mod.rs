//! Stage 4, evaluation: the interpreter, the compiled conditions, and outcomes.

pub mod closure;
pub mod columnar;
pub mod decide;
pub mod interp;
pub mod items;
pub mod outcome;
pub mod trace;

/// The values evaluation works on live on the floor below every stage
/// ([`crate::value`]); re-exported here, where callers look for them.
pub use crate::value;

pub use crate::value::{Datum, Truth, Value};
pub use decide::{decide, decide_into, decide_observed, Decision, EntryFact, Observer, Quiet};
pub use outcome::{Outcome, Status};
