//! The refine loop, checked against independent counts: `lq coverage
//! --outcome` against `lq eval --keep` counted here, AUC against the
//! pairwise definition, `lq diff` against two separate evaluations, `lq
//! sweep` against a brute-force count; unknown outcomes and every class on
//! a committed file; usage errors for a missing outcome column.

mod support;

use std::collections::BTreeMap;

use serde_json::Value;
use support::{lq, shared_data, success_stdout};

const LEADS: &str = "../shared/data/Leads.csv";
const X_EDUCATION: &str = "tests/data/x-education.lq";
const OUTCOMES: &str = "tests/data/outcomes.lq";
const OUTCOMES_V2: &str = "tests/data/outcomes-v2.lq";
const OUTCOMES_V3: &str = "tests/data/outcomes-v3.lq";
const OUTCOMES_DATA: &str = "tests/data/outcomes.csv";
const AS_OF: &str = "2026-11-23";

/// One lead as `lq eval --format ndjson --keep COL` reports it.
#[derive(Clone, Debug, PartialEq)]
struct Evaluated {
    row: u64,
    class: String,
    score: Option<i64>,
    scores: BTreeMap<String, i64>,
    rule: Option<String>,
    route: Option<String>,
    kept: String,
}

/// Evaluates `policy` over `data` with `lq eval`, keeping column `keep`;
/// every record's class (its tier, else its status).
fn evaluate(policy: &str, data: &str, keep: &str) -> Vec<Evaluated> {
    let out = lq()
        .args(["eval", policy, data, "--as-of", AS_OF, "--format", "ndjson"])
        .args(["--keep", keep, "--allow-errors", "--threads", "1"])
        .output()
        .expect("lq runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let o: Value = serde_json::from_str(line).expect("an NDJSON outcome");
            let status = o["status"].as_str().expect("a status").to_string();
            Evaluated {
                row: o["row"].as_u64().expect("a row"),
                class: o["tier"].as_str().map_or(status, String::from),
                score: o["score"].as_i64(),
                scores: o["scores"]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), v.as_i64().unwrap_or(0)))
                            .collect()
                    })
                    .unwrap_or_default(),
                rule: o["rule"].as_str().map(String::from),
                route: o["route"].as_str().map(String::from),
                kept: o["keep"][keep].as_str().unwrap_or("").to_string(),
            }
        })
        .collect()
}

/// The yes/no reading of an outcome value, written out again here.
fn yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "1" | "true" | "yes" | "y" => Some(true),
        "0" | "false" | "no" | "n" => Some(false),
        _ => None,
    }
}

fn json_of(cmd: &mut assert_cmd::Command) -> Value {
    serde_json::from_str(&success_stdout(cmd)).expect("JSON output")
}

/// The area under the ROC curve by its definition: over every
/// (positive, negative) pair, 1 when the positive scores higher, ½ on a
/// tie.
fn pairwise_auc(scored: &[(i64, bool)]) -> f64 {
    let positives: Vec<i64> = scored.iter().filter(|s| s.1).map(|s| s.0).collect();
    let negatives: Vec<i64> = scored.iter().filter(|s| !s.1).map(|s| s.0).collect();
    let mut wins = 0.0;
    for p in &positives {
        for n in &negatives {
            wins += match p.cmp(n) {
                std::cmp::Ordering::Greater => 1.0,
                std::cmp::Ordering::Equal => 0.5,
                std::cmp::Ordering::Less => 0.0,
            };
        }
    }
    wins / (positives.len() as f64 * negatives.len() as f64)
}

