//! The REPL, driven as people and scripts use it: through piped stdin (a
//! transcript) and through a real pseudo-terminal (completion, history,
//! multi-line input, Ctrl-C and Ctrl-D).

mod support;

use std::process::Command;

use assert_cmd::cargo::cargo_bin;
use support::{lq, success_stdout};

fn piped(script: &str) -> String {
    success_stdout(
        lq().args(["repl", "examples/inbound-saas.lq", "--as-of", "2026-11-23"])
            .write_stdin(script),
    )
}

#[test]
fn a_scripted_session() {
    let transcript = piped(
        "budget >= 10k\n\
         :lead kim\n\
         budget >= 10k\n\
         budget is missing\n\
         score\n\
         role in [VP,\n  Director, CTO]\n\
         :set budget 50k\n\
         budget\n\
         :eval\n\
         let rich = budget >= 40k\n\
         let broken = budgte > 1\n\
         rich and not demo_requested\n\
         when rich and role = CTO then tier B, route \"cto-desk\"\n\
         :eval\n\
         :type days_since(last_activity)\n\
         email ends with edu\n\
         :lead {id: 9, role: Manager, visits: 3}\n\
         :explain\n\
         :quit\n\
         1 + 1\n",
    );
    insta::assert_snapshot!(transcript);
}

#[test]
fn a_rejected_declaration_leaves_the_policy_unchanged() {
    let transcript = piped("let big = budgte > 1\nbig\n:rules\n");
    assert!(transcript.contains("unknown name `budgte`"), "{transcript}");
    assert!(
        transcript.contains("unknown name `big`"),
        "the let was not added:\n{transcript}"
    );
}

#[test]
fn leads_from_data_files_and_save() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let saved = dir.path().join("saved.lq");
    let script = format!(
        ":lead examples/data/inbound-leads.csv 3\n:eval\n+5 when visits > 10\n:eval\n:save {}\n:lead examples/data/inbound-leads.csv 99\n",
        saved.display()
    );
    let transcript = piped(&script);
    assert!(
        transcript.contains("status qualified, tier A, score 60 (fit 30, engagement 30), rule hot"),
        "{transcript}"
    );
    assert!(
        transcript.contains("has fewer than 99 records"),
        "{transcript}"
    );
    let text = std::fs::read_to_string(&saved).expect("the saved policy");
    assert!(text.contains("  +5  when visits > 10\n"), "{text}");
    assert!(
        lq::fmt::format(&text)
            .map(|f| f.text == text)
            .unwrap_or(false),
        "saved formatted"
    );
}

#[test]
fn an_enum_typed_again_gains_variants() {
    let transcript = piped(":lead {id: 1, role: Intern}\nenum Role { Intern, Contractor }\n:lead {id: 1, role: Intern}\nrole = Intern\n");
    assert!(
        transcript.contains("`Intern` is not a variant of enum `Role`"),
        "{transcript}"
    );
    assert!(transcript.contains("ok\n"), "{transcript}");
    assert!(
        transcript.trim_end().ends_with("true : bool"),
        "{transcript}"
    );
}

#[test]
fn a_broken_policy_is_reported_and_the_previous_one_kept() {
    let transcript = piped(":load tests/cases/check/unknown-name.lq\n:schema\n");
    assert!(transcript.contains("unknown name `budgte`"));
    assert!(
        transcript.contains("demo_requested: bool"),
        "still the inbound policy:\n{transcript}"
    );
}

#[test]
fn run_counts_a_whole_file_as_lq_eval_does() {
    let transcript =
        piped(":run examples/data/inbound-leads.csv\n:run missing.csv\n:load missing.lq\n");
    assert!(
        transcript.contains("9 records: 6 qualified, 3 disqualified, 0 unmatched, 0 errors"),
        "{transcript}"
    );
    assert!(
        transcript.contains("tier A        3   33.3%"),
        "{transcript}"
    );
    assert!(
        transcript.contains("cannot read `missing.csv`"),
        "{transcript}"
    );
    assert!(
        transcript.contains("cannot read `missing.lq`"),
        "a policy that is not there cannot be read (not written):\n{transcript}"
    );
    let eval = lq()
        .args([
            "eval",
            "examples/inbound-saas.lq",
            "examples/data/inbound-leads.csv",
        ])
        .args(["--as-of", "2026-11-23", "--format", "csv"])
        .output()
        .expect("lq eval runs");
    let counts = String::from_utf8_lossy(&eval.stderr);
    assert!(
        counts.contains("9 records: 6 qualified, 3 disqualified, 0 unmatched, 0 errors"),
        "{counts}"
    );
}

