//! Answers that are not decisions: JSON error bodies with their status,
//! request bodies read within their limits, and the bearer token.
//!
//! Bad input is never a 5xx (a CRM retries those): malformed JSON is 400,
//! a missing or wrong token 401, an unknown policy or route 404, a body
//! over its limit 413, and a lead that cannot be read 422 on `decide`.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::State;

/// An error answer: a status and a JSON body
/// `{"error": {"code", "message", "help"}}`, plus fields of its own.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable code, e.g. `unknown_policy`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// More fields, beside `error` (e.g. the `outcome` of a lead that
    /// cannot be read).
    pub extra: Vec<(&'static str, Value)>,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            help: None,
            extra: Vec::new(),
        }
    }

    /// An error from a diagnostic of the library: its message, and its
    /// help when it has one.
    pub fn from_diagnostic(
        status: StatusCode,
        code: &'static str,
        diagnostic: &dyn miette::Diagnostic,
    ) -> ApiError {
        let error = ApiError::new(status, code, diagnostic.to_string());
        match diagnostic.help() {
            Some(help) => error.help(help.to_string()),
            None => error,
        }
    }

    /// With a help line.
    pub fn help(mut self, help: impl Into<String>) -> ApiError {
        self.help = Some(help.into());
        self
    }

    /// With another field in the body.
    pub fn with(mut self, key: &'static str, value: Value) -> ApiError {
        self.extra.push((key, value));
        self
    }

    /// The body.
    pub fn body(&self) -> Value {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some(help) = &self.help {
            error["help"] = json!(help);
        }
        let mut body = serde_json::Map::new();
        body.insert("error".into(), error);
        for (k, v) in &self.extra {
            body.insert((*k).into(), v.clone());
        }
        Value::Object(body)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = json_response(self.status, &self.body());
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// A JSON answer.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut bytes = serde_json::to_vec(body).unwrap_or_default();
    bytes.push(b'\n');
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        Bytes::from(bytes),
    )
        .into_response()
}

/// Checks the bearer token, when one is set.
pub fn authorize(state: &State, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(token) = &state.config.token else {
        return Ok(());
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(given) if same(given.as_bytes(), token.as_bytes()) => Ok(()),
        Some(_) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_token",
            "the bearer token is not the one this server was given",
        )
        .help("send the token in --token-file: `Authorization: Bearer TOKEN`")),
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "no_token",
            "this endpoint needs a bearer token",
        )
        .help("send `Authorization: Bearer TOKEN` with the token in the server's --token-file")),
    }
}

/// Compares in time that does not depend on where the texts differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A body read whole, holding its share of the in-flight budget until
/// dropped.
pub struct Limited {
    /// The bytes.
    pub bytes: Bytes,
    _room: tokio::sync::OwnedSemaphorePermit,
}

/// Reads a body of at most `limit` bytes (413 past it), waiting for room
/// in the in-flight budget first.
pub async fn read_body(
    state: &State,
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Limited, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body is over the limit of {}", bytes_text(limit)),
        )
        .help(
            "send fewer leads per request (or NDJSON in several batches), or start the server with a larger --max-body / --max-batch-body",
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    // Reserve what the body may take: its declared length, else the limit.
    let reserve = declared.map_or(limit, |n| n as usize);
    let total = state.config.max_inflight_bytes.max(1024) / 1024;
    let kib = reserve.div_ceil(1024).clamp(1, total) as u32;
    let room = state
        .inflight
        .clone()
        .acquire_many_owned(kib)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting_down",
                "the server is shutting down",
            )
        })?;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|e| {
        let over = std::error::Error::source(&e)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        if over {
            too_large()
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "body_unreadable",
                format!("the body could not be read: {e}"),
            )
        }
    })?;
    Ok(Limited { bytes, _room: room })
}

/// A JSON body parsed, or 400 saying where it is malformed.
pub fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body is not valid JSON: {e}"),
        )
        .help("send one JSON object, e.g. {\"id\": 1, \"budget\": 25000, \"role\": \"VP\"}")
    })
}

/// `1 MiB`, `64 MiB`, `512 KiB`, `100 bytes`.
pub fn bytes_text(n: usize) -> String {
    if n >= 1 << 20 && n % (1 << 20) == 0 {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n % (1 << 10) == 0 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}
