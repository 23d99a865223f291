//! Every policy diagnostic, one case file each under `tests/cases/parse`
//! and `tests/cases/check`: its rendered report is snapshotted (plain, no
//! colour, 80 columns), its code is the one the case's first line names,
//! and `lq check` exits as the contract says.

use std::collections::BTreeSet;
use std::path::Path;

use assert_cmd::Command;
use lq::diagnostic::render_plain;
use lq::{Policy, Source};
use miette::Diagnostic;

/// Every code a policy diagnostic can have; each must have a case.
const POLICY_CODES: &[&str] = &[
    "lq::syntax",
    "lq::number_too_large",
    "lq::invalid_date",
    "lq::invalid_duration",
    "lq::fractional_points",
    "lq::too_deep",
    "lq::too_long",
    "lq::line_too_long",
    "lq::policy_too_large",
    "lq::too_many_rules",
    "lq::unknown_name",
    "lq::unknown_variant",
    "lq::unknown_field",
    "lq::unknown_type",
    "lq::unknown_tier",
    "lq::unknown_reference",
    "lq::unknown_function",
    "lq::wrong_arguments",
    "lq::type_mismatch",
    "lq::wrong_type",
    "lq::enum_vs_text",
    "lq::list_outside_in",
    "lq::duplicate",
    "lq::reserved_tier",
    "lq::let_cycle",
    "lq::let_too_large",
    "lq::invisible_character",
    "lq::otherwise_not_last",
    "lq::duplicate_otherwise",
    "lq::invalid_regex",
    "lq::patterns_too_large",
    "lq::no_schema",
    "lq::duplicate_key",
    "lq::unsupported_list",
    "lq::per_not_int",
    "lq::option_type",
    "lq::bounds",
    "lq::record_type",
    "lq::record_missing",
    "lq::bare_duration",
    "lq::unused_let",
    "lq::unused_enum",
    "lq::unused_tier",
    "lq::unreachable_cap",
    "lq::never_fires",
    "lq::always_true",
    "lq::entry_never_counts",
    "lq::falls_through",
];

/// The rendered diagnostics of a case and their codes.
fn diagnose(path: &Path) -> (String, Vec<String>, usize, usize) {
    let text = std::fs::read_to_string(path).expect("the case is readable");
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .expect("a file name");
    let loaded = Policy::load(Source::new(name, text));
    let mut rendered = String::new();
    let mut codes = Vec::new();
    for d in &loaded.diagnostics {
        rendered.push_str(&render_plain(d, Some(&loaded.source), 80));
        rendered.push('\n');
        codes.push(d.code().map(|c| c.to_string()).unwrap_or_default());
    }
    (
        rendered,
        codes,
        loaded.error_count(),
        loaded.warning_count(),
    )
}

fn expected_code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("the case is readable");
    let first = text.lines().next().unwrap_or_default();
    first
        .strip_prefix("# expect: ")
        .expect("a case starts with `# expect: CODE`")
        .trim()
        .to_string()
}

fn run_case(path: &Path) -> String {
    let (rendered, codes, errors, warnings) = diagnose(path);
    let want = expected_code(path);
    assert!(
        codes.contains(&want),
        "{}: expected {want}, got {codes:?}",
        path.display()
    );
    let exit = if errors > 0 { 1 } else { 0 };
    Command::cargo_bin("lq")
        .expect("the binary")
        .args(["check", "--color", "never"])
        .arg(path)
        .assert()
        .code(exit);
    if warnings > 0 {
        Command::cargo_bin("lq")
            .expect("the binary")
            .args(["check", "--deny-warnings"])
            .arg(path)
            .assert()
            .code(1);
    }
    rendered
}

#[test]
fn parse_errors() {
    insta::glob!("cases/parse/*.lq", |path| {
        insta::assert_snapshot!(run_case(path));
    });
}

#[test]
fn check_errors_and_warnings() {
    insta::glob!("cases/check/*.lq", |path| {
        insta::assert_snapshot!(run_case(path));
    });
}

/// Codes whose case is too large to keep as a file: [`size_limits`]
/// generates them.
const GENERATED_CASES: &[&str] = &["lq::policy_too_large", "lq::too_many_rules"];

/// A policy over 8 MiB, and one with 50,001 rules: each is refused with a
/// diagnostic and exit 1 (snapshotted as `lq check` prints it).
#[test]
fn size_limits() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut many = String::from("schema { id: int key  a: int? }\ntiers A\n");
    for i in 0..=lq::syntax::limits::MAX_RULES {
        many.push_str(&format!("rule r{i}: when a > {i} then tier A\n"));
    }
    let huge = format!("# {}\n", "x".repeat(lq::syntax::limits::MAX_POLICY_BYTES));
    for (name, text, code) in [
        ("huge.lq", huge, "lq::policy_too_large"),
        ("many.lq", many, "lq::too_many_rules"),
    ] {
        std::fs::write(dir.path().join(name), text).expect("written");
        let out = Command::cargo_bin("lq")
            .expect("the binary")
            .current_dir(dir.path())
            .args(["check", "--color", "never", name])
            .env("COLUMNS", "80")
            .output()
            .expect("lq runs");
        assert_eq!(out.status.code(), Some(1), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(code), "{stderr}");
        insta::assert_snapshot!(
            format!("size_limit_{}", code.trim_start_matches("lq::")),
            stderr
        );
    }
}

