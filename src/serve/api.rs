//! The decision endpoints (`decide`, `decide/batch`) and the service's own
//! (`/v1/policies`, `/health`, `/ready`, `/metrics`).
//!
//! A decision's JSON is the line `lq eval --format ndjson` writes for the
//! same lead, with `decision_id`, `policy` and `sha256` added after its
//! fields; a batch reads its body with the same reader as `lq eval`, so
//! rows, conversions and `error` outcomes are the same.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State as Shared};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::registry::{now, Served, Slot};
use super::reply::{authorize, json_response, parse_json, read_body, ApiError, Limited};
use super::State;
use crate::data::reader::json_kind;
use crate::data::{InputFormat, RecordReader};
use crate::eval::{Outcome, Status};

/// Query parameters of the decide endpoints.
pub struct DecideQuery {
    /// Add the trace of the evaluation (`?explain=true`).
    pub explain: bool,
    /// The evaluation date (`?as_of=2026-11-23`; default today).
    pub as_of: i32,
}

impl DecideQuery {
    fn parse(
        query: Result<Query<HashMap<String, String>>, QueryRejection>,
    ) -> Result<Self, ApiError> {
        let Query(pairs) = query
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_query", e.body_text()))?;
        let mut parsed = DecideQuery {
            explain: false,
            as_of: crate::date::today(),
        };
        for (key, value) in pairs {
            match key.as_str() {
                "explain" => {
                    parsed.explain = match value.as_str() {
                        "true" | "1" | "" => true,
                        "false" | "0" => false,
                        _ => {
                            return Err(ApiError::new(
                                StatusCode::BAD_REQUEST,
                                "bad_query",
                                format!("`explain={value}` is not true or false"),
                            ))
                        }
                    }
                }
                "as_of" => {
                    parsed.as_of = crate::date::parse_iso(&value).ok_or_else(|| {
                        ApiError::new(
                            StatusCode::BAD_REQUEST,
                            "bad_query",
                            format!("`as_of={value}` is not a date"),
                        )
                        .help("write it as YYYY-MM-DD, e.g. ?as_of=2026-11-23")
                    })?
                }
                other => {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "bad_query",
                        format!("unknown query parameter `{other}`"),
                    )
                    .help("the decide endpoints take `explain=true` and `as_of=YYYY-MM-DD`"))
                }
            }
        }
        Ok(parsed)
    }
}

/// The policy named in the URL, or 404 with the names served.
fn slot<'s>(state: &'s State, name: &str) -> Result<&'s Slot, ApiError> {
    state.registry.get(name).ok_or_else(|| {
        let names: Vec<&str> = state
            .registry
            .slots()
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        let help = match state.registry.closest(name) {
            Some(close) => format!("did you mean `{close}`? served: {}", names.join(", ")),
            None => format!("served: {}", names.join(", ")),
        };
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_policy",
            format!(
                "no policy named `{}` is served",
                crate::printable::escape(name)
            ),
        )
        .help(help)
    })
}

/// Times a handler and counts its answer.
fn counted(
    state: &State,
    endpoint: &str,
    started: Instant,
    answer: Result<Response, ApiError>,
) -> Response {
    let response = answer.unwrap_or_else(IntoResponse::into_response);
    state.metrics.request(
        endpoint,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// `POST /v1/policies/{name}/decide`: one lead.
pub async fn decide(
    Shared(state): Shared<Arc<State>>,
    Path(name): Path<String>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let answer = decide_one(&state, &name, query, &headers, body).await;
    counted(&state, "decide", started, answer)
}

async fn decide_one(
    state: &State,
    name: &str,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    authorize(state, headers)?;
    let slot = slot(state, name)?;
    let query = DecideQuery::parse(query)?;
    let body = read_body(state, headers, body, state.config.max_body).await?;
    let input = parse_json(&body.bytes)?;
    let served = slot.current();
    let lead = unwrap_hubspot(&served, input);
    if !lead.is_object() {
        let help = if lead.is_array() {
            "send one lead as an object here, or the array to /decide/batch"
        } else {
            "send one JSON object, e.g. {\"id\": 1, \"budget\": 25000, \"role\": \"VP\"}"
        };
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "not_an_object",
            format!("a lead is a JSON object, found {}", json_kind(&lead)),
        )
        .help(help));
    }
    let policy = &served.policy;
    let (outcome, readable) = match policy.read_json(&lead) {
        Ok(values) => {
            let mut outcome = policy.evaluate(1, &values, query.as_of);
            if query.explain {
                outcome.explain = Some(policy.trace(&values, query.as_of));
            }
            (outcome, true)
        }
        Err(e) => (
            Outcome::error(policy.checked(), 1, e.key.clone(), e.messages()),
            false,
        ),
    };
    let id = uuid::Uuid::now_v7().to_string();
    let line = decision_line(&served, &outcome, &id);
    state.metrics.decided(&served.name, &class_of(&outcome), 1);
    if let Some(log) = &state.log {
        let mut entry = Vec::with_capacity(line.len() * 2 + 128);
        log_line(&mut entry, &served, &id, &lead, &line);
        log.write(entry, 1).await;
    }
    if readable {
        let mut bytes = line;
        bytes.push(b'\n');
        return Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            Bytes::from(bytes),
        )
            .into_response());
    }
    let outcome_json: Value = serde_json::from_slice(&line).unwrap_or(Value::Null);
    Err(ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "unreadable_lead",
        format!(
            "the lead cannot be read: {}",
            outcome.reasons.join("; ")
        ),
    )
    .help("fix the fields named, as `lq eval` would need them; the `outcome` is what eval writes for such a record")
    .with("outcome", outcome_json))
}

