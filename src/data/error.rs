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
    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(code(lq::io), help("check that the file exists and is readable"))]
    Io {
        /// The file.
        path: String,
        /// Why, in words.
        reason: String,
    },
    /// An output file cannot be written.
    #[error("cannot write `{path}`: {reason}")]
    #[diagnostic(
        code(lq::write),
        help("check that the folder exists, that you may write there and that the disk has room")
    )]
    Write {
        /// The file.
        path: String,
        /// Why, in words.
        reason: String,
    },
    /// The format cannot be told from the file name.
    #[error("cannot tell the format of `{path}`")]
    #[diagnostic(code(lq::input_format), help("name the file .csv, .ndjson, .jsonl or .json, or pass `--input-format csv|ndjson|json`"))]
    UnknownFormat {
        /// The file.
        path: String,
    },
    /// Schema fields whose columns the data does not have.
    #[error("`{path}` lacks {}", list_missing(missing))]
    #[diagnostic(code(lq::missing_column), help("{}", missing_help(missing, headers)))]
    MissingColumns {
        /// The file.
        path: String,
        /// Each missing field: its name, its column, and the closest header.
        missing: Vec<MissingColumn>,
        /// The headers the file has.
        headers: Vec<String>,
    },
    /// A column asked for by name (`lq eval --keep`) that the data does
    /// not have.
    #[error("`{path}` has no column `{column}`")]
    #[diagnostic(code(lq::unknown_column), help("{}", unknown_column_help(suggestion.as_deref(), headers)))]
    UnknownColumn {
        /// The file.
        path: String,
        /// The column asked for.
        column: String,
        /// The closest header, if any.
        suggestion: Option<String>,
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
    /// A JSON-array input over the size limit.
    #[error("`{path}` is larger than {} MiB, the most lq reads as one JSON array", limit >> 20)]
    #[diagnostic(
        code(lq::json_too_large),
        help("write one record per line as NDJSON (.ndjson), which is read a line at a time, whatever its size")
    )]
    JsonTooLarge {
        /// The file.
        path: String,
        /// The limit, in bytes.
        limit: u64,
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

impl DataError {
    /// An I/O failure on `path`, described in words.
    pub fn io(path: &str, error: &std::io::Error) -> DataError {
        DataError::Io {
            path: path.to_string(),
            reason: Self::read_reason(error),
        }
    }

    /// The error for a file (or `standard output`) that cannot be written.
    pub fn write(path: &str, error: &std::io::Error) -> DataError {
        DataError::Write {
            path: path.to_string(),
            reason: Self::write_reason(error),
        }
    }

    /// Why a read failed, in words.
    pub fn read_reason(error: &std::io::Error) -> String {
        use std::io::ErrorKind;
        match error.kind() {
            ErrorKind::NotFound => "no such file".to_string(),
            ErrorKind::PermissionDenied => "permission denied".to_string(),
            ErrorKind::IsADirectory => "it is a directory".to_string(),
            ErrorKind::InvalidData => "it is not UTF-8 text".to_string(),
            _ => error.to_string(),
        }
    }

    /// Why a write failed, in words.
    pub fn write_reason(error: &std::io::Error) -> String {
        use std::io::ErrorKind;
        match error.kind() {
            ErrorKind::NotFound => "no such folder".to_string(),
            ErrorKind::PermissionDenied => "permission denied".to_string(),
            ErrorKind::IsADirectory => "it is a directory".to_string(),
            ErrorKind::StorageFull => "no space left on the device".to_string(),
            _ => error.to_string(),
        }
    }
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
    let names: Vec<String> = missing
        .iter()
        .map(|m| {
            if m.column == m.field {
                format!("`{}`", m.column)
            } else {
                format!("`{}` (field `{}`)", m.column, m.field)
            }
        })
        .collect();
    let noun = if names.len() == 1 {
        "the column"
    } else {
        "the columns"
    };
    format!("{noun} {}", names.join(", "))
}

fn missing_help(missing: &[MissingColumn], headers: &[String]) -> String {
    if let Some(delimiter) = other_delimiter(missing, headers) {
        return format!(
            "the header looks {delimiter}-separated, not split by the delimiter given: \
             pass `--delimiter {delimiter}`, or leave `--delimiter` out and lq detects it"
        );
    }
    let mut hints: Vec<String> = missing
        .iter()
        .filter_map(|m| {
            let s = m.suggestion.as_ref()?;
            Some(format!(
                "`{}` may be `{s}`: write `{}: ... from \"{s}\"`",
                m.column, m.field
            ))
        })
        .collect();
    hints.push(format!(
        "the file's columns are {}; map a field to a column with `from \"Column\"`",
        crate::diagnostic::list_names(headers)
    ));
    hints.join("\n")
}

fn unknown_column_help(suggestion: Option<&str>, headers: &[String]) -> String {
    let columns = format!(
        "the file's columns are {}",
        crate::diagnostic::list_names(headers)
    );
    match suggestion {
        Some(s) => format!("did you mean `{s}`? {columns}"),
        None => columns,
    }
}

/// The delimiter (`;`, `tab`, `|` or `,`) that splits the header into the
/// missing columns, when the file was read with another one.
fn other_delimiter(missing: &[MissingColumn], headers: &[String]) -> Option<&'static str> {
    [(';', "';'"), ('\t', "tab"), ('|', "'|'"), (',', "','")]
        .into_iter()
        .find(|(d, _)| {
            let split: Vec<&str> = headers
                .iter()
                .flat_map(|h| h.split(*d))
                .map(str::trim)
                .collect();
            split.len() > headers.len()
                && missing.iter().all(|m| split.contains(&m.column.as_str()))
        })
        .map(|(_, name)| name)
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
    /// A quoted cell still open at the end of the input.
    UnclosedQuote,
    /// A record larger than the cap (`--max-record-bytes`).
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// Columns the schema reads that the data does not have (a policy
    /// read leniently, as `lq diff` reads both of its policies).
    MissingColumns(Vec<String>),
}

impl RecordError {
    /// A record with one problem and no key to show.
    pub fn one(row: usize, problem: RecordProblem) -> RecordError {
        RecordError {
            row,
            key: None,
            problems: vec![problem],
        }
    }

    /// The messages reported as the outcome's reasons.
    pub fn messages(&self) -> Vec<String> {
        self.problems
            .iter()
            .map(|p| match p {
                RecordProblem::Cell { .. } => format!("row {}, {p}", self.row),
                _ => format!("row {} {p}", self.row),
            })
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
            RecordProblem::UnclosedQuote => write!(
                f,
                "cannot be read: a quote opened in it is never closed (the record ends with the line the quote opened on; reading goes on after it)"
            ),
            RecordProblem::TooLarge { limit } => write!(
                f,
                "is larger than {} bytes (--max-record-bytes), or has a quote that is never closed; it was skipped to the end of its line",
                crate::diagnostic::thousands(*limit as u64)
            ),
            RecordProblem::MissingColumns(columns) => write!(
                f,
                "cannot be read: the data has no column {}",
                crate::diagnostic::list_names(columns)
            ),
        }
    }
}
