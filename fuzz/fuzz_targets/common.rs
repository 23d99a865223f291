//! What the fuzz targets share: the example policies, rendering every
//! diagnostic (so a span that points outside its text is caught), and
//! comparing syntax trees while ignoring where things were written.

use lq::diagnostic::render_plain;
use std::sync::OnceLock;

use lq::{Error, Policy, Source};

/// The shipped example policies, for the targets that need a checked one.
pub const EXAMPLES: [&str; 6] = [
    include_str!("../../examples/inbound-saas.lq"),
    include_str!("../../examples/bant.lq"),
    include_str!("../../examples/bank-telemarketing.lq"),
    include_str!("../../examples/fit-engagement-matrix.lq"),
    include_str!("../../examples/gates-and-routing.lq"),
    include_str!("../../examples/pardot-grades.lq"),
];

/// Example `which` (modulo their number), checked and compiled once per
/// fuzzing process.
pub fn example(which: u8) -> &'static Policy {
    static POLICIES: OnceLock<Vec<Policy>> = OnceLock::new();
    let policies = POLICIES.get_or_init(|| {
        EXAMPLES
            .iter()
            .map(|text| Policy::from_source("example.lq", text).expect("the examples check"))
            .collect()
    });
    &policies[usize::from(which) % policies.len()]
}

/// Renders each diagnostic over its source, as `lq check` does.
pub fn render_all(diagnostics: &[Error], source: &Source) {
    for d in diagnostics {
        let text = render_plain(d, Some(source), 100);
        assert!(!text.is_empty(), "a diagnostic rendered as nothing");
    }
}

/// A syntax tree's debug text without byte offsets or line numbers, which
/// formatting is allowed to change.
pub fn without_positions(debug: &str) -> String {
    let spans = regex::Regex::new(r"Span \{ start: \d+, end: \d+ \}").expect("a valid regex");
    let lines = regex::Regex::new(r"line: \d+|line \d+").expect("a valid regex");
    let text = spans.replace_all(debug, "_");
    lines.replace_all(&text, "line _").into_owned()
}

/// An evaluation date from two bytes: within a few decades of 2026, or one
/// of the extremes a user can name (years 1 and 9999).
pub fn as_of(bytes: &[u8]) -> i32 {
    let n = u16::from_le_bytes([
        bytes.first().copied().unwrap_or(0),
        bytes.get(1).copied().unwrap_or(0),
    ]);
    match n % 64 {
        0 => -719_162,  // 0001-01-01
        1 => 2_932_896, // 9999-12-31
        _ => 20_000 + i32::from(n / 64),
    }
}

/// The NDJSON outcome lines of `policy` over `input` (CSV or NDJSON), as
/// `lq eval` writes them: record by record on one thread, or formatted by
/// `threads` workers that each parse their own blocks of at least `block`
/// bytes.
pub fn outcome_lines(
    policy: &Policy,
    format: lq::data::InputFormat,
    input: &[u8],
    options: lq::data::ReadOptions,
    threads: usize,
    block: usize,
) -> Option<Vec<u8>> {
    use lq::batch::{Batch, Flow, Lines, Record, Sink};
    use lq::data::{Columns, OutputFormat, RecordError};
    use lq::eval::{Decision, Outcome};

    struct Written<'p> {
        policy: &'p Policy,
        columns: Columns,
        threads: usize,
        out: Vec<u8>,
    }
    impl Written<'_> {
        fn line(&mut self, o: &Outcome) {
            lq::data::writer::outcome_line(OutputFormat::Ndjson, &self.columns, o, &mut self.out)
                .expect("a line is written to memory");
        }
    }
    impl Sink for Written<'_> {
        type Error = std::convert::Infallible;
        fn decided(&mut self, r: Record<'_>, d: &Decision) -> Result<Flow, Self::Error> {
            let o = Outcome::from_decision(&self.policy.compiled, r.row, r.values, d);
            self.line(&o);
            Ok(Flow::Go)
        }
        fn unreadable(&mut self, e: RecordError, _: &[String]) -> Result<Flow, Self::Error> {
            let checked = self.policy.checked();
            let o = Outcome::error(checked, e.row, e.key.clone(), e.messages());
            self.line(&o);
            Ok(Flow::Go)
        }
        fn lines(&self) -> Option<Lines<'_>> {
            (self.threads > 1).then_some(Lines {
                format: OutputFormat::Ndjson,
                columns: &self.columns,
                explain: false,
            })
        }
        fn write_lines(&mut self, bytes: &[u8]) -> Result<(), Self::Error> {
            self.out.extend_from_slice(bytes);
            Ok(())
        }
    }
    let reader = lq::data::RecordReader::with_options(
        policy.checked(),
        Box::new(std::io::Cursor::new(input.to_vec())),
        format,
        "fuzz",
        options,
    )
    .ok()?;
    let mut sink = Written {
        policy,
        columns: Columns::of(policy.checked()),
        threads,
        out: Vec::new(),
    };
    Batch::new(policy, 20_415)
        .threads(threads)
        .block_bytes(block)
        .run([reader], &mut sink)
        .ok()?;
    Some(sink.out)
}