/// A HubSpot workflow webhook's body (`{"properties": {...}}`, each
/// property a value or `{"value": ...}`) as a lead, unless the schema
/// reads a column named `properties`.
fn unwrap_hubspot(served: &Served, body: Value) -> Value {
    let reads_properties = served
        .policy
        .checked()
        .schema
        .fields
        .iter()
        .any(|f| f.column == "properties");
    match body {
        Value::Object(mut map)
            if !reads_properties && map.get("properties").is_some_and(Value::is_object) =>
        {
            let Some(Value::Object(properties)) = map.remove("properties") else {
                return Value::Object(map);
            };
            let lead = properties
                .into_iter()
                .map(|(k, v)| match v {
                    Value::Object(mut inner) if inner.contains_key("value") => {
                        (k, inner.remove("value").unwrap_or(Value::Null))
                    }
                    v => (k, v),
                })
                .collect();
            Value::Object(lead)
        }
        other => other,
    }
}

/// The outcome's class: its tier, or its status.
pub fn class_of(outcome: &Outcome) -> String {
    match (&outcome.status, &outcome.tier) {
        (Status::Qualified, Some(tier)) => tier.clone(),
        (status, _) => status.as_str().to_string(),
    }
}

/// The outcome as `lq eval --format ndjson` writes it, with the decision's
/// id, the policy's name and its SHA-256 after its fields (no newline).
pub fn decision_line(served: &Served, outcome: &Outcome, id: &str) -> Vec<u8> {
    let mut out = serde_json::to_vec(outcome).unwrap_or_else(|_| b"{}".to_vec());
    if out.last() == Some(&b'}') {
        out.pop();
        if out.len() > 1 {
            out.push(b',');
        }
    }
    out.extend_from_slice(b"\"decision_id\":\"");
    out.extend_from_slice(id.as_bytes());
    out.extend_from_slice(b"\",\"policy\":");
    out.extend_from_slice(&serde_json::to_vec(&served.name).unwrap_or_default());
    out.extend_from_slice(b",\"sha256\":\"");
    out.extend_from_slice(served.sha256.as_bytes());
    out.extend_from_slice(b"\"}");
    out
}

/// One decision log line (with its newline) into `out`, written field by
/// field (the input is not copied into a JSON tree first).
fn log_line(out: &mut Vec<u8>, served: &Served, id: &str, input: &Value, decision: &[u8]) {
    out.extend_from_slice(b"{\"decision_id\":\"");
    out.extend_from_slice(id.as_bytes());
    out.extend_from_slice(b"\",\"time\":\"");
    out.extend_from_slice(now().as_bytes());
    out.extend_from_slice(b"\",\"policy\":");
    let _ = serde_json::to_writer(&mut *out, &served.name);
    out.extend_from_slice(b",\"sha256\":\"");
    out.extend_from_slice(served.sha256.as_bytes());
    out.extend_from_slice(b"\",\"input\":");
    if serde_json::to_writer(&mut *out, input).is_err() {
        out.extend_from_slice(b"null");
    }
    out.extend_from_slice(b",\"outcome\":");
    out.extend_from_slice(decision);
    out.extend_from_slice(b"}\n");
}

