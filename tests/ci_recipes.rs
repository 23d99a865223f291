//! The CI recipes in docs/ci.md, run for real: the GitHub Actions steps,
//! the GitLab script, the pre-commit framework entries and the git hook
//! all pass on good policies and fail on each kind of broken one.

use std::path::{Path, PathBuf};
use std::process::Command;

const DOC: &str = "docs/ci.md";

/// The fenced blocks of docs/ci.md with the given info string.
fn blocks(info: &str) -> Vec<String> {
    let text = std::fs::read_to_string(DOC).expect("docs/ci.md");
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(i)) if i.trim() == info => current = Some(String::new()),
            (Some(_), Some(_)) => out.extend(current.take()),
            (Some(body), None) => {
                body.push_str(line);
                body.push('\n');
            }
            _ => {}
        }
    }
    out
}

/// The `lq` commands of the YAML recipes: (recipe, command line).
fn yaml_commands() -> Vec<(&'static str, String)> {
    let yaml = blocks("yaml");
    assert_eq!(yaml.len(), 3, "GitHub, GitLab and pre-commit recipes");
    let mut out = Vec::new();
    for line in yaml[0].lines() {
        if let Some(cmd) = line.trim().strip_prefix("- run: lq ") {
            out.push(("github", format!("lq {cmd}")));
        }
    }
    for line in yaml[1].lines() {
        if let Some(cmd) = line.trim().strip_prefix("- lq ") {
            out.push(("gitlab", format!("lq {cmd}")));
        }
    }
    for line in yaml[2].lines() {
        if let Some(cmd) = line.trim().strip_prefix("entry: ") {
            out.push(("pre-commit", format!("{cmd} policies/*.lq")));
        }
    }
    assert!(out.len() >= 10, "{out:?}");
    out
}

fn lq_dir() -> PathBuf {
    let bin = assert_cmd::cargo::cargo_bin("lq");
    bin.parent().expect("the target folder").to_path_buf()
}

fn shell(dir: &Path, command: &str) -> std::process::Output {
    let path = format!(
        "{}:{}",
        lq_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .output()
        .expect("sh runs")
}

/// A folder with `policies/` holding the examples, and one change applied.
fn workspace(change: Option<(&str, &str)>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).expect("policies/");
    for entry in std::fs::read_dir("examples").expect("examples/") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "lq") {
            std::fs::copy(&path, policies.join(path.file_name().expect("a name"))).expect("copy");
        }
    }
    if let Some((name, text)) = change {
        std::fs::write(policies.join(name), text).expect("write");
    }
    dir
}

const TYPO: &str = "schema {\n  id:     int    key\n  budget: money?\n}\ntiers A > B\nwhen budgte >= 10k then tier A\notherwise tier B\n";
const UNFORMATTED: &str = "schema { id: int key }\ntiers A\notherwise tier A\n";
const FAILING_TEST: &str = "schema {\n  id: int key\n}\n\ntiers A > B\n\notherwise tier B\n\ntest \"wrong\" {\n  given { id: 1 }\n  expect tier A\n}\n";

#[test]
fn recipes_pass_on_good_policies() {
    let dir = workspace(None);
    for (recipe, command) in yaml_commands() {
        let out = shell(dir.path(), &command);
        assert!(
            out.status.success(),
            "{recipe}: `{command}` failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn recipes_fail_on_broken_policies() {
    let cases = [
        ("typo.lq", TYPO, "check"),
        ("messy.lq", UNFORMATTED, "fmt --check"),
        ("wrong.lq", FAILING_TEST, "test"),
    ];
    for (name, text, failing) in cases {
        let dir = workspace(Some((name, text)));
        for (recipe, command) in yaml_commands() {
            let out = shell(dir.path(), &command);
            let should_fail = command.starts_with(&format!("lq {failing}"))
                || (failing == "check" && command.starts_with("lq test"))
                || (failing == "check" && command.starts_with("lq check"));
            if should_fail {
                assert_eq!(
                    out.status.code(),
                    Some(1),
                    "{recipe}: `{command}` should fail on {name}"
                );
            }
        }
    }
}

fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    let path = format!(
        "{}:{}",
        lq_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("git")
        .args([
            "-c",
            "user.name=lq test",
            "-c",
            "user.email=test@lq.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .output()
        .expect("git runs")
}

#[test]
fn the_git_hook_refuses_a_broken_policy() {
    let hook = blocks("sh")
        .into_iter()
        .find(|b| b.contains("pre-commit") || b.starts_with("#!/bin/sh"))
        .expect("the hook");
    let dir = workspace(None);
    assert!(git(dir.path(), &["init", "-q"]).status.success());
    let hook_path = dir.path().join(".git/hooks/pre-commit");
    std::fs::write(&hook_path, hook).expect("write the hook");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook_path, std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
    }
    assert!(git(dir.path(), &["add", "policies"]).status.success());
    let good = git(dir.path(), &["commit", "-q", "-m", "good policies"]);
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    for (name, text) in [
        ("typo.lq", TYPO),
        ("messy.lq", UNFORMATTED),
        ("wrong.lq", FAILING_TEST),
    ] {
        std::fs::write(dir.path().join("policies").join(name), text).expect("write");
        assert!(git(dir.path(), &["add", "policies"]).status.success());
        let bad = git(dir.path(), &["commit", "-q", "-m", "a broken policy"]);
        assert!(!bad.status.success(), "the hook let {name} through");
        std::fs::remove_file(dir.path().join("policies").join(name)).expect("remove");
        assert!(git(dir.path(), &["add", "-A", "policies"]).status.success());
    }
}
