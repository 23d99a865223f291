//! The data-load step, `lq compile --to sql --load`: SQL that turns a raw
//! export into the typed table a policy's query reads, converting each cell
//! exactly as `lq eval` does when it reads a file.
//!
//! The raw table holds the export's cells as text, under the export's
//! column names. Per schema field the load step applies, in order: the
//! field's `trim`; missing markers (an empty or NULL cell, the schema's and
//! the field's markers, a blank number, boolean or date) to NULL; then the
//! conversion — lq's number forms (`$25,000`, `-$5`, `10k`, `2.5M`, `1B`,
//! exact scaling, `int` fields refusing fractions), yes/no spellings, ISO
//! dates and date-times, enum variants and spellings (in any case with
//! `ignore case`), `;`-separated lists. A cell that does not convert, or a
//! required field left empty, is NULL and adds a message to
//! [`ERRORS_COLUMN`], a JSON array text (NULL when the row converts).
//!
//! The work is done in stages (one CTE each), so every expression refers to
//! the previous stage's columns and the SQL grows linearly with the schema.
//! Only SQL every dialect has is used (no regular expressions: SQLite has
//! none): character classes are checked by deleting the allowed characters.

use std::fmt::Write as _;

use super::{Dialect, Writer};
use crate::check::tir::{CheckedPolicy, Field};
use crate::check::types::Type;

/// The column of the loaded table that lists a row's conversion errors.
pub const ERRORS_COLUMN: &str = "__lq_errors";

/// Characters Rust's `is_ascii_whitespace` accepts: a blank number,
/// boolean or date cell starts with one.
const ASCII_SPACE: [u32; 5] = [32, 9, 10, 12, 13];

/// Writes the load query: `raw_table`'s text columns converted to the
/// schema's types, under the same column names, with `keep` (other raw
/// columns, such as a row number to join on) passed through unchanged and
/// [`ERRORS_COLUMN`] last.
pub fn compile_load_sql(
    policy: &CheckedPolicy,
    dialect: Dialect,
    raw_table: &str,
    keep: &[String],
) -> String {
    let w = Writer {
        policy,
        dialect,
        as_of: 0,
        loaded: false,
        keep: Vec::new(),
        errors: Vec::new(),
    };
    Load { w: &w }.query(raw_table, keep)
}

/// The columns one stage adds for field `i`.
type StageColumns<'a, 'w, 'p> = fn(&'a Load<'w, 'p>, usize) -> Vec<String>;

/// What is wrong with a cell that does not convert.
enum Problem {
    /// Always this.
    Always(String),
    /// `then` when the SQL condition `when` holds, else `other`.
    Either {
        when: String,
        then: String,
        other: String,
    },
}

struct Load<'w, 'p> {
    w: &'w Writer<'p>,
}

/// A field's stage columns.
fn col(stage: &str, i: usize) -> String {
    format!("__{stage}{i}")
}

impl Load<'_, '_> {
    fn ident(&self, name: &str) -> String {
        self.w.ident(name)
    }

    fn text(&self, t: &str) -> String {
        self.w.text(t)
    }

    /// The character with this code point.
    fn chr(&self, code: u32) -> String {
        match self.w.dialect {
            Dialect::Sqlite => format!("char({code})"),
            Dialect::Bigquery => format!("CODE_POINTS_TO_STRING([{code}])"),
            _ => format!("chr({code})"),
        }
    }

    /// Where `needle` first occurs in `hay` (1-based; 0 if nowhere).
    fn position(&self, hay: &str, needle: &str) -> String {
        match self.w.dialect {
            Dialect::Sqlite | Dialect::Spark => format!("instr({hay}, {needle})"),
            Dialect::Snowflake => format!("POSITION({needle}, {hay})"),
            _ => format!("strpos({hay}, {needle})"),
        }
    }