/// Checks `lq coverage --outcome --format json` against the same records
/// evaluated and counted here: per class leads, positives, negatives,
/// unknowns and rates; the AUC of the total and of each block.
fn check_coverage_against_eval(policy: &str, data: &str, column: &str) {
    let report = json_of(lq().args([
        "coverage",
        policy,
        data,
        "--as-of",
        AS_OF,
        "--outcome",
        column,
        "--format",
        "json",
    ]));
    let leads = evaluate(policy, data, column);
    assert_eq!(report["leads"].as_u64(), Some(leads.len() as u64));
    let mut by_class: BTreeMap<String, [u64; 3]> = BTreeMap::new();
    for l in &leads {
        let counts = by_class.entry(l.class.clone()).or_default();
        match yes_no(&l.kept) {
            Some(true) => counts[0] += 1,
            Some(false) => counts[1] += 1,
            None => counts[2] += 1,
        }
    }
    let classes = report["classes"].as_array().expect("classes");
    let mut listed = 0;
    for c in classes {
        let name = c["class"].as_str().expect("a class name");
        let [p, n, u] = by_class.get(name).copied().unwrap_or_default();
        assert_eq!(c["leads"].as_u64(), Some(p + n + u), "{name}");
        assert_eq!(c["positive"].as_u64(), Some(p), "{name}");
        assert_eq!(c["negative"].as_u64(), Some(n), "{name}");
        assert_eq!(c["unknown"].as_u64(), Some(u), "{name}");
        let rate = (p + n > 0).then(|| p as f64 / (p + n) as f64);
        match (c["rate"].as_f64(), rate) {
            (Some(got), Some(want)) => assert!((got - want).abs() < 1e-12, "{name}"),
            (got, want) => assert_eq!(got, want, "{name}"),
        }
        listed += p + n + u;
    }
    assert_eq!(
        listed,
        leads.len() as u64,
        "the classes add up to every record"
    );
    // The AUC on the same rows lq used: known outcome and a score.
    let scored = |pick: &dyn Fn(&Evaluated) -> Option<i64>| -> Vec<(i64, bool)> {
        leads
            .iter()
            .filter_map(|l| Some((pick(l)?, yes_no(&l.kept)?)))
            .collect()
    };
    for s in report["scores"].as_array().expect("scores") {
        let block = s["block"].as_str().map(String::from);
        let rows = scored(&|l: &Evaluated| match &block {
            None => l.score,
            Some(b) => l.score.and(l.scores.get(b).copied()),
        });
        let expected = pairwise_auc(&rows);
        let auc = s["auc"].as_f64().expect("an AUC");
        assert!(
            (auc - expected).abs() < 1e-9,
            "{block:?}: lq {auc}, pairwise {expected}"
        );
        let in_deciles: u64 = s["deciles"]
            .as_array()
            .expect("deciles")
            .iter()
            .map(|d| d["leads"].as_u64().unwrap_or(0))
            .sum();
        assert_eq!(in_deciles, rows.len() as u64);
    }
}

#[test]
fn coverage_outcomes_equal_an_independent_count_on_the_x_education_export() {
    if !shared_data(LEADS) {
        return;
    }
    check_coverage_against_eval(X_EDUCATION, LEADS, "Converted");
}

