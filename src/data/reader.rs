//! Reading lead records from CSV, NDJSON or a JSON array, converting each
//! to the schema's types. Every input record yields exactly one item: a
//! record, or a [`RecordError`] naming the row, column and value.

use std::io::{BufRead, Read};

use super::bounded::{
    block_lines, not_utf8, without_line_end, BoundedLines, Broken, CsvGuard, Line, TextBlock,
    DEFAULT_MAX_RECORD_BYTES,
};
use super::convert::{convert_json, convert_text, convert_text_into, quick_convert};
use super::error::{DataError, MissingColumn, RecordError, RecordProblem};
use super::json_fields::{self, JsonFields, Shape, Wanted};
use crate::check::tir::CheckedPolicy;
use crate::diagnostic::did_you_mean;
use crate::eval::outcome::datum_json;
use crate::value::Datum;

/// The input formats (`--input-format` in the CLI).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum InputFormat {
    /// Comma-separated (or `;`, tab, `|`) with a header row.
    Csv,
    /// One JSON object per line.
    Ndjson,
    /// One JSON array of objects.
    Json,
}

impl InputFormat {
    /// The format a file name implies.
    pub fn from_path(path: &str) -> Option<InputFormat> {
        let lower = path.to_ascii_lowercase();
        let lower = lower.strip_suffix(".gz").unwrap_or(&lower);
        let ext = lower.rsplit('.').next()?;
        match ext {
            "csv" | "tsv" | "txt" => Some(InputFormat::Csv),
            "ndjson" | "jsonl" => Some(InputFormat::Ndjson),
            "json" => Some(InputFormat::Json),
            _ => None,
        }
    }
}

/// One record read: its 1-based number and its values, or what is wrong.
pub type ReadResult = Result<(usize, Vec<Datum>), RecordError>;

/// How to read an input.
#[derive(Clone, Copy, Debug)]
pub struct ReadOptions {
    /// The CSV delimiter; detected from the header line when `None`.
    pub delimiter: Option<u8>,
    /// The most bytes one record (a CSV record, an NDJSON line) may have;
    /// a larger one is an `error` outcome.
    pub max_record_bytes: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            delimiter: None,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
        }
    }
}

/// The most bytes a JSON-array input may have: it is parsed whole, so
/// larger exports should be NDJSON, which is read a line at a time.
pub const MAX_JSON_BYTES: u64 = 256 << 20;

/// A CSV input as the CSV parser reads it: through the record guard.
pub type GuardedCsv = csv::Reader<CsvGuard<Box<dyn BufRead + Send>>>;

/// Reads records for a policy from one input.
pub struct RecordReader<'p> {
    policy: &'p CheckedPolicy,
    path: String,
    row: usize,
    source: Source,
    unused: Vec<String>,
    duplicates: Vec<String>,
    carried: Carried,
    /// A key the first JSON object read must have
    /// ([`RecordReader::require_first`]), until that object is read.
    required: Option<String>,
    /// The columns the schema reads that a CSV input lacks, when read
    /// leniently ([`RecordReader::lenient`]): each record is an error.
    missing: Vec<String>,
    /// A second policy's reading of each record ([`RecordReader::also`]).
    other: Option<Box<Other<'p>>>,
    /// The last JSON record as it was given, when kept
    /// ([`RecordReader::keep_json`]).
    last_json: Option<Option<serde_json::Value>>,
    /// A failure found while cutting a block of NDJSON lines, reported
    /// after the lines before it ([`RecordReader::next_block`]).
    failure: Option<DataError>,
    /// How NDJSON lines are read when nothing needs the whole object
    /// (made at the first line, after [`RecordReader::carry`]).
    json_reading: Option<Box<JsonReading>>,
}

/// A second policy's reading of the records (`lq diff` reads the data
/// once for both policies).
struct Other<'p> {
    policy: &'p CheckedPolicy,
    /// For CSV: each field's column (`usize::MAX` where it is missing).
    columns: Vec<usize>,
    /// The columns it reads that the CSV input lacks.
    missing: Vec<String>,
    values: Vec<Datum>,
    read: Result<(), RecordError>,
    /// It reads every record exactly as the first policy does (the same
    /// schema and enums): its values are the first reading's, not made
    /// again.
    alike: bool,
}

impl Other<'_> {
    fn read_csv(&mut self, record: &csv::StringRecord, row: usize) {
        self.read = if self.missing.is_empty() {
            let cells = csv_cells(&self.columns, record);
            convert_into(self.policy, row, cells, &mut self.values).map(|_| ())
        } else {
            Err(missing_columns(row, &self.missing))
        };
    }

    fn read_json(&mut self, object: &JsonObject, row: usize) {
        let cells = object_cells(self.policy, object);
        self.read = convert_into(self.policy, row, cells, &mut self.values).map(|_| ());
    }
}

/// The error of a record read by a schema whose columns the data lacks.
fn missing_columns(row: usize, missing: &[String]) -> RecordError {
    RecordError::one(row, RecordProblem::MissingColumns(missing.to_vec()))
}

/// A JSON record's fields by name.
type JsonObject = serde_json::Map<String, serde_json::Value>;

