//! Writing decisions straight to CSV or NDJSON bytes: every name, route and
//! reason is escaped once, when the writer is made, so a record costs a few
//! copies and integer formats — no allocation.

use super::error_report::neutralize_formula;
use super::writer::{Column, Columns};
use crate::check::types::Type;
use crate::compile::Compiled;
use crate::eval::{Datum, Decision};

/// A text escaped for both outputs.
#[derive(Clone, Debug)]
struct Both {
    text: String,
    csv: String,
    json: String,
}

impl Both {
    fn new(text: &str) -> Both {
        let csv = if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        };
        Both {
            text: text.to_string(),
            csv,
            json: serde_json::Value::String(text.to_string()).to_string(),
        }
    }
}

/// Writes decisions as the CSV or NDJSON lines `lq eval` prints.
#[derive(Clone, Debug)]
pub struct DecisionWriter {
    ndjson: bool,
    /// CSV with `--escape-formulas`: a line with a cell to escape takes
    /// the general path, which escapes it.
    escape_formulas: bool,
    /// Whether a tier, rule, route or reason of the policy itself would
    /// need escaping (then every line takes the general path).
    risky_policy_text: bool,
    key: Option<(usize, String)>,
    tiers: Vec<Both>,
    rules: Vec<(Both, Option<Both>, usize)>,
    reasons: Vec<Both>,
    /// The line, made once from the chosen columns: fixed text (names,
    /// separators) between the values of each record; `None` for every
    /// column in the default order with nothing carried.
    line: Option<Vec<Piece>>,
    /// Each plan block's name as a JSON string (`None` when unnamed).
    blocks: Vec<Option<String>>,
    /// How the outcome column reads (`lq eval --outcome`).
    outcome: Option<crate::insight::OutcomeSpec>,
}

/// A part of a line: fixed bytes, or where a value of the record goes.
#[derive(Clone, Debug)]
enum Piece {
    Text(Vec<u8>),
    /// One byte of fixed text (a CSV comma, the line's end).
    Byte(u8),
    Row,
    Key,
    Status,
    Tier,
    Score,
    /// The total of the plan's block with this index.
    Block(usize),
    Route,
    Rule,
    Reasons,
    /// The carried input column with this index.
    Keep(usize),
    /// The outcome read from the first carried column.
    Outcome,
}

/// Builds a line's pieces, merging adjacent fixed text.
#[derive(Default)]
struct Pieces {
    pieces: Vec<Piece>,
    /// Whether a value has been written (so the next needs a separator).
    started: bool,
}

impl Pieces {
    fn text(&mut self, bytes: &[u8]) {
        if let Some(Piece::Text(t)) = self.pieces.last_mut() {
            t.extend_from_slice(bytes);
        } else {
            self.pieces.push(Piece::Text(bytes.to_vec()));
        }
    }

    /// A separator (after the first value), `name`, then the value.
    fn value(&mut self, name: &[u8], piece: Piece) {
        if self.started {
            self.text(b",");
        }
        self.started = true;
        self.text(name);
        self.pieces.push(piece);
    }
}

