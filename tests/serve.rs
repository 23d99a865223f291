//! `lq serve`, the real binary on an ephemeral loopback port: every
//! endpoint and error status, decisions equal to `lq eval`'s lead for lead,
//! batches in order with bad records as `error` outcomes, the decision log
//! (content, rotation, a full disk), hot reload to a good and to a broken
//! policy, SIGHUP, the bearer token, graceful shutdown, and the address
//! line written to standard error in one piece.

#![cfg(feature = "serve")]

mod serve_support;

use std::time::Duration;

use serde_json::{json, Value};
use serve_support::{csv_as_ndjson, eval_lines, without_service_fields, Server};

const AS_OF: &str = "2026-11-23";
const INBOUND: &str = "examples/inbound-saas.lq";

/// Every example policy with its data, as NDJSON (CSV turned into objects
/// of cell text).
fn example_sets(dir: &std::path::Path) -> Vec<(String, String, String)> {
    let sets = [
        (
            "inbound-saas",
            "examples/inbound-saas.lq",
            "examples/data/inbound-leads.csv",
        ),
        (
            "inbound-saas",
            "examples/inbound-saas.lq",
            "examples/data/inbound-leads-messy.csv",
        ),
        (
            "inbound-saas",
            "examples/inbound-saas.lq",
            "examples/data/inbound-history.csv",
        ),
        (
            "bant",
            "examples/bant.lq",
            "examples/data/bant-leads.ndjson",
        ),
        (
            "pardot-grades",
            "examples/pardot-grades.lq",
            "examples/data/profiles.csv",
        ),
        (
            "fit-engagement-matrix",
            "examples/fit-engagement-matrix.lq",
            "examples/data/hubspot-contacts.csv",
        ),
        (
            "gates-and-routing",
            "examples/gates-and-routing.lq",
            "examples/data/web-leads.ndjson",
        ),
        (
            "bank-telemarketing",
            "examples/bank-telemarketing.lq",
            "examples/data/bank-sample.csv",
        ),
    ];
    sets.iter()
        .enumerate()
        .map(|(i, (name, policy, data))| {
            let ndjson = if data.ends_with(".csv") {
                let path = dir.join(format!("set{i}.ndjson"));
                std::fs::write(&path, csv_as_ndjson(data)).expect("written");
                path.to_string_lossy().into_owned()
            } else {
                data.to_string()
            };
            (name.to_string(), policy.to_string(), ndjson)
        })
        .collect()
}

#[test]
fn decide_and_batch_equal_eval_lead_for_lead() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let sets = example_sets(dir.path());
    let mut policies: Vec<String> = Vec::new();
    for (name, policy, _) in &sets {
        let arg = format!("{name}={policy}");
        if !policies.contains(&arg) {
            policies.push(arg);
        }
    }
    let args: Vec<&str> = policies.iter().map(String::as_str).collect();
    let server = Server::start(&args);
    let mut compared = 0;
    for (name, policy, data) in &sets {
        let expected = eval_lines(policy, data, AS_OF);
        assert!(!expected.is_empty(), "{data}");
        let text = std::fs::read_to_string(data).expect("data");
        // One request per lead (a blank line is not a lead, as in eval).
        let leads: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(leads.len(), expected.len(), "{data}");
        for (lead, want) in leads.iter().zip(&expected) {
            let a = server.post(&format!("/v1/policies/{name}/decide?as_of={AS_OF}"), lead);
            let mut got = a.json();
            if a.status == 422 {
                got = got["outcome"].take();
            } else {
                assert_eq!(a.status, 200, "{lead}: {}", a.body);
            }
            // One lead alone is row 1; eval numbers them through the file.
            let mut want = want.clone();
            want["row"] = json!(1);
            if want["status"] == "error" {
                assert_eq!(a.status, 422, "{lead}");
                let fix = |v: &Value| -> Vec<String> {
                    v["reasons"]
                        .as_array()
                        .expect("reasons")
                        .iter()
                        .map(|r| {
                            let r = r.as_str().expect("a reason");
                            r.split_once(", ")
                                .or_else(|| r.split_once(' '))
                                .map_or(r, |(_, m)| m)
                                .to_string()
                        })
                        .collect()
                };
                assert_eq!(fix(&got), fix(&want), "{lead}");
                continue;
            }
            assert_eq!(got["sha256"].as_str().map(str::len), Some(64));
            assert_eq!(got["policy"], json!(name));
            assert_eq!(without_service_fields(got), want, "{name}: {lead}");
            compared += 1;
        }
        // The whole file as one NDJSON batch, and as one JSON array.
        let batch = server.post(
            &format!("/v1/policies/{name}/decide/batch?as_of={AS_OF}"),
            &text,
        );
        assert_eq!(batch.status, 200, "{}", batch.body);
        assert_eq!(batch.content_type, "application/x-ndjson");
        let got: Vec<Value> = batch
            .body
            .lines()
            .map(|l| without_service_fields(serde_json::from_str(l).expect("a line")))
            .collect();
        assert_eq!(got, expected, "{name} batch over {data}");
        let array: Vec<Value> = leads
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or(Value::String(l.to_string())))
            .collect();
        if array.iter().all(Value::is_object) {
            let body = serde_json::to_string(&array).expect("JSON");
            let a = server.post(
                &format!("/v1/policies/{name}/decide/batch?as_of={AS_OF}"),
                &body,
            );
            assert_eq!(a.status, 200, "{}", a.body);
            assert_eq!(a.content_type, "application/json");
            let got: Vec<Value> = serde_json::from_str::<Vec<Value>>(&a.body)
                .expect("an array")
                .into_iter()
                .map(without_service_fields)
                .collect();
            assert_eq!(got, expected, "{name} array over {data}");
        }
    }
    assert!(compared > 400, "only {compared} leads compared");
}

