//! Tables for people: aligned columns on a terminal (`lq eval --format
//! table`, the reports of `lq diff` and `lq sweep`), or markdown for a
//! pull-request comment. Every cell is made printable first (and `|`
//! escaped in markdown), so a key holding a line break or an escape
//! sequence shows as `\u{a}` or `\u{1b}` instead of forging a row or
//! driving the terminal.

/// A table: a header and rows of cells.
#[derive(Clone, Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Columns aligned to the left (the first always is; the others are
    /// numbers, to the right, unless named here).
    left: Vec<usize>,
    /// Every column aligned to the left.
    all_left: bool,
    /// A line of dashes under the header (on a terminal; markdown always
    /// has its own).
    ruled: bool,
}

impl Table {
    /// A table with these column names.
    pub fn new(header: Vec<String>) -> Table {
        Table {
            header,
            rows: Vec::new(),
            left: vec![0],
            all_left: false,
            ruled: false,
        }
    }

    /// Aligns every column to the left, with a line of dashes under the
    /// header: a listing of records rather than of figures.
    pub fn listing(mut self) -> Table {
        self.all_left = true;
        self.ruled = true;
        self
    }

    /// Aligns these columns to the left too (bars, notes).
    pub fn left(mut self, columns: &[usize]) -> Table {
        self.left.extend_from_slice(columns);
        self
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text: aligned (the first column to the left, the
    /// others to the right), or as markdown.
    pub fn render(&self, markdown: bool) -> String {
        let clean = |cells: &[String]| -> Vec<String> {
            cells
                .iter()
                .map(|c| {
                    let c = crate::printable::escape(c).into_owned();
                    if markdown {
                        c.replace('|', "\\|")
                    } else {
                        c
                    }
                })
                .collect()
        };
        let header = clean(&self.header);
        let rows: Vec<Vec<String>> = self.rows.iter().map(|r| clean(r)).collect();
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
                .enumerate()
                .map(|(i, (c, w))| {
                    if self.is_left(i) {
                        format!("{c:<w$}")
                    } else {
                        format!("{c:>w$}")
                    }
                })
                .collect();
            if markdown {
                format!("| {} |", padded.join(" | "))
            } else {
                padded.join("  ").trim_end().to_string()
            }
        };
        let mut out = line(&header);
        out.push('\n');
        if self.ruled && !markdown {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&line(&rule));
            out.push('\n');
        }
        if markdown {
            let rule: Vec<String> = widths
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let dashes = "-".repeat((*w).max(3) - 1);
                    if self.is_left(i) {
                        format!("{dashes}-")
                    } else {
                        format!("{dashes}:")
                    }
                })
                .collect();
            out.push_str(&format!(
                "|{}|\n",
                rule.iter()
                    .map(|r| format!(" {r} "))
                    .collect::<Vec<_>>()
                    .join("|")
            ));
        }
        for row in &rows {
            out.push_str(&line(row));
            out.push('\n');
        }
        out
    }

    fn is_left(&self, column: usize) -> bool {
        self.all_left || self.left.contains(&column)
    }
}
