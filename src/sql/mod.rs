//! `lq compile --to sql`: a checked policy as one SQL query over a table of
//! leads, giving per lead the interpreter's outcome. The three-valued logic
//! of lq is SQL's NULL logic, so conditions translate one for one; what a
//! dialect cannot express is a [`SqlError`] naming the feature, never wrong
//! SQL.
//!
//! The table holds the schema's columns already typed: numbers as numbers,
//! booleans as booleans (0/1 in SQLite), dates as ISO `YYYY-MM-DD` text or
//! dates, enums as the variant's name, missing values as NULL.

mod load;

use std::fmt::Write as _;

use miette::Diagnostic;
use thiserror::Error;

use crate::check::tir::{CheckedPolicy, Func, TExpr, TKind};
use crate::check::types::Type;
use crate::syntax::ast::{ArithOp, CompareOp, DateOp, TextOp};
use crate::value::Datum;

pub use load::{compile_load_sql, ERRORS_COLUMN};

/// The code points of Unicode's White_Space property, which `trim` removes.
const WHITE_SPACE: [u32; 25] = [
    9, 10, 11, 12, 13, 32, 0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
    0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
];

/// The SQL dialects lq writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Dialect {
    /// SQLite 3.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// DuckDB.
    Duckdb,
    /// Spark SQL (Databricks).
    Spark,
    /// Google BigQuery (GoogleSQL).
    Bigquery,
    /// Snowflake.
    Snowflake,
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Dialect {
    /// The dialect's name.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::Duckdb => "duckdb",
            Dialect::Spark => "spark",
            Dialect::Bigquery => "bigquery",
            Dialect::Snowflake => "snowflake",
        }
    }
}

/// A policy that cannot be written in a dialect.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq)]
pub enum SqlError {
    /// A feature the dialect (or lq's SQL back end) does not express.
    #[error("{feature} cannot be compiled to {dialect} SQL")]
    #[diagnostic(
        code(lq::sql_unsupported),
        help("evaluate this policy with `lq eval`, or rewrite the condition without {feature}")
    )]
    Unsupported {
        /// The feature, in words.
        feature: &'static str,
        /// The dialect.
        dialect: Dialect,
        /// Where it is used.
        #[label("used here")]
        span: crate::source::Span,
    },
}

/// Writes the query for `policy` over `table`, as of `as_of` (days since
/// 1970-01-01: `ago`, `within` and `days_since` become constants).
pub fn compile_sql(
    policy: &CheckedPolicy,
    dialect: Dialect,
    table: &str,
    as_of: i32,
) -> Result<String, Vec<SqlError>> {
    write_query(policy, dialect, table, as_of, None)
}

/// [`compile_sql`] over a table written by the load step
/// ([`compile_load_sql`]): a row it could not convert is an `error`
/// outcome whose reasons are the conversion errors, as in `lq eval`.
/// The columns named in `keep` (those the load step passed through: an
/// export's id, a row number) follow the outcome's, under their names
/// (`input.NAME` where that is an outcome column's), as `lq eval --keep`
/// writes them, so the outcomes can be joined back to the export.
pub fn compile_sql_loaded(
    policy: &CheckedPolicy,
    dialect: Dialect,
    table: &str,
    as_of: i32,
    keep: &[String],
) -> Result<String, Vec<SqlError>> {
    write_query(policy, dialect, table, as_of, Some(keep))
}

fn write_query(
    policy: &CheckedPolicy,
    dialect: Dialect,
    table: &str,
    as_of: i32,
    loaded: Option<&[String]>,
) -> Result<String, Vec<SqlError>> {
    let mut w = Writer {
        policy,
        dialect,
        as_of,
        loaded: loaded.is_some(),
        keep: loaded.unwrap_or_default().to_vec(),
        errors: Vec::new(),
    };
    let sql = w.query(table);
    if w.errors.is_empty() {
        Ok(sql)
    } else {
        Err(w.errors)
    }
}

