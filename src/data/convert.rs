//! Converting data cells (CSV text or JSON values) to schema types, with the
//! lenient spellings real CRM exports use.

use std::fmt;

use crate::check::tir::{CheckedPolicy, Field};
use crate::check::types::Type;
use crate::syntax::ast::Number;
use crate::value::Datum;

/// Why a cell could not be converted.
#[derive(Clone, Debug, PartialEq)]
pub enum CellProblem {
    /// Not a number.
    NotNumber(String),
    /// A number with a fraction in an `int` field.
    NotWhole(String),
    /// Not a yes/no value.
    NotBool(String),
    /// Not a date.
    NotDate(String),
    /// Not one of the enum's variants or spellings.
    NotVariant {
        /// The cell.
        value: String,
        /// The enum.
        enum_name: String,
        /// Its variants.
        variants: Vec<String>,
        /// The option that would have read it (`trim`, `ignore case`), and
        /// the variant it would be.
        hint: Option<(&'static str, String)>,
    },
    /// A required field with no value.
    Required,
    /// A JSON value of a kind the field cannot hold.
    WrongJson {
        /// The JSON kind found.
        found: &'static str,
        /// The field's type.
        expected: String,
    },
}

impl CellProblem {
    /// The cell's text, when the problem is with a value.
    pub fn value(&self) -> Option<&str> {
        match self {
            CellProblem::NotNumber(v)
            | CellProblem::NotWhole(v)
            | CellProblem::NotBool(v)
            | CellProblem::NotDate(v) => Some(v),
            CellProblem::NotVariant { value, .. } => Some(value),
            CellProblem::Required | CellProblem::WrongJson { .. } => None,
        }
    }
}

impl fmt::Display for CellProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CellProblem::NotNumber(v) => write!(f, "{v:?} is not a number"),
            CellProblem::NotWhole(v) => write!(f, "{v:?} is not a whole number"),
            CellProblem::NotBool(v) => write!(
                f,
                "{v:?} is not a yes/no value (true/false, yes/no, y/n, 1/0)"
            ),
            CellProblem::NotDate(v) => match crate::date::no_such_date(v) {
                Some(why) => write!(f, "{v:?} is no such date: {why}"),
                None => write!(f, "{v:?} is not a date (YYYY-MM-DD)"),
            },
            CellProblem::NotVariant {
                value,
                enum_name,
                variants,
                hint,
            } => {
                write!(
                    f,
                    "{value:?} is not {} ({})",
                    crate::diagnostic::with_article(enum_name),
                    crate::diagnostic::list_cut(variants, 12)
                )?;
                match hint {
                    Some((option, variant)) => write!(
                        f,
                        "; it would read as {variant} with `{option}` (on the field or on enum {enum_name})"
                    ),
                    None => Ok(()),
                }
            }
            CellProblem::Required => write!(f, "missing value, but the field is required"),
            CellProblem::WrongJson { found, expected } => {
                write!(f, "a JSON {found} cannot be read as `{expected}`")
            }
        }
    }
}

/// Whether `cell` means "missing" for `field`: empty, or a declared marker.
#[inline]
pub fn is_missing_marker(policy: &CheckedPolicy, field: &Field, cell: &str) -> bool {
    let Some(&first) = cell.as_bytes().first() else {
        return true;
    };
    if !policy.schema.missing.is_empty() && policy.schema.missing.iter().any(|m| m == cell) {
        return true;
    }
    if !field.missing.is_empty() && field.missing.iter().any(|m| m == cell) {
        return true;
    }
    // A blank number, boolean or date cell is empty; text is taken exactly.
    first.is_ascii_whitespace()
        && !matches!(field.ty, Type::Text | Type::Enum(..) | Type::List)
        && cell.trim().is_empty()
}

/// The most characters of a value that a message quotes.
pub const EXCERPT_CHARS: usize = 60;

