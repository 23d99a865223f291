//! Starting the real `lq serve` on an ephemeral loopback port, and a small
//! HTTP client for it, shared by the server's test crates.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `lq serve`, stopped when dropped.
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Everything it has written to stderr so far.
    pub stderr: Arc<Mutex<String>>,
    agent: ureq::Agent,
}

/// An answer: status, content type and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl Server {
    /// Starts `lq serve ARGS --addr 127.0.0.1:0` and waits until it listens.
    pub fn start(args: &[&str]) -> Server {
        Self::try_start(args).unwrap_or_else(|(code, stderr)| {
            panic!("lq serve did not start (exit {code:?}):\n{stderr}")
        })
    }

    /// Like [`Server::start`]; `Err` with the exit code and stderr when
    /// it stops instead of listening.
    pub fn try_start(args: &[&str]) -> Result<Server, (Option<i32>, String)> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lq"))
            .arg("serve")
            .args(args)
            .args(["--addr", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("lq starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        let reader = BufReader::new(child.stderr.take().expect("stderr"));
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in reader.lines().map_while(Result::ok) {
                let mut s = sink.lock().expect("lock");
                s.push_str(&line);
                s.push('\n');
            }
        });
        let started = Instant::now();
        loop {
            let text = stderr.lock().expect("lock").clone();
            if let Some(at) = text.find("listening on http://") {
                let rest = &text[at + "listening on ".len()..];
                let base = rest.split_whitespace().next().unwrap_or("").to_string();
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(60)))
                    .build()
                    .into();
                return Ok(Server {
                    child,
                    base,
                    stderr,
                    agent,
                });
            }
            if let Ok(Some(status)) = child.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                let text = stderr.lock().expect("lock").clone();
                return Err((status.code(), text));
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "lq serve did not listen within 30 s:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Answer {
        let response = self
            .agent
            .get(&format!("{}{path}", self.base))
            .call()
            .expect("the server answers");
        answer(response)
    }

    /// `POST path` with `body` and headers.
    pub fn post_with(&self, path: &str, body: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = self.agent.post(&format!("{}{path}", self.base));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = request.send(body).expect("the server answers");
        answer(response)
    }

    /// `POST path` with a JSON or NDJSON body.
    pub fn post(&self, path: &str, body: &str) -> Answer {
        self.post_with(path, body, &[("content-type", "application/json")])
    }

    /// What it has written to stderr.
    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("lock").clone()
    }

    /// Sends a signal (`TERM`, `HUP`).
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Waits for the process to end, at most `limit`.
    pub fn wait(&mut self, limit: Duration) -> Option<i32> {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            assert!(
                started.elapsed() < limit,
                "lq serve did not stop within {limit:?}:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Polls `path` until `done` holds of its answer (at most 20 s).
    pub fn until(&self, path: &str, done: impl Fn(&Answer) -> bool) -> Answer {
        let started = Instant::now();
        loop {
            let a = self.get(path);
            if done(&a) {
                return a;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{path} never answered as expected; last: {a:?}\nstderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn answer(mut response: ureq::http::Response<ureq::Body>) -> Answer {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = response
        .body_mut()
        .with_config()
        .limit(512 << 20)
        .read_to_string()
        .expect("a text body");
    Answer {
        status,
        content_type,
        body,
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `lq eval --format ndjson --as-of DATE POLICY DATA`, its lines as JSON.
pub fn eval_lines(policy: &str, data: &str, as_of: &str) -> Vec<serde_json::Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_lq"))
        .args(["eval", policy, data, "--format", "ndjson", "--as-of", as_of])
        .output()
        .expect("lq eval runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("an NDJSON line"))
        .collect()
}

/// A decision without the fields the server adds to eval's.
pub fn without_service_fields(mut v: serde_json::Value) -> serde_json::Value {
    if let Some(map) = v.as_object_mut() {
        for key in ["decision_id", "policy", "sha256"] {
            map.remove(key);
        }
    }
    v
}

/// A CSV file's records as NDJSON objects of their cells' text (the
/// delimiter guessed from the header: `;` or `,`).
pub fn csv_as_ndjson(path: &str) -> String {
    let text = std::fs::read_to_string(path).expect("the data file");
    let header = text.lines().next().unwrap_or("");
    let delimiter = if header.matches(';').count() > header.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().expect("a header").clone();
    let mut out = String::new();
    for record in reader.records() {
        let record = record.expect("a CSV record");
        let object: serde_json::Map<String, serde_json::Value> = headers
            .iter()
            .zip(record.iter())
            .map(|(h, c)| (h.to_string(), serde_json::Value::from(c)))
            .collect();
        out.push_str(&serde_json::Value::Object(object).to_string());
        out.push('\n');
    }
    out
}
