//! The CI recipes in docs/ci.md, run for real: the GitHub Actions steps,
//! the GitLab script, the pre-commit framework entries and the git hook
//! all pass on good policies and fail on each kind of broken one; the
//! policy-impact workflow's `lq diff` step writes the job summary of a
//! pull request in a temporary git repository.

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
    assert_eq!(
        yaml.len(),
        4,
        "GitHub, GitLab and pre-commit recipes, and the policy-impact workflow"
    );
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

/// The shell script of the policy-impact workflow's `run: |` step.
fn impact_step() -> String {
    let yaml = blocks("yaml");
    let workflow = yaml.get(3).expect("the policy-impact workflow");
    let mut script = String::new();
    let mut indent = None;
    for line in workflow.lines() {
        match indent {
            None if line.trim() == "run: |" => {
                indent = Some(line.len() - line.trim_start().len() + 2);
            }
            Some(n) if line.trim().is_empty() || line.len() - line.trim_start().len() >= n => {
                script.push_str(line.get(n..).unwrap_or(""));
                script.push('\n');
            }
            Some(_) => break,
            None => {}
        }
    }
    assert!(script.contains("lq diff"), "{script}");
    script
}

#[test]
fn the_impact_workflow_puts_the_diff_of_a_changed_policy_in_the_job_summary() {
    // The team's repository: policies and a sample export on `main`.
    let origin = workspace(None);
    let samples = origin.path().join("samples");
    std::fs::create_dir(&samples).expect("samples/");
    std::fs::copy(
        "examples/data/inbound-history.csv",
        samples.join("leads.csv"),
    )
    .expect("copy the sample");
    let o = origin.path();
    assert!(git(o, &["init", "-q", "-b", "main"]).status.success());
    assert!(git(o, &["add", "."]).status.success());
    assert!(git(o, &["commit", "-q", "-m", "policies"]).status.success());
    // A pull request's checkout: a clone, on a branch that lowers a line.
    let work = tempfile::tempdir().expect("a temp dir");
    let w = work.path().join("repo");
    let cloned = git(
        work.path(),
        &["clone", "-q", &o.to_string_lossy(), &w.to_string_lossy()],
    );
    assert!(
        cloned.status.success(),
        "{}",
        String::from_utf8_lossy(&cloned.stderr)
    );
    assert!(git(&w, &["checkout", "-q", "-b", "lower-hot"])
        .status
        .success());
    let policy = w.join("policies/inbound-saas.lq");
    let text = std::fs::read_to_string(&policy).expect("the policy");
    let changed = text.replace(
        "when score >= 40 then tier A",
        "when score >= 32 then tier A",
    );
    assert_ne!(text, changed);
    std::fs::write(&policy, changed).expect("write");
    // A new policy is not diffed (it has no old version).
    std::fs::write(
        w.join("policies/new.lq"),
        "schema { id: int key }\ntiers A\notherwise tier A\n",
    )
    .expect("write");
    assert!(git(&w, &["add", "."]).status.success());
    assert!(git(&w, &["commit", "-q", "-m", "lower the hot line"])
        .status
        .success());
    let summary = work.path().join("summary.md");
    let path = format!(
        "{}:{}",
        lq_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(impact_step())
        .current_dir(&w)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("GITHUB_BASE_REF", "main")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "the step failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(&summary).expect("the job summary");
    assert!(
        written.starts_with("### `policies/inbound-saas.lq`\n"),
        "{written}"
    );
    assert!(written.contains("changed class"), "{written}");
    assert!(
        written.contains("| old \\ new "),
        "the movement matrix: {written}"
    );
    assert!(written.contains("| class "), "the class totals: {written}");
    assert!(!written.contains("new.lq"), "{written}");
    // No policy changed: an empty summary.
    assert!(git(&w, &["checkout", "-q", "main"]).status.success());
    std::fs::remove_file(&summary).expect("remove");
    let out = Command::new("bash")
        .arg("-c")
        .arg(impact_step())
        .current_dir(&w)
        .env(
            "PATH",
            format!(
                "{}:{}",
                lq_dir().display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("GITHUB_BASE_REF", "main")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("bash runs");
    assert!(out.status.success());
    assert!(
        !summary.exists()
            || std::fs::read_to_string(&summary)
                .unwrap_or_default()
                .is_empty()
    );
}
