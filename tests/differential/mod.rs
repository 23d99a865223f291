//! What every SQL differential test shares: reading the same leads that
//! `lq eval` reads, comparing an engine's rows with the outcomes of both
//! of lq's engines (row by row, and columnar) lead for lead, and a seeded generator of policies and of leads
//! with missing values at every threshold.

#![allow(dead_code)]

use crate::support::{condition, Lcg};
use lq::check::types::Type;
use lq::data::{ReadOptions, RecordReader};
use lq::eval::columnar::{Columnar, Lanes};
use lq::eval::{Datum, Decision, Outcome};
use lq::sql::{compile_sql, Dialect};
use lq::Policy;

/// The evaluation date of every comparison.
pub const AS_OF: &str = "2026-11-23";

/// [`AS_OF`] as days since 1970-01-01.
pub fn as_of() -> i32 {
    lq::date::parse_iso(AS_OF).expect("a date")
}

/// One lead's outcome: status, tier, score, block scores, route, rule and
/// the reasons as JSON text.
pub type Row = (
    String,
    Option<String>,
    i64,
    Vec<i64>,
    Option<String>,
    Option<String>,
    String,
);

/// A database that loads leads into `leads` and runs a query on them.
pub trait Engine {
    /// The dialect the engine speaks.
    fn dialect(&self) -> Dialect;
    /// Loads `records` (typed by `policy`'s schema) into the table `leads`,
    /// runs `sql` and returns its rows in the table's order, with the key
    /// column (if any) left out.
    fn run(&mut self, policy: &Policy, records: &[Vec<Datum>], sql: &str) -> Vec<Row>;
}

/// The outcome's fields as SQL gives them, in the same shape.
pub fn row_of(o: &Outcome) -> Row {
    (
        o.status.as_str().to_string(),
        o.tier.clone(),
        o.score.unwrap_or(0),
        o.scores.iter().map(|(_, s)| *s).collect(),
        o.route.clone(),
        o.rule.clone(),
        serde_json::to_string(&o.reasons).expect("json"),
    )
}

/// Compiles `policy` for the engine, runs it over `records`, and asserts the
/// rows equal the interpreter's outcomes, lead for lead.
pub fn compare(engine: &mut dyn Engine, policy: &Policy, records: &[Vec<Datum>], what: &str) {
    let sql = compile_sql(policy.checked(), engine.dialect(), "leads", as_of())
        .unwrap_or_else(|e| panic!("{what}: {e:?}"));
    let from_sql = engine.run(policy, records, &sql);
    let from_lq: Vec<Row> = records
        .iter()
        .map(|r| row_of(&policy.evaluate(1, r, as_of())))
        .collect();
    // The columnar engine (what `lq eval` runs over files), over the same
    // records as batches of up to 1,024.
    let plan = &policy.compiled;
    let columnar = Columnar::new(plan);
    let mut lanes = Lanes::default();
    let mut from_columnar = Vec::new();
    for batch in records.chunks(1024) {
        columnar.run(batch, as_of(), &mut lanes);
        for (lane, record) in batch.iter().enumerate() {
            let mut d = Decision::default();
            lanes.decision_into(lane, &mut d);
            from_columnar.push(row_of(&Outcome::from_decision(plan, 1, record, &d)));
        }
    }
    assert_eq!(from_sql.len(), from_lq.len(), "{what}");
    for (engine_name, from_lq) in [("row", &from_lq), ("columnar", &from_columnar)] {
        let differing: Vec<_> = from_sql
            .iter()
            .zip(from_lq)
            .enumerate()
            .filter(|(_, (s, l))| s != l)
            .map(|(i, pair)| (i, &records[i], pair))
            .take(3)
            .collect();
        assert!(
            differing.is_empty(),
            "{what}: (lead, record, (SQL, lq's {engine_name} engine)) where they differ:\n{differing:#?}\n{sql}"
        );
    }
}

/// An engine that loads a raw export: what the load step (`lq compile
/// --to sql --load`) is tested with.
pub trait RawEngine: Engine {
    /// Holds `raw` as `raw_leads` (every column text, plus `__lq_row`),
    /// makes `leads` the load step's view of it, then runs `sql` ordered by
    /// `__lq_row`; returns its rows.
    fn run_raw(&mut self, policy: &Policy, raw: &RawExport, sql: &str) -> Vec<Row>;
}

