//! Writing outcomes as CSV, NDJSON, a JSON array or an aligned table.

use std::io::{self, Write};

use super::error_report::neutralize_formula;
use crate::eval::outcome::Outcome;

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

/// The column layout shared by CSV and table output.
#[derive(Clone, Debug)]
pub struct Columns {
    /// The key field's name, if the schema has a key.
    pub key: Option<String>,
    /// The named score blocks, in order.
    pub blocks: Vec<String>,
    /// Whether CSV cells a spreadsheet would run as formulas get a leading
    /// `'` (`lq eval --escape-formulas`).
    pub escape_formulas: bool,
}

impl Columns {
    fn header(&self) -> Vec<String> {
        let mut h = vec!["row".to_string()];
        h.extend(self.key.clone());
        h.extend(["status", "tier", "score"].map(String::from));
        h.extend(self.blocks.iter().map(|b| format!("score_{b}")));
        h.extend(["route", "rule", "reasons"].map(String::from));
        h
    }

    /// The cells of a CSV line, formulas escaped if asked.
    fn csv_cells(&self, o: &Outcome) -> Vec<String> {
        let cells = self.cells(o);
        if !self.escape_formulas {
            return cells;
        }
        cells
            .into_iter()
            .map(|c| match neutralize_formula(&c) {
                std::borrow::Cow::Owned(escaped) => escaped,
                std::borrow::Cow::Borrowed(_) => c,
            })
            .collect()
    }

    fn cells(&self, o: &Outcome) -> Vec<String> {
        let mut c = vec![o.row.to_string()];
        if self.key.is_some() {
            c.push(match o.key.as_ref().map(|(_, v)| v) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(v) => v.to_string(),
            });
        }
        c.push(o.status.as_str().to_string());
        c.push(o.tier.clone().unwrap_or_default());
        c.push(o.score.map(|s| s.to_string()).unwrap_or_default());
        for b in &self.blocks {
            let s = o
                .scores
                .iter()
                .find(|(n, _)| n == b)
                .map(|(_, s)| s.to_string());
            c.push(s.unwrap_or_default());
        }
        c.push(o.route.clone().unwrap_or_default());
        c.push(o.rule.clone().unwrap_or_default());
        c.push(o.reasons.join("; "));
        c
    }
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
                serde_json::to_writer(&mut self.out, o)?;
                self.out.write_all(b"\n")?;
            }
            OutputFormat::Json => {
                self.out
                    .write_all(if self.count == 0 { b"\n  " } else { b",\n  " })?;
                serde_json::to_writer(&mut self.out, o)?;
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
            serde_json::to_writer(&mut *out, o)?;
            out.push(b'\n');
            Ok(())
        }
        _ => write_csv_row(out, &columns.csv_cells(o)),
    }
}

fn write_csv_row<W: Write>(out: &mut W, cells: &[String]) -> io::Result<()> {
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

/// An aligned table for a terminal: each cell made printable first, so a
/// key holding a line break or an escape sequence shows as `\u{a}` or
/// `\u{1b}` instead of forging a row or driving the terminal.
fn write_table<W: Write>(out: &mut W, header: &[String], rows: &[Vec<String>]) -> io::Result<()> {
    let printable = |cells: &[String]| -> Vec<String> {
        cells
            .iter()
            .map(|c| crate::printable::escape(c).into_owned())
            .collect()
    };
    let header = printable(header);
    let rows: Vec<Vec<String>> = rows.iter().map(|r| printable(r)).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}", w = *w))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    writeln!(out, "{}", line(&header))?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    writeln!(out, "{}", line(&rule))?;
    for row in &rows {
        let shown: Vec<String> = row
            .iter()
            .map(|c| {
                if c.is_empty() {
                    "-".to_string()
                } else {
                    c.clone()
                }
            })
            .collect();
        writeln!(out, "{}", line(&shown))?;
    }
    Ok(())
}
