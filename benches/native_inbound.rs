//! The speed limit: `examples/inbound-saas.lq` written by hand in Rust,
//! reading and writing CSV like `lq eval` (same output, byte for byte), for
//! `benches/run.sh` to compare against.
//!
//! Usage: native_inbound AS_OF INPUT.csv [id,tier,score] > OUTPUT.csv
//!
//! With `id,tier,score`, only those columns are written, as `lq eval
//! --columns id,tier,score` writes them.

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
        let id = int(&record[0]).expect("id");
        let email = &record[1];
        let role = roles.iter().position(|r| *r == &record[2]).expect("role");
        let employees = int(&record[3]).expect("employees");
        let budget = money(&record[4]);
        let country = &record[5];
        let demo = boolean(&record[7]).expect("demo_requested");
        let visits = int(&record[8]).expect("visits");
        let last = date(&record[9]).expect("last_activity");
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
        let mut line = itoa::Buffer::new();
        if narrow {
            out.write_all(line.format(id).as_bytes()).expect("write");
            let tier: &[u8] = if student || embargo {
                b",,"
            } else if (budget.is_some_and(|b| b >= 10_000.0) && (role == 3 || role == 4))
                || score >= 40
            {
                b",A,"
            } else if budget.is_some_and(|b| b >= 5_000.0) || (demo && visits >= 3) {
                b",B,"
            } else {
                b",C,"
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
        let (tier, route, rule) =
            if budget.is_some_and(|b| b >= 10_000.0) && (role == 3 || role == 4) {
                ("A", "enterprise-ae", "enterprise")
            } else if score >= 40 {
                ("A", "", "hot")
            } else if budget.is_some_and(|b| b >= 5_000.0) || (demo && visits >= 3) {
                ("B", "", "line 42")
            } else {
                ("C", "", "otherwise")
            };
        writeln!(
            out,
            ",qualified,{tier},{score},{fit},{engagement},{route},{rule},"
        )
        .expect("write");
    }
    out.flush().expect("flush");
}
