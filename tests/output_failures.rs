//! Every subcommand, its output sent somewhere that fails: to `/dev/full`
//! (exit 2 and a message that says it could not *write*) and into a pipe
//! whose reader has already gone (a quiet stop: exit 0, no panic). The
//! subcommands are read from `lq --help`, so a command added later fails
//! here until it has an invocation below.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// A policy whose every command writes well over 64 KiB (a pipe's buffer):
/// 2,000 rules, 2,000 unused lets (warnings), 2,000 tests.
fn big_policy() -> String {
    let mut p = String::from("schema { id: int key  n: int? }\ntiers A > B\n");
    for i in 0..2000 {
        p.push_str(&format!("let unused_{i} = n > {i}\n"));
    }
    for i in 0..2000 {
        p.push_str(&format!(
            "rule r{i}: when n = {i} then tier A, route \"queue-{i}\"\n"
        ));
    }
    p.push_str("otherwise tier B\n");
    for i in 0..2000 {
        p.push_str(&format!(
            "test \"lead {i} goes to its queue\" {{\n  given {{ id: {i}, n: {i} }}\n  expect tier A\n}}\n"
        ));
    }
    p
}

/// A policy with 300 tiers and a score: its diff against the big one is a
/// 300-row movement matrix, its sweep a row per score.
fn tiered_policy() -> String {
    let tiers: Vec<String> = (0..300).map(|i| format!("T{i}")).collect();
    let mut p = format!(
        "schema {{ id: int key  n: int? }}\ntiers {}\nscore s {{ +1 per n }}\n",
        tiers.join(" > ")
    );
    for i in 0..300 {
        p.push_str(&format!("rule r{i}: when n = {i} then tier T{i}\n"));
    }
    p
}

/// The invocation of each subcommand that writes a lot to stdout, and its
/// standard input.
fn invocation(command: &str, dir: &Path) -> (Vec<String>, Vec<u8>) {
    let p = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let args: Vec<&str> = match command {
        "check" => vec!["check", "--format", "json", "POLICY"],
        "eval" => vec!["eval", "POLICY", "DATA", "--format", "ndjson"],
        "test" => vec!["test", "POLICY"],
        "explain" => vec!["explain", "POLICY", "DATA", "--row", "2000"],
        "coverage" => vec!["coverage", "POLICY", "DATA"],
        "compile" => vec!["compile", "POLICY", "--to", "sql", "--dialect", "sqlite"],
        "fmt" => vec!["fmt", "-"],
        "repl" => vec!["repl", "POLICY"],
        "schema" => vec!["schema", "infer", "WIDE"],
        "generate" => vec!["generate", "POLICY", "--count", "20000"],
        "diff" => vec!["diff", "TIERED", "POLICY", "DATA"],
        "sweep" => vec!["sweep", "TIERED", "DATA", "--outcome", "n"],
        "lsp" => vec!["lsp"],
        other => panic!("add an invocation of `lq {other}` that writes over 64 KiB to stdout"),
    };
    let args = args
        .into_iter()
        .map(|a| match a {
            "POLICY" => p("big.lq"),
            "DATA" => p("leads.csv"),
            "WIDE" => p("wide.csv"),
            "TIERED" => p("tiered.lq"),
            other => other.to_string(),
        })
        .collect();
    let stdin = match command {
        "fmt" => big_policy().into_bytes(),
        "lsp" => lsp_session(),
        "repl" => b":rules\n:rules\n:rules\n".to_vec(),
        _ => Vec::new(),
    };
    (args, stdin)
}

/// An editor's session with `lq lsp`: open the big policy (its 2,000
/// warnings are published as diagnostics), shut down, exit.
fn lsp_session() -> Vec<u8> {
    let messages = [
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}),
        serde_json::json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
        serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument":
            {"uri": "file:///policies/big.lq", "languageId": "lq", "version": 1, "text": big_policy()}}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": null}),
        serde_json::json!({"jsonrpc": "2.0", "method": "exit", "params": null}),
    ];
    let mut out = Vec::new();
    for m in messages {
        let body = m.to_string();
        out.extend(format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes());
    }
    out
}

/// Subcommands that write nothing to standard output, and where their
/// failing writes are tested instead.
const NOT_ON_STDOUT: &[(&str, &str)] = &[(
    "serve",
    "answers over HTTP: tests/serve.rs covers a decision log on a full disk and clients that go away mid-answer",
)];

