//! The command line, run as a user runs it: exit codes, output shapes and
//! the error reports of data problems.

use std::fs;

mod support;

use assert_cmd::Command;
use predicates::prelude::*;
use support::lq;

fn stdout_of(cmd: &mut Command) -> String {
    String::from_utf8(cmd.output().expect("lq runs").stdout).expect("UTF-8 output")
}

fn stderr_of(cmd: &mut Command) -> String {
    String::from_utf8(cmd.output().expect("lq runs").stderr).expect("UTF-8 output")
}

const INBOUND: &str = "examples/inbound-saas.lq";
const INBOUND_DATA: &str = "examples/data/inbound-leads.csv";

#[test]
fn help_shows_examples() {
    lq().arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"));
    for sub in ["check", "eval", "test"] {
        lq().args([sub, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Example"));
    }
}

#[test]
fn usage_errors_exit_2() {
    lq().args(["check", "--no-such-flag", INBOUND])
        .assert()
        .code(2);
    lq().arg("frobnicate").assert().code(2);
    lq().args(["eval", INBOUND, INBOUND_DATA, "--as-of", "23/11/2026"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a date"));
}

#[test]
fn check_accepts_a_good_policy() {
    lq().args(["check", INBOUND])
        .assert()
        .success()
        .stderr("0 errors, 0 warnings in 1 file\n");
}

#[test]
fn check_counts_over_several_files() {
    lq().args([
        "check",
        INBOUND,
        "examples/bant.lq",
        "tests/cases/check/unknown-name.lq",
    ])
    .assert()
    .code(1)
    .stderr(predicate::str::ends_with(
        "1 error, 0 warnings in 3 files\n",
    ));
}

#[test]
fn a_missing_policy_file_exits_2() {
    let err = stderr_of(lq().args(["check", "no/such/policy.lq"]));
    assert!(err.contains("cannot read `no/such/policy.lq`"), "{err}");
    lq().args(["check", "no/such/policy.lq"]).assert().code(2);
    lq().args(["eval", "no/such/policy.lq", INBOUND_DATA])
        .assert()
        .code(2);
}

#[test]
fn a_policy_that_is_not_text_exits_2() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("binary.lq");
    fs::write(&path, [0xff, 0xfe, 0x00, 0x01]).expect("write");
    lq().arg("check")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not UTF-8"));
}

#[test]
fn eval_gives_the_hand_worked_outcomes() {
    let out = stdout_of(lq().args([
        "eval",
        INBOUND,
        INBOUND_DATA,
        "--as-of",
        "2026-11-23",
        "--format",
        "ndjson",
    ]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 9);
    // Lead 1: a VP with $25,000 budget. fit: executive +20, 200 employees +10,
    // US no penalty = 30; engagement 0. The enterprise rule decides.
    assert_eq!(
        lines[0],
        r#"{"row":1,"id":1,"status":"qualified","tier":"A","score":30,"scores":{"fit":30,"engagement":0},"route":"enterprise-ae","rule":"enterprise","reasons":[]}"#
    );
    // Lead 2: a student at a .edu address: disqualified, but still scored
    // (engagement: demo +5, 3 visits × 2 = 6).
    assert_eq!(
        lines[1],
        r#"{"row":2,"id":2,"status":"disqualified","tier":null,"score":11,"scores":{"fit":0,"engagement":11},"route":null,"rule":null,"reasons":["student"]}"#
    );
    // Lead 3: a CTO with no budget: enterprise is unknown (false and unknown
    // = false); engagement 5 + 30 = 35 capped at 30; score 60 → hot.
    assert_eq!(
        lines[2],
        r#"{"row":3,"id":3,"status":"qualified","tier":"A","score":60,"scores":{"fit":30,"engagement":30},"route":null,"rule":"hot","reasons":[]}"#
    );
    // Lead 4: budget 6k → the unnamed B rule on line 42; inactive since June: -10.
    assert_eq!(
        lines[3],
        r#"{"row":4,"id":4,"status":"qualified","tier":"B","score":2,"scores":{"fit":10,"engagement":-8},"route":null,"rule":"line 42","reasons":[]}"#
    );
    // Lead 6: budget missing, but demo and 3 visits make the `or` true.
    assert!(
        lines[5].contains(r#""tier":"B","score":21"#),
        "{}",
        lines[5]
    );
    // Lead 8: nothing matches → otherwise.
    assert!(
        lines[7].contains(r#""tier":"C","score":-8"#) && lines[7].contains(r#""rule":"otherwise""#)
    );
    // Lead 9: both disqualifiers fire, reported in declaration order.
    assert!(
        lines[8].contains(r#""reasons":["student","export restrictions"]"#),
        "{}",
        lines[8]
    );
}

#[test]
fn eval_without_a_terminal_writes_csv() {
    let out = stdout_of(lq().args(["eval", INBOUND, INBOUND_DATA, "--as-of", "2026-11-23"]));
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("row,id,status,tier,score,score_fit,score_engagement,route,rule,reasons")
    );
    assert_eq!(
        lines.next(),
        Some("1,1,qualified,A,30,30,0,enterprise-ae,enterprise,")
    );
    assert_eq!(
        lines.nth(7),
        Some("9,9,disqualified,,28,15,13,,,student; export restrictions")
    );
}

#[test]
fn eval_json_is_one_array_and_table_is_aligned() {
    let out = stdout_of(lq().args([
        "eval",
        INBOUND,
        INBOUND_DATA,
        "--as-of",
        "2026-11-23",
        "--format",
        "json",
    ]));
    let parsed: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(parsed.as_array().map(Vec::len), Some(9));
    assert_eq!(parsed[2]["scores"]["engagement"], 30);
    let table = stdout_of(lq().args([
        "eval",
        INBOUND,
        INBOUND_DATA,
        "--as-of",
        "2026-11-23",
        "--format",
        "table",
    ]));
    let header = table.lines().next().expect("a header");
    assert!(
        header.starts_with("row  id  status        tier  score"),
        "{header}"
    );
    assert!(table
        .lines()
        .nth(2)
        .expect("a row")
        .starts_with("1    1   qualified     A     30"));
}

#[test]
fn eval_reads_stdin() {
    let data = fs::read_to_string(INBOUND_DATA).expect("the example data");
    for args in [vec!["eval", INBOUND, "-"], vec!["eval", INBOUND]] {
        let out = lq()
            .args(&args)
            .args(["--as-of", "2026-11-23", "--format", "ndjson"])
            .write_stdin(data.clone())
            .output()
            .expect("runs");
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 9);
    }
}

#[test]
fn unreadable_records_become_error_outcomes_and_exit_1() {
    let args = [
        "eval",
        INBOUND,
        "examples/data/inbound-leads-messy.csv",
        "--as-of",
        "2026-11-23",
        "--format",
        "ndjson",
    ];
    let out = lq().args(args).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "every record gives one outcome");
    assert_eq!(
        lines[0],
        r#"{"row":1,"id":101,"status":"error","tier":null,"score":null,"scores":{},"route":null,"rule":null,"reasons":["row 1, column budget: \"ten grand\" is not a number"]}"#
    );
    assert!(lines[1].contains(r#"row 2, column role: \"Intern\" is not a Role (CEO, CTO, CFO, VP, Director, Manager, Engineer, Student, Other)"#));
    assert!(
        lines[2].contains("row 3, column demo_requested: missing value, but the field is required")
    );
    assert!(lines[3].contains(r#"["row 4, column employees: \"12.5\" is not a whole number","row 4, column last_activity: \"23/11/2026\" is not a date (YYYY-MM-DD)"]"#));
    assert!(
        lines[4].contains(r#""id":105,"status":"error""#)
            && lines[4].contains("row 5 has 10 cells but the header has 11 columns")
    );
    assert!(lines[5].contains(r#""status":"qualified""#));
    assert!(String::from_utf8_lossy(&out.stderr).contains("5 records could not be read"));
    lq().args(args).arg("--allow-errors").assert().success();
}

#[test]
fn the_key_is_reported_under_the_field_name() {
    let out = stdout_of(lq().args([
        "eval",
        "tests/data/crm.lq",
        "tests/data/crm.csv",
        "--format",
        "ndjson",
    ]));
    assert!(
        out.lines()
            .next()
            .expect("a line")
            .starts_with(r#"{"row":1,"lead_id":660737,"status":"qualified","tier":"Cold""#),
        "{out}"
    );
    // Spellings of enum variants and an empty optional cell read fine.
    assert_eq!(out.lines().count(), 5);
    assert!(!out.contains("error"));
}

#[test]
fn json_and_ndjson_inputs() {
    let out = stdout_of(lq().args([
        "eval",
        "tests/data/crm.lq",
        "tests/data/crm.json",
        "--format",
        "ndjson",
    ]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5);
    assert!(
        lines[2].contains(r#"column Lead Number: \"3.5\" is not a whole number"#),
        "{}",
        lines[2]
    );
    assert!(lines[3].contains("row 4 cannot be read: a record is a JSON object, found text"));
    assert!(
        lines[4].contains(r#""lead_id":4,"status":"qualified","tier":"Hot""#),
        "a text \"7\" is read as a number"
    );
    let out = stdout_of(lq().args([
        "eval",
        "tests/data/crm.lq",
        "tests/data/crm.ndjson",
        "--format",
        "ndjson",
    ]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "blank lines are not records");
    assert!(lines[1].contains("row 2 cannot be read: invalid JSON"));
    assert!(lines[2].contains("column Total Visits: a JSON boolean cannot be read as `int`"));
    assert!(lines[3].contains(r#""row":4"#));
}

#[test]
fn rows_count_on_across_several_inputs() {
    let out = stdout_of(lq().args([
        "eval",
        "tests/data/crm.lq",
        "tests/data/crm.csv",
        "tests/data/crm.csv",
        "--format",
        "ndjson",
    ]));
    let last = out.lines().last().expect("a line");
    assert!(last.starts_with(r#"{"row":10,"#), "{last}");
}

#[test]
fn input_format_can_be_forced() {
    let data = fs::read_to_string("tests/data/crm.ndjson").expect("data");
    let out = lq()
        .args([
            "eval",
            "tests/data/crm.lq",
            "--input-format",
            "ndjson",
            "--format",
            "ndjson",
        ])
        .write_stdin(data)
        .output()
        .expect("runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 4);
}

#[test]
fn a_policy_with_errors_evaluates_nothing() {
    lq().args(["eval", "tests/cases/check/unknown-name.lq", INBOUND_DATA])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("unknown name `budgte`"));
}

#[test]
fn output_is_written_atomically() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let target = dir.path().join("outcomes.ndjson");
    lq().args([
        "eval",
        INBOUND,
        INBOUND_DATA,
        "--as-of",
        "2026-11-23",
        "--format",
        "ndjson",
        "--output",
    ])
    .arg(&target)
    .assert()
    .success()
    .stdout("");
    let written = fs::read_to_string(&target).expect("the output file");
    assert_eq!(written.lines().count(), 9);
    #[cfg(unix)]
    {
        // Not the temporary file's private mode.
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&target).expect("there").permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
    }
    // A run that fails leaves the previous file untouched and no temp file.
    lq().args([
        "eval",
        "tests/data/crm.lq",
        "tests/data/wrong-headers.csv",
        "--output",
    ])
    .arg(&target)
    .assert()
    .code(1);
    assert_eq!(fs::read_to_string(&target).expect("still there"), written);
    let entries = fs::read_dir(dir.path()).expect("the dir").count();
    assert_eq!(entries, 1, "no temporary file is left behind");
}

#[test]
fn summary_counts_statuses_and_tiers() {
    let err = stderr_of(lq().args([
        "eval",
        INBOUND,
        INBOUND_DATA,
        "--as-of",
        "2026-11-23",
        "--summary",
    ]));
    assert!(
        err.contains("9 records: 6 qualified, 3 disqualified, 0 unmatched, 0 errors"),
        "{err}"
    );
    assert!(err.contains("tier A        3   33.3%"), "{err}");
}

fn data_error(args: &[&str]) -> String {
    let out = lq().args(args).output().expect("runs");
    format!(
        "exit {:?}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn data_errors_are_reported_with_help() {
    let cases = [
        ("missing_columns", "tests/data/wrong-headers.csv"),
        ("json_not_an_array", "tests/data/not-array.json"),
        ("json_syntax", "tests/data/broken.json"),
        ("unknown_format", "tests/data/crm.lq"),
        ("missing_data_file", "tests/data/nothing-here.csv"),
        ("data_is_a_directory", "tests/data"),
        ("not_gzip", "tests/data/not-gzip.csv.gz"),
    ];
    for (name, data) in cases {
        insta::assert_snapshot!(name, data_error(&["eval", "tests/data/crm.lq", data]));
    }
    // `--delimiter ,` on a `;`-separated export: the help names `;`.
    insta::assert_snapshot!(
        "wrong_delimiter",
        data_error(&[
            "eval",
            "tests/data/crm.lq",
            "tests/data/crm-semicolons.csv",
            "--delimiter",
            ",",
        ])
    );
    // `--keep` of a column the data does not have: exit 2, did you mean.
    insta::assert_snapshot!(
        "keep_unknown_column",
        data_error(&[
            "eval",
            "tests/data/crm.lq",
            "tests/data/crm.csv",
            "--keep",
            "lead number",
        ])
    );
    // An output that cannot be written: exit 2, a message that says *write*.
    insta::assert_snapshot!(
        "output_folder_missing",
        data_error(&[
            "eval",
            "tests/data/crm.lq",
            "tests/data/crm.csv",
            "--output",
            "tests/no-such-folder/out.csv",
        ])
    );
}

/// `lq explain --lead` takes a JSON object, by column names and with a data
/// file's conversions, as well as an lq record; either way a lead `lq eval`
/// would make an `error` outcome (a required field left out, a value that
/// does not convert) is refused with the same messages, exit 1.
#[test]
fn explain_reads_a_lead_as_eval_reads_a_record() {
    let json = r#"{"id": 1, "email": "ana@acme.com", "role": "VP", "employees": "200", "budget": "$25,000", "country": "US", "industry": "SaaS", "demo_requested": "yes", "Total Visits": 3, "last_activity": "2026-11-01"}"#;
    let out = lq()
        .args(["explain", INBOUND, "--as-of", "2026-11-23", "--lead", json])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("qualified, tier A, score 41, rule enterprise"),
        "{stdout}"
    );

    for (lead, message) in [
        (
            r#"{"id": 1}"#.to_string(),
            "column email: missing value, but the field is required",
        ),
        (
            json.replace(r#""VP""#, r#""vp""#),
            r#"column role: "vp" is not a Role (CEO, CTO, CFO, VP, Director, Manager, Engineer, Student, Other); it would read as VP with `ignore case`"#,
        ),
        (
            r#"{id: 1, email: "ana@acme.com", role: VP}"#.to_string(),
            "column employees: missing value, but the field is required",
        ),
        (
            r#"{"id": 1, role: VP}"#.to_string(),
            "the lead is not valid JSON: key must be a string",
        ),
    ] {
        let out = lq()
            .args(["explain", INBOUND, "--lead", &lead])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(1), "{lead}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr
                .starts_with("the lead cannot be read, as `lq eval` would not read such a record:"),
            "{lead}: {stderr}"
        );
        assert!(stderr.contains(message), "{lead}: {stderr}");
        assert!(!stderr.contains("__lq"), "{lead}: {stderr}");
    }
}

/// An enum value that `trim` or `ignore case` would read says so, with the
/// article its name takes (`an Occupation`).
#[test]
fn enum_values_say_which_option_would_read_them() {
    let out = lq()
        .args([
            "eval",
            "tests/data/occupations.lq",
            "tests/data/occupations.csv",
            "--format",
            "csv",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("enum_value_hints", String::from_utf8_lossy(&out.stdout));
}

/// `lq explain --key VALUE DATA` picks the record whose key is VALUE (read
/// as the key field reads a cell): the same answer as its `--row`; a key
/// no record has, or one that is not of the key's type, says so.
#[test]
fn explain_picks_a_lead_by_its_key() {
    let data = "examples/data/inbound-leads.csv";
    let by_key = stdout_of(lq().args([
        "explain",
        INBOUND,
        "--as-of",
        "2026-11-23",
        "--key",
        "3",
        data,
    ]));
    let by_row = stdout_of(lq().args([
        "explain",
        INBOUND,
        "--as-of",
        "2026-11-23",
        "--row",
        "3",
        data,
    ]));
    assert_eq!(by_key, by_row);
    assert!(
        by_key.starts_with("qualified, tier A, score 60, rule hot"),
        "{by_key}"
    );
    let out = lq()
        .args(["explain", INBOUND, "--key", "99999", data])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("no record of examples/data/inbound-leads.csv has the key `99999`"));
    let out = lq()
        .args(["explain", INBOUND, "--key", "abc", data])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--key: \"abc\" is not a number for the key field `id`"));
}

/// An explanation shows what each condition read and expands a `let` into
/// its parts once, at its first use, however often it is used.
#[test]
fn explain_shows_values_and_expands_lets_once() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("lets.lq");
    fs::write(
        &path,
        "schema { id: int key  budget: money?  role: text }\n\
         tiers A > B\n\
         let senior = role in [\"VP\", \"CTO\"] and budget >= 10k\n\
         score { +5 when senior; +1 when role = \"VP\" }\n\
         rule top: when senior and score >= 5 then tier A\n\
         otherwise tier B\n",
    )
    .expect("written");
    let out = stdout_of(
        lq().arg("explain")
            .arg(&path)
            .args(["--lead", r#"{id: 1, role: "VP", budget: 25k}"#]),
    );
    insta::assert_snapshot!("explain_values_and_lets", out);
    assert_eq!(out.matches("let senior =").count(), 1, "{out}");
}

/// `--row 0` is a usage error that says rows start at 1 (it was "has
/// fewer than 0 records").
#[test]
fn explain_rows_start_at_1() {
    let out = lq()
        .args([
            "explain",
            INBOUND,
            "--row",
            "0",
            "examples/data/inbound-leads.csv",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!("explain_row_0", String::from_utf8_lossy(&out.stderr));
}

/// A UTF-8 byte-order mark, as some editors save, starts a policy without
/// complaint, and `lq fmt` keeps it.
#[test]
fn a_byte_order_mark_is_accepted_and_kept() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("bom.lq");
    let text = "\u{feff}schema {\n  id: int key\n}\ntiers A\notherwise tier A\n";
    fs::write(&path, text).expect("written");
    lq().arg("check")
        .arg(&path)
        .arg("--deny-warnings")
        .assert()
        .success();
    lq().args(["fmt", "--check"]).arg(&path).assert().success();
    let out = lq()
        .args(["fmt", "-"])
        .write_stdin(text)
        .output()
        .expect("runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout), text);
}

/// `-9223372036854775808`, the smallest int, is a number in a policy, in a
/// test's lead and in data, though its digits alone are too large.
#[test]
fn the_smallest_int_is_a_number() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("min.lq");
    fs::write(
        &path,
        "schema { id: int key  n: int? }\ntiers A > B\n\
         when n > -9223372036854775808 then tier A\notherwise tier B\n\
         test \"the smallest\" {\n  given { id: 1, n: -9223372036854775808 }\n  expect tier B\n}\n",
    )
    .expect("written");
    lq().arg("test").arg(&path).assert().success();
    let out = lq()
        .arg("eval")
        .arg(&path)
        .args(["-", "--format", "csv"])
        .write_stdin("id,n\n1,-9223372036854775808\n2,-9223372036854775807\n")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(csv.contains("\n1,1,qualified,B,"), "{csv}");
    assert!(csv.contains("\n2,2,qualified,A,"), "{csv}");
}

#[test]
fn fmt_check_shows_a_diff_and_exits_1() {
    let out = lq()
        .args(["fmt", "--check", "tests/cases/fmt/messy.lq"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("fmt_check_diff", String::from_utf8_lossy(&out.stdout));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("tests/cases/fmt/messy.lq is not formatted")
    );
    lq().args(["fmt", "--check", INBOUND])
        .assert()
        .success()
        .stdout("");
}

#[test]
fn fmt_rewrites_files_and_filters_stdin() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("messy.lq");
    fs::copy("tests/cases/fmt/messy.lq", &path).expect("copy");
    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt;
    #[cfg(unix)]
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
    lq().arg("fmt").arg(&path).assert().success();
    #[cfg(unix)]
    assert_eq!(
        fs::metadata(&path).expect("there").permissions().mode() & 0o777,
        0o640,
        "formatting keeps the file's mode"
    );
    lq().args(["fmt", "--check"]).arg(&path).assert().success();
    let text = fs::read_to_string("tests/cases/fmt/messy.lq").expect("the case");
    let out = lq()
        .args(["fmt", "-"])
        .write_stdin(text)
        .output()
        .expect("runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        fs::read_to_string(&path).expect("formatted")
    );
}

#[test]
fn fmt_refuses_a_policy_that_does_not_parse() {
    lq().args(["fmt", "tests/cases/parse/and-habit.lq"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("lq writes `and`"));
    lq().args(["fmt", "no/such.lq"]).assert().code(2);
}

#[test]
fn test_failures_show_expected_actual_and_the_decision() {
    let out = lq()
        .args([
            "test",
            "--as-of",
            "2026-11-23",
            "tests/cases/test/failing.lq",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("test_failures", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn test_filter_runs_only_matching_tests() {
    let out = stdout_of(lq().args(["test", "--filter", "passes", "tests/cases/test/failing.lq"]));
    assert!(
        out.contains("running 1 test in tests/cases/test/failing.lq"),
        "{out}"
    );
    assert!(
        out.ends_with("test result: ok. 1 passed; 0 failed\n"),
        "{out}"
    );
    lq().args(["test", "--filter", "passes", "tests/cases/test/failing.lq"])
        .assert()
        .success();
}

/// A minimal well-formedness check: every element closes, in order.
fn well_formed(xml: &str) -> bool {
    let mut stack: Vec<String> = Vec::new();
    let body = xml.split_once("?>").map_or(xml, |(_, b)| b);
    for tag in body.split('<').skip(1) {
        let inner = tag.split('>').next().unwrap_or("");
        if let Some(name) = inner.strip_prefix('/') {
            if stack.pop().as_deref() != Some(name.trim()) {
                return false;
            }
        } else if !inner.ends_with('/') {
            stack.push(inner.split_whitespace().next().unwrap_or("").to_string());
        }
    }
    stack.is_empty()
}

#[test]
fn test_junit_report() {
    let out = lq()
        .args([
            "test",
            "--format",
            "junit",
            "--as-of",
            "2026-11-23",
            "tests/cases/test/failing.lq",
            "examples/bant.lq",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(well_formed(&xml), "{xml}");
    assert!(
        xml.contains(r#"<testsuites name="lq" tests="9" failures="2" errors="0">"#),
        "{xml}"
    );
    assert!(xml.contains(r#"<testcase name="passes" classname="tests/cases/test/failing.lq" file="tests/cases/test/failing.lq" line="21"/>"#), "{xml}");
    assert!(xml.contains(r#"<failure message="expected tier A, got tier B; expected route &quot;ae&quot;, got no route; expected engagement 18, got engagement 10">"#));
}

#[test]
fn tests_of_a_broken_policy_are_not_run() {
    let out = lq()
        .args(["test", "tests/cases/check/unknown-name.lq"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown name `budgte`") && stderr.contains("its tests were not run"),
        "{stderr}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("test result: FAILED. 0 passed; 0 failed")
    );
}

#[test]
fn eval_explain_carries_the_trace() {
    let out = stdout_of(lq().args([
        "eval",
        INBOUND,
        INBOUND_DATA,
        "--as-of",
        "2026-11-23",
        "--format",
        "ndjson",
        "--explain",
    ]));
    let third: serde_json::Value =
        serde_json::from_str(out.lines().nth(2).expect("row 3")).expect("JSON");
    let rules = &third["explain"]["rules"];
    // Lead 3 has no budget: `enterprise` is unknown, `hot` decides; each
    // part says what it read.
    assert_eq!(
        rules[0],
        serde_json::json!({"rule": "enterprise", "value": "false", "decided": false, "parts": [
            {"text": "budget >= 10k", "value": "unknown",
             "reads": [{"name": "budget", "value": "missing"}]},
            {"text": "role in [VP, Director]", "value": "false",
             "reads": [{"name": "role", "value": "CTO"}]},
        ]})
    );
    assert_eq!(
        rules[1],
        serde_json::json!({"rule": "hot", "value": "true", "decided": true,
            "reads": [{"name": "score", "value": "60"}]})
    );
    let engagement = &third["explain"]["blocks"][1];
    assert_eq!(
        (engagement["sum"].as_i64(), engagement["total"].as_i64()),
        (Some(35), Some(30))
    );
    let err = stderr_of(lq().args([
        "eval",
        INBOUND,
        INBOUND_DATA,
        "--as-of",
        "2026-11-23",
        "--format",
        "csv",
        "--explain",
    ]));
    assert!(err.contains("row 3:\n  disqualifiers\n"), "{err}");
    assert!(
        err.contains("score engagement: 30 (35 before its bounds)"),
        "{err}"
    );
}

#[test]
fn explain_a_lead_or_a_row() {
    let out = stdout_of(lq().args([
        "explain",
        INBOUND,
        "--as-of",
        "2026-11-23",
        "--lead",
        "{id: 1, email: \"ana@acme.com\", role: VP, budget: 25k, employees: 300, country: \"US\", \
         industry: SaaS, demo_requested: false, visits: 2, last_activity: 2026-11-01}",
    ]));
    insta::assert_snapshot!("explain_lead", out);
    let json = stdout_of(lq().args([
        "explain",
        INBOUND,
        "--as-of",
        "2026-11-23",
        "--row",
        "3",
        INBOUND_DATA,
        "--format",
        "json",
    ]));
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(
        (value["row"].as_i64(), value["rule"].as_str()),
        (Some(3), Some("hot"))
    );
    assert_eq!(value["explain"]["rules"][0]["parts"][0]["value"], "unknown");
    lq().args(["explain", INBOUND, "--lead", "{rol: VP}"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("did you mean `role`?"));
    lq().args(["explain", INBOUND, "--row", "99", INBOUND_DATA])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("fewer than 99 records"));
}

#[test]
fn coverage_of_data_and_of_tests() {
    let out = stdout_of(lq().args(["coverage", INBOUND, INBOUND_DATA, "--as-of", "2026-11-23"]));
    insta::assert_snapshot!("coverage_table", out);
    let dir = tempfile::tempdir().expect("a temp dir");
    let lcov = dir.path().join("lq.info");
    let out = lq()
        .args([
            "test",
            "--as-of",
            "2026-11-23",
            "--coverage-min",
            "90",
            "--coverage-output",
        ])
        .arg(&lcov)
        .arg("tests/cases/test/failing.lq")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("coverage of tests/cases/test/failing.lq: every disqualifier, score entry and rule is exercised"), "{stdout}");
    // Below a minimum, the run fails.
    let below = lq()
        .args([
            "test",
            "--as-of",
            "2026-11-23",
            "--coverage-min",
            "100",
            "examples/bant.lq",
            "tests/cases/check/unused-let.lq",
        ])
        .output()
        .expect("runs");
    assert_eq!(below.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&below.stderr).contains("is below --coverage-min 100%"),
        "{}",
        String::from_utf8_lossy(&below.stderr)
    );
    let lcov = std::fs::read_to_string(&lcov).expect("lcov");
    assert!(
        lcov.starts_with("TN:\nSF:tests/cases/test/failing.lq\nDA:")
            && lcov.ends_with("end_of_record\n"),
        "{lcov}"
    );
}

/// The temporary files `--output` left in `dir`, with their sizes.
fn partial_files(dir: &std::path::Path) -> Vec<(String, u64)> {
    fs::read_dir(dir)
        .expect("the dir")
        .map(|e| e.expect("an entry"))
        .filter(|e| e.file_name().to_string_lossy().ends_with(".lq-partial"))
        .map(|e| {
            let size = e.metadata().map_or(0, |m| m.len());
            (e.file_name().to_string_lossy().into_owned(), size)
        })
        .collect()
}

/// Kills or interrupts `lq eval --output` in the middle of its output
/// (records come from a pipe that stays open, so the run is certainly
/// unfinished): the previous file is untouched every time, and an interrupt
/// (as opposed to a kill) also removes the temporary file and exits 130.
#[cfg(unix)]
#[test]
fn a_killed_or_interrupted_run_leaves_the_old_output() {
    use std::io::Write as _;
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;

    let data = fs::read_to_string(INBOUND_DATA).expect("the data");
    let (header, rows) = data.split_once('\n').expect("a header");
    let batch = rows.repeat(500);
    for signal in ["KILL", "INT", "TERM"] {
        let dir = tempfile::tempdir().expect("a temp dir");
        let target = dir.path().join("outcomes.csv");
        fs::write(&target, "the previous run's outcomes\n").expect("written");
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("lq"))
            .args([
                "eval",
                INBOUND,
                "-",
                "--as-of",
                "2026-11-23",
                "--format",
                "csv",
            ])
            .arg("--output")
            .arg(&target)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("lq starts");
        let mut stdin = child.stdin.take().expect("a pipe");
        writeln!(stdin, "{header}").expect("written");
        // Feed records until part of the output has reached the temporary
        // file: the run is then half done.
        let mut fed = 0;
        while !partial_files(dir.path()).iter().any(|(_, size)| *size > 0) {
            stdin
                .write_all(batch.as_bytes())
                .expect("lq reads its input");
            fed += 1;
            assert!(fed < 400, "no output reached the temporary file");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let killed = std::process::Command::new("kill")
            .args(["-s", signal, &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let status = child.wait().expect("lq ends");
        drop(stdin);
        assert_eq!(
            fs::read_to_string(&target).expect("still there"),
            "the previous run's outcomes\n",
            "SIG{signal} left a changed output file"
        );
        if signal == "KILL" {
            assert_eq!(status.signal(), Some(9));
        } else {
            assert_eq!(status.code(), Some(130), "SIG{signal}");
            assert_eq!(
                partial_files(dir.path()),
                vec![],
                "SIG{signal} left a temp file"
            );
        }
    }
}

/// `--table ''` (or an empty part of a dotted name) is a usage error, not
/// `FROM ""`.
#[test]
fn an_empty_table_name_is_a_usage_error() {
    for table in ["", "crm.", ".leads", " "] {
        let out = lq()
            .args([
                "compile",
                INBOUND,
                "--to",
                "sql",
                "--dialect",
                "sqlite",
                "--table",
                table,
            ])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "--table {table:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("is not a table name"));
    }
}

/// `--output` to a device or FIFO writes into it (never renames a file
/// over it); through a symbolic link it replaces the link's target and
/// keeps the link; it may not be the policy or a data file.
#[test]
fn output_to_special_files_links_and_inputs() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    // A character device of our own (as /dev/null is), where we may make one.
    let device = path("null");
    let made = std::process::Command::new("mknod")
        .args([&device, "c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    if made {
        lq().args(["eval", INBOUND, INBOUND_DATA, "--output", &device])
            .assert()
            .success();
        let meta = std::fs::metadata(&device).expect("the device");
        assert!(meta.file_type().is_char_device(), "the device was replaced");
    }
    // A FIFO: the outcomes arrive through it, and it stays a FIFO.
    let fifo = path("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo")
        .success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).expect("read the fifo"))
    };
    lq().args(["eval", INBOUND, INBOUND_DATA, "--output", &fifo])
        .assert()
        .success();
    assert_eq!(reader.join().expect("the reader").lines().count(), 10);
    assert!(std::fs::metadata(&fifo)
        .expect("fifo")
        .file_type()
        .is_fifo());
    // A symbolic link: its target gets the outcomes, the link stays.
    std::fs::write(path("real.csv"), "old\n").expect("written");
    std::os::unix::fs::symlink("real.csv", path("link.csv")).expect("linked");
    lq().args(["eval", INBOUND, INBOUND_DATA, "--output", &path("link.csv")])
        .assert()
        .success();
    let link = std::fs::symlink_metadata(path("link.csv")).expect("the link");
    assert!(link.file_type().is_symlink());
    let real = std::fs::read_to_string(path("real.csv")).expect("the target");
    assert_eq!(real.lines().count(), 10, "{real}");
    // The policy, a data file, or one file for both outputs: usage errors.
    let policy = path("policy.lq");
    std::fs::copy(INBOUND, &policy).expect("copied");
    let data = std::fs::canonicalize(INBOUND_DATA)
        .expect("data")
        .to_string_lossy()
        .into_owned();
    for (args, says) in [
        (vec!["--output", policy.as_str()], "is the policy file"),
        (vec!["--output", data.as_str()], "is the data file"),
        (vec!["--errors", policy.as_str()], "is the policy file"),
        (
            vec!["--output", "x.csv", "--errors", "x.csv"],
            "give each its own file",
        ),
    ] {
        let out = lq()
            .current_dir(dir.path())
            .args(["eval", &policy, &data])
            .args(&args)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(says),
            "{args:?}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(&policy).expect("policy"),
        std::fs::read_to_string(INBOUND).expect("policy")
    );
    assert!(!dir.path().join("x.csv").exists());
}

/// `--errors FILE` is all or nothing, like `--output`: a run that fails
/// half-way leaves both previous files as they were.
#[test]
fn a_failed_run_keeps_the_previous_errors_file() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out_path = dir.path().join("out.csv");
    let errors_path = dir.path().join("errors.csv");
    std::fs::write(&out_path, "old outcomes\n").expect("written");
    std::fs::write(&errors_path, "old errors\n").expect("written");
    // The first input has an unreadable record; the second is a gzip
    // stream cut short, an I/O error once reading has begun.
    let out = lq()
        .args([
            "eval",
            "tests/hostile/policy.lq",
            "tests/hostile/data-ragged.csv",
            "tests/hostile/data-truncated.csv.gz",
            "--output",
        ])
        .arg(&out_path)
        .arg("--errors")
        .arg(&errors_path)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&out_path).expect("out"),
        "old outcomes\n"
    );
    assert_eq!(
        std::fs::read_to_string(&errors_path).expect("errors"),
        "old errors\n"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        2,
        "no temporary file is left"
    );
    // The same run without the broken input replaces both.
    lq().args([
        "eval",
        "tests/hostile/policy.lq",
        "tests/hostile/data-ragged.csv",
        "--allow-errors",
        "--output",
    ])
    .arg(&out_path)
    .arg("--errors")
    .arg(&errors_path)
    .assert()
    .success();
    let errors = std::fs::read_to_string(&errors_path).expect("errors");
    assert!(
        errors.starts_with("row,key,column,value,message\n"),
        "{errors}"
    );
}

/// `lq fmt` on a symbolic link rewrites the file it points to.
#[test]
fn fmt_writes_through_a_symbolic_link() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let real = dir.path().join("real.lq");
    std::fs::copy("tests/cases/fmt/messy.lq", &real).expect("copied");
    let link = dir.path().join("link.lq");
    std::os::unix::fs::symlink("real.lq", &link).expect("linked");
    lq().arg("fmt").arg(&link).assert().success();
    assert!(std::fs::symlink_metadata(&link)
        .expect("link")
        .file_type()
        .is_symlink());
    lq().args(["fmt", "--check"]).arg(&real).assert().success();
}

/// A column the schema reads, named twice in the header: a warning that
/// says which one is read (the first), and the run goes on.
#[test]
fn a_duplicate_header_is_a_warning() {
    let out = lq()
        .args([
            "eval",
            "tests/data/crm.lq",
            "tests/data/duplicate-column.csv",
        ])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: tests/data/duplicate-column.csv: the header names column `Lead Source` 2 times (columns 3, 5)"),
        "{stderr}"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
}

fn eval_stdout(args: &[&str]) -> String {
    let out = lq().args(args).output().expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `--keep` carries raw input columns into each outcome (after the
/// outcome's columns in CSV, `input.NAME` where a name is taken; under
/// `keep` in NDJSON and JSON), and `--columns` chooses the outcome's
/// columns, in the order given, in every format.
#[test]
fn keep_and_columns_shape_the_outcomes() {
    let data = "examples/data/inbound-leads.csv";
    let base = ["eval", INBOUND, data, "--as-of", "2026-11-23"];
    let with = |extra: &[&str]| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        eval_stdout(&args)
    };
    let csv = with(&["--format", "csv", "--keep", "email", "--keep", "id"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "row,id,status,tier,score,score_fit,score_engagement,route,rule,reasons,email,input.id"
        )
    );
    assert_eq!(
        lines.next(),
        Some("1,1,qualified,A,30,30,0,enterprise-ae,enterprise,,ana@acme.com,1")
    );
    let chosen = with(&[
        "--format",
        "csv",
        "--columns",
        "id,tier,score_engagement",
        "--keep",
        "Total Visits",
    ]);
    let mut lines = chosen.lines();
    assert_eq!(lines.next(), Some("id,tier,score_engagement,Total Visits"));
    assert_eq!(lines.next(), Some("1,A,0,0"));
    assert_eq!(chosen.lines().count(), 10);
    let ndjson = with(&[
        "--format",
        "ndjson",
        "--columns",
        "id,tier,score_engagement",
        "--keep",
        "email",
    ]);
    assert_eq!(
        ndjson.lines().next(),
        Some(r#"{"id":1,"tier":"A","scores":{"engagement":0},"keep":{"email":"ana@acme.com"}}"#)
    );
    let json = with(&[
        "--format",
        "json",
        "--columns",
        "row,status",
        "--keep",
        "email",
    ]);
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("a JSON array");
    assert_eq!(
        parsed[1],
        serde_json::json!({"row": 2, "status": "disqualified", "keep": {"email": "bo@school.edu"}})
    );
    // The general path (a table) writes the same cells.
    let table = with(&[
        "--format",
        "table",
        "--columns",
        "id,tier",
        "--keep",
        "email",
    ]);
    assert!(table.starts_with("id  tier  email"), "{table}");
    assert!(table.contains("1   A     ana@acme.com"), "{table}");

    let out = lq()
        .args(base)
        .args(["--columns", "id,teir"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`teir` is not an outcome column; did you mean `tier`?"),
        "{stderr}"
    );
}

/// On a CSV or NDJSON input of several chunks, `--keep` and `--columns`
/// give the same bytes on two threads as on one, and the two-thread run
/// really ran on its workers (`--verbose` says so), an `--errors` report
/// too.
#[test]
fn keep_and_columns_on_threads_equal_one_thread() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("leads.csv");
    let text = std::fs::read_to_string("examples/data/inbound-leads.csv").expect("the data");
    let mut body = String::new();
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let rows: Vec<&str> = lines.collect();
    body.push_str(header);
    body.push('\n');
    // 4,096 records make a chunk: more than three chunks.
    for i in 0..14_000 {
        body.push_str(rows[i % rows.len()]);
        body.push('\n');
    }
    std::fs::write(&data, body).expect("written");
    let data = data.to_string_lossy().into_owned();
    // The same number of leads as NDJSON, read on the workers too.
    let ndjson = dir.path().join("leads.ndjson");
    let made = lq()
        .args([
            "generate", INBOUND, "--count", "14000", "--format", "ndjson",
        ])
        .arg("--output")
        .arg(&ndjson)
        .output()
        .expect("runs");
    assert!(made.status.success());
    let ndjson = ndjson.to_string_lossy().into_owned();
    for (input, format) in [
        (&data, "csv"),
        (&data, "ndjson"),
        (&ndjson, "csv"),
        (&ndjson, "ndjson"),
    ] {
        let header = usize::from(format == "csv");
        let run = |threads: &str| {
            lq().args([
                "eval",
                INBOUND,
                input,
                "--as-of",
                "2026-11-23",
                "--format",
                format,
            ])
            .args([
                "--keep",
                "email",
                "--keep",
                "Total Visits",
                "--columns",
                "id,tier,score",
                "--outcome",
                "demo_requested",
            ])
            .args(["--threads", threads, "--verbose", "--errors"])
            .arg(dir.path().join(format!("errors-{threads}.csv")))
            .output()
            .expect("runs")
        };
        let (one, two) = (run("1"), run("2"));
        assert_eq!(two.status.code(), Some(0));
        assert!(
            one.stdout == two.stdout,
            "{input} to {format}: the same bytes on 2 threads"
        );
        let text = String::from_utf8_lossy(&one.stdout);
        assert_eq!(text.lines().count(), 14_000 + header);
        // The outcome column is carried on every path, before the kept ones.
        let first = text.lines().next().unwrap_or_default();
        if format == "csv" {
            assert_eq!(first, "id,tier,score,outcome,email,Total Visits");
        } else {
            let outcome = ["false", "true"].map(|o| format!("\"outcome\":{o},\"keep\":{{"));
            assert!(outcome.iter().any(|o| first.contains(o)), "{first}");
        }
        let said = String::from_utf8_lossy(&two.stderr);
        assert!(said.contains("evaluated on 2 worker threads"), "{said}");
        assert!(!String::from_utf8_lossy(&one.stderr).contains("worker threads"));
    }
    // An outcome column the first NDJSON object lacks fails the input on
    // two threads as on one: the same message, exit 2.
    let lacking = |threads: &str| {
        lq().args(["eval", INBOUND, &ndjson, "--as-of", "2026-11-23"])
            .args(["--outcome", "Converted", "--threads", threads])
            .output()
            .expect("runs")
    };
    let (one, two) = (lacking("1"), lacking("2"));
    assert_eq!((one.status.code(), two.status.code()), (Some(2), Some(2)));
    assert_eq!(one.stdout, two.stdout);
    let said = String::from_utf8_lossy(&two.stderr);
    assert!(said.contains("Converted"), "{said}");
    assert_eq!(String::from_utf8_lossy(&one.stderr), said);
}

/// `lq compile --loaded --keep` carries the kept columns into the outcome
/// query (after the outcome's, `input.NAME` on a clash); `--keep` without
/// `--load` or `--loaded` is a usage error.
#[test]
fn compile_loaded_keeps_the_columns_asked_for() {
    let sql = eval_stdout(&[
        "compile",
        INBOUND,
        "--to",
        "sql",
        "--dialect",
        "sqlite",
        "--loaded",
        "--keep",
        "row",
        "--keep",
        "id",
        "--as-of",
        "2026-11-23",
    ]);
    assert!(
        sql.contains(
            "AS \"reasons\",\n       \"row\" AS \"row\",\n       \"id\" AS \"input.id\"\nFROM"
        ),
        "{sql}"
    );
    let out = lq()
        .args([
            "compile",
            INBOUND,
            "--to",
            "sql",
            "--dialect",
            "sqlite",
            "--keep",
            "row",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--keep needs --load"));
}