/// The cells of a CSV record for each schema field, by column
/// (`usize::MAX` or a column past the record's end: none).
fn csv_cells<'a>(
    columns: &'a [usize],
    record: &'a csv::StringRecord,
) -> impl Iterator<Item = Option<Cell<'a>>> + 'a {
    let all = record.as_slice();
    columns.iter().map(move |&c| {
        // The cell, and the record's bytes from it on (for reading an enum
        // spelling at fixed widths).
        let range = record.range(c)?;
        Some(Cell::Text(
            all.get(range.clone())?,
            all.as_bytes().get(range.start..)?,
        ))
    })
}

/// The cells of a JSON object for each schema field, by column name.
fn object_cells<'a>(
    policy: &'a CheckedPolicy,
    object: &'a JsonObject,
) -> impl Iterator<Item = Option<Cell<'a>>> + 'a {
    policy
        .schema
        .fields
        .iter()
        .map(|f| Some(Cell::Json(object.get(&f.column))))
}

/// The error of a JSON record that is not an object.
fn not_an_object(row: usize, value: &serde_json::Value) -> RecordError {
    RecordError::one(row, not_an_object_kind(json_kind(value)))
}

/// The problem of a JSON record that is `kind` ([`json_kind`]), not an
/// object.
fn not_an_object_kind(kind: &str) -> RecordProblem {
    RecordProblem::Malformed(format!("a record is a JSON object, found {kind}"))
}

/// Sets `out` to the texts, reusing its strings' storage.
fn set_texts<'a>(out: &mut Vec<String>, texts: impl ExactSizeIterator<Item = &'a str>) {
    out.resize(texts.len(), String::new());
    for (slot, text) in out.iter_mut().zip(texts) {
        slot.clear();
        slot.push_str(text);
    }
}

/// Raw columns carried through by name (`lq eval --keep`), and their text
/// in the record just read.
#[derive(Clone, Debug, Default)]
struct Carried {
    names: Vec<String>,
    /// For CSV: each name's column.
    columns: Vec<usize>,
    values: Vec<String>,
}

impl Carried {
    /// The cells of a CSV record (empty where the record is short).
    fn read_csv(&mut self, record: &csv::StringRecord) {
        if !self.names.is_empty() {
            let texts = self.columns.iter().map(|&c| record.get(c).unwrap_or(""));
            set_texts(&mut self.values, texts);
        }
    }

    /// Empty text for each column (a record that could not be split).
    fn empty(&mut self) {
        self.values.clear();
        self.values.resize(self.names.len(), String::new());
    }

    /// The values of a JSON object, as text (absent or `null`: empty).
    fn read_json(&mut self, object: Option<&JsonObject>) {
        if !self.names.is_empty() {
            let values = self.names.iter().map(|n| object.and_then(|o| o.get(n)));
            self.values.clear();
            self.values.extend(values.map(json_text));
        }
    }
}

/// The keys each JSON record is read by: the schema's columns and the
/// carried ones.
fn json_fields(policy: &CheckedPolicy, carried: &[String]) -> JsonFields {
    let columns = policy.schema.fields.iter().map(|f| f.column.as_str());
    JsonFields::new(columns, carried)
}

/// A JSON value as a carried column's text (absent or `null`: empty).
fn json_text(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(t)) => t.clone(),
        Some(other) => other.to_string(),
    }
}

/// A wanted key's value as a carried column's text, as [`json_text`].
fn wanted_text(value: Option<&Wanted<'_>>) -> String {
    match value {
        Some(Wanted::Text(t)) => t.to_string(),
        Some(Wanted::Value(v)) => json_text(Some(v)),
        None => String::new(),
    }
}

/// An NDJSON line as a JSON value, or why it is not one; `None` for a
/// blank line, which is no record.
fn ndjson_value(line: &str) -> Option<Result<serde_json::Value, String>> {
    if line.trim().is_empty() {
        return None;
    }
    Some(serde_json::from_str(line).map_err(|e| format!("invalid JSON: {}", json_message(&e))))
}

/// The object a JSON record is, or the error of record `row`.
fn record_object(
    value: Result<serde_json::Value, String>,
    row: usize,
) -> Result<JsonObject, RecordError> {
    match value {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(other) => Err(not_an_object(row, &other)),
        Err(message) => Err(RecordError::one(row, RecordProblem::Malformed(message))),
    }
}

enum Source {
    Csv {
        reader: Box<GuardedCsv>,
        headers: Vec<String>,
        columns: Vec<usize>,
        width: usize,
        record: csv::StringRecord,
        broken: Broken,
        delimiter: u8,
    },
    Ndjson(BoundedLines<Box<dyn BufRead + Send>>),
    Json(std::vec::IntoIter<serde_json::Value>),
}

impl<'p> RecordReader<'p> {
    /// Opens `input` (named `path` in messages) as `format`. A CSV header
    /// is read and matched to the schema here, before any record.
    pub fn new(
        policy: &'p CheckedPolicy,
        input: Box<dyn BufRead + Send>,
        format: InputFormat,
        path: &str,
    ) -> Result<Self, DataError> {
        Self::with_options(policy, input, format, path, ReadOptions::default())
    }

