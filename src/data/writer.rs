//! Writing outcomes as CSV, NDJSON, a JSON array or an aligned table.

use std::io::{self, Write};

use super::error_report::neutralize_all;
use crate::eval::outcome::Outcome;
use crate::insight::{Known, OutcomeSpec};

/// The output formats (`lq eval --format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum OutputFormat {
    /// An aligned table for people.
    Table,
    /// CSV with a header row.
    Csv,
    /// One JSON object per line.
    Ndjson,
    /// One JSON array.
    Json,
}

/// Writes outcomes one by one in the chosen format.
pub struct OutcomeWriter<W: Write> {
    out: W,
    format: OutputFormat,
    /// The key field's name and the named blocks, for headers.
    columns: Columns,
    count: usize,
    table: Vec<Vec<String>>,
}

/// One outcome column: a CSV (and table) header, an NDJSON field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// `row`
    Row,
    /// The key field, under its name.
    Key,
    /// `status`
    Status,
    /// `tier`
    Tier,
    /// `score`, the total.
    Score,
    /// Every named block: `score_NAME` columns in CSV, the `scores` object
    /// in JSON.
    Scores,
    /// One named block (by its place among the named blocks):
    /// `score_NAME`, or that entry of `scores` in JSON.
    Block(usize),
    /// `route`
    Route,
    /// `rule`
    Rule,
    /// `reasons`
    Reasons,
}

/// The columns of the outcomes: which, in what order, and the raw input
/// columns carried after them.
#[derive(Clone, Debug)]
pub struct Columns {
    /// The key field's name, if the schema has a key.
    pub key: Option<String>,
    /// The named score blocks, in order.
    pub blocks: Vec<String>,
    /// Whether CSV cells a spreadsheet would run as formulas get a leading
    /// `'` (`lq eval --escape-formulas`).
    pub escape_formulas: bool,
    /// The outcome columns written, in order (`lq eval --columns`).
    pub chosen: Vec<Column>,
    /// Raw input columns carried after the outcome's (`lq eval --keep`),
    /// by their header names.
    pub keep: Vec<String>,
    /// The outcome column read into `outcome` (`lq eval --outcome`),
    /// written after the chosen columns and before the kept ones.
    pub outcome: Option<OutcomeSpec>,
}

impl Columns {
    /// Every outcome column of a policy, nothing carried.
    pub fn of(policy: &crate::check::tir::CheckedPolicy) -> Columns {
        let key = policy
            .schema
            .key
            .map(|k| policy.schema.fields[k].name.clone());
        let chosen = every_column(key.is_some());
        Columns {
            key,
            blocks: policy.block_names().map(String::from).collect(),
            escape_formulas: false,
            chosen,
            keep: Vec::new(),
            outcome: None,
        }
    }

