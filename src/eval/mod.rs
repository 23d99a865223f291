//! Stage 4, evaluation: values, the interpreter, and outcomes.

pub mod interp;
pub mod outcome;
pub mod trace;
pub mod value;

pub use interp::{decide, decide_into, Decision};
pub use outcome::{Outcome, Status};
pub use value::{Datum, Truth, Value};