/// A raw export: the columns the schema reads and every row's cells, as
/// text, as a warehouse holds a file loaded without conversions.
pub struct RawExport {
    /// The column names.
    pub columns: Vec<String>,
    /// Each row's cells, in column order.
    pub rows: Vec<Vec<String>>,
}

impl RawExport {
    /// The columns `policy` reads from a CSV file (the first of duplicate
    /// headers), for every row with as many cells as the header (`lq eval`
    /// makes the others error outcomes; a warehouse loader refuses them).
    pub fn from_csv(policy: &Policy, path: &str) -> RawExport {
        let bytes = std::fs::read(path).expect("the data");
        let header = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
        let count = |c: u8| header.iter().filter(|b| **b == c).count();
        let delimiter = if count(b';') > count(b',') {
            b';'
        } else {
            b','
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(bytes.as_slice());
        let headers: Vec<String> = reader
            .headers()
            .expect("a header")
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        let fields = &policy.checked().schema.fields;
        let index: Vec<usize> = fields
            .iter()
            .map(|f| {
                headers
                    .iter()
                    .position(|h| *h == f.column)
                    .unwrap_or_else(|| panic!("{path}: no column {}", f.column))
            })
            .collect();
        let rows = reader
            .records()
            .map(|r| r.expect("a CSV record"))
            .filter(|r| r.len() == headers.len())
            .map(|r| index.iter().map(|&i| r[i].to_string()).collect())
            .collect();
        RawExport {
            columns: fields.iter().map(|f| f.column.clone()).collect(),
            rows,
        }
    }

    /// The export as CSV bytes.
    fn csv(&self) -> Vec<u8> {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(&self.columns).expect("written");
        for row in &self.rows {
            out.write_record(row).expect("written");
        }
        out.into_inner().expect("flushed")
    }
}

/// SQL that creates `raw_leads` (every column text, plus `__lq_row`)
/// holding `raw`, and the view `leads` over it: the load step.
pub fn raw_script(dialect: Dialect, policy: &Policy, raw: &RawExport) -> String {
    let quote = |name: &str| lq::sql::quote_ident(dialect, name);
    let text = |t: &str| format!("'{}'", t.replace('\'', "''"));
    let columns: Vec<String> = raw
        .columns
        .iter()
        .map(|c| format!("{} VARCHAR", quote(c)))
        .collect();
    let mut script = format!(
        "DROP VIEW IF EXISTS leads;\nDROP TABLE IF EXISTS raw_leads;\nCREATE TABLE raw_leads ({}, \"__lq_row\" BIGINT);\n",
        columns.join(", ")
    );
    for (chunk_start, chunk) in raw.rows.chunks(500).enumerate() {
        let rows: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let cells: Vec<String> = r.iter().map(|c| text(c)).collect();
                format!("({}, {})", cells.join(", "), chunk_start * 500 + i + 1)
            })
            .collect();
        script.push_str(&format!(
            "INSERT INTO raw_leads VALUES {};\n",
            rows.join(",\n")
        ));
    }
    let load = lq::sql::compile_load_sql(
        policy.checked(),
        dialect,
        "raw_leads",
        &["__lq_row".to_string()],
    );
    script.push_str(&format!("CREATE VIEW leads AS\n{load};\n"));
    script
}

/// An `lq eval` error message in the words of the load step, which does
/// not know the row and does not quote the value: `row 3, column budget:
/// "ten" is not a number` is `column budget: the value is not a number`.
fn as_load_message(message: &str) -> String {
    let message = message.split_once(", ").map_or(message, |(_, m)| m);
    // lq's hints (`; it would read as Lead with `ignore case``) and its
    // reason for an impossible date are its own; the load step says less.
    let message = message
        .split_once("; it would read as ")
        .map_or(message, |(m, _)| m);
    let message = match message.split_once("\" is no such date: ") {
        Some((start, _)) => format!("{start}\" is not a date (YYYY-MM-DD)"),
        None => message.to_string(),
    };
    let found = message
        .rfind("\" is not a ")
        .map(|end| (end, "\" is not a ".len(), "a "))
        .or_else(|| {
            message
                .rfind("\" is not an ")
                .map(|end| (end, "\" is not an ".len(), "an "))
        });
    match (message.find(": \""), found) {
        (Some(start), Some((end, len, article))) if start < end => format!(
            "{}: the value is not {article}{}",
            &message[..start],
            &message[end + len..]
        ),
        _ => message,
    }
}

/// The row number the raw export holds, passed through the load step and
/// carried into the outcomes of the query for loaded tables.
pub const KEPT_ROW: &str = "__lq_row";

