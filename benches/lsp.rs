//! The language server's latency (divan): from a change notification to
//! the published diagnostics, and a completion, on a policy of 1,000 rules
//! (targets: under 50 ms and under 20 ms), and a change to one rule of a
//! 5,000-rule policy (target: under 10 ms). The server runs in its own
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

#[path = "big_policy.rs"]
mod big_policy;
use big_policy::big_policy;

const URI: &str = "file:///policies/big.lq";

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

/// Edits of a 1,000-rule policy, each sent as an editor sends a keystroke
/// (a range and its new text), until its diagnostics are published:
/// `typing` types and deletes the last letter of a rule being written at
/// its end (a syntax error each time); `clean` changes a number in rule 500
/// of a policy that checks, so the full analysis behind the warnings runs
/// each time; `clean_5000` does the same in rule 2500 of a 5,000-rule
/// policy, and `longer_5000` makes that number a digit longer and shorter
/// by turns, so that every declaration after it moves.
#[divan::bench(args = ["typing", "clean", "clean_5000", "longer_5000"], sample_count = 60, sample_size = 1)]
fn change_to_diagnostics(bencher: Bencher, edit: &str) {
    let policy = big_policy(if edit.ends_with("5000") { 5000 } else { 1000 });
    let (text, needle, a, b) = match edit {
        "clean_5000" => (policy, "rule r2500: when budget >= 7", "6", "7"),
        "longer_5000" => (policy, "rule r2500: when budget >= 7", "", "5"),
        "typing" => (
            format!("{policy}when budget > 1 and rol"),
            "and rol",
            "",
            "e",
        ),
        _ => (policy, "rule r500: when budget >= 1", "6", "7"),
    };
    // Where the edit goes: just after `needle`.
    let at = text.find(needle).expect("the needle") + needle.len();
    let line = text[..at].matches('\n').count();
    let character = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    let s = Session::start();
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": URI, "languageId": "lq", "version": 1, "text": text}}),
    );
    s.published();
    let mut version = 1;
    bencher
        // Keystrokes come apart (30 ms here, less than a fast typist's
        // gap); what the server does between them (freeing the version
        // before) is not part of a change's wait.
        .with_inputs(|| std::thread::sleep(Duration::from_millis(30)))
        .bench_local_values(|()| {
            version += 1;
            // Replace `a` with `b`, then `b` with `a`, and so on.
            let (old, new) = if version % 2 == 0 { (a, b) } else { (b, a) };
            let range = json!({"start": {"line": line, "character": character},
                           "end": {"line": line, "character": character + old.len()}});
            s.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": URI, "version": version},
                   "contentChanges": [{"range": range, "text": new}]}),
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