#[test]
fn a_batch_keeps_order_and_answers_bad_records_with_error_outcomes() {
    let server = Server::start(&[INBOUND]);
    let good = r#"{"id": 1, "email": "ana@acme.com", "role": "VP", "employees": 200, "budget": "$25,000", "country": "US", "industry": "SaaS", "demo_requested": false, "Total Visits": 0, "last_activity": "2026-11-01"}"#;
    let student = r#"{"id": 2, "email": "bo@school.edu", "role": "Student", "employees": 10, "budget": null, "country": "US", "industry": "Education", "demo_requested": "yes", "Total Visits": 3, "last_activity": "2026-11-10"}"#;
    let body = [
        good,
        "{not json",
        "[1, 2]",
        r#"{"id": 4, "budget": "ten grand"}"#,
        student,
    ]
    .join("\n");
    let a = server.post(
        &format!("/v1/policies/inbound-saas/decide/batch?as_of={AS_OF}"),
        &body,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let lines: Vec<Value> = a
        .body
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let rows: Vec<u64> = lines
        .iter()
        .map(|l| l["row"].as_u64().expect("row"))
        .collect();
    assert_eq!(rows, [1, 2, 3, 4, 5]);
    let statuses: Vec<&str> = lines
        .iter()
        .map(|l| l["status"].as_str().expect("status"))
        .collect();
    assert_eq!(
        statuses,
        ["qualified", "error", "error", "error", "disqualified"]
    );
    assert!(
        lines[1]["reasons"][0]
            .as_str()
            .expect("reason")
            .contains("invalid JSON"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2]["reasons"][0]
            .as_str()
            .expect("reason")
            .contains("found an array"),
        "{}",
        lines[2]
    );
    assert_eq!(
        lines[3]["id"],
        json!(4),
        "the key of an unreadable lead is kept"
    );
    // Each decision has its own id.
    let mut ids: Vec<&str> = lines
        .iter()
        .map(|l| l["decision_id"].as_str().expect("id"))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 5);
    // The same body through eval: the same lines.
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("batch.ndjson");
    std::fs::write(&file, &body).expect("written");
    let want = eval_lines(INBOUND, &file.to_string_lossy(), AS_OF);
    let got: Vec<Value> = lines.into_iter().map(without_service_fields).collect();
    assert_eq!(got, want);
    // An empty batch is an empty answer; a malformed array is one 400.
    let empty = server.post("/v1/policies/inbound-saas/decide/batch", "");
    assert_eq!((empty.status, empty.body.as_str()), (200, ""));
    let array = server.post("/v1/policies/inbound-saas/decide/batch", "[{\"id\": 1},");
    assert_eq!(array.status, 400, "{}", array.body);
    assert_eq!(array.json()["error"]["code"], "malformed_batch");
    let empty_array = server.post("/v1/policies/inbound-saas/decide/batch", "[]");
    assert_eq!(
        (empty_array.status, empty_array.body.as_str()),
        (200, "[]\n")
    );
}

