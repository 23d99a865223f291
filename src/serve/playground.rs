//! The playground (`lq serve --playground`): a page at `/` for trying a
//! policy in a browser, and the endpoints it calls.
//!
//! The page (built from `web/` and embedded here) holds no lq of its own:
//! every answer comes from these endpoints, which call the same library
//! functions as `lq check`, `lq eval`, `lq explain`, `lq coverage` and
//! `lq diff`. Each takes a JSON body with the policy's text and the leads'
//! text (CSV, NDJSON or a JSON array).

use std::io::Cursor;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State as Shared;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use super::api::class_of;
use super::reply::{authorize, json_response, parse_json, read_body, ApiError};
use super::State;
use crate::data::{DataError, InputFormat, ReadOptions, RecordReader};
use crate::eval::Outcome;
use crate::insight::OutcomeSpec;
use crate::report::Record;
use crate::source::Span;
use crate::{Policy, Source};

/// The most outcomes `/v1/playground/evaluate` returns (all are counted).
pub const MAX_SHOWN: usize = 2000;

const INDEX: &str = include_str!("../../web/dist/index.html");
const SCRIPT: &str = include_str!("../../web/dist/playground.js");
const STYLE: &str = include_str!("../../web/dist/playground.css");

/// The page, its script and style, and the endpoints.
pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route(
            "/",
            get(|| async { asset("text/html; charset=utf-8", INDEX) }),
        )
        .route(
            "/playground.js",
            get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
        )
        .route(
            "/playground.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE) }),
        )
        .route("/v1/playground/policy", get(first_policy))
        .route("/v1/playground/check", post(check))
        .route("/v1/playground/evaluate", post(evaluate))
        .route("/v1/playground/explain", post(explain))
        .route("/v1/playground/coverage", post(coverage))
        .route("/v1/playground/diff", post(diff))
}

fn asset(content_type: &'static str, text: &'static str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
            ),
        ],
        text,
    )
        .into_response()
}

/// `GET /v1/playground/policy`: the first policy served, as the page
/// starts from it (and diffs against it).
async fn first_policy(Shared(state): Shared<Arc<State>>, headers: HeaderMap) -> Response {
    if let Err(e) = authorize(&state, &headers) {
        return e.into_response();
    }
    let Some(slot) = state.registry.slots().first() else {
        return ApiError::new(StatusCode::NOT_FOUND, "no_policy", "no policy is served")
            .into_response();
    };
    let served = slot.current();
    json_response(
        StatusCode::OK,
        &json!({
            "name": served.name,
            "file": slot.path.display().to_string(),
            "text": served.policy.source.text,
            "sha256": served.sha256,
        }),
    )
}

/// Runs one playground request: token, body within the batch limit, JSON,
/// then `work` on a blocking thread.
async fn handle(
    state: Arc<State>,
    endpoint: &'static str,
    headers: HeaderMap,
    body: Body,
    work: fn(&Value) -> Result<Value, ApiError>,
) -> Response {
    let started = Instant::now();
    let answer = async {
        authorize(&state, &headers)?;
        let body = read_body(&state, &headers, body, state.config.max_batch_body).await?;
        let request = parse_json(&body.bytes)?;
        let done = tokio::task::spawn_blocking(move || work(&request)).await;
        done.unwrap_or_else(|_| {
            Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the request failed inside lq; please report it with the policy and leads",
            ))
        })
    }
    .await;
    let response = match answer {
        Ok(value) => json_response(StatusCode::OK, &value),
        Err(e) => e.into_response(),
    };
    state.metrics.request(
        endpoint,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

async fn check(Shared(s): Shared<Arc<State>>, h: HeaderMap, b: Body) -> Response {
    handle(s, "playground_check", h, b, check_policy).await
}

async fn evaluate(Shared(s): Shared<Arc<State>>, h: HeaderMap, b: Body) -> Response {
    handle(s, "playground_evaluate", h, b, evaluate_leads).await
}

async fn explain(Shared(s): Shared<Arc<State>>, h: HeaderMap, b: Body) -> Response {
    handle(s, "playground_explain", h, b, explain_lead).await
}

async fn coverage(Shared(s): Shared<Arc<State>>, h: HeaderMap, b: Body) -> Response {
    handle(s, "playground_coverage", h, b, coverage_of).await
}

async fn diff(Shared(s): Shared<Arc<State>>, h: HeaderMap, b: Body) -> Response {
    handle(s, "playground_diff", h, b, diff_of).await
}

/// A text field of the request, or 400 naming it.
fn text<'r>(request: &'r Value, field: &str) -> Result<&'r str, ApiError> {
    request.get(field).and_then(Value::as_str).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "missing_field",
            format!("the request needs `{field}`, a string"),
        )
    })
}

