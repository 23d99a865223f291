//! Reading data cells into schema types: every conversion, every missing
//! marker, and the exact message of every cell that cannot be read.

use lq::data::convert::{convert_json, convert_text};
use lq::eval::Datum;
use lq::Policy;
use serde_json::json;

const POLICY: &str = r#"
enum Source { Google ("google", "Google Ads"), Direct ("Direct Traffic") }
schema {
  missing ["Select", "unknown"]
  n:      int
  x:      number?
  m:      money?
  t:      text?    missing ["N/A"]
  b:      bool?
  d:      date?
  s:      Source?
  tags:   list of text?
  need:   int
}
"#;

fn policy() -> Policy {
    Policy::from_source("conv.lq", POLICY).unwrap_or_else(|e| panic!("{e:?}"))
}

fn cell(field: &str, text: &str) -> Result<Datum, String> {
    let p = policy();
    let slot = p.checked().field(field).expect("a field");
    convert_text(p.checked(), &p.checked().schema.fields[slot], text).map_err(|e| e.to_string())
}

fn json_cell(field: &str, value: Option<serde_json::Value>) -> Result<Datum, String> {
    let p = policy();
    let slot = p.checked().field(field).expect("a field");
    convert_json(
        p.checked(),
        &p.checked().schema.fields[slot],
        value.as_ref(),
    )
    .map_err(|e| e.to_string())
}

#[test]
fn numbers() {
    for (text, want) in [
        ("10000", 10_000),
        ("10,000", 10_000),
        ("$10,000", 10_000),
        ("10k", 10_000),
        (" 42 ", 42),
        ("-3", -3),
        ("1.5M", 1_500_000),
        ("2.0", 2),
        // The smallest int, whose digits alone are too large.
        ("-9223372036854775808", i64::MIN),
        ("9223372036854775807", i64::MAX),
    ] {
        assert_eq!(cell("n", text), Ok(Datum::Int(want)), "{text}");
    }
    assert_eq!(cell("m", "$1.5M"), Ok(Datum::Num(1_500_000.0)));
    assert_eq!(cell("x", "3.25"), Ok(Datum::Num(3.25)));
    assert_eq!(
        cell("n", "3.5"),
        Err("\"3.5\" is not a whole number".into())
    );
    assert_eq!(cell("n", "ten"), Err("\"ten\" is not a number".into()));
    assert_eq!(
        cell("n", "9223372036854775808"),
        Err("\"9223372036854775808\" is not a number".into())
    );
    assert_eq!(cell("x", "NaN"), Err("\"NaN\" is not a number".into()));
}

#[test]
fn booleans() {
    for (text, want) in [
        ("true", true),
        ("FALSE", false),
        ("Yes", true),
        ("no", false),
        ("y", true),
        ("N", false),
        ("1", true),
        ("0", false),
        (" yes ", true),
    ] {
        assert_eq!(cell("b", text), Ok(Datum::Bool(want)), "{text}");
    }
    assert_eq!(
        cell("b", "maybe"),
        Err("\"maybe\" is not a yes/no value (true/false, yes/no, y/n, 1/0)".into())
    );
}

#[test]
fn dates() {
    let day = lq::date::parse_iso("2026-11-23").expect("a date");
    for text in [
        "2026-11-23",
        " 2026-11-23 ",
        "2026-11-23T10:15:00Z",
        "2026-11-23 10:15",
    ] {
        assert_eq!(cell("d", text), Ok(Datum::Date(day)), "{text}");
    }
    assert_eq!(
        cell("d", "23/11/2026"),
        Err("\"23/11/2026\" is not a date (YYYY-MM-DD)".into())
    );
    assert_eq!(
        cell("d", "2026-02-30"),
        Err(
            "\"2026-02-30\" is no such date: February 2026 has 28 days, so there is no day 30"
                .into()
        )
    );
}

#[test]
fn enums_take_names_and_spellings_exactly() {
    assert_eq!(cell("s", "Google"), Ok(Datum::Enum(0)));
    assert_eq!(cell("s", "google"), Ok(Datum::Enum(0)));
    assert_eq!(cell("s", "Google Ads"), Ok(Datum::Enum(0)));
    assert_eq!(cell("s", "Direct Traffic"), Ok(Datum::Enum(1)));
    assert_eq!(
        cell("s", "GOOGLE"),
        Err("\"GOOGLE\" is not a Source (Google, Direct); it would read as Google with `ignore case` (on the field or on enum Source)".into())
    );
    assert_eq!(
        cell("s", " Google"),
        Err("\" Google\" is not a Source (Google, Direct); it would read as Google with `trim` (on the field or on enum Source)".into())
    );
}