    /// The raw columns a reader carries for these columns: the outcome
    /// column (when there is one) first, then the kept ones.
    pub fn carried_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.outcome.iter().map(|o| o.column.clone()).collect();
        names.extend(self.keep.iter().cloned());
        names
    }

    /// Where the kept columns start among the carried ones.
    fn kept_from(&self) -> usize {
        usize::from(self.outcome.is_some())
    }

    /// What the carried outcome column says ([`Outcome::outcome`]), when
    /// there is one.
    pub fn outcome_of(&self, carried: &[String]) -> Option<Known> {
        let spec = self.outcome.as_ref()?;
        Some(spec.read(carried.first().map_or("", String::as_str)))
    }

    /// The name of every column that can be chosen, in the default order.
    pub fn names(&self) -> Vec<String> {
        let mut names = vec!["row".to_string()];
        names.extend(self.key.clone());
        names.extend(["status", "tier", "score"].map(String::from));
        names.extend(self.blocks.iter().map(|b| format!("score_{b}")));
        names.extend(["route", "rule", "reasons"].map(String::from));
        names
    }

    /// Chooses the outcome columns by their CSV header names, in the order
    /// given (`lq eval --columns id,tier,score`); an unknown name is an
    /// error that lists the names there are.
    pub fn choose<'n>(&mut self, names: impl IntoIterator<Item = &'n str>) -> Result<(), String> {
        let mut chosen = Vec::new();
        for name in names {
            let name = name.trim();
            let column = match name {
                "row" => Some(Column::Row),
                "status" => Some(Column::Status),
                "tier" => Some(Column::Tier),
                "score" => Some(Column::Score),
                "route" => Some(Column::Route),
                "rule" => Some(Column::Rule),
                "reasons" => Some(Column::Reasons),
                _ if self.key.as_deref() == Some(name) => Some(Column::Key),
                _ => name
                    .strip_prefix("score_")
                    .and_then(|b| self.blocks.iter().position(|x| x == b))
                    .map(Column::Block),
            };
            let Some(column) = column else {
                let names = self.names();
                let hint = crate::diagnostic::did_you_mean(name, names.iter().map(String::as_str))
                    .map_or_else(String::new, |n| format!("did you mean `{n}`? "));
                return Err(format!(
                    "`{name}` is not an outcome column; {hint}the columns are {}",
                    crate::diagnostic::list_names(&names)
                ));
            };
            if !chosen.contains(&column) {
                chosen.push(column);
            }
        }
        if chosen.is_empty() {
            return Err(format!(
                "no column is named; the columns are {}",
                crate::diagnostic::list_names(&self.names())
            ));
        }
        self.chosen = chosen;
        Ok(())
    }

    /// Fills an outcome's carried parts from the carried text: its kept
    /// columns and what the outcome column says.
    pub fn carry_into(&self, o: &mut Outcome, carried: &[String]) {
        o.keep = self.kept(carried);
        o.outcome = self.outcome_of(carried);
    }

    /// The carried columns of an outcome ([`Outcome::keep`]): each name
    /// with its text in the record (`carried`, in the order of `keep`).
    pub fn kept(&self, carried: &[String]) -> Vec<(String, String)> {
        let from = self.kept_from();
        self.keep
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let text = carried.get(from + i).cloned().unwrap_or_default();
                (name.clone(), text)
            })
            .collect()
    }

    /// The CSV (and table) header: the chosen columns, then the carried
    /// ones under their input names, `input.NAME` where that would repeat
    /// an outcome column.
    pub fn header(&self) -> Vec<String> {
        let mut h = Vec::new();
        for c in &self.chosen {
            match c {
                Column::Row => h.push("row".to_string()),
                Column::Key => h.extend(self.key.clone()),
                Column::Status => h.push("status".to_string()),
                Column::Tier => h.push("tier".to_string()),
                Column::Score => h.push("score".to_string()),
                Column::Scores => h.extend(self.blocks.iter().map(|b| format!("score_{b}"))),
                Column::Block(i) => h.extend(self.blocks.get(*i).map(|b| format!("score_{b}"))),
                Column::Route => h.push("route".to_string()),
                Column::Rule => h.push("rule".to_string()),
                Column::Reasons => h.push("reasons".to_string()),
            }
        }
        if self.outcome.is_some() {
            h.push("outcome".to_string());
        }
        let outcome_names = self.names();
        for k in &self.keep {
            if outcome_names.contains(k) || h.contains(k) || k == "outcome" {
                h.push(format!("input.{k}"));
            } else {
                h.push(k.clone());
            }
        }
        h
    }

    /// The cells of a CSV line, formulas escaped if asked.
    fn csv_cells(&self, o: &Outcome) -> Vec<String> {
        let cells = self.cells(o);
        if self.escape_formulas {
            neutralize_all(cells)
        } else {
            cells
        }
    }

    fn cells(&self, o: &Outcome) -> Vec<String> {
        let block = |b: &String| {
            o.scores
                .iter()
                .find(|(n, _)| n == b)
                .map(|(_, s)| s.to_string())
                .unwrap_or_default()
        };
        let mut c = Vec::new();
        for col in &self.chosen {
            match col {
                Column::Row => c.push(o.row.to_string()),
                Column::Key if self.key.is_some() => {
                    c.push(key_text(o.key.as_ref().map(|(_, v)| v)))
                }
                Column::Key => {}
                Column::Status => c.push(o.status.as_str().to_string()),
                Column::Tier => c.push(o.tier.clone().unwrap_or_default()),
                Column::Score => c.push(o.score.map(|s| s.to_string()).unwrap_or_default()),
                Column::Scores => c.extend(self.blocks.iter().map(block)),
                Column::Block(i) => c.extend(self.blocks.get(*i).map(block)),
                Column::Route => c.push(o.route.clone().unwrap_or_default()),
                Column::Rule => c.push(o.rule.clone().unwrap_or_default()),
                Column::Reasons => c.push(o.reasons.join("; ")),
            }
        }
        if self.outcome.is_some() {
            c.push(known_text(o.outcome.flatten()).to_string());
        }
        for name in &self.keep {
            let value = o
                .keep
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone());
            c.push(value.unwrap_or_default());
        }
        c
    }

    /// Whether every outcome column is written, in the default order.
    fn all_chosen(&self) -> bool {
        self.chosen == every_column(self.key.is_some())
    }

    /// Every outcome column in the default order, nothing carried.
    pub fn is_default(&self) -> bool {
        self.keep.is_empty() && self.outcome.is_none() && self.all_chosen()
    }
}