/// The pieces of a line of `columns`, as NDJSON or CSV; `blocks` are the
/// plan's blocks' names as JSON strings (`None` when unnamed).
fn line_of(
    columns: &Columns,
    ndjson: bool,
    key: Option<&str>,
    blocks: &[Option<String>],
) -> Vec<Piece> {
    let json = |t: &str| serde_json::Value::String(t.to_string()).to_string();
    // The plan index of each named block, in order.
    let named: Vec<usize> = (0..blocks.len()).filter(|&b| blocks[b].is_some()).collect();
    let mut p = Pieces::default();
    if ndjson {
        p.text(b"{");
    }
    let mut scores_done = false;
    for col in &columns.chosen {
        let (name, piece): (&[u8], Piece) = match col {
            Column::Row => (b"\"row\":", Piece::Row),
            Column::Key => match key {
                Some(k) if ndjson => {
                    let name = format!("{}:", json(k));
                    p.value(name.as_bytes(), Piece::Key);
                    continue;
                }
                Some(_) => (b"", Piece::Key),
                None => continue,
            },
            Column::Status => (b"\"status\":", Piece::Status),
            Column::Tier => (b"\"tier\":", Piece::Tier),
            Column::Score => (b"\"score\":", Piece::Score),
            Column::Scores | Column::Block(_) if ndjson => {
                if scores_done {
                    continue;
                }
                scores_done = true;
                let wanted = |i: usize| {
                    columns
                        .chosen
                        .iter()
                        .any(|c| *c == Column::Scores || *c == Column::Block(i))
                };
                p.value(b"\"scores\":{", Piece::Text(Vec::new()));
                let mut first = true;
                for (i, &b) in named.iter().enumerate() {
                    if !wanted(i) {
                        continue;
                    }
                    let name = format!(
                        "{}{}:",
                        if first { "" } else { "," },
                        blocks[b].as_deref().unwrap_or("\"\"")
                    );
                    first = false;
                    p.text(name.as_bytes());
                    p.pieces.push(Piece::Block(b));
                }
                p.text(b"}");
                continue;
            }
            Column::Scores => {
                for &b in &named {
                    p.value(b"", Piece::Block(b));
                }
                continue;
            }
            Column::Block(i) => match named.get(*i) {
                Some(&b) => (b"", Piece::Block(b)),
                None => continue,
            },
            Column::Route => (b"\"route\":", Piece::Route),
            Column::Rule => (b"\"rule\":", Piece::Rule),
            Column::Reasons => (b"\"reasons\":", Piece::Reasons),
        };
        p.value(if ndjson { name } else { b"" }, piece);
    }
    let from = usize::from(columns.outcome.is_some());
    if columns.outcome.is_some() {
        p.value(if ndjson { b"\"outcome\":" } else { b"" }, Piece::Outcome);
    }
    if ndjson {
        if !columns.keep.is_empty() {
            p.value(b"\"keep\":{", Piece::Text(Vec::new()));
            for (i, k) in columns.keep.iter().enumerate() {
                let name = format!("{}{}:", if i == 0 { "" } else { "," }, json(k));
                p.text(name.as_bytes());
                p.pieces.push(Piece::Keep(from + i));
            }
            p.text(b"}");
        }
        p.text(b"}\n");
    } else {
        for i in 0..columns.keep.len() {
            p.value(b"", Piece::Keep(from + i));
        }
        p.text(b"\n");
    }
    // An empty fixed text is nothing to write; one byte is pushed.
    p.pieces
        .into_iter()
        .filter(|x| !matches!(x, Piece::Text(t) if t.is_empty()))
        .map(|x| match x {
            Piece::Text(t) if t.len() == 1 => Piece::Byte(t[0]),
            other => other,
        })
        .collect()
}

impl DecisionWriter {
    /// A writer for a compiled policy, as NDJSON or CSV, of `columns`
    /// (the chosen outcome columns, the carried input columns, and
    /// whether formulas are escaped, in CSV only).
    pub fn new(plan: &Compiled, ndjson: bool, columns: &Columns) -> DecisionWriter {
        let policy = &plan.policy;
        let escape_formulas = columns.escape_formulas && !ndjson;
        let is_risky = |t: &str| matches!(neutralize_formula(t), std::borrow::Cow::Owned(_));
        let risky_policy_text = policy.tiers.iter().any(|t| is_risky(t))
            || plan
                .rules
                .iter()
                .any(|r| is_risky(&r.label) || r.route.as_deref().is_some_and(is_risky))
            || plan.disqualifiers.iter().any(|d| is_risky(&d.reason));
        let blocks: Vec<Option<String>> = plan
            .blocks
            .iter()
            .map(|b| {
                b.name
                    .as_ref()
                    .map(|n| serde_json::Value::String(n.clone()).to_string())
            })
            .collect();
        let key_name = policy
            .schema
            .key
            .map(|k| policy.schema.fields[k].name.as_str());
        DecisionWriter {
            ndjson,
            escape_formulas,
            risky_policy_text,
            key: policy.schema.key.map(|k| {
                (
                    k,
                    serde_json::Value::String(policy.schema.fields[k].name.clone()).to_string(),
                )
            }),
            tiers: policy.tiers.iter().map(|t| Both::new(t)).collect(),
            rules: plan
                .rules
                .iter()
                .map(|r| {
                    (
                        Both::new(&r.label),
                        r.route.as_deref().map(Both::new),
                        r.tier,
                    )
                })
                .collect(),
            reasons: plan
                .disqualifiers
                .iter()
                .map(|d| Both::new(&d.reason))
                .collect(),
            line: (!columns.is_default()).then(|| line_of(columns, ndjson, key_name, &blocks)),
            blocks,
            outcome: columns.outcome.clone(),
        }
    }

    /// Whether the key can be written without the general path (ints and
    /// plain texts).
    fn simple_key(&self, record: &[Datum]) -> bool {
        match self.key {
            None => true,
            Some((k, _)) => matches!(
                record.get(k),
                Some(Datum::Int(_) | Datum::Text(_) | Datum::Missing)
            ),
        }
    }

    /// Whether the record's key is a text a spreadsheet would run.
    fn risky_key(&self, record: &[Datum]) -> bool {
        match self.key.as_ref().and_then(|(k, _)| record.get(*k)) {
            Some(Datum::Text(t)) => matches!(neutralize_formula(t), std::borrow::Cow::Owned(_)),
            _ => false,
        }
    }