/// Checks the carried row numbers of a query's rows: the `n`th row (in
/// row order) carries `n`.
pub fn check_kept_rows(kept: &[Option<i64>]) {
    for (i, k) in kept.iter().enumerate() {
        if let Some(k) = k {
            assert_eq!(*k, i as i64 + 1, "the carried row of outcome {}", i + 1);
        }
    }
}

/// Loads `raw` with the load step, evaluates it with the query for loaded
/// tables, and asserts the rows equal what `lq eval` gives for the same
/// export read as a CSV file, lead for lead: error outcomes included.
/// Returns the number of error outcomes.
pub fn compare_load(
    engine: &mut dyn RawEngine,
    policy: &Policy,
    raw: &RawExport,
    what: &str,
) -> usize {
    let checked = policy.checked();
    let bytes = raw.csv();
    let reader = RecordReader::with_options(
        checked,
        Box::new(std::io::Cursor::new(bytes)),
        lq::data::InputFormat::Csv,
        what,
        ReadOptions {
            delimiter: Some(b','),
            ..ReadOptions::default()
        },
    )
    .expect("the header matches");
    let from_lq: Vec<Row> = reader
        .map(|item| match item.expect("readable") {
            Ok((row, record)) => row_of(&policy.evaluate(row, &record, as_of())),
            Err(e) => {
                let messages: Vec<String> =
                    e.messages().iter().map(|m| as_load_message(m)).collect();
                row_of(&Outcome::error(checked, e.row, e.key.clone(), messages))
            }
        })
        .collect();
    // The row number the load step passed through is carried into the
    // outcomes (`--loaded --keep __lq_row`); each runner checks it.
    let keep = [KEPT_ROW.to_string()];
    let sql = lq::sql::compile_sql_loaded(checked, engine.dialect(), "leads", as_of(), &keep)
        .unwrap_or_else(|e| panic!("{what}: {e:?}"));
    let from_sql = engine.run_raw(policy, raw, &sql);
    assert_eq!(from_sql.len(), from_lq.len(), "{what}");
    let errors = from_lq.iter().filter(|r| r.0 == "error").count();
    let differing: Vec<_> = from_sql
        .iter()
        .zip(&from_lq)
        .enumerate()
        .filter(|(_, (s, l))| s != l)
        .map(|(i, pair)| (i, &raw.rows[i], pair))
        .take(3)
        .collect();
    assert!(
        differing.is_empty(),
        "{what} ({errors} error outcomes): (lead, cells, (SQL, lq)) where they differ:\n{differing:#?}"
    );
    errors
}

/// A policy with every kind of conversion the load step does: schema and
/// field missing markers, number forms in `int`, `money` and `number`
/// fields, yes/no, dates, an enum with spellings, `trim` and `ignore case`,
/// trimmed text, a list, required fields.
const LOAD_POLICY: &str = r#"policy "load"
enum Role trim ignore case { VP ("Vice President", "vp."), Director ("Dir"), Other }
enum Stage { Lead, Customer ("cust") }
schema {
  missing ["n/a", "-"]
  id:        int       key
  employees: int?
  budget:    money?    missing ["unknown"]
  ratio:     number?
  role:      Role?
  stage:     Stage?
  active:    bool?
  since:     date?
  name:      text?     trim
  tags:      list of text?
  visits:    int       from "Total Visits"
}
tiers A > B > C
disqualify when stage = Customer because "already a customer"
score fit up to 60 {
  +20 when budget >= 10k
  +10 when employees between 50 and 5000
  +5  when ratio > 0.5
  +2  per visits
}
rule big: when budget >= 25k and role in [VP, Director] then tier A, route "ae"
when active and since within 30 days then tier B
when tags contains "webinar" or name starts with "a" then tier B
otherwise tier C
"#;