#[test]
fn unknown_outcomes_and_every_class_on_the_committed_file() {
    check_coverage_against_eval(OUTCOMES, OUTCOMES_DATA, "won");
    let report = json_of(lq().args([
        "coverage",
        OUTCOMES,
        OUTCOMES_DATA,
        "--outcome",
        "won",
        "--format",
        "json",
    ]));
    // Worked out by hand from the file: blank, `maybe` and `garbage` are
    // unknown, never negatives.
    assert_eq!(
        report["outcome"],
        serde_json::json!({"spec": "won", "positive": 4, "negative": 4, "unknown": 3, "rate": 0.5})
    );
    let classes: Vec<(String, u64, u64, u64)> = report["classes"]
        .as_array()
        .expect("classes")
        .iter()
        .map(|c| {
            (
                c["class"].as_str().unwrap_or("").to_string(),
                c["positive"].as_u64().unwrap_or(99),
                c["negative"].as_u64().unwrap_or(99),
                c["unknown"].as_u64().unwrap_or(99),
            )
        })
        .collect();
    let expected = [
        ("A", 1, 1, 1),
        ("B", 1, 1, 1),
        ("disqualified", 1, 0, 0),
        ("unmatched", 0, 1, 1),
        ("error", 1, 1, 0),
    ];
    let expected: Vec<(String, u64, u64, u64)> = expected
        .iter()
        .map(|(c, p, n, u)| (c.to_string(), *p, *n, *u))
        .collect();
    assert_eq!(classes, expected);
    assert_eq!(
        report["routes"],
        serde_json::json!([{"route": "sales", "leads": 3, "positive": 1, "negative": 1,
                            "unknown": 1, "rate": 0.5, "lift": 1.0}])
    );
    // Per item, over the leads it fired on: `big` fired on ids 1, 2, 7
    // and 11 (7 is disqualified first): yes, no, 1, garbage.
    let big = report["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["label"] == "big")
        .expect("rule big");
    assert_eq!(
        (
            big["fired"].as_u64(),
            big["positive"].as_u64(),
            big["negative"].as_u64()
        ),
        (Some(4), Some(2), Some(1))
    );
    // Without an outcome: every class and route, with their leads only.
    let plain = json_of(lq().args(["coverage", OUTCOMES, OUTCOMES_DATA, "--format", "json"]));
    assert_eq!(
        plain["classes"],
        serde_json::json!([{"class": "A", "leads": 3}, {"class": "B", "leads": 3},
                           {"class": "disqualified", "leads": 1}, {"class": "unmatched", "leads": 2},
                           {"class": "error", "leads": 2}])
    );
    assert_eq!(
        plain["routes"],
        serde_json::json!([{"route": "sales", "leads": 3}])
    );
    assert!(plain.get("outcome").is_none() && plain.get("scores").is_none());
}

#[test]
fn listed_positive_values_make_every_other_value_negative() {
    let report = json_of(lq().args([
        "coverage",
        OUTCOMES,
        OUTCOMES_DATA,
        "--outcome",
        "won=yes|Y",
        "--format",
        "json",
    ]));
    // yes and Y positive; blank unknown; everything else negative.
    assert_eq!(report["outcome"]["positive"], 2);
    assert_eq!(report["outcome"]["unknown"], 1);
    assert_eq!(report["outcome"]["negative"], 8);
}

#[test]
fn ndjson_outcomes_read_json_values_and_the_first_record_must_have_the_key() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("leads.ndjson");
    std::fs::write(
        &data,
        concat!(
            "{\"id\":1,\"budget\":150,\"won\":true}\n",
            "{\"id\":2,\"budget\":150,\"won\":1}\n",
            "{\"id\":3,\"budget\":150,\"won\":false}\n",
            "{\"id\":4,\"budget\":150,\"won\":0}\n",
            "{\"id\":5,\"budget\":150,\"won\":null}\n",
            "{\"id\":6,\"budget\":150}\n",
        ),
    )
    .expect("written");
    let data = data.to_string_lossy().into_owned();
    let report = json_of(lq().args([
        "coverage",
        OUTCOMES,
        &data,
        "--outcome",
        "won",
        "--format",
        "json",
    ]));
    assert_eq!(
        (
            &report["outcome"]["positive"],
            &report["outcome"]["negative"],
            &report["outcome"]["unknown"]
        ),
        (&Value::from(2), &Value::from(2), &Value::from(2))
    );
    let eval = success_stdout(lq().args([
        "eval",
        OUTCOMES,
        &data,
        "--outcome",
        "won",
        "--format",
        "ndjson",
        "--columns",
        "id",
    ]));
    let outcomes: Vec<Value> = eval
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON")["outcome"].clone())
        .collect();
    assert_eq!(
        outcomes,
        [true, true, false, false]
            .map(Value::from)
            .into_iter()
            .chain([Value::Null, Value::Null])
            .collect::<Vec<_>>()
    );
    let out = lq()
        .args(["coverage", OUTCOMES, &data, "--outcome", "converted"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("has no column `converted`"), "{said}");
}

#[test]
fn a_missing_outcome_column_is_a_usage_error_naming_the_columns() {
    for command in ["coverage", "sweep", "eval"] {
        let out = lq()
            .args([command, OUTCOMES, OUTCOMES_DATA, "--outcome", "Won"])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{command}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("has no column `Won`"), "{command}: {said}");
        assert!(said.contains("did you mean `won`?"), "{command}: {said}");
    }
    let out = lq()
        .args([
            "diff",
            OUTCOMES,
            OUTCOMES_V2,
            OUTCOMES_DATA,
            "--outcome",
            "Won",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    for bad in ["=yes", "won="] {
        let out = lq()
            .args(["coverage", OUTCOMES, OUTCOMES_DATA, "--outcome", bad])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("help:"));
    }
}

#[test]
fn eval_carries_the_outcome_before_the_kept_columns() {
    let csv = success_stdout(lq().args([
        "eval",
        OUTCOMES,
        OUTCOMES_DATA,
        "--allow-errors",
        "--outcome",
        "won",
        "--keep",
        "won",
        "--columns",
        "id,tier",
        "--format",
        "csv",
    ]));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "id,tier,outcome,won");
    assert_eq!(lines[1], "1,A,true,yes");
    assert_eq!(lines[4], "4,B,,");
    assert_eq!(lines[6], "6,,,maybe");
    assert_eq!(
        lines[8], "8,,true,true",
        "an error record keeps its outcome"
    );
    // Every column, and the general writer (table) agrees with the fast one.
    let all = success_stdout(lq().args([
        "eval",
        OUTCOMES,
        OUTCOMES_DATA,
        "--allow-errors",
        "--outcome",
        "won",
        "--format",
        "csv",
    ]));
    assert!(all.starts_with("row,id,status,tier,score,route,rule,reasons,outcome\n"));
    assert!(
        all.contains("\n2,2,qualified,A,0,sales,big,,false\n"),
        "{all}"
    );
}

