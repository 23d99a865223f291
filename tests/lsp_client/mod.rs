//! A small language-server client for tests: starts `lq::lsp::run` on an
//! in-memory connection in its own thread and speaks the protocol to it.
#![allow(dead_code, reason = "each test file uses a part of the client")]

use std::collections::VecDeque;
use std::time::Duration;

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};

/// The example policy most tests use.
pub const POLICY: &str = include_str!("../../examples/inbound-saas.lq");

/// How long any answer may take before the server counts as hung.
const PATIENCE: Duration = Duration::from_secs(30);

/// A document's URI by file name.
pub fn uri(name: &str) -> String {
    format!("file:///policies/{name}")
}

/// A position as JSON.
pub fn pos((line, character): (u32, u32)) -> Value {
    json!({"line": line, "character": character})
}

/// The UTF-16 position of byte `offset` of `text`.
pub fn position_of(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].encode_utf16().count() as u32)
}

/// The position just after the first `needle` in `text`.
pub fn end_of(text: &str, needle: &str) -> (u32, u32) {
    let at = text.find(needle).expect("the needle is in the text");
    position_of(text, at + needle.len())
}

/// The position of the start of the `n`th (from 0) `needle` in `text`.
pub fn nth_start(text: &str, needle: &str, n: usize) -> (u32, u32) {
    let (at, _) = text
        .match_indices(needle)
        .nth(n)
        .expect("the needle is in the text often enough");
    position_of(text, at)
}

/// Semantic tokens decoded into (text, type name) pairs (ASCII text).
pub fn decode_tokens(
    text: &str,
    data: &Value,
    legend: &[lsp_types::SemanticTokenType],
) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.split('\n').collect();
    let numbers: Vec<u64> = data
        .as_array()
        .expect("token data")
        .iter()
        .map(|v| v.as_u64().expect("a number"))
        .collect();
    let (mut line, mut column) = (0usize, 0usize);
    let mut out = Vec::new();
    for t in numbers.chunks(5) {
        if t[0] > 0 {
            line += t[0] as usize;
            column = t[1] as usize;
        } else {
            column += t[1] as usize;
        }
        let piece = &lines[line][column..column + t[2] as usize];
        out.push((
            piece.to_string(),
            legend[t[3] as usize].as_str().to_string(),
        ));
    }
    out
}

/// A client connected to a server running in a thread.
pub struct Client {
    connection: Connection,
    server: Option<std::thread::JoinHandle<Result<(), lq::lsp::LspError>>>,
    next_id: i32,
    queue: VecDeque<Notification>,
    /// The position encoding the server chose.
    pub encoding: String,
}

impl Client {
    /// Starts a server and initialises it; `utf8` offers UTF-8 positions.
    pub fn start(utf8: bool) -> Client {
        let (server, connection) = Connection::memory();
        let handle = std::thread::Builder::new()
            .stack_size(16 << 20)
            .spawn(move || lq::lsp::run(&server))
            .expect("the server thread starts");
        let mut client = Client {
            connection,
            server: Some(handle),
            next_id: 0,
            queue: VecDeque::new(),
            encoding: String::new(),
        };
        let encodings = if utf8 {
            json!(["utf-8", "utf-16"])
        } else {
            json!(["utf-16"])
        };
        let init = client.request(
            "initialize",
            json!({"capabilities": {"general": {"positionEncodings": encodings}}}),
        );
        client.encoding = init["capabilities"]["positionEncoding"]
            .as_str()
            .unwrap_or("")
            .to_string();
        client.notify("initialized", json!({}));
        client
    }

    /// Sends a notification.
    pub fn notify(&self, method: &str, params: Value) {
        self.connection
            .sender
            .send(Message::Notification(Notification::new(
                method.into(),
                params,
            )))
            .expect("the server is listening");
    }

    fn send_request(&mut self, method: &str, params: Value) -> RequestId {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.connection
            .sender
            .send(Message::Request(Request::new(
                id.clone(),
                method.into(),
                params,
            )))
            .expect("the server is listening");
        id
    }

    /// Sends a request and waits for its answer: its result, or its error.
    pub fn answer(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.send_request(method, params);
        loop {
            match self.connection.receiver.recv_timeout(PATIENCE) {
                Ok(Message::Response(r)) if r.id == id => {
                    return match r.error {
                        Some(e) => Err(json!({"code": e.code, "message": e.message})),
                        None => Ok(r.result.unwrap_or(Value::Null)),
                    }
                }
                Ok(Message::Notification(n)) => self.queue.push_back(n),
                Ok(_) => {}
                Err(e) => panic!("no answer to {method}: {e}"),
            }
        }
    }

    /// A request's result (a failure fails the test).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.answer(method, params)
            .unwrap_or_else(|e| panic!("{method} failed: {e}"))
    }

    /// A request's error (a success fails the test).
    pub fn request_error(&mut self, method: &str, params: Value) -> Value {
        match self.answer(method, params) {
            Ok(v) => panic!("{method} should fail, answered {v}"),
            Err(e) => e,
        }
    }

    /// The next notification of `method`, waiting for it.
    pub fn notification(&mut self, method: &str) -> Value {
        if let Some(i) = self.queue.iter().position(|n| n.method == method) {
            return self.queue.remove(i).map(|n| n.params).unwrap_or_default();
        }
        loop {
            match self.connection.receiver.recv_timeout(PATIENCE) {
                Ok(Message::Notification(n)) if n.method == method => return n.params,
                Ok(Message::Notification(n)) => self.queue.push_back(n),
                Ok(_) => {}
                Err(e) => panic!("no {method}: {e}"),
            }
        }
    }

    /// The diagnostics published for a document next.
    pub fn diagnostics_of(&mut self, name: &str) -> Value {
        loop {
            let d = self.notification("textDocument/publishDiagnostics");
            if d["uri"] == uri(name) {
                return d;
            }
        }
    }

    /// Opens a document; its first diagnostics.
    pub fn open(&mut self, name: &str, text: &str) -> Value {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(name), "languageId": "lq", "version": 1, "text": text}}),
        );
        self.diagnostics_of(name)
    }

    /// Replaces a document's text; its new diagnostics.
    pub fn change(&mut self, name: &str, version: i32, text: &str) -> Value {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(name), "version": version},
                   "contentChanges": [{"text": text}]}),
        );
        self.diagnostics_of(name)
    }

    /// Closes a document; the diagnostics that clear it.
    pub fn close(&mut self, name: &str) -> Value {
        self.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri(name)}}),
        );
        self.diagnostics_of(name)
    }

    /// Completion items at a position.
    pub fn complete(&mut self, name: &str, at: (u32, u32)) -> Value {
        self.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri(name)}, "position": pos(at)}),
        )
    }

    /// The hover at a position.
    pub fn hover(&mut self, name: &str, at: (u32, u32)) -> Value {
        self.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri(name)}, "position": pos(at)}),
        )
    }

    /// The edits renaming what is at a position.
    pub fn rename(&mut self, name: &str, at: (u32, u32), new_name: &str) -> Value {
        self.request(
            "textDocument/rename",
            json!({"textDocument": {"uri": uri(name)}, "position": pos(at), "newName": new_name}),
        )
    }

    /// Shuts the server down and waits for its thread.
    pub fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        if let Some(handle) = self.server.take() {
            let result = handle
                .join()
                .expect("the server thread ends without panicking");
            assert!(result.is_ok(), "the server ends cleanly: {result:?}");
        }
    }
}