/// Cells a messy export holds, per kind of field: good spellings, blanks,
/// markers and bad values.
const NUMBER_CELLS: [&str; 44] = [
    "5",
    "-5",
    "+5",
    "$5",
    "-$5",
    "$-5",
    "+$-5",
    "-$-5",
    "1,000",
    "$25,000",
    "10k",
    "2.5k",
    "1.25k",
    "1.2345k",
    "12K",
    ".5",
    "5.",
    "5.k",
    ".k",
    "1.5M",
    "2B",
    "0.1",
    "-0.0",
    "007",
    "1e5",
    "NaN",
    "ten",
    "1.2.3",
    "$",
    "5kk",
    "k5",
    ",5",
    " 12 ",
    "\u{a0}12",
    "12\u{a0}",
    "1,2,3",
    "123456789012345678",
    "",
    " ",
    "n/a",
    "-",
    "unknown",
    "3.75",
    "60",
];
const BOOL_CELLS: [&str; 14] = [
    "yes",
    "Y",
    "1",
    "no",
    "N",
    "0",
    "TRUE",
    "false",
    " yes ",
    "yes\u{a0}",
    "maybe",
    "",
    "n/a",
    "Yes",
];
const DATE_CELLS: [&str; 16] = [
    "2026-11-20",
    "2026-11-20T10:00:00Z",
    "2026-11-20 10:00",
    "2026-02-29",
    "2024-02-29",
    "2026-13-01",
    "2026-11-31",
    "20/11/2026",
    " 2026-11-20",
    "2026-11-20x",
    "2026-1-20",
    "",
    "2026-10-01",
    "1900-02-29",
    "2000-02-29",
    "n/a",
];
const ROLE_CELLS: [&str; 11] = [
    "VP",
    "vp",
    " VP ",
    "Vice President",
    "VICE PRESIDENT",
    "vp.",
    "Dir",
    "director",
    "Other",
    "Intern",
    "",
];
const STAGE_CELLS: [&str; 6] = ["Lead", "lead", "cust", "Customer", "", "-"];
const TEXT_CELLS: [&str; 7] = ["ab", " ab ", "", "n/a", "Ana", "\u{a0}anna", "b"];
const LIST_CELLS: [&str; 7] = [
    "webinar",
    "a;webinar",
    " a ; ;webinar ",
    ";",
    "",
    "ab",
    "Webinar",
];

/// `count` rows of cells for [`LOAD_POLICY`]: every other row is clean
/// (each cell one that `lq eval` reads), the others anything, so both the
/// conversions and the evaluation of converted rows are compared.
fn messy_rows(policy: &Policy, count: usize) -> Vec<Vec<String>> {
    let checked = policy.checked();
    let cells: [&[&str]; 11] = [
        &["1", "2", "x", "3.5"],
        &NUMBER_CELLS,
        &NUMBER_CELLS,
        &NUMBER_CELLS,
        &ROLE_CELLS,
        &STAGE_CELLS,
        &BOOL_CELLS,
        &DATE_CELLS,
        &TEXT_CELLS,
        &LIST_CELLS,
        &["3", "0", "12", "", "2.5", "1k", "-", " 7"],
    ];
    let mut rng = Lcg(2026);
    (0..count)
        .map(|row| {
            let clean = row % 2 == 0;
            let mut cells: Vec<String> = checked
                .schema
                .fields
                .iter()
                .zip(cells)
                .map(|(field, choices)| loop {
                    let cell = choices[rng.pick(choices.len())];
                    let reads = lq::data::convert::convert_text(checked, field, cell).is_ok();
                    if reads || !clean {
                        break cell.to_string();
                    }
                })
                .collect();
            cells[0] = if clean {
                (row + 1).to_string()
            } else {
                cells[0].clone()
            };
            cells
        })
        .collect()
}

/// The load step against `lq eval` on the example exports (CSV) and on
/// 2000 rows of messy cells in every field type.
pub fn load_cases(engine: &mut dyn RawEngine) {
    let mut compared = 0;
    for (policy, data) in EXAMPLE_DATA
        .into_iter()
        .filter(|(_, data)| data.ends_with(".csv"))
        .chain([
            (
                "examples/inbound-saas.lq",
                "examples/data/inbound-leads-messy.csv",
            ),
            ("tests/data/crm.lq", "tests/data/crm.csv"),
        ])
    {
        let text = std::fs::read_to_string(policy).expect("policy");
        let p = Policy::from_source(policy, &text).expect("checks");
        if compile_sql(p.checked(), engine.dialect(), "leads", as_of()).is_err() {
            continue; // refused, as tests/compile_sql.rs shows
        }
        compare_load(engine, &p, &RawExport::from_csv(&p, data), data);
        compared += 1;
    }
    assert!(compared >= 5, "only {compared} exports compared");
    let p = Policy::from_source("load.lq", LOAD_POLICY).expect("checks");
    let raw = RawExport {
        columns: p
            .checked()
            .schema
            .fields
            .iter()
            .map(|f| f.column.clone())
            .collect(),
        rows: messy_rows(&p, 2000),
    };
    let errors = compare_load(engine, &p, &raw, "messy cells");
    assert!(
        (500..1500).contains(&errors),
        "{errors} of 2000 rows are error outcomes: the cells are too clean or too messy"
    );
}