/// The subcommands `lq --help` lists (but `help`, and those that do not
/// write to standard output).
fn subcommands() -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_lq"))
        .arg("--help")
        .output()
        .expect("lq runs");
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help" && !NOT_ON_STDOUT.iter().any(|(n, _)| n == c))
        .map(String::from)
        .collect()
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("big.lq"), big_policy()).expect("written");
    std::fs::write(dir.path().join("tiered.lq"), tiered_policy()).expect("written");
    let mut leads = String::from("id,n\n");
    for i in 0..5000 {
        leads.push_str(&format!("{i},{}\n", i % 2500));
    }
    std::fs::write(dir.path().join("leads.csv"), leads).expect("written");
    let header: Vec<String> = (0..4000).map(|i| format!("column_number_{i}")).collect();
    let row: Vec<String> = (0..4000).map(|i| i.to_string()).collect();
    std::fs::write(
        dir.path().join("wide.csv"),
        format!("{}\n{}\n", header.join(","), row.join(",")),
    )
    .expect("written");
    dir
}

/// Where a run's standard output goes.
enum Sink {
    /// A pipe this test reads.
    Pipe,
    /// A pipe whose reading end is closed before lq writes anything.
    ClosedPipe,
    /// `/dev/full`: every write fails with "no space left".
    Full,
}

/// Runs `lq ARGS` with `stdin` as its input and its output to `sink`.
fn run(args: &[String], stdin: &[u8], sink: Sink) -> std::process::Output {
    let stdout = match sink {
        Sink::Pipe | Sink::ClosedPipe => Stdio::piped(),
        Sink::Full => Stdio::from(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .expect("/dev/full"),
        ),
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_lq"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("lq starts");
    if matches!(sink, Sink::ClosedPipe) {
        drop(child.stdout.take());
    }
    if let Some(mut input) = child.stdin.take() {
        // The command may stop before it has read everything.
        let _ = input.write_all(stdin);
    }
    child.wait_with_output().expect("lq ends")
}

#[test]
fn the_subcommand_list_is_read_from_the_cli() {
    let commands = subcommands();
    for expected in ["check", "eval", "test", "fmt", "repl", "compile"] {
        assert!(commands.iter().any(|c| c == expected), "{commands:?}");
    }
}

#[test]
fn every_subcommand_writes_more_than_a_pipe_holds() {
    let dir = setup();
    for command in subcommands() {
        let (args, stdin) = invocation(&command, dir.path());
        let out = run(&args, &stdin, Sink::Pipe);
        assert!(
            out.stdout.len() > 64 * 1024,
            "lq {command} wrote only {} bytes; make its invocation write more",
            out.stdout.len()
        );
    }
}

#[test]
fn a_full_disk_is_exit_2_with_a_write_message() {
    let dir = setup();
    for command in subcommands() {
        let (args, stdin) = invocation(&command, dir.path());
        let out = run(&args, &stdin, Sink::Full);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "lq {command}: {stderr}");
        assert!(
            stderr.contains("cannot write to standard output: no space left on the device"),
            "lq {command}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "lq {command}: {stderr}");
    }
}

#[test]
fn a_closed_pipe_stops_quietly() {
    let dir = setup();
    for command in subcommands() {
        let (args, stdin) = invocation(&command, dir.path());
        let out = run(&args, &stdin, Sink::ClosedPipe);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "lq {command}: {stderr}");
        assert!(!stderr.contains("panicked"), "lq {command}: {stderr}");
        assert!(!stderr.contains("cannot write"), "lq {command}: {stderr}");
    }
}

/// Diagnostics go to stderr; a closed stderr pipe stops `check` and `eval`
/// quietly as well, instead of panicking.
#[test]
fn a_closed_stderr_pipe_stops_quietly() {
    let dir = setup();
    let broken = dir.path().join("broken.lq");
    let mut text = String::from("schema { id: int key }\ntiers A\n");
    for i in 0..3000 {
        text.push_str(&format!("rule r{i}: when missing_{i} > 1 then tier A\n"));
    }
    std::fs::write(&broken, text).expect("written");
    let broken = broken.to_string_lossy().into_owned();
    let data = dir.path().join("leads.csv").to_string_lossy().into_owned();
    for args in [
        vec!["check".to_string(), broken.clone()],
        vec!["eval".to_string(), broken, data],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lq"))
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("lq starts");
        drop(child.stderr.take());
        let status = child.wait().expect("lq ends");
        assert_eq!(status.code(), Some(0), "lq {args:?}");
    }
}
