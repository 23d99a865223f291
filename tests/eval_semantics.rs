//! The fixed evaluation semantics: three-valued logic, missing values,
//! arithmetic, text and date operators, scores, tiers and outcome details.

use lq::eval::{Datum, Status};
use lq::Policy;

const AS_OF: &str = "2026-11-23";

const SCHEMA: &str = r#"
enum Role { VP, Director, Other }
schema {
  id: int key
  a: bool?
  b: bool?
  n: int?
  m: int?
  x: number?
  budget: money?
  t: text?
  role: Role?
  d: date?
  tags: list of text?
}
"#;

fn as_of() -> i32 {
    lq::date::parse_iso(AS_OF).expect("a date")
}

fn policy(extra: &str) -> Policy {
    match Policy::from_source("test.lq", &format!("{SCHEMA}\n{extra}")) {
        Ok(p) => p,
        Err(errors) => panic!("policy does not check: {errors:?}"),
    }
}

/// A record of the test schema with the given fields set.
fn record(p: &Policy, fields: &[(&str, Datum)]) -> Vec<Datum> {
    let mut r = vec![Datum::Missing; p.checked().schema.fields.len()];
    r[0] = Datum::Int(1);
    for (name, value) in fields {
        let slot = p
            .checked()
            .field(name)
            .unwrap_or_else(|| panic!("no field {name}"));
        r[slot] = value.clone();
    }
    r
}

/// The value of `expr` for a record with `fields`.
fn value(expr: &str, fields: &[(&str, Datum)]) -> Datum {
    let p = policy("");
    let e = p
        .expression(expr)
        .unwrap_or_else(|e| panic!("{expr}: {e:?}"));
    p.eval_expression(&e, &record(&p, fields), as_of())
}

const T: Datum = Datum::Bool(true);
const F: Datum = Datum::Bool(false);
const U: Datum = Datum::Missing;

fn truth_name(d: &Datum) -> &'static str {
    match d {
        Datum::Bool(true) => "true",
        Datum::Bool(false) => "false",
        Datum::Missing => "unknown",
        _ => "not a truth value",
    }
}

#[test]
fn and_or_not_follow_kleene() {
    let cases = [
        // a, b, a and b, a or b
        (T, T, T, T),
        (T, F, F, T),
        (T, U, U, T),
        (F, T, F, T),
        (F, F, F, F),
        (F, U, F, U),
        (U, T, U, T),
        (U, F, F, U),
        (U, U, U, U),
    ];
    for (a, b, and, or) in cases {
        let fields = [("a", a.clone()), ("b", b.clone())];
        let (an, bn) = (truth_name(&a), truth_name(&b));
        assert_eq!(
            truth_name(&value("a and b", &fields)),
            truth_name(&and),
            "{an} and {bn}"
        );
        assert_eq!(
            truth_name(&value("a or b", &fields)),
            truth_name(&or),
            "{an} or {bn}"
        );
    }
    assert_eq!(value("not a", &[("a", T)]), F);
    assert_eq!(value("not a", &[("a", F)]), T);
    assert_eq!(value("not a", &[("a", U)]), U);
}

#[test]
fn comparisons_with_a_missing_operand_are_unknown() {
    for expr in [
        "n > 3",
        "n = 3",
        "n != 3",
        "t = \"x\"",
        "role = VP",
        "role != VP",
        "d before 2026-01-01",
        "n between 1 and 5",
        "n in [1, 2]",
        "n not in [1, 2]",
        "t contains \"a\"",
        "t starts with \"a\"",
        "t ends with \"a\"",
        "t matches \"a+\"",
        "d within 30 days",
        "tags contains \"webinar\"",
        "\"webinar\" in tags",
    ] {
        assert_eq!(value(expr, &[]), U, "{expr}");
    }
}

#[test]
fn is_missing_and_is_present_are_never_unknown() {
    assert_eq!(value("n is missing", &[]), T);
    assert_eq!(value("n is present", &[]), F);
    assert_eq!(value("n is not missing", &[]), F);
    assert_eq!(value("n is missing", &[("n", Datum::Int(0))]), F);
    assert_eq!(value("a is present", &[("a", F)]), T);
}