/// `POST /v1/policies/{name}/decide/batch`: a JSON array or NDJSON; the
/// outcomes in order, streamed as they are decided, in the same shape.
pub async fn batch(
    Shared(state): Shared<Arc<State>>,
    Path(name): Path<String>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let answer = decide_batch(state.clone(), &name, query, &headers, body).await;
    counted(&state, "batch", started, answer)
}

async fn decide_batch(
    state: Arc<State>,
    name: &str,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    authorize(&state, headers)?;
    let served = slot(&state, name)?.current();
    let query = DecideQuery::parse(query)?;
    let body = read_body(&state, headers, body, state.config.max_batch_body).await?;
    let array = body
        .bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'[');
    let (chunks, stream) = tokio::sync::mpsc::channel::<Bytes>(4);
    let (opened, open_result) = tokio::sync::oneshot::channel::<Result<(), ApiError>>();
    let run = Batch {
        state: state.clone(),
        served,
        array,
        query,
        chunks,
    };
    tokio::task::spawn_blocking(move || run.run(body, opened));
    match open_result.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(_) => {
            return Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the batch stopped before its first outcome",
            ))
        }
    }
    let body = Body::from_stream(futures_util::stream::unfold(stream, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<Bytes, std::convert::Infallible>(chunk), rx))
    }));
    let content_type = if array {
        "application/json"
    } else {
        "application/x-ndjson"
    };
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response())
}

/// One batch, decided on a blocking thread.
struct Batch {
    state: Arc<State>,
    served: Arc<Served>,
    array: bool,
    query: DecideQuery,
    chunks: tokio::sync::mpsc::Sender<Bytes>,
}

/// How many bytes of outcomes (or log lines) are sent at once.
const CHUNK: usize = 64 << 10;

impl Batch {
    fn run(self, body: Limited, opened: tokio::sync::oneshot::Sender<Result<(), ApiError>>) {
        let policy = &self.served.policy;
        let format = if self.array {
            InputFormat::Json
        } else {
            InputFormat::Ndjson
        };
        let input: Box<dyn std::io::BufRead + Send> = Box::new(Cursor::new(body.bytes.clone()));
        let mut reader =
            match RecordReader::new(policy.checked(), input, format, "the request body") {
                Ok(reader) => reader,
                Err(e) => {
                    let error =
                        ApiError::new(StatusCode::BAD_REQUEST, "malformed_batch", e.to_string());
                    let _ = opened.send(Err(error.help(
                        "send a JSON array of lead objects, or one lead object per line (NDJSON)",
                    )));
                    return;
                }
            };
        let logging = self.state.log.is_some();
        if logging {
            reader.keep_json();
        }
        if opened.send(Ok(())).is_err() {
            return;
        }
        let mut out = Vec::with_capacity(CHUNK + 4096);
        let mut log = Vec::new();
        let mut logged = 0u64;
        let mut classes: HashMap<String, u64> = HashMap::new();
        let mut count = 0usize;
        if self.array {
            out.push(b'[');
        }
        while let Some(item) = reader.next() {
            let outcome = match item {
                Ok(Ok((row, values))) => {
                    let mut outcome = policy.evaluate(row, &values, self.query.as_of);
                    if self.query.explain {
                        outcome.explain = Some(policy.trace(&values, self.query.as_of));
                    }
                    outcome
                }
                Ok(Err(e)) => Outcome::error(policy.checked(), e.row, e.key.clone(), e.messages()),
                Err(e) => {
                    // Not a record's fault: the body itself cannot be read on.
                    let error =
                        ApiError::new(StatusCode::BAD_REQUEST, "malformed_batch", e.to_string());
                    out.extend_from_slice(&serde_json::to_vec(&error.body()).unwrap_or_default());
                    out.push(b'\n');
                    break;
                }
            };
            let id = uuid::Uuid::now_v7().to_string();
            let line = decision_line(&self.served, &outcome, &id);
            *classes.entry(class_of(&outcome)).or_default() += 1;
            if self.array {
                out.extend_from_slice(if count == 0 { b"\n  " } else { b",\n  " });
                out.extend_from_slice(&line);
            } else {
                out.extend_from_slice(&line);
                out.push(b'\n');
            }
            count += 1;
            if logging {
                let input = reader.last_json().cloned().unwrap_or(Value::Null);
                log_line(&mut log, &self.served, &id, &input, &line);
                logged += 1;
                if log.len() >= CHUNK {
                    self.flush_log(&mut log, &mut logged);
                }
            }
            if out.len() >= CHUNK && !self.send(&mut out) {
                break;
            }
        }
        if self.array {
            out.extend_from_slice(if count == 0 { b"]\n" } else { b"\n]\n" });
        }
        self.send(&mut out);
        self.flush_log(&mut log, &mut logged);
        for (class, n) in classes {
            self.state.metrics.decided(&self.served.name, &class, n);
        }
        drop(body);
    }