/// A value as messages quote it: at most [`EXCERPT_CHARS`] characters, a
/// longer one cut with `…` and its size, so a huge cell never makes a
/// huge message.
pub fn excerpt(value: &str) -> String {
    match value.char_indices().nth(EXCERPT_CHARS) {
        None => value.to_string(),
        Some((cut, _)) => format!("{}… ({} bytes in all)", &value[..cut], value.len()),
    }
}

/// Converts one text cell to a field's type.
#[inline]
pub fn convert_text(
    policy: &CheckedPolicy,
    field: &Field,
    cell: &str,
) -> Result<Datum, CellProblem> {
    let cell = if field.trim { cell.trim() } else { cell };
    if is_missing_marker(policy, field, cell) {
        return if field.optional {
            Ok(Datum::Missing)
        } else {
            Err(CellProblem::Required)
        };
    }
    match &field.ty {
        Type::Int => match parse_data_number(cell) {
            Some(Number::Int(i)) => Ok(Datum::Int(i)),
            Some(Number::Real(_)) => Err(CellProblem::NotWhole(excerpt(cell))),
            None => Err(CellProblem::NotNumber(excerpt(cell))),
        },
        Type::Number | Type::Money => match parse_data_number(cell) {
            Some(Number::Int(i)) => Ok(Datum::Num(i as f64)),
            Some(Number::Real(r)) => Ok(Datum::Num(r)),
            None => Err(CellProblem::NotNumber(excerpt(cell))),
        },
        Type::Bool => parse_bool(cell)
            .map(Datum::Bool)
            .ok_or_else(|| CellProblem::NotBool(excerpt(cell))),
        Type::Date => crate::date::parse_iso(cell)
            .map(Datum::Date)
            .ok_or_else(|| CellProblem::NotDate(excerpt(cell))),
        Type::Enum(id, name) => {
            let def = &policy.enums[*id];
            let found = if field.ignore_case {
                def.variants.iter().position(|v| {
                    same_ignoring_case(&v.name, cell)
                        || v.spellings.iter().any(|s| same_ignoring_case(s, cell))
                })
            } else {
                def.spelled.get(cell).map(|v| v as usize)
            };
            found
                .map(|v| Datum::Enum(v as u32))
                .ok_or_else(|| CellProblem::NotVariant {
                    value: excerpt(cell),
                    enum_name: name.clone(),
                    variants: def.variants.iter().map(|v| v.name.clone()).collect(),
                    hint: variant_hint(def, field, cell),
                })
        }
        Type::List => Ok(Datum::List(
            cell.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        )),
        _ => Ok(Datum::Text(cell.to_string())),
    }
}

/// The option that would have read a cell no variant matched: `trim`
/// (`"Student "`), `ignore case` (`"unemployed"`), or both.
fn variant_hint(
    def: &crate::check::tir::EnumDef,
    field: &Field,
    cell: &str,
) -> Option<(&'static str, String)> {
    let find = |cell: &str, any_case: bool| {
        def.variants.iter().find(|v| {
            std::iter::once(&v.name).chain(&v.spellings).any(|s| {
                if any_case {
                    same_ignoring_case(s, cell)
                } else {
                    s == cell
                }
            })
        })
    };
    let trimmed = cell.trim();
    let option = if trimmed != cell && !field.trim && find(trimmed, field.ignore_case).is_some() {
        "trim"
    } else if !field.ignore_case && find(cell, true).is_some() {
        "ignore case"
    } else if trimmed != cell && !field.trim && !field.ignore_case && find(trimmed, true).is_some()
    {
        "trim ignore case"
    } else {
        return None;
    };
    let variant = find(trimmed, true)?;
    Some((option, variant.name.clone()))
}