    /// [`RecordReader::new`] with options (a CSV delimiter).
    pub fn with_options(
        policy: &'p CheckedPolicy,
        input: Box<dyn BufRead + Send>,
        format: InputFormat,
        path: &str,
        options: ReadOptions,
    ) -> Result<Self, DataError> {
        Self::open(policy, input, format, path, options, false)
    }

    /// [`RecordReader::with_options`], except that CSV columns the schema
    /// reads and the data lacks make every record an error outcome
    /// instead of stopping before the first (`lq diff`, whose policies
    /// may read different columns).
    pub fn lenient(
        policy: &'p CheckedPolicy,
        input: Box<dyn BufRead + Send>,
        format: InputFormat,
        path: &str,
        options: ReadOptions,
    ) -> Result<Self, DataError> {
        Self::open(policy, input, format, path, options, true)
    }

    fn open(
        policy: &'p CheckedPolicy,
        input: Box<dyn BufRead + Send>,
        format: InputFormat,
        path: &str,
        options: ReadOptions,
        lenient: bool,
    ) -> Result<Self, DataError> {
        let mut missing = Vec::new();
        let mut unused = Vec::new();
        let mut duplicates = Vec::new();
        let source = match format {
            InputFormat::Csv => {
                let (mut reader, broken, delimiter) = open_csv(input, options);
                let headers = read_headers(&mut reader, &broken, path)?;
                let reader = Box::new(reader);
                let columns = if lenient {
                    let (columns, lacking) = columns_by_name(policy, &headers);
                    missing = lacking;
                    columns
                } else {
                    match_columns(policy, &headers, path)?
                };
                duplicates = duplicate_columns(policy, &headers);
                unused = headers
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !columns.contains(i))
                    .map(|(_, h)| h.clone())
                    .collect();
                Source::Csv {
                    reader,
                    columns,
                    width: headers.len(),
                    headers,
                    record: csv::StringRecord::new(),
                    broken,
                    delimiter,
                }
            }
            InputFormat::Ndjson => {
                Source::Ndjson(BoundedLines::new(input, options.max_record_bytes))
            }
            InputFormat::Json => Source::Json(read_json_array(input, path)?.into_iter()),
        };
        Ok(RecordReader {
            policy,
            path: path.to_string(),
            row: 0,
            source,
            unused,
            duplicates,
            carried: Carried::default(),
            required: None,
            missing,
            other: None,
            last_json: None,
            failure: None,
            json_reading: None,
        })
    }

    /// Keeps each NDJSON or JSON record as it was given, for
    /// [`RecordReader::last_json`] (a service's decision log records the
    /// input of every decision).
    pub fn keep_json(&mut self) {
        self.last_json = Some(None);
    }

    /// The last NDJSON or JSON record read, as given, when
    /// [`RecordReader::keep_json`] was asked for; `None` when it was not
    /// JSON (a line too long or not valid JSON).
    pub fn last_json(&self) -> Option<&serde_json::Value> {
        self.last_json.as_ref().and_then(Option::as_ref)
    }

    /// Carries raw columns through, by name (`lq eval --keep`): after each
    /// record, [`RecordReader::carried`] holds their text. A CSV input must
    /// have each column (else [`DataError::UnknownColumn`], before any
    /// record is read); in NDJSON and JSON a key a record lacks is empty.
    pub fn carry(&mut self, names: &[String]) -> Result<(), DataError> {
        let mut columns = Vec::with_capacity(names.len());
        if let Source::Csv { headers, .. } = &self.source {
            for name in names {
                match headers.iter().position(|h| h == name) {
                    Some(c) => columns.push(c),
                    None => {
                        return Err(DataError::UnknownColumn {
                            path: self.path.clone(),
                            column: name.clone(),
                            suggestion: did_you_mean(name, headers.iter().map(String::as_str)),
                            headers: headers.clone(),
                        })
                    }
                }
            }
        }
        self.carried = Carried {
            names: names.to_vec(),
            columns,
            values: vec![String::new(); names.len()],
        };
        self.json_reading = None;
        Ok(())
    }

    /// Reads each record for a second policy too (its own schema, maybe
    /// other columns), as [`RecordReader::lenient`] reads: after each
    /// record, [`RecordReader::other`] holds its values or why they
    /// cannot be read.
    pub fn also(&mut self, policy: &'p CheckedPolicy) {
        let (columns, missing) = match &self.source {
            Source::Csv { headers, .. } => columns_by_name(policy, headers),
            _ => (Vec::new(), Vec::new()),
        };
        let alike = policy.schema == self.policy.schema && policy.enums == self.policy.enums;
        self.other = Some(Box::new(Other {
            policy,
            columns,
            missing,
            values: Vec::new(),
            read: Ok(()),
            alike,
        }));
    }

    /// The second policy's reading of the record just read
    /// ([`RecordReader::also`]): `Ok(None)` when it reads every record as
    /// the first policy does (the same schema and enums), so its values
    /// are the first reading's and were not made twice.
    pub fn other(&self) -> Option<Result<Option<&[Datum]>, &RecordError>> {
        let other = self.other.as_ref()?;
        Some(match &other.read {
            Ok(()) if other.alike => Ok(None),
            Ok(()) => Ok(Some(&other.values)),
            Err(e) => Err(e),
        })
    }

    /// After the first reading of a record: a second policy that reads
    /// alike has the same result.
    fn other_alike<T>(&mut self, first: &Result<T, RecordError>) {
        if let Some(other) = self.other.as_mut().filter(|o| o.alike) {
            other.read = match first {
                Ok(_) => Ok(()),
                Err(e) => Err(e.clone()),
            };
        }
    }

    /// The record just read cannot be read at all: nor by the second
    /// policy.
    fn other_fails(&mut self, e: &RecordError) {
        if let Some(other) = &mut self.other {
            other.read = Err(e.clone());
        }
    }

    /// Makes a carried column required in NDJSON and JSON input too: the
    /// first record that is a JSON object must have the key, else reading
    /// stops with [`DataError::UnknownColumn`] (`--outcome`: a misspelt
    /// key is a usage error, not a file of unknowns). A CSV input already
    /// has every carried column.
    pub fn require_first(&mut self, name: &str) {
        if !matches!(self.source, Source::Csv { .. }) {
            self.required = Some(name.to_string());
        }
    }

    /// The error for a first JSON object without the required key.
    fn lacks_required(&mut self, value: &serde_json::Value) -> Option<DataError> {
        let object = value.as_object()?;
        let name = self.required.take()?;
        if object.contains_key(&name) {
            return None;
        }
        let headers: Vec<String> = object.keys().cloned().collect();
        Some(DataError::UnknownColumn {
            path: self.path.clone(),
            suggestion: did_you_mean(&name, headers.iter().map(String::as_str)),
            column: name,
            headers,
        })
    }

    /// The text of each carried column ([`RecordReader::carry`]) in the
    /// record just read, in the order asked.
    pub fn carried(&self) -> &[String] {
        &self.carried.values
    }

    /// Warnings for columns the schema reads that the header names more
    /// than once (the first is read).
    pub fn duplicate_columns(&self) -> &[String] {
        &self.duplicates
    }

    /// The CSV columns the schema does not read.
    pub fn unused_columns(&self) -> &[String] {
        &self.unused
    }

    /// For parallel reading: how a worker reads a block's records (for
    /// CSV, which column feeds which field; for NDJSON, the keys it
    /// reads). `None` for a JSON array, for a CSV input that lacks
    /// columns, when reading for a second policy too or keeping each JSON
    /// record, and once a record was read.
    pub fn layout(&self) -> Option<Layout> {
        if !self.missing.is_empty()
            || self.other.is_some()
            || self.row > 0
            || self.last_json.is_some()
        {
            return None;
        }
        match &self.source {
            Source::Csv {
                columns,
                width,
                delimiter,
                ..
            } => Some(Layout::Csv(CsvLayout {
                columns: columns.clone(),
                width: *width,
                carried: self.carried.columns.clone(),
                delimiter: *delimiter,
            })),
            Source::Ndjson(_) => Some(Layout::Ndjson(NdjsonLayout {
                fields: json_fields(self.policy, &self.carried.names),
            })),
            Source::Json(_) => None,
        }
    }

    /// For parallel reading: the next block of whole records (CSV records
    /// or NDJSON lines), at least `min` bytes of text unless the input
    /// ends (an empty block is the end), with the problems of the broken
    /// records in it. Only after [`RecordReader::layout`] said yes, before
    /// any record is read. A first JSON object without the key
    /// [`RecordReader::require_first`] asks for fails the input after the
    /// lines before it, as it does record by record.
    pub fn next_block(&mut self, block: &mut TextBlock, min: usize) -> Result<(), DataError> {
        if let Some(e) = self.failure.take() {
            block.bytes.clear();
            return Err(e);
        }
        let read = match &mut self.source {
            Source::Csv { reader, .. } => reader.get_mut().next_block(block, min),
            Source::Ndjson(lines) => lines.next_block(block, min),
            Source::Json(_) => {
                block.bytes.clear();
                Ok(())
            }
        };
        read.map_err(|e| DataError::io(&self.path, &e))?;
        if self.required.is_some() && matches!(self.source, Source::Ndjson(_)) {
            self.check_required(block)?;
        }
        Ok(())
    }

    /// [`RecordReader::lacks_required`] for the first JSON object among a
    /// block's lines, if there is one: the block then ends before it, and
    /// the failure comes with the next block.
    fn check_required(&mut self, block: &mut TextBlock) -> Result<(), DataError> {
        let mut start = 0;
        let mut first = None;
        for (index, line) in block_lines(&block.bytes).enumerate() {
            let at = start;
            start += line.len();
            if block.long.iter().any(|(i, _)| *i == index) {
                continue;
            }
            let Ok(text) = std::str::from_utf8(without_line_end(line)) else {
                continue;
            };
            if let Some(Ok(value)) = ndjson_value(text) {
                if value.is_object() {
                    first = Some((index, at, value));
                    break;
                }
            }
        }
        let Some((index, at, object)) = first else {
            return Ok(());
        };
        if let Some(e) = self.lacks_required(&object) {
            if at == 0 {
                block.bytes.clear();
                block.long.clear();
                return Err(e);
            }
            block.bytes.truncate(at);
            block.long.retain(|(i, _)| *i < index);
            self.failure = Some(e);
        }
        Ok(())
    }

    /// The next record into `values` (its storage reused): its row, or
    /// what is wrong with it; `None` at the end.
    pub fn next_into(
        &mut self,
        values: &mut Vec<Datum>,
    ) -> Option<Result<Result<usize, RecordError>, DataError>> {
        let Source::Csv {
            reader,
            columns,
            width,
            record,
            broken,
            ..
        } = &mut self.source
        else {
            if let Source::Ndjson(_) = self.source {
                return self.ndjson_next(values);
            }
            return self.next().map(|item| {
                item.map(|read| {
                    read.map(|(row, v)| {
                        *values = v;
                        row
                    })
                })
            });
        };
        match reader.read_record(record) {
            Ok(true) => {
                if let Some(problem) = broken.take(record.iter()) {
                    // The marker line's text is not the record's.
                    self.carried.empty();
                    self.row += 1;
                    let e = RecordError::one(self.row, problem);
                    self.other_fails(&e);
                    return Some(Ok(Err(e)));
                }
                self.carried.read_csv(record);
                if record.len() != *width {
                    return Some(self.csv_failure(None).map(Err));
                }
                self.row += 1;
                if let Some(other) = self.other.as_mut().filter(|o| !o.alike) {
                    other.read_csv(record, self.row);
                }
                let read = if self.missing.is_empty() {
                    let cells = csv_cells(columns, record);
                    convert_into(self.policy, self.row, cells, values)
                } else {
                    Err(missing_columns(self.row, &self.missing))
                };
                self.other_alike(&read);
                Some(Ok(read))
            }
            Ok(false) => None,
            Err(e) => {
                self.carried.empty();
                Some(self.csv_failure(Some(e)).map(Err))
            }
        }
    }

    /// The error for the record just read: ragged (`None`), malformed, or
    /// an I/O failure that ends the input.
    fn csv_failure(&mut self, error: Option<csv::Error>) -> Result<RecordError, DataError> {
        let failure = self.csv_failure_of(error);
        if let Ok(e) = &failure {
            self.other_fails(e);
        }
        failure
    }

    fn csv_failure_of(&mut self, error: Option<csv::Error>) -> Result<RecordError, DataError> {
        let Source::Csv {
            columns,
            width,
            record,
            ..
        } = &self.source
        else {
            return Err(DataError::io(
                &self.path,
                &std::io::Error::other("not a CSV input"),
            ));
        };
        match error {
            Some(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => Err(DataError::io(
                &self.path,
                &std::io::Error::other(e.to_string()),
            )),
            Some(e) => {
                self.row += 1;
                let problem = RecordProblem::Malformed(csv_message(&e));
                Ok(RecordError::one(self.row, problem))
            }
            None => {
                self.row += 1;
                Ok(ragged(self.policy, columns, *width, record, self.row))
            }
        }
    }

    fn csv_next(&mut self) -> Option<Result<ReadResult, DataError>> {
        let mut values = Vec::new();
        self.next_into(&mut values)
            .map(|item| item.map(|read| read.map(|row| (row, values))))
    }

    /// The next NDJSON record into `values` (its storage reused when no
    /// whole object is needed), as [`RecordReader::next_into`] gives it.
    fn ndjson_next(
        &mut self,
        values: &mut Vec<Datum>,
    ) -> Option<Result<Result<usize, RecordError>, DataError>> {
        let Source::Ndjson(lines) = &mut self.source else {
            return None;
        };
        loop {
            let line = match lines.next()? {
                Ok(Line::Text(line)) => line,
                Ok(Line::Broken(problem)) => {
                    self.row += 1;
                    if let Some(last) = &mut self.last_json {
                        *last = None;
                    }
                    self.carried.empty();
                    let e = RecordError::one(self.row, problem);
                    self.other_fails(&e);
                    return Some(Ok(Err(e)));
                }
                Err(source) => return Some(Err(DataError::io(&self.path, &source))),
            };
            if self.required.is_none() && self.last_json.is_none() && self.other.is_none() {
                // Only the keys read are kept: no map of the record.
                if line.trim().is_empty() {
                    continue;
                }
                self.row += 1;
                let reading = self.json_reading.get_or_insert_with(|| {
                    Box::new(JsonReading::new(json_fields(
                        self.policy,
                        &self.carried.names,
                    )))
                });
                let carried = &mut self.carried.values;
                return Some(Ok(reading.read(
                    self.policy,
                    &line,
                    self.row,
                    carried,
                    values,
                )));
            }
            let Some(value) = ndjson_value(&line) else {
                continue;
            };
            if let Some(e) = value.as_ref().ok().and_then(|v| self.lacks_required(v)) {
                return Some(Err(e));
            }
            return Some(Ok(self.json_record(value).map(|(row, v)| {
                *values = v;
                row
            })));
        }
    }

    fn json_record(&mut self, value: Result<serde_json::Value, String>) -> ReadResult {
        self.row += 1;
        if let Some(last) = &mut self.last_json {
            *last = value.as_ref().ok().cloned();
        }
        self.carried
            .read_json(value.as_ref().ok().and_then(|v| v.as_object()));
        let object = record_object(value, self.row).inspect_err(|e| self.other_fails(e))?;
        if let Some(other) = self.other.as_mut().filter(|o| !o.alike) {
            other.read_json(&object, self.row);
        }
        let read = convert_record(self.policy, self.row, object_cells(self.policy, &object));
        self.other_alike(&read);
        read
    }
}