    /// Appends one decision's line to `out`, with the text of the carried
    /// columns (in the order of [`Columns::keep`]); false (nothing
    /// written) when the record needs the general path.
    pub fn write(
        &self,
        out: &mut Vec<u8>,
        row: usize,
        record: &[Datum],
        d: &Decision,
        plan: &Compiled,
        carried: &[String],
    ) -> bool {
        if !self.simple_key(record) {
            return false;
        }
        let risky = |t: &str| matches!(neutralize_formula(t), std::borrow::Cow::Owned(_));
        if self.escape_formulas
            && (self.risky_policy_text
                || self.risky_key(record)
                || carried.iter().any(|c| risky(c)))
        {
            return false;
        }
        if matches!(
            plan.policy
                .schema
                .key
                .map(|k| &plan.policy.schema.fields[k].ty),
            Some(Type::Enum(..) | Type::Date)
        ) {
            return false;
        }
        let mut n = itoa::Buffer::new();
        let rule = d.rule.and_then(|r| self.rules.get(r));
        let status: &[u8] = if !d.disqualified_by.is_empty() {
            b"disqualified"
        } else if rule.is_some() {
            b"qualified"
        } else {
            b"unmatched"
        };
        let Some(line) = &self.line else {
            self.write_every_column(out, row, record, d, rule, status);
            return true;
        };
        let key = self.key.as_ref().map(|(k, _)| &record[*k]);
        let tier = rule.and_then(|r| self.tiers.get(r.2));
        let route = rule.and_then(|r| r.1.as_ref());
        let ndjson = self.ndjson;
        for piece in line {
            match piece {
                Piece::Text(t) => out.extend_from_slice(t),
                Piece::Byte(b) => out.push(*b),
                Piece::Row => out.extend_from_slice(n.format(row).as_bytes()),
                Piece::Key => match (key, self.ndjson) {
                    (Some(value), true) => json_value(out, value),
                    (Some(value), false) => csv_value(out, value),
                    (None, true) => out.extend_from_slice(b"null"),
                    (None, false) => {}
                },
                Piece::Status if self.ndjson => {
                    out.push(b'"');
                    out.extend_from_slice(status);
                    out.push(b'"');
                }
                Piece::Status => out.extend_from_slice(status),
                Piece::Tier => or_null(out, tier.map(|b| escaped(b, ndjson)), ndjson),
                Piece::Score => out.extend_from_slice(n.format(d.score).as_bytes()),
                Piece::Block(b) => {
                    if let Some(total) = d.blocks.get(*b) {
                        out.extend_from_slice(n.format(*total).as_bytes());
                    }
                }
                Piece::Route => or_null(out, route.map(|b| escaped(b, ndjson)), ndjson),
                Piece::Rule => or_null(out, rule.map(|r| escaped(&r.0, ndjson)), ndjson),
                Piece::Reasons if self.ndjson => {
                    out.push(b'[');
                    self.reasons_json(out, d);
                    out.push(b']');
                }
                Piece::Reasons => self.reasons_csv(out, d),
                Piece::Outcome => {
                    let known = self
                        .outcome
                        .as_ref()
                        .and_then(|spec| spec.read(carried.first().map_or("", String::as_str)));
                    match (known, self.ndjson) {
                        (None, true) => out.extend_from_slice(b"null"),
                        (known, _) => {
                            out.extend_from_slice(super::writer::known_text(known).as_bytes())
                        }
                    }
                }
                Piece::Keep(i) => {
                    let value = carried.get(*i).map_or("", String::as_str);
                    if self.ndjson {
                        json_text(out, value);
                    } else {
                        csv_text(out, value);
                    }
                }
            }
        }
        true
    }

