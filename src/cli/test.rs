//! `lq test POLICY...`: run the policies' `test` blocks.

use std::fmt::Write as _;

use lq::testing::{run_tests, TestResult};
use lq::Policy;

use super::common::read_policy;
use super::render::Style;
use super::Exit;

/// Arguments of `lq test`.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  lq test examples/*.lq\n  lq test --filter enterprise policy.lq\n  lq test --format junit policies/*.lq > lq-tests.xml"
)]
pub struct Args {
    /// The policy files.
    #[arg(required = true)]
    files: Vec<String>,
    /// Run only the tests whose name contains this text.
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// How to report: human, or junit (JUnit XML on stdout, for CI dashboards).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    #[command(flatten)]
    as_of: crate::cli::common::AsOf,
    /// Report which disqualifiers, score entries and rules no test exercises.
    #[arg(long)]
    coverage: bool,
    /// Fail (exit 1) when tests exercise less than PERCENT of the items.
    #[arg(long, value_name = "PERCENT")]
    coverage_min: Option<f64>,
    /// Also write coverage to FILE: lcov if it ends in .info or .lcov, else JSON.
    #[arg(long, value_name = "FILE")]
    coverage_output: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Human,
    Junit,
}

/// One policy file's results.
struct Suite {
    file: String,
    results: Vec<(TestResult, usize, String)>,
    broken: bool,
    coverage: Option<lq::coverage::Coverage>,
}

/// Runs `lq test`.
pub fn run(args: Args, style: &Style) -> Exit {
    let as_of = args.as_of.date();
    let mut suites = Vec::new();
    for path in &args.files {
        let Some(source) = read_policy(path, style) else {
            return Exit::Usage;
        };
        let loaded = Policy::load(source);
        for d in loaded.diagnostics.iter().filter(|d| !d.is_warning()) {
            style.eprint(d, Some(&loaded.source));
        }
        let Some(policy) = loaded.policy else {
            errln!("{path}: the policy has errors, so its tests were not run");
            suites.push(Suite {
                file: path.clone(),
                results: Vec::new(),
                broken: true,
                coverage: None,
            });
            continue;
        };
        let results = run_tests(&policy, as_of)
            .into_iter()
            .filter(|r| {
                args.filter
                    .as_ref()
                    .is_none_or(|f| r.name.contains(f.as_str()))
            })
            .map(|r| {
                let line = r.span.line_col(&policy.source.text).0;
                let detail = failure_detail(&policy, &r);
                (r, line, detail)
            })
            .collect();
        let mut coverage = lq::coverage::Coverage::new(&policy);
        for t in &policy.checked().tests {
            if args
                .filter
                .as_ref()
                .is_none_or(|f| t.name.contains(f.as_str()))
            {
                coverage.add(&policy, &t.record, t.as_of.unwrap_or(as_of));
            }
        }
        suites.push(Suite {
            file: path.clone(),
            results,
            broken: false,
            coverage: Some(coverage),
        });
    }
    let passed = suites
        .iter()
        .flat_map(|s| &s.results)
        .filter(|(r, _, _)| r.passed())
        .count();
    let failed = suites
        .iter()
        .flat_map(|s| &s.results)
        .filter(|(r, _, _)| !r.passed())
        .count();
    let broken = suites.iter().any(|s| s.broken);
    match args.format {
        Format::Human => print_human(&suites, passed, failed, broken),
        Format::Junit => out!("{}", junit(&suites)),
    }
    let want_coverage =
        args.coverage || args.coverage_min.is_some() || args.coverage_output.is_some();
    let coverage_ok = !want_coverage || report_coverage(&suites, &args);
    if failed > 0 || broken || !coverage_ok {
        Exit::Failure
    } else {
        Exit::Success
    }
}

/// Prints (and writes) the coverage of the tests; false when it is below
/// `--coverage-min`.
fn report_coverage(suites: &[Suite], args: &Args) -> bool {
    let (mut items, mut exercised) = (0, 0);
    let mut lcov = String::new();
    let mut json = Vec::new();
    for s in suites {
        let Some(c) = &s.coverage else { continue };
        items += c.items.len();
        exercised += c.items.len() - c.unexercised().count();
        let missed: Vec<String> = c
            .unexercised()
            .map(|i| format!("{} `{}` (line {})", i.kind, i.label, i.line))
            .collect();
        if args.format == Format::Human {
            if missed.is_empty() {
                outln!(
                    "coverage of {}: every disqualifier, score entry and rule is exercised",
                    s.file
                );
            } else {
                outln!(
                    "coverage of {}: {:.1}%; no test exercises {}",
                    s.file,
                    c.percent(),
                    missed.join(", ")
                );
            }
        }
        lcov.push_str(&c.lcov(&s.file));
        json.push(serde_json::json!({ "file": s.file, "percent": c.percent(), "items": c.items }));
    }
    let percent = if items == 0 {
        100.0
    } else {
        100.0 * exercised as f64 / items as f64
    };
    if let Some(path) = &args.coverage_output {
        let lower = path.to_ascii_lowercase();
        let text = if lower.ends_with(".info") || lower.ends_with(".lcov") {
            lcov
        } else {
            serde_json::to_string_pretty(&serde_json::json!({ "percent": percent, "files": json }))
                .unwrap_or_default()
        };
        if let Err(e) = std::fs::write(path, text) {
            errln!("cannot write {path}: {e}");
            return false;
        }
    }
    match args.coverage_min {
        Some(min) if percent < min => {
            errln!("coverage {percent:.1}% is below --coverage-min {min}%");
            false
        }
        _ => true,
    }
}

