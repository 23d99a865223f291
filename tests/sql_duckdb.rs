//! `lq compile --to sql --dialect duckdb` gives the interpreter's answers,
//! lead for lead, on a real DuckDB (its Python package, in one `python3`
//! process per test): every example policy over its data and 2000 generated leads,
//! and 300 generated policies over a grid of leads with missing values at
//! every threshold.
//!
//! Without `python3 -c "import duckdb"` working the tests say they were
//! skipped and how to enable them (`python3 -m pip install duckdb`), unless
//! `LQ_REQUIRE_ENGINES=1` (set by `.ci/run`, which installs the package),
//! which makes a skip a failure.

mod differential;

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use differential::{Engine, Row};
use lq::eval::Datum;
use lq::sql::Dialect;
use lq::Policy;

/// Reads scripts (a byte length line, then the script), runs each one's
/// load part and query on a fresh in-memory database, and prints each row
/// as a JSON array, then `END` (or an `{"error": ...}` line, then `END`).
const RUNNER: &str = r#"
import json, sys, duckdb
while True:
    header = sys.stdin.buffer.readline()
    if not header:
        break
    text = sys.stdin.buffer.read(int(header)).decode()
    load, query = text.split("\n-- lq: query\n", 1)
    try:
        con = duckdb.connect()
        con.execute(load)
        for row in con.execute(query).fetchall():
            print(json.dumps(list(row)))
        con.close()
    except Exception as e:
        print(json.dumps({"error": str(e)}))
    print("END", flush=True)
"#;

/// DuckDB in one Python process, kept for all of a test's queries.
struct Duckdb {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Duckdb {
    /// DuckDB, or `None` (with a message saying how to enable the test)
    /// when its Python package is not installed.
    fn available(test: &str) -> Option<Self> {
        let found = Command::new("python3")
            .args(["-c", "import duckdb"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            let message = format!(
                "{test}: skipped, no DuckDB. Run `python3 -m pip install duckdb` to run it; \
                 .ci/run installs it."
            );
            assert!(
                std::env::var("LQ_REQUIRE_ENGINES").as_deref() != Ok("1"),
                "{message}"
            );
            eprintln!("{message}");
            return None;
        }
        let mut child = Command::new("python3")
            .args(["-c", RUNNER])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let input = child.stdin.take().expect("stdin");
        let output = BufReader::new(child.stdout.take().expect("stdout"));
        Some(Duckdb {
            child,
            input,
            output,
        })
    }
}

impl Drop for Duckdb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Engine for Duckdb {
    fn dialect(&self) -> Dialect {
        Dialect::Duckdb
    }

    fn run(&mut self, policy: &Policy, records: &[Vec<Datum>], sql: &str) -> Vec<Row> {
        let script = format!(
            "{}\n-- lq: query\n{sql}\nORDER BY \"__lq_row\"",
            differential::load_script(policy, records)
        );
        write!(self.input, "{}\n{script}", script.len()).expect("send the script");
        self.input.flush().expect("send the script");
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let read = self.output.read_line(&mut line).expect("DuckDB answers");
            assert!(read > 0, "DuckDB's runner stopped");
            let line = line.trim_end().to_string();
            if line == "END" {
                break;
            }
            lines.push(line);
        }
        let keyed = usize::from(policy.checked().schema.key.is_some());
        let blocks = policy.checked().block_names().count();
        if let Some(error) = lines.first().filter(|l| l.starts_with('{')) {
            panic!("DuckDB failed: {error}\n{sql}");
        }
        lines
            .iter()
            .map(|line| {
                let r: Vec<serde_json::Value> = serde_json::from_str(line).expect("a JSON row");
                let text = |i: usize| r[i].as_str().map(str::to_string);
                let int = |i: usize| -> i64 {
                    r[i].as_i64()
                        .unwrap_or_else(|| panic!("an integer, not {}", r[i]))
                };
                (
                    text(keyed).expect("a status"),
                    text(keyed + 1),
                    int(keyed + 2),
                    (0..blocks).map(|b| int(keyed + 3 + b)).collect(),
                    text(keyed + 3 + blocks),
                    text(keyed + 4 + blocks),
                    text(keyed + 5 + blocks).expect("reasons"),
                )
            })
            .collect()
    }
}

#[test]
fn example_policies_give_the_same_outcomes_in_duckdb() {
    if let Some(mut db) = Duckdb::available("example_policies_give_the_same_outcomes_in_duckdb") {
        differential::example_cases(&mut db);
    }
}

#[test]
fn generated_policies_give_the_same_outcomes_in_duckdb() {
    if let Some(mut db) = Duckdb::available("generated_policies_give_the_same_outcomes_in_duckdb") {
        differential::generated_cases(&mut db, 300);
    }
}
