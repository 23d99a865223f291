//! `lq compile --to sql --dialect postgres` gives the interpreter's answers,
//! lead for lead, on a real PostgreSQL reached with `psql`: every example
//! policy over its data and 2000 generated leads, and 300 generated
//! policies over a grid of leads with missing values at every threshold.
//!
//! The server is named by `LQ_TEST_POSTGRES` (a libpq connection string,
//! e.g. `postgresql://lq@127.0.0.1:54329/postgres`); `.ci/run` starts one and
//! sets it. Without it the tests say they were skipped and how to enable
//! them, unless `LQ_REQUIRE_ENGINES=1` (set by `.ci/run`), which makes a
//! skip a failure.

mod differential;
mod support;

use std::io::Write as _;
use std::process::{Command, Stdio};

use differential::{Engine, RawEngine, RawExport, Row};
use lq::eval::Datum;
use lq::sql::Dialect;
use lq::Policy;

const NULL: &str = "<lq-null>";

/// A PostgreSQL server, driven through `psql`.
struct Postgres {
    url: String,
    /// The test's own schema, so tests running at once do not share `leads`.
    schema: String,
}

impl Postgres {
    /// The server of `LQ_TEST_POSTGRES`, or `None` (with a message saying
    /// how to enable the test) when it is not set.
    fn from_env(test: &str) -> Option<Self> {
        let url = std::env::var("LQ_TEST_POSTGRES")
            .ok()
            .filter(|u| !u.is_empty());
        let present = differential::engine_present(
            test,
            url.is_some(),
            "No PostgreSQL: set LQ_TEST_POSTGRES to a connection string \
             (e.g. postgresql://lq@127.0.0.1:54329/postgres) to run it",
        );
        url.filter(|_| present).map(|url| Postgres {
            url,
            schema: format!("lq_{}", test.split('_').next().unwrap_or("test")),
        })
    }
}

impl Engine for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn run(&mut self, policy: &Policy, records: &[Vec<Datum>], sql: &str) -> Vec<Row> {
        self.run_script(policy, &differential::load_script(policy, records), sql)
    }
}

impl RawEngine for Postgres {
    fn run_raw(&mut self, policy: &Policy, raw: &RawExport, sql: &str) -> Vec<Row> {
        let setup = differential::raw_script(Dialect::Postgres, policy, raw);
        self.run_script(policy, &setup, sql)
    }
}

impl Postgres {
    /// Runs `setup` (which creates `leads`) in the test's schema, then `sql`
    /// ordered by `__lq_row`.
    fn run_script(&mut self, policy: &Policy, setup: &str, sql: &str) -> Vec<Row> {
        let script = format!(
            "SET client_min_messages = warning;\nCREATE SCHEMA IF NOT EXISTS {schema};\nSET search_path = {schema};\n{setup}\\pset null '{NULL}'\n{sql}\nORDER BY \"__lq_row\";\n",
            schema = self.schema
        );
        let mut child = Command::new("psql")
            .args([
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "--csv",
                "-t",
                "-d",
                &self.url,
                "-f",
                "-",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("psql runs (install the PostgreSQL client)");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(script.as_bytes())
            .expect("write the script");
        let out = child.wait_with_output().expect("psql finishes");
        assert!(
            out.status.success(),
            "psql failed: {}\n{sql}",
            String::from_utf8_lossy(&out.stderr)
        );
        let keyed = usize::from(policy.checked().schema.key.is_some());
        let blocks = policy.checked().block_names().count();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(out.stdout.as_slice());
        let records: Vec<csv::StringRecord> = reader
            .records()
            .map(|r| r.expect("psql writes CSV"))
            .collect();
        // A carried row number (`--loaded --keep`) follows the outcome.
        if sql.contains(&format!("AS \"{}\"", differential::KEPT_ROW)) {
            let width = keyed + 6 + blocks;
            let kept: Vec<Option<i64>> = records
                .iter()
                .map(|r| r.get(width).and_then(|v| v.parse().ok()))
                .collect();
            assert!(
                kept.iter().all(Option::is_some),
                "every outcome carries its row"
            );
            differential::check_kept_rows(&kept);
        }
        records
            .iter()
            .map(|r| {
                let opt = |i: usize| Some(&r[i]).filter(|v| *v != NULL).map(str::to_string);
                let int = |i: usize| -> i64 {
                    r[i].parse()
                        .unwrap_or_else(|_| panic!("an integer, not {:?}", &r[i]))
                };
                // An error outcome (from a loaded table) has no scores.
                let error = &r[keyed] == "error";
                (
                    r[keyed].to_string(),
                    opt(keyed + 1),
                    if error { 0 } else { int(keyed + 2) },
                    (0..blocks)
                        .filter(|_| !error)
                        .map(|b| int(keyed + 3 + b))
                        .collect(),
                    opt(keyed + 3 + blocks),
                    opt(keyed + 4 + blocks),
                    r[keyed + 5 + blocks].to_string(),
                )
            })
            .collect()
    }
}

#[test]
fn example_policies_give_the_same_outcomes_in_postgres() {
    if let Some(mut pg) = Postgres::from_env("example_policies_give_the_same_outcomes_in_postgres")
    {
        differential::example_cases(&mut pg);
    }
}

#[test]
fn generated_policies_give_the_same_outcomes_in_postgres() {
    if let Some(mut pg) =
        Postgres::from_env("generated_policies_give_the_same_outcomes_in_postgres")
    {
        differential::generated_cases(&mut pg, 300);
    }
}

#[test]
fn raw_exports_load_and_evaluate_as_lq_eval_reads_them_in_postgres() {
    if let Some(mut pg) =
        Postgres::from_env("raw_exports_load_and_evaluate_as_lq_eval_reads_them_in_postgres")
    {
        differential::load_cases(&mut pg);
    }
}
