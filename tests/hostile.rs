//! The hostile corpus (`tests/hostile/`): policies and data built to break
//! a parser, a checker or a reader. lq must answer each with a diagnostic
//! or an error outcome — exit 0, 1 or 2 — and never crash (exit 101 or a
//! signal), hang or lose a record.

use std::time::Duration;

use assert_cmd::Command;

fn run(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("lq")
        .expect("bin")
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("lq runs")
}

fn assert_clean_exit(args: &[&str]) -> i32 {
    let out = run(args);
    let code = out.status.code();
    assert!(
        matches!(code, Some(0..=2)),
        "`lq {}` ended with {:?}\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    code.unwrap_or(-1)
}

#[test]
fn hostile_policies_get_diagnostics() {
    for entry in std::fs::read_dir("tests/hostile").expect("the corpus") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "lq") {
            let p = path.to_string_lossy().into_owned();
            for command in [
                vec!["check", p.as_str()],
                vec!["fmt", "--check", p.as_str()],
                vec!["test", p.as_str()],
            ] {
                assert_clean_exit(&command);
            }
        }
    }
}

#[test]
fn hostile_data_gets_error_outcomes_or_an_io_error() {
    for entry in std::fs::read_dir("tests/hostile").expect("the corpus") {
        let path = entry.expect("an entry").path();
        let name = path.to_string_lossy().into_owned();
        if !path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("data-"))
        {
            continue;
        }
        for threads in ["1", "2"] {
            assert_clean_exit(&[
                "eval",
                "tests/hostile/policy.lq",
                &name,
                "--format",
                "ndjson",
                "--threads",
                threads,
            ]);
        }
        assert_clean_exit(&["schema", "infer", &name]);
    }
}

#[test]
fn no_record_is_lost() {
    // Three records, one ragged at each end: three outcomes.
    let out = run(&[
        "eval",
        "tests/hostile/policy.lq",
        "tests/hostile/data-ragged.csv",
        "--format",
        "ndjson",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    // Invalid UTF-8 in a cell is that record's error; the next one is read.
    let out = run(&[
        "eval",
        "tests/hostile/policy.lq",
        "tests/hostile/data-invalid-utf8.csv",
        "--format",
        "ndjson",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(
        stdout
            .lines()
            .next()
            .is_some_and(|l| l.contains("\"status\":\"error\"") && l.contains("not valid UTF-8")),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .nth(1)
            .is_some_and(|l| l.contains("\"status\":\"qualified\"")),
        "{stdout}"
    );
}

#[test]
fn deep_nesting_is_a_diagnostic_not_a_stack_overflow() {
    for (file, code) in [
        ("deep-parens.lq", "lq::too_deep"),
        ("many-nots.lq", "lq::too_deep"),
        ("huge-number.lq", "lq::number_too_large"),
    ] {
        let out = run(&[
            "check",
            "--format",
            "json",
            &format!("tests/hostile/{file}"),
        ]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(code),
            "{file}"
        );
    }
    // A long flat chain is fine: `and` chains build balanced trees.
    assert_eq!(
        assert_clean_exit(&["check", "tests/hostile/long-chain.lq"]),
        0
    );
}

/// Lets that each use the one before twice would be 2^30 operations once
/// inlined: every command that loads the policy refuses it with
/// `lq::let_too_large`, at once, under a 1 GiB address-space limit (so a
/// return of the blow-up fails fast instead of exhausting the machine).
#[test]
fn doubling_lets_are_refused_within_a_memory_limit() {
    let bin = assert_cmd::cargo::cargo_bin("lq");
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("leads.csv");
    std::fs::write(&data, "id,n\n1,5\n").expect("written");
    let data = data.to_string_lossy().into_owned();
    for policy in [
        "tests/hostile/let-doubling.lq",
        "tests/hostile/let-doubling-arith.lq",
    ] {
        for args in [
            vec!["check", policy],
            vec!["test", policy],
            vec!["compile", "--to", "sql", "--dialect", "sqlite", policy],
            vec!["eval", policy, data.as_str()],
            vec!["explain", policy, data.as_str(), "--row", "1"],
        ] {
            let out = std::process::Command::new("prlimit")
                .arg("--as=1073741824")
                .arg(&bin)
                .args(&args)
                .output()
                .expect("prlimit runs lq");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "lq {args:?}: {stderr}");
            assert!(
                stderr.contains("lq::let_too_large"),
                "lq {args:?}: {stderr}"
            );
        }
    }
}
