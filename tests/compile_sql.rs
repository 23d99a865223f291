//! `lq compile --to sql` from the command line: the SQL of every example in
//! every dialect is snapshot-tested (so a change to the generated SQL is a
//! reviewed change), a view wraps the same query, and a feature a dialect
//! cannot express is a diagnostic with exit code 1.

mod support;

use support::lq;

/// Every dialect lq writes.
const DIALECTS: [&str; 6] = [
    "sqlite",
    "postgres",
    "duckdb",
    "spark",
    "bigquery",
    "snowflake",
];

fn examples() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir("examples")
        .expect("examples/")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".lq"))
        .collect();
    names.sort();
    names
}

#[test]
fn every_example_compiles_to_each_dialect_and_the_sql_is_snapshotted() {
    let mut compiled = 0;
    for name in examples() {
        for dialect in DIALECTS {
            let out = lq()
                .args([
                    "compile",
                    &format!("examples/{name}"),
                    "--to",
                    "sql",
                    "--dialect",
                    dialect,
                    "--as-of",
                    "2026-11-23",
                ])
                .output()
                .expect("lq runs");
            let stderr = String::from_utf8_lossy(&out.stderr);
            let stem = name.trim_end_matches(".lq");
            if out.status.success() {
                compiled += 1;
                assert!(stderr.is_empty(), "{name} {dialect}: {stderr}");
                insta::assert_snapshot!(
                    format!("sql_{stem}_{dialect}"),
                    String::from_utf8_lossy(&out.stdout)
                );
            } else {
                // Only a feature the dialect lacks may refuse, and it says so.
                assert_eq!(out.status.code(), Some(1), "{name} {dialect}: {stderr}");
                assert!(
                    stderr.contains("lq::sql_unsupported"),
                    "{name} {dialect}: {stderr}"
                );
                insta::assert_snapshot!(format!("sql_{stem}_{dialect}_refused"), stderr);
            }
        }
    }
    assert!(
        compiled >= 30,
        "only {compiled} example/dialect pairs compiled"
    );
}

#[test]
fn a_view_wraps_the_query_and_names_are_quoted() {
    let query = lq()
        .args([
            "compile",
            "examples/bant.lq",
            "--dialect",
            "postgres",
            "--table",
            "crm\"leads",
            "--as-of",
            "2026-11-23",
        ])
        .output()
        .expect("lq runs");
    assert!(query.status.success());
    let query = String::from_utf8_lossy(&query.stdout).into_owned();
    assert!(query.contains("FROM \"crm\"\"leads\""), "{query}");
    let view = lq()
        .args([
            "compile",
            "examples/bant.lq",
            "--dialect",
            "postgres",
            "--table",
            "crm\"leads",
            "--view",
            "scored",
            "--as-of",
            "2026-11-23",
        ])
        .output()
        .expect("lq runs");
    assert!(view.status.success());
    let view = String::from_utf8_lossy(&view.stdout);
    assert_eq!(view, format!("CREATE VIEW \"scored\" AS\n{query}"));
}

#[test]
fn a_feature_the_dialect_lacks_is_a_diagnostic_with_exit_1() {
    let out = lq()
        .args([
            "compile",
            "examples/gates-and-routing.lq",
            "--dialect",
            "sqlite",
            "--as-of",
            "2026-11-23",
        ])
        .output()
        .expect("lq runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no partial SQL is written");
    insta::assert_snapshot!(
        "sql_unsupported_feature",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_broken_policy_or_missing_file_is_reported_not_compiled() {
    let out = lq()
        .args([
            "compile",
            "tests/data/nothing-here.lq",
            "--dialect",
            "sqlite",
        ])
        .output()
        .expect("lq runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing-here.lq"));
    let out = lq()
        .args([
            "compile",
            "tests/cases/check/unknown-name.lq",
            "--dialect",
            "duckdb",
        ])
        .output()
        .expect("lq runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}

/// The load step (`--load`) for an example in every dialect, and the query
/// over what it loads (`--loaded`), are snapshotted too.
#[test]
fn the_load_step_is_snapshotted_for_each_dialect() {
    for dialect in DIALECTS {
        let load = support::success_stdout(lq().args([
            "compile",
            "examples/inbound-saas.lq",
            "--to",
            "sql",
            "--dialect",
            dialect,
            "--load",
            "--table",
            "crm.raw_leads",
            "--keep",
            "row",
            "--view",
            "crm.leads",
        ]));
        assert!(load.starts_with("CREATE VIEW "), "{load}");
        insta::assert_snapshot!(format!("load_inbound-saas_{dialect}"), load);
    }
    let loaded = support::success_stdout(lq().args([
        "compile",
        "examples/inbound-saas.lq",
        "--to",
        "sql",
        "--dialect",
        "postgres",
        "--loaded",
        "--as-of",
        "2026-11-23",
    ]));
    assert!(
        loaded.contains("\"__lq_errors\" IS NOT NULL THEN 'error'"),
        "{loaded}"
    );
    insta::assert_snapshot!("loaded_inbound-saas_postgres", loaded);
}

#[test]
fn load_options_that_do_not_go_together_are_usage_errors() {
    for args in [
        &["--load", "--loaded"][..],
        &["--load", "--as-of", "2026-11-23"],
        &["--keep", "row"],
    ] {
        let out = lq()
            .args(["compile", "examples/inbound-saas.lq", "--dialect", "duckdb"])
            .args(args)
            .output()
            .expect("lq runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
    }
}