#[test]
fn every_error_status_has_a_json_body_with_a_message() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret-token\n").expect("written");
    let server = Server::start(&[INBOUND, "--max-body", "1KiB", "--max-batch-body", "4KiB"]);
    let decide = "/v1/policies/inbound-saas/decide";
    let big = format!("{{\"x\": \"{}\"}}", "a".repeat(2000));
    let cases = [
        (
            "malformed JSON",
            400,
            "malformed_json",
            server.post(decide, "{\"id\": "),
        ),
        (
            "not an object",
            400,
            "not_an_object",
            server.post(decide, "[1]"),
        ),
        (
            "unknown policy",
            404,
            "unknown_policy",
            server.post("/v1/policies/inbound/decide", "{}"),
        ),
        ("unknown route", 404, "no_route", server.get("/v2/nothing")),
        ("wrong method", 405, "wrong_method", server.get(decide)),
        (
            "over the limit",
            413,
            "body_too_large",
            server.post(decide, &big),
        ),
        (
            "batch over its limit",
            413,
            "body_too_large",
            server.post(&format!("{decide}/batch"), &"{}\n".repeat(3000)),
        ),
        (
            "unreadable lead",
            422,
            "unreadable_lead",
            server.post(decide, "{\"id\": 1}"),
        ),
        (
            "bad date",
            400,
            "bad_query",
            server.post(&format!("{decide}?as_of=yesterday"), "{}"),
        ),
        (
            "unknown parameter",
            400,
            "bad_query",
            server.post(&format!("{decide}?explian=true"), "{}"),
        ),
    ];
    for (what, status, code, a) in &cases {
        assert_eq!(a.status, *status, "{what}: {}", a.body);
        assert!(a.content_type.starts_with("application/json"), "{what}");
        let v = a.json();
        assert_eq!(v["error"]["code"], *code, "{what}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{what}: {}",
            a.body
        );
    }
    // A chunked body (no length given) is cut off at the limit too.
    let chunked = raw_chunked(&server.base, decide, &big);
    assert!(chunked.starts_with("HTTP/1.1 413"), "{chunked}");
    assert!(chunked.contains("\"body_too_large\""), "{chunked}");
    // Did-you-mean on an unknown policy, and the unreadable lead's outcome.
    let unknown = server.post("/v1/policies/inbound-sass/decide", "{}").json();
    assert!(unknown["error"]["help"]
        .as_str()
        .expect("help")
        .contains("did you mean `inbound-saas`"));
    let unreadable = server.post(decide, "{\"id\": 1}").json();
    assert_eq!(unreadable["outcome"]["status"], "error");
    assert_eq!(unreadable["outcome"]["id"], 1);
    assert!(unreadable["outcome"]["decision_id"].is_string());
    // Nothing here was a 5xx.
    let metrics = server.get("/metrics").body;
    assert!(!metrics.contains("status=\"5"), "{metrics}");

    // The token: none, wrong, right.
    let guarded = Server::start(&[INBOUND, "--token-file", &token.to_string_lossy()]);
    let lead = r#"{"id": 1, "email": "a@b.co", "role": "VP", "employees": 200, "budget": 25000, "country": "US", "industry": "SaaS", "demo_requested": false, "Total Visits": 0, "last_activity": "2026-11-01"}"#;
    let none = guarded.post(decide, lead);
    assert_eq!(
        (none.status, none.json()["error"]["code"].clone()),
        (401, json!("no_token"))
    );
    let wrong = guarded.post_with(decide, lead, &[("authorization", "Bearer nope")]);
    assert_eq!(
        (wrong.status, wrong.json()["error"]["code"].clone()),
        (401, json!("bad_token"))
    );
    let right = guarded.post_with(decide, lead, &[("authorization", "Bearer s3cret-token")]);
    assert_eq!(right.status, 200, "{}", right.body);
    assert_eq!(guarded.get("/health").status, 200, "health needs no token");
}

