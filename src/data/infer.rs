//! `lq schema infer`: reads a data file and proposes the schema and enums
//! that read it with no error: names from headers (with `from` where they
//! differ), types from the values, placeholders as missing markers, low
//! cardinality text as enums with their spellings.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;

use super::convert::{parse_bool, parse_data_number};
use super::error::DataError;
use super::reader::InputFormat;
use crate::fmt::quote_text as quote;
use crate::syntax::ast::Number;

/// Cell values taken for "missing" when a column has them.
const PLACEHOLDERS: &[&str] = &[
    "Select", "select", "unknown", "Unknown", "UNKNOWN", "N/A", "n/a", "NULL", "null", "None",
    "none", "-", "?", "#N/A", "nan", "NaN",
];

/// At most this many distinct values make a text column an enum.
const MAX_VARIANTS: usize = 25;

/// The longest field name made from a header (bytes).
const MAX_NAME: usize = 60;

/// The longest value taken as an enum variant (bytes): a longer one (a
/// note, a pasted page) makes the column `text`.
const MAX_VARIANT_VALUE: usize = 60;

/// The longest header a schema names with `from` (bytes): a policy line
/// holds at most 10,000, and no one maps a longer header by hand.
const MAX_HEADER: usize = 1_000;

/// What was seen in one column.
#[derive(Default)]
struct Column {
    header: String,
    seen: usize,
    blank: usize,
    placeholders: BTreeSet<String>,
    bool_ok: bool,
    bool_words: bool,
    int_ok: bool,
    number_ok: bool,
    money_marks: bool,
    date_ok: bool,
    distinct: BTreeMap<String, usize>,
    too_many: bool,
    all_distinct_so_far: BTreeSet<String>,
    unique: bool,
    nines: BTreeMap<String, usize>,
    /// Some value was a JSON array: a `list of text`.
    list: bool,
}

impl Column {
    fn new(header: &str) -> Column {
        Column {
            header: header.to_string(),
            bool_ok: true,
            int_ok: true,
            number_ok: true,
            date_ok: true,
            unique: true,
            ..Column::default()
        }
    }

    fn add(&mut self, cell: &str) {
        self.seen += 1;
        if cell.trim().is_empty() {
            self.blank += 1;
            self.unique = false;
            return;
        }
        if PLACEHOLDERS.contains(&cell) {
            self.placeholders.insert(cell.to_string());
            self.unique = false;
            return;
        }
        match parse_bool(cell) {
            Some(_) => self.bool_words |= !cell.trim().chars().all(|c| c.is_ascii_digit()),
            None => self.bool_ok = false,
        }
        match parse_data_number(cell) {
            Some(Number::Int(_)) => {}
            Some(Number::Real(_)) => self.int_ok = false,
            None => {
                self.int_ok = false;
                self.number_ok = false;
            }
        }
        if self.number_ok && (cell.contains('$') || cell.contains(',')) {
            self.money_marks = true;
        }
        if self.number_ok && cell.trim().len() >= 3 && cell.trim().chars().all(|c| c == '9') {
            *self.nines.entry(cell.trim().to_string()).or_default() += 1;
        }
        if crate::date::parse_iso(cell).is_none() {
            self.date_ok = false;
        }
        if cell.len() > MAX_VARIANT_VALUE {
            self.too_many = true;
            self.distinct.clear();
        }
        if !self.too_many {
            *self.distinct.entry(cell.to_string()).or_default() += 1;
            if self.distinct.len() > MAX_VARIANTS {
                self.too_many = true;
                self.distinct.clear();
            }
        }
        if self.unique && !self.all_distinct_so_far.insert(cell.to_string()) {
            self.unique = false;
        }
        if self.all_distinct_so_far.len() > 100_000 {
            self.all_distinct_so_far.clear();
            self.unique = false;
        }
    }

    fn values(&self) -> usize {
        self.seen - self.blank - self.placeholders.len().min(self.seen)
    }
}

/// A proposed schema, as lq source text (formatted by the caller).
#[derive(Clone, Debug, PartialEq)]
pub struct Inferred {
    /// The `enum` declarations and the `schema` block.
    pub text: String,
    /// How many records were read.
    pub records: usize,
}

/// Reads up to `sample` records (all when `None`) and proposes a schema.
pub fn infer(
    input: Box<dyn BufRead + Send>,
    format: InputFormat,
    path: &str,
    delimiter: Option<u8>,
    sample: Option<usize>,
) -> Result<Inferred, DataError> {
    let (columns, records) = match format {
        InputFormat::Csv => scan_csv(input, path, delimiter, sample)?,
        InputFormat::Ndjson | InputFormat::Json => scan_json(input, format, path, sample)?,
    };
    Ok(Inferred {
        text: render(&columns, records, path),
        records,
    })
}

