//! Data errors: a whole input that cannot be read (a diagnostic), and one
//! record that cannot be read (an `error` outcome; the run goes on).

use std::fmt;

use miette::Diagnostic;
use thiserror::Error;

use super::convert::CellProblem;

/// An input that cannot be read at all.
#[derive(Debug, Error, Diagnostic)]
pub enum DataError {
    /// The file cannot be opened or read.
    #[error("cannot read `{path}`: {source}")]
    #[diagnostic(code(lq::io), help("check that the file exists and is readable"))]
    Io {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The format cannot be told from the file name.
    #[error("cannot tell the format of `{path}`")]
    #[diagnostic(code(lq::input_format), help("name the file .csv, .ndjson, .jsonl or .json, or pass `--input-format csv|ndjson|json`"))]
    UnknownFormat {
        /// The file.
        path: String,
    },
    /// Schema fields whose columns the data does not have.
    #[error("`{path}` has no column for {}", list_missing(missing))]
    #[diagnostic(code(lq::missing_column), help("{}", missing_help(missing, headers)))]
    MissingColumns {
        /// The file.
        path: String,
        /// Each missing field: its name, its column, and the closest header.
        missing: Vec<MissingColumn>,
        /// The headers the file has.
        headers: Vec<String>,
    },
    /// A JSON input that is not an array of records.
    #[error("`{path}` is not a JSON array of records")]
    #[diagnostic(code(lq::json_shape), help("a .json input holds one array of objects: [{{\"id\": 1, ...}}, ...]; for one object per line use .ndjson"))]
    NotJsonArray {
        /// The file.
        path: String,
    },
    /// A JSON input that does not parse.
    #[error("`{path}` is not valid JSON: {message} (line {line}, column {column})")]
    #[diagnostic(
        code(lq::json_syntax),
        help("fix the JSON at that place; for one object per line use .ndjson")
    )]
    JsonSyntax {
        /// The file.
        path: String,
        /// The parser's message.
        message: String,
        /// The line.
        line: usize,
        /// The column.
        column: usize,
    },
    /// A CSV file whose header cannot be read.
    #[error("cannot read the header of `{path}`: {message}")]
    #[diagnostic(
        code(lq::csv_header),
        help("the first line of a CSV input names its columns")
    )]
    CsvHeader {
        /// The file.
        path: String,
        /// The CSV reader's message.
        message: String,
    },
}

/// A schema field whose column is absent from the data.
#[derive(Clone, Debug, PartialEq)]
pub struct MissingColumn {
    /// The field.
    pub field: String,
    /// The column it is read from.
    pub column: String,
    /// The closest header, if any.
    pub suggestion: Option<String>,
}

fn list_missing(missing: &[MissingColumn]) -> String {
    let names: Vec<String> = missing.iter().map(|m| format!("`{}`", m.column)).collect();
    let noun = if names.len() == 1 { "field" } else { "fields" };
    format!("{noun} {}", names.join(", "))
}

fn missing_help(missing: &[MissingColumn], headers: &[String]) -> String {
    let hints: Vec<String> = missing
        .iter()
        .filter_map(|m| {
            m.suggestion.as_ref().map(|s| {
                format!(
                    "`{}` may be `{s}`: write `{}: ... from \"{s}\"`",
                    m.column, m.field
                )
            })
        })
        .collect();
    if hints.is_empty() {
        format!(
            "the columns are {}; map a field to a column with `from \"Column\"`",
            crate::diagnostic::list_names(headers)
        )
    } else {
        hints.join("; ")
    }
}

/// One record that cannot be read; it becomes an `error` outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordError {
    /// 1-based record number.
    pub row: usize,
    /// The key's value, when it could be read.
    pub key: Option<serde_json::Value>,
    /// What is wrong, cell by cell or with the whole record.
    pub problems: Vec<RecordProblem>,
}

/// One thing wrong with a record.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordProblem {
    /// A cell that cannot be converted.
    Cell {
        /// The data column.
        column: String,
        /// Why.
        problem: CellProblem,
    },
    /// A row with the wrong number of cells.
    Ragged {
        /// Cells expected (from the header).
        expected: usize,
        /// Cells found.
        found: usize,
    },
    /// A record that does not parse (bad JSON, bad UTF-8, not an object).
    Malformed(String),
}

impl RecordError {
    /// The messages reported as the outcome's reasons.
    pub fn messages(&self) -> Vec<String> {
        self.problems
            .iter()
            .map(|p| format!("row {}, {p}", self.row))
            .collect()
    }
}

impl fmt::Display for RecordProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordProblem::Cell { column, problem } => write!(f, "column {column}: {problem}"),
            RecordProblem::Ragged { expected, found } => {
                write!(f, "has {found} cells but the header has {expected} columns")
            }
            RecordProblem::Malformed(why) => write!(f, "cannot be read: {why}"),
        }
    }
}
