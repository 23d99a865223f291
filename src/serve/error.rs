//! Why `lq serve` cannot start (or stopped): each a diagnostic with a code
//! and help. Bad requests are not errors of the server; they are answered
//! with a status and a JSON body ([`super::reply`]).

use std::net::SocketAddr;

use miette::Diagnostic;
use thiserror::Error;

use crate::{Error as PolicyError, Source};

/// A reason the server cannot start or go on.
#[derive(Debug, Error, Diagnostic)]
pub enum ServeError {
    /// A policy file cannot be read.
    #[error("cannot read {file}: {reason}")]
    #[diagnostic(
        code(lq::serve::read),
        help("check that the policy file exists and is readable")
    )]
    Read {
        /// The file.
        file: String,
        /// Why, in words.
        reason: String,
    },
    /// A policy does not check: its diagnostics (printed by the caller).
    #[error("the policy {} has {} error{}", text.name, errors.len(), if errors.len() == 1 { "" } else { "s" })]
    #[diagnostic(
        code(lq::serve::policy),
        help("fix the errors (`lq check` shows them too); lq serves only policies that check")
    )]
    Policy {
        /// The errors.
        errors: Vec<PolicyError>,
        /// The text they point into.
        text: Source,
    },
    /// Two policies would have the same name in the URLs.
    #[error("two policies are named `{name}`")]
    #[diagnostic(
        code(lq::serve::duplicate_name),
        help("name one explicitly: `lq serve other={path}`, served at /v1/policies/other/decide")
    )]
    DuplicateName {
        /// The name.
        name: String,
        /// The second file with that name.
        path: String,
    },
    /// A policy name that cannot be part of a URL.
    #[error("`{name}` cannot be a policy's name in a URL")]
    #[diagnostic(
        code(lq::serve::bad_name),
        help("use letters, digits, `-` and `_`: `lq serve inbound=path/to/policy.lq`")
    )]
    BadName {
        /// The name.
        name: String,
    },
    /// The token file cannot be read or is empty.
    #[error("cannot use the token file {file}: {reason}")]
    #[diagnostic(
        code(lq::serve::token),
        help("put the bearer token on the file's first line, e.g. `openssl rand -hex 32 > token`")
    )]
    Token {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
    /// The decision log cannot be opened.
    #[error("cannot open the decision log {file}: {reason}")]
    #[diagnostic(
        code(lq::serve::log),
        help("check that the folder exists and is writable, or leave out --decision-log")
    )]
    Log {
        /// The file.
        file: String,
        /// Why, in words.
        reason: String,
    },
    /// The address cannot be listened on.
    #[error("cannot listen on {addr}: {reason}")]
    #[diagnostic(
        code(lq::serve::bind),
        help("another program may hold the port: pick another with --addr 127.0.0.1:PORT (port 0 picks a free one)")
    )]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why, in words.
        reason: String,
    },
    /// Serving failed.
    #[error("the server stopped: {reason}")]
    #[diagnostic(code(lq::serve::io), help("this is an error of the system; try again"))]
    Serve {
        /// Why, in words.
        reason: String,
    },
}

impl ServeError {
    /// The address cannot be listened on, in words.
    pub fn bind(addr: SocketAddr, error: &std::io::Error) -> ServeError {
        use std::io::ErrorKind;
        let reason = match error.kind() {
            ErrorKind::AddrInUse => "the address is in use".to_string(),
            ErrorKind::AddrNotAvailable => "this machine has no such address".to_string(),
            ErrorKind::PermissionDenied => {
                "permission denied (ports below 1024 need privileges)".to_string()
            }
            _ => error.to_string(),
        };
        ServeError::Bind { addr, reason }
    }
}