#[test]
fn text_is_taken_exactly_and_lists_split_on_semicolons() {
    assert_eq!(cell("t", "  padded "), Ok(Datum::Text("  padded ".into())));
    assert_eq!(
        cell("tags", "webinar; pricing;;"),
        Ok(Datum::List(vec!["webinar".into(), "pricing".into()]))
    );
}

#[test]
fn missing_markers() {
    assert_eq!(cell("x", ""), Ok(Datum::Missing));
    assert_eq!(
        cell("x", "   "),
        Ok(Datum::Missing),
        "a blank number cell is empty"
    );
    assert_eq!(
        cell("t", "Select"),
        Ok(Datum::Missing),
        "a schema-wide marker"
    );
    assert_eq!(cell("s", "unknown"), Ok(Datum::Missing));
    assert_eq!(cell("t", "N/A"), Ok(Datum::Missing), "a field's own marker");
    assert_eq!(
        cell("x", "N/A"),
        Err("\"N/A\" is not a number".into()),
        "markers are per field"
    );
    assert_eq!(
        cell("n", ""),
        Err("missing value, but the field is required".into())
    );
    assert_eq!(
        cell("need", "Select"),
        Err("missing value, but the field is required".into())
    );
}

#[test]
fn json_values() {
    assert_eq!(json_cell("n", Some(json!(42))), Ok(Datum::Int(42)));
    assert_eq!(json_cell("n", Some(json!(42.0))), Ok(Datum::Int(42)));
    assert_eq!(
        json_cell("n", Some(json!("10,000"))),
        Ok(Datum::Int(10_000))
    );
    assert_eq!(
        json_cell("n", Some(json!(4.5))),
        Err("\"4.5\" is not a whole number".into())
    );
    assert_eq!(
        json_cell("n", None),
        Err("missing value, but the field is required".into())
    );
    assert_eq!(json_cell("x", Some(json!(null))), Ok(Datum::Missing));
    assert_eq!(json_cell("b", Some(json!(true))), Ok(Datum::Bool(true)));
    assert_eq!(json_cell("b", Some(json!("Yes"))), Ok(Datum::Bool(true)));
    assert_eq!(
        json_cell("t", Some(json!(12345))),
        Ok(Datum::Text("12345".into()))
    );
    assert_eq!(
        json_cell("tags", Some(json!(["a", "b"]))),
        Ok(Datum::List(vec!["a".into(), "b".into()]))
    );
    assert_eq!(
        json_cell("tags", Some(json!([1]))),
        Err("a JSON array of non-text cannot be read as `list of text`".into())
    );
    assert_eq!(
        json_cell("d", Some(json!({"y": 1}))),
        Err("a JSON object cannot be read as `date`".into())
    );
    assert_eq!(
        json_cell("s", Some(json!(true))),
        Err("a JSON boolean cannot be read as `Source`".into())
    );
}

const TOLERANT: &str = r#"
enum Source trim ignore case { Google ("google ads"), Direct ("Direct Traffic") }
enum Stage { Lead, Customer }
schema {
  source: Source?
  stage:  Stage   trim
  loud:   Stage   ignore case
  name:   text    trim
  exact:  text
}
"#;

fn tolerant(field: &str, text: &str) -> Result<Datum, String> {
    let p = Policy::from_source("tolerant.lq", TOLERANT).unwrap_or_else(|e| panic!("{e:?}"));
    let slot = p.checked().field(field).expect("a field");
    convert_text(p.checked(), &p.checked().schema.fields[slot], text).map_err(|e| e.to_string())
}

#[test]
fn trim_and_ignore_case_are_declared_where_needed() {
    // On the enum: every field of that type.
    assert_eq!(tolerant("source", "  GOOGLE ADS "), Ok(Datum::Enum(0)));
    assert_eq!(tolerant("source", "direct traffic"), Ok(Datum::Enum(1)));
    assert_eq!(
        tolerant("source", "  "),
        Ok(Datum::Missing),
        "trimmed to empty: missing"
    );
    // On a field: that field only.
    assert_eq!(tolerant("stage", " Customer "), Ok(Datum::Enum(1)));
    assert_eq!(
        tolerant("stage", "customer"),
        Err("\"customer\" is not a Stage (Lead, Customer); it would read as Customer with `ignore case` (on the field or on enum Stage)".into())
    );
    assert_eq!(tolerant("loud", "CUSTOMER"), Ok(Datum::Enum(1)));
    assert_eq!(
        tolerant("loud", " Customer"),
        Err("\" Customer\" is not a Stage (Lead, Customer); it would read as Customer with `trim` (on the field or on enum Stage)".into())
    );
    assert_eq!(tolerant("name", "  Ana  "), Ok(Datum::Text("Ana".into())));
    assert_eq!(
        tolerant("exact", "  Ana  "),
        Ok(Datum::Text("  Ana  ".into()))
    );
}