#[test]
fn arithmetic_with_missing_is_missing_and_division_by_zero_is_missing() {
    assert_eq!(value("n + 1", &[]), U);
    assert_eq!(value("n * m", &[("n", Datum::Int(2))]), U);
    assert_eq!(value("n / 0", &[("n", Datum::Int(2))]), U);
    assert_eq!(
        value("n / m", &[("n", Datum::Int(7)), ("m", Datum::Int(2))]),
        Datum::Num(3.5)
    );
    assert_eq!(
        value("n + m * 2", &[("n", Datum::Int(1)), ("m", Datum::Int(3))]),
        Datum::Int(7)
    );
    assert_eq!(
        value("(n + m) * 2", &[("n", Datum::Int(1)), ("m", Datum::Int(3))]),
        Datum::Int(8)
    );
    assert_eq!(value("n - 10", &[("n", Datum::Int(3))]), Datum::Int(-7));
    assert_eq!(value("-n", &[("n", Datum::Int(3))]), Datum::Int(-3));
    assert_eq!(value("x * 2", &[("x", Datum::Num(1.25))]), Datum::Num(2.5));
    // A division-by-zero condition is unknown, so a rule on it never fires.
    assert_eq!(value("n / 0 > 1", &[("n", Datum::Int(2))]), U);
}

#[test]
fn functions() {
    assert_eq!(value("round(x)", &[("x", Datum::Num(2.5))]), Datum::Int(3));
    assert_eq!(
        value("round(x)", &[("x", Datum::Num(-2.5))]),
        Datum::Int(-3)
    );
    assert_eq!(value("round(x)", &[("x", Datum::Num(2.4))]), Datum::Int(2));
    assert_eq!(value("round(x)", &[]), U);
    assert_eq!(
        value("min(n, m)", &[("n", Datum::Int(2)), ("m", Datum::Int(5))]),
        Datum::Int(2)
    );
    assert_eq!(
        value("max(n, m)", &[("n", Datum::Int(2)), ("m", Datum::Int(5))]),
        Datum::Int(5)
    );
    assert_eq!(value("max(n, m)", &[("n", Datum::Int(2))]), U);
    assert_eq!(
        value("lower(t)", &[("t", Datum::Text("MiXeD".into()))]),
        Datum::Text("mixed".into())
    );
    assert_eq!(
        value("trim(t)", &[("t", Datum::Text("  x ".into()))]),
        Datum::Text("x".into())
    );
    assert_eq!(value("lower(t)", &[]), U);
    assert_eq!(value("coalesce(n, 7)", &[]), Datum::Int(7));
    assert_eq!(
        value("coalesce(n, 7)", &[("n", Datum::Int(1))]),
        Datum::Int(1)
    );
    let tags = Datum::List(vec!["a".into(), "b".into()]);
    assert_eq!(value("count(tags)", &[("tags", tags)]), Datum::Int(2));
    let d = lq::date::parse_iso("2026-11-13").expect("date");
    assert_eq!(
        value("days_since(d)", &[("d", Datum::Date(d))]),
        Datum::Int(10)
    );
}

#[test]
fn text_operators_are_exact() {
    let t = |s: &str| [("t", Datum::Text(s.into()))];
    assert_eq!(value("t = \"US\"", &t("US")), T);
    assert_eq!(value("t = \"US\"", &t("us")), F);
    assert_eq!(value("lower(t) = \"us\"", &t("US")), T);
    assert_eq!(value("t contains \"@\"", &t("a@b.c")), T);
    assert_eq!(value("t starts with \"a@\"", &t("a@b.c")), T);
    assert_eq!(value("t ends with \".edu\"", &t("x@uni.edu")), T);
    assert_eq!(value("t ends with \".edu\"", &t("x@uni.EDU")), F);
    assert_eq!(value("t matches \"^[a-z]+@\"", &t("ana@acme.com")), T);
    assert_eq!(value("t in [\"US\", \"CA\"]", &t("CA")), T);
    assert_eq!(value("t not in [\"US\", \"CA\"]", &t("DE")), T);
}

#[test]
fn lists_of_text() {
    let tags = [(
        "tags",
        Datum::List(vec!["webinar".into(), "pricing".into()]),
    )];
    assert_eq!(value("tags contains \"webinar\"", &tags), T);
    assert_eq!(value("tags contains \"web\"", &tags), F);
    assert_eq!(value("\"pricing\" in tags", &tags), T);
    assert_eq!(value("\"demo\" not in tags", &tags), T);
}

#[test]
fn membership_and_between() {
    let role = |r: u32| [("role", Datum::Enum(r))];
    assert_eq!(value("role in [VP, Director]", &role(0)), T);
    assert_eq!(value("role in [VP, Director]", &role(2)), F);
    assert_eq!(value("role not in [VP]", &role(2)), T);
    let n = |v: i64| [("n", Datum::Int(v))];
    assert_eq!(value("n between 50 and 5000", &n(50)), T);
    assert_eq!(value("n between 50 and 5000", &n(5000)), T);
    assert_eq!(value("n between 50 and 5000", &n(49)), F);
    assert_eq!(value("n in [1, 2.0]", &n(2)), T);
    // An item that is missing makes a non-match unknown, as in SQL.
    assert_eq!(value("n in [m, 3]", &n(2)), U);
    assert_eq!(value("n in [m, 2]", &n(2)), T);
}