fn scan_csv(
    input: Box<dyn BufRead + Send>,
    path: &str,
    delimiter: Option<u8>,
    sample: Option<usize>,
) -> Result<(Vec<Column>, usize), DataError> {
    let options = super::reader::ReadOptions {
        delimiter,
        ..Default::default()
    };
    let (mut reader, broken, _) = super::reader::open_csv(input, options);
    let headers = super::reader::read_headers(&mut reader, &broken, path)?;
    let mut columns: Vec<Column> = headers.iter().map(|h| Column::new(h)).collect();
    let mut record = csv::StringRecord::new();
    let mut records = 0;
    while sample.is_none_or(|n| records < n) {
        match reader.read_record(&mut record) {
            Ok(true) => {
                // A broken record (an unclosed quote, over the size cap)
                // counts, but tells nothing of the columns.
                if broken.take(record.iter()).is_some() {
                    records += 1;
                    continue;
                }
            }
            Ok(false) => break,
            Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => {
                return Err(DataError::io(path, &std::io::Error::other(e.to_string())))
            }
            Err(_) => {
                records += 1;
                continue;
            }
        }
        records += 1;
        for (c, cell) in columns.iter_mut().zip(record.iter()) {
            c.add(cell);
        }
        for c in columns.iter_mut().skip(record.len()) {
            c.add("");
        }
    }
    Ok((columns, records))
}

fn scan_json(
    input: Box<dyn BufRead + Send>,
    format: InputFormat,
    path: &str,
    sample: Option<usize>,
) -> Result<(Vec<Column>, usize), DataError> {
    let mut objects: Vec<serde_json::Map<String, serde_json::Value>> = Vec::new();
    if format == InputFormat::Json {
        let items = super::reader::read_json_array(input, path)?;
        objects.extend(items.into_iter().filter_map(|v| match v {
            serde_json::Value::Object(m) => Some(m),
            _ => None,
        }));
    } else {
        let lines =
            super::bounded::BoundedLines::new(input, super::bounded::DEFAULT_MAX_RECORD_BYTES);
        for line in lines {
            let line = line.map_err(|e| DataError::io(path, &e))?;
            if let super::bounded::Line::Text(line) = line {
                if let Ok(serde_json::Value::Object(m)) = serde_json::from_str(&line) {
                    objects.push(m);
                }
            }
            if sample.is_some_and(|n| objects.len() >= n) {
                break;
            }
        }
    }
    if let Some(n) = sample {
        objects.truncate(n);
    }
    let mut headers: Vec<String> = Vec::new();
    for o in &objects {
        for k in o.keys() {
            if !headers.contains(k) {
                headers.push(k.clone());
            }
        }
    }
    let mut columns: Vec<Column> = headers.iter().map(|h| Column::new(h)).collect();
    for o in &objects {
        for c in columns.iter_mut() {
            let cell = match o.get(&c.header) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Array(items)) => {
                    c.list = true;
                    items
                        .iter()
                        .map(|i| i.as_str().map_or_else(|| i.to_string(), String::from))
                        .collect::<Vec<_>>()
                        .join(";")
                }
                Some(other) => other.to_string(),
            };
            c.add(&cell);
        }
    }
    Ok((columns, objects.len()))
}

/// An lq name for a header: `Total Visits` → `total_visits`.
pub fn field_name(header: &str) -> String {
    let mut out = String::new();
    for c in header.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let mut out = out.trim_matches('_').to_string();
    // A name a reader can take in: long headers are cut.
    if out.len() > MAX_NAME {
        out.truncate(MAX_NAME);
        out = out.trim_end_matches('_').to_string();
    }
    if out.is_empty() {
        return "column".to_string();
    }
    // A name starts with a letter: `1st` is `col_1st`.
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("col_{out}");
    }
    if is_reserved(&out) || crate::check::types::builtin(&out).is_some() {
        format!("{out}_")
    } else {
        out
    }
}

/// A variant or enum name for a value: `blue-collar` → `BlueCollar`.
pub fn type_name(value: &str) -> String {
    let mut out = String::new();
    for word in value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.push_str(chars.as_str());
        }
    }
    if out.is_empty() {
        "Blank".to_string()
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("N{out}")
    } else {
        out
    }
}

fn is_reserved(word: &str) -> bool {
    use pest::Parser as _;
    crate::syntax::parser::LqParser::parse(crate::syntax::parser::Rule::keyword, word)
        .is_ok_and(|p| p.as_str() == word)
}

