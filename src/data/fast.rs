//! Writing decisions straight to CSV or NDJSON bytes: every name, route and
//! reason is escaped once, when the writer is made, so a record costs a few
//! copies and integer formats — no allocation.

use super::error_report::neutralize_formula;
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
    blocks: Vec<Option<String>>,
}

impl DecisionWriter {
    /// A writer for a compiled policy, as NDJSON or CSV; `escape_formulas`
    /// as `lq eval --escape-formulas` asks (CSV only).
    pub fn new(plan: &Compiled, ndjson: bool, escape_formulas: bool) -> DecisionWriter {
        let policy = &plan.policy;
        let escape_formulas = escape_formulas && !ndjson;
        let is_risky = |t: &str| matches!(neutralize_formula(t), std::borrow::Cow::Owned(_));
        let risky_policy_text = policy.tiers.iter().any(|t| is_risky(t))
            || plan
                .rules
                .iter()
                .any(|r| is_risky(&r.label) || r.route.as_deref().is_some_and(is_risky))
            || plan.disqualifiers.iter().any(|d| is_risky(&d.reason));
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
            blocks: plan
                .blocks
                .iter()
                .map(|b| {
                    b.name
                        .as_ref()
                        .map(|n| serde_json::Value::String(n.clone()).to_string())
                })
                .collect(),
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

    /// Appends one decision's line to `out`; false (nothing written) when
    /// the record needs the general path.
    pub fn write(
        &self,
        out: &mut Vec<u8>,
        row: usize,
        record: &[Datum],
        d: &Decision,
        plan: &Compiled,
    ) -> bool {
        if !self.simple_key(record) {
            return false;
        }
        if self.escape_formulas && (self.risky_policy_text || self.risky_key(record)) {
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
            for (i, q) in d.disqualified_by.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(self.reasons[*q].json.as_bytes());
            }
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
            out.push(b'\n');
        }
        true
    }
}

fn json_value(out: &mut Vec<u8>, d: &Datum) {
    match d {
        Datum::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        Datum::Text(t) => {
            out.extend_from_slice(serde_json::Value::String(t.clone()).to_string().as_bytes())
        }
        _ => out.extend_from_slice(b"null"),
    }
}

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