/// `name` as a quoted identifier: backticks in Spark and BigQuery, double
/// quotes elsewhere, with the quote character escaped.
pub fn quote_ident(dialect: Dialect, name: &str) -> String {
    match dialect {
        Dialect::Spark => format!("`{}`", name.replace('`', "``")),
        Dialect::Bigquery => format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`")),
        _ => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

/// The most a block's entries can add up to, in absolute value: the sum
/// of their points, unbounded (past any `i64`) with a `per` entry.
fn entries_bound(block: &crate::check::tir::BlockDef) -> i128 {
    block
        .entries
        .iter()
        .map(|e| {
            if e.per {
                i128::MAX / 4
            } else {
                i128::from(e.points).abs()
            }
        })
        .fold(0, i128::saturating_add)
}

/// The most a block's total can be, in absolute value: its entries' bound
/// held in range, or its cap and floor when it has both.
fn total_bound(block: &crate::check::tir::BlockDef) -> i128 {
    let held = entries_bound(block).min(i128::from(i64::MAX));
    match (block.cap, block.floor) {
        (Some(cap), Some(floor)) => held.min(i128::from(cap).abs().max(i128::from(floor).abs())),
        _ => held,
    }
}

/// Text made safe inside a `-- ` line comment: a line break (or any other
/// control character) would end the comment and let the rest of the text
/// run as SQL, so each is written as `\u{…}`, and so is the backslash.
pub fn comment_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || matches!(c, '\\' | '\u{2028}' | '\u{2029}') {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// A dotted name (`crm.leads`) quoted part by part.
pub fn quote_name(dialect: Dialect, name: &str) -> String {
    name.split('.')
        .map(|p| quote_ident(dialect, p))
        .collect::<Vec<_>>()
        .join(".")
}

struct Writer<'p> {
    policy: &'p CheckedPolicy,
    dialect: Dialect,
    as_of: i32,
    /// The table came from the load step: rows with conversion errors
    /// (in [`load::ERRORS_COLUMN`]) are `error` outcomes.
    loaded: bool,
    /// Columns of the loaded table carried after the outcome's.
    keep: Vec<String>,
    errors: Vec<SqlError>,
}

impl Writer<'_> {
    fn unsupported(&mut self, feature: &'static str, e: &TExpr) -> String {
        self.errors.push(SqlError::Unsupported {
            feature,
            dialect: self.dialect,
            span: e.span,
        });
        "NULL".to_string()
    }

    fn ident(&self, name: &str) -> String {
        quote_ident(self.dialect, name)
    }

    /// A string literal. Spark, BigQuery and Snowflake read backslash
    /// escapes in quoted strings, so backslashes are doubled there.
    fn text(&self, t: &str) -> String {
        match self.dialect {
            Dialect::Spark | Dialect::Bigquery | Dialect::Snowflake => {
                format!("'{}'", t.replace('\\', "\\\\").replace('\'', "\\'"))
            }
            _ => format!("'{}'", t.replace('\'', "''")),
        }
    }

    /// The type that division is done in.
    fn float_type(&self) -> &'static str {
        match self.dialect {
            Dialect::Sqlite => "REAL",
            Dialect::Postgres => "DOUBLE PRECISION",
            Dialect::Bigquery => "FLOAT64",
            _ => "DOUBLE",
        }
    }

    /// A condition as an integer flag that is 1 only when it is true.
    fn fires(&mut self, e: &TExpr) -> String {
        format!("(CASE WHEN {} THEN 1 ELSE 0 END)", self.expr(e))
    }

    fn query(&mut self, table: &str) -> String {
        let policy = self.policy;
        let mut blocks = Vec::new();
        for (b, block) in policy.blocks.iter().enumerate() {
            // Points are summed in a wide type and held in range only when
            // the sum could overflow (a `per` entry, or huge points).
            let exact = entries_bound(block) <= i128::from(i64::MAX);
            let mut terms = Vec::new();
            for entry in &block.entries {
                let points = if exact {
                    entry.points.to_string()
                } else {
                    self.wide(&entry.points.to_string())
                };
                let term = if entry.per {
                    let n = self.expr(&entry.expr);
                    format!("({points} * COALESCE({}, 0))", self.wide(&n))
                } else {
                    format!(
                        "(CASE WHEN {} THEN {points} ELSE 0 END)",
                        self.expr(&entry.expr),
                    )
                };
                terms.push(term);
            }
            let mut total = if terms.is_empty() {
                "0".to_string()
            } else if exact {
                format!("({})", terms.join(" + "))
            } else {
                self.hold_score(&terms.join(" + "))
            };
            if let Some(cap) = block.cap {
                total = self.least(&total, &cap.to_string());
            }
            if let Some(floor) = block.floor {
                total = self.greatest(&total, &floor.to_string());
            }
            blocks.push(format!("{total} AS {}", self.ident(&format!("__block{b}"))));
        }
        let score = self.score();
        let mut flags = Vec::new();
        for (i, d) in policy.disqualifiers.iter().enumerate() {
            let fires = self.fires(&d.when);
            flags.push(format!("{fires} AS {}", self.ident(&format!("__d{i}"))));
        }
        for (i, r) in policy.rules.iter().enumerate() {
            let fires = match &r.when {
                Some(w) => self.fires(w),
                None => "1".to_string(),
            };
            flags.push(format!("{fires} AS {}", self.ident(&format!("__r{i}"))));
        }
        let disqualified = if policy.disqualifiers.is_empty() {
            "0 = 1".to_string()
        } else {
            (0..policy.disqualifiers.len())
                .map(|i| format!("{} = 1", self.ident(&format!("__d{i}"))))
                .collect::<Vec<_>>()
                .join(" OR ")
        };
        let pick = |w: &Self, value: &dyn Fn(&crate::check::tir::RuleDef) -> String| {
            let mut case = format!("CASE WHEN {disqualified} THEN NULL");
            for (i, r) in policy.rules.iter().enumerate() {
                let _ = write!(
                    case,
                    " WHEN {} = 1 THEN {}",
                    w.ident(&format!("__r{i}")),
                    value(r)
                );
            }
            case.push_str(" ELSE NULL END");
            case
        };
        let mut status = format!("CASE WHEN {disqualified} THEN 'disqualified'");
        for i in 0..policy.rules.len() {
            let _ = write!(
                status,
                " WHEN {} = 1 THEN 'qualified'",
                self.ident(&format!("__r{i}"))
            );
        }
        status.push_str(" ELSE 'unmatched' END");
        let tier = pick(self, &|r| {
            policy
                .tiers
                .get(r.tier)
                .map_or("NULL".into(), |t| self.text(t))
        });
        let route = pick(self, &|r| {
            r.route.as_deref().map_or("NULL".into(), |q| self.text(q))
        });
        let rule = pick(self, &|r| self.text(&r.label));
        let reasons = self.reasons();
        let mut select = Vec::new();
        if let Some(k) = policy.schema.key {
            let f = &policy.schema.fields[k];
            select.push(format!(
                "{} AS {}",
                self.ident(&f.column),
                self.ident(&f.name)
            ));
        }
        // Over a loaded table, a row with conversion errors is an `error`
        // outcome: no tier, scores, route or rule; its errors are the reasons.
        // Over a table typed by other means, an enum column holding
        // something other than a variant's name (a raw export's spelling,
        // `n/a`) is such an error too, found here, rather than a lead that
        // silently matches nothing.
        let errors = self.ident(ERRORS_COLUMN);
        let variant_errors = if self.loaded {
            None
        } else {
            self.variant_errors()
        };
        if let Some(check) = &variant_errors {
            blocks.insert(0, format!("{check} AS {errors}"));
        }
        let checks_errors = self.loaded || variant_errors.is_some();
        let unless_error = |value: String| {
            if checks_errors {
                format!("CASE WHEN {errors} IS NOT NULL THEN NULL ELSE {value} END")
            } else {
                value
            }
        };
        let status = if checks_errors {
            format!("CASE WHEN {errors} IS NOT NULL THEN 'error' ELSE {status} END")
        } else {
            status
        };
        let reasons = if checks_errors {
            format!("COALESCE({errors}, {reasons})")
        } else {
            reasons
        };
        select.push(format!("{status} AS {}", self.ident("status")));
        select.push(format!("{} AS {}", unless_error(tier), self.ident("tier")));
        select.push(format!(
            "{} AS {}",
            unless_error(format!("({score})")),
            self.ident("score")
        ));
        for (b, block) in policy.blocks.iter().enumerate() {
            if let Some(name) = &block.name {
                select.push(format!(
                    "{} AS {}",
                    unless_error(self.ident(&format!("__block{b}"))),
                    self.ident(&format!("score_{name}"))
                ));
            }
        }
        select.push(format!(
            "{} AS {}",
            unless_error(route),
            self.ident("route")
        ));
        select.push(format!("{} AS {}", unless_error(rule), self.ident("rule")));
        select.push(format!("{reasons} AS {}", self.ident("reasons")));
        let outcome_columns: Vec<String> = select
            .iter()
            .filter_map(|c| c.rsplit_once(" AS ").map(|(_, name)| name.to_string()))
            .collect();
        for k in &self.keep {
            let name = self.ident(k);
            let shown = if outcome_columns.contains(&name) {
                self.ident(&format!("input.{k}"))
            } else {
                name.clone()
            };
            select.push(format!("{name} AS {shown}"));
        }
        let scored_cols = if blocks.is_empty() {
            String::new()
        } else {
            format!(", {}", blocks.join(",\n         "))
        };
        let flag_cols = if flags.is_empty() {
            String::new()
        } else {
            format!(", {}", flags.join(",\n         "))
        };
        let (scored, decided) = (self.ident("__scored"), self.ident("__decided"));
        format!(
            "-- {} compiled by lq {} for {}, as of {}\nWITH {scored} AS (\n  SELECT *{scored_cols}\n  FROM {}\n),\n{decided} AS (\n  SELECT *{flag_cols}\n  FROM {scored}\n)\nSELECT {}\nFROM {decided}",
            comment_text(policy.name.as_deref().unwrap_or("policy")),
            env!("CARGO_PKG_VERSION"),
            self.dialect.name(),
            crate::date::format(self.as_of),
            self.table_ident(table),
            select.join(",\n       ")
        )
    }

    fn table_ident(&self, table: &str) -> String {
        quote_name(self.dialect, table)
    }

    /// For each enum field, a message (a JSON array text, as the load
    /// step writes) when its column holds a value that is not one of the
    /// variants' names; `None` when the schema has no enum field.
    fn variant_errors(&self) -> Option<String> {
        let policy = self.policy;
        let mut checks = Vec::new();
        for f in &policy.schema.fields {
            let Type::Enum(id, _) = &f.ty else { continue };
            let def = &policy.enums[*id];
            let names: Vec<&str> = def.variants.iter().map(|v| v.name.as_str()).collect();
            let listed: Vec<String> = names.iter().map(|n| self.text(n)).collect();
            let message = serde_json::Value::String(format!(
                "column {}: the value is not {} ({}); load raw exports with --load",
                f.column,
                crate::diagnostic::with_article(&def.name),
                crate::diagnostic::list_cut(
                    &names.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
                    12
                )
            ));
            let column = self.ident(&f.column);
            checks.push(format!(
                "CASE WHEN {column} IS NOT NULL AND {column} NOT IN ({}) THEN {} ELSE '' END",
                listed.join(", "),
                self.text(&format!(",{message}"))
            ));
        }
        if checks.is_empty() {
            return None;
        }
        // No problem: the pieces are all '', the array `[]`, and NULLIF
        // makes that NULL.
        Some(format!(
            "NULLIF('[' || SUBSTR({}, 2) || ']', '[]')",
            checks.join(" || ")
        ))
    }

    /// The disqualification reasons as a JSON array text, in order.
    fn reasons(&mut self) -> String {
        if self.policy.disqualifiers.is_empty() {
            return "'[]'".to_string();
        }
        let parts: Vec<String> = self
            .policy
            .disqualifiers
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let json = serde_json::Value::String(d.reason.clone()).to_string();
                format!(
                    "CASE WHEN {} = 1 THEN {} ELSE '' END",
                    self.ident(&format!("__d{i}")),
                    self.text(&format!(",{json}"))
                )
            })
            .collect();
        let joined = parts.join(" || ");
        format!("('[' || SUBSTR({joined}, 2) || ']')")
    }

    /// The total score: the blocks summed exactly, held in range.
    fn score(&self) -> String {
        let blocks = &self.policy.blocks;
        let bound: i128 = blocks.iter().map(total_bound).sum();
        match blocks.len() {
            0 => "0".to_string(),
            1 => self.ident("__block0"),
            n if bound <= i128::from(i64::MAX) => (0..n)
                .map(|b| self.ident(&format!("__block{b}")))
                .collect::<Vec<_>>()
                .join(" + "),
            n => {
                let blocks: Vec<String> = (0..n)
                    .map(|b| self.wide(&self.ident(&format!("__block{b}"))))
                    .collect();
                self.hold_score(&blocks.join(" + "))
            }
        }
    }

    /// `x` in a type wide enough to add and multiply scores exactly (a
    /// product of two 64-bit integers, summed), as lq does in 128 bits.
    /// SQLite has none: its integers turn into REAL on overflow, which is
    /// exact unless a sum passes the range and comes back to within a
    /// few thousand of its edge.
    fn wide(&self, x: &str) -> String {
        match self.dialect {
            Dialect::Sqlite => x.to_string(),
            Dialect::Postgres => format!("CAST({x} AS NUMERIC)"),
            Dialect::Duckdb => format!("CAST({x} AS HUGEINT)"),
            Dialect::Spark => format!("CAST({x} AS DECIMAL(38, 0))"),
            Dialect::Snowflake => format!("CAST({x} AS NUMBER(38, 0))"),
            Dialect::Bigquery => format!("CAST({x} AS BIGNUMERIC)"),
        }
    }

    /// An exact sum held within the range of a 64-bit score, as lq holds
    /// it (`eval::decide::score_of`).
    fn hold_score(&self, sum: &str) -> String {
        let held = self.least(
            &self.greatest(&format!("({sum})"), "-9223372036854775808"),
            "9223372036854775807",
        );
        match self.dialect {
            Dialect::Sqlite => format!("CAST({held} AS INTEGER)"),
            Dialect::Bigquery => format!("CAST({held} AS INT64)"),
            _ => format!("CAST({held} AS BIGINT)"),
        }
    }

    fn least(&self, a: &str, b: &str) -> String {
        match self.dialect {
            Dialect::Sqlite => format!("MIN({a}, {b})"),
            _ => format!("LEAST({a}, {b})"),
        }
    }

    fn greatest(&self, a: &str, b: &str) -> String {
        match self.dialect {
            Dialect::Sqlite => format!("MAX({a}, {b})"),
            _ => format!("GREATEST({a}, {b})"),
        }
    }

    /// A date column or value as days since 1970-01-01.
    fn days(&self, sql: &str) -> String {
        match self.dialect {
            Dialect::Sqlite => format!("CAST(julianday({sql}) - 2440587.5 AS INTEGER)"),
            Dialect::Spark | Dialect::Bigquery => format!("UNIX_DATE(CAST({sql} AS DATE))"),
            Dialect::Snowflake => format!("DATEDIFF(day, DATE '1970-01-01', CAST({sql} AS DATE))"),
            _ => format!("(CAST({sql} AS DATE) - DATE '1970-01-01')"),
        }
    }

    fn expr(&mut self, e: &TExpr) -> String {
        match &e.kind {
            TKind::Const(d) => self.constant(d, &e.ty),
            TKind::Field(i) => {
                let f = &self.policy.schema.fields[*i];
                let col = self.ident(&f.column);
                match f.ty {
                    Type::Date => self.days(&col),
                    // Only `contains`, `count` and `is missing` take a list,
                    // and the first two write their own SQL.
                    _ => col,
                }
            }
            TKind::Let(i) => {
                let value = self.policy.lets[*i].value.clone();
                format!("({})", self.expr(&value))
            }
            TKind::Score => format!("({})", self.score()),
            TKind::Block(b) => self.ident(&format!("__block{b}")),
            TKind::Ago(days) => (i64::from(self.as_of) - days).to_string(),
            TKind::List(_) => self.unsupported("a list outside `in`", e),
            TKind::Neg(x) => format!("(-{})", self.expr(x)),
            TKind::Arith(op, l, r) => {
                let (l, r) = (self.expr(l), self.expr(r));
                match op {
                    ArithOp::Add => format!("({l} + {r})"),
                    ArithOp::Sub => format!("({l} - {r})"),
                    ArithOp::Mul => format!("({l} * {r})"),
                    ArithOp::Div => {
                        format!("(CAST({l} AS {}) / NULLIF({r}, 0))", self.float_type())
                    }
                }
            }
            TKind::Compare(op, l, r) => {
                let sym = match op {
                    CompareOp::Eq => "=",
                    CompareOp::Ne => "<>",
                    CompareOp::Lt => "<",
                    CompareOp::Le => "<=",
                    CompareOp::Gt => ">",
                    CompareOp::Ge => ">=",
                };
                format!("({} {sym} {})", self.expr(l), self.expr(r))
            }
            TKind::In(negated, v, list) => {
                let TKind::List(items) = &list.kind else {
                    // `"x" in tags`: whether the list holds it.
                    let holds = self.list_contains(list, v, e);
                    return if *negated {
                        format!("(NOT {holds})")
                    } else {
                        holds
                    };
                };
                let v = self.expr(v);
                let items: Vec<String> = items.iter().map(|i| self.expr(i)).collect();
                format!(
                    "({v} {}IN ({}))",
                    if *negated { "NOT " } else { "" },
                    items.join(", ")
                )
            }
            TKind::Between(v, lo, hi) => format!(
                "({} BETWEEN {} AND {})",
                self.expr(v),
                self.expr(lo),
                self.expr(hi)
            ),
            TKind::TextTest(op, l, r) => {
                if l.ty == Type::List {
                    return self.list_contains(l, r, e);
                }
                let (l, r) = (self.expr(l), self.expr(r));
                match (op, self.dialect) {
                    (TextOp::Contains, Dialect::Sqlite | Dialect::Spark) => {
                        format!("(instr({l}, {r}) > 0)")
                    }
                    (TextOp::Contains, Dialect::Snowflake) => format!("CONTAINS({l}, {r})"),
                    (TextOp::Contains, _) => format!("(strpos({l}, {r}) > 0)"),
                    (TextOp::StartsWith, _) => format!("(substr({l}, 1, length({r})) = {r})"),
                    (TextOp::EndsWith, Dialect::Sqlite) => format!(
                        "(substr({l}, -length({r})) = {r} OR length({r}) = 0 AND {l} IS NOT NULL)"
                    ),
                    (TextOp::EndsWith, _) => format!("(right({l}, length({r})) = {r})"),
                }
            }
            TKind::Matches(l, pattern) => {
                let l = self.expr(l);
                let p = self.text(&pattern.node);
                match self.dialect {
                    Dialect::Sqlite => {
                        self.unsupported("`matches` (SQLite has no regular expressions)", e)
                    }
                    Dialect::Postgres => format!("({l} ~ {p})"),
                    Dialect::Duckdb => format!("regexp_matches({l}, {p})"),
                    Dialect::Spark => format!("({l} RLIKE {p})"),
                    Dialect::Bigquery => format!("REGEXP_CONTAINS({l}, {p})"),
                    Dialect::Snowflake => format!("(REGEXP_INSTR({l}, {p}) > 0)"),
                }
            }
            TKind::DateTest(op, l, r) => {
                let sym = if *op == DateOp::Before { "<" } else { ">" };
                format!("({} {sym} {})", self.expr(l), self.expr(r))
            }
            TKind::Within(l, days) => {
                format!(
                    "({} BETWEEN {} AND {})",
                    self.expr(l),
                    i64::from(self.as_of) - days,
                    self.as_of
                )
            }
            TKind::IsMissing(present, x) => format!(
                "({} IS {}NULL)",
                self.expr(x),
                if *present { "NOT " } else { "" }
            ),
            TKind::Not(x) => format!("(NOT {})", self.expr(x)),
            TKind::And(l, r) => format!("({} AND {})", self.expr(l), self.expr(r)),
            TKind::Or(l, r) => format!("({} OR {})", self.expr(l), self.expr(r)),
            TKind::Call(f, args) => self.call(*f, args, e),
        }
    }

    /// `tags contains "x"`: whether the list holds the element, unknown when
    /// the list is missing. The column is a JSON array text in SQLite, an
    /// array in PostgreSQL (`text[]`) and DuckDB (`VARCHAR[]`).
    fn list_contains(&mut self, list: &TExpr, needle: &TExpr, e: &TExpr) -> String {
        let TKind::Field(i) = &list.kind else {
            return self.unsupported("`contains` on a computed list", e);
        };
        let col = self.ident(&self.policy.schema.fields[*i].column);
        let needle = self.expr(needle);
        match self.dialect {
            Dialect::Sqlite => format!(
                "(CASE WHEN {col} IS NULL OR {needle} IS NULL THEN NULL ELSE EXISTS (SELECT 1 FROM json_each({col}) WHERE json_each.value = {needle}) END)"
            ),
            Dialect::Postgres => format!("({needle} = ANY({col}))"),
            Dialect::Duckdb => format!("list_contains({col}, {needle})"),
            Dialect::Spark => format!("array_contains({col}, {needle})"),
            Dialect::Bigquery => format!("({needle} IN UNNEST({col}))"),
            Dialect::Snowflake => {
                format!("ARRAY_CONTAINS(CAST({needle} AS VARIANT), {col})")
            }
        }
    }

    /// `count(tags)`: the number of elements, missing when the list is.
    fn list_count(&mut self, list: &TExpr, e: &TExpr) -> String {
        let TKind::Field(i) = &list.kind else {
            return self.unsupported("`count` of a computed list", e);
        };
        let col = self.ident(&self.policy.schema.fields[*i].column);
        match self.dialect {
            Dialect::Sqlite => format!("json_array_length({col})"),
            Dialect::Postgres => format!("cardinality({col})"),
            Dialect::Duckdb => format!("len({col})"),
            Dialect::Spark => format!("(CASE WHEN {col} IS NULL THEN NULL ELSE size({col}) END)"),
            Dialect::Bigquery => format!("ARRAY_LENGTH({col})"),
            Dialect::Snowflake => format!("ARRAY_SIZE({col})"),
        }
    }

    /// `text` without the characters Rust's `str::trim` removes: Unicode's
    /// White_Space, spelled out for each dialect.
    fn trim(&self, text: &str) -> String {
        let chars = match self.dialect {
            Dialect::Sqlite => {
                format!("char({})", WHITE_SPACE.map(|c| c.to_string()).join(", "))
            }
            Dialect::Bigquery => format!(
                "CODE_POINTS_TO_STRING([{}])",
                WHITE_SPACE.map(|c| c.to_string()).join(", ")
            ),
            Dialect::Spark => {
                format!("'{}'", WHITE_SPACE.map(|c| format!("\\u{c:04X}")).join(""))
            }
            _ => WHITE_SPACE.map(|c| format!("chr({c})")).join(" || "),
        };
        match self.dialect {
            Dialect::Spark => format!("trim(BOTH {chars} FROM {text})"),
            _ => format!("trim({text}, {chars})"),
        }
    }

    fn call(&mut self, f: Func, args: &[TExpr], e: &TExpr) -> String {
        let a: Vec<String> = args.iter().map(|x| self.expr(x)).collect();
        match f {
            Func::Lower => format!("lower({})", a[0]),
            Func::Trim => self.trim(&a[0]),
            Func::Count => self.list_count(&args[0], e),
            Func::DaysSince => format!("({} - {})", self.as_of, a[0]),
            Func::Coalesce => format!("COALESCE({})", a.join(", ")),
            Func::Min | Func::Max => {
                let any_null = a
                    .iter()
                    .map(|x| format!("{x} IS NULL"))
                    .collect::<Vec<_>>()
                    .join(" OR ");
                let pick = match (f, self.dialect) {
                    (Func::Min, Dialect::Sqlite) => format!("MIN({})", a.join(", ")),
                    (Func::Max, Dialect::Sqlite) => format!("MAX({})", a.join(", ")),
                    (Func::Min, _) => format!("LEAST({})", a.join(", ")),
                    _ => format!("GREATEST({})", a.join(", ")),
                };
                format!("(CASE WHEN {any_null} THEN NULL ELSE {pick} END)")
            }
            // Half away from zero, as lq rounds. DuckDB's `round` on a
            // DOUBLE does exactly that; its NUMERIC keeps only 3 decimals
            // (2.4996 became 2.500, then 3).
            Func::Round => match self.dialect {
                Dialect::Sqlite => format!("CAST(round({}) AS INTEGER)", a[0]),
                Dialect::Duckdb => format!("CAST(round(CAST({} AS DOUBLE)) AS BIGINT)", a[0]),
                Dialect::Bigquery => format!("CAST(ROUND({}) AS INT64)", a[0]),
                Dialect::Spark | Dialect::Snowflake => {
                    format!("CAST(ROUND({}) AS BIGINT)", a[0])
                }
                _ => format!("CAST(round(CAST({} AS NUMERIC)) AS BIGINT)", a[0]),
            },
        }
    }

    fn constant(&mut self, d: &Datum, ty: &Type) -> String {
        match (d, ty) {
            (Datum::Missing, _) => "NULL".into(),
            (Datum::Bool(b), _) => match self.dialect {
                Dialect::Sqlite => if *b { "1" } else { "0" }.into(),
                _ => if *b { "TRUE" } else { "FALSE" }.into(),
            },
            (Datum::Int(i), _) => i.to_string(),
            (Datum::Num(n), _) => format!("{n:?}"),
            (Datum::Text(t), _) => self.text(t),
            (Datum::Date(days), _) => days.to_string(),
            (Datum::Enum(v), Type::Enum(id, _)) => {
                let name = self.policy.enums[*id]
                    .variants
                    .get(*v as usize)
                    .map_or(String::new(), |x| x.name.clone());
                self.text(&name)
            }
            (Datum::Enum(v), _) => v.to_string(),
            (Datum::List(_), _) => "NULL".into(),
        }
    }
}