impl Iterator for RecordReader<'_> {
    type Item = Result<ReadResult, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.source {
            Source::Csv { .. } => self.csv_next(),
            Source::Ndjson(_) => {
                let mut values = Vec::new();
                let read = self.ndjson_next(&mut values)?;
                Some(read.map(|read| read.map(|row| (row, values))))
            }
            Source::Json(items) => {
                let item = items.next()?;
                if let Some(e) = self.lacks_required(&item) {
                    return Some(Err(e));
                }
                Some(Ok(self.json_record(Ok(item))))
            }
        }
    }
}

/// A cell to convert: CSV text or a JSON value (absent when `None`).
enum Cell<'a> {
    /// A CSV cell, and the bytes of its record from it on.
    Text(&'a str, &'a [u8]),
    Json(Option<&'a serde_json::Value>),
}

fn convert_record<'a>(
    policy: &CheckedPolicy,
    row: usize,
    cells: impl Iterator<Item = Option<Cell<'a>>>,
) -> ReadResult {
    let mut values = Vec::with_capacity(policy.schema.fields.len());
    convert_into(policy, row, cells, &mut values).map(|row| (row, values))
}

/// Converts the cells into `values`, reusing its storage (and the text
/// buffers in it).
fn convert_into<'a>(
    policy: &CheckedPolicy,
    row: usize,
    cells: impl Iterator<Item = Option<Cell<'a>>>,
    values: &mut Vec<Datum>,
) -> Result<usize, RecordError> {
    values.resize(policy.schema.fields.len(), Datum::Missing);
    let mut problems = Vec::new();
    let plain = policy.schema.missing.is_empty();
    for ((field, cell), slot) in policy
        .schema
        .fields
        .iter()
        .zip(cells)
        .zip(values.iter_mut())
    {
        let converted = match cell {
            Some(Cell::Text(t, window)) if quick_convert(policy, field, plain, t, window, slot) => {
                Ok(())
            }
            Some(Cell::Text(t, _)) => convert_text_into(policy, field, t, slot),
            Some(Cell::Json(v)) => convert_json(policy, field, v).map(|d| *slot = d),
            None => convert_text_into(policy, field, "", slot),
        };
        if let Err(problem) = converted {
            *slot = Datum::Missing;
            problems.push(RecordProblem::Cell {
                column: field.column.clone(),
                problem,
            });
        }
    }
    if problems.is_empty() {
        return Ok(row);
    }
    let key = policy.schema.key.and_then(|k| match &values[k] {
        Datum::Missing => None,
        d => Some(error_key(policy, k, d)),
    });
    Err(RecordError { row, key, problems })
}