#[test]
fn the_service_endpoints_list_policies_and_count_decisions() {
    let server = Server::start(&["inbound=examples/inbound-saas.lq", "examples/bant.lq"]);
    assert_eq!(server.get("/health").json(), json!({"status": "ok"}));
    let ready = server.get("/ready");
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["status"], "ready");
    let listed = server.get("/v1/policies").json();
    let names: Vec<&str> = listed["policies"]
        .as_array()
        .expect("policies")
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["inbound", "bant"]);
    let inbound = &listed["policies"][0];
    let text = std::fs::read(INBOUND).expect("policy");
    let sha = sha_of(&text);
    assert_eq!(inbound["sha256"], json!(sha));
    assert!(inbound["loaded_at"].as_str().expect("time").ends_with('Z'));
    assert_eq!(inbound["reload_error"], Value::Null);
    let fields = inbound["schema"]["fields"].as_array().expect("fields");
    assert!(
        fields
            .iter()
            .any(|f| f["name"] == "budget" && f["type"] == "money" && f["optional"] == true),
        "{fields:?}"
    );
    assert!(fields.iter().any(|f| f["name"] == "id" && f["key"] == true));
    assert_eq!(inbound["schema"]["tiers"], json!(["A", "B", "C"]));

    // Decisions counted by class; the explain trace on request.
    let data = csv_as_ndjson("examples/data/inbound-leads.csv");
    let a = server.post(
        &format!("/v1/policies/inbound/decide/batch?as_of={AS_OF}"),
        &data,
    );
    assert_eq!(a.status, 200);
    let first = data.lines().next().expect("a lead");
    let explained = server
        .post(
            &format!("/v1/policies/inbound/decide?as_of={AS_OF}&explain=true"),
            first,
        )
        .json();
    assert!(explained["explain"]["rules"].is_array(), "{explained}");
    // The HubSpot webhook shape: properties, each maybe {"value": ...}.
    let lead: Value = serde_json::from_str(first).expect("JSON");
    let wrapped: serde_json::Map<String, Value> = lead
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| (k.clone(), json!({"value": v})))
        .collect();
    let hubspot = json!({"objectId": 1, "properties": wrapped}).to_string();
    let via_hubspot = server
        .post(
            &format!("/v1/policies/inbound/decide?as_of={AS_OF}"),
            &hubspot,
        )
        .json();
    let plain = server
        .post(&format!("/v1/policies/inbound/decide?as_of={AS_OF}"), first)
        .json();
    assert_eq!(
        without_service_fields(via_hubspot),
        without_service_fields(plain)
    );

    let metrics = server.get("/metrics");
    assert_eq!(metrics.status, 200);
    let m = &metrics.body;
    assert!(
        m.contains("lq_decisions_total{policy=\"inbound\",class=\"A\"} "),
        "{m}"
    );
    assert!(
        m.contains("lq_decisions_total{policy=\"inbound\",class=\"disqualified\"} 3"),
        "{m}"
    );
    assert!(
        m.contains("lq_http_requests_total{endpoint=\"batch\",status=\"200\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("lq_http_request_duration_seconds_bucket{le="),
        "{m}"
    );
    assert!(m.contains("# TYPE lq_policy_reloads counter"), "{m}");
    assert!(m.ends_with("# EOF\n"), "{m}");
}

fn sha_of(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn the_decision_log_records_every_decision_and_rotates() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let log = dir.path().join("decisions.ndjson");
    let log_arg = log.to_string_lossy().into_owned();
    let mut server = Server::start(&[
        INBOUND,
        "--decision-log",
        &log_arg,
        "--decision-log-max-size",
        "16KiB",
        "--decision-log-keep",
        "2",
    ]);
    let data = csv_as_ndjson("examples/data/inbound-history.csv");
    let first = data.lines().next().expect("a lead");
    let one = server
        .post(
            &format!("/v1/policies/inbound-saas/decide?as_of={AS_OF}"),
            first,
        )
        .json();
    let batch = server.post(
        &format!("/v1/policies/inbound-saas/decide/batch?as_of={AS_OF}"),
        &data,
    );
    assert_eq!(batch.status, 200);
    server.signal("TERM");
    assert_eq!(server.wait(Duration::from_secs(20)), Some(0));
    // The current file and two rotated ones, none over the size.
    let mut lines = Vec::new();
    for path in [
        format!("{log_arg}.2"),
        format!("{log_arg}.1"),
        log_arg.clone(),
    ] {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(text.len() <= 16 << 10, "{path} is {} bytes", text.len());
        lines.extend(
            text.lines()
                .map(|l| serde_json::from_str::<Value>(l).expect("a log line")),
        );
    }
    assert!(
        !std::path::Path::new(&format!("{log_arg}.3")).exists(),
        "only two are kept"
    );
    // The newest lines are all there: the last of the batch is the last line.
    let last = lines.last().expect("a line");
    let batch_last: Value =
        serde_json::from_str(batch.body.lines().last().expect("a line")).expect("JSON");
    assert_eq!(last["outcome"], batch_last);
    assert_eq!(last["decision_id"], batch_last["decision_id"]);
    let every: Vec<&Value> = lines.iter().collect();
    for entry in &every {
        for field in [
            "decision_id",
            "time",
            "policy",
            "sha256",
            "input",
            "outcome",
        ] {
            assert!(entry.get(field).is_some(), "{field} missing in {entry}");
        }
        assert_eq!(entry["policy"], "inbound-saas");
        assert_eq!(entry["outcome"]["decision_id"], entry["decision_id"]);
    }
    // Without rotation: every decision, in order, with its input.
    let plain_log = dir.path().join("all.ndjson");
    let mut server = Server::start(&[INBOUND, "--decision-log", &plain_log.to_string_lossy()]);
    let one_again = server
        .post(
            &format!("/v1/policies/inbound-saas/decide?as_of={AS_OF}"),
            first,
        )
        .json();
    let batch = server.post(
        &format!("/v1/policies/inbound-saas/decide/batch?as_of={AS_OF}"),
        &data,
    );
    server.signal("TERM");
    assert_eq!(server.wait(Duration::from_secs(20)), Some(0));
    let text = std::fs::read_to_string(&plain_log).expect("the log");
    let entries: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(entries.len(), 1 + data.lines().count());
    assert_eq!(
        entries[0]["input"],
        serde_json::from_str::<Value>(first).expect("JSON")
    );
    assert_eq!(entries[0]["outcome"], one_again);
    for (entry, (line, input)) in entries[1..]
        .iter()
        .zip(batch.body.lines().zip(data.lines()))
    {
        assert_eq!(
            entry["outcome"],
            serde_json::from_str::<Value>(line).expect("JSON")
        );
        assert_eq!(
            entry["input"],
            serde_json::from_str::<Value>(input).expect("JSON")
        );
    }
    assert_ne!(one["decision_id"], one_again["decision_id"]);
}

#[test]
fn a_full_disk_stops_the_log_and_says_so_on_ready_but_decisions_go_on() {
    let server = Server::start(&[INBOUND, "--decision-log", "/dev/full"]);
    let data = csv_as_ndjson("examples/data/inbound-history.csv");
    let a = server.post(
        &format!("/v1/policies/inbound-saas/decide/batch?as_of={AS_OF}"),
        &data,
    );
    assert_eq!(a.status, 200);
    let ready = server.until("/ready", |a| a.status == 503);
    let body = ready.json();
    assert_eq!(body["ready"], false);
    let problem = body["problems"][0].as_str().expect("a problem");
    assert!(
        problem.contains("decision log") && problem.contains("no space left on the device"),
        "{problem}"
    );
    let after = server.post(
        &format!("/v1/policies/inbound-saas/decide?as_of={AS_OF}"),
        data.lines().next().expect("a lead"),
    );
    assert_eq!(after.status, 200, "decisions go on: {}", after.body);
    let metrics = server.get("/metrics").body;
    assert!(metrics.contains("lq_decision_log_failed 1"), "{metrics}");
    assert!(!server.stderr().contains("panicked"));
}

/// A copy of the inbound policy in a temporary folder (kept while the
/// first value lives): the folder, the file, and its text.
fn inbound_copy() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("inbound.lq");
    let original = std::fs::read_to_string(INBOUND).expect("policy");
    std::fs::write(&path, &original).expect("written");
    (dir, path, original)
}