#[test]
fn every_policy_code_has_a_case() {
    let mut covered: BTreeSet<String> = GENERATED_CASES.iter().map(|c| c.to_string()).collect();
    for folder in ["tests/cases/parse", "tests/cases/check"] {
        for entry in std::fs::read_dir(folder).expect("the cases folder") {
            let path = entry.expect("an entry").path();
            covered.insert(expected_code(&path));
        }
    }
    let missing: Vec<_> = POLICY_CODES
        .iter()
        .filter(|c| !covered.contains(**c))
        .collect();
    assert!(missing.is_empty(), "codes without a case: {missing:?}");
}

#[test]
fn a_typo_is_reported_once_without_cascading_errors() {
    let (_, codes, errors, _) = diagnose(Path::new("tests/cases/check/no-cascade.lq"));
    assert_eq!((errors, codes), (1, vec!["lq::unknown_name".to_string()]));
}

#[test]
fn every_problem_is_reported_in_one_run_in_source_order() {
    let text =
        "schema { n: int  r: Rol }\ntiers A\nwhen m > 1 then tier B\nwhen n = \"x\" then tier A\n";
    let loaded = Policy::load(Source::new("many.lq", text));
    let codes: Vec<String> = loaded
        .diagnostics
        .iter()
        .map(|d| d.code().map(|c| c.to_string()).unwrap_or_default())
        .collect();
    assert_eq!(
        codes,
        [
            "lq::unknown_type",
            "lq::unknown_name",
            "lq::unknown_tier",
            "lq::type_mismatch"
        ]
    );
}

/// Syntax errors in several declarations are all reported, with the name
/// and type errors of the declarations that parsed, in one run; names a
/// broken declaration explains are not reported twice.
#[test]
fn every_syntax_error_is_reported_in_one_run() {
    let (_, codes, errors, warnings) =
        diagnose(Path::new("tests/cases/parse/several-syntax-errors.lq"));
    assert_eq!(
        codes,
        [
            "lq::syntax",
            "lq::unknown_variant",
            "lq::syntax",
            "lq::unknown_variant",
            "lq::unknown_tier",
            "lq::unknown_name"
        ]
    );
    assert_eq!((errors, warnings), (6, 0));
    let (rendered, codes, _, _) = diagnose(Path::new(
        "tests/cases/parse/broken-declarations-explain-names.lq",
    ));
    assert_eq!(
        codes,
        ["lq::syntax", "lq::syntax", "lq::syntax", "lq::unknown_name"]
    );
    assert!(rendered.contains("unknown name `visitz`"), "{rendered}");
}

/// A declaration after a broken one still parses when its first word is
/// on the broken one's last line's next line, however the broken one ends.
#[test]
fn recovery_resumes_at_the_next_declaration() {
    let text = "schema { id: int key  n: int }\ntiers A\n\
                rule r: when n > then tier A\n\
                score s {\n  +1 when n > 1\n\
                when n > 2 then tier Z\n\
                otherwise tier A\n";
    let loaded = Policy::load(Source::new("r.lq", text));
    let codes: Vec<String> = loaded
        .diagnostics
        .iter()
        .map(|d| d.code().map(|c| c.to_string()).unwrap_or_default())
        .collect();
    // The missing operand, the unclosed score block, and the unknown tier
    // of the rule after it.
    assert_eq!(codes, ["lq::syntax", "lq::syntax", "lq::unknown_tier"]);
}

/// The words of a syntax error do not depend on what other threads parse
/// at the same time (pest's detailed error tracking is one switch for the
/// whole process; a run once turned it off under another's).
#[test]
fn syntax_errors_read_the_same_whatever_other_threads_parse() {
    let mut texts: Vec<String> = std::fs::read_dir("tests/cases/parse")
        .expect("the cases")
        .map(|e| std::fs::read_to_string(e.expect("an entry").path()).expect("readable"))
        .filter(|t| t.len() < 4096)
        .collect();
    texts.sort();
    let alone: Vec<String> = texts
        .iter()
        .map(|t| format!("{:?}", lq::syntax::parse_recovering(t).errors))
        .collect();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let texts = texts.clone();
            let alone = alone.clone();
            std::thread::Builder::new()
                .stack_size(16 << 20)
                .spawn(move || {
                    for _ in 0..20 {
                        for (t, want) in texts.iter().zip(&alone) {
                            let got = format!("{:?}", lq::syntax::parse_recovering(t).errors);
                            assert_eq!(&got, want, "{t}");
                        }
                    }
                })
                .expect("a thread")
        })
        .collect();
    for t in threads {
        t.join().expect("the same words in every thread");
    }
}
