//! Regular expressions after `matches`: the one way the checker and the
//! plan build them, and the budget all of a policy's patterns share.
//!
//! One pattern may compile to at most [`PATTERN_SIZE_LIMIT`] bytes, and all
//! distinct patterns together — compiled program plus the most the lazy DFA
//! may cache per thread — to at most [`PATTERNS_TOTAL_LIMIT`]. A repeated
//! pattern is built and counted once. So a policy's regex memory is bounded
//! whatever its length, and checking stops compiling once the budget is
//! spent instead of compiling thousands of patterns first.

use std::collections::HashMap;
use std::sync::Arc;

use regex_automata::meta::{self, BuildError, Regex};
use regex_automata::util::syntax;

/// The most compiled size one pattern may take (bytes).
pub const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// The most all of a policy's distinct patterns may take together (bytes,
/// per evaluating thread).
pub const PATTERNS_TOTAL_LIMIT: usize = 64 << 20;

/// The lazy DFA's cache per pattern and thread (bytes). The engine falls
/// back to a slower, still linear, search when a pattern needs more.
const CACHE_CAPACITY: usize = 128 << 10;

/// A compiled pattern, shared by every use of the same text.
pub type Pattern = Arc<Regex>;

/// Why a pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternProblem {
    /// It does not compile; the reason, in one line.
    Invalid(String),
    /// It compiles, but all patterns so far together exceed the budget.
    OverBudget {
        /// The bytes all patterns up to and including this one take.
        total: usize,
    },
}

/// The patterns a check built, by their text, handed to the compiler so a
/// pattern is compiled once per load, not once by each stage.
#[derive(Clone, Default)]
pub struct BuiltPatterns(HashMap<String, Pattern>);

impl BuiltPatterns {
    /// The compiled pattern for `text`, if the check built it.
    pub fn get(&self, text: &str) -> Option<&Pattern> {
        self.0.get(text)
    }
}

impl std::fmt::Debug for BuiltPatterns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BuiltPatterns({} patterns)", self.0.len())
    }
}

/// Two sets of built patterns are the same when they hold the same texts
/// (a pattern's compiled form follows from its text).
impl PartialEq for BuiltPatterns {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len() && self.0.keys().all(|k| other.0.contains_key(k))
    }
}

/// Builds patterns once each and keeps the running total. A typical
/// pattern (`(?i)^(test|fake)`) takes about 150 KiB with its cache, so a
/// policy may hold some 400; `\w{9}` alone takes 600 KiB.
#[derive(Default)]
pub struct PatternBudget {
    built: HashMap<String, Pattern>,
    used: usize,
    spent: bool,
}

impl PatternBudget {
    /// A budget with nothing spent.
    pub fn new() -> Self {
        Self::default()
    }

    /// The compiled pattern for `text`. Once one pattern has gone over the
    /// budget, later new patterns are refused without being compiled.
    pub fn build(&mut self, text: &str) -> Result<Pattern, PatternProblem> {
        if let Some(built) = self.built.get(text) {
            return Ok(built.clone());
        }
        if self.spent {
            return Err(PatternProblem::OverBudget { total: self.used });
        }
        let regex = match compile(text) {
            Ok(regex) => regex,
            Err((too_large, reason)) => {
                // A pattern refused for its size cost the time to build up
                // to the limit: count that, so a policy of many too-large
                // patterns stops early too.
                if too_large {
                    self.used += PATTERN_SIZE_LIMIT;
                    self.spent = self.used > PATTERNS_TOTAL_LIMIT;
                }
                return Err(PatternProblem::Invalid(reason));
            }
        };
        self.used += regex.memory_usage() + CACHE_CAPACITY;
        if self.used > PATTERNS_TOTAL_LIMIT {
            self.spent = true;
            return Err(PatternProblem::OverBudget { total: self.used });
        }
        let pattern = Arc::new(regex);
        self.built.insert(text.to_string(), pattern.clone());
        Ok(pattern)
    }

    /// What was built, for the compiler.
    pub fn into_built(self) -> BuiltPatterns {
        BuiltPatterns(self.built)
    }

    /// Whether a pattern has already gone over the budget.
    pub fn is_spent(&self) -> bool {
        self.spent
    }
}

/// The compiled pattern, or whether it was refused for its size and why.
fn compile(text: &str) -> Result<Regex, (bool, String)> {
    Regex::builder()
        .syntax(syntax::Config::new())
        .configure(
            meta::Config::new()
                .nfa_size_limit(Some(PATTERN_SIZE_LIMIT))
                .onepass_size_limit(Some(PATTERN_SIZE_LIMIT))
                .hybrid_cache_capacity(CACHE_CAPACITY)
                .which_captures(regex_automata::nfa::thompson::WhichCaptures::Implicit),
        )
        .build(text)
        .map_err(|err| (err.size_limit().is_some(), reason(&err)))
}

fn reason(err: &BuildError) -> String {
    if let Some(limit) = err.size_limit() {
        return format!("the pattern is too large (over {limit} bytes compiled); simplify it");
    }
    match err.syntax_error() {
        Some(syntax) => {
            let text = syntax.to_string();
            let last = text
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            let reason = last.trim_start_matches("error:").trim();
            format!("{reason}; patterns use Rust regex syntax (linear time, no look-around or back-references)")
        }
        None => "the pattern does not compile".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_pattern_is_built_once() {
        let mut budget = PatternBudget::new();
        let a = budget.build("^a+b$").unwrap();
        let used = budget.used;
        let b = budget.build("^a+b$").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(budget.used, used);
        assert!(a.is_match("aab"));
    }

    #[test]
    fn the_budget_is_a_total() {
        let mut budget = PatternBudget::new();
        let mut refused = None;
        for i in 0..2000 {
            if let Err(problem) = budget.build(&format!(r"\w{{9}}{i}[a-z]+\d{{20}}")) {
                refused = Some((i, problem));
                break;
            }
        }
        let (i, problem) = refused.expect("the budget stops 2000 patterns");
        assert!(i > 10, "ordinary patterns fit: refused at {i}");
        assert!(
            matches!(problem, PatternProblem::OverBudget { total } if total > PATTERNS_TOTAL_LIMIT)
        );
        assert!(budget.is_spent());
        // Later new patterns are refused without compiling; old ones still work.
        assert!(budget.build("x").is_err());
        assert!(budget.build(r"\w{9}0[a-z]+\d{20}").is_ok());
    }

    #[test]
    fn syntax_errors_say_why_in_one_line() {
        let mut budget = PatternBudget::new();
        let Err(PatternProblem::Invalid(reason)) = budget.build("(a") else {
            panic!("`(a` is not a pattern");
        };
        assert!(reason.starts_with("unclosed group;"), "{reason}");
    }

    #[test]
    fn too_large_patterns_spend_the_budget() {
        let mut budget = PatternBudget::new();
        let mut tried = 0;
        while !budget.is_spent() {
            tried += 1;
            let problem = budget.build(&format!(r"\w{{50}}{tried}")).unwrap_err();
            assert!(matches!(problem, PatternProblem::Invalid(ref r) if r.contains("too large")));
            assert!(tried < 100, "the budget stops too-large patterns too");
        }
        assert_eq!(tried, PATTERNS_TOTAL_LIMIT / PATTERN_SIZE_LIMIT + 1);
    }
}
