//! CSV dialects and the accounting flags of `lq eval`, run through the
//! binary: BOM, quoted cells, delimiters, gzip, --verbose, --errors and
//! --max-errors.

use std::io::Write;

use assert_cmd::Command;

const POLICY: &str =
    "schema {\n  id: int key\n  note: text?\n  amount: money?\n}\ntiers A\notherwise tier A\n";

fn setup(data_name: &str, data: &[u8]) -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let policy = dir.path().join("p.lq");
    std::fs::write(&policy, POLICY).expect("write");
    let data_path = dir.path().join(data_name);
    std::fs::write(&data_path, data).expect("write");
    (
        dir,
        policy.to_string_lossy().into_owned(),
        data_path.to_string_lossy().into_owned(),
    )
}

fn eval(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::cargo_bin("lq")
        .expect("bin")
        .arg("eval")
        .args(args)
        .args(["--format", "ndjson"])
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_byte_order_mark_crlf_and_quoted_cells() {
    let data = b"\xef\xbb\xbfid,note,amount\r\n1,\"Hello, world\",\"$1,500\"\r\n2,\"two\r\nlines \"\"quoted\"\"\",\r\n";
    let (_dir, policy, data) = setup("bom.csv", data);
    let (code, out, err) = eval(&[&policy, &data]);
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "row counts records, not lines: {out}");
    assert!(lines[1].starts_with(r#"{"row":2,"id":2,"status":"qualified""#));
}

#[test]
fn delimiters_are_detected_or_given() {
    for (name, data) in [
        ("semi.csv", "id;note;amount\n1;a;5\n"),
        ("tab.csv", "id\tnote\tamount\n1\ta\t5\n"),
        ("pipe.csv", "id|note|amount\n1|a|5\n"),
    ] {
        let (_dir, policy, data) = setup(name, data.as_bytes());
        let (code, out, err) = eval(&[&policy, &data]);
        assert_eq!(code, Some(0), "{name}: {err}");
        assert_eq!(out.lines().count(), 1, "{name}");
    }
    // A header without the delimiter detected wrongly is fixed by --delimiter.
    let (_dir, policy, data) = setup("odd.txt", b"id;note;amount\n1;a,b;5\n");
    let (code, _, _) = eval(&[&policy, &data, "--delimiter", ";"]);
    assert_eq!(code, Some(0));
}

#[test]
fn gzip_is_read_transparently_and_truncation_is_an_error() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"id,note,amount\n1,a,5\n2,b,6\n")
        .expect("compress");
    let bytes = gz.finish().expect("finish");
    let (dir, policy, data) = setup("leads.csv.gz", &bytes);
    let (code, out, _) = eval(&[&policy, &data]);
    assert_eq!((code, out.lines().count()), (Some(0), 2));
    let truncated = dir.path().join("cut.csv.gz");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    let (code, _, err) = eval(&[&policy, &truncated.to_string_lossy()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn verbose_lists_unused_columns() {
    let (_dir, policy, data) = setup("extra.csv", b"id,note,amount,owner,stage\n1,a,5,x,y\n");
    let (_, _, err) = eval(&[&policy, &data, "--verbose"]);
    assert!(
        err.contains("columns not in the schema (ignored): owner, stage"),
        "{err}"
    );
}

#[test]
fn errors_file_and_max_errors() {
    let (dir, policy, data) = setup(
        "bad.csv",
        b"id,note,amount\n1,a,lots\nx,b,5\n3,c,7\n4,d,many\n",
    );
    let report = dir.path().join("errors.ndjson");
    let report_path = report.to_string_lossy().into_owned();
    let (code, out, err) = eval(&[&policy, &data, "--errors", &report_path]);
    assert_eq!(code, Some(1));
    assert_eq!(out.lines().count(), 4, "every record has an outcome");
    assert!(
        err.contains("4 records: 1 qualified, 0 disqualified, 0 unmatched, 3 errors"),
        "{err}"
    );
    let lines: Vec<String> = std::fs::read_to_string(&report)
        .expect("the report")
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(
        lines[0],
        r#"{"row":1,"key":1,"column":"amount","value":"lots","message":"row 1, column amount: \"lots\" is not a number"}"#
    );
    assert_eq!(
        lines[1],
        r#"{"row":2,"key":null,"column":"id","value":"x","message":"row 2, column id: \"x\" is not a number"}"#
    );
    assert_eq!(lines.len(), 3);
    // --max-errors 2: stops at the second error, with what came before written.
    let (code, out, err) = eval(&[&policy, &data, "--max-errors", "2"]);
    assert_eq!(code, Some(1));
    assert_eq!(out.lines().count(), 2);
    assert!(err.contains("stopped after 2 unreadable records"), "{err}");
}

/// `count` leads of `examples/inbound-saas.lq` from `lq generate`, as
/// CSV or (a name ending in `.ndjson`) NDJSON, in `dir/name`: its path.
fn generated(dir: &std::path::Path, name: &str, count: &str) -> String {
    let path = dir.join(name);
    let format = if name.ends_with(".ndjson") {
        "ndjson"
    } else {
        "csv"
    };
    let gen = Command::cargo_bin("lq")
        .expect("bin")
        .args(["generate", "examples/inbound-saas.lq", "--count", count])
        .args(["--format", format, "--output"])
        .arg(&path)
        .output()
        .expect("runs");
    assert!(
        gen.status.success(),
        "{}",
        String::from_utf8_lossy(&gen.stderr)
    );
    path.to_string_lossy().into_owned()
}

#[test]
fn outcomes_are_the_same_and_in_order_whatever_the_threads() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = generated(dir.path(), "leads.csv", "20000");
    let again = Command::cargo_bin("lq")
        .expect("bin")
        .args(["generate", "examples/inbound-saas.lq", "--count", "20000"])
        .output()
        .expect("runs");
    assert_eq!(
        again.stdout,
        std::fs::read(&data).expect("the data"),
        "the same seed gives the same leads"
    );
    // The same leads as NDJSON, and NDJSON as messy as a CRM export:
    // blank lines, broken JSON, a record that is not an object, text that
    // is not UTF-8, a line past `--max-record-bytes`, a cell that does not
    // convert, and no line end at the end.
    let ndjson = generated(dir.path(), "leads.ndjson", "20000");
    let messy = dir.path().join("messy.ndjson");
    let lead = std::fs::read_to_string(&ndjson).expect("the leads");
    let mut text = Vec::new();
    for (i, line) in lead.lines().take(3000).enumerate() {
        match i % 9 {
            1 => text.extend_from_slice(b"\n  \r\n"),
            2 => text.extend_from_slice(b"{\"id\": 7, \"email\":\n"),
            3 => text.extend_from_slice(b"[1, 2]\n"),
            4 => text.extend_from_slice(b"{\"id\": 8, \"email\": \"\xff\"}\n"),
            5 => text
                .extend_from_slice(format!("{{\"note\": \"{}\"}}\n", "x".repeat(600)).as_bytes()),
            6 => {
                text.extend_from_slice(line.replace("\"role\":\"", "\"role\":\"Chief ").as_bytes())
            }
            _ => text.extend_from_slice(line.as_bytes()),
        }
        if i % 9 == 6 || i % 9 == 0 || i % 9 >= 7 {
            text.extend_from_slice(b"\r\n");
        }
    }
    text.extend_from_slice(lead.lines().next().unwrap_or_default().as_bytes());
    std::fs::write(&messy, text).expect("written");
    let messy = messy.to_string_lossy().into_owned();
    for inputs in [
        vec![data.as_str()],
        vec!["examples/data/inbound-leads-messy.csv", data.as_str()],
        vec![ndjson.as_str()],
        vec![messy.as_str(), data.as_str(), ndjson.as_str()],
    ] {
        for format in ["csv", "ndjson"] {
            // An error report of each run, as CSV or NDJSON.
            let report = |threads: &str| dir.path().join(format!("errors-{threads}.{format}"));
            let run = |threads: &str| {
                let mut cmd = Command::cargo_bin("lq").expect("bin");
                cmd.args([
                    "eval",
                    "examples/inbound-saas.lq",
                    "--as-of",
                    "2026-11-23",
                    "--format",
                    format,
                    "--threads",
                    threads,
                    "--max-record-bytes",
                    "500",
                    "--allow-errors",
                ])
                .arg("--errors")
                .arg(report(threads))
                .args(&inputs);
                let out = cmd.output().expect("runs");
                (
                    out.stdout,
                    String::from_utf8_lossy(&out.stderr)
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                )
            };
            let (one, counts) = run("1");
            let errors = std::fs::read(report("1")).expect("the report");
            // --max-errors stops at the same record on workers, the
            // outcomes and report so far written, with the same counts.
            let stopping = |threads: &str| {
                let out = Command::cargo_bin("lq")
                    .expect("bin")
                    .args(["eval", "examples/inbound-saas.lq", "--as-of", "2026-11-23"])
                    .args(["--format", format, "--threads", threads])
                    .args([
                        "--max-record-bytes",
                        "500",
                        "--max-errors",
                        "25",
                        "--errors",
                    ])
                    .arg(report(&format!("max-{threads}")))
                    .args(&inputs)
                    .output()
                    .expect("runs");
                let report = std::fs::read(report(&format!("max-{threads}"))).expect("report");
                (out.status.code(), out.stdout, out.stderr, report)
            };
            let stopped = stopping("1");
            for threads in ["2", "3"] {
                assert!(
                    stopping(threads) == stopped,
                    "{format}, {threads} threads, {inputs:?}: --max-errors differs"
                );
            }
            let said = String::from_utf8_lossy(&stopped.2);
            if inputs[0] == messy {
                assert!(
                    said.contains("stopped after 25 unreadable records"),
                    "{said}"
                );
            }
            for threads in ["2", "3"] {
                let (many, counts_many) = run(threads);
                assert!(
                    one == many,
                    "{format}, {threads} threads, {inputs:?}: outcomes differ"
                );
                assert_eq!(counts, counts_many);
                let errors_many = std::fs::read(report(threads)).expect("the report");
                assert!(
                    errors == errors_many,
                    "{format}, {threads} threads, {inputs:?}: error reports differ"
                );
            }
            let reported = String::from_utf8_lossy(&errors).lines().count();
            let header = usize::from(format == "csv");
            if inputs.len() > 1 {
                assert!(reported > header + 1, "{reported} lines reported");
            } else {
                assert_eq!(reported, header, "no errors in generated leads");
            }
            let out = String::from_utf8_lossy(&one);
            let rows = out.lines().count();
            assert!(rows >= 20000, "{rows}");
            if inputs[0] == messy {
                for problem in ["invalid JSON", "JSON object", "UTF-8", "500 bytes", "Chief"] {
                    assert!(out.contains(problem), "{problem}: {counts}");
                }
            }
        }
    }
}

/// `--explain` on worker threads: the same outcomes with their traces
/// (NDJSON), the same traces on standard error beside CSV, the same exit
/// code, also when `--max-errors` stops the run part way, as one thread.
#[test]
fn explained_runs_are_the_same_whatever_the_threads() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = generated(dir.path(), "leads.csv", "2500");
    // The generated leads with an unreadable budget every 300 leads.
    let text = std::fs::read_to_string(&data).expect("the leads");
    let mut broken = String::new();
    for (i, line) in text.lines().enumerate() {
        let mut cells: Vec<&str> = line.split(',').collect();
        if i % 300 == 150 && cells.len() > 4 {
            cells[4] = "lots";
        }
        broken.push_str(&cells.join(","));
        broken.push('\n');
    }
    let broken_path = dir.path().join("broken.csv");
    std::fs::write(&broken_path, broken).expect("written");
    let broken = broken_path.to_string_lossy().into_owned();
    let run = |threads: &str, format: &str, more: &[&str]| {
        let out = Command::cargo_bin("lq")
            .expect("bin")
            .args(["eval", "examples/inbound-saas.lq", "--as-of", "2026-11-23"])
            .args(["--explain", "--verbose", "--format", format])
            .args(["--threads", threads])
            .args(more)
            .output()
            .expect("runs");
        (out.status.code(), out.stdout, out.stderr)
    };
    for format in ["csv", "ndjson"] {
        for more in [
            vec![data.as_str()],
            vec!["examples/data/inbound-leads-messy.csv", data.as_str()],
            vec![broken.as_str(), "--max-errors", "4"],
        ] {
            let one = run("1", format, &more);
            let said = String::from_utf8_lossy(&one.2);
            let out = String::from_utf8_lossy(&one.1);
            // Traces of read records: on stderr beside CSV, in each line
            // of NDJSON.
            if format == "csv" {
                assert!(said.contains(":\n  disqualifiers"), "{said}");
            } else {
                assert!(out.contains(",\"explain\":{"), "{out}");
            }
            let traced = if format == "csv" { &said } else { &out };
            assert!(traced.contains("otherwise"), "{format} {more:?}");
            if more.contains(&"--max-errors") {
                assert_eq!(one.0, Some(1));
                assert!(said.contains("stopped after 4 unreadable records"));
                assert!(out.lines().count() < 1300, "stopped part way");
            }
            for threads in ["2", "3"] {
                let many = run(threads, format, &more);
                let workers = format!("evaluated on {threads} worker threads");
                let said_many = String::from_utf8_lossy(&many.2);
                assert!(said_many.contains(&workers), "{said_many}");
                // The same, but for the line that says workers ran.
                let without = |text: &str| {
                    let lines = text.lines().filter(|l| !l.contains("worker threads"));
                    lines.collect::<Vec<_>>().join("\n")
                };
                assert_eq!(one.0, many.0, "{format} {more:?} on {threads}");
                assert!(one.1 == many.1, "{format} {more:?} on {threads}: outcomes");
                assert!(
                    without(&said) == without(&said_many),
                    "{format} {more:?} on {threads}: stderr"
                );
            }
        }
    }
}

/// Traces beside CSV lines on workers also for lines that take the
/// general path: a date key (and cells escaped for a spreadsheet).
#[test]
fn explained_general_path_lines_are_the_same_whatever_the_threads() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let policy = dir.path().join("days.lq");
    std::fs::write(
        &policy,
        "schema {\n  day: date key\n  note: text?\n  budget: money?\n}\ntiers A > B\n\
         rule big: when budget >= 10k then tier A\notherwise tier B\n",
    )
    .expect("written");
    let mut csv = String::from("day,note,budget\n");
    for i in 0..300 {
        let note = if i % 7 == 0 { "=SUM(A1)" } else { "fine" };
        csv.push_str(&format!(
            "2026-{:02}-{:02},{note},{}\n",
            i % 12 + 1,
            i % 28 + 1,
            i * 97
        ));
    }
    let data = dir.path().join("days.csv");
    std::fs::write(&data, csv).expect("written");
    let run = |threads: &str| {
        let out = Command::cargo_bin("lq")
            .expect("bin")
            .arg("eval")
            .args([&policy, &data])
            .args([
                "--format",
                "csv",
                "--explain",
                "--escape-formulas",
                "--keep",
                "note",
            ])
            .args(["--threads", threads])
            .output()
            .expect("runs");
        (out.status.code(), out.stdout, out.stderr)
    };
    let one = run("1");
    let said = String::from_utf8_lossy(&one.2);
    assert_eq!(said.matches("\nrow ").count() + 1, 300, "a trace a row");
    for threads in ["2", "3"] {
        assert!(run(threads) == one, "{threads} threads");
    }
}
