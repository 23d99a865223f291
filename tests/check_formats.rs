//! `lq check --format json|github|sarif`: machine-readable diagnostics for
//! CI, each field in place, SARIF validated against the 2.1.0 schema.

use assert_cmd::Command;

const FILES: [&str; 3] = [
    "tests/cases/check/unknown-name.lq",
    "tests/cases/check/unused-let.lq",
    "examples/bant.lq",
];

fn check(format: &str, files: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::cargo_bin("lq")
        .expect("the binary")
        .args(["check", "--format", format])
        .args(files)
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn json_has_the_contract_fields() {
    let (code, stdout, stderr) = check("json", &FILES);
    assert_eq!(code, Some(1));
    assert_eq!(stderr, "1 error, 1 warning in 3 files\n");
    let records: serde_json::Value = serde_json::from_str(&stdout).expect("a JSON array");
    let first = &records[0];
    let want = serde_json::json!({
        "severity": "error", "code": "lq::unknown_name", "message": "unknown name `budgte`",
        "file": "tests/cases/check/unknown-name.lq", "line": 13, "column": 6, "end_line": 13, "end_column": 12,
        "help": "did you mean `budget`?"
    });
    assert_eq!(first, &want);
    assert_eq!(records[1]["severity"], "warning");
    assert_eq!(records[1]["code"], "lq::unused_let");
    assert_eq!(records.as_array().map(Vec::len), Some(2));
}

#[test]
fn github_annotations() {
    let (code, stdout, _) = check("github", &FILES);
    assert_eq!(code, Some(1));
    insta::assert_snapshot!(stdout);
}

#[test]
fn warnings_alone_pass_unless_denied() {
    let (code, _, _) = check("json", &["tests/cases/check/unused-let.lq"]);
    assert_eq!(code, Some(0));
    let out = Command::cargo_bin("lq")
        .expect("bin")
        .args([
            "check",
            "--deny-warnings",
            "--format",
            "json",
            "tests/cases/check/unused-let.lq",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn sarif_is_valid_against_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/data/sarif-schema-2.1.0.json").expect("the schema"),
    )
    .expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    for files in [
        &FILES[..],
        &["examples/bant.lq"][..],
        &["tests/cases/parse/and-habit.lq", "no/such/file.lq"][..],
    ] {
        let (_, stdout, _) = check("sarif", files);
        let log: serde_json::Value = serde_json::from_str(&stdout).expect("SARIF is JSON");
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{files:?}: {errors:?}\n{stdout}");
        assert_eq!(log["version"], "2.1.0");
    }
    let (_, stdout, _) = check("sarif", &FILES);
    let log: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    // The validator does reject what the schema forbids.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "lq::unknown_name");
    assert_eq!(result["level"], "error");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        13
    );
}
