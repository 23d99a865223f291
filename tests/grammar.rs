//! The grammar, form by form: every declaration and expression of the
//! language parses to the tree it means.

use lq::syntax::ast::*;
use lq::syntax::{parse, parse_expr};

fn expr(text: &str) -> ExprKind {
    parse_expr(text)
        .unwrap_or_else(|e| panic!("{text}: {e:?}"))
        .kind
}

fn name(n: &str) -> Box<Expr> {
    Box::new(Expr {
        kind: ExprKind::Name(n.into()),
        span: Default::default(),
    })
}

fn int(n: i64) -> Box<Expr> {
    Box::new(Expr {
        kind: ExprKind::Number(Number::Int(n)),
        span: Default::default(),
    })
}

/// The tree as an S-expression, for compact comparison.
fn sexp(e: &Expr) -> String {
    use ExprKind::*;
    match &e.kind {
        Number(lq::syntax::ast::Number::Int(i)) => i.to_string(),
        Number(lq::syntax::ast::Number::Real(r)) => format!("{r:?}"),
        Text(t) => format!("{t:?}"),
        Bool(b) => b.to_string(),
        Date(d) => lq::date::format(*d),
        Ago(d) => format!("(ago {d})"),
        Duration(d) => format!("(duration {d})"),
        Name(n) => n.clone(),
        Score => "score".into(),
        List(items) => format!("[{}]", items.iter().map(sexp).collect::<Vec<_>>().join(" ")),
        Neg(x) => format!("(- {})", sexp(x)),
        Arith(op, l, r) => format!("({op:?} {} {})", sexp(l), sexp(r)),
        Compare(op, l, r) => format!("({} {} {})", op.as_str(), sexp(l), sexp(r)),
        In {
            negated,
            value,
            list,
        } => format!(
            "({} {} {})",
            if *negated { "not-in" } else { "in" },
            sexp(value),
            sexp(list)
        ),
        Between(v, lo, hi) => format!("(between {} {} {})", sexp(v), sexp(lo), sexp(hi)),
        TextTest(op, l, r) => format!("({op:?} {} {})", sexp(l), sexp(r)),
        Matches(l, p) => format!("(matches {} {:?})", sexp(l), p.node),
        DateTest(op, l, r) => format!("({op:?} {} {})", sexp(l), sexp(r)),
        Within(l, d) => format!("(within {} {})", sexp(l), d.node),
        IsMissing { negated, value } => format!(
            "({} {})",
            if *negated { "present" } else { "missing" },
            sexp(value)
        ),
        Not(x) => format!("(not {})", sexp(x)),
        And(l, r) => format!("(and {} {})", sexp(l), sexp(r)),
        Or(l, r) => format!("(or {} {})", sexp(l), sexp(r)),
        Call(f, args) => format!(
            "({} {})",
            f.node,
            args.iter().map(sexp).collect::<Vec<_>>().join(" ")
        ),
    }
}

fn s(text: &str) -> String {
    sexp(&parse_expr(text).unwrap_or_else(|e| panic!("{text}: {e:?}")))
}

#[test]
fn precedence_loosest_first_or_and_not_comparison_sum_product() {
    assert_eq!(s("a or b and c"), "(or a (and b c))");
    assert_eq!(s("not a and b"), "(and (not a) b)");
    assert_eq!(s("not a = 1"), "(not (= a 1))");
    assert_eq!(s("a + b * c > d - 1"), "(> (Add a (Mul b c)) (Sub d 1))");
    assert_eq!(s("(a or b) and c"), "(and (or a b) c)");
    assert_eq!(s("a - b - c"), "(Sub (Sub a b) c)");
    assert_eq!(s("-a * 2"), "(Mul (- a) 2)");
}

#[test]
fn comparisons_and_membership() {
    assert_eq!(s("a == 1"), "(= a 1)");
    assert_eq!(s("a != 1"), "(!= a 1)");
    assert_eq!(
        s("a <= 1 and b >= 2 and c < 3 and d > 4"),
        "(and (and (<= a 1) (>= b 2)) (and (< c 3) (> d 4)))"
    );
    assert_eq!(s("role in [VP, Director]"), "(in role [VP Director])");
    assert_eq!(
        s("country not in [\"US\", \"CA\",]"),
        "(not-in country [\"US\" \"CA\"])"
    );
    assert_eq!(s("\"webinar\" in tags"), "(in \"webinar\" tags)");
    assert_eq!(
        s("employees between 50 and 5000 and x"),
        "(and (between employees 50 5000) x)"
    );
}

