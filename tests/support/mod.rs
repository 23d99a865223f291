//! Shared by the test crates that generate policies and leads: a small
//! deterministic random generator (no dependency needed for it) and the
//! combinator that builds nested conditions from a test's own atoms.

#![allow(dead_code)]

/// A linear congruential generator: the same sequence for the same seed.
pub struct Lcg(pub u64);

impl Lcg {
    /// A number in `0..n`.
    pub fn pick(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

/// A condition of `and`, `or` and `not` up to `depth` levels over `atom`s.
pub fn condition(rng: &mut Lcg, depth: usize, atom: fn(&mut Lcg) -> String) -> String {
    if depth == 0 || rng.pick(3) == 0 {
        return atom(rng);
    }
    match rng.pick(3) {
        0 => format!(
            "({} and {})",
            condition(rng, depth - 1, atom),
            condition(rng, depth - 1, atom)
        ),
        1 => format!(
            "({} or {})",
            condition(rng, depth - 1, atom),
            condition(rng, depth - 1, atom)
        ),
        _ => format!("not {}", condition(rng, depth - 1, atom)),
    }
}

/// The `lq` binary as a user runs it, with plain (uncoloured) diagnostics
/// wrapped at 80 columns.
pub fn lq() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("lq").expect("the lq binary");
    cmd.env("NO_COLOR", "1").env("COLUMNS", "80");
    cmd
}

/// Runs `cmd`, asserts it succeeded (showing its stderr if not), and
/// returns its stdout.
pub fn success_stdout(cmd: &mut assert_cmd::Command) -> String {
    let out = cmd.output().expect("lq runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether a real data set beside the project (`../shared/data`) is
/// here: a test that reads it skips, saying so, when it is not — unless
/// `LQ_REQUIRE_DATA=1` (as `.ci/run` sets), when its absence fails.
pub fn shared_data(path: &str) -> bool {
    if std::path::Path::new(path).exists() {
        return true;
    }
    assert!(
        std::env::var("LQ_REQUIRE_DATA").as_deref() != Ok("1"),
        "{path} is not here and LQ_REQUIRE_DATA=1 asks for it (the real data sets live in ../shared/data)"
    );
    eprintln!("skipped: {path} is not here (the real data sets live in ../shared/data)");
    false
}