/// The common cells read without the general path: when the schema
/// declares no missing markers (`plain`), a cell with no surrounding
/// space that is plain digits for a number, a usual spelling for a
/// boolean, an ISO date, an enum spelling, or text. True when `slot` now
/// holds the value, exactly as [`convert_text`] reads it; false leaves
/// the cell to [`convert_text_into`] (blanks, markers, `$1,234`, errors).
/// `window` is the bytes from the cell on in its record, for reading an
/// enum spelling with [`TextMap::get_in`](crate::text_key::TextMap::get_in)
/// (the cell itself, when there is no record).
#[inline(always)]
pub fn quick_convert(
    policy: &CheckedPolicy,
    field: &Field,
    plain: bool,
    cell: &str,
    window: &[u8],
    slot: &mut Datum,
) -> bool {
    let bytes = cell.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !plain
        || !field.missing.is_empty()
        || first.is_ascii_whitespace()
        || last.is_ascii_whitespace()
    {
        return false;
    }
    let digits = || -> Option<i64> {
        if bytes.len() > 15 {
            return None;
        }
        bytes.iter().try_fold(0i64, |n, b| {
            b.is_ascii_digit().then(|| n * 10 + i64::from(b - b'0'))
        })
    };
    // A slot keeps last record's value of the same type: overwrite it in
    // place rather than drop and rebuild it.
    match (&field.ty, slot) {
        (Type::Text, Datum::Text(buffer)) => {
            buffer.clear();
            buffer.push_str(cell);
        }
        (Type::Text, slot) => *slot = Datum::Text(cell.to_string()),
        (Type::Int, slot) => match (digits(), slot) {
            (Some(n), Datum::Int(x)) => *x = n,
            (Some(n), slot) => *slot = Datum::Int(n),
            (None, _) => return false,
        },
        (Type::Number | Type::Money, slot) => match (digits(), slot) {
            (Some(n), Datum::Num(x)) => *x = n as f64,
            (Some(n), slot) => *slot = Datum::Num(n as f64),
            (None, _) => return false,
        },
        (Type::Bool, slot) => {
            let b = match bytes {
                b"true" | b"yes" | b"y" | b"1" => true,
                b"false" | b"no" | b"n" | b"0" => false,
                _ => match parse_bool(cell) {
                    Some(b) => b,
                    None => return false,
                },
            };
            match slot {
                Datum::Bool(x) => *x = b,
                slot => *slot = Datum::Bool(b),
            }
        }
        (Type::Date, slot) if bytes.len() == 10 => match (crate::date::parse_iso(cell), slot) {
            (Some(d), Datum::Date(x)) => *x = d,
            (Some(d), slot) => *slot = Datum::Date(d),
            (None, _) => return false,
        },
        (Type::Enum(id, _), slot) if !field.ignore_case => {
            match (
                policy
                    .enums
                    .get(*id)
                    .and_then(|e| e.spelled.get_in(cell, window)),
                slot,
            ) {
                (Some(v), Datum::Enum(x)) => *x = v,
                (Some(v), slot) => *slot = Datum::Enum(v),
                (None, _) => return false,
            }
        }
        _ => return false,
    }
    true
}

/// [`convert_text`] into an existing slot, reusing a text buffer there.
#[inline]
pub fn convert_text_into(
    policy: &CheckedPolicy,
    field: &Field,
    cell: &str,
    slot: &mut Datum,
) -> Result<(), CellProblem> {
    if field.ty == Type::Text {
        let cell = if field.trim { cell.trim() } else { cell };
        if !is_missing_marker(policy, field, cell) {
            if let Datum::Text(buffer) = slot {
                buffer.clear();
                buffer.push_str(cell);
                return Ok(());
            }
        }
    }
    *slot = convert_text(policy, field, cell)?;
    Ok(())
}

