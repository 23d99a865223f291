//! The README and docs/ show policies and commands; this runs them, so the
//! documentation cannot drift from what lq does.
//!
//! - every ```lq block without `...` parses, and checks cleanly when it is a
//!   whole policy (has a `schema` and `tiers`);
//! - every ```text block that starts with `$ lq ...` is run (with `*` in an
//!   argument expanded), and its output must match the lines shown, where a
//!   line `...` stands for any number of lines.

use std::path::Path;

use assert_cmd::Command;
use lq::{Policy, Source};

fn documents() -> Vec<String> {
    let mut docs = vec!["README.md".to_string()];
    for entry in std::fs::read_dir("docs").expect("docs/") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            docs.push(path.to_string_lossy().into_owned());
        }
    }
    docs
}

/// The fenced blocks of a markdown file: (info string, body, line).
fn blocks(text: &str) -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String, usize)> = None;
    for (i, line) in text.lines().enumerate() {
        match (&mut current, line.trim_start().strip_prefix("```")) {
            (None, Some(info)) => current = Some((info.trim().to_string(), String::new(), i + 1)),
            (Some(_), Some(_)) => out.extend(current.take()),
            (Some((_, body, _)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

#[test]
fn policies_in_the_docs_parse_and_check() {
    let mut seen = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).expect("readable");
        for (info, body, line) in blocks(&text) {
            if info != "lq" || body.contains("...") {
                continue;
            }
            seen += 1;
            let place = format!("{doc}:{line}");
            if let Err(e) = lq::syntax::parse(&body) {
                panic!("{place}: the block does not parse: {e:?}");
            }
            if body.contains("schema") && body.contains("tiers") {
                let loaded = Policy::load(Source::new(&place, body.clone()));
                assert_eq!(loaded.error_count(), 0, "{place}: {:?}", loaded.diagnostics);
            }
        }
    }
    assert!(seen >= 10, "only {seen} policy blocks found");
}

/// Expands `dir/*.ext` into the matching files, sorted.
fn expand(arg: &str) -> Vec<String> {
    let Some((dir, pattern)) = arg.rsplit_once('/').filter(|(_, p)| p.contains('*')) else {
        return vec![arg.to_string()];
    };
    let (prefix, suffix) = pattern.split_once('*').expect("a star");
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .expect("the folder")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(prefix) && n.ends_with(suffix))
        .map(|n| format!("{dir}/{n}"))
        .collect();
    found.sort();
    found
}

/// Whether `actual` matches `expected`, where a `...` line matches any run of lines.
fn matches(expected: &[&str], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((&"...", rest)) => (0..=actual.len()).any(|skip| matches(rest, &actual[skip..])),
        Some((line, rest)) => {
            actual
                .first()
                .is_some_and(|a| a.trim_end() == line.trim_end())
                && matches(rest, &actual[1..])
        }
    }
}

#[test]
fn commands_in_the_docs_print_what_the_docs_show() {
    let mut seen = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).expect("readable");
        for (info, body, line) in blocks(&text) {
            let Some(command) = body.lines().next().and_then(|l| l.strip_prefix("$ lq ")) else {
                continue;
            };
            if info != "text" {
                continue;
            }
            seen += 1;
            // A REPL transcript: lines after `lq> ` are typed, the rest is printed.
            let typed: Vec<&str> = body
                .lines()
                .filter_map(|l| l.strip_prefix("lq> "))
                .collect();
            let args: Vec<String> = command.split_whitespace().flat_map(expand).collect();
            assert!(
                args.iter()
                    .all(|a| Path::new(a).exists() || !a.contains('/')),
                "{doc}:{line}: a file in `{command}` is missing"
            );
            let mut cmd = Command::cargo_bin("lq").expect("the binary");
            cmd.args(&args).env("NO_COLOR", "1").env("COLUMNS", "80");
            if !typed.is_empty() {
                cmd.write_stdin(typed.join("\n") + "\n");
            }
            let out = cmd.output().expect("lq runs");
            let printed = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let expected: Vec<&str> = body
                .lines()
                .skip(1)
                .filter(|l| !l.starts_with("lq> "))
                .collect();
            let actual: Vec<&str> = printed.lines().collect();
            assert!(
                matches(&expected, &actual),
                "{doc}:{line}: `lq {command}` printed:\n{printed}\nbut the doc shows:\n{}",
                expected.join("\n")
            );
        }
    }
    assert!(seen >= 3, "only {seen} commands found");
}
