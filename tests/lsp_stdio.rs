//! The real `lq lsp` binary over stdio, driven as an editor drives it:
//! initialize, open a policy with a typo, receive the diagnostic, ask for
//! completion after `role = `, apply the quick fix, format, shut down.
#![cfg(feature = "lsp")]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};

const POLICY: &str = include_str!("../examples/inbound-saas.lq");
const URI: &str = "file:///policies/inbound-saas.lq";

fn send(stdin: &mut ChildStdin, message: Value) {
    let body = message.to_string();
    write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("lq lsp reads stdin");
    stdin.flush().expect("flushed");
}

/// Reads framed messages from the server into a channel.
fn reader(stdout: ChildStdout) -> mpsc::Receiver<Value> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut out = BufReader::new(stdout);
        loop {
            let mut length = 0;
            loop {
                let mut line = String::new();
                if out.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(n) = line.strip_prefix("Content-Length: ") {
                    length = n.parse().expect("a length");
                }
            }
            let mut body = vec![0; length];
            if out.read_exact(&mut body).is_err() {
                return;
            }
            let value = serde_json::from_slice(&body).expect("the server writes JSON");
            if tx.send(value).is_err() {
                return;
            }
        }
    });
    rx
}

/// The next message that satisfies `want`, skipping others.
fn wait(rx: &mpsc::Receiver<Value>, want: impl Fn(&Value) -> bool) -> Value {
    loop {
        let m = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("lq lsp answers within 30 s");
        if want(&m) {
            return m;
        }
    }
}

fn response(rx: &mpsc::Receiver<Value>, id: i64) -> Value {
    let m = wait(rx, |m| m["id"] == id);
    assert!(m.get("error").is_none(), "request {id} failed: {m}");
    m["result"].clone()
}

fn diagnostics(rx: &mpsc::Receiver<Value>) -> Value {
    wait(rx, |m| m["method"] == "textDocument/publishDiagnostics")["params"].clone()
}

#[test]
fn an_editor_session_over_stdio() {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("lq"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lq lsp starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let rx = reader(child.stdout.take().expect("stdout"));

    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"processId": null, "rootUri": null, "capabilities": {}}}),
    );
    let init = response(&rx, 1);
    assert_eq!(init["serverInfo"]["name"], "lq");
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    );

    // A policy with a typo, and a rule being typed after `role = `.
    let typo = POLICY.replace("when budget >= 5k", "when budgte >= 5k");
    let text = format!("{typo}\nrule new: when role = ");
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
        "params": {"textDocument": {"uri": URI, "languageId": "lq", "version": 1, "text": text}}}),
    );
    let published = diagnostics(&rx);
    let codes: Vec<&str> = published["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["code"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(codes, ["lq::unknown_name", "lq::syntax"], "{published}");
    let typo_diag = published["diagnostics"][0].clone();
    assert_eq!(
        typo_diag["message"],
        "unknown name `budgte`\nhelp: did you mean `budget`?"
    );

    // Completion after `role = `: the variants of Role.
    let last_line = text.lines().count() - 1;
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "id": 2, "method": "textDocument/completion",
        "params": {"textDocument": {"uri": URI},
                   "position": {"line": last_line, "character": "rule new: when role = ".len()}}}),
    );
    let items = response(&rx, 2);
    let labels: Vec<&str> = items
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["label"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        labels,
        ["CEO", "CFO", "CTO", "Director", "Engineer", "Manager", "Other", "Student", "VP"]
    );

    // The quick fix for the typo, applied as an editor would.
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "id": 3, "method": "textDocument/codeAction",
        "params": {"textDocument": {"uri": URI}, "range": typo_diag["range"],
                   "context": {"diagnostics": [typo_diag]}}}),
    );
    let actions = response(&rx, 3);
    assert_eq!(actions[0]["title"], "Change `budgte` to `budget`");
    let edit = &actions[0]["edit"]["changes"][URI][0];
    let line = edit["range"]["start"]["line"].as_u64().expect("a line") as usize;
    let (from, to) = (
        edit["range"]["start"]["character"]
            .as_u64()
            .expect("a column") as usize,
        edit["range"]["end"]["character"]
            .as_u64()
            .expect("a column") as usize,
    );
    let mut lines: Vec<String> = typo.lines().map(String::from).collect();
    lines[line].replace_range(from..to, edit["newText"].as_str().expect("text"));
    let fixed = lines.join("\n") + "\n";
    assert_eq!(fixed, POLICY);
    // A messy layout of the fixed policy, to format.
    let messy = fixed.replace("tiers A > B > C", "tiers   A>B>C");
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
        "params": {"textDocument": {"uri": URI, "version": 2}, "contentChanges": [{"text": messy}]}}),
    );
    let published = diagnostics(&rx);
    assert_eq!(published["diagnostics"], json!([]), "{published}");
    assert_eq!(published["version"], 2);

    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "id": 4, "method": "textDocument/formatting",
        "params": {"textDocument": {"uri": URI}, "options": {"tabSize": 2, "insertSpaces": true}}}),
    );
    let edits = response(&rx, 4);
    assert_eq!(edits[0]["newText"], POLICY);

    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "id": 5, "method": "shutdown", "params": null}),
    );
    assert_eq!(response(&rx, 5), Value::Null);
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "method": "exit", "params": null}),
    );
    drop(stdin);
    let status = child.wait().expect("lq lsp exits");
    assert!(status.success(), "lq lsp exits 0 after shutdown and exit");
}

/// Input that is not an editor's `initialize` (here: none at all) is a
/// protocol error: exit 2 and a message that says what `lq lsp` is for.
#[test]
fn no_initialize_is_a_protocol_error() {
    let out = Command::new(assert_cmd::cargo::cargo_bin("lq"))
        .args(["--color", "never", "lsp"])
        .env("COLUMNS", "80")
        .stdin(Stdio::null())
        .output()
        .expect("lq lsp runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr));
}

/// Input that is not the protocol at all: exit 2, and the reason.
#[test]
fn input_that_is_not_the_protocol_is_a_protocol_error() {
    let out = assert_cmd::Command::cargo_bin("lq")
        .expect("the binary")
        .args(["--color", "never", "lsp"])
        .env("COLUMNS", "80")
        .write_stdin("Content-Length: 10\r\n\r\n{\"x\": 1}  ")
        .output()
        .expect("lq lsp runs");
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr));
}
