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
    let text = text.trim();
    let date_part = match text.get(10..11) {
        None => text,
        Some("T" | "t" | " ") => &text[..10],
        Some(_) => return None,
    };
    let bytes = date_part.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = date_part[..4].parse().ok()?;
    let month = date_part[5..7].parse().ok()?;
    let day = date_part[8..10].parse().ok()?;
    from_ymd(year, month, day)
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
}
