//! The error report of `lq eval --errors FILE`: one line per problem of
//! every record that could not be read (row, key, column, value, message),
//! as NDJSON or CSV. In CSV, a cell a spreadsheet would run as a formula
//! is prefixed with `'` ([`neutralize_formula`]).

use std::io::{self, Write};

use serde::Serialize;

use super::error::{RecordError, RecordProblem};
use super::writer::{key_text, write_csv_row};

/// One line of the NDJSON report, fields in this order.
#[derive(Serialize)]
struct Line<'a> {
    row: usize,
    key: serde_json::Value,
    column: Option<&'a str>,
    value: Option<&'a str>,
    message: &'a str,
}

/// Writes error reports.
pub struct ErrorReport<W: Write> {
    out: W,
    csv: bool,
}

impl<W: Write> ErrorReport<W> {
    /// A report to `out`, as CSV (with a header) or NDJSON.
    pub fn new(mut out: W, csv: bool) -> io::Result<Self> {
        if csv {
            out.write_all(b"row,key,column,value,message\n")?;
        }
        Ok(ErrorReport { out, csv })
    }

    /// Writes every problem of one record.
    pub fn write(&mut self, e: &RecordError) -> io::Result<()> {
        for (problem, message) in e.problems.iter().zip(e.messages()) {
            let (column, value) = match problem {
                RecordProblem::Cell { column, problem } => (Some(column.as_str()), problem.value()),
                _ => (None, None),
            };
            if self.csv {
                let cells = vec![
                    e.row.to_string(),
                    key_text(e.key.as_ref()),
                    column.unwrap_or("").to_string(),
                    value.unwrap_or("").to_string(),
                    message,
                ];
                write_csv_row(&mut self.out, &neutralize_all(cells))?;
            } else {
                let key = e.key.clone().unwrap_or(serde_json::Value::Null);
                let line = Line {
                    row: e.row,
                    key,
                    column,
                    value,
                    message: &message,
                };
                serde_json::to_writer(&mut self.out, &line)?;
                self.out.write_all(b"\n")?;
            }
        }
        Ok(())
    }

    /// Flushes and returns the sink.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// A cell that a spreadsheet would run as a formula (it starts with `=`,
/// `+`, `-`, `@`, a tab or a carriage return, and is not a plain number),
/// prefixed with `'` so it shows as text. Error reports are meant to be
/// opened by the export's owner, so lq always neutralises them.
pub fn neutralize_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Cells with [`neutralize_formula`] applied to each.
pub fn neutralize_all(cells: Vec<String>) -> Vec<String> {
    cells
        .into_iter()
        .map(|c| match neutralize_formula(&c) {
            std::borrow::Cow::Owned(escaped) => escaped,
            std::borrow::Cow::Borrowed(_) => c,
        })
        .collect()
}
