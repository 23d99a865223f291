//! `lq test POLICY...`: run the policies' `test` blocks.

use lq::testing::{run_tests, TestResult};
use lq::Policy;

use super::check::read_policy;
use super::render::Style;
use super::Exit;

/// Arguments of `lq test`.
#[derive(clap::Args)]
#[command(after_help = "Example:\n  lq test examples/*.lq")]
pub struct Args {
    /// The policy files.
    #[arg(required = true)]
    files: Vec<String>,
    /// The evaluation date for tests without `as of` [default: today].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::eval::parse_date)]
    as_of: Option<i32>,
}

/// Runs `lq test`.
pub fn run(args: Args, style: &Style) -> Exit {
    let as_of = args.as_of.unwrap_or_else(lq::date::today);
    let (mut passed, mut failed, mut broken) = (0, 0, false);
    for path in &args.files {
        let Some(source) = read_policy(path, style) else {
            return Exit::Usage;
        };
        let loaded = Policy::load(source);
        for d in loaded.diagnostics.iter().filter(|d| !d.is_warning()) {
            style.eprint(d, Some(&loaded.source));
        }
        let Some(policy) = loaded.policy else {
            broken = true;
            continue;
        };
        let results = run_tests(&policy, as_of);
        println!(
            "running {} test{} in {path}",
            results.len(),
            if results.len() == 1 { "" } else { "s" }
        );
        for r in &results {
            print_result(r);
            if r.passed() {
                passed += 1;
            } else {
                failed += 1;
            }
        }
    }
    let verdict = if failed == 0 && !broken {
        "ok"
    } else {
        "FAILED"
    };
    println!("\ntest result: {verdict}. {passed} passed; {failed} failed");
    if failed > 0 || broken {
        Exit::Failure
    } else {
        Exit::Success
    }
}

fn print_result(r: &TestResult) {
    if r.passed() {
        println!("test {:?} ... ok", r.name);
        return;
    }
    println!("test {:?} ... FAILED", r.name);
    for m in &r.failures {
        println!("    expected {}", m.expected);
        println!("    actual   {}", m.actual);
    }
    let o = &r.outcome;
    let score = o
        .score
        .map_or_else(|| "none".to_string(), |s| s.to_string());
    let blocks: Vec<String> = o.scores.iter().map(|(n, s)| format!("{n} {s}")).collect();
    println!(
        "    outcome: {} tier {} score {score}{} rule {} route {}{}",
        o.status.as_str(),
        o.tier.as_deref().unwrap_or("none"),
        if blocks.is_empty() {
            String::new()
        } else {
            format!(" ({})", blocks.join(", "))
        },
        o.rule.as_deref().unwrap_or("none"),
        o.route.as_deref().unwrap_or("none"),
        if o.reasons.is_empty() {
            String::new()
        } else {
            format!(" reasons {:?}", o.reasons)
        },
    );
}
