//! Stage 1, text → syntax tree: the pest grammar, the AST and parse errors.

pub mod ast;
mod depth;
pub mod error;
mod expected;
mod incremental;
pub mod limits;
mod parallel;
pub mod parser;
mod rule_names;
mod shift;
pub mod split;
pub use incremental::Reparser;

pub use error::ParseError;
pub use expected::is_reserved;
pub use parser::{parse, parse_expr, parse_recovering, Parsed};