#[test]
fn dates_are_strict_and_within_is_inclusive() {
    let d = |s: &str| [("d", Datum::Date(lq::date::parse_iso(s).expect("date")))];
    assert_eq!(value("d before 2026-11-01", &d("2026-10-31")), T);
    assert_eq!(value("d before 2026-11-01", &d("2026-11-01")), F);
    assert_eq!(value("d after 2026-11-01", &d("2026-11-01")), F);
    assert_eq!(value("d after 2026-11-01", &d("2026-11-02")), T);
    // 90 days before 2026-11-23 is 2026-08-25.
    assert_eq!(value("d before 90 days ago", &d("2026-08-24")), T);
    assert_eq!(value("d before 90 days ago", &d("2026-08-25")), F);
    assert_eq!(value("d within 30 days", &d("2026-10-24")), T);
    assert_eq!(value("d within 30 days", &d("2026-10-23")), F);
    assert_eq!(value("d within 30 days", &d("2026-11-23")), T);
    assert_eq!(value("d within 30 days", &d("2026-11-24")), F);
    assert_eq!(value("d after 2 weeks ago", &d("2026-11-10")), T);
    assert_eq!(value("d before 1 month ago", &d("2026-10-23")), T);
    assert_eq!(value("d before 1 year ago", &d("2025-11-22")), T);
}

#[test]
fn number_literals_scale_without_changing_type() {
    let b = |v: f64| [("budget", Datum::Num(v))];
    assert_eq!(value("budget >= 10k", &b(10_000.0)), T);
    assert_eq!(value("budget >= $2.5M", &b(2_499_999.0)), F);
    assert_eq!(value("budget = 10_000", &b(10_000.0)), T);
    assert_eq!(value("budget > 1.5K", &b(1_501.0)), T);
    assert_eq!(value("10k", &[]), Datum::Int(10_000));
}

const SCORED: &str = r#"
tiers A > B
disqualify when t = "spam" because "spam"
disqualify when t = "bot"
score fit up to 30 {
  +20 when a
  +15 when b
  -5 when role = Other
}
score engagement at least -10 {
  +2 per n                     # missing counts as 0
  -8 when b
  -8 when a
}
score {
  +1 when a
}
rule top: when fit >= 30 then tier A, route "ae"
when score >= 5 then tier B
"#;

/// The 1-based line of the policy text (schema + `extra`) holding `needle`.
fn line_of(extra: &str, needle: &str) -> usize {
    let full = format!("{SCHEMA}\n{extra}");
    1 + full
        .lines()
        .position(|l| l.contains(needle))
        .expect("the needle is in the policy")
}

fn outcome(fields: &[(&str, Datum)]) -> lq::eval::Outcome {
    let p = policy(SCORED);
    p.evaluate(1, &record(&p, fields), as_of())
}

#[test]
fn caps_floors_and_per() {
    let o = outcome(&[("a", T), ("b", T), ("n", Datum::Int(3))]);
    assert_eq!(
        o.scores,
        vec![("fit".to_string(), 30), ("engagement".to_string(), -10)]
    );
    assert_eq!(o.score, Some(21), "30 + -10 + 1 from the unnamed block");
    let o = outcome(&[]);
    assert_eq!(
        o.scores,
        vec![("fit".to_string(), 0), ("engagement".to_string(), 0)]
    );
    let o = outcome(&[("n", Datum::Int(4))]);
    assert_eq!(o.scores[1], ("engagement".to_string(), 8));
}

#[test]
fn floor_applies_even_when_nothing_fires() {
    let p = policy("score cold at least 5 { +1 when a }");
    let o = p.evaluate(1, &record(&p, &[]), as_of());
    assert_eq!(o.scores, vec![("cold".to_string(), 5)]);
}

#[test]
fn first_matching_rule_decides_and_names_it() {
    let o = outcome(&[("a", T), ("b", T)]);
    assert_eq!(
        (
            o.status,
            o.tier.as_deref(),
            o.rule.as_deref(),
            o.route.as_deref()
        ),
        (Status::Qualified, Some("A"), Some("top"), Some("ae"))
    );
    let o = outcome(&[("n", Datum::Int(3))]);
    let line = line_of(SCORED, "when score >= 5");
    assert_eq!(o.rule, Some(format!("line {line}")));
    assert_eq!(o.route, None);
}

