//! `lq compile --to sql --dialect sqlite` gives the interpreter's answers,
//! lead for lead, on a real SQLite (rusqlite's bundled build, so it always
//! runs): every example policy over its data and 2000 generated leads, and
//! 300 generated policies over a grid of leads with missing values at every
//! threshold.

mod differential;
mod support;

use differential::{Engine, RawEngine, RawExport, Row};
use lq::check::types::Type;
use lq::eval::Datum;
use lq::sql::{compile_sql, Dialect};
use lq::Policy;
use rusqlite::types::Value;

/// An in-memory SQLite database.
struct Sqlite(rusqlite::Connection);

impl Sqlite {
    fn new() -> Self {
        Sqlite(rusqlite::Connection::open_in_memory().expect("sqlite"))
    }

    /// Creates `leads` with the schema's columns, typed, and inserts the
    /// records: booleans as 0/1, dates as ISO text, enums by variant name,
    /// lists as JSON arrays, missing values as NULL.
    fn load(&self, policy: &Policy, records: &[Vec<Datum>]) {
        let c = policy.checked();
        let columns: Vec<String> = c
            .schema
            .fields
            .iter()
            .map(|f| {
                let ty = match f.ty {
                    Type::Int | Type::Bool => "INTEGER",
                    Type::Number | Type::Money => "REAL",
                    _ => "TEXT",
                };
                format!("\"{}\" {ty}", f.column.replace('"', "\"\""))
            })
            .collect();
        self.0
            .execute_batch(&format!(
                "DROP TABLE IF EXISTS leads; CREATE TABLE leads ({});",
                columns.join(", ")
            ))
            .expect("create");
        let marks: Vec<&str> = c.schema.fields.iter().map(|_| "?").collect();
        let mut insert = self
            .0
            .prepare(&format!("INSERT INTO leads VALUES ({})", marks.join(", ")))
            .expect("prepare");
        for record in records {
            let values: Vec<Value> = c
                .schema
                .fields
                .iter()
                .zip(record)
                .map(|(f, d)| match d {
                    Datum::Missing => Value::Null,
                    Datum::Bool(b) => Value::Integer(i64::from(*b)),
                    Datum::Int(i) => Value::Integer(*i),
                    Datum::Num(n) => Value::Real(*n),
                    Datum::Text(t) => Value::Text(t.clone()),
                    Datum::Date(d) => Value::Text(lq::date::format(*d)),
                    Datum::Enum(v) => match &f.ty {
                        Type::Enum(id, _) => {
                            Value::Text(c.enums[*id].variants[*v as usize].name.clone())
                        }
                        _ => Value::Null,
                    },
                    Datum::List(items) => Value::Text(serde_json::to_string(items).expect("json")),
                })
                .collect();
            insert
                .execute(rusqlite::params_from_iter(values))
                .expect("insert");
        }
    }
}

impl Engine for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn run(&mut self, policy: &Policy, records: &[Vec<Datum>], sql: &str) -> Vec<Row> {
        self.load(policy, records);
        self.query(policy, sql)
    }
}

impl RawEngine for Sqlite {
    fn run_raw(&mut self, policy: &Policy, raw: &RawExport, sql: &str) -> Vec<Row> {
        let script = differential::raw_script(Dialect::Sqlite, policy, raw);
        self.0
            .execute_batch(&script)
            .unwrap_or_else(|e| panic!("{e}\n{script}"));
        self.query(policy, &format!("{sql}\nORDER BY \"__lq_row\""))
    }
}