/// Converts one JSON object (by column names) into `values`.
pub fn read_json_object(
    policy: &CheckedPolicy,
    lead: &serde_json::Value,
    values: &mut Vec<Datum>,
) -> Result<(), RecordError> {
    let serde_json::Value::Object(object) = lead else {
        return Err(not_an_object(1, lead));
    };
    convert_into(policy, 1, object_cells(policy, object), values).map(|_| ())
}

/// How a worker thread reads the records of a block of text.
#[derive(Clone, Debug)]
pub enum Layout {
    /// CSV records.
    Csv(CsvLayout),
    /// NDJSON lines.
    Ndjson(NdjsonLayout),
}

/// The keys NDJSON records are read by, for reading lines on other
/// threads.
#[derive(Clone, Debug)]
pub struct NdjsonLayout {
    fields: JsonFields,
}

impl NdjsonLayout {
    /// A reading of lines by this layout, with its own scratch space (one
    /// for each thread).
    pub fn reading(&self) -> JsonReading {
        JsonReading::new(self.fields.clone())
    }
}

/// Reads JSON records by the keys a reading needs ([`JsonFields`]), its
/// scratch space reused from record to record.
#[derive(Debug)]
pub struct JsonReading {
    fields: JsonFields,
    /// The wanted values' storage, kept between records.
    spare: Vec<Option<Wanted<'static>>>,
}