    /// Sends what is written; `false` when the client has gone.
    fn send(&self, out: &mut Vec<u8>) -> bool {
        if out.is_empty() {
            return true;
        }
        let chunk = Bytes::from(std::mem::replace(out, Vec::with_capacity(CHUNK + 4096)));
        self.chunks.blocking_send(chunk).is_ok()
    }

    fn flush_log(&self, log: &mut Vec<u8>, logged: &mut u64) {
        if let (Some(writer), false) = (&self.state.log, log.is_empty()) {
            writer.write_blocking(std::mem::take(log), *logged);
            *logged = 0;
        }
    }
}

/// `GET /v1/policies`: each policy's name, file, SHA-256, load time,
/// schema, and the last failed reload.
pub async fn list(Shared(state): Shared<Arc<State>>) -> Response {
    let started = Instant::now();
    let policies: Vec<Value> = state
        .registry
        .slots()
        .iter()
        .map(|slot| {
            let served = slot.current();
            json!({
                "name": slot.name,
                "file": slot.path.display().to_string(),
                "sha256": served.sha256,
                "loaded_at": served.loaded_at,
                "schema": served.schema_json(),
                "reload_error": slot.failure().map(|f| f.json()),
            })
        })
        .collect();
    let response = json_response(StatusCode::OK, &json!({ "policies": policies }));
    counted(&state, "policies", started, Ok(response))
}

/// `GET /health`: the process answers.
pub async fn health(Shared(state): Shared<Arc<State>>) -> Response {
    let started = Instant::now();
    let response = json_response(StatusCode::OK, &json!({ "status": "ok" }));
    counted(&state, "health", started, Ok(response))
}

/// `GET /ready`: 503 when decisions cannot be logged; a policy whose last
/// reload failed is reported (`degraded`, the old version still serving),
/// and with `?strict=true` is a 503 too.
pub async fn ready(
    Shared(state): Shared<Arc<State>>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let started = Instant::now();
    let strict = query
        .ok()
        .and_then(|Query(q)| q.get("strict").cloned())
        .is_some_and(|v| v == "true" || v == "1" || v.is_empty());
    let mut problems = Vec::new();
    let policies: Vec<Value> = state
        .registry
        .slots()
        .iter()
        .map(|slot| {
            let served = slot.current();
            let failure = slot.failure();
            if let Some(f) = &failure {
                problems.push(format!("policy {}: {}", slot.name, f.message));
            }
            json!({
                "name": slot.name,
                "sha256": served.sha256,
                "reload_error": failure.map(|f| f.json()),
            })
        })
        .collect();
    let degraded = !problems.is_empty();
    let log_failure = state.log.as_ref().and_then(|l| l.failure());
    if let Some(message) = &log_failure {
        problems.push(format!("decision log: {message}"));
    }
    let ready = log_failure.is_none() && !(strict && degraded);
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = match (ready, degraded || log_failure.is_some()) {
        (false, _) => "not ready",
        (true, true) => "degraded",
        (true, false) => "ready",
    };
    let body = json!({
        "ready": ready,
        "status": word,
        "problems": problems,
        "policies": policies,
        "decision_log": state.log.as_ref().map(|_| json!({ "ok": log_failure.is_none(), "error": log_failure })),
    });
    counted(&state, "ready", started, Ok(json_response(status, &body)))
}

/// `GET /metrics`: the Prometheus text format.
pub async fn metrics(Shared(state): Shared<Arc<State>>) -> Response {
    let text = state.metrics.render();
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// Any other path: 404 with the routes there are.
pub async fn not_found(Shared(state): Shared<Arc<State>>) -> Response {
    let started = Instant::now();
    let error = ApiError::new(StatusCode::NOT_FOUND, "no_route", "there is nothing at this path").help(
        "POST /v1/policies/{name}/decide or /decide/batch; GET /v1/policies, /health, /ready, /metrics",
    );
    counted(&state, "other", started, Err(error))
}

/// A known path with the wrong method: 405 with the method to use.
pub async fn wrong_method(Shared(state): Shared<Arc<State>>) -> Response {
    let started = Instant::now();
    let error = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "wrong_method",
        "this path does not take that method",
    )
    .help("decisions are POSTed; the listing, health, readiness and metrics are GET");
    counted(&state, "other", started, Err(error))
}