impl Sqlite {
    /// The rows of `sql`, as outcomes (an error outcome has no scores).
    fn query(&self, policy: &Policy, sql: &str) -> Vec<Row> {
        let keyed = usize::from(policy.checked().schema.key.is_some());
        let blocks = policy.checked().block_names().count();
        let mut stmt = self.0.prepare(sql).unwrap_or_else(|e| panic!("{e}\n{sql}"));
        // A carried row number (`--loaded --keep`) follows the outcome.
        let width = keyed + 6 + blocks;
        if stmt.column_count() > width {
            assert_eq!(stmt.column_name(width).ok(), Some(differential::KEPT_ROW));
            let kept: Vec<Option<i64>> = stmt
                .query_map([], |r| r.get::<_, Option<i64>>(width))
                .expect("query")
                .map(|r| r.expect("a row"))
                .collect();
            assert!(
                kept.iter().all(Option::is_some),
                "every outcome carries its row"
            );
            differential::check_kept_rows(&kept);
        }
        stmt.query_map([], |r| {
            let status = r.get::<_, String>(keyed)?;
            let mut scores = Vec::new();
            for b in 0..blocks {
                if status != "error" {
                    scores.push(r.get::<_, i64>(keyed + 3 + b)?);
                }
            }
            Ok((
                status,
                r.get::<_, Option<String>>(keyed + 1)?,
                r.get::<_, Option<i64>>(keyed + 2)?.unwrap_or(0),
                scores,
                r.get::<_, Option<String>>(keyed + 3 + blocks)?,
                r.get::<_, Option<String>>(keyed + 4 + blocks)?,
                r.get::<_, String>(keyed + 5 + blocks)?,
            ))
        })
        .expect("query")
        .map(|r| r.expect("a row"))
        .collect()
    }
}

#[test]
fn example_policies_give_the_same_outcomes_in_sqlite() {
    differential::example_cases(&mut Sqlite::new());
}

#[test]
fn generated_policies_give_the_same_outcomes_in_sqlite() {
    differential::generated_cases(&mut Sqlite::new(), 300);
}

#[test]
fn policies_sqlite_cannot_express_are_refused() {
    let text = std::fs::read_to_string("examples/gates-and-routing.lq").expect("policy");
    let p = Policy::from_source("gates.lq", &text).expect("checks");
    let as_of = differential::as_of();
    let errors = compile_sql(p.checked(), Dialect::Sqlite, "leads", as_of)
        .expect_err("matches is not SQLite");
    assert!(
        errors.iter().any(|e| e.to_string()
            == "`matches` (SQLite has no regular expressions) cannot be compiled to sqlite SQL"),
        "{errors:?}"
    );
    assert!(compile_sql(p.checked(), Dialect::Postgres, "leads", as_of).is_ok());
}

#[test]
fn raw_exports_load_and_evaluate_as_lq_eval_reads_them_in_sqlite() {
    differential::load_cases(&mut Sqlite::new());
}

/// Over a table typed by other means (not `--load`), an enum column holding
/// a spelling or placeholder instead of a variant's name is an `error`
/// outcome naming the column, not a lead that silently matches no rule
/// (`read_csv_auto` on a raw export gave A = 43 instead of 605).
#[test]
fn a_value_that_is_not_a_variant_is_an_error_outcome() {
    let text = "enum Role { VP, Director }\n\
        schema { id: int key  role: Role?  n: int }\n\
        tiers A > B\n\
        rule senior: when role = VP then tier A\n\
        otherwise tier B\n";
    let p = Policy::from_source("variants.lq", text).expect("checks");
    let sql = compile_sql(p.checked(), Dialect::Sqlite, "leads", 20_000).expect("compiles");
    let db = Sqlite::new();
    db.0.execute_batch(
        "CREATE TABLE leads (id INTEGER, role TEXT, n INTEGER);
             INSERT INTO leads VALUES (1, 'VP', 1), (2, 'vp', 1), (3, NULL, 1),
               (4, 'Vice President', 1), (5, 'Director', 1);",
    )
    .expect("load");
    let mut stmt = db.0.prepare(&sql).expect("prepare");
    let rows: Vec<(i64, String, Option<String>, String)> = stmt
        .query_map([], |r| {
            Ok((
                r.get("id")?,
                r.get("status")?,
                r.get("tier")?,
                r.get("reasons")?,
            ))
        })
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    let not_a_role =
        r#"["column role: the value is not a Role (VP, Director); load raw exports with --load"]"#;
    assert_eq!(
        rows,
        [
            (1, "qualified".into(), Some("A".into()), "[]".into()),
            (2, "error".into(), None, not_a_role.into()),
            (3, "qualified".into(), Some("B".into()), "[]".into()),
            (4, "error".into(), None, not_a_role.into()),
            (5, "qualified".into(), Some("B".into()), "[]".into()),
        ]
    );
}