/// The inbound policy with `otherwise tier C` made `otherwise tier B`, so decisions move.
fn edited(text: &str) -> String {
    let edited = text.replacen("otherwise tier C", "otherwise tier B", 1);
    assert_ne!(edited, text, "the example still ends in `otherwise tier C`");
    edited
}

#[test]
fn hot_reload_swaps_a_good_policy_and_keeps_serving_through_a_broken_one() {
    let (_dir, path, original) = inbound_copy();
    let server = Server::start(&[&path.to_string_lossy(), "--watch-every", "50ms"]);
    let sha0 = sha_of(original.as_bytes());
    let lead = csv_as_ndjson("examples/data/inbound-leads.csv")
        .lines()
        .find(|l| {
            let v = eval_line(&original, l);
            v["rule"] == "otherwise"
        })
        .map(String::from);
    let decide = format!("/v1/policies/inbound/decide?as_of={AS_OF}");
    let listed = server.get("/v1/policies").json();
    assert_eq!(listed["policies"][0]["sha256"], json!(sha0));

    // A good edit: served as soon as it is seen.
    let good = edited(&original);
    std::fs::write(&path, &good).expect("written");
    let sha1 = sha_of(good.as_bytes());
    server.until("/v1/policies", |a| {
        a.json()["policies"][0]["sha256"] == json!(sha1)
    });
    if let Some(lead) = &lead {
        let a = server.post(&decide, lead).json();
        assert_eq!(
            (a["tier"].clone(), a["sha256"].clone()),
            (json!("B"), json!(sha1))
        );
    }
    assert!(
        server
            .stderr()
            .contains(&format!("reloaded inbound (sha256 {sha1})")),
        "{}",
        server.stderr()
    );

    // A broken edit: the good version goes on; /ready and the listing say why.
    std::fs::write(&path, good.replace("tiers A > B > C", "tiers A > B >")).expect("written");
    let ready = server.until("/ready", |a| a.json()["status"] == "degraded");
    assert_eq!(
        ready.status, 200,
        "a failed reload degrades, it does not stop the service"
    );
    let failure = &ready.json()["policies"][0]["reload_error"];
    assert!(
        failure["message"]
            .as_str()
            .expect("message")
            .contains(&format!("still serving sha256 {sha1}")),
        "{failure}"
    );
    let diagnostic = &failure["diagnostics"][0];
    assert!(
        diagnostic["line"].as_u64().is_some() && diagnostic["code"].is_string(),
        "{failure}"
    );
    assert_eq!(server.get("/ready?strict=true").status, 503);
    let listed = server.get("/v1/policies").json();
    assert_eq!(listed["policies"][0]["sha256"], json!(sha1));
    assert!(listed["policies"][0]["reload_error"].is_object());
    if let Some(lead) = &lead {
        let a = server.post(&decide, lead);
        assert_eq!(a.status, 200);
        assert_eq!(a.json()["sha256"], json!(sha1));
    }
    assert!(
        server.stderr().contains("inbound was not reloaded"),
        "{}",
        server.stderr()
    );

    // Fixed again: back to ready, the failure gone.
    std::fs::write(&path, &original).expect("written");
    let ready = server.until("/ready", |a| a.json()["status"] == "ready");
    assert_eq!(ready.json()["policies"][0]["sha256"], json!(sha0));
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains("lq_policy_reloads_total{policy=\"inbound\",result=\"ok\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("lq_policy_reloads_total{policy=\"inbound\",result=\"failed\"} 1"),
        "{metrics}"
    );
}