/// A typed rule says where it went, `:before` places one before a named
/// rule, and a rule that can never decide is warned about, on the text
/// typed. Check errors of typed declarations point at what was typed too.
#[test]
fn typed_rules_say_where_they_went_and_warn_when_they_never_decide() {
    let out = piped(
        "let rich = budget >= 40k\n\
         when rich and role = CTO then tier B\n\
         :before enterprise rule vip: when budget >= 100k then tier A\n\
         :before enterprize when rich then tier A\n\
         :before hot let x = 1\n\
         rule nope: when role = CEOO then tier A\n\
         enum Role { Intern\n}\n\
         :rules\n",
    );
    assert!(
        !out.contains("let `rich` is never used"),
        "a let just typed is not used yet:\n{out}"
    );
    assert!(
        out.contains("added the rule after the rule at line 42, before `otherwise`"),
        "{out}"
    );
    assert!(
        out.contains(
            "⚠ this rule can never fire\n   ╭─[<repl>:1:1]\n 1 │ when rich and role = CTO"
        ),
        "{out}"
    );
    assert!(
        out.contains("every lead it matches is decided first by `line 42`"),
        "{out}"
    );
    assert!(
        out.contains("added rule `vip` first, before rule `enterprise`"),
        "{out}"
    );
    assert!(
        out.contains("no rule is named `enterprize`; did you mean `enterprise`?"),
        "{out}"
    );
    assert!(out.contains(":before places one tier rule"), "{out}");
    assert!(
        out.contains("╭─[<repl>:1:24]\n 1 │ rule nope: when role = CEOO then tier A"),
        "{out}"
    );
    let rules = out.rsplit("[vip]").next().unwrap_or("");
    assert!(
        out.contains("[vip] rule vip") && rules.contains("[enterprise]"),
        "vip is listed before enterprise:\n{out}"
    );
}

// ── a real terminal ──

#[cfg(unix)]
fn terminal(history: &std::path::Path) -> rexpect::session::PtySession {
    let mut cmd = Command::new(cargo_bin("lq"));
    cmd.args(["repl", "examples/inbound-saas.lq", "--as-of", "2026-11-23"])
        .env("NO_COLOR", "1")
        .env("LQ_HISTORY", history)
        .env("TERM", "xterm");
    let mut p = rexpect::session::spawn_command(cmd, Some(10_000)).expect("spawn in a pty");
    p.exp_string("lq> ").expect("a prompt");
    p
}

#[cfg(unix)]
fn enter(p: &mut rexpect::session::PtySession, text: &str) {
    p.send(text).expect("send");
    p.send("\r").expect("enter");
    p.flush().expect("flush");
}

/// Types a line and waits for `answer`, then for the next prompt.
#[cfg(unix)]
fn ask(p: &mut rexpect::session::PtySession, typed: &str, answer: &str) {
    enter(p, typed);
    p.exp_string(answer)
        .unwrap_or_else(|e| panic!("`{typed}` should answer `{answer}`: {e}"));
    p.exp_string("lq> ").expect("the next prompt");
}

#[cfg(unix)]
#[test]
fn a_terminal_session() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let history = dir.path().join("history.txt");
    let mut p = terminal(&history);

    ask(&mut p, ":lead kim", "last_activity: 2026-11-20");
    // Evaluation: a missing budget makes the comparison unknown.
    ask(&mut p, "budget >= 10k", "unknown : bool");
    // A declaration that does not check is refused; the session goes on.
    ask(&mut p, "let bad = budgte > 1", "did you mean `budget`?");

    // Completion of a field name.
    p.send("demo_req\t").expect("tab");
    ask(&mut p, "", "true : bool");

    // Completion of an enum variant by the type the context expects.
    p.send("role = Di\t").expect("tab");
    ask(&mut p, "", "false : bool");

    // History recall: the up arrow brings back the last line.
    p.send("\x1b[A").expect("up");
    ask(&mut p, "", "false : bool");

    // Multi-line input: an open bracket continues the line.
    enter(&mut p, "role in [VP,");
    ask(&mut p, "CTO]", "true : bool");

    ask(
        &mut p,
        ":explain",
        "score engagement: 30 (35 before its bounds)",
    );

    // Ctrl-C cancels the line being typed.
    p.send("budget >").expect("send");
    p.send_control('c').expect("ctrl-c");
    p.exp_string("lq> ").expect("a fresh prompt");
    ask(&mut p, "1 + 1", "2 : int");

    // Ctrl-D leaves, and the history is kept for the next session.
    p.send_control('d').expect("ctrl-d");
    p.exp_eof().expect("the REPL ends");
    let kept = std::fs::read_to_string(&history).expect("the history file");
    assert!(
        kept.contains("budget >= 10k") && kept.contains("role in [VP,"),
        "{kept}"
    );

    let mut again = terminal(&history);
    again.send("\x1b[A").expect("up");
    ask(&mut again, "", "2 : int");
    again.send_control('d').expect("ctrl-d");
    again.exp_eof().expect("ends");
}

