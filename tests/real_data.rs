//! Real CRM exports in, nothing lost: on the two real data sets beside the
//! project (`../shared/data`, see its SOURCES.md), `lq schema infer`
//! proposes a schema that reads every record, and every input record gives
//! exactly one outcome. These tests skip, saying so, when the data is
//! absent (and fail instead under `LQ_REQUIRE_DATA=1`, as in CI).

mod support;

use std::path::Path;

use assert_cmd::Command;

const LEADS: &str = "../shared/data/Leads.csv";
const BANK: &str = "../shared/data/bank-additional-full.csv";

fn present(path: &str) -> bool {
    support::shared_data(path)
}

fn lq(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("lq")
        .expect("bin")
        .args(args)
        .output()
        .expect("lq runs")
}

/// Infers a schema for `data`, adds a trivial tier rule, evaluates `data`
/// with it and returns (outcome lines, stderr).
fn infer_and_eval(data: &str, dir: &Path) -> (usize, String) {
    let out = lq(&["schema", "infer", data]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let policy = dir.join("inferred.lq");
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + "tiers A\notherwise tier A\n";
    std::fs::write(&policy, text).expect("write");
    let policy = policy.to_string_lossy().into_owned();
    let out = lq(&["eval", &policy, data, "--format", "ndjson"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    (String::from_utf8_lossy(&out.stdout).lines().count(), stderr)
}

#[test]
fn leads_csv_reads_with_an_inferred_schema() {
    if !present(LEADS) {
        return;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let (outcomes, stderr) = infer_and_eval(LEADS, dir.path());
    assert_eq!(outcomes, 9240);
    assert!(
        stderr.contains("9240 records: 9240 qualified, 0 disqualified, 0 unmatched, 0 errors"),
        "{stderr}"
    );
}

#[test]
fn bank_marketing_reads_with_an_inferred_schema() {
    if !present(BANK) {
        return;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let (outcomes, stderr) = infer_and_eval(BANK, dir.path());
    assert_eq!(outcomes, 41188);
    assert!(
        stderr.contains("41188 records: 41188 qualified, 0 disqualified, 0 unmatched, 0 errors"),
        "{stderr}"
    );
}

#[test]
fn the_bank_example_scores_the_whole_data_set() {
    if !present(BANK) {
        return;
    }
    let out = lq(&[
        "eval",
        "examples/bank-telemarketing.lq",
        BANK,
        "--format",
        "csv",
        "--summary",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        41188 + 1,
        "a header and one line per record"
    );
    let counts = stderr.lines().next().unwrap_or_default();
    assert!(
        counts.starts_with("41188 records: ") && counts.ends_with(", 0 errors"),
        "{stderr}"
    );
}

#[test]
fn outcomes_and_errors_account_for_every_record() {
    if !present(LEADS) {
        return;
    }
    // A stricter schema: visits required, so rows with a blank count are errors.
    let dir = tempfile::tempdir().expect("a temp dir");
    let policy = dir.path().join("strict.lq");
    std::fs::write(
        &policy,
        "schema {\n  missing [\"Select\"]\n  lead_number: int key from \"Lead Number\"\n  visits: int from \"TotalVisits\"\n  \
         converted: int from \"Converted\"\n}\ntiers Hot > Cold\nrule busy: when visits >= 5 then tier Hot\notherwise tier Cold\n",
    )
    .expect("write");
    let errors = dir.path().join("errors.csv");
    let policy = policy.to_string_lossy().into_owned();
    let errors_path = errors.to_string_lossy().into_owned();
    let out = lq(&[
        "eval",
        &policy,
        LEADS,
        "--format",
        "ndjson",
        "--errors",
        &errors_path,
    ]);
    assert_eq!(out.status.code(), Some(1), "error outcomes make the exit 1");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let total = stdout.lines().count();
    let failed = stdout
        .lines()
        .filter(|l| l.contains("\"status\":\"error\""))
        .count();
    assert_eq!(total, 9240, "one outcome per record");
    assert!(failed > 0, "some rows have a blank TotalVisits");
    let report = std::fs::read_to_string(&errors).expect("the error report");
    assert_eq!(
        report.lines().count(),
        failed + 1,
        "a header and one line per error"
    );
    assert!(
        report
            .lines()
            .nth(1)
            .unwrap_or_default()
            .contains("TotalVisits,,"),
        "{report}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "9240 records: {} qualified, 0 disqualified, 0 unmatched, {failed} errors",
            9240 - failed
        )),
        "{stderr}"
    );
}