/// What eval decides for one NDJSON lead under `policy`'s text.
fn eval_line(policy: &str, lead: &str) -> Value {
    let dir = tempfile::tempdir().expect("a temp dir");
    let p = dir.path().join("p.lq");
    let d = dir.path().join("d.ndjson");
    std::fs::write(&p, policy).expect("written");
    std::fs::write(&d, lead).expect("written");
    eval_lines(&p.to_string_lossy(), &d.to_string_lossy(), AS_OF).remove(0)
}

#[test]
fn sighup_reloads_when_files_are_not_watched() {
    let (_dir, path, original) = inbound_copy();
    let server = Server::start(&[&path.to_string_lossy(), "--no-watch"]);
    let good = edited(&original);
    std::fs::write(&path, &good).expect("written");
    std::thread::sleep(Duration::from_millis(700));
    let listed = server.get("/v1/policies").json();
    assert_eq!(
        listed["policies"][0]["sha256"],
        json!(sha_of(original.as_bytes())),
        "not watched"
    );
    server.signal("HUP");
    server.until("/v1/policies", |a| {
        a.json()["policies"][0]["sha256"] == json!(sha_of(good.as_bytes()))
    });
    // A missing file on SIGHUP: the old version stays, the failure shows.
    std::fs::remove_file(&path).expect("removed");
    server.signal("HUP");
    let ready = server.until("/ready", |a| a.json()["status"] == "degraded");
    let message = ready.json()["policies"][0]["reload_error"]["message"].clone();
    assert!(
        message.as_str().expect("message").contains("cannot read"),
        "{message}"
    );
}

#[test]
fn shutdown_finishes_the_batch_in_flight_and_flushes_the_log() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let log = dir.path().join("decisions.ndjson");
    let mut server = Server::start(&[INBOUND, "--decision-log", &log.to_string_lossy()]);
    let one = csv_as_ndjson("examples/data/inbound-history.csv");
    let data = one.repeat(100); // 40,000 leads
    let base = server.base.clone();
    let (started, streaming) = std::sync::mpsc::channel();
    // Read the answer slowly, so SIGTERM comes while it streams.
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let mut response = agent
            .post(&format!(
                "{base}/v1/policies/inbound-saas/decide/batch?as_of={AS_OF}"
            ))
            .send(data.as_str())
            .expect("answered");
        let mut reader = response.body_mut().with_config().limit(1 << 30).reader();
        let mut first = [0u8; 1024];
        reader.read_exact(&mut first).expect("the first bytes");
        started.send(()).expect("the test waits");
        std::thread::sleep(Duration::from_millis(500));
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).expect("the rest");
        let mut all = first.to_vec();
        all.extend(rest);
        String::from_utf8(all).expect("text")
    });
    streaming
        .recv_timeout(Duration::from_secs(60))
        .expect("the answer starts");
    server.signal("TERM");
    let body = reader.join().expect("the reader");
    assert_eq!(body.lines().count(), 40_000, "the batch in flight finished");
    assert_eq!(server.wait(Duration::from_secs(60)), Some(0));
    assert!(
        server.stderr().contains("lq serve: stopped"),
        "{}",
        server.stderr()
    );
    let logged = std::fs::read_to_string(&log).expect("the log");
    assert_eq!(
        logged.lines().count(),
        40_000,
        "every decision logged before exit"
    );
}

