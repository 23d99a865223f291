//! The one error type a caller of the whole pipeline sees: each stage's
//! error, wrapped transparently so its code, labels and help show through.

use miette::Diagnostic;
use thiserror::Error;

use crate::check::CheckError;
use crate::data::DataError;
use crate::syntax::ParseError;

/// Any lq error.
#[derive(Debug, Error, Diagnostic)]
pub enum Error {
    /// The policy does not parse.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Parse(#[from] ParseError),
    /// The policy does not check (or a warning, when reported as one).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Check(#[from] CheckError),
    /// The data cannot be read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Data(#[from] DataError),
}

impl Error {
    /// The primary span: its first label.
    pub fn primary_span(&self) -> crate::source::Span {
        crate::diagnostic::primary_span(self)
    }

    /// Whether this is only a warning.
    pub fn is_warning(&self) -> bool {
        matches!(self, Error::Check(c) if c.is_warning())
    }
}
