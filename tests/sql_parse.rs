//! The SQL of every dialect parses with that dialect's grammar in sqlglot
//! (its Python package): every example policy and 300 generated policies.
//! For BigQuery, Snowflake and Spark, whose engines cannot run here, this
//! and the snapshots in tests/compile_sql.rs are the check; the others also
//! run in tests/sql_{sqlite,postgres,duckdb}.rs.
//!
//! Without `python3 -c "import sqlglot"` working the test says it was
//! skipped and how to enable it (`python3 -m pip install sqlglot`), unless
//! `LQ_REQUIRE_ENGINES=1` (set by `.ci/run`, which installs it).

mod differential;
mod support;

use std::io::Write as _;
use std::process::{Command, Stdio};

use lq::sql::{compile_load_sql, compile_sql, compile_sql_loaded, Dialect};
use lq::Policy;

/// Reads JSON lines `[dialect, name, sql]`; prints one line per query that
/// does not parse.
const PARSER: &str = r#"
import json, sys, sqlglot
from sqlglot.errors import ErrorLevel
read = {"sqlite": "sqlite", "postgres": "postgres", "duckdb": "duckdb",
        "spark": "spark", "bigquery": "bigquery", "snowflake": "snowflake"}
count = 0
for line in sys.stdin:
    dialect, name, sql = json.loads(line)
    try:
        trees = sqlglot.parse(sql, read=read[dialect], error_level=ErrorLevel.RAISE)
        if len([t for t in trees if t is not None]) != 1:
            raise ValueError(f"{len(trees)} statements")
        count += 1
    except Exception as e:
        print(f"{dialect} {name}: {str(e).splitlines()[0][:400]}")
print(f"parsed {count}")
"#;

const DIALECTS: [Dialect; 6] = [
    Dialect::Sqlite,
    Dialect::Postgres,
    Dialect::Duckdb,
    Dialect::Spark,
    Dialect::Bigquery,
    Dialect::Snowflake,
];

#[test]
fn every_dialects_sql_parses_with_sqlglot() {
    if !differential::engine_present(
        "every_dialects_sql_parses_with_sqlglot",
        differential::runs("python3", &["-c", "import sqlglot"]),
        "No sqlglot: run `python3 -m pip install sqlglot` to run it",
    ) {
        return;
    }
    let mut policies: Vec<(String, String)> = std::fs::read_dir("examples")
        .expect("examples/")
        .filter_map(|e| e.ok())
        .map(|e| e.path().to_string_lossy().into_owned())
        .filter(|p| p.ends_with(".lq"))
        .map(|p| (p.clone(), std::fs::read_to_string(&p).expect("policy")))
        .collect();
    policies.sort();
    for (i, text) in differential::generated_policies(300)
        .into_iter()
        .enumerate()
    {
        policies.push((format!("generated {i}"), text));
    }
    let mut input = String::new();
    let mut sent = 0;
    for (name, text) in &policies {
        let policy = Policy::from_source(name, text).expect("checks");
        for dialect in DIALECTS {
            // The load step and the query over what it loads (they depend
            // on the schema only, so the examples' are enough).
            if !name.starts_with("generated") {
                let load = compile_load_sql(policy.checked(), dialect, "crm.raw", &["row".into()]);
                let loaded =
                    compile_sql_loaded(policy.checked(), dialect, "crm.leads", 0, &["row".into()]);
                for sql in std::iter::once(load).chain(loaded) {
                    input.push_str(&serde_json::json!([dialect.name(), name, sql]).to_string());
                    input.push('\n');
                    sent += 1;
                }
            }
            if let Ok(sql) = compile_sql(
                policy.checked(),
                dialect,
                "crm.leads",
                differential::as_of(),
            ) {
                input.push_str(&serde_json::json!([dialect.name(), name, sql]).to_string());
                input.push('\n');
                sent += 1;
            }
        }
    }
    // A query that must not parse, so a parser that accepts anything fails.
    input.push_str(r#"["bigquery", "broken", "SELECT (CASE WHEN a THEN 1 END FROM t"]"#);
    input.push('\n');
    let mut child = Command::new("python3")
        .args(["-c", PARSER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("send the queries");
    let out = child.wait_with_output().expect("python3 finishes");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}");
    let lines: Vec<&str> = report.lines().collect();
    assert!(
        lines.len() == 2 && lines[0].starts_with("bigquery broken:"),
        "{report}"
    );
    assert_eq!(lines[1], format!("parsed {sent}"), "{report}");
    assert!(sent > 1800, "only {sent} queries");
}
