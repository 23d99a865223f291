//! The language server's latency (divan): from a change notification to
//! the published diagnostics, and a completion, on a policy of 1,000 rules
//! (targets: under 50 ms and under 20 ms). The server runs in its own
//! thread on an in-memory connection, as an editor would talk to it.
//!
//! Run with `cargo bench --bench lsp`.

use std::time::Duration;

use divan::Bencher;
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};

fn main() {
    divan::main();
}

const URI: &str = "file:///policies/big.lq";

/// A policy of `n` rules in the shape of real tier rules, and a rule being
/// typed at its end (`... and role = `).
fn big_policy(n: usize) -> String {
    let mut text = String::from("enum Role { CEO, CTO, VP, Director, Manager, Other }\nschema {\n  id: int key\n  role: Role\n  budget: money?\n  visits: int\n  country: text\n}\ntiers A > B > C\nlet senior = role in [CEO, CTO, VP]\n");
    for i in 0..n {
        text.push_str(&format!(
            "rule r{i}: when budget >= {}k and visits > {} and role in [VP, Director] and country != \"X{i}\" then tier {}\n",
            1 + i % 97,
            i % 19,
            if i % 2 == 0 { "A" } else { "B" }
        ));
    }
    text.push_str("otherwise tier C\n");
    text
}

struct Session {
    client: Connection,
    server: Option<std::thread::JoinHandle<()>>,
    id: i32,
}

impl Session {
    fn start() -> Session {
        let (server, client) = Connection::memory();
        let handle = std::thread::spawn(move || {
            let _ = lq::lsp::run(&server);
        });
        let mut s = Session {
            client,
            server: Some(handle),
            id: 0,
        };
        s.request("initialize", json!({"capabilities": {}}));
        s.notify("initialized", json!({}));
        s
    }

    fn notify(&self, method: &str, params: Value) {
        let n = Notification::new(method.into(), params);
        self.client
            .sender
            .send(Message::Notification(n))
            .expect("the server listens");
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.id += 1;
        let id = RequestId::from(self.id);
        let r = Request::new(id.clone(), method.into(), params);
        self.client
            .sender
            .send(Message::Request(r))
            .expect("the server listens");
        loop {
            match self.client.receiver.recv_timeout(Duration::from_secs(60)) {
                Ok(Message::Response(r)) if r.id == id => return r.result.unwrap_or(Value::Null),
                Ok(_) => {}
                Err(e) => panic!("no answer: {e}"),
            }
        }
    }

    fn published(&self) -> Value {
        loop {
            match self.client.receiver.recv_timeout(Duration::from_secs(60)) {
                Ok(Message::Notification(n)) if n.method == "textDocument/publishDiagnostics" => {
                    return n.params
                }
                Ok(_) => {}
                Err(e) => panic!("no diagnostics: {e}"),
            }
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        if let Some(h) = self.server.take() {
            let _ = h.join();
        }
    }
}

/// Edits of a 1,000-rule policy, each until its diagnostics are published:
/// `typing` is keystrokes of a rule being typed at its end (a syntax error
/// each time, as while writing); `clean` changes one rule of a policy that
/// checks, so the full analysis behind the warnings runs each time.
#[divan::bench(args = ["typing", "clean"], sample_count = 60)]
fn change_to_diagnostics(bencher: Bencher, edit: &str) {
    let policy = big_policy(1000);
    let (text, other) = match edit {
        // Keystrokes of a rule being typed at the end: never complete.
        "typing" => (
            format!("{policy}when budget > 1 and rol"),
            format!("{policy}when budget > 1 and role"),
        ),
        _ => (
            policy.clone(),
            policy.replace(
                "rule r500: when budget >= 16k",
                "rule r500: when budget >= 17k",
            ),
        ),
    };
    let s = Session::start();
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": URI, "languageId": "lq", "version": 1, "text": text}}),
    );
    s.published();
    let mut version = 1;
    bencher.bench_local(|| {
        version += 1;
        let t = if version % 2 == 0 { &other } else { &text };
        s.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": URI, "version": version}, "contentChanges": [{"text": t}]}),
        );
        s.published()
    });
}

/// A completion after `role = ` at the end of a 1,000-rule policy.
#[divan::bench(sample_count = 60)]
fn completion(bencher: Bencher) {
    let text = format!("{}when role = ", big_policy(1000));
    let line = text.lines().count() - 1;
    let mut s = Session::start();
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": URI, "languageId": "lq", "version": 1, "text": text}}),
    );
    s.published();
    let params = json!({"textDocument": {"uri": URI}, "position": {"line": line, "character": 12}});
    bencher.bench_local(|| {
        let items = s.request("textDocument/completion", params.clone());
        assert_eq!(items.as_array().map(Vec::len), Some(6), "the six roles");
        items
    });
}
