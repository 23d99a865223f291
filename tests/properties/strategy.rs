//! Generators (proptest strategies) of well-typed policies over one schema
//! with eight optional fields, of conditions for the logic laws, and of the
//! leads they are evaluated on: every combination of missing fields, with
//! values chosen near the thresholds the policies use.

use proptest::prelude::*;

use lq::eval::Datum;

/// The schema every generated policy declares: a key and eight optional
/// fields, one of each kind.
pub const SCHEMA: &str = "enum Role { V0, V1, V2 }
schema {
  id: int key
  a:  int?
  m:  int?
  x:  number?
  r:  Role?
  b:  bool?
  t:  text?
  d:  date?
  g:  list of text?
}
tiers T > U > W
";

/// The evaluation date of every generated case: 2026-11-23.
pub const AS_OF: i32 = 20_415;

fn pick(items: &'static [&'static str]) -> BoxedStrategy<String> {
    proptest::sample::select(items)
        .prop_map(str::to_string)
        .boxed()
}

fn small() -> BoxedStrategy<i64> {
    (0i64..6).boxed()
}

/// An `int` expression: fields, constants, functions and arithmetic.
pub fn int_expr() -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        pick(&["a", "m", "count(g)", "days_since(d)", "round(x)"]),
        small().prop_map(|k| k.to_string()),
        small().prop_map(|k| format!("coalesce(a, {k})")),
        pick(&["round(x / a)", "round(m * 2.5)"]),
    ];
    leaf.prop_recursive(2, 8, 2, |inner| {
        prop_oneof![
            (inner.clone(), pick(&["+", "-", "*"]), inner.clone())
                .prop_map(|(l, op, r)| format!("({l} {op} {r})")),
            inner.clone().prop_map(|e| format!("-({e})")),
            (pick(&["min", "max"]), inner.clone(), inner)
                .prop_map(|(f, l, r)| format!("{f}({l}, {r})")),
        ]
    })
    .boxed()
}

/// A numeric expression: an `int` one or a real one.
pub fn num_expr() -> BoxedStrategy<String> {
    prop_oneof![
        3 => int_expr(),
        1 => pick(&["x", "2.5", "-1.5", "(x * 2)", "max(a, x)", "min(x, 3)"]),
        1 => (int_expr(), int_expr()).prop_map(|(l, r)| format!("({l} / {r})")),
        1 => int_expr().prop_map(|e| format!("(x + {e})")),
    ]
    .boxed()
}

/// A test of one or more fields: every kind of condition the language has.
pub fn atom() -> BoxedStrategy<String> {
    // Short constants, one past a word (9 bytes) and one past a key (17).
    let text = || {
        pick(&[
            "\"a\"",
            "\"b\"",
            "\"ab\"",
            "\"\"",
            "\"Ab\"",
            "\"b ab ab b\"",
            "\"ab ab ab ab ab ab\"",
        ])
    };
    prop_oneof![
        3 => (num_expr(), pick(&["=", "!=", "<", "<=", ">", ">="]), num_expr())
            .prop_map(|(l, op, r)| format!("{l} {op} {r}")),
        1 => (num_expr(), num_expr(), num_expr())
            .prop_map(|(v, lo, hi)| format!("{v} between {lo} and {hi}")),
        1 => (num_expr(), pick(&["in", "not in"]), int_expr(), small())
            .prop_map(|(v, op, e, k)| format!("{v} {op} [{e}, {k}]")),
        1 => (pick(&["a", "m"]), pick(&["in", "not in"]))
            .prop_map(|(f, op)| format!("{f} {op} [1, 2, 3]")),
        2 => (pick(&["=", "!=", "in", "not in"]), 0usize..3, 0usize..3).prop_map(|(op, i, j)| {
            if op.ends_with("in") {
                format!("r {op} [V{i}, V{j}]")
            } else {
                format!("r {op} V{i}")
            }
        }),
        1 => pick(&["b", "b = true", "b != false", "coalesce(b, false)", "not b"]),
        2 => (pick(&["t", "lower(t)", "trim(t)"]), pick(&["contains", "starts with", "ends with", "=", "!="]), text())
            .prop_map(|(t, op, s)| format!("{t} {op} {s}")),
        2 => (pick(&["in", "not in"]), text(), text())
            .prop_map(|(op, a, b)| format!("t {op} [{a}, {b}]")),
        1 => pick(&["t matches \"^a.?b$\"", "t matches \"(?i)ab\"", "trim(t) in [\"ab\", \"x\"]"]),
        2 => (text(), pick(&["g contains {}", "{} in g", "{} not in g"]))
            .prop_map(|(s, form)| form.replace("{}", &s)),
        1 => pick(&["t in g", "t not in g", "count(g) >= 1", "count(g) = 0"]),
        2 => (pick(&["before", "after"]), small())
            .prop_map(|(op, k)| format!("d {op} {} days ago", k * 10)),
        1 => pick(&["d after 2026-11-01", "d before 2026-11-20", "d within 30 days", "d within 0 days", "days_since(d) > 10"]),
        2 => (pick(&["a", "m", "x", "r", "b", "t", "d", "g"]), pick(&["is missing", "is present"]))
            .prop_map(|(f, test)| format!("{f} {test}")),
    ]
    .boxed()
}

/// A condition of `and`, `or` and `not` over `atoms`.
pub fn condition_over(atoms: BoxedStrategy<String>) -> BoxedStrategy<String> {
    atoms
        .prop_recursive(3, 12, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(l, r)| format!("({l} and {r})")),
                (inner.clone(), inner.clone()).prop_map(|(l, r)| format!("({l} or {r})")),
                inner.prop_map(|c| format!("not {c}")),
            ]
        })
        .boxed()
}