/// `lq diff` against two separate evaluations: exactly the leads whose
/// class differs are reported moved, the matrix cells and their
/// positives match, and so do the change counts.
fn check_diff_against_evals(old: &str, new: &str, data: &str, column: &str) -> Value {
    let dir = tempfile::tempdir().expect("a temp dir");
    let moved = dir.path().join("moved.ndjson");
    let moved_path = moved.to_string_lossy().into_owned();
    let report = json_of(lq().args([
        "diff",
        old,
        new,
        data,
        "--as-of",
        AS_OF,
        "--outcome",
        column,
        "--format",
        "json",
        "--moved",
        &moved_path,
    ]));
    let before = evaluate(old, data, column);
    let after = evaluate(new, data, column);
    assert_eq!(before.len(), after.len());
    let mut cells: BTreeMap<(String, String), [u64; 3]> = BTreeMap::new();
    let mut expected_moved = Vec::new();
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.row, a.row);
        let cell = cells.entry((b.class.clone(), a.class.clone())).or_default();
        match yes_no(&b.kept) {
            Some(true) => cell[0] += 1,
            Some(false) => cell[1] += 1,
            None => cell[2] += 1,
        }
        if b.class != a.class {
            expected_moved.push((b.row, b.class.clone(), a.class.clone()));
        }
    }
    let moved: Vec<(u64, String, String)> = std::fs::read_to_string(&moved)
        .expect("the moved file")
        .lines()
        .map(|l| {
            let m: Value = serde_json::from_str(l).expect("JSON");
            (
                m["row"].as_u64().unwrap_or(0),
                m["old_class"].as_str().unwrap_or("").to_string(),
                m["new_class"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(moved, expected_moved, "the moved leads");
    assert_eq!(
        report["changed"].as_u64(),
        Some(expected_moved.len() as u64)
    );
    let reported: BTreeMap<(String, String), [u64; 3]> = report["moves"]
        .as_array()
        .expect("moves")
        .iter()
        .map(|m| {
            let key = (
                m["from"].as_str().unwrap_or("").to_string(),
                m["to"].as_str().unwrap_or("").to_string(),
            );
            let counts = [
                m["positive"].as_u64().unwrap_or(0),
                m["negative"].as_u64().unwrap_or(0),
                m["unknown"].as_u64().unwrap_or(0),
            ];
            assert_eq!(m["leads"].as_u64(), Some(counts.iter().sum()));
            (key, counts)
        })
        .collect();
    assert_eq!(reported, cells, "the movement matrix");
    let count = |f: &dyn Fn(&Evaluated, &Evaluated) -> bool| -> u64 {
        before.iter().zip(&after).filter(|(b, a)| f(b, a)).count() as u64
    };
    assert_eq!(
        report["route_changed"].as_u64(),
        Some(count(&|b, a| b.route != a.route))
    );
    assert_eq!(
        report["score_changed"].as_u64(),
        Some(count(&|b, a| b.score != a.score))
    );
    report
}

#[test]
fn diff_reports_exactly_the_leads_a_threshold_change_moves() {
    if !shared_data(LEADS) {
        return;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let changed = dir.path().join("x-education-lower.lq");
    let text = std::fs::read_to_string(X_EDUCATION).expect("the policy");
    let lowered = text.replace(
        "when score >= 15 then tier B",
        "when score >= 12 then tier B",
    );
    assert_ne!(text, lowered, "the threshold is in the policy");
    std::fs::write(&changed, lowered).expect("written");
    let changed = changed.to_string_lossy().into_owned();
    let report = check_diff_against_evals(X_EDUCATION, &changed, LEADS, "Converted");
    let c_to_b = report["moves"]
        .as_array()
        .expect("moves")
        .iter()
        .find(|m| m["from"] == "C" && m["to"] == "B")
        .expect("leads moved from C to B");
    assert!(c_to_b["leads"].as_u64().unwrap_or(0) > 100, "{c_to_b}");
    // The named rule kept its name: only the leads that moved changed rule.
    assert_eq!(report["rule_changed"], report["changed"]);
}

#[test]
fn diff_handles_policies_with_different_schemas() {
    // NEW reads fewer columns and drops a disqualifier.
    let report = check_diff_against_evals(OUTCOMES, OUTCOMES_V2, OUTCOMES_DATA, "won");
    assert_eq!(report["leads"], 11);
    // NEW reads a column the data does not have: every record is an error
    // on NEW's side, never a fatal error; and the other way round.
    for (old, new, side) in [
        (OUTCOMES, OUTCOMES_V3, "new"),
        (OUTCOMES_V3, OUTCOMES, "old"),
    ] {
        let report = json_of(lq().args([
            "diff",
            old,
            new,
            OUTCOMES_DATA,
            "--outcome",
            "won",
            "--format",
            "json",
        ]));
        let error = report["classes"]
            .as_array()
            .expect("classes")
            .iter()
            .find(|c| c["class"] == "error")
            .expect("the error class")
            .clone();
        assert_eq!(error[side], 11, "{side}: {report}");
    }
    // The human form names the missing column's records as errors, and
    // --fail-on-change exits 1.
    let out = lq()
        .args([
            "diff",
            OUTCOMES,
            OUTCOMES_V3,
            OUTCOMES_DATA,
            "--fail-on-change",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let out = lq()
        .args([
            "diff",
            OUTCOMES,
            OUTCOMES,
            OUTCOMES_DATA,
            "--fail-on-change",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "no change, no failure");
}

#[test]
fn diff_names_unnamed_rules_by_their_condition_not_their_line() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let old = dir.path().join("old.lq");
    let new = dir.path().join("new.lq");
    let body = "schema { id: int key\n budget: int }\ntiers A > B\nwhen budget >= 100 then tier A\notherwise tier B\n";
    std::fs::write(&old, body).expect("written");
    std::fs::write(&new, format!("# a comment moves every line\n\n{body}")).expect("written");
    let data = dir.path().join("leads.csv");
    std::fs::write(&data, "id,budget\n1,150\n2,50\n").expect("written");
    let [old, new, data] = [old, new, data].map(|p| p.to_string_lossy().into_owned());
    let report = json_of(lq().args(["diff", &old, &new, &data, "--format", "json"]));
    assert_eq!(report["rule_changed"], 0, "{report}");
    assert_eq!(report["changed"], 0);
    assert!(
        report["moves"][0].get("positive").is_none(),
        "no outcome, no rates"
    );
    let moved = dir.path().join("moved.csv");
    let moved_path = moved.to_string_lossy().into_owned();
    let changed = dir.path().join("changed.lq");
    std::fs::write(&changed, body.replace(">= 100", ">= 40")).expect("written");
    let changed = changed.to_string_lossy().into_owned();
    let report = json_of(lq().args([
        "diff",
        &old,
        &changed,
        &data,
        "--format",
        "json",
        "--moved",
        &moved_path,
    ]));
    // Lead 2 moved; lead 1 stayed in A, but by a rule whose condition is
    // another: an unnamed rule is its condition, so both changed rule.
    assert_eq!(
        (report["changed"].as_u64(), report["rule_changed"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(
        std::fs::read_to_string(&moved).expect("the moved file"),
        "row,key,old_class,new_class,old_score,new_score,old_rule,new_rule,old_route,new_route\n\
         2,2,B,A,0,0,otherwise,line 4,,\n"
    );
}

/// `lq sweep` against a brute-force count: for each cut-off, the leads
/// neither disqualified nor errors scoring at least it.
fn check_sweep(policy: &str, data: &str, column: &str, block: Option<&str>) -> Value {
    let mut cmd = lq();
    cmd.args([
        "sweep",
        policy,
        data,
        "--as-of",
        AS_OF,
        "--outcome",
        column,
        "--format",
        "json",
    ]);
    if let Some(b) = block {
        cmd.args(["--score", b]);
    }
    cmd.args(["--capacity", "3"]);
    let report = json_of(&mut cmd);
    let leads = evaluate(policy, data, column);
    let all_positive = leads
        .iter()
        .filter(|l| yes_no(&l.kept) == Some(true))
        .count() as f64;
    let scored: Vec<(i64, Option<bool>)> = leads
        .iter()
        .filter(|l| l.class != "disqualified" && l.class != "error")
        .map(|l| {
            let s = match block {
                None => l.score.unwrap_or(0),
                Some(b) => l.scores.get(b).copied().unwrap_or(0),
            };
            (s, yes_no(&l.kept))
        })
        .collect();
    let mut cutoffs: Vec<i64> = scored.iter().map(|s| s.0).collect();
    cutoffs.sort_unstable_by(|a, b| b.cmp(a));
    cutoffs.dedup();
    let rows = report["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), cutoffs.len());
    for (row, t) in rows.iter().zip(&cutoffs) {
        let picked: Vec<&(i64, Option<bool>)> = scored.iter().filter(|s| s.0 >= *t).collect();
        let positive = picked.iter().filter(|s| s.1 == Some(true)).count();
        let negative = picked.iter().filter(|s| s.1 == Some(false)).count();
        assert_eq!(row["cutoff"].as_i64(), Some(*t));
        assert_eq!(row["leads"].as_u64(), Some(picked.len() as u64), "at {t}");
        assert_eq!(row["positive"].as_u64(), Some(positive as u64), "at {t}");
        assert_eq!(row["negative"].as_u64(), Some(negative as u64), "at {t}");
        let recall = row["recall"].as_f64().expect("a recall");
        assert!((recall - positive as f64 / all_positive).abs() < 1e-12);
    }
    // The capacity's cut-off: the lowest whose volume fits.
    let fits = rows
        .iter()
        .filter(|r| r["leads"].as_u64().unwrap_or(u64::MAX) <= 3)
        .filter_map(|r| r["cutoff"].as_i64())
        .min();
    assert_eq!(report["capacity"]["cutoff"].as_i64(), fits);
    report
}

#[test]
fn sweep_rows_equal_a_brute_force_count() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let policy = dir.path().join("scored.lq");
    std::fs::write(
        &policy,
        "schema { id: int key\n budget: int\n role: text? }\ntiers A > B\n\
         disqualify when role = \"student\" because \"student\"\n\
         score fit { +1 per round(budget / 50) }\nscore extra { +5 when role = \"vp\" }\n\
         rule hot: when score >= 3 then tier A\notherwise tier B\n",
    )
    .expect("written");
    let policy = policy.to_string_lossy().into_owned();
    let report = check_sweep(&policy, OUTCOMES_DATA, "won", None);
    assert_eq!(
        report["capacity"]["current"],
        serde_json::json!({"rule": "hot", "tier": "A", "cutoff": 3, "leads": 3,
                           "positive": 1, "rate": 0.5})
    );
    let report = check_sweep(&policy, OUTCOMES_DATA, "won", Some("extra"));
    assert_eq!(report["score"], "extra");
    assert_eq!(
        report["capacity"]["current"],
        Value::Null,
        "no rule compares `extra`"
    );
    // More capacity than leads: the lowest cut-off; less than any: none.
    let wide = json_of(lq().args([
        "sweep",
        &policy,
        OUTCOMES_DATA,
        "--outcome",
        "won",
        "--capacity",
        "1000",
        "--format",
        "json",
    ]));
    let lowest = wide["rows"]
        .as_array()
        .and_then(|r| r.last())
        .expect("rows")["cutoff"]
        .clone();
    assert_eq!(wide["capacity"]["cutoff"], lowest);
    let none = json_of(lq().args([
        "sweep",
        &policy,
        OUTCOMES_DATA,
        "--outcome",
        "won",
        "--capacity",
        "0",
        "--format",
        "json",
    ]));
    assert_eq!(none["capacity"]["cutoff"], Value::Null);
    let out = lq()
        .args([
            "sweep",
            &policy,
            OUTCOMES_DATA,
            "--outcome",
            "won",
            "--score",
            "fitt",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `fit`?"));
    let csv = success_stdout(lq().args([
        "sweep",
        &policy,
        OUTCOMES_DATA,
        "--outcome",
        "won",
        "--format",
        "csv",
    ]));
    assert!(csv.starts_with("cutoff,leads,positive,negative,unknown,rate,recall,lift\n"));
}

#[test]
fn sweep_on_the_x_education_export_equals_a_brute_force_count() {
    if !shared_data(LEADS) {
        return;
    }
    let report = check_sweep(X_EDUCATION, LEADS, "Converted", None);
    assert_eq!(report["capacity"]["current"]["rule"], "strong");
    check_sweep(X_EDUCATION, LEADS, "Converted", Some("fit"));
}

#[test]
fn tier_names_that_are_statuses_are_rejected() {
    let out = lq()
        .args(["check", "tests/cases/check/reserved-tier.lq"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
}

/// The human forms, as people see them.
#[test]
fn human_outputs() {
    let coverage = success_stdout(lq().args([
        "coverage",
        "examples/inbound-saas.lq",
        "examples/data/inbound-history.csv",
        "--as-of",
        AS_OF,
        "--outcome",
        "converted",
    ]));
    insta::assert_snapshot!("coverage_with_outcome", coverage);
    let diff = |format: &str| {
        success_stdout(lq().args([
            "diff",
            OUTCOMES,
            OUTCOMES_V2,
            OUTCOMES_DATA,
            "--outcome",
            "won",
            "--format",
            format,
        ]))
    };
    insta::assert_snapshot!("diff_human", diff("human"));
    insta::assert_snapshot!("diff_markdown", diff("markdown"));
    let plain = success_stdout(lq().args(["diff", OUTCOMES, OUTCOMES_V2, OUTCOMES_DATA]));
    insta::assert_snapshot!("diff_without_outcome", plain);
    let sweep = success_stdout(lq().args([
        "sweep",
        "examples/inbound-saas.lq",
        "examples/data/inbound-history.csv",
        "--as-of",
        AS_OF,
        "--outcome",
        "converted",
        "--capacity",
        "60",
    ]));
    insta::assert_snapshot!("sweep_human", sweep);
}

/// A long run shows a progress bar on a terminal's stderr (bytes of the
/// total, records, rate and time left), and never when stderr is not a
/// terminal.
#[cfg(unix)]
#[test]
fn progress_on_a_terminal_only() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("leads.csv");
    let data = data.to_string_lossy().into_owned();
    let out = dir.path().join("out.csv");
    let out = out.to_string_lossy().into_owned();
    success_stdout(lq().args([
        "generate",
        "examples/inbound-saas.lq",
        "--count",
        "260000",
        "--output",
        &data,
    ]));
    assert!(std::fs::metadata(&data).expect("generated").len() > 16 << 20);
    for command in ["eval", "coverage"] {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("lq"));
        cmd.args([command, "examples/inbound-saas.lq", &data, "--as-of", AS_OF]);
        if command == "eval" {
            cmd.args(["--output", &out, "--threads", "1"]);
        }
        cmd.env("NO_COLOR", "1").env("TERM", "xterm");
        let mut p = rexpect::session::spawn_command(cmd, Some(120_000)).expect("spawn in a pty");
        p.exp_string("records (")
            .expect("a bar with the records read");
        p.exp_string("left)").expect("and the time left");
        p.exp_eof().expect("the run ends");
    }
    // The same run with stderr in a pipe: the counts, and no bar.
    let piped = lq()
        .args(["eval", "examples/inbound-saas.lq", &data, "--as-of", AS_OF])
        .args(["--output", &out])
        .output()
        .expect("runs");
    let said = String::from_utf8_lossy(&piped.stderr);
    assert!(said.starts_with("260000 records:"), "{said}");
    assert!(!said.contains("left)") && !said.contains('\r'), "{said}");
}