/// An outcome as a CSV cell: `true`, `false`, or empty when unknown.
pub fn known_text(known: Known) -> &'static str {
    match known {
        Some(true) => "true",
        Some(false) => "false",
        None => "",
    }
}

/// Every outcome column, in the default order.
fn every_column(keyed: bool) -> Vec<Column> {
    let mut every = vec![Column::Row];
    every.extend(keyed.then_some(Column::Key));
    every.extend([
        Column::Status,
        Column::Tier,
        Column::Score,
        Column::Scores,
        Column::Route,
        Column::Rule,
        Column::Reasons,
    ]);
    every
}

/// An outcome as JSON with only the chosen columns (`lq eval --columns`).
struct Chosen<'a> {
    outcome: &'a Outcome,
    columns: &'a Columns,
}

impl serde::Serialize for Chosen<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let o = self.outcome;
        let mut map = s.serialize_map(None)?;
        let mut scores_done = false;
        for col in &self.columns.chosen {
            match col {
                Column::Row => map.serialize_entry("row", &o.row)?,
                Column::Key => {
                    if let Some((name, value)) = &o.key {
                        map.serialize_entry(name, value)?;
                    }
                }
                Column::Status => map.serialize_entry("status", o.status.as_str())?,
                Column::Tier => map.serialize_entry("tier", &o.tier)?,
                Column::Score => map.serialize_entry("score", &o.score)?,
                Column::Scores | Column::Block(_) if !scores_done => {
                    scores_done = true;
                    let wanted: Vec<(String, i64)> = o
                        .scores
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| {
                            self.columns
                                .chosen
                                .iter()
                                .any(|c| *c == Column::Scores || *c == Column::Block(*i))
                        })
                        .map(|(_, pair)| pair.clone())
                        .collect();
                    map.serialize_entry("scores", &crate::eval::outcome::Pairs(&wanted))?;
                }
                Column::Scores | Column::Block(_) => {}
                Column::Route => map.serialize_entry("route", &o.route)?,
                Column::Rule => map.serialize_entry("rule", &o.rule)?,
                Column::Reasons => map.serialize_entry("reasons", &o.reasons)?,
            }
        }
        if let Some(known) = o.outcome {
            map.serialize_entry("outcome", &known)?;
        }
        if !o.keep.is_empty() {
            map.serialize_entry("keep", &crate::eval::outcome::Pairs(&o.keep))?;
        }
        if let Some(explain) = &o.explain {
            map.serialize_entry("explain", explain)?;
        }
        map.end()
    }
}