/// Whether an engine's prerequisites are here: when `found` is false, says
/// the test was skipped and `how` to enable it, or fails the test when
/// `LQ_REQUIRE_ENGINES=1` (as `.ci/run` sets).
pub fn engine_present(test: &str, found: bool, how: &str) -> bool {
    if !found {
        let message = format!("{test}: skipped. {how}; .ci/run does.");
        assert!(
            std::env::var("LQ_REQUIRE_ENGINES").as_deref() != Ok("1"),
            "{message}"
        );
        // Written to stderr directly, past the test harness's capture, so
        // that a plain `cargo test` shows it.
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "{message}");
    }
    found
}

/// Whether `cmd args` runs and succeeds.
pub fn runs(cmd: &str, args: &[&str]) -> bool {
    std::process::Command::new(cmd)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A Python process that answers each job sent on its stdin with rows, one
/// JSON array per line, then `END` (an `{"error": ...}` line reports a
/// failure).
pub struct PythonRunner {
    child: std::process::Child,
    input: std::process::ChildStdin,
    output: std::io::BufReader<std::process::ChildStdout>,
}

impl PythonRunner {
    /// Starts `python3 -c program`.
    pub fn start(program: &str) -> Self {
        use std::process::{Command, Stdio};
        let mut child = Command::new("python3")
            .args(["-c", program])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let input = child.stdin.take().expect("stdin");
        let output = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        PythonRunner {
            child,
            input,
            output,
        }
    }

    /// Sends `job` and returns the rows of the answer as `Row`s of `policy`'s
    /// outcome columns; panics with the engine's error and the query.
    pub fn rows(&mut self, job: &[u8], policy: &Policy, sql: &str) -> Vec<Row> {
        use std::io::{BufRead as _, Write as _};
        self.input.write_all(job).expect("send the job");
        self.input.flush().expect("send the job");
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let read = self
                .output
                .read_line(&mut line)
                .expect("the engine answers");
            assert!(read > 0, "the engine's runner stopped");
            let line = line.trim_end().to_string();
            if line == "END" {
                break;
            }
            lines.push(line);
        }
        if let Some(error) = lines.first().filter(|l| l.starts_with('{')) {
            panic!("the engine failed: {error}\n{sql}");
        }
        let keyed = usize::from(policy.checked().schema.key.is_some());
        let blocks = policy.checked().block_names().count();
        let width = keyed + 6 + blocks;
        let kept: Vec<Option<i64>> = lines
            .iter()
            .map(|line| {
                let r: Vec<serde_json::Value> = serde_json::from_str(line).unwrap_or_default();
                r.get(width).map(|v| {
                    v.as_i64()
                        .or_else(|| v.as_str().and_then(|t| t.parse().ok()))
                        .unwrap_or_else(|| panic!("a carried row number, not {v}"))
                })
            })
            .collect();
        // Only a query that carries the row number (`--loaded --keep`)
        // has it after the outcome (a runner may add columns of its own).
        let carries = [format!("AS \"{KEPT_ROW}\""), format!("AS `{KEPT_ROW}`")]
            .iter()
            .any(|c| sql.contains(c.as_str()));
        if carries {
            assert!(
                kept.iter().all(Option::is_some),
                "the carried column is there"
            );
            check_kept_rows(&kept);
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
                let status = text(keyed).expect("a status");
                // An error outcome (from a loaded table) has no scores.
                let error = status == "error";
                (
                    status,
                    text(keyed + 1),
                    if error { 0 } else { int(keyed + 2) },
                    (0..blocks)
                        .filter(|_| !error)
                        .map(|b| int(keyed + 3 + b))
                        .collect(),
                    text(keyed + 3 + blocks),
                    text(keyed + 4 + blocks),
                    text(keyed + 5 + blocks).expect("reasons"),
                )
            })
            .collect()
    }
}

impl Drop for PythonRunner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The records of a data file, read as `lq eval` reads them.
pub fn read(policy: &Policy, data: &str) -> Vec<Vec<Datum>> {
    let input = Box::new(std::io::BufReader::new(
        std::fs::File::open(data).expect("data"),
    ));
    let format = lq::data::InputFormat::from_path(data).expect("format");
    let reader = RecordReader::with_options(
        policy.checked(),
        input,
        format,
        data,
        ReadOptions::default(),
    )
    .expect("reader");
    reader
        .filter_map(|item| item.expect("readable").ok().map(|(_, r)| r))
        .collect()
}

