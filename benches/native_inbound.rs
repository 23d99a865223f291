//! The speed limit: `examples/inbound-saas.lq` written by hand in Rust,
//! reading and writing CSV like `lq eval` (same output, byte for byte), for
//! `benches/run.sh` to compare against.
//!
//! Usage: native_inbound AS_OF INPUT.csv [id,tier,score] > OUTPUT.csv
//!
//! With `id,tier,score`, only those columns are written, as `lq eval
//! --columns id,tier,score` writes them.
//!
//! The decision itself is [`decide`], one lead at a time; [`decide_batch`]
//! runs it over leads already parsed, for the in-memory benchmark
//! (`benches/eval.rs` includes this file).

use std::io::{BufWriter, Write};

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn date(b: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(b).ok()?.trim();
    let s = s.get(..10)?;
    Some(days_from_civil(
        s[..4].parse().ok()?,
        s[5..7].parse().ok()?,
        s[8..10].parse().ok()?,
    ))
}

fn int(b: &[u8]) -> Option<i64> {
    std::str::from_utf8(b).ok()?.trim().parse().ok()
}

fn money(b: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(b).ok()?.trim();
    if s.is_empty() {
        return None;
    }
    let cleaned: String = s.chars().filter(|c| *c != '$' && *c != ',').collect();
    cleaned.parse().ok()
}

fn boolean(b: &[u8]) -> Option<bool> {
    match std::str::from_utf8(b)
        .ok()?
        .trim()
        .to_ascii_lowercase()
        .as_str()
    {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// One lead, its fields parsed (what the decision reads).
pub struct Lead<'a> {
    pub id: i64,
    pub email: &'a [u8],
    /// The index of the role in the schema's order (CEO = 0 … Other = 8).
    pub role: usize,
    pub employees: i64,
    pub budget: Option<f64>,
    pub country: &'a [u8],
    pub demo: bool,
    pub visits: i64,
    /// Days since 1970-01-01.
    pub last: i64,
}

/// What the decision found for one lead.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Decided {
    pub student: bool,
    pub embargo: bool,
    pub fit: i64,
    pub engagement: i64,
    pub score: i64,
    /// The deciding rule: 0 enterprise, 1 hot, 2 line 42, 3 otherwise
    /// (meaningless when disqualified: student or embargo).
    pub rule: u8,
}

/// The policy's decision for one lead, by hand.
#[inline]
pub fn decide(lead: &Lead<'_>, as_of: i64) -> Decided {
    let Lead {
        email,
        role,
        employees,
        budget,
        country,
        demo,
        visits,
        last,
        ..
    } = *lead;
    let executive = role <= 3;
    let student = email.ends_with(b".edu") || role == 7;
    let embargo = [&b"KP"[..], b"IR", b"SY", b"CU"].contains(&country);
    let mut fit = 0;
    if executive {
        fit += 20;
    }
    if (50..=5000).contains(&employees) {
        fit += 10;
    }
    if ![&b"US"[..], b"CA", b"GB", b"DE"].contains(&country) {
        fit -= 15;
    }
    let mut engagement = 2 * visits;
    if demo {
        engagement += 5;
    }
    if last < as_of - 90 {
        engagement -= 10;
    }
    let engagement = engagement.min(30);
    let score = fit + engagement;
    let rule = if budget.is_some_and(|b| b >= 10_000.0) && (role == 3 || role == 4) {
        0
    } else if score >= 40 {
        1
    } else if budget.is_some_and(|b| b >= 5_000.0) || (demo && visits >= 3) {
        2
    } else {
        3
    };
    Decided {
        student,
        embargo,
        fit,
        engagement,
        score,
        rule,
    }
}

/// The batch entry point: every lead's decision, in order, into `out`
/// (for the in-memory benchmark, `benches/eval.rs`).
pub fn decide_batch(leads: &[Lead<'_>], as_of: i64, out: &mut Vec<Decided>) {
    out.clear();
    out.extend(leads.iter().map(|lead| decide(lead, as_of)));
}

fn main() {
    let mut args = std::env::args().skip(1);
    let as_of = args
        .next()
        .and_then(|a| date(a.as_bytes()))
        .expect("AS_OF as YYYY-MM-DD");
    let path = args.next().expect("an input CSV");
    let narrow = match args.next().as_deref() {
        None => false,
        Some("id,tier,score") => true,
        Some(other) => panic!("the only columns written by hand are id,tier,score, not {other}"),
    };
    let mut reader = csv::ReaderBuilder::new()
        .from_path(&path)
        .expect("readable input");
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let header: &[u8] = if narrow {
        b"id,tier,score\n"
    } else {
        b"row,id,status,tier,score,score_fit,score_engagement,route,rule,reasons\n"
    };
    out.write_all(header).expect("write");
    let mut record = csv::ByteRecord::new();
    let mut row = 0u64;
    let roles: [&[u8]; 9] = [
        b"CEO",
        b"CTO",
        b"CFO",
        b"VP",
        b"Director",
        b"Manager",
        b"Engineer",
        b"Student",
        b"Other",
    ];
    while reader.read_byte_record(&mut record).expect("a record") {
        row += 1;
        let lead = Lead {
            id: int(&record[0]).expect("id"),
            email: &record[1],
            role: roles.iter().position(|r| *r == &record[2]).expect("role"),
            employees: int(&record[3]).expect("employees"),
            budget: money(&record[4]),
            country: &record[5],
            demo: boolean(&record[7]).expect("demo_requested"),
            visits: int(&record[8]).expect("visits"),
            last: date(&record[9]).expect("last_activity"),
        };
        let Decided {
            student,
            embargo,
            fit,
            engagement,
            score,
            rule,
        } = decide(&lead, as_of);
        let id = lead.id;
        let mut line = itoa::Buffer::new();
        if narrow {
            out.write_all(line.format(id).as_bytes()).expect("write");
            let tier: &[u8] = match (student || embargo, rule) {
                (true, _) => b",,",
                (false, 0 | 1) => b",A,",
                (false, 2) => b",B,",
                (false, _) => b",C,",
            };
            out.write_all(tier).expect("write");
            out.write_all(line.format(score).as_bytes()).expect("write");
            out.write_all(b"\n").expect("write");
            continue;
        }
        out.write_all(line.format(row).as_bytes()).expect("write");
        out.write_all(b",").expect("write");
        out.write_all(line.format(id).as_bytes()).expect("write");
        if student || embargo {
            out.write_all(b",disqualified,,").expect("write");
            write!(out, "{score},{fit},{engagement},,,").expect("write");
            match (student, embargo) {
                (true, true) => out.write_all(b"student; export restrictions\n"),
                (true, false) => out.write_all(b"student\n"),
                _ => out.write_all(b"export restrictions\n"),
            }
            .expect("write");
            continue;
        }
        let (tier, route, rule) = match rule {
            0 => ("A", "enterprise-ae", "enterprise"),
            1 => ("A", "", "hot"),
            2 => ("B", "", "line 42"),
            _ => ("C", "", "otherwise"),
        };
        writeln!(
            out,
            ",qualified,{tier},{score},{fit},{engagement},{route},{rule},"
        )
        .expect("write");
    }
    out.flush().expect("flush");
}