/// A long pasted line is echoed, not redrawn with colours at every
/// character (a 10 KB line took 10 s, 1 MB minutes), and its answer comes
/// back well within the session's timeout (10 s; it took 8 s for 9 KB).
#[cfg(unix)]
#[test]
fn a_long_pasted_line_with_colour_on() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut cmd = Command::new(cargo_bin("lq"));
    cmd.args([
        "--color",
        "always",
        "repl",
        "examples/inbound-saas.lq",
        "--as-of",
        "2026-11-23",
    ])
    .env_remove("NO_COLOR")
    .env("LQ_HISTORY", dir.path().join("history.txt"))
    .env("TERM", "xterm");
    let mut p = rexpect::session::spawn_command(cmd, Some(10_000)).expect("spawn in a pty");
    p.exp_string("lq> ").expect("a prompt");
    let long = format!("\"{}\" = \"b\"", "a".repeat(30_000));
    enter(&mut p, &long);
    p.exp_string("lq::line_too_long")
        .expect("the answer to a 30 KB line");
    p.send_control('d').expect("ctrl-d");
    p.exp_eof().expect("the REPL ends");
}

/// A history file that is a device or too large is not read (it was read
/// without end from `/dev/zero`): a warning, and the session goes on.
#[cfg(unix)]
#[test]
fn an_endless_history_file_is_not_read() {
    let mut cmd = Command::new(cargo_bin("lq"));
    cmd.args(["repl", "examples/inbound-saas.lq"])
        .env("NO_COLOR", "1")
        .env("LQ_HISTORY", "/dev/zero")
        .env("TERM", "xterm");
    let mut p = rexpect::session::spawn_command(cmd, Some(10_000)).expect("spawn in a pty");
    p.exp_string("history file /dev/zero not used: it is not a regular file")
        .expect("a warning");
    p.exp_string("lq> ").expect("a prompt");
    ask(&mut p, "1 + 1", "2 : int");
    p.send_control('d').expect("ctrl-d");
    p.exp_eof().expect("the REPL ends");
}

// ── no input makes it panic ──

/// The example policies' text, for fragments.
fn example_texts() -> Vec<String> {
    let mut texts = Vec::new();
    for entry in std::fs::read_dir("examples").expect("examples") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "lq") {
            texts.push(std::fs::read_to_string(&path).expect("readable"));
        }
    }
    texts.sort();
    texts
}