#[test]
fn a_client_that_goes_away_mid_batch_does_not_stop_the_server() {
    let server = Server::start(&[INBOUND]);
    let data = csv_as_ndjson("examples/data/inbound-history.csv").repeat(200);
    let addr = server.base.trim_start_matches("http://").to_string();
    for _ in 0..3 {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&addr).expect("connects");
        let head = format!(
            "POST /v1/policies/inbound-saas/decide/batch HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n\r\n",
            data.len()
        );
        stream.write_all(head.as_bytes()).expect("written");
        stream.write_all(data.as_bytes()).expect("written");
        let mut some = [0u8; 4096];
        let _ = stream.read(&mut some);
        drop(stream);
    }
    assert_eq!(server.get("/health").status, 200);
    let lead = csv_as_ndjson("examples/data/inbound-leads.csv");
    let a = server.post(
        "/v1/policies/inbound-saas/decide",
        lead.lines().next().expect("a lead"),
    );
    assert_eq!(a.status, 200);
    assert!(!server.stderr().contains("panicked"));
}

#[test]
fn the_playground_endpoints_answer_as_the_commands_do() {
    let server = Server::start(&[INBOUND, "--playground"]);
    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    assert!(page.body.contains("playground.js"));
    assert_eq!(server.get("/playground.js").status, 200);
    let policy = server.get("/v1/playground/policy").json();
    let text = policy["text"].as_str().expect("text").to_string();
    assert_eq!(text, std::fs::read_to_string(INBOUND).expect("policy"));

    // Check: a typo is a diagnostic with a code, a place and help.
    let typo = text.replacen("role in [VP", "role in [Vp", 1);
    assert_ne!(typo, text);
    let checked = server
        .post("/v1/playground/check", &json!({"policy": typo}).to_string())
        .json();
    assert_eq!(checked["errors"], 1, "{checked}");
    let d = &checked["diagnostics"][0];
    assert_eq!(d["code"], "lq::unknown_variant", "{d}");
    assert!(d["help"].as_str().expect("help").contains("VP"), "{d}");
    let from = d["from"].as_u64().expect("from") as usize;
    assert_eq!(&typo[from..from + 2], "Vp");

    // Evaluate: eval's outcomes and class counts.
    let leads = std::fs::read_to_string("examples/data/inbound-leads.csv").expect("leads");
    let request = json!({"policy": text, "leads": leads, "as_of": AS_OF}).to_string();
    let evaluated = server.post("/v1/playground/evaluate", &request).json();
    let want = eval_lines(INBOUND, "examples/data/inbound-leads.csv", AS_OF);
    assert_eq!(evaluated["outcomes"], Value::Array(want.clone()));
    assert_eq!(evaluated["total"], 9);
    let a = evaluated["classes"]
        .as_array()
        .expect("classes")
        .iter()
        .find(|c| c["class"] == "A")
        .expect("A");
    assert_eq!(
        a["leads"],
        json!(want.iter().filter(|o| o["tier"] == "A").count())
    );

    // Explain: the trace and lq explain's text.
    let request = json!({"policy": text, "leads": leads, "row": 2, "as_of": AS_OF}).to_string();
    let explained = server.post("/v1/playground/explain", &request).json();
    assert_eq!(explained["outcome"]["status"], "disqualified");
    assert!(
        explained["text"]
            .as_str()
            .expect("text")
            .contains("student"),
        "{explained}"
    );

    // Coverage and diff, with the outcome column.
    let history = std::fs::read_to_string("examples/data/inbound-history.csv").expect("history");
    let request = json!({"policy": text, "leads": history, "outcome": "converted", "as_of": AS_OF})
        .to_string();
    let coverage = server.post("/v1/playground/coverage", &request).json();
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_lq"))
        .args([
            "coverage",
            INBOUND,
            "examples/data/inbound-history.csv",
            "--outcome",
            "converted",
            "--format",
            "json",
            "--as-of",
            AS_OF,
        ])
        .output()
        .expect("lq coverage");
    let cli: Value = serde_json::from_slice(&cli.stdout).expect("JSON");
    assert_eq!(coverage, cli);
    assert!(
        coverage["scores"][0]["deciles"][9]["cumulative_gain"].is_number(),
        "{}",
        coverage["scores"]
    );
    let request = json!({"old": text, "policy": edited(&text), "leads": history, "outcome": "converted", "as_of": AS_OF}).to_string();
    let diff = server.post("/v1/playground/diff", &request).json();
    assert!(diff["changed"].as_u64().expect("changed") > 0, "{diff}");
    assert!(
        diff["moves"]
            .as_array()
            .expect("moves")
            .iter()
            .any(|m| m["from"] == "unmatched" || m["to"] == "B"),
        "{diff}"
    );

    // A broken policy is 422 with its diagnostics; bad leads say why.
    let broken = server.post(
        "/v1/playground/evaluate",
        &json!({"policy": typo, "leads": leads}).to_string(),
    );
    assert_eq!(broken.status, 422);
    assert_eq!(
        broken.json()["diagnostics"][0]["code"],
        "lq::unknown_variant"
    );
    let bad = server.post(
        "/v1/playground/evaluate",
        &json!({"policy": text, "leads": "name\nx\n"}).to_string(),
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.json()["error"]["code"], "leads_unreadable");
    let missing = server.post(
        "/v1/playground/evaluate",
        &json!({"policy": text}).to_string(),
    );
    assert_eq!(missing.status, 400);
}