/// Converts one JSON value to a field's type. Strings are read like CSV
/// cells; `null` and absent keys are missing.
pub fn convert_json(
    policy: &CheckedPolicy,
    field: &Field,
    value: Option<&serde_json::Value>,
) -> Result<Datum, CellProblem> {
    use serde_json::Value as J;
    let wrong = |found| {
        Err(CellProblem::WrongJson {
            found,
            expected: field.ty.to_string(),
        })
    };
    match value {
        None | Some(J::Null) => {
            if field.optional {
                Ok(Datum::Missing)
            } else {
                Err(CellProblem::Required)
            }
        }
        Some(J::String(s)) => convert_text(policy, field, s),
        Some(J::Number(n)) => match &field.ty {
            Type::Int => match n.as_i64() {
                Some(i) => Ok(Datum::Int(i)),
                None => match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(Datum::Int(f as i64)),
                    _ => Err(CellProblem::NotWhole(n.to_string())),
                },
            },
            Type::Number | Type::Money => n
                .as_f64()
                .map(Datum::Num)
                .ok_or(CellProblem::NotNumber(n.to_string())),
            Type::Bool => convert_text(policy, field, &n.to_string()),
            Type::Text => Ok(Datum::Text(n.to_string())),
            _ => wrong("number"),
        },
        Some(J::Bool(b)) => match &field.ty {
            Type::Bool => Ok(Datum::Bool(*b)),
            _ => wrong("boolean"),
        },
        Some(J::Array(items)) => match &field.ty {
            Type::List => items
                .iter()
                .map(|i| match i {
                    J::String(s) => Some(s.clone()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
                .map(Datum::List)
                .ok_or(CellProblem::WrongJson {
                    found: "array of non-text",
                    expected: field.ty.to_string(),
                }),
            _ => wrong("array"),
        },
        Some(J::Object(_)) => wrong("object"),
    }
}

/// `cell` without surrounding white space, cheaply when there is none.
fn trim_ascii(cell: &str) -> &str {
    let b = cell.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) if !f.is_ascii_whitespace() && !l.is_ascii_whitespace() => cell,
        _ => cell.trim(),
    }
}

/// `42`, `-7`, `3.25` (a whole value is an int); `None` for anything else.
#[inline]
fn plain_number(t: &str) -> Option<Number> {
    let bytes = t.as_bytes();
    let (negative, digits) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 15 {
        return None;
    }
    let mut value: i64 = 0;
    for (i, b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' => value = value * 10 + i64::from(b - b'0'),
            b'.' if i > 0
                && i + 1 < digits.len()
                && digits[i + 1..].iter().all(u8::is_ascii_digit) =>
            {
                let real: f64 = t.parse().ok()?;
                return Some(if real.fract() == 0.0 {
                    Number::Int(real as i64)
                } else {
                    Number::Real(real)
                });
            }
            _ => return None,
        }
    }
    Some(Number::Int(if negative { -value } else { value }))
}