    /// The type of whole numbers.
    fn int_type(&self) -> &'static str {
        match self.w.dialect {
            Dialect::Sqlite => "INTEGER",
            Dialect::Bigquery => "INT64",
            _ => "BIGINT",
        }
    }

    /// A condition as 1 (true) or 0, so stages can pass it on in any dialect.
    fn flag(&self, condition: &str) -> String {
        format!("(CASE WHEN {condition} THEN 1 ELSE 0 END)")
    }

    /// Whether `x` consists only of `allowed` characters (or is empty).
    fn only(&self, x: &str, allowed: &str) -> String {
        let mut sql = x.to_string();
        for c in allowed.chars() {
            sql = format!("REPLACE({sql}, {}, '')", self.text(&c.to_string()));
        }
        format!("({sql} = '')")
    }

    /// The last character of `x`.
    fn last(&self, x: &str) -> String {
        format!("SUBSTR({x}, LENGTH({x}), 1)")
    }

    /// `x` is one of the characters with these code points.
    fn one_of(&self, x: &str, codes: &[u32]) -> String {
        let chars: Vec<String> = codes.iter().map(|c| self.chr(*c)).collect();
        format!("{x} IN ({})", chars.join(", "))
    }

    fn query(&self, raw_table: &str, keep: &[String]) -> String {
        let fields = &self.w.policy.schema.fields;
        let kept: Vec<String> = keep
            .iter()
            .filter(|k| !fields.iter().any(|f| &f.column == *k))
            .map(|k| self.ident(k))
            .collect();
        // 1. The cell, after the field's `trim`.
        let mut cells = kept.clone();
        for (i, f) in fields.iter().enumerate() {
            let raw = self.ident(&f.column);
            let v = if f.trim { self.w.trim(&raw) } else { raw };
            cells.push(format!("{v} AS {}", self.ident(&col("v", i))));
        }
        // 2. Whether it is missing, and the text to parse.
        let mut parsed = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            let v = self.ident(&col("v", i));
            parsed.push(format!(
                "{} AS {}",
                self.flag(&self.missing(f, &v)),
                self.ident(&col("m", i))
            ));
            let t = match f.ty {
                // Numbers and dates are trimmed when they start or end
                // with ASCII white space; booleans always.
                Type::Int | Type::Number | Type::Money | Type::Date => format!(
                    "CASE WHEN {} OR {} THEN {} ELSE {v} END",
                    self.one_of(&format!("SUBSTR({v}, 1, 1)"), &ASCII_SPACE),
                    self.one_of(&self.last(&v), &ASCII_SPACE),
                    self.w.trim(&v)
                ),
                Type::Bool => self.w.trim(&v),
                _ => continue,
            };
            parsed.push(format!("{t} AS {}", self.ident(&col("t", i))));
        }
        // 3. For numbers, step by step: the sign and the body after `-`,
        // `+` and `$`; its digits and scale suffix; whole part and fraction.
        let numbers: Vec<usize> = (0..fields.len())
            .filter(|&i| matches!(fields[i].ty, Type::Int | Type::Number | Type::Money))
            .collect();
        let number_stages: [(&str, StageColumns<'_, '_, '_>); 4] = [
            ("__lq_rest", Self::rest),
            ("__lq_signed", Self::sign_and_body),
            ("__lq_scaled", Self::digits_and_scale),
            ("__lq_split", Self::whole_and_fraction),
        ];
        // 4. The typed value and the error message of each field.
        let mut typed = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            let (value, valid, problem) = self.convert(f, i);
            let m = self.ident(&col("m", i));
            let message = |problem: &str| {
                let json = serde_json::Value::String(format!("column {}: {problem}", f.column));
                self.text(&format!(",{json}"))
            };
            let on_missing = if f.optional {
                "NULL".to_string()
            } else {
                message("missing value, but the field is required")
            };
            typed.push(format!(
                "CASE WHEN {m} = 1 THEN NULL WHEN {valid} THEN {value} ELSE NULL END AS {}",
                self.ident(&col("x", i))
            ));
            let problem = match problem {
                Problem::Always(text) => message(&text),
                Problem::Either { when, then, other } => format!(
                    "CASE WHEN {when} THEN {} ELSE {} END",
                    message(&then),
                    message(&other)
                ),
            };
            typed.push(format!(
                "CASE WHEN {m} = 1 THEN {on_missing} WHEN {valid} THEN NULL ELSE {problem} END AS {}",
                self.ident(&col("e", i))
            ));
        }
        // 5. The typed columns under the export's names, and the errors.
        let mut select: Vec<String> = fields
            .iter()
            .enumerate()
            .map(|(i, f)| format!("{} AS {}", self.ident(&col("x", i)), self.ident(&f.column)))
            .collect();
        select.extend(kept);
        let errors: Vec<String> = (0..fields.len())
            .map(|i| self.ident(&col("e", i)))
            .collect();
        let errors_sql = if errors.is_empty() {
            "NULL".to_string()
        } else {
            let any = errors
                .iter()
                .map(|e| format!("{e} IS NOT NULL"))
                .collect::<Vec<_>>()
                .join(" OR ");
            let joined = errors
                .iter()
                .map(|e| format!("COALESCE({e}, '')"))
                .collect::<Vec<_>>()
                .join(" || ");
            format!("CASE WHEN {any} THEN '[' || SUBSTR({joined}, 2) || ']' ELSE NULL END")
        };
        select.push(format!(
            "{errors_sql} AS {}",
            self.ident(super::ERRORS_COLUMN)
        ));
        let mut stages = vec![("__lq_parsed", parsed)];
        if !numbers.is_empty() {
            for (name, columns) in number_stages {
                stages.push((
                    name,
                    numbers.iter().flat_map(|&i| columns(self, i)).collect(),
                ));
            }
        }
        stages.push(("__lq_typed", typed));
        let mut sql = format!(
            "-- the load step for {}, compiled by lq {} for {}\nWITH {} AS (\n  SELECT {}\n  FROM {}\n)",
            super::comment_text(self.w.policy.name.as_deref().unwrap_or("policy")),
            env!("CARGO_PKG_VERSION"),
            self.w.dialect.name(),
            self.ident("__lq_cells"),
            cells.join(",\n         "),
            super::quote_name(self.w.dialect, raw_table),
        );
        // Each stage refers to the last one's columns several times; an
        // engine that inlined the stages into each other would repeat the
        // work exponentially. Those that can be told not to, are.
        let materialized = match self.w.dialect {
            Dialect::Sqlite | Dialect::Postgres | Dialect::Duckdb => "MATERIALIZED ",
            _ => "",
        };
        let mut from = "__lq_cells";
        for (name, columns) in &stages {
            let _ = write!(
                sql,
                ",\n{} AS {materialized}(\n  SELECT *, {}\n  FROM {}\n)",
                self.ident(name),
                columns.join(",\n         "),
                self.ident(from)
            );
            from = name;
        }
        let _ = write!(
            sql,
            "\nSELECT {}\nFROM {}",
            select.join(",\n       "),
            self.ident(from)
        );
        sql
    }

    /// Whether the cell `v` means missing for field `f`: NULL, empty, a
    /// declared marker, or (numbers, booleans, dates) blank.
    fn missing(&self, f: &Field, v: &str) -> String {
        let mut tests = vec![format!("{v} IS NULL"), format!("{v} = ''")];
        let markers: Vec<String> = self
            .w
            .policy
            .schema
            .missing
            .iter()
            .chain(&f.missing)
            .map(|m| self.text(m))
            .collect();
        if !markers.is_empty() {
            tests.push(format!("{v} IN ({})", markers.join(", ")));
        }
        if !matches!(f.ty, Type::Text | Type::Enum(..) | Type::List) {
            tests.push(format!(
                "({} AND {} = '')",
                self.one_of(&format!("SUBSTR({v}, 1, 1)"), &ASCII_SPACE),
                self.w.trim(v)
            ));
        }
        format!("({})", tests.join(" OR "))
    }

    /// Number field `i`: `__mn` (1 when it starts with `-`) and `__r`,
    /// the rest after a leading `-` or `+`.
    fn rest(&self, i: usize) -> Vec<String> {
        let t = self.ident(&col("t", i));
        vec![
            format!(
                "{} AS {}",
                self.flag(&format!("SUBSTR({t}, 1, 1) = '-'")),
                self.ident(&col("mn", i))
            ),
            format!(
                "CASE WHEN SUBSTR({t}, 1, 1) IN ('-', '+') THEN SUBSTR({t}, 2) ELSE {t} END AS {}",
                self.ident(&col("r", i))
            ),
        ]
    }

    /// Number field `i`: `__n` (1 when negative), `__b` (the digits, `.`
    /// and scale suffix, commas removed) and `__ok` (1 when the body starts
    /// as a number must: a digit or `.`). As in lq, `$` may follow the
    /// sign, and `-` may follow `$` when no `-` came before it.
    fn sign_and_body(&self, i: usize) -> Vec<String> {
        let rest = self.ident(&col("r", i));
        let minus = format!("{} = 1", self.ident(&col("mn", i)));
        let dollar = format!("SUBSTR({rest}, 1, 1) = '$'");
        let dollar_minus = format!("SUBSTR({rest}, 2, 1) = '-'");
        let negative = format!(
            "CASE WHEN {dollar} THEN (CASE WHEN {minus} OR {dollar_minus} THEN 1 ELSE 0 END) WHEN {minus} THEN 1 ELSE 0 END"
        );
        let body = format!(
            "CASE WHEN {dollar} THEN (CASE WHEN NOT ({minus}) AND {dollar_minus} THEN SUBSTR({rest}, 3) ELSE SUBSTR({rest}, 2) END) ELSE {rest} END"
        );
        let starts = format!(
            "SUBSTR({body}, 1, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '.')"
        );
        vec![
            format!("{negative} AS {}", self.ident(&col("n", i))),
            format!("REPLACE({body}, ',', '') AS {}", self.ident(&col("b", i))),
            format!("{} AS {}", self.flag(&starts), self.ident(&col("ok", i))),
        ]
    }

    /// Number field `i`: `__d` (the body without its scale suffix), `__z`
    /// (the suffix's zeros: 3 for `k`, 6 for `M`, 9 for `B`) and `__s`
    /// (its scale).
    fn digits_and_scale(&self, i: usize) -> Vec<String> {
        let b = self.ident(&col("b", i));
        let suffix = self.last(&b);
        vec![
            format!(
                "CASE WHEN {suffix} IN ('k', 'K', 'M', 'B') THEN SUBSTR({b}, 1, LENGTH({b}) - 1) ELSE {b} END AS {}",
                self.ident(&col("d", i))
            ),
            format!(
                "CASE WHEN {suffix} IN ('k', 'K') THEN 3 WHEN {suffix} = 'M' THEN 6 WHEN {suffix} = 'B' THEN 9 ELSE 0 END AS {}",
                self.ident(&col("z", i))
            ),
            format!(
                "CASE WHEN {suffix} IN ('k', 'K') THEN 1000 WHEN {suffix} = 'M' THEN 1000000 WHEN {suffix} = 'B' THEN 1000000000 ELSE 1 END AS {}",
                self.ident(&col("s", i))
            ),
        ]
    }

    /// Number field `i`: `__w` (the whole part, `0` when empty) and `__f`
    /// (the fraction without trailing zeros).
    fn whole_and_fraction(&self, i: usize) -> Vec<String> {
        let d = self.ident(&col("d", i));
        let dot = self.position(&d, "'.'");
        let whole = format!("(CASE WHEN {dot} > 0 THEN SUBSTR({d}, 1, {dot} - 1) ELSE {d} END)");
        let fraction = format!("(CASE WHEN {dot} > 0 THEN SUBSTR({d}, {dot} + 1) ELSE '' END)");
        let fraction = match self.w.dialect {
            Dialect::Spark => format!("trim(TRAILING '0' FROM {fraction})"),
            _ => format!("RTRIM({fraction}, '0')"),
        };
        vec![
            format!(
                "CASE WHEN {whole} = '' THEN '0' ELSE {whole} END AS {}",
                self.ident(&col("w", i))
            ),
            format!("{fraction} AS {}", self.ident(&col("f", i))),
        ]
    }

    /// Field `i`'s typed value, the condition under which it converts (the
    /// cell being present), and the problem otherwise.
    fn convert(&self, f: &Field, i: usize) -> (String, String, Problem) {
        let v = self.ident(&col("v", i));
        let t = self.ident(&col("t", i));
        match &f.ty {
            Type::Int | Type::Number | Type::Money => self.number(f, i),
            Type::Bool => {
                let word = format!("lower({t})");
                let (yes, no) = match self.w.dialect {
                    Dialect::Sqlite => ("1", "0"),
                    _ => ("TRUE", "FALSE"),
                };
                (
                    format!(
                        "CASE WHEN {word} IN ('true', 'yes', 'y', '1') THEN {yes} ELSE {no} END"
                    ),
                    format!("{word} IN ('true', 'yes', 'y', '1', 'false', 'no', 'n', '0')"),
                    Problem::Always(
                        "the value is not a yes/no value (true/false, yes/no, y/n, 1/0)".into(),
                    ),
                )
            }
            Type::Date => self.date(&t),
            Type::Enum(id, name) => {
                let def = &self.w.policy.enums[*id];
                let mut case = String::from("CASE");
                let mut any = Vec::new();
                for variant in &def.variants {
                    let names = std::iter::once(&variant.name).chain(&variant.spellings);
                    let tests: Vec<String> = names
                        .map(|n| {
                            if f.ignore_case {
                                format!("lower({v}) = {}", self.text(&n.to_lowercase()))
                            } else {
                                format!("{v} = {}", self.text(n))
                            }
                        })
                        .collect();
                    let test = format!("({})", tests.join(" OR "));
                    case.push_str(&format!(" WHEN {test} THEN {}", self.text(&variant.name)));
                    any.push(test);
                }
                case.push_str(" ELSE NULL END");
                let variants: Vec<&str> = def.variants.iter().map(|v| v.name.as_str()).collect();
                let valid = if any.is_empty() {
                    "1 = 0".to_string()
                } else {
                    format!("({})", any.join(" OR "))
                };
                (
                    case,
                    valid,
                    Problem::Always(format!(
                        "the value is not {} ({})",
                        crate::diagnostic::with_article(name),
                        crate::diagnostic::list_cut(
                            &variants.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
                            12
                        )
                    )),
                )
            }
            Type::List => (
                self.list(&v),
                "1 = 1".into(),
                Problem::Always(String::new()),
            ),
            _ => (v, "1 = 1".into(), Problem::Always(String::new())),
        }
    }

    /// A number cell (from stage 3's columns) as an `int` or a real.
    fn number(&self, f: &Field, i: usize) -> (String, String, Problem) {
        let c = |stage: &str| self.ident(&col(stage, i));
        let (b, d, zeros, scale, whole, fraction) =
            (c("b"), c("d"), c("z"), c("s"), c("w"), c("f"));
        let negative = format!("{} = 1", c("n"));
        let int = self.int_type();
        // A whole number when the fraction's digits fit in the scale
        // (`2.5k` is 2500), computed exactly; else a real.
        let is_whole = format!("LENGTH({fraction}) <= {zeros}");
        let magnitude = format!(
            "(CAST({whole} AS {int}) * {scale} + (CASE WHEN {zeros} = 0 THEN 0 ELSE CAST(SUBSTR({fraction} || '000000000', 1, {zeros}) AS {int}) END))"
        );
        let whole_value = format!("(CASE WHEN {negative} THEN -{magnitude} ELSE {magnitude} END)");
        let float = self.w.float_type();
        let real_magnitude = format!("(CAST('0' || {d} AS {float}) * {scale})");
        let real_value =
            format!("(CASE WHEN {negative} THEN -{real_magnitude} ELSE {real_magnitude} END)");
        let dots = format!("(LENGTH({d}) - LENGTH(REPLACE({d}, '.', '')))");
        let valid = format!(
            "({} = 1 AND {b} <> '' AND {} <> '.' AND {} AND {dots} <= 1 AND LENGTH({whole}) + {zeros} <= 18)",
            c("ok"),
            self.last(&b),
            self.only(&d, "0123456789.")
        );
        if f.ty == Type::Int {
            (
                whole_value,
                format!("({valid} AND {is_whole})"),
                Problem::Either {
                    when: valid,
                    then: "the value is not a whole number".into(),
                    other: "the value is not a number".into(),
                },
            )
        } else {
            (
                format!("(CASE WHEN {is_whole} THEN CAST({whole_value} AS {float}) ELSE {real_value} END)"),
                valid,
                Problem::Always("the value is not a number".into()),
            )
        }
    }

    /// An ISO date or date-time cell as a date (ISO text in SQLite).
    fn date(&self, t: &str) -> (String, String, Problem) {
        let int = self.int_type();
        let part = |from: usize, len: usize| format!("SUBSTR({t}, {from}, {len})");
        let shape = format!(
            "(LENGTH({t}) >= 10 AND (LENGTH({t}) = 10 OR {} IN ('T', 't', ' ')) AND {} = '-' AND {} = '-' AND {})",
            part(11, 1),
            part(5, 1),
            part(8, 1),
            self.only(&format!("{} || {} || {}", part(1, 4), part(6, 2), part(9, 2)), "0123456789")
        );
        let (y, m, d) = (
            format!("CAST({} AS {int})", part(1, 4)),
            format!("CAST({} AS {int})", part(6, 2)),
            format!("CAST({} AS {int})", part(9, 2)),
        );
        let divides = |n: u32| match self.w.dialect {
            // SQLite has `%`, not MOD.
            Dialect::Sqlite => format!("({y} % {n})"),
            _ => format!("MOD({y}, {n})"),
        };
        let leap = format!(
            "({} = 0 AND ({} <> 0 OR {} = 0))",
            divides(4),
            divides(100),
            divides(400)
        );
        let days_in_month = format!(
            "(CASE WHEN {m} IN (4, 6, 9, 11) THEN 30 WHEN {m} = 2 THEN (CASE WHEN {leap} THEN 29 ELSE 28 END) ELSE 31 END)"
        );
        // A CASE, so the numbers are read only once the shape is right.
        let valid = format!(
            "(CASE WHEN {shape} THEN (CASE WHEN {y} >= 1 AND {m} BETWEEN 1 AND 12 AND {d} BETWEEN 1 AND {days_in_month} THEN 1 ELSE 0 END) ELSE 0 END = 1)"
        );
        let value = match self.w.dialect {
            Dialect::Sqlite => part(1, 10),
            _ => format!("CAST({} AS DATE)", part(1, 10)),
        };
        (
            value,
            valid,
            Problem::Always("the value is not a date (YYYY-MM-DD)".into()),
        )
    }

    /// A `;`-separated cell as the dialect's list: items trimmed, empty
    /// items dropped, in order.
    fn list(&self, v: &str) -> String {
        let item = |x: &str| self.w.trim(x);
        match self.w.dialect {
            Dialect::Sqlite => format!(
                "(SELECT json_group_array({}) FROM json_each('[' || REPLACE(json_quote({v}), ';', '\",\"') || ']') WHERE {} <> '')",
                item("value"),
                item("value")
            ),
            Dialect::Postgres => format!(
                "ARRAY(SELECT {} FROM unnest(string_to_array({v}, ';')) WITH ORDINALITY AS __lq_item(x, n) WHERE {} <> '' ORDER BY n)",
                item("x"),
                item("x")
            ),
            // A list comprehension: DuckDB is retiring its `->` lambdas.
            Dialect::Duckdb => format!(
                "[{} FOR x IN string_split({v}, ';') IF {} <> '']",
                item("x"),
                item("x")
            ),
            Dialect::Spark => format!(
                "filter(transform(split({v}, ';'), x -> {}), x -> x <> '')",
                item("x")
            ),
            Dialect::Bigquery => format!(
                "ARRAY(SELECT {} FROM UNNEST(SPLIT({v}, ';')) AS x WITH OFFSET AS n WHERE {} <> '' ORDER BY n)",
                item("x"),
                item("x")
            ),
            Dialect::Snowflake => format!(
                "FILTER(TRANSFORM(SPLIT({v}, ';'), x -> {}), x -> x <> '')",
                item("CAST(x AS VARCHAR)")
            ),
        }
    }
}