/// The evaluation date: the request's `as_of`, else today.
fn as_of(request: &Value) -> Result<i32, ApiError> {
    match request.get("as_of").and_then(Value::as_str) {
        None | Some("") => Ok(crate::date::today()),
        Some(text) => crate::date::parse_iso(text).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_date",
                format!("`{text}` is not a date; write YYYY-MM-DD"),
            )
        }),
    }
}

/// Each diagnostic located by line and column and by UTF-16 offsets (the
/// editor's), with its code, message and help.
fn diagnostics_json(errors: &[crate::Error], source: &Source) -> Vec<Value> {
    let text = &source.text;
    let utf16 = |byte: usize| -> usize {
        let byte = byte.min(text.len());
        let byte = (0..=byte)
            .rev()
            .find(|&b| text.is_char_boundary(b))
            .unwrap_or(0);
        text[..byte].encode_utf16().count()
    };
    errors
        .iter()
        .map(|e| {
            let record = Record::new(e, Some(source), &source.name);
            let Span { start, end } = e.primary_span();
            json!({
                "severity": record.severity,
                "code": record.code,
                "message": record.message,
                "help": record.help,
                "line": record.line,
                "column": record.column,
                "from": utf16(start),
                "to": utf16(end.max(start)),
            })
        })
        .collect()
}

/// `POST /v1/playground/check {policy}`: every diagnostic `lq check`
/// reports.
fn check_policy(request: &Value) -> Result<Value, ApiError> {
    let text = text(request, "policy")?;
    let loaded = Policy::load(Source::new("policy.lq", text));
    Ok(json!({
        "errors": loaded.error_count(),
        "warnings": loaded.warning_count(),
        "diagnostics": diagnostics_json(&loaded.diagnostics, &loaded.source),
    }))
}

/// The policy in `field`, or 422 with its diagnostics.
fn policy(request: &Value, field: &str) -> Result<Policy, ApiError> {
    let text = text(request, field)?;
    let loaded = Policy::load(Source::new("policy.lq", text));
    let diagnostics = diagnostics_json(&loaded.diagnostics, &loaded.source);
    let errors = loaded.error_count();
    loaded.policy.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "policy_errors",
            format!(
                "the policy has {errors} error{}",
                if errors == 1 { "" } else { "s" }
            ),
        )
        .help("fix the underlined errors first")
        .with("diagnostics", Value::Array(diagnostics))
    })
}

/// The leads' format: the request's `format`, else what the text looks
/// like (`[` a JSON array, `{` NDJSON, else CSV).
fn leads_format(request: &Value, leads: &str) -> Result<InputFormat, ApiError> {
    match request.get("format").and_then(Value::as_str) {
        Some("csv") => Ok(InputFormat::Csv),
        Some("ndjson") | Some("jsonl") => Ok(InputFormat::Ndjson),
        Some("json") => Ok(InputFormat::Json),
        Some(other) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_format",
            format!("`{other}` is not a leads format; use csv, ndjson or json"),
        )),
        None => Ok(match leads.trim_start().chars().next() {
            Some('[') => InputFormat::Json,
            Some('{') => InputFormat::Ndjson,
            _ => InputFormat::Csv,
        }),
    }
}

/// A data problem (a CSV header without a column the schema reads) as 422.
fn data_error(e: DataError) -> ApiError {
    ApiError::from_diagnostic(StatusCode::UNPROCESSABLE_ENTITY, "leads_unreadable", &e)
}

/// The outcome spec in `outcome`, if given.
fn outcome_spec(request: &Value) -> Result<Option<OutcomeSpec>, ApiError> {
    match request.get("outcome").and_then(Value::as_str) {
        None | Some("") => Ok(None),
        Some(text) => OutcomeSpec::parse(text)
            .map(Some)
            .map_err(|e| ApiError::from_diagnostic(StatusCode::BAD_REQUEST, "bad_outcome", &e)),
    }
}

/// A reader of the request's `leads` for `policy`.
fn reader<'p>(policy: &'p Policy, request: &Value) -> Result<RecordReader<'p>, ApiError> {
    let leads = text(request, "leads")?;
    let format = leads_format(request, leads)?;
    let input = Box::new(Cursor::new(leads.as_bytes().to_vec()));
    RecordReader::new(policy.checked(), input, format, "the leads").map_err(data_error)
}