impl JsonReading {
    fn new(fields: JsonFields) -> JsonReading {
        JsonReading {
            fields,
            spare: Vec::new(),
        }
    }

    /// Reads the line `line` of a block (its line end included) as record
    /// `row` into `values`, and its carried columns into `carried`, as
    /// [`RecordReader::next_into`] reads it; `None` for a blank line,
    /// which is no record.
    pub fn read_line(
        &mut self,
        policy: &CheckedPolicy,
        line: &[u8],
        row: usize,
        carried: &mut Vec<String>,
        values: &mut Vec<Datum>,
    ) -> Option<Result<usize, RecordError>> {
        let Ok(text) = std::str::from_utf8(without_line_end(line)) else {
            self.carried_empty(carried);
            return Some(Err(RecordError::one(row, not_utf8())));
        };
        if text.trim().is_empty() {
            return None;
        }
        Some(self.read(policy, text, row, carried, values))
    }

    /// Reads the JSON text `text` (not blank) as record `row`. A text
    /// value is converted as a CSV cell is, which is how a JSON string
    /// converts.
    fn read(
        &mut self,
        policy: &CheckedPolicy,
        text: &str,
        row: usize,
        carried: &mut Vec<String>,
        values: &mut Vec<Datum>,
    ) -> Result<usize, RecordError> {
        let mut wanted = json_fields::recycle(std::mem::take(&mut self.spare));
        let problem = match self.fields.read(text, &mut wanted) {
            Ok(Shape::Object) => None,
            Ok(Shape::Other(kind)) => Some(not_an_object_kind(kind)),
            Err(e) => Some(RecordProblem::Malformed(format!(
                "invalid JSON: {}",
                json_message(&e)
            ))),
        };
        // A text that is not an object carries empty columns, even if
        // it broke off after some of the keys.
        let kept = if problem.is_none() { &wanted[..] } else { &[] };
        carried.clear();
        carried.extend(self.fields.carried(kept).map(wanted_text));
        let read = match problem {
            Some(problem) => Err(RecordError::one(row, problem)),
            None => {
                let cells = (0..policy.schema.fields.len()).map(|f| {
                    Some(match self.fields.field(&wanted, f) {
                        Some(Wanted::Text(t)) => Cell::Text(t, t.as_bytes()),
                        Some(Wanted::Value(v)) => Cell::Json(Some(v)),
                        None => Cell::Json(None),
                    })
                });
                convert_into(policy, row, cells, values)
            }
        };
        self.spare = json_fields::recycle(wanted);
        read
    }

