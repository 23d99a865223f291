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

/// Runs `lq ARGS` with its address space limited to `bytes` (by
/// `prlimit`), so a memory blow-up fails at once instead of exhausting the
/// machine.
fn run_within_memory(bytes: u64, args: &[&str]) -> std::process::Output {
    std::process::Command::new("prlimit")
        .arg(format!("--as={bytes}"))
        .arg(assert_cmd::cargo::cargo_bin("lq"))
        .args(args)
        .output()
        .expect("prlimit runs lq")
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
            let out = run_within_memory(1 << 30, &args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "lq {args:?}: {stderr}");
            assert!(
                stderr.contains("lq::let_too_large"),
                "lq {args:?}: {stderr}"
            );
        }
    }
}

/// 1,500 distinct `matches` patterns go over the policy's pattern budget:
/// every command that loads the policy refuses it with
/// `lq::patterns_too_large`, once, under a 1 GiB address-space limit (it
/// took over 1.2 GB and aborted before the budget).
#[test]
fn many_patterns_are_refused_within_a_memory_limit() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("leads.csv");
    std::fs::write(&data, "id,t\n1,abcd-0001\n").expect("written");
    let data = data.to_string_lossy().into_owned();
    let policy = "tests/hostile/regex-many.lq";
    for args in [
        vec!["check", policy],
        vec!["test", policy],
        vec!["eval", policy, data.as_str()],
        vec!["explain", policy, data.as_str(), "--row", "1"],
    ] {
        let out = run_within_memory(1 << 30, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "lq {args:?}: {stderr}");
        assert_eq!(
            stderr.matches("lq::patterns_too_large").count(),
            1,
            "lq {args:?}: {stderr}"
        );
        assert!(
            stderr.contains("the patterns exceed their budget here"),
            "lq {args:?}: {stderr}"
        );
    }
}

/// `--threads` takes 1 to 256: more is a usage error (exit 2), not a
/// failed thread spawn (exit 101) or a leftover `.lq-partial` file.
#[test]
fn threads_are_capped() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let output = dir.path().join("out.csv");
    for n in ["0", "257", "32000", "100000"] {
        let out = run(&[
            "eval",
            "examples/inbound-saas.lq",
            "examples/data/inbound-leads.csv",
            "--threads",
            n,
            "--output",
            &output.to_string_lossy(),
        ]);
        assert_eq!(out.status.code(), Some(2), "--threads {n}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("is not in 1..=256"),
            "--threads {n}"
        );
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
    }
    let out = run(&[
        "eval",
        "examples/inbound-saas.lq",
        "examples/data/inbound-leads.csv",
        "--threads",
        "256",
        "--format",
        "ndjson",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 9);
}