/// A condition over the lead's fields.
pub fn condition() -> BoxedStrategy<String> {
    condition_over(atom())
}

/// A tier rule's condition: also the let and the scores.
fn rule_condition() -> BoxedStrategy<String> {
    let atoms = prop_oneof![
        4 => atom(),
        1 => Just("l0".to_string()),
        1 => (pick(&["score", "s0"]), pick(&[">=", "<", "="]), -2i64..10)
            .prop_map(|(s, op, k)| format!("{s} {op} {k}")),
    ];
    condition_over(atoms.boxed())
}

fn entry() -> BoxedStrategy<String> {
    prop_oneof![
        3 => (pick(&["+", "-"]), 1i64..6, condition())
            .prop_map(|(sign, k, c)| format!("  {sign}{k} when {c}")),
        1 => (pick(&["+", "-"]), 1i64..4, int_expr())
            .prop_map(|(sign, k, e)| format!("  {sign}{k} per {e}")),
    ]
    .boxed()
}

fn block(name: &'static str) -> BoxedStrategy<String> {
    (
        proptest::option::of(-6i64..1),
        proptest::option::of(2i64..12),
        proptest::collection::vec(entry(), 1..4),
    )
        .prop_map(move |(floor, cap, entries)| {
            let floor = floor.map(|f| format!(" at least {f}")).unwrap_or_default();
            let cap = cap.map(|c| format!(" up to {c}")).unwrap_or_default();
            format!("score {name}{floor}{cap} {{\n{}\n}}\n", entries.join("\n"))
        })
        .boxed()
}

fn rule(i: usize) -> BoxedStrategy<String> {
    (
        any::<bool>(),
        rule_condition(),
        pick(&["T", "U", "W"]),
        proptest::option::of(pick(&["\"ae\"", "\"sdr\""])),
    )
        .prop_map(move |(named, when, tier, route)| {
            let name = if named {
                format!("rule r{i}: ")
            } else {
                String::new()
            };
            let route = route.map(|r| format!(", route {r}")).unwrap_or_default();
            format!("{name}when {when} then tier {tier}{route}\n")
        })
        .boxed()
}

/// A whole policy: a let, disqualifiers, one or two score blocks, rules and
/// perhaps `otherwise`.
pub fn policy() -> BoxedStrategy<String> {
    (
        condition(),
        proptest::collection::vec((condition(), any::<bool>()), 0..3),
        block("s0"),
        proptest::option::of(block("")),
        (rule(0), rule(1), rule(2), 1usize..4),
        any::<bool>(),
    )
        .prop_map(|(l0, disqualifiers, s0, unnamed, rules, otherwise)| {
            let mut text = SCHEMA.to_string();
            text.push_str(&format!("let l0 = {l0}\n"));
            for (i, (when, because)) in disqualifiers.iter().enumerate() {
                let because = if *because {
                    format!(" because \"q{i}\"")
                } else {
                    String::new()
                };
                text.push_str(&format!("disqualify when {when}{because}\n"));
            }
            text.push_str(&s0);
            text.push_str(&unnamed.unwrap_or_default());
            let (r0, r1, r2, count) = rules;
            for r in [r0, r1, r2].iter().take(count) {
                text.push_str(r);
            }
            if otherwise {
                text.push_str("otherwise tier W\n");
            }
            text
        })
        .boxed()
}

/// The values a present field takes: one of each, near the thresholds.
#[derive(Clone, Debug)]
pub struct Present(pub [Datum; 8]);

/// Present values for the eight optional fields.
pub fn present() -> BoxedStrategy<Present> {
    let list = |items: &[&str]| Datum::List(items.iter().map(|s| s.to_string()).collect());
    (
        proptest::sample::select(vec![-2i64, 0, 1, 2, 3, 5, 40]),
        proptest::sample::select(vec![-1i64, 0, 1, 2, 3]),
        proptest::sample::select(vec![0.0, 2.5, -1.5, 3.0, 7.25]),
        0u32..3,
        any::<bool>(),
        proptest::sample::select(vec![
            "ab",
            "",
            "ba",
            "\u{a0}Ab\t",
            "a",
            "aXb",
            "AB",
            "Ωb",
            "b ab ab b",
            "ab ab ab ab ab ab",
            "xb ab ab ab ab ab",
            "ab ab ab ab ab ab ab",
        ]),
        proptest::sample::select(vec![0, 3, 10, 25, 30, 40, -5]),
        proptest::sample::select(vec![
            list(&[]),
            list(&["a"]),
            list(&["a", "b"]),
            list(&["ab", "ba"]),
            list(&["\u{a0}Ab\t"]),
        ]),
    )
        .prop_map(|(a, m, x, r, b, t, ago, g)| {
            Present([
                Datum::Int(a),
                Datum::Int(m),
                Datum::Num(x),
                Datum::Enum(r),
                Datum::Bool(b),
                Datum::Text(t.to_string()),
                Datum::Date(AS_OF - ago),
                g,
            ])
        })
        .boxed()
}

/// Every combination of missing fields: 2^8 leads per set of present
/// values, with keys 1, 2, 3...
pub fn grid(values: &[Present]) -> Vec<Vec<Datum>> {
    let mut leads = Vec::new();
    for (v, present) in values.iter().enumerate() {
        for mask in 0u32..256 {
            let mut lead = vec![Datum::Int((v * 256 + mask as usize) as i64 + 1)];
            for (field, value) in present.0.iter().enumerate() {
                lead.push(if mask & (1 << field) == 0 {
                    value.clone()
                } else {
                    Datum::Missing
                });
            }
            leads.push(lead);
        }
    }
    leads
}
