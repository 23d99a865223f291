//! The pipeline's stages import only downwards: the floor (values, sources,
//! dates, diagnostics) ← syntax ← check ← compile ← eval ← the tools
//! (data, SQL, formatter, explanations, the `Policy` front) ← the CLI. A
//! `use crate::…` (or a `crate::…` path) that reaches up a stage fails
//! here, naming the file, the line and the two stages, so the circles that
//! once tied compile and eval together cannot come back.

use std::path::{Path, PathBuf};

/// The stages, lowest first, and the top-level modules in each.
const STAGES: &[(&str, &[&str])] = &[
    (
        "floor",
        &[
            "source",
            "diagnostic",
            "printable",
            "date",
            "text_key",
            "value",
        ],
    ),
    ("syntax", &["syntax"]),
    ("check", &["check"]),
    ("compile", &["compile"]),
    ("eval", &["eval"]),
    (
        "tools",
        &[
            "batch", "data", "sql", "fmt", "explain", "coverage", "insight", "report", "testing",
            "policy", "error", "lib",
        ],
    ),
    ("services", &["ide", "lsp", "serve"]),
    ("cli", &["cli", "main"]),
];

/// The stage of a top-level module, by its index in [`STAGES`].
fn stage_of(module: &str) -> Option<usize> {
    STAGES
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

/// The top-level module a source file belongs to: `src/check/typeck.rs` is
/// `check`, `src/policy.rs` is `policy`.
fn module_of(path: &Path, src: &Path) -> String {
    let rel = path.strip_prefix(src).expect("under src");
    let first = rel
        .components()
        .next()
        .expect("a file")
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    first.trim_end_matches(".rs").to_string()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::module` a line of code names (comments left out).
fn crate_paths(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let before = &rest[..at];
        // `lq::crate` never occurs; `$crate::` in a macro is the crate too.
        if !before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') && !name.is_empty() {
            // `crate::Policy`, `crate::Error`: what the crate root re-exports
            // stands with the root.
            let module = if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                "lib".to_string()
            } else {
                name
            };
            found.push(module);
        }
        rest = after;
    }
    found
}

/// Each import in `src` that goes up a stage: `file:line: from (stage) to (stage)`.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let module = module_of(&file, src);
        let Some(own) = stage_of(&module) else {
            out.push(format!(
                "{}: module `{module}` has no stage in tests/stage_order.rs",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("readable");
        for (i, line) in text.lines().enumerate() {
            for used in crate_paths(line) {
                match stage_of(&used) {
                    Some(theirs) if theirs > own => out.push(format!(
                        "{}:{}: `{module}` ({}) uses `crate::{used}` ({})",
                        file.display(),
                        i + 1,
                        STAGES[own].0,
                        STAGES[theirs].0
                    )),
                    Some(_) => {}
                    None => out.push(format!(
                        "{}:{}: `crate::{used}` has no stage in tests/stage_order.rs",
                        file.display(),
                        i + 1
                    )),
                }
            }
        }
    }
    out
}

#[test]
fn no_stage_imports_a_later_one() {
    let found = violations(Path::new("src"));
    assert!(
        found.is_empty(),
        "imports that go up the stages (floor ← syntax ← check ← compile ← eval ← tools ← cli):\n{}",
        found.join("\n")
    );
}

#[test]
fn a_wrong_import_is_caught() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("syntax")).expect("folders");
    std::fs::write(
        src.join("syntax/ast.rs"),
        "//! uses crate::eval in a comment only\nuse crate::source::Span;\nuse crate::eval::Datum;\n",
    )
    .expect("written");
    std::fs::write(
        src.join("value.rs"),
        "use crate::check::tir::CheckedPolicy;\n",
    )
    .expect("written");
    let found = violations(&src);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].ends_with("ast.rs:3: `syntax` (syntax) uses `crate::eval` (eval)"),
        "{found:?}"
    );
    assert!(
        found[1].ends_with("value.rs:1: `value` (floor) uses `crate::check` (check)"),
        "{found:?}"
    );
}