    /// The reasons of a decision as JSON strings, comma-separated.
    #[inline]
    fn reasons_json(&self, out: &mut Vec<u8>, d: &Decision) {
        for (i, q) in d.disqualified_by.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(self.reasons[*q].json.as_bytes());
        }
    }

    /// The reasons of a decision as one CSV cell, `; `-separated.
    #[inline]
    fn reasons_csv(&self, out: &mut Vec<u8>, d: &Decision) {
        match d.disqualified_by.as_slice() {
            [] => {}
            [one] => out.extend_from_slice(self.reasons[*one].csv.as_bytes()),
            many => {
                let text: Vec<&str> = many
                    .iter()
                    .map(|q| self.reasons[*q].text.as_str())
                    .collect();
                out.extend_from_slice(Both::new(&text.join("; ")).csv.as_bytes());
            }
        }
    }

    /// The line of every outcome column in the default order and nothing
    /// carried, written straight out: what nearly every run writes, so
    /// the layout is fixed here at compile time rather than read from
    /// the pieces.
    fn write_every_column(
        &self,
        out: &mut Vec<u8>,
        row: usize,
        record: &[Datum],
        d: &Decision,
        rule: Option<&(Both, Option<Both>, usize)>,
        status: &[u8],
    ) {
        let mut n = itoa::Buffer::new();
        let key = self.key.as_ref().map(|(k, name)| (&record[*k], name));
        if self.ndjson {
            out.extend_from_slice(b"{\"row\":");
            out.extend_from_slice(n.format(row).as_bytes());
            if let Some((value, name)) = key {
                out.push(b',');
                out.extend_from_slice(name.as_bytes());
                out.push(b':');
                json_value(out, value);
            }
            out.extend_from_slice(b",\"status\":\"");
            out.extend_from_slice(status);
            out.extend_from_slice(b"\",\"tier\":");
            match rule.and_then(|r| self.tiers.get(r.2)) {
                Some(t) => out.extend_from_slice(t.json.as_bytes()),
                None => out.extend_from_slice(b"null"),
            }
            out.extend_from_slice(b",\"score\":");
            out.extend_from_slice(n.format(d.score).as_bytes());
            out.extend_from_slice(b",\"scores\":{");
            let mut first = true;
            for (name, total) in self.blocks.iter().zip(&d.blocks) {
                if let Some(name) = name {
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    out.extend_from_slice(name.as_bytes());
                    out.push(b':');
                    out.extend_from_slice(n.format(*total).as_bytes());
                }
            }
            out.extend_from_slice(b"},\"route\":");
            match rule.and_then(|r| r.1.as_ref()) {
                Some(q) => out.extend_from_slice(q.json.as_bytes()),
                None => out.extend_from_slice(b"null"),
            }
            out.extend_from_slice(b",\"rule\":");
            match rule {
                Some(r) => out.extend_from_slice(r.0.json.as_bytes()),
                None => out.extend_from_slice(b"null"),
            }
            out.extend_from_slice(b",\"reasons\":[");
            self.reasons_json(out, d);
            out.extend_from_slice(b"]}\n");
        } else {
            out.extend_from_slice(n.format(row).as_bytes());
            if let Some((value, _)) = key {
                out.push(b',');
                csv_value(out, value);
            }
            out.push(b',');
            out.extend_from_slice(status);
            out.push(b',');
            if let Some(t) = rule.and_then(|r| self.tiers.get(r.2)) {
                out.extend_from_slice(t.csv.as_bytes());
            }
            out.push(b',');
            out.extend_from_slice(n.format(d.score).as_bytes());
            for (name, total) in self.blocks.iter().zip(&d.blocks) {
                if name.is_some() {
                    out.push(b',');
                    out.extend_from_slice(n.format(*total).as_bytes());
                }
            }
            out.push(b',');
            if let Some(q) = rule.and_then(|r| r.1.as_ref()) {
                out.extend_from_slice(q.csv.as_bytes());
            }
            out.push(b',');
            if let Some(r) = rule {
                out.extend_from_slice(r.0.csv.as_bytes());
            }
            out.push(b',');
            self.reasons_csv(out, d);
            out.push(b'\n');
        }
    }
}

/// A text escaped for the output at hand.
fn escaped(b: &Both, ndjson: bool) -> &String {
    if ndjson {
        &b.json
    } else {
        &b.csv
    }
}

/// An escaped text, or `null` in JSON (nothing in CSV) when there is none.
fn or_null(out: &mut Vec<u8>, text: Option<&String>, ndjson: bool) {
    match text {
        Some(t) => out.extend_from_slice(t.as_bytes()),
        None if ndjson => out.extend_from_slice(b"null"),
        None => {}
    }
}

/// A text as a JSON string.
fn json_text(out: &mut Vec<u8>, text: &str) {
    // Writing a string into a vector cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// A text as a CSV cell, quoted when it must be.
fn csv_text(out: &mut Vec<u8>, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

#[inline]
fn json_value(out: &mut Vec<u8>, d: &Datum) {
    match d {
        Datum::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        Datum::Text(t) => {
            out.extend_from_slice(serde_json::Value::String(t.clone()).to_string().as_bytes())
        }
        _ => out.extend_from_slice(b"null"),
    }
}

#[inline]
fn csv_value(out: &mut Vec<u8>, d: &Datum) {
    match d {
        Datum::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        Datum::Text(t) if t.contains([',', '"', '\n', '\r']) => {
            out.extend_from_slice(Both::new(t).csv.as_bytes())
        }
        Datum::Text(t) => out.extend_from_slice(t.as_bytes()),
        _ => {}
    }
}
