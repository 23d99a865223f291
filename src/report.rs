//! Diagnostics as data for machines: JSON records, GitHub annotations and
//! SARIF 2.1.0, for CI systems and code-scanning dashboards.

use miette::Diagnostic;
use serde::Serialize;
use serde_json::json;

use crate::source::{line_col, Source};

/// One diagnostic, located in its file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Record {
    /// `error` or `warning`.
    pub severity: &'static str,
    /// The stable code, e.g. `lq::unknown_name`.
    pub code: String,
    /// The one-line message.
    pub message: String,
    /// The file, as given.
    pub file: String,
    /// 1-based line of the start.
    pub line: usize,
    /// 1-based column (in characters) of the start.
    pub column: usize,
    /// 1-based line of the end.
    pub end_line: usize,
    /// 1-based column just after the end.
    pub end_column: usize,
    /// The help line, if any.
    pub help: Option<String>,
}

impl Record {
    /// The record of a diagnostic over `source` (or of a file as a whole).
    pub fn new(d: &dyn Diagnostic, source: Option<&Source>, file: &str) -> Record {
        let severity = match d.severity() {
            Some(miette::Severity::Warning) | Some(miette::Severity::Advice) => "warning",
            _ => "error",
        };
        let crate::source::Span { start, end } = crate::diagnostic::primary_span(d);
        let text = source.map_or("", |s| s.text.as_str());
        let (line, column) = line_col(text, start);
        let (end_line, end_column) = line_col(text, end);
        Record {
            severity,
            code: d
                .code()
                .map(|c| c.to_string())
                .unwrap_or_else(|| "lq::error".to_string()),
            message: d.to_string(),
            file: file.to_string(),
            line,
            column,
            end_line,
            end_column: if (end_line, end_column) == (line, column) {
                column + 1
            } else {
                end_column
            },
            help: d.help().map(|h| h.to_string()),
        }
    }
}

/// The records as one JSON array.
pub fn to_json(records: &[Record]) -> String {
    serde_json::to_string_pretty(records).unwrap_or_else(|_| "[]".to_string())
}

/// The records as GitHub Actions workflow commands, one per line.
pub fn to_github(records: &[Record]) -> String {
    let mut out = String::new();
    for r in records {
        let mut message = r.message.clone();
        if let Some(h) = &r.help {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        out.push_str(&format!(
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            r.severity,
            escape_property(&r.file),
            r.line,
            r.column,
            r.end_line,
            r.end_column,
            escape_property(&r.code),
            escape_data(&message)
        ));
    }
    out
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The records as a SARIF 2.1.0 log.
pub fn to_sarif(records: &[Record]) -> String {
    let mut rules: Vec<&Record> = Vec::new();
    for r in records {
        if !rules.iter().any(|x| x.code == r.code) {
            rules.push(r);
        }
    }
    let rules: Vec<serde_json::Value> = rules
        .iter()
        .map(|r| json!({ "id": r.code, "shortDescription": { "text": r.code.trim_start_matches("lq::").replace('_', " ") } }))
        .collect();
    let results: Vec<serde_json::Value> = records
        .iter()
        .map(|r| {
            let text = match &r.help {
                Some(h) => format!("{}\nhelp: {h}", r.message),
                None => r.message.clone(),
            };
            json!({
                "ruleId": r.code,
                "level": r.severity,
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": r.file.replace('\\', "/") },
                        "region": {
                            "startLine": r.line,
                            "startColumn": r.column,
                            "endLine": r.end_line,
                            "endColumn": r.end_column,
                        }
                    }
                }]
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "lq", "version": env!("CARGO_PKG_VERSION"), "rules": rules } },
            "results": results,
        }]
    });
    serde_json::to_string_pretty(&log).unwrap_or_default()
}