    /// The carried columns of a record that could not be read: empty.
    pub fn carried_empty(&self, carried: &mut Vec<String>) {
        carried.clear();
        carried.extend(self.fields.carried(&[]).map(wanted_text));
    }
}

/// Which CSV column feeds which schema field, for converting raw records
/// on other threads.
#[derive(Clone, Debug)]
pub struct CsvLayout {
    columns: Vec<usize>,
    width: usize,
    /// The carried columns ([`RecordReader::carry`]).
    carried: Vec<usize>,
    delimiter: u8,
}

impl CsvLayout {
    /// The delimiter of the CSV text.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// The text of each carried column of a raw record, into `out` (empty
    /// text for each when `record` is `None`: a record that could not be
    /// read).
    pub fn carried_into(&self, record: Option<&csv::StringRecord>, out: &mut Vec<String>) {
        let cell = |c: usize| record.and_then(|r| r.get(c)).unwrap_or("");
        set_texts(out, self.carried.iter().map(|&c| cell(c)));
    }

    /// Converts a raw record numbered `row` into `values`.
    pub fn convert(
        &self,
        policy: &CheckedPolicy,
        record: &csv::StringRecord,
        row: usize,
        values: &mut Vec<Datum>,
    ) -> Result<usize, RecordError> {
        if record.len() != self.width {
            return Err(ragged(policy, &self.columns, self.width, record, row));
        }
        convert_into(policy, row, csv_cells(&self.columns, record), values)
    }
}

/// The error of a CSV record whose cell count is not the header's, with
/// its key when that cell reads.
fn ragged(
    policy: &CheckedPolicy,
    columns: &[usize],
    width: usize,
    record: &csv::StringRecord,
    row: usize,
) -> RecordError {
    let problem = RecordProblem::Ragged {
        expected: width,
        found: record.len(),
    };
    RecordError {
        row,
        key: key_cell(policy, columns, record),
        problems: vec![problem],
    }
}

/// The key's value in a row that cannot be read as a whole, if its own
/// cell converts: it helps find the row in the source.
fn key_cell(
    policy: &CheckedPolicy,
    columns: &[usize],
    record: &csv::StringRecord,
) -> Option<serde_json::Value> {
    let k = policy.schema.key?;
    let cell = record.get(*columns.get(k)?)?;
    let datum = convert_text(policy, &policy.schema.fields[k], cell).ok()?;
    (datum != Datum::Missing).then(|| error_key(policy, k, &datum))
}

/// A record error's key: text keys cut to an excerpt, as values in
/// messages are.
fn error_key(policy: &CheckedPolicy, k: usize, datum: &Datum) -> serde_json::Value {
    match datum_json(policy, k, datum) {
        serde_json::Value::String(s) => serde_json::Value::String(super::convert::excerpt(&s)),
        other => other,
    }
}

/// A warning for each column the schema reads that `headers` names twice.
fn duplicate_columns(policy: &CheckedPolicy, headers: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for f in &policy.schema.fields {
        let at: Vec<usize> = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| **h == f.column)
            .map(|(i, _)| i + 1)
            .collect();
        if at.len() > 1 {
            out.push(format!(
                "the header names column `{}` {} times (columns {}); field `{}` reads the first: rename the others in the export to be sure",
                super::convert::excerpt(&f.column),
                at.len(),
                at.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", "),
                f.name
            ));
        }
    }
    out
}

/// Each field's column by the header names, `usize::MAX` where the
/// data has none; and the columns it lacks.
fn columns_by_name(policy: &CheckedPolicy, headers: &[String]) -> (Vec<usize>, Vec<String>) {
    let mut missing = Vec::new();
    let columns = policy
        .schema
        .fields
        .iter()
        .map(|f| {
            headers
                .iter()
                .position(|h| *h == f.column)
                .unwrap_or_else(|| {
                    missing.push(f.column.clone());
                    usize::MAX
                })
        })
        .collect();
    (columns, missing)
}