/// An outcome as one JSON object, with the chosen columns.
fn write_json<W: Write>(out: &mut W, columns: &Columns, o: &Outcome) -> io::Result<()> {
    if columns.all_chosen() {
        serde_json::to_writer(&mut *out, o)?;
    } else {
        serde_json::to_writer(
            &mut *out,
            &Chosen {
                outcome: o,
                columns,
            },
        )?;
    }
    Ok(())
}

impl<W: Write> OutcomeWriter<W> {
    /// A writer of `format` to `out`; writes the header where there is one.
    pub fn new(mut out: W, format: OutputFormat, columns: Columns) -> io::Result<Self> {
        match format {
            OutputFormat::Csv => write_csv_row(&mut out, &columns.header())?,
            OutputFormat::Json => out.write_all(b"[")?,
            _ => {}
        }
        Ok(OutcomeWriter {
            out,
            format,
            columns,
            count: 0,
            table: Vec::new(),
        })
    }

    /// Writes one outcome.
    pub fn write(&mut self, o: &Outcome) -> io::Result<()> {
        match self.format {
            OutputFormat::Csv => write_csv_row(&mut self.out, &self.columns.csv_cells(o))?,
            OutputFormat::Ndjson => {
                write_json(&mut self.out, &self.columns, o)?;
                self.out.write_all(b"\n")?;
            }
            OutputFormat::Json => {
                self.out
                    .write_all(if self.count == 0 { b"\n  " } else { b",\n  " })?;
                write_json(&mut self.out, &self.columns, o)?;
            }
            OutputFormat::Table => self.table.push(self.columns.cells(o)),
        }
        self.count += 1;
        Ok(())
    }

    /// Writes lines already formatted (by [`super::fast::DecisionWriter`]).
    pub fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)
    }

    /// Finishes the output (closes the array, prints the table) and returns the sink.
    pub fn finish(mut self) -> io::Result<W> {
        match self.format {
            OutputFormat::Json => {
                self.out
                    .write_all(if self.count == 0 { b"]\n" } else { b"\n]\n" })?
            }
            OutputFormat::Table => {
                let header = self.columns.header();
                write_table(&mut self.out, &header, &self.table)?;
            }
            _ => {}
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// One outcome as a CSV or NDJSON line, appended to `out` (for writers
/// that assemble lines on other threads).
pub fn outcome_line(
    format: OutputFormat,
    columns: &Columns,
    o: &Outcome,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    match format {
        OutputFormat::Ndjson => {
            write_json(out, columns, o)?;
            out.push(b'\n');
            Ok(())
        }
        _ => write_csv_row(out, &columns.csv_cells(o)),
    }
}

/// A key as a CSV (or table) cell: a text as it is, nothing for none.
pub fn key_text(key: Option<&serde_json::Value>) -> String {
    match key {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

/// One CSV line of `cells`, each quoted where it must be.
pub fn write_csv_row<W: Write>(out: &mut W, cells: &[String]) -> io::Result<()> {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        if cell.contains([',', '"', '\n', '\r']) {
            write!(out, "\"{}\"", cell.replace('"', "\"\""))?;
        } else {
            out.write_all(cell.as_bytes())?;
        }
    }
    out.write_all(b"\n")
}

/// An aligned table for a terminal ([`super::table::Table`]), an empty
/// cell shown as `-`.
fn write_table<W: Write>(out: &mut W, header: &[String], rows: &[Vec<String>]) -> io::Result<()> {
    let mut table = super::table::Table::new(header.to_vec()).listing();
    for row in rows {
        let shown = row
            .iter()
            .map(|c| {
                if c.is_empty() {
                    "-".to_string()
                } else {
                    c.clone()
                }
            })
            .collect();
        table.row(shown);
    }
    out.write_all(table.render(false).as_bytes())
}