/// The statuses of `lq eval --format ndjson` over `data`, one per record.
fn eval_statuses(data: &str, extra: &[&str]) -> (Option<i32>, Vec<String>, String) {
    let mut args = vec![
        "eval",
        "tests/hostile/policy.lq",
        data,
        "--format",
        "ndjson",
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let statuses = stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("an NDJSON outcome");
            v["status"].as_str().unwrap_or_default().to_string()
        })
        .collect();
    (
        out.status.code(),
        statuses,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A quote still open at the end of the input is that one record's error;
/// the records after its line are read, not swallowed into it, on one
/// thread or several.
#[test]
fn an_unclosed_quote_loses_no_record() {
    for threads in ["1", "2"] {
        let (code, statuses, stderr) = eval_statuses(
            "tests/hostile/data-unclosed-quote.csv",
            &["--threads", threads],
        );
        assert_eq!(code, Some(1), "{stderr}");
        assert_eq!(statuses, ["error", "qualified", "qualified"], "{stderr}");
        assert!(stderr.contains("3 records: 2 qualified, 0 disqualified, 0 unmatched, 1 errors"));
    }
    // 300,000 rows with the quote at row 150,000: 300,000 outcomes.
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("big.csv");
    let mut text = String::from("id,t,n,d\n");
    for i in 1..=300_000 {
        if i == 150_000 {
            text.push_str(&format!("{i},\"oops,1,\n"));
        } else {
            text.push_str(&format!("{i},fine,1,\n"));
        }
    }
    std::fs::write(&path, text).expect("written");
    for threads in ["1", "2"] {
        let (_, statuses, _) = eval_statuses(&path.to_string_lossy(), &["--threads", threads]);
        assert_eq!(statuses.len(), 300_000);
        assert_eq!(statuses.iter().filter(|s| *s == "error").count(), 1);
        assert_eq!(statuses[149_999], "error");
    }
}

/// A record over `--max-record-bytes` is an error outcome, skipped to the
/// end of its line; memory stays bounded (a 200 MB cell inside a small
/// .csv.gz, under a 512 MiB address-space limit), and the message quotes
/// only a short prefix of a value.
#[test]
fn an_oversized_record_is_an_error_and_memory_stays_bounded() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("a temp dir");
    let gz = dir.path().join("cell.csv.gz");
    let file = std::fs::File::create(&gz).expect("created");
    let mut enc = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    enc.write_all(b"id,t,n,d\n1,").expect("written");
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..200 {
        enc.write_all(&chunk).expect("written");
    }
    enc.write_all(b",1,\n2,fine,2,\n").expect("written");
    enc.finish().expect("finished");
    let gz = gz.to_string_lossy().into_owned();
    let out = run_within_memory(
        1 << 29,
        &["eval", "tests/hostile/policy.lq", &gz, "--format", "ndjson"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].contains("\"status\":\"error\"")
            && lines[0].contains("larger than 1,048,576 bytes")
    );
    assert!(lines[1].contains("\"status\":\"qualified\""));
    // schema infer reads it through the same guard.
    let out = run_within_memory(1 << 29, &["schema", "infer", &gz]);
    assert_eq!(out.status.code(), Some(0));
    // A long value that fits the cap is quoted only in part.
    let csv = dir.path().join("long.csv");
    std::fs::write(&csv, format!("id,t,n,d\n1,a,{},\n", "9".repeat(500_000))).expect("written");
    let errors = dir.path().join("errors.ndjson");
    let (code, statuses, _) = eval_statuses(
        &csv.to_string_lossy(),
        &["--errors", &errors.to_string_lossy()],
    );
    assert_eq!((code, statuses.len()), (Some(1), 1));
    let report = std::fs::read_to_string(&errors).expect("the errors file");
    assert!(report.len() < 500, "{}", report.len());
    assert!(report.contains("(500000 bytes in all)"), "{report}");
    // --max-record-bytes sets the cap.
    let (_, statuses, _) = eval_statuses(
        "tests/hostile/data-ragged.csv",
        &["--max-record-bytes", "4"],
    );
    assert!(statuses.iter().all(|s| s == "error"), "{statuses:?}");
}

