//! `lq compile --to sql --dialect spark` gives the interpreter's answers,
//! lead for lead, on Spark SQL in local mode (the pyspark package and a
//! Java 17 runtime, in one `python3` process): every example policy over
//! its data and 2000 generated leads, and 300 generated policies over a
//! grid of leads with missing values at every threshold.
//!
//! Without `python3 -c "import pyspark"` and `java` the test says it was
//! skipped and how to enable it (`python3 -m pip install pyspark`), unless
//! `LQ_REQUIRE_ENGINES=1` (set by `.ci/run`, which installs it), which
//! makes a skip a failure.

mod differential;
mod support;

use differential::{Engine, PythonRunner, RawEngine, RawExport, Row};
use lq::check::types::Type;
use lq::eval::Datum;
use lq::sql::Dialect;
use lq::Policy;

/// Reads jobs (one JSON line: columns, rows, sql), makes `leads` a typed
/// temporary view of the rows (or, when the job has a `load` query, makes
/// the rows `raw_leads` and `leads` the load query's view of them), runs
/// the query and prints each row as a JSON array, then `END` (or an
/// `{"error": ...}` line, then `END`).
const RUNNER: &str = r#"
import datetime, json, sys
from pyspark.sql import SparkSession
from pyspark.sql import types as T
spark = (SparkSession.builder.master("local[1]").appName("lq-differential")
         .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
kinds = {"bigint": T.LongType(), "double": T.DoubleType(), "boolean": T.BooleanType(),
         "date": T.DateType(), "string": T.StringType(), "array": T.ArrayType(T.StringType())}
for line in sys.stdin:
    job = json.loads(line)
    try:
        schema = T.StructType([T.StructField(n, kinds[k], True) for n, k in job["columns"]])
        dates = [i for i, (_, k) in enumerate(job["columns"]) if k == "date"]
        rows = []
        for r in job["rows"]:
            for i in dates:
                if r[i] is not None:
                    r[i] = datetime.date.fromisoformat(r[i])
            rows.append(tuple(r))
        if "load" in job:
            # A raw export: its text columns, then the load step's view.
            spark.createDataFrame(rows, schema).createOrReplaceTempView("raw_leads")
            spark.sql(job["load"]).createOrReplaceTempView("leads")
        else:
            spark.createDataFrame(rows, schema).createOrReplaceTempView("leads")
        for row in spark.sql(job["sql"]).collect():
            print(json.dumps(list(row)))
    except Exception as e:
        print(json.dumps({"error": str(e)[:2000]}))
    print("END", flush=True)
"#;

/// Spark in local mode in one Python process.
struct Spark(PythonRunner);

impl Spark {
    /// Spark, or `None` (with a message saying how to enable the test).
    fn available(test: &str) -> Option<Self> {
        differential::engine_present(
            test,
            differential::runs("python3", &["-c", "import pyspark"])
                && differential::runs("java", &["-version"]),
            "No Spark: install Java 17 and run `python3 -m pip install pyspark` to run it",
        )
        .then(|| Spark(PythonRunner::start(RUNNER)))
    }
}

fn json_of(policy: &Policy, ty: &Type, d: &Datum) -> serde_json::Value {
    use serde_json::Value as J;
    match d {
        Datum::Missing => J::Null,
        Datum::Bool(b) => J::Bool(*b),
        Datum::Int(i) => J::from(*i),
        Datum::Num(n) => J::from(*n),
        Datum::Text(t) => J::from(t.as_str()),
        Datum::Date(d) => J::from(lq::date::format(*d)),
        Datum::Enum(v) => match ty {
            Type::Enum(id, _) => J::from(
                policy.checked().enums[*id].variants[*v as usize]
                    .name
                    .as_str(),
            ),
            _ => J::Null,
        },
        Datum::List(items) => J::from(items.clone()),
    }
}

impl Engine for Spark {
    fn dialect(&self) -> Dialect {
        Dialect::Spark
    }

    fn run(&mut self, policy: &Policy, records: &[Vec<Datum>], sql: &str) -> Vec<Row> {
        let fields = &policy.checked().schema.fields;
        let mut columns: Vec<(String, &str)> = fields
            .iter()
            .map(|f| {
                let kind = match f.ty {
                    Type::Int => "bigint",
                    Type::Number | Type::Money => "double",
                    Type::Bool => "boolean",
                    Type::Date => "date",
                    Type::List => "array",
                    _ => "string",
                };
                (f.column.clone(), kind)
            })
            .collect();
        columns.push(("__lq_row".to_string(), "bigint"));
        let rows: Vec<serde_json::Value> = records
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut row: Vec<serde_json::Value> = fields
                    .iter()
                    .zip(r)
                    .map(|(f, d)| json_of(policy, &f.ty, d))
                    .collect();
                row.push(serde_json::Value::from(i));
                serde_json::Value::Array(row)
            })
            .collect();
        let job = serde_json::json!({
            "columns": columns,
            "rows": rows,
            "sql": format!("{sql}\nORDER BY `__lq_row`"),
        });
        self.0.rows(format!("{job}\n").as_bytes(), policy, sql)
    }
}

impl RawEngine for Spark {
    fn run_raw(&mut self, policy: &Policy, raw: &RawExport, sql: &str) -> Vec<Row> {
        let mut columns: Vec<(String, &str)> =
            raw.columns.iter().map(|c| (c.clone(), "string")).collect();
        columns.push(("__lq_row".to_string(), "bigint"));
        let rows: Vec<serde_json::Value> = raw
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut row: Vec<serde_json::Value> = r
                    .iter()
                    .map(|c| serde_json::Value::from(c.as_str()))
                    .collect();
                // Numbered from 1, as the other engines' raw tables are.
                row.push(serde_json::Value::from(i + 1));
                serde_json::Value::Array(row)
            })
            .collect();
        let load = lq::sql::compile_load_sql(
            policy.checked(),
            Dialect::Spark,
            "raw_leads",
            &["__lq_row".to_string()],
        );
        let job = serde_json::json!({
            "columns": columns,
            "rows": rows,
            "load": load,
            "sql": format!("{sql}\nORDER BY `__lq_row`"),
        });
        self.0.rows(format!("{job}\n").as_bytes(), policy, sql)
    }
}

/// One test, so one Spark session starts (it takes several seconds): the
/// typed comparisons, then the load step's.
#[test]
fn policies_give_the_same_outcomes_in_spark() {
    if let Some(mut spark) = Spark::available("policies_give_the_same_outcomes_in_spark") {
        differential::example_cases(&mut spark);
        differential::generated_cases(&mut spark, 300);
        differential::load_cases(&mut spark);
    }
}
