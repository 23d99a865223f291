//! `lq schema infer`: names, types, placeholders, sentinels and enums
//! proposed from data, and a proposal that reads its own data with no error.

mod support;

use assert_cmd::Command;
use support::{lq, success_stdout};

fn infer(path: &str) -> String {
    success_stdout(lq().args(["schema", "infer", path]))
}

#[test]
fn a_messy_export() {
    insta::assert_snapshot!(infer("tests/data/messy-export.csv"));
}

#[test]
fn the_proposal_reads_its_own_data_without_error() {
    for data in [
        "tests/data/messy-export.csv",
        "examples/data/bant-leads.ndjson",
        "examples/data/bank-sample.csv",
        "examples/data/hubspot-contacts.csv",
    ] {
        let dir = tempfile::tempdir().expect("a temp dir");
        let policy = dir.path().join("inferred.lq");
        std::fs::write(&policy, infer(data) + "tiers A\notherwise tier A\n").expect("write");
        let out = Command::cargo_bin("lq")
            .expect("bin")
            .arg("check")
            .arg("--deny-warnings")
            .arg(&policy)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{data}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = Command::cargo_bin("lq")
            .expect("bin")
            .arg("eval")
            .arg(&policy)
            .arg(data)
            .args(["--format", "ndjson"])
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{data}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("\"error\""),
            "{data}"
        );
    }
}

#[test]
fn a_sample_reads_only_the_first_records() {
    let out = Command::cargo_bin("lq")
        .expect("bin")
        .args([
            "schema",
            "infer",
            "--sample",
            "2",
            "tests/data/messy-export.csv",
        ])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&out.stderr).contains("read 2 records"));
}

#[test]
fn names_for_headers() {
    use lq::data::infer::{field_name, type_name};
    assert_eq!(field_name("Total Visits"), "total_visits");
    assert_eq!(field_name("emp.var.rate"), "emp_var_rate");
    assert_eq!(field_name("Demo?"), "demo");
    assert_eq!(field_name("score"), "score_");
    assert_eq!(field_name("int"), "int_");
    // A name starts with a letter (`1st_` did not check).
    assert_eq!(field_name("2nd touch"), "col_2nd_touch");
    assert_eq!(field_name("1st"), "col_1st");
    // A long header gives a name a reader can take in.
    assert!(field_name(&"Very Long Header ".repeat(20)).len() <= 60);
    assert_eq!(type_name("blue-collar"), "BlueCollar");
    assert_eq!(type_name("02.Medium"), "N02Medium");
}
