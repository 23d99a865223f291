//! Calendar dates as whole days since 1970-01-01, the form the evaluator uses.

use chrono::{Datelike, NaiveDate};

fn epoch() -> NaiveDate {
    NaiveDate::default()
}

/// Days since 1970-01-01 of a calendar date, if the date exists.
pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<i32> {
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    i32::try_from(date.signed_duration_since(epoch()).num_days()).ok()
}

/// Parses an ISO date `2026-11-23`, or the date part of an ISO date-time
/// (`2026-11-23T10:00:00Z`, `2026-11-23 10:00`).
pub fn parse_iso(text: &str) -> Option<i32> {
    let b = text.as_bytes();
    let b = match (b.first(), b.last()) {
        (Some(f), Some(l)) if f.is_ascii_whitespace() || l.is_ascii_whitespace() => {
            text.trim().as_bytes()
        }
        _ => b,
    };
    if b.len() < 10
        || (b.len() > 10 && !matches!(b[10], b'T' | b't' | b' '))
        || b[4] != b'-'
        || b[7] != b'-'
    {
        return None;
    }
    let num = |s: &[u8]| {
        s.iter().try_fold(0i32, |acc, d| {
            d.is_ascii_digit().then(|| acc * 10 + i32::from(d - b'0'))
        })
    };
    let (year, month, day) = (num(&b[..4])?, num(&b[5..7])?, num(&b[8..10])?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days_in_month)
        .contains(&day)
        .then(|| days_from_civil(year, month, day))
}

/// Why a text shaped like an ISO date (`2026-11-31`, `2026-13-01`) is no
/// date: "November 2026 has 30 days", "there is no month 13". `None` for a
/// real date or a text of another shape.
pub fn no_such_date(text: &str) -> Option<String> {
    let b = text.trim().as_bytes();
    let shaped = b.len() >= 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b[..10]
            .iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped || parse_iso(text).is_some() {
        return None;
    }
    let num = |s: &[u8]| s.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
    let (year, month, day) = (num(&b[..4]), num(&b[5..7]), num(&b[8..10]));
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let Some(name) = month.checked_sub(1).and_then(|m| MONTHS.get(m as usize)) else {
        return Some(format!("there is no month {month}"));
    };
    let days = (28..=31)
        .rev()
        .find(|d| NaiveDate::from_ymd_opt(year as i32, month, *d).is_some())
        .unwrap_or(28);
    Some(if day == 0 {
        "days start at 1".to_string()
    } else {
        format!("{name} {year} has {days} days, so there is no day {day}")
    })
}

/// Days since 1970-01-01 of a valid calendar date (Howard Hinnant's algorithm).
fn days_from_civil(year: i32, month: i32, day: i32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats days since 1970-01-01 as `2026-11-23`.
pub fn format(days: i32) -> String {
    let date = epoch() + chrono::Duration::days(i64::from(days));
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// Today's date in the local time zone.
pub fn today() -> i32 {
    let today = chrono::Local::now().date_naive();
    i32::try_from(today.signed_duration_since(epoch()).num_days()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_dates() {
        let days = parse_iso("2026-11-23").expect("a valid date");
        assert_eq!(format(days), "2026-11-23");
        assert_eq!(parse_iso("1970-01-01"), Some(0));
        assert_eq!(parse_iso("2026-11-23T10:00:00Z"), Some(days));
        assert_eq!(parse_iso("2026-11-23 10:00"), Some(days));
    }

    #[test]
    fn rejects_impossible_dates() {
        assert_eq!(parse_iso("2026-02-30"), None);
        assert_eq!(parse_iso("2026-1-3"), None);
        assert_eq!(parse_iso("20261123"), None);
        assert_eq!(parse_iso("2026-11-23x"), None);
    }

    #[test]
    fn says_why_a_date_shaped_text_is_no_date() {
        assert_eq!(
            no_such_date("2026-11-31").as_deref(),
            Some("November 2026 has 30 days, so there is no day 31")
        );
        assert_eq!(
            no_such_date("2025-02-29").as_deref(),
            Some("February 2025 has 28 days, so there is no day 29")
        );
        assert_eq!(no_such_date("2024-02-29"), None);
        assert_eq!(
            no_such_date("2026-13-01").as_deref(),
            Some("there is no month 13")
        );
        assert_eq!(
            no_such_date("2026-00-01").as_deref(),
            Some("there is no month 0")
        );
        assert_eq!(
            no_such_date("2026-01-00").as_deref(),
            Some("days start at 1")
        );
        assert_eq!(no_such_date("23/11/2026"), None);
    }
}
