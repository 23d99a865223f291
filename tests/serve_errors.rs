//! Why `lq serve` will not start: each reason's message (an insta
//! snapshot, no colour) and exit code — 1 for a policy with errors, 2 for
//! everything else (a file, a name, the token, the log, the address).

#![cfg(feature = "serve")]

use std::process::{Command, Output};

const POLICY: &str = "schema { id: int key  budget: money? }\ntiers A > B\nrule big: when budget >= 10k then tier A\notherwise tier B\n";

/// Runs `lq --color never serve ARGS` in `dir`, stopping it if it starts.
fn serve(dir: &std::path::Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lq"))
        .args(["--color", "never", "serve"])
        .args(args)
        .current_dir(dir)
        .env("COLUMNS", "80")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("lq starts");
    for _ in 0..300 {
        if let Ok(Some(_)) = child.try_wait() {
            return child.wait_with_output().expect("output");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let out = child.wait_with_output().expect("output");
    panic!(
        "lq serve {args:?} started instead of failing:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("inbound.lq"), POLICY).expect("written");
    std::fs::write(
        dir.path().join("broken.lq"),
        POLICY.replace("tier A\notherwise", "tier AA\notherwise"),
    )
    .expect("written");
    std::fs::create_dir(dir.path().join("other")).expect("made");
    std::fs::write(dir.path().join("other/inbound.lq"), POLICY).expect("written");
    std::fs::write(dir.path().join("empty-token"), "\n").expect("written");
    dir
}

fn check(out: &Output, code: i32) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn a_missing_policy_file() {
    let dir = setup();
    let out = serve(dir.path(), &["nowhere.lq"]);
    insta::assert_snapshot!(check(&out, 2));
}

#[test]
fn a_policy_with_errors_is_not_served() {
    let dir = setup();
    let out = serve(dir.path(), &["inbound.lq", "broken.lq"]);
    insta::assert_snapshot!(check(&out, 1));
}

#[test]
fn two_policies_with_one_name() {
    let dir = setup();
    let out = serve(dir.path(), &["inbound.lq", "other/inbound.lq"]);
    insta::assert_snapshot!(check(&out, 2));
}

#[test]
fn a_name_that_cannot_be_in_a_url() {
    let dir = setup();
    let out = serve(dir.path(), &["in bound=inbound.lq"]);
    insta::assert_snapshot!(check(&out, 2));
}

#[test]
fn an_empty_or_missing_token_file() {
    let dir = setup();
    let out = serve(dir.path(), &["inbound.lq", "--token-file", "empty-token"]);
    insta::assert_snapshot!("empty_token", check(&out, 2));
    let out = serve(dir.path(), &["inbound.lq", "--token-file", "no-token"]);
    let stderr = check(&out, 2);
    assert!(
        stderr.contains("cannot use the token file no-token"),
        "{stderr}"
    );
}

#[test]
fn a_decision_log_that_cannot_be_opened() {
    let dir = setup();
    let out = serve(
        dir.path(),
        &[
            "inbound.lq",
            "--decision-log",
            "no-such-dir/decisions.ndjson",
        ],
    );
    insta::assert_snapshot!(check(&out, 2));
}

#[test]
fn an_address_already_in_use() {
    let dir = setup();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = taken.local_addr().expect("its address").to_string();
    let out = serve(dir.path(), &["inbound.lq", "--addr", &addr]);
    let stderr = check(&out, 2).replace(&addr, "127.0.0.1:PORT");
    insta::assert_snapshot!(stderr);
}

#[test]
fn a_size_that_is_not_one() {
    let dir = setup();
    let out = serve(dir.path(), &["inbound.lq", "--max-body", "lots"]);
    insta::assert_snapshot!(check(&out, 2));
}