/// Each schema field's column index; every missing column is reported at once.
fn match_columns(
    policy: &CheckedPolicy,
    headers: &[String],
    path: &str,
) -> Result<Vec<usize>, DataError> {
    let mut columns = Vec::new();
    let mut missing = Vec::new();
    for f in &policy.schema.fields {
        match headers.iter().position(|h| *h == f.column) {
            Some(i) => columns.push(i),
            None => missing.push(MissingColumn {
                field: f.name.clone(),
                column: f.column.clone(),
                suggestion: did_you_mean(&f.column, headers.iter().map(String::as_str)),
            }),
        }
    }
    if missing.is_empty() {
        Ok(columns)
    } else {
        Err(DataError::MissingColumns {
            path: path.to_string(),
            missing,
            headers: headers.to_vec(),
        })
    }
}

/// A CSV parser over `input`, through the record guard (which first
/// detects the delimiter, unless `options` names it).
pub(crate) fn open_csv(
    mut input: Box<dyn BufRead + Send>,
    options: ReadOptions,
) -> (GuardedCsv, Broken, u8) {
    let delimiter = options
        .delimiter
        .unwrap_or_else(|| detect_delimiter(&mut input));
    let broken = Broken::default();
    let guard = CsvGuard::new(input, delimiter, options.max_record_bytes, broken.clone());
    let reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(guard);
    (reader, broken, delimiter)
}

/// The header row, without a byte-order mark.
pub(crate) fn read_headers(
    reader: &mut GuardedCsv,
    broken: &Broken,
    path: &str,
) -> Result<Vec<String>, DataError> {
    let headers = reader.headers().map_err(|e| header_error(path, &e))?;
    if let Some(problem) = broken.take(headers.iter()) {
        let message = match problem {
            RecordProblem::TooLarge { limit } => format!(
                "the header line is longer than {} bytes (--max-record-bytes), or opens a quote it never closes",
                crate::diagnostic::thousands(limit as u64)
            ),
            RecordProblem::UnclosedQuote => {
                "the header line opens a quote it never closes".to_string()
            }
            other => format!("the header line {other}"),
        };
        return Err(DataError::CsvHeader {
            path: path.to_string(),
            message,
        });
    }
    Ok(headers
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect())
}

/// A whole JSON-array input, at most [`MAX_JSON_BYTES`]: anything that
/// does not start with `[` is refused before it is read.
pub(crate) fn read_json_array(
    mut input: Box<dyn BufRead + Send>,
    path: &str,
) -> Result<Vec<serde_json::Value>, DataError> {
    let not_array = || DataError::NotJsonArray {
        path: path.to_string(),
    };
    // Look at the first byte that is not white space (or a byte-order mark).
    loop {
        let buf = input.fill_buf().map_err(|e| DataError::io(path, &e))?;
        let Some(&first) = buf.first() else {
            return Err(not_array());
        };
        if first.is_ascii_whitespace() {
            input.consume(1);
        } else if buf.starts_with("\u{feff}".as_bytes()) {
            input.consume(3);
        } else if first == b'[' {
            break;
        } else {
            return Err(not_array());
        }
    }
    let mut bytes = Vec::new();
    input
        .take(MAX_JSON_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| DataError::io(path, &e))?;
    if bytes.len() as u64 > MAX_JSON_BYTES {
        return Err(DataError::JsonTooLarge {
            path: path.to_string(),
            limit: MAX_JSON_BYTES,
        });
    }
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| DataError::JsonSyntax {
            path: path.to_string(),
            message: json_message(&e),
            line: e.line(),
            column: e.column(),
        })?;
    match value {
        serde_json::Value::Array(items) => Ok(items),
        _ => Err(not_array()),
    }
}

/// The delimiter the header line uses most: `,`, `;`, tab or `|`.
pub(crate) fn detect_delimiter(input: &mut Box<dyn BufRead + Send>) -> u8 {
    let Ok(buf) = input.fill_buf() else {
        return b',';
    };
    let line = buf.split(|b| *b == b'\n').next().unwrap_or(buf);
    let mut best = (0, b',');
    for d in [b',', b';', b'\t', b'|'] {
        let n = line.iter().filter(|b| **b == d).count();
        if n > best.0 {
            best = (n, d);
        }
    }
    best.1
}

/// A failure to read a CSV header: an I/O error (a truncated gzip stream,
/// say) or a header that is not CSV.
pub(crate) fn header_error(path: &str, e: &csv::Error) -> DataError {
    match e.kind() {
        csv::ErrorKind::Io(io) => {
            DataError::io(path, &std::io::Error::new(io.kind(), io.to_string()))
        }
        _ => DataError::CsvHeader {
            path: path.to_string(),
            message: e.to_string(),
        },
    }
}

fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// A record's CSV failure, as its error outcome words it.
pub(crate) fn csv_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "it is not valid UTF-8 text".to_string(),
        _ => e.to_string(),
    }
}

/// What a JSON value is, in words (`a number`, `an array`), for messages.
pub fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "text",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