#[test]
fn text_date_and_missing_tests() {
    assert_eq!(s("email ends with \".edu\""), "(EndsWith email \".edu\")");
    assert_eq!(s("email starts with \"a\""), "(StartsWith email \"a\")");
    assert_eq!(
        s("tags contains \"webinar\""),
        "(Contains tags \"webinar\")"
    );
    assert_eq!(
        s("email matches \"^[a-z]+\\\\.\""),
        "(matches email \"^[a-z]+\\\\.\")"
    );
    assert_eq!(s("d before 2026-11-23"), "(Before d 2026-11-23)");
    assert_eq!(s("d after 90 days ago"), "(After d (ago 90))");
    assert_eq!(s("d before 2 weeks ago"), "(Before d (ago 14))");
    assert_eq!(
        s("d before 3 months ago or d after 1 year ago"),
        "(or (Before d (ago 90)) (After d (ago 365)))"
    );
    assert_eq!(s("d within 30 days"), "(within d 30)");
    assert_eq!(s("x is missing"), "(missing x)");
    assert_eq!(s("x is present"), "(present x)");
    assert_eq!(s("x is not missing"), "(present x)");
    assert_eq!(s("days_since(d) > 30"), "(> (days_since d) 30)");
    assert_eq!(
        s("coalesce(budget, 0) + round(x / 2)"),
        "(Add (coalesce budget 0) (round (Div x 2)))"
    );
}