#[test]
fn without_the_flag_there_is_no_playground() {
    let server = Server::start(&[INBOUND]);
    assert_eq!(server.get("/").status, 404);
    assert_eq!(server.post("/v1/playground/check", "{}").status, 404);
}

/// The `$ curl` examples of docs/serve.md, run against a real server: each
/// answer equals the JSON shown (pretty-printed there), ids, hashes and
/// times aside.
#[test]
fn the_examples_in_docs_serve_md_answer_as_shown() {
    let server = Server::start(&[INBOUND]);
    let doc = std::fs::read_to_string("docs/serve.md").expect("docs/serve.md");
    let mut examples = 0;
    let mut lines = doc.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() != "```text" {
            continue;
        }
        let mut block = Vec::new();
        for l in lines.by_ref() {
            if l.trim_start().starts_with("```") {
                break;
            }
            block.push(l);
        }
        let Some(command) = block.first().and_then(|l| l.strip_prefix("$ curl ")) else {
            continue;
        };
        let command = format!("curl {command}").replace("http://127.0.0.1:8080", &server.base);
        let out = std::process::Command::new("bash")
            .args(["-c", &command])
            .output()
            .expect("curl runs");
        assert!(
            out.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = json_values(&String::from_utf8_lossy(&out.stdout));
        let want = json_values(&block[1..].join("\n"));
        assert!(
            !want.is_empty(),
            "docs/serve.md: no answer shown for {command}"
        );
        assert_eq!(got, want, "docs/serve.md: `{command}` answers otherwise");
        examples += 1;
    }
    assert!(examples >= 4, "only {examples} curl examples found");
}

/// Every JSON value in `text`, without the fields that differ run to run.
fn json_values(text: &str) -> Vec<Value> {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for key in ["decision_id", "sha256", "time", "loaded_at"] {
                    map.remove(key);
                }
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .map(|v| {
            let mut v = v.unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
            strip(&mut v);
            v
        })
        .collect()
}

/// POSTs `body` in one chunk of chunked transfer encoding (no
/// Content-Length), and returns the raw answer.
fn raw_chunked(base: &str, path: &str, body: &str) -> String {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("connects");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("written");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

#[test]
fn the_playground_needs_the_token_when_one_is_set() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let token = dir.path().join("token");
    std::fs::write(&token, "pg-token\n").expect("written");
    let server = Server::start(&[
        INBOUND,
        "--playground",
        "--token-file",
        &token.to_string_lossy(),
    ]);
    assert_eq!(
        server.get("/").status,
        200,
        "the page itself holds nothing secret"
    );
    assert_eq!(server.get("/v1/playground/policy").status, 401);
    assert_eq!(
        server
            .post("/v1/playground/check", "{\"policy\": \"\"}")
            .status,
        401
    );
    let auth = [("authorization", "Bearer pg-token")];
    let checked = server.post_with("/v1/playground/check", "{\"policy\": \"tiers A\"}", &auth);
    assert_eq!(checked.status, 200, "{}", checked.body);
}

/// The address line reaches standard error in one piece: a client that
/// waits for it (the browser test, a deploy script) reads it whole, not
/// `http://127` (which is the address 0.0.0.127) with the rest to come.
#[test]
fn the_listening_line_is_written_whole() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_lq"))
        .args(["serve", INBOUND, "--addr", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lq starts");
    let mut stderr = child.stderr.take().expect("stderr");
    // The first read returns as soon as anything is written: with the
    // line written piece by piece it held only its first piece.
    let mut chunk = [0u8; 4096];
    let n = stderr.read(&mut chunk).expect("stderr is readable");
    let _ = child.kill();
    let _ = child.wait();
    let first = String::from_utf8_lossy(&chunk[..n]);
    let line = first.lines().next().unwrap_or("");
    assert!(
        first.contains('\n') && line.starts_with("lq serve: listening on http://127.0.0.1:"),
        "the first read from standard error: {first:?}"
    );
    let port = line.rsplit(':').next().unwrap_or("");
    assert!(port.parse::<u16>().is_ok_and(|p| p > 0), "{line}");
}