fn print_human(suites: &[Suite], passed: usize, failed: usize, broken: bool) {
    for s in suites.iter().filter(|s| !s.broken) {
        let n = s.results.len();
        outln!(
            "running {n} test{} in {}",
            if n == 1 { "" } else { "s" },
            s.file
        );
        for (r, _, detail) in &s.results {
            if r.passed() {
                outln!("test {:?} ... ok", r.name);
            } else {
                outln!("test {:?} ... FAILED", r.name);
                out!("{detail}");
            }
        }
    }
    let verdict = if failed == 0 && !broken {
        "ok"
    } else {
        "FAILED"
    };
    outln!("\ntest result: {verdict}. {passed} passed; {failed} failed");
}

/// Expected against actual, the outcome, and how the lead was decided.
fn failure_detail(policy: &Policy, r: &TestResult) -> String {
    if r.passed() {
        return String::new();
    }
    let mut out = String::new();
    for m in &r.failures {
        let _ = writeln!(out, "    expected {}", m.expected);
        let _ = writeln!(out, "      actual {}", m.actual);
    }
    let o = &r.outcome;
    let blocks: Vec<String> = o.scores.iter().map(|(n, s)| format!("{n} {s}")).collect();
    let _ = writeln!(
        out,
        "    outcome: {}, tier {}, score {}{}, rule {}, route {}",
        o.status.as_str(),
        o.tier.as_deref().unwrap_or("none"),
        o.score
            .map_or_else(|| "none".to_string(), |s| s.to_string()),
        if blocks.is_empty() {
            String::new()
        } else {
            format!(" ({})", blocks.join(", "))
        },
        o.rule.as_deref().unwrap_or("none"),
        o.route.as_deref().unwrap_or("none"),
    );
    if let Some(trace) = &r.trace {
        out.push_str("    how it was decided:\n");
        for line in lq::explain::render(policy, trace).lines() {
            let _ = writeln!(out, "      {line}");
        }
    }
    out
}

fn junit(suites: &[Suite]) -> String {
    let total: usize = suites.iter().map(|s| s.results.len()).sum();
    let failures: usize = suites
        .iter()
        .flat_map(|s| &s.results)
        .filter(|(r, _, _)| !r.passed())
        .count();
    let errors = suites.iter().filter(|s| s.broken).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"lq\" tests=\"{total}\" failures=\"{failures}\" errors=\"{errors}\">"
    );
    for s in suites {
        let failed = s.results.iter().filter(|(r, _, _)| !r.passed()).count();
        let file = xml(&s.file);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{file}\" tests=\"{}\" failures=\"{failed}\" errors=\"{}\">",
            s.results.len(),
            usize::from(s.broken)
        );
        if s.broken {
            let _ = writeln!(
                out,
                "    <testcase name=\"check\" classname=\"{file}\" file=\"{file}\">"
            );
            let _ = writeln!(
                out,
                "      <error message=\"the policy has errors, so its tests were not run\"/>"
            );
            let _ = writeln!(out, "    </testcase>");
        }
        for (r, line, detail) in &s.results {
            let name = xml(&r.name);
            let open = format!("    <testcase name=\"{name}\" classname=\"{file}\" file=\"{file}\" line=\"{line}\"");
            if r.passed() {
                let _ = writeln!(out, "{open}/>");
            } else {
                let message: Vec<String> = r
                    .failures
                    .iter()
                    .map(|m| format!("expected {}, got {}", m.expected, m.actual))
                    .collect();
                let _ = writeln!(out, "{open}>");
                let _ = writeln!(
                    out,
                    "      <failure message=\"{}\">{}</failure>",
                    xml(&message.join("; ")),
                    xml(detail)
                );
                let _ = writeln!(out, "    </testcase>");
            }
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Text made safe for XML 1.0, which forbids control characters even as
/// character references: they are written as `\u{1b}` first.
fn xml(text: &str) -> String {
    lq::printable::escape_keep_lines(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}
