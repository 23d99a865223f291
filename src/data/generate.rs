//! Synthetic leads for a policy's schema, deterministic for a seed: for
//! benchmarks, load tests and trying a policy before real data exists.

use std::io::{self, Write};

use crate::check::tir::{CheckedPolicy, Field};
use crate::check::types::Type;

/// A small, fast, deterministic random source (SplitMix64).
pub struct Rng(u64);

impl Rng {
    /// A source for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

const COUNTRIES: &[&str] = &[
    "US", "US", "US", "CA", "GB", "DE", "FR", "IN", "BR", "JP", "KP", "CU",
];
const DOMAINS: &[&str] = &[
    "acme.com",
    "globex.io",
    "initech.com",
    "hooli.com",
    "umbrella.co",
    "uni.edu",
    "gmail.com",
];

/// Writes `count` leads as CSV (with a header) or NDJSON.
pub fn generate(
    policy: &CheckedPolicy,
    count: usize,
    seed: u64,
    ndjson: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let fields = &policy.schema.fields;
    let mut rng = Rng::new(seed);
    let today = crate::date::parse_iso("2026-11-23").unwrap_or(0);
    if !ndjson {
        let header: Vec<String> = fields.iter().map(|f| csv_cell(&f.column)).collect();
        writeln!(out, "{}", header.join(","))?;
    }
    let mut cells: Vec<String> = Vec::with_capacity(fields.len());
    for row in 1..=count {
        cells.clear();
        for (slot, f) in fields.iter().enumerate() {
            let key = policy.schema.key == Some(slot);
            cells.push(value(policy, f, key, row, today, &mut rng));
        }
        if ndjson {
            let pairs: Vec<String> = fields
                .iter()
                .zip(&cells)
                .filter(|(_, c)| !c.is_empty())
                .map(|(f, c)| format!("{}:{}", json_text(&f.column), json_value(f, c)))
                .collect();
            writeln!(out, "{{{}}}", pairs.join(","))?;
        } else {
            let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            writeln!(out, "{}", line.join(","))?;
        }
    }
    out.flush()
}

/// A cell for field `f` that the policy reads without error: drawn, then
/// checked with the conversion `lq eval` applies (a missing marker such as
/// `"0"` on a required field, a list left empty), and drawn again if it
/// would be refused.
fn value(
    policy: &CheckedPolicy,
    f: &Field,
    key: bool,
    row: usize,
    today: i32,
    rng: &mut Rng,
) -> String {
    let accepted = |cell: &str| match super::convert::convert_text(policy, f, cell) {
        Ok(crate::eval::Datum::Missing) => f.optional && !key,
        Ok(_) => true,
        Err(_) => false,
    };
    let mut cell = String::new();
    for _ in 0..32 {
        cell = draw(policy, f, key, row, today, rng);
        if accepted(&cell) {
            return cell;
        }
    }
    // Every draw refused (markers that cover the usual values): a value
    // unlike any marker, if the type takes one.
    match f.ty {
        Type::Int | Type::Money | Type::Number => (row + 1_000_003).to_string(),
        Type::Text | Type::List => format!("generated-{row}"),
        _ => cell,
    }
}

fn draw(
    policy: &CheckedPolicy,
    f: &Field,
    key: bool,
    row: usize,
    today: i32,
    rng: &mut Rng,
) -> String {
    if f.optional && !key && rng.below(10) == 0 {
        return String::new();
    }
    let name = f.name.to_ascii_lowercase();
    match &f.ty {
        Type::Int if key => row.to_string(),
        Type::Int if name.contains("employ") => (1 + rng.below(8) * rng.below(2500)).to_string(),
        Type::Int => rng
            .below(if name.contains("visit") { 20 } else { 100 })
            .to_string(),
        Type::Money => {
            let amount = rng.below(60) * 1_000 + rng.below(1_000);
            if rng.below(10) == 0 {
                format!("${},{:03}", amount / 1000, amount % 1000)
            } else {
                amount.to_string()
            }
        }
        Type::Number => format!("{}.{}", rng.below(100), rng.below(100)),
        Type::Bool => ["true", "false", "yes", "no"][rng.below(4) as usize].to_string(),
        Type::Date => crate::date::format(today - rng.below(365) as i32),
        Type::Enum(id, _) => {
            let variants = &policy.enums[*id].variants;
            variants[rng.below(variants.len() as u64) as usize]
                .name
                .clone()
        }
        // An empty list reads as missing: only for an optional field.
        Type::List => {
            let choices = if f.optional { 4 } else { 3 };
            ["webinar", "pricing;demo", "event", ""][rng.below(choices) as usize].to_string()
        }
        _ if key => format!("L-{row}"),
        _ if name.contains("email") => format!(
            "user{row}@{}",
            DOMAINS[rng.below(DOMAINS.len() as u64) as usize]
        ),
        _ if name.contains("country") => {
            COUNTRIES[rng.below(COUNTRIES.len() as u64) as usize].to_string()
        }
        _ => format!("text{}", rng.below(100)),
    }
}

fn csv_cell(cell: &str) -> String {
    if cell.contains([',', '"', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_string()
    }
}

fn json_text(t: &str) -> String {
    serde_json::Value::String(t.to_string()).to_string()
}

fn json_value(f: &Field, cell: &str) -> String {
    match f.ty {
        Type::Int | Type::Number if !cell.contains(['$', ',']) => cell.to_string(),
        _ => json_text(cell),
    }
}