/// Each example policy and the data shipped for it.
const EXAMPLE_DATA: [(&str, &str); 6] = [
    (
        "examples/inbound-saas.lq",
        "examples/data/inbound-leads.csv",
    ),
    (
        "examples/bank-telemarketing.lq",
        "examples/data/bank-sample.csv",
    ),
    ("examples/pardot-grades.lq", "examples/data/profiles.csv"),
    ("examples/bant.lq", "examples/data/bant-leads.ndjson"),
    (
        "examples/fit-engagement-matrix.lq",
        "examples/data/hubspot-contacts.csv",
    ),
    (
        "examples/gates-and-routing.lq",
        "examples/data/web-leads.ndjson",
    ),
];

/// Every example policy the dialect expresses, over its data and over 2000
/// generated leads.
pub fn example_cases(engine: &mut dyn Engine) {
    let mut compared = 0;
    for (policy, data) in EXAMPLE_DATA {
        let text = std::fs::read_to_string(policy).expect("policy");
        let p = Policy::from_source(policy, &text).expect("checks");
        if compile_sql(p.checked(), engine.dialect(), "leads", as_of()).is_err() {
            continue; // refused, as tests/compile_sql.rs shows
        }
        compare(engine, &p, &read(&p, data), policy);
        let mut out = Vec::new();
        lq::data::generate::generate(p.checked(), 2000, 7, true, &mut out).expect("generate");
        let path = std::env::temp_dir().join(format!(
            "lq-sql-{}-{}.ndjson",
            engine.dialect().name(),
            policy.replace('/', "-")
        ));
        std::fs::write(&path, out).expect("write");
        compare(engine, &p, &read(&p, &path.to_string_lossy()), policy);
        compared += 1;
    }
    assert!(compared >= 4, "only {compared} examples compared");
    hostile_name(engine);
    overflowing_scores(engine);
}

/// Scores past the range of a 64-bit integer: every engine sums the
/// points exactly and holds the block, then the total, at the edge, as
/// `lq eval` does (`+9223372036854775807 per n` with n = 2 gave 0 in lq
/// and 9.2e18 in SQLite; summed one by one with saturation, `MAX + MAX -
/// MAX` would be 0, exactly it is MAX).
fn overflowing_scores(engine: &mut dyn Engine) {
    const MAX: &str = "9223372036854775807";
    let text = format!(
        "schema {{ id: int key  n: int?  b: bool? }}\ntiers A > B\n\
         score big {{ +{MAX} per n }}\n\
         score mixed {{ +{MAX} when b; +{MAX} when b; -{MAX} per n; +3 per n }}\n\
         score low at least -5 {{ -{MAX} per n }}\n\
         rule top: when score >= {MAX} then tier A\n\
         rule edge: when big >= {MAX} or mixed <= -{MAX} then tier B\n\
         otherwise tier B\n"
    );
    let p = Policy::from_source("overflow.lq", &text).expect("checks");
    let mut records = Vec::new();
    for (i, n) in [
        Datum::Missing,
        Datum::Int(0),
        Datum::Int(1),
        Datum::Int(2),
        Datum::Int(-1),
        Datum::Int(-2),
        Datum::Int(i64::MAX),
        Datum::Int(i64::MIN),
    ]
    .into_iter()
    .enumerate()
    {
        for (j, b) in [Datum::Missing, Datum::Bool(true), Datum::Bool(false)]
            .into_iter()
            .enumerate()
        {
            records.push(vec![Datum::Int((i * 3 + j) as i64), n.clone(), b]);
        }
    }
    compare(engine, &p, &records, "scores past the 64-bit range");
}

/// A policy name built to break out of the SQL's header comment (a line
/// break, then a statement) stays inside it: the query runs and answers
/// as `lq eval` does, and no line of it but comments holds the name.
fn hostile_name(engine: &mut dyn Engine) {
    let text = "policy \"x\\nDROP TABLE leads; --\\r\\u{2028}' \\\\ \\\" ` */ ;\"\n\
        schema { id: int key  n: int? }\ntiers A > B\n\
        rule big: when n > 5 then tier A\notherwise tier B\n";
    let p = Policy::from_source("hostile-name.lq", text).expect("checks");
    assert!(p
        .checked()
        .name
        .as_deref()
        .is_some_and(|n| n.contains('\n')));
    let sql = compile_sql(p.checked(), engine.dialect(), "leads", as_of()).expect("compiles");
    for line in sql.lines() {
        assert!(!line.contains("DROP") || line.starts_with("-- "), "{line}");
    }
    let records: Vec<Vec<Datum>> = (0..10)
        .map(|i| {
            vec![
                Datum::Int(i),
                if i == 3 {
                    Datum::Missing
                } else {
                    Datum::Int(i)
                },
            ]
        })
        .collect();
    compare(engine, &p, &records, "a hostile policy name");
}

