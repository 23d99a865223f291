//! `lq diff --moved FILE`: the leads whose class changed, one per line,
//! as CSV (formula-like cells escaped, as a spreadsheet would run them)
//! or NDJSON.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::diff::Described;
use crate::data::error_report::neutralize_all;
use crate::data::writer::{key_text, write_csv_row};

/// The columns of a moved lead, in order.
pub const MOVED_COLUMNS: [&str; 10] = [
    "row",
    "key",
    "old_class",
    "new_class",
    "old_score",
    "new_score",
    "old_rule",
    "new_rule",
    "old_route",
    "new_route",
];

/// Writes moved leads.
pub struct MovedWriter<W: Write> {
    out: W,
    csv: bool,
}

impl<W: Write> MovedWriter<W> {
    /// A writer of CSV (with its header) or NDJSON to `out`.
    pub fn new(mut out: W, csv: bool) -> io::Result<Self> {
        if csv {
            writeln!(out, "{}", MOVED_COLUMNS.join(","))?;
        }
        Ok(MovedWriter { out, csv })
    }

    /// Writes one lead: its row, its key (NEW's, or the row when NEW has
    /// none), and both verdicts.
    pub fn write(
        &mut self,
        row: usize,
        key: &Value,
        old: &Described,
        new: &Described,
    ) -> io::Result<()> {
        if !self.csv {
            let line = json!({
                "row": row, "key": key,
                "old_class": old.class, "new_class": new.class,
                "old_score": old.score, "new_score": new.score,
                "old_rule": old.rule, "new_rule": new.rule,
                "old_route": old.route, "new_route": new.route,
            });
            serde_json::to_writer(&mut self.out, &line)?;
            return self.out.write_all(b"\n");
        }
        let text = |v: Option<&str>| v.unwrap_or("").to_string();
        let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        let cells = vec![
            row.to_string(),
            key_text(Some(key)),
            old.class.clone(),
            new.class.clone(),
            number(old.score),
            number(new.score),
            text(old.rule.as_deref()),
            text(new.rule.as_deref()),
            text(old.route.as_deref()),
            text(new.route.as_deref()),
        ];
        write_csv_row(&mut self.out, &neutralize_all(cells))
    }

    /// Flushes and returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