/// The proposed declarations as text.
fn render(columns: &[Column], records: usize, path: &str) -> String {
    let mut names: BTreeSet<String> = BTreeSet::new();
    let mut enums = String::new();
    let mut fields = String::new();
    // Placeholders seen in two or more columns apply schema-wide.
    let mut placeholder_use: BTreeMap<&str, usize> = BTreeMap::new();
    for c in columns {
        for p in &c.placeholders {
            *placeholder_use.entry(p).or_default() += 1;
        }
    }
    let shared: Vec<&str> = placeholder_use
        .iter()
        .filter(|(_, n)| **n >= 2)
        .map(|(p, _)| *p)
        .collect();
    let mut key_taken = false;
    let mut headers_seen: BTreeSet<&str> = BTreeSet::new();
    let mut enum_names: BTreeSet<String> = BTreeSet::new();
    for (i, c) in columns.iter().enumerate() {
        if c.header.len() > MAX_HEADER {
            fields.push_str(&format!(
                "  # column {} has a header of {} bytes, too long to name: rename it in the export\n",
                i + 1,
                c.header.len()
            ));
            continue;
        }
        if !headers_seen.insert(&c.header) {
            let h = quote(&c.header);
            fields.push_str(&format!(
                "  # a second column named {h} cannot be read by name: rename it in the export\n"
            ));
            continue;
        }
        let mut name = field_name(&c.header);
        while !names.insert(name.clone()) {
            name.push('_');
        }
        let mut own_missing: Vec<String> = c
            .placeholders
            .iter()
            .filter(|p| !shared.contains(&p.as_str()))
            .cloned()
            .collect();
        let values = c.values();
        let (ty, comment) = column_type(c, &name, &mut enums, &mut enum_names, &mut own_missing);
        let optional =
            c.blank > 0 || !c.placeholders.is_empty() || !own_missing.is_empty() || values == 0;
        let mut line = format!("  {name}: {ty}{}", if optional { "?" } else { "" });
        let id_like = ["id", "number", "key"]
            .iter()
            .any(|w| name.split('_').any(|p| p == *w));
        if !key_taken
            && c.unique
            && !optional
            && values == records
            && records > 0
            && id_like
            && ty != "bool"
        {
            line.push_str(" key");
            key_taken = true;
        }
        if name != c.header {
            line.push_str(&format!(" from {}", quote(&c.header)));
        }
        if !own_missing.is_empty() {
            let markers: Vec<String> = own_missing.iter().map(|m| quote(m)).collect();
            line.push_str(&format!(" missing [{}]", markers.join(", ")));
        }
        if let Some(comment) = comment {
            line.push_str(&format!("  # {comment}"));
        }
        fields.push_str(&line);
        fields.push('\n');
    }
    let mut out = format!("# Inferred by `lq schema infer` from {path} ({records} records).\n");
    out.push_str(&enums);
    out.push_str("schema {\n");
    if !shared.is_empty() {
        let markers: Vec<String> = shared.iter().map(|m| quote(m)).collect();
        out.push_str(&format!("  missing [{}]\n", markers.join(", ")));
    }
    out.push_str(&fields);
    out.push_str("}\n");
    out
}

/// The type of a column (declaring an enum when it is one), and a comment.
fn column_type(
    c: &Column,
    name: &str,
    enums: &mut String,
    enum_names: &mut BTreeSet<String>,
    own_missing: &mut Vec<String>,
) -> (String, Option<String>) {
    let values = c.values();
    if c.list {
        return ("list of text".into(), None);
    }
    if values == 0 {
        return ("text".into(), Some("always empty in the data".into()));
    }
    // `Yes`/`No` columns are booleans; a 0/1 column stays a number.
    if c.bool_ok && c.bool_words {
        return ("bool".into(), None);
    }
    if c.int_ok || c.number_ok {
        let mut comment = None;
        // A value made of nines in a third of the rows is a sentinel.
        if let Some((nines, n)) = c.nines.iter().max_by_key(|(_, n)| **n) {
            if *n * 3 >= values {
                own_missing.push(nines.clone());
                comment = Some(format!("{nines} looks like a \"none\" sentinel ({n} rows)"));
            }
        }
        let ty = if c.money_marks {
            "money"
        } else if c.int_ok {
            "int"
        } else {
            "number"
        };
        return (ty.into(), comment);
    }
    if c.date_ok {
        return ("date".into(), None);
    }
    if !c.too_many && !c.distinct.is_empty() && c.distinct.len() * 2 <= values.max(2) {
        // `a_b` and `a_b_` are both `AB`: the second is `AB_`.
        let mut enum_name = type_name(name);
        while !enum_names.insert(enum_name.clone()) {
            enum_name.push('_');
        }
        let mut variants: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        let mut by_count: Vec<(&String, &usize)> = c.distinct.iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (value, _) in by_count {
            let v = type_name(value);
            if !variants.contains_key(&v) {
                order.push(v.clone());
            }
            variants.entry(v).or_default().push(value.clone());
        }
        let rendered: Vec<String> = order
            .iter()
            .map(|v| {
                let spellings: Vec<String> = variants[v]
                    .iter()
                    .filter(|s| *s != v)
                    .map(|s| quote(s))
                    .collect();
                if spellings.is_empty() {
                    v.clone()
                } else {
                    format!("{v} ({})", spellings.join(", "))
                }
            })
            .collect();
        enums.push_str(&format!("enum {enum_name} {{ {} }}\n", rendered.join(", ")));
        return (enum_name, None);
    }
    ("text".into(), None)
}