/// Whether two texts are equal in any case (without allocating).
fn same_ignoring_case(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// Reads `true/false`, `yes/no`, `y/n`, `1/0` in any case.
#[inline]
pub fn parse_bool(cell: &str) -> Option<bool> {
    let t = cell.trim();
    let is = |word: &str| t.eq_ignore_ascii_case(word);
    if is("true") || is("yes") || is("y") || t == "1" {
        Some(true)
    } else if is("false") || is("no") || is("n") || t == "0" {
        Some(false)
    } else {
        None
    }
}

/// Reads `10000`, `10,000`, `$10,000`, `10k`, `1.5M`, `-3.5`.
#[inline]
pub fn parse_data_number(cell: &str) -> Option<Number> {
    let t = trim_ascii(cell);
    // The common case, without allocating: plain digits, maybe a sign and
    // a decimal point.
    if let Some(n) = plain_number(t) {
        return Some(n);
    }
    let (minus, rest) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (negative, rest) = match rest.strip_prefix('$') {
        Some(r) if !minus => r.strip_prefix('-').map_or((false, r), |r| (true, r)),
        Some(r) => (true, r),
        None => (minus, rest),
    };
    if rest.is_empty() || !rest.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let body = rest.replace(',', "");
    let body = if body.starts_with('.') {
        format!("0{body}")
    } else {
        body
    };
    let valid = body.chars().enumerate().all(|(i, c)| {
        c.is_ascii_digit()
            || c == '.'
            || (i + 1 == body.len() && matches!(c, 'k' | 'K' | 'M' | 'B'))
    });
    if !valid || body.matches('.').count() > 1 || body.ends_with('.') {
        return None;
    }
    if negative && body.trim_start_matches('0') == "9223372036854775808" {
        return Some(Number::Int(i64::MIN));
    }
    let n = crate::syntax::parser::parse_number(&body)?;
    Some(match (negative, n) {
        (true, Number::Int(i)) => Number::Int(-i),
        (true, Number::Real(r)) => Number::Real(-r),
        (false, n) => n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick path reads every cell it takes exactly as the general
    /// path does, whatever the slot held before; it leaves the rest.
    #[test]
    fn quick_convert_agrees_with_convert_text() {
        let policy = crate::Policy::from_source(
            "q.lq",
            "enum Role { VP, Director (\"Dir.\"), Other }\n\
             schema { i: int  m: money?  x: number?  b: bool?  d: date?  r: Role?\n\
             t: text?  s: text? trim  k: Role? ignore case }\ntiers A\notherwise tier A\n",
        )
        .expect("the policy checks");
        let checked = policy.checked();
        let cells = [
            "",
            " ",
            "0",
            "007",
            "42",
            "-3",
            "1.5",
            "10k",
            "$1,234",
            "123456789012345",
            "1234567890123456",
            " 5",
            "5 ",
            "true",
            "TRUE",
            "Yes",
            "y",
            "N",
            "0",
            "1",
            "maybe",
            "2026-02-28",
            "2026-02-30",
            "2026-11-23T10:00:00Z",
            "VP",
            "vp",
            "Dir.",
            "Director",
            "CEO",
            "text with spaces",
            "é",
        ];
        let before = [
            Datum::Missing,
            Datum::Int(9),
            Datum::Text("old".into()),
            Datum::Bool(true),
        ];
        let mut taken = 0;
        for field in &checked.schema.fields {
            for cell in cells {
                let expected = convert_text(checked, field, cell);
                // The cell alone, and amid a record with 16 bytes or more
                // from it on (an enum spelling is then read at fixed widths).
                let record = format!("{cell},Director,Dir.,VP,more");
                let windows = [cell.as_bytes(), record.as_bytes()];
                for (old, window) in before.iter().flat_map(|o| windows.map(|w| (o, w))) {
                    let cell = &record[..cell.len()];
                    let mut slot = old.clone();
                    if quick_convert(checked, field, true, cell, window, &mut slot) {
                        taken += 1;
                        assert_eq!(
                            Ok(slot),
                            expected.clone(),
                            "{} reading {cell:?}",
                            field.name
                        );
                    }
                }
            }
        }
        assert!(taken > 100, "only {taken} cells took the quick path");
        // With markers declared, nothing takes the quick path.
        let mut slot = Datum::Missing;
        let field = &checked.schema.fields[0];
        assert!(!quick_convert(
            checked, field, false, "42", b"42", &mut slot
        ));
    }

    #[test]
    fn reads_crm_number_spellings() {
        assert_eq!(parse_data_number("10000"), Some(Number::Int(10_000)));
        assert_eq!(parse_data_number("10,000"), Some(Number::Int(10_000)));
        assert_eq!(parse_data_number("$10,000"), Some(Number::Int(10_000)));
        assert_eq!(parse_data_number(" 10k "), Some(Number::Int(10_000)));
        assert_eq!(parse_data_number("1.5M"), Some(Number::Int(1_500_000)));
        assert_eq!(parse_data_number("-3.5"), Some(Number::Real(-3.5)));
        assert_eq!(parse_data_number("$-5"), Some(Number::Int(-5)));
        assert_eq!(parse_data_number(".5"), Some(Number::Real(0.5)));
    }

    #[test]
    fn rejects_what_is_not_a_number() {
        for bad in [
            "ten grand",
            "",
            "NaN",
            "inf",
            "1e5",
            "1.2.3",
            "$",
            "10x",
            "5.",
            "--5",
        ] {
            assert_eq!(parse_data_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn reads_bool_spellings() {
        for (cell, want) in [
            ("Yes", true),
            ("NO", false),
            ("y", true),
            ("0", false),
            (" true ", true),
        ] {
            assert_eq!(parse_bool(cell), Some(want), "{cell}");
        }
        assert_eq!(parse_bool("maybe"), None);
    }
}