/// `POST /v1/playground/evaluate {policy, leads}`: the outcomes (the first
/// [`MAX_SHOWN`]) as `lq eval --format json` writes them, and the count of
/// every class.
fn evaluate_leads(request: &Value) -> Result<Value, ApiError> {
    let policy = policy(request, "policy")?;
    let as_of = as_of(request)?;
    let reader = reader(&policy, request)?;
    let tiers = policy.checked().tiers.clone();
    let mut classes: Vec<(String, usize)> = tiers
        .iter()
        .map(|t| (t.clone(), 0))
        .chain(["disqualified", "unmatched", "error"].map(|s| (s.to_string(), 0)))
        .collect();
    let mut outcomes = Vec::new();
    let mut total = 0usize;
    for item in reader {
        let outcome = match item.map_err(data_error)? {
            Ok((row, values)) => policy.evaluate(row, &values, as_of),
            Err(e) => Outcome::error(policy.checked(), e.row, e.key.clone(), e.messages()),
        };
        total += 1;
        let class = class_of(&outcome);
        if let Some(slot) = classes.iter_mut().find(|(c, _)| *c == class) {
            slot.1 += 1;
        }
        if outcomes.len() < MAX_SHOWN {
            outcomes.push(serde_json::to_value(&outcome).unwrap_or(Value::Null));
        }
    }
    let classes: Vec<Value> = classes
        .into_iter()
        .map(|(class, leads)| json!({ "class": class, "leads": leads }))
        .collect();
    Ok(json!({
        "total": total,
        "shown": outcomes.len(),
        "key": policy.checked().schema.key.map(|k| policy.checked().schema.fields[k].name.clone()),
        "blocks": policy.compiled.blocks.iter().filter_map(|b| b.name.clone()).collect::<Vec<_>>(),
        "classes": classes,
        "outcomes": outcomes,
    }))
}

/// `POST /v1/playground/explain {policy, leads, row}`: the lead's outcome
/// with its trace, and the trace as `lq explain` prints it.
fn explain_lead(request: &Value) -> Result<Value, ApiError> {
    let policy = policy(request, "policy")?;
    let as_of = as_of(request)?;
    let row = request.get("row").and_then(Value::as_u64).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "missing_field",
            "the request needs `row`, the lead's number from 1",
        )
    })? as usize;
    let reader = reader(&policy, request)?;
    for item in reader {
        match item.map_err(data_error)? {
            Ok((r, values)) if r == row => {
                let mut outcome = policy.evaluate(row, &values, as_of);
                let trace = policy.trace(&values, as_of);
                let text = crate::explain::render_width(&policy, &trace, None);
                outcome.explain = Some(trace);
                return Ok(json!({ "outcome": outcome, "text": text }));
            }
            Err(e) if e.row == row => {
                let outcome = Outcome::error(policy.checked(), row, e.key.clone(), e.messages());
                let text = format!("the lead cannot be read:\n  {}", e.messages().join("\n  "));
                return Ok(json!({ "outcome": outcome, "text": text }));
            }
            _ => {}
        }
    }
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        "no_such_row",
        format!("there is no lead {row} in the leads"),
    ))
}

/// `POST /v1/playground/coverage {policy, leads, outcome?}`: what
/// `lq coverage --format json` prints.
fn coverage_of(request: &Value) -> Result<Value, ApiError> {
    let policy = policy(request, "policy")?;
    let as_of = as_of(request)?;
    let spec = outcome_spec(request)?;
    let mut reader = reader(&policy, request)?;
    if let Some(spec) = &spec {
        reader
            .carry(std::slice::from_ref(&spec.column))
            .map_err(data_error)?;
        reader.require_first(&spec.column);
    }
    let coverage = crate::coverage::count(&policy, vec![reader], as_of, spec.as_ref(), &mut |_| {})
        .map_err(data_error)?;
    Ok(coverage.json(spec.as_ref()))
}

/// `POST /v1/playground/diff {old, policy, leads, outcome?}`: what
/// `lq diff --format json` prints for OLD → the policy.
fn diff_of(request: &Value) -> Result<Value, ApiError> {
    let old = policy(request, "old")?;
    let new = policy(request, "policy")?;
    let as_of = as_of(request)?;
    let spec = outcome_spec(request)?;
    let leads = text(request, "leads")?;
    let format = leads_format(request, leads)?;
    let input = Box::new(Cursor::new(leads.as_bytes().to_vec()));
    let mut reader = RecordReader::lenient(
        old.checked(),
        input,
        format,
        "the leads",
        ReadOptions::default(),
    )
    .map_err(data_error)?;
    reader.also(new.checked());
    if let Some(spec) = &spec {
        reader
            .carry(std::slice::from_ref(&spec.column))
            .map_err(data_error)?;
        reader.require_first(&spec.column);
    }
    let compared = crate::insight::diff::compare::<std::io::Sink>(
        (&old, &new),
        vec![reader],
        as_of,
        spec.as_ref(),
        None,
        &mut |_| {},
    );
    match compared {
        Ok((diff, _)) => Ok(diff.json(spec.as_ref())),
        Err(crate::batch::Failed::Data(e)) => Err(data_error(e)),
        Err(crate::batch::Failed::Sink(e)) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            e.to_string(),
        )),
    }
}