#[test]
fn no_match_without_otherwise_is_unmatched() {
    let o = outcome(&[]);
    assert_eq!(
        (o.status, o.tier.clone(), o.rule.clone(), o.reasons.clone()),
        (Status::Unmatched, None, None, vec![])
    );
}

#[test]
fn disqualified_leads_are_still_scored_and_report_every_reason() {
    let o = outcome(&[("t", Datum::Text("spam".into())), ("a", T)]);
    assert_eq!(o.status, Status::Disqualified);
    assert_eq!(o.reasons, vec!["spam".to_string()]);
    assert_eq!((o.tier, o.rule, o.route), (None, None, None));
    assert_eq!(o.scores[0], ("fit".to_string(), 20));
    let o = outcome(&[("t", Datum::Text("bot".into()))]);
    let line = line_of(SCORED, "\"bot\"");
    assert_eq!(o.reasons, vec![format!("line {line}")]);
}

#[test]
fn otherwise_catches_the_rest() {
    let p = policy(
        "tiers A > B\nrule big: when n > 5 then tier A\notherwise tier B, route \"nurture\"",
    );
    let o = p.evaluate(1, &record(&p, &[]), as_of());
    assert_eq!(
        (
            o.status,
            o.tier.as_deref(),
            o.rule.as_deref(),
            o.route.as_deref()
        ),
        (
            Status::Qualified,
            Some("B"),
            Some("otherwise"),
            Some("nurture")
        )
    );
}

#[test]
fn scores_are_usable_in_rules_by_name() {
    let p = policy("tiers A > B\nscore fit { +5 when a }\nrule f: when fit = 5 and score = 5 then tier A\notherwise tier B");
    let o = p.evaluate(1, &record(&p, &[("a", T)]), as_of());
    assert_eq!(o.tier.as_deref(), Some("A"));
}

#[test]
fn lets_may_be_used_before_their_declaration() {
    let p = policy("tiers A > B\nrule r: when big then tier A\nlet big = huge or n > 10\nlet huge = n > 100\notherwise tier B");
    assert_eq!(
        p.evaluate(1, &record(&p, &[("n", Datum::Int(11))]), as_of())
            .rule
            .as_deref(),
        Some("r")
    );
}

#[test]
fn three_valued_laws_hold() {
    let values = [T, F, U];
    for a in &values {
        for b in &values {
            let fields = [("a", a.clone()), ("b", b.clone())];
            let same = |x: &str, y: &str| {
                assert_eq!(
                    value(x, &fields),
                    value(y, &fields),
                    "{x} vs {y} with a={a:?}, b={b:?}"
                )
            };
            same("not (a and b)", "not a or not b");
            same("not (a or b)", "not a and not b");
            same("not not a", "a");
            same("a or (a and b)", "a or (a and b)");
            same("a and (a or b)", "a and (a or b)");
            same("a and b", "b and a");
            same("a or b", "b or a");
            // `is missing` is never unknown.
            assert_ne!(value("a is missing or a is present", &fields), U);
        }
    }
}

#[test]
fn an_unnamed_block_can_have_a_floor_and_a_cap() {
    // `at` and `up` start the bounds here, not a block name (found by the
    // policy generator in tests/properties.rs).
    let p = policy(
        "score at least -2 up to 3 {\n  -5 when a\n  +9 when b\n}\ntiers A\notherwise tier A\n",
    );
    assert_eq!(p.checked().blocks[0].name, None);
    let score = |fields: &[(&str, Datum)]| p.evaluate(1, &record(&p, fields), as_of()).score;
    assert_eq!(score(&[("a", T)]), Some(-2), "the floor");
    assert_eq!(score(&[("b", T)]), Some(3), "the cap");
    let p = policy("score up to 3 {\n  +9 when b\n}\ntiers A\notherwise tier A\n");
    assert_eq!(p.checked().blocks[0].cap, Some(3));
}

#[test]
fn a_nan_from_a_services_record_compares_as_unknown() {
    // Files never give a NaN, but a record built by a service might.
    for condition in ["x > 1", "x between 0 and 2"] {
        let p = policy(&format!(
            "tiers A > B\nrule yes: when {condition} then tier A\nrule no: when not ({condition}) then tier B\n"
        ));
        let o = p.evaluate(1, &record(&p, &[("x", Datum::Num(f64::NAN))]), as_of());
        assert_eq!(
            o.status,
            Status::Unmatched,
            "neither `{condition}` nor its negation is true"
        );
    }
}