#[test]
fn literals() {
    assert_eq!(expr("10k"), ExprKind::Number(Number::Int(10_000)));
    assert_eq!(expr("$2.5M"), ExprKind::Number(Number::Int(2_500_000)));
    assert_eq!(expr("1B"), ExprKind::Number(Number::Int(1_000_000_000)));
    assert_eq!(expr("10_000"), ExprKind::Number(Number::Int(10_000)));
    assert_eq!(expr("3.5"), ExprKind::Number(Number::Real(3.5)));
    assert_eq!(
        expr(r#""a \"q\" \\ \n \t""#),
        ExprKind::Text("a \"q\" \\ \n \t".into())
    );
    assert_eq!(expr("true"), ExprKind::Bool(true));
    assert_eq!(s("2026-11-23"), "2026-11-23");
    assert_eq!(expr("score"), ExprKind::Score);
    assert_eq!(expr("a"), ExprKind::Name("a".into()));
    let _ = (name("a"), int(1));
}

const POLICY: &str = r#"
# a comment
policy "all forms"  # trailing comment

enum Source { Google ("google", "Google Ads"), Direct ("Direct Traffic"), Other }

schema {
  missing ["Select", "unknown"]
  id:      int   key
  visits:  int   from "Total Visits"
  note:    text? missing ["N/A"]
  tags:    list of text?
  key_contact: bool        # a field whose name starts with a keyword
}

tiers A > B > C
let busy = visits >= 3
disqualify when note = "spam"
disqualify when visits > 100 because "too busy"

score engagement at least -5 up to 30 {
  +2 per visits
  -10 when busy
  +5 when busy and
      visits > 10 ; +1 when busy
  + 3 when note is present because "left a note"
}

rule hot: when score >= 10 then tier A, route "ae" because "engaged"
when busy then tier B
otherwise tier C, route "nurture"

lead base { id: 1, visits: 2, note: missing, tags: ["a", "b"], key_contact: true }

test "busy" {
  as of 2026-11-23
  given base with { visits: 12 }
  expect tier A
  expect qualified
  expect rule hot
  expect route "ae"
  expect score >= 10
  expect engagement 20
}

test "spam" { given base with { note: "spam" } expect disqualified expect reason "line 18" }
test "nothing" { given { id: 2, visits: 0, key_contact: false } expect tier C expect rule otherwise expect unmatched }
"#;

#[test]
fn every_declaration_form_parses() {
    let p = parse(POLICY).unwrap_or_else(|e| panic!("{e:?}"));
    let kinds: Vec<&str> = p
        .items
        .iter()
        .map(|i| match i {
            Item::Name(_) => "policy",
            Item::Enum(_) => "enum",
            Item::Schema(_) => "schema",
            Item::Tiers(_) => "tiers",
            Item::Let(_) => "let",
            Item::Disqualify(_) => "disqualify",
            Item::Score(_) => "score",
            Item::Rule(_) => "rule",
            Item::Lead(_) => "lead",
            Item::Test(_) => "test",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "policy",
            "enum",
            "schema",
            "tiers",
            "let",
            "disqualify",
            "disqualify",
            "score",
            "rule",
            "rule",
            "rule",
            "lead",
            "test",
            "test",
            "test"
        ]
    );
}

#[test]
fn schema_options() {
    let p = parse(POLICY).expect("parses");
    let Some(Item::Schema(schema)) = p.items.iter().find(|i| matches!(i, Item::Schema(_))) else {
        panic!("no schema")
    };
    assert_eq!(
        schema
            .missing
            .iter()
            .map(|m| m.node.as_str())
            .collect::<Vec<_>>(),
        ["Select", "unknown"]
    );
    let f = |n: &str| {
        schema
            .fields
            .iter()
            .find(|f| f.name.node == n)
            .expect("field")
    };
    assert!(f("id").key.is_some());
    assert_eq!(
        f("visits").column.as_ref().map(|c| c.node.as_str()),
        Some("Total Visits")
    );
    assert!(f("note").ty.optional && f("note").missing[0].node == "N/A");
    assert!(f("tags").ty.list && f("tags").ty.optional);
    assert!(f("key_contact").key.is_none());
}

#[test]
fn score_entries_are_one_per_line() {
    let p = parse(POLICY).expect("parses");
    let Some(Item::Score(block)) = p.items.iter().find(|i| matches!(i, Item::Score(_))) else {
        panic!("no block")
    };
    assert_eq!(
        block.name.as_ref().map(|n| n.node.as_str()),
        Some("engagement")
    );
    assert_eq!(
        (
            block.floor.as_ref().map(|f| f.node),
            block.cap.as_ref().map(|c| c.node)
        ),
        (Some(-5), Some(30))
    );
    let entries: Vec<(i64, String)> = block
        .entries
        .iter()
        .map(|e| match &e.kind {
            EntryKind::When(x) => (e.points.node, format!("when {}", sexp(x))),
            EntryKind::Per(x) => (e.points.node, format!("per {}", sexp(x))),
        })
        .collect();
    // `+2 per visits` then `-10 when busy` on the next line: two entries,
    // never `visits - 10`. A line ending in `and` continues.
    assert_eq!(
        entries,
        [
            (2, "per visits".to_string()),
            (-10, "when busy".to_string()),
            (5, "when (and busy (> visits 10))".to_string()),
            (1, "when busy".to_string()),
            (3, "when (present note)".to_string()),
        ]
    );
    assert_eq!(
        block.entries[4].because.as_ref().map(|b| b.node.as_str()),
        Some("left a note")
    );
}

#[test]
fn outside_score_blocks_line_breaks_are_white_space() {
    let p = parse("let x = a\n  - 3\n  * b").expect("parses");
    let Item::Let(l) = &p.items[0] else {
        panic!("a let")
    };
    assert_eq!(sexp(&l.value), "(Sub a (Mul 3 b))");
}

#[test]
fn rules_and_tests() {
    let p = parse(POLICY).expect("parses");
    let rules: Vec<&TierRule> = p
        .items
        .iter()
        .filter_map(|i| if let Item::Rule(r) = i { Some(r) } else { None })
        .collect();
    assert_eq!(rules[0].name.as_ref().map(|n| n.node.as_str()), Some("hot"));
    assert_eq!(rules[0].route.as_ref().map(|r| r.node.as_str()), Some("ae"));
    assert_eq!(
        rules[0].because.as_ref().map(|r| r.node.as_str()),
        Some("engaged")
    );
    assert_eq!(rules[1].line, 30);
    assert!(rules[2].when.is_none());
    let Some(Item::Test(t)) = p.items.iter().find(|i| matches!(i, Item::Test(_))) else {
        panic!("a test")
    };
    assert_eq!(
        t.as_of.as_ref().map(|d| lq::date::format(d.node)),
        Some("2026-11-23".to_string())
    );
    assert_eq!(t.given.base.as_ref().map(|b| b.node.as_str()), Some("base"));
    assert_eq!(t.expects.len(), 6);
    assert!(matches!(
        &t.expects[4].node,
        Expectation::Score {
            block: None,
            op: CompareOp::Ge,
            ..
        }
    ));
    assert!(
        matches!(&t.expects[5].node, Expectation::Score { block: Some(b), op: CompareOp::Eq, .. } if b.node == "engagement")
    );
}

#[test]
fn the_policy_of_all_forms_checks_and_passes_its_tests() {
    let policy = lq::Policy::from_source("all.lq", POLICY).unwrap_or_else(|e| panic!("{e:?}"));
    let as_of = lq::date::parse_iso("2026-11-23").expect("date");
    for r in lq::testing::run_tests(&policy, as_of) {
        assert!(
            r.passed() || r.name == "nothing",
            "{}: {:?}",
            r.name,
            r.failures
        );
        if r.name == "nothing" {
            // `expect unmatched` cannot hold when `otherwise` exists: the
            // runner reports it, with what the lead got instead.
            assert_eq!(r.failures.len(), 1);
            assert_eq!(r.failures[0].actual, "tier C");
        }
    }
}