/// A fragment of an example policy: a run of its characters (by char
/// boundaries), on one line, or a declaration's words reversed.
fn fragment(texts: &[String], pick: (usize, usize, usize, bool)) -> String {
    let (t, start, len, reverse) = pick;
    let text = &texts[t % texts.len()];
    let chars: Vec<char> = text.chars().collect();
    let start = start % chars.len();
    let end = (start + len).min(chars.len());
    let piece: String = chars[start..end].iter().collect();
    let line = piece.replace(['\n', '\r'], " ");
    if reverse {
        line.split_whitespace().rev().collect::<Vec<_>>().join(" ")
    } else {
        line
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// Random fragments of the example policies, typed at the REPL as
    /// declarations, expressions and commands (`enum Role } x {` sliced a
    /// string out of order and panicked): the session answers each and ends
    /// normally.
    #[test]
    fn no_typed_fragment_makes_the_repl_panic(
        picks in proptest::collection::vec(
            (0usize..10, 0usize..20_000, 1usize..120, proptest::prelude::any::<bool>()),
            30,
        ),
        prefixes in proptest::collection::vec(0usize..8, 30),
    ) {
        let texts = example_texts();
        let mut script = String::new();
        for (pick, prefix) in picks.into_iter().zip(prefixes) {
            let line = fragment(&texts, pick);
            let prefix = [
                "",
                "enum Role ",
                "when ",
                ":set role ",
                ":lead ",
                "+3 when ",
                ":before enterprise when ",
                ":before hot ",
            ][prefix];
            script.push_str(prefix);
            script.push_str(&line);
            // Close what a fragment left open, so the next line is its own.
            script.push_str("\n]\n}\n)\n");
        }
        let out = lq()
            .args(["repl", "examples/inbound-saas.lq", "--as-of", "2026-11-23"])
            .write_stdin(script)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        proptest::prop_assert!(!stderr.contains("panicked"), "{}", stderr);
        proptest::prop_assert_eq!(out.status.code(), Some(0), "{}", stderr);
    }
}

/// `:set` takes one value: a list left open does not swallow the rest of
/// a script, and a comma does not set a second field. `:save` into a
/// missing folder says it cannot write. A broken declaration is shown on
/// the text typed (`<repl>`), not on a made-up line of the policy file.
#[test]
fn set_takes_one_value_and_errors_point_at_what_was_typed() {
    let out = piped(
        ":set id [\n1 + 1\n:set visits 5, id: 7\n:save no-such-folder/x.lq\nenum Role } x {\n",
    );
    assert!(out.contains("2 : int"), "the next line still runs:\n{out}");
    assert!(out.contains("╭─[<repl>:1:2]\n 1 │ 5, id: 7"), "{out}");
    assert!(out.contains("cannot write `no-such-folder/x.lq`"), "{out}");
    assert!(
        out.contains("╭─[<repl>:1:11]\n 1 │ enum Role } x {"),
        "{out}"
    );
}

/// `:diff FILE [OUTCOME]` shows what the edits typed so far do against
/// the policy as loaded, as `lq diff` of the two files would; `:coverage`
/// counts the edited policy.
#[test]
fn diff_and_coverage_of_the_edited_policy() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let saved = dir.path().join("edited.lq");
    let saved = saved.to_string_lossy();
    let transcript = piped(&format!(
        ":diff examples/data/inbound-history.csv converted\n\
         :before hot rule warm_exec: when score >= 32 then tier A\n\
         :diff examples/data/inbound-history.csv converted\n\
         :save {saved}\n\
         :coverage examples/data/inbound-history.csv converted\n\
         :diff missing.csv\n\
         :diff examples/data/inbound-history.csv Converted\n\
         :coverage examples/data/inbound-history.csv y=\n"
    ));
    assert!(
        transcript.contains("400 leads, 0 changed class (0.0%)"),
        "before any edit, nothing moves:\n{transcript}"
    );
    // The same figures as `lq diff` of the file as loaded and as saved.
    let diff = success_stdout(lq().args([
        "diff",
        "examples/inbound-saas.lq",
        &saved,
        "examples/data/inbound-history.csv",
        "--as-of",
        "2026-11-23",
        "--outcome",
        "converted",
    ]));
    assert!(!diff.contains(" 0 changed class"), "{diff}");
    assert!(
        transcript.contains(diff.trim_end()),
        "the REPL's diff is `lq diff`'s:\n{transcript}\n---\n{diff}"
    );
    let coverage = success_stdout(lq().args([
        "coverage",
        &saved,
        "examples/data/inbound-history.csv",
        "--as-of",
        "2026-11-23",
        "--outcome",
        "converted",
    ]));
    // The saved file is formatted, so its lines differ from the typed
    // policy's; from the counts on, the reports are the same.
    let counts = &coverage[coverage.find("400 leads").expect("the lead count")..];
    assert!(
        transcript.contains(counts.trim_end()),
        "the REPL's coverage is `lq coverage`'s:\n{transcript}\n---\n{coverage}"
    );
    assert!(
        transcript.contains("cannot read `missing.csv`"),
        "{transcript}"
    );
    assert!(
        transcript.contains("has no column `Converted`"),
        "{transcript}"
    );
    assert!(
        transcript.contains("lists no positive value"),
        "{transcript}"
    );
    // Without a policy file there is nothing to compare with.
    let bare = success_stdout(
        lq().args(["repl", "--as-of", "2026-11-23"])
            .write_stdin(":diff examples/data/inbound-history.csv\n"),
    );
    assert!(bare.contains("no policy file is loaded"), "{bare}");
}