/// A record value as a PostgreSQL (and DuckDB) literal.
fn literal(policy: &Policy, ty: &Type, d: &Datum) -> String {
    let text = |t: &str| format!("'{}'", t.replace('\'', "''"));
    match d {
        Datum::Missing => "NULL".to_string(),
        Datum::Bool(b) => b.to_string(),
        Datum::Int(i) => i.to_string(),
        Datum::Num(n) => format!("{n:?}"),
        Datum::Text(t) => text(t),
        Datum::Date(d) => format!("DATE {}", text(&lq::date::format(*d))),
        Datum::Enum(v) => match ty {
            Type::Enum(id, _) => text(&policy.checked().enums[*id].variants[*v as usize].name),
            _ => "NULL".to_string(),
        },
        Datum::List(items) => format!(
            "ARRAY[{}]::text[]",
            items.iter().map(|i| text(i)).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// The script that (re)creates `leads` with the schema's columns, typed,
/// and inserts the records.
pub fn load_script(policy: &Policy, records: &[Vec<Datum>]) -> String {
    let fields = &policy.checked().schema.fields;
    let columns: Vec<String> = fields
        .iter()
        .map(|f| {
            let ty = match f.ty {
                Type::Int => "BIGINT",
                Type::Bool => "BOOLEAN",
                Type::Number | Type::Money => "DOUBLE PRECISION",
                Type::Date => "DATE",
                Type::List => "TEXT[]",
                _ => "TEXT",
            };
            format!("\"{}\" {ty}", f.column.replace('"', "\"\""))
        })
        .collect();
    // `__lq_row` keeps the records' order: PostgreSQL returns rows in
    // no promised order, so the query is run with `ORDER BY "__lq_row"`.
    let mut script = format!(
        "DROP TABLE IF EXISTS leads;\nCREATE TABLE leads ({}, \"__lq_row\" BIGINT);\n",
        columns.join(", ")
    );
    let mut row = 0;
    for chunk in records.chunks(500) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|r| {
                let values: Vec<String> = fields
                    .iter()
                    .zip(r)
                    .map(|(f, d)| literal(policy, &f.ty, d))
                    .collect();
                row += 1;
                format!("({}, {row})", values.join(", "))
            })
            .collect();
        script.push_str(&format!("INSERT INTO leads VALUES {};\n", rows.join(",\n")));
    }
    script
}

fn atom(rng: &mut Lcg) -> String {
    let c = [0, 1, 2, 3, 5][rng.pick(5)];
    match rng.pick(22) {
        20 => format!("round(x) >= {c}"),
        21 => format!("round(x) = {}", [2, -2, 3, 1234567][rng.pick(4)]),
        14 => format!("g contains \"{}\"", ["a", "b", "ab"][rng.pick(3)]),
        15 => "t in g".to_string(),
        16 => format!("count(g) >= {}", rng.pick(3)),
        17 => format!("trim(t) = \"{}\"", ["ab", "Ab", ""][rng.pick(3)]),
        18 => format!("lower(t) starts with \"{}\"", ["a", "b"][rng.pick(2)]),
        0 => format!("a > {c}"),
        1 => format!("a <= {c}"),
        2 => format!("a between {c} and {}", c + 3),
        3 => format!("r = V{}", rng.pick(3)),
        4 => format!("r in [V{}, V{}]", rng.pick(3), rng.pick(3)),
        5 => "b".to_string(),
        6 => "a is missing".to_string(),
        7 => format!("x >= {c}.5"),
        8 => format!("a + n > {c}"),
        9 => format!("t ends with \"{}\"", ["a", "ab", "b", ""][rng.pick(4)]),
        10 => format!("t contains \"{}\"", ["a", "b", "ba"][rng.pick(3)]),
        11 => format!("x / a > {c}"),
        12 => format!("coalesce(a, {c}) >= 2"),
        _ => format!("d before {} days ago", [0, 5, 30][rng.pick(3)]),
    }
}

/// Generated policies (disqualifiers, a capped block with `per`, rules)
/// over a grid of leads with a missing value at every threshold.
pub fn generated_cases(engine: &mut dyn Engine, cases: usize) {
    let base = lq::date::parse_iso(AS_OF).expect("date");
    let mut leads = Vec::new();
    let mut id = 0;
    for a in [
        Datum::Missing,
        Datum::Int(0),
        Datum::Int(1),
        Datum::Int(2),
        Datum::Int(3),
        Datum::Int(4),
        Datum::Int(6),
    ] {
        for r in [Datum::Missing, Datum::Enum(0), Datum::Enum(2)] {
            for b in [Datum::Missing, Datum::Bool(true), Datum::Bool(false)] {
                let list =
                    |items: &[&str]| Datum::List(items.iter().map(|i| i.to_string()).collect());
                for (x, t, d, g) in [
                    (
                        Datum::Missing,
                        Datum::Missing,
                        Datum::Missing,
                        Datum::Missing,
                    ),
                    (
                        Datum::Num(2.5),
                        Datum::Text("ab".into()),
                        Datum::Date(base - 10),
                        list(&["a", "b"]),
                    ),
                    (
                        Datum::Num(0.0),
                        Datum::Text("ba".into()),
                        Datum::Date(base - 40),
                        list(&[]),
                    ),
                    (
                        Datum::Num(7.25),
                        Datum::Text("".into()),
                        Datum::Date(base),
                        list(&["ab"]),
                    ),
                    (
                        Datum::Num(1.0),
                        Datum::Text("\u{a0}Ab\t".into()),
                        Datum::Date(base - 5),
                        list(&["ba", "\u{a0}Ab\t"]),
                    ),
                ] {
                    id += 1;
                    leads.push(vec![
                        Datum::Int(id),
                        a.clone(),
                        r.clone(),
                        b.clone(),
                        Datum::Int(id % 4),
                        x.clone(),
                        t.clone(),
                        d.clone(),
                        g,
                    ]);
                }
            }
        }
    }
    // Rounding: just under a half, either sign, and a large value (an
    // engine keeping 3 decimals rounds these up), beside a few others.
    for (x, t) in [
        (2.4996, "a"),
        (-2.4996, "b"),
        (1234567.4999, "ab"),
        (-2.5, "ba"),
    ] {
        for a in [Datum::Missing, Datum::Int(2)] {
            id += 1;
            leads.push(vec![
                Datum::Int(id),
                a,
                Datum::Enum(1),
                Datum::Bool(true),
                Datum::Int(id % 4),
                Datum::Num(x),
                Datum::Text(t.into()),
                Datum::Date(base - 3),
                Datum::List(vec![t.to_string()]),
            ]);
        }
    }
    for (case, text) in generated_policies(cases).iter().enumerate() {
        let policy = Policy::from_source("gen.lq", text)
            .unwrap_or_else(|e| panic!("case {case}: {e:?}\n{text}"));
        compare(engine, &policy, &leads, &format!("case {case}:\n{text}"));
    }
}

/// The schema every generated policy declares.
const GENERATED_SCHEMA: &str = "enum Role { V0, V1, V2 }\nschema {\n  id: int key\n  a: int?\n  r: Role?\n  b: bool?\n  n: int\n  x: number?\n  t: text?\n  d: date?\n  g: list of text?\n}\ntiers T > U\n";

/// The text of `cases` generated policies (the same ones every run).
pub fn generated_policies(cases: usize) -> Vec<String> {
    let mut rng = Lcg(99);
    (0..cases)
        .map(|case| {
            let mut text = GENERATED_SCHEMA.to_string();
            if rng.pick(2) == 0 {
                text.push_str(&format!(
                    "disqualify when {} because \"d{case}\"\n",
                    condition(&mut rng, 2, atom)
                ));
            }
            text.push_str(&format!(
                "score s at least -3 up to 6 {{\n  +{} when {}\n  -{} when {}\n  +1 per n\n}}\n",
                1 + rng.pick(4),
                condition(&mut rng, 1, atom),
                1 + rng.pick(4),
                condition(&mut rng, 1, atom)
            ));
            for i in 0..1 + rng.pick(3) {
                text.push_str(&format!(
                    "rule r{i}: when {} then tier {}, route \"q{i}\"\n",
                    condition(&mut rng, 2, atom),
                    ["T", "U"][rng.pick(2)]
                ));
            }
            if rng.pick(3) > 0 {
                text.push_str("when s >= 3 then tier U\n");
            }
            if rng.pick(2) == 0 {
                text.push_str("otherwise tier U\n");
            }
            text
        })
        .collect()
}