/// Endless or random input: refused at once, not read to the end.
#[test]
fn endless_input_is_refused() {
    for (data, format, code) in [
        ("/dev/zero", "csv", "lq::csv_header"),
        ("/dev/urandom", "json", "lq::json_shape"),
    ] {
        let out = run(&[
            "eval",
            "tests/hostile/policy.lq",
            data,
            "--input-format",
            format,
        ]);
        assert_eq!(out.status.code(), Some(1), "{data}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(code),
            "{data}"
        );
    }
    // NDJSON lines are capped the same way: a long line is one error.
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("long.ndjson");
    let long = format!("{{\"id\": 1, \"t\": \"{}\"}}", "y".repeat(2 << 20));
    std::fs::write(&path, format!("{long}\n{{\"id\": 2}}\n")).expect("written");
    let (code, statuses, _) = eval_statuses(&path.to_string_lossy(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(statuses, ["error", "qualified"]);
}

/// A CSV errors report is for the export's owner to open in a
/// spreadsheet: a cell that would run as a formula starts with `'`
/// (plain numbers such as `-5` stay as they are).
#[test]
fn errors_csv_neutralises_spreadsheet_formulas() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let errors = dir.path().join("errors.csv");
    let out = run(&[
        "eval",
        "tests/hostile/policy.lq",
        "tests/hostile/data-formulas.csv",
        "--errors",
        &errors.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report = std::fs::read_to_string(&errors).expect("the report");
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 6, "{report}");
    // Rows 1 and 2 have no key (id does not convert); every value that a
    // spreadsheet would run starts with an apostrophe.
    assert!(lines[1].starts_with("1,,id,\"'=HYPERLINK("), "{report}");
    assert!(lines[3].starts_with("2,,id,'@SUM(A1),"), "{report}");
    assert!(lines[4].starts_with("2,,n,'-5x,"), "{report}");
    assert!(lines[5].starts_with("3,-5,n,x,"), "{report}");
}

/// Trojan Source: a bidirectional control or a zero-width character, in a
/// string or a comment, is a warning, so `--deny-warnings` fails.
#[test]
fn invisible_characters_fail_deny_warnings() {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (name, text) in [
        (
            "zwsp-in-string.lq",
            "when t = \"adm\u{200b}in\" then tier A",
        ),
        (
            "bidi-in-comment.lq",
            "when n > 1 then tier A # \u{2066}x\u{2069}",
        ),
    ] {
        let path = dir.path().join(name);
        let policy = format!(
            "schema {{ id: int key  t: text?  n: int? }}\ntiers A\n{text}\notherwise tier A\n"
        );
        std::fs::write(&path, policy).expect("written");
        let path = path.to_string_lossy().into_owned();
        let out = run(&["check", &path]);
        assert_eq!(out.status.code(), Some(0), "{name}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("lq::invisible_character"));
        let out = run(&["check", "--deny-warnings", &path]);
        assert_eq!(out.status.code(), Some(1), "{name}");
    }
}

/// No character that drives a terminal (C0/C1 controls, bidirectional
/// overrides) in what lq prints, except the line breaks it writes itself.
fn assert_printable(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|c| (c.is_control() && !matches!(c, '\n' | '\t')) || *c == '\u{202e}')
        .collect();
    assert!(bad.is_empty(), "{what} prints {bad:?}:\n{text}");
}

/// Escape sequences and line breaks in data or a policy are shown as
/// `\u{1b}`, `\u{a}`, never obeyed: in `--format table`, in diagnostics
/// (header names, excerpts), and in JUnit XML, which must stay valid.
#[test]
fn terminal_control_characters_are_escaped() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let policy = dir.path().join("p.lq");
    std::fs::write(
        &policy,
        "schema { id: text key  n: int }\ntiers A\notherwise tier A\n",
    )
    .expect("written");
    let data = dir.path().join("d.csv");
    std::fs::write(
        &data,
        "id,n\n\"\x1b]0;pwned\x07a\x1b[31mred\",2\n\"line1\n2    qualified  A\",3\nx\u{9b}2J,4\n",
    )
    .expect("written");
    let (policy, data) = (policy.to_string_lossy(), data.to_string_lossy());

    // A table row per record: the key with a line break forges none.
    let out = run(&["eval", &policy, &data, "--format", "table"]);
    assert_eq!(out.status.code(), Some(0));
    let table = String::from_utf8_lossy(&out.stdout);
    assert_printable("the table", &table);
    assert_eq!(table.lines().count(), 2 + 3, "{table}");
    assert!(
        table.contains(r"\u{1b}]0;pwned\u{7}a\u{1b}[31mred"),
        "{table}"
    );
    assert!(table.contains(r"line1\u{a}2    qualified  A"), "{table}");
    assert!(table.contains(r"x\u{9b}2J"), "{table}");

    // A header name in `missing_column`.
    let header = dir.path().join("h.csv");
    std::fs::write(&header, "id,n\x1b[31m\n1,2\n").expect("written");
    let out = run(&["eval", &policy, &header.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_printable("missing_column", &stderr);
    assert!(stderr.contains(r"`n\u{1b}[31m`"), "{stderr}");

    // Excerpts of a policy holding ESC, OSC and a right-to-left override.
    let out = run(&["check", "tests/hostile/control-chars.lq"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_printable("lq check", &stderr);
    assert!(stderr.contains("lq::invisible_character"), "{stderr}");
    assert!(stderr.contains("lq::type_mismatch"), "{stderr}");

    // A test name with ESC: escaped in the human report and in JUnit XML.
    let out = run(&["test", "tests/hostile/control-chars-test.lq"]);
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8_lossy(&out.stdout);
    assert_printable("lq test", &report);
    assert!(report.contains(r"red \u{1b}[31m name"), "{report}");
    let out = run(&[
        "test",
        "tests/hostile/control-chars-test.lq",
        "--format",
        "junit",
    ]);
    let xml = String::from_utf8_lossy(&out.stdout);
    assert_printable("JUnit XML", &xml);
    assert!(
        xml.contains(r#"<testcase name="red \u{1b}[31m name""#),
        "{xml}"
    );
}

/// `lq eval --escape-formulas`: in CSV outcomes, a key (from data) or a
/// route or reason (from the policy) that a spreadsheet would run starts
/// with `'`, on one thread or several; a number such as `-5` does not.
/// Without the option, the cells are written as they are.
#[test]
fn outcome_csv_escapes_formulas_on_request() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let policy = dir.path().join("p.lq");
    std::fs::write(
        &policy,
        "schema { id: text key  n: int }\ntiers A\n\
         disqualify when n = 9 because \"-spam\"\n\
         rule big: when n > 2 then tier A, route \"=cmd|' /C calc'!A0\"\n\
         otherwise tier A\n",
    )
    .expect("written");
    let data = dir.path().join("d.csv");
    std::fs::write(
        &data,
        "id,n\n\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",1\n@SUM(A1),2\n-5,3\nplain,9\n",
    )
    .expect("written");
    let (policy, data) = (policy.to_string_lossy(), data.to_string_lossy());
    for threads in ["1", "2"] {
        let out = run(&[
            "eval",
            &policy,
            &data,
            "--format",
            "csv",
            "--escape-formulas",
            "--threads",
            threads,
        ]);
        assert_eq!(out.status.code(), Some(0));
        let csv = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[1..],
            [
                "1,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",qualified,A,0,,otherwise,",
                "2,'@SUM(A1),qualified,A,0,,otherwise,",
                "3,-5,qualified,A,0,'=cmd|' /C calc'!A0,big,",
                "4,plain,disqualified,,0,,,'-spam",
            ],
            "--threads {threads}:\n{csv}"
        );
    }
    let out = run(&["eval", &policy, &data, "--format", "csv"]);
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(csv.contains("\n2,@SUM(A1),"), "{csv}");
}

/// `lq fmt` on 49,990 unnamed rules and as many disqualifiers: linear
/// (each unnamed rule's new line number was counted from the start of the
/// output, 65 s for 50,000 rules); the output keeps every one.
#[test]
fn formatting_many_unnamed_rules_is_linear() {
    for (name, line) in [
        ("rules.lq", "when n > {i} then tier A"),
        ("disqualifiers.lq", "disqualify when n = {i}"),
    ] {
        let mut text = String::from("schema { id: int key  n: int? }\ntiers A\n");
        for i in 0..49_990 {
            text.push_str(&line.replace("{i}", &i.to_string()));
            text.push('\n');
        }
        text.push_str("otherwise tier A\n");
        let out = Command::cargo_bin("lq")
            .expect("bin")
            .args(["fmt", "-"])
            .write_stdin(text.clone())
            .timeout(Duration::from_secs(60))
            .output()
            .expect("lq runs");
        assert_eq!(out.status.code(), Some(0), "{name}");
        let formatted = String::from_utf8_lossy(&out.stdout);
        let kept = formatted
            .lines()
            .filter(|l| l.starts_with(line.split(' ').next().unwrap_or("")))
            .count();
        assert_eq!(kept, 49_990, "{name}");
    }
}
