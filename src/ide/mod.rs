//! Editor support, independent of any protocol: one [`Analysis`] of a
//! policy's text answers what an editor asks — diagnostics, completion,
//! hover, definitions and references, rename, outline, folding, semantic
//! colouring, quick fixes and test results — by byte offsets. The language
//! server (`lq lsp`, [`crate::lsp`]) turns those into protocol messages.
//!
//! An analysis works on any text: a half-typed policy parses with error
//! recovery, and every declaration that parsed is indexed and checked.

pub mod complete;
pub mod fixes;
pub mod hover;
pub mod index;
pub mod outline;
pub mod rename;
pub mod tokens;

use crate::check::{check_again, reuse::Memo, reuse::Reuse, tir::CheckedPolicy};
use crate::source::{Source, Span};
use crate::syntax::{ast, parse_recovering, split::Broken, Reparser};
use crate::{Error, Policy};

pub use index::{Index, Occurrence, Symbol, SymbolKind};

/// Everything an editor needs to know about one version of a policy.
#[derive(Debug)]
pub struct Analysis {
    /// The text analysed.
    pub text: String,
    /// The declarations that parsed (empty when a size limit was hit).
    pub ast: ast::Policy,
    /// The declarations that did not parse.
    pub broken: Vec<Broken>,
    /// Errors and warnings, as `lq check` reports them, in source order.
    pub diagnostics: Vec<Error>,
    /// The names declared and where each is used, built when first asked
    /// for ([`Analysis::index`]): diagnostics do not need it, so a change's
    /// diagnostics are published without waiting for it.
    index: std::cell::OnceCell<Index>,
    /// The checked declarations (complete only without errors): types of
    /// lets, enums' spellings.
    pub checked: CheckedPolicy,
    /// Whether the text has syntax errors (formatting is refused).
    pub has_syntax_errors: bool,
    /// What the check kept for the check of the next version.
    memo: Memo,
    name: String,
    /// The test results, once asked for (code lenses ask after each
    /// change), with the date they were run as of.
    tests: std::cell::RefCell<Option<TestRun>>,
}

/// Test results as of a date (`None`: the policy has errors).
type TestRun = (i32, Option<Vec<crate::testing::TestResult>>);

impl Analysis {
    /// Analyses `text` (named `name` in diagnostics).
    pub fn new(name: &str, text: &str) -> Analysis {
        Analysis::from_parsed(name, text, parse_recovering(text), None)
    }

    /// Analyses a new version of a document, re-parsing only the
    /// declarations that changed since `reparser` last saw it; `previous`
    /// is the last version's analysis, whose declarations, checked rules
    /// and what its check kept are moved out and reused (so it is left
    /// without them: it is there to be dropped).
    pub fn again(
        reparser: &mut Reparser,
        previous: Option<&mut Analysis>,
        name: &str,
        text: &str,
    ) -> Analysis {
        // The last version's tree goes to the parser, which moves its
        // unchanged declarations; its checked rules and what its check kept
        // go to the checker, which carries the unchanged rules over.
        let (last, kept) = match previous {
            Some(a) => {
                let ast = std::mem::replace(&mut a.ast, ast::Policy { items: Vec::new() });
                let rules = std::mem::take(&mut a.checked.rules);
                (Some(ast), Some((rules, std::mem::take(&mut a.memo))))
            }
            None => (None, None),
        };
        let parsed = reparser.parse(text, last);
        let reuse = kept.map(|(rules, memo)| Reuse {
            origins: reparser.origins(),
            memo,
            rules,
        });
        Analysis::from_parsed(name, text, parsed, reuse)
    }

    fn from_parsed(
        name: &str,
        text: &str,
        parsed: crate::syntax::Parsed,
        reuse: Option<Reuse<'_>>,
    ) -> Analysis {
        let has_syntax_errors = !parsed.errors.is_empty();
        // A text over a size limit is not parsed at all: nothing to check.
        let parsed_any = parsed.policy.is_some();
        let ast = parsed.policy.unwrap_or(ast::Policy { items: Vec::new() });
        let (
            crate::check::Checked {
                policy: checked,
                diagnostics,
            },
            memo,
        ) = check_again(&ast, !has_syntax_errors, reuse);
        let broken = parsed.broken;
        let diagnostics = crate::policy::reported(
            text,
            parsed.errors,
            parsed_any.then_some(diagnostics),
            &broken,
        );
        Analysis {
            text: text.to_string(),
            ast,
            broken,
            diagnostics,
            index: std::cell::OnceCell::new(),
            checked,
            has_syntax_errors,
            memo,
            name: name.to_string(),
            tests: std::cell::RefCell::new(None),
        }
    }

    /// The names declared and where each is used (built on first use).
    pub fn index(&self) -> &Index {
        self.index.get_or_init(|| Index::build(&self.ast))
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| !d.is_warning())
    }

    /// The policy, loaded for running its tests; `None` while it has
    /// errors.
    pub fn policy(&self) -> Option<Policy> {
        if self.has_errors() {
            return None;
        }
        // Compiled from this analysis's checked policy: no second parse.
        Some(Policy::from_checked(
            Source::new(self.name.clone(), self.text.clone()),
            self.ast.clone(),
            &self.checked,
            &self.diagnostics,
        ))
    }

    /// The symbol whose name is under `offset`.
    pub fn symbol_at(&self, offset: usize) -> Option<(usize, &Symbol, Span)> {
        let o = self.index().at(offset)?;
        Some((o.symbol, self.index().symbols.get(o.symbol)?, o.span))
    }

    /// Where the name under `offset` is declared.
    pub fn definition(&self, offset: usize) -> Option<Span> {
        self.symbol_at(offset).map(|(_, s, _)| s.def)
    }

    /// Every place the name under `offset` is written, its declaration
    /// first when `with_declaration`.
    pub fn references(&self, offset: usize, with_declaration: bool) -> Vec<Span> {
        let Some((id, _, _)) = self.symbol_at(offset) else {
            return Vec::new();
        };
        let mut spans = self.index().occurrences_of(id);
        if !with_declaration && !spans.is_empty() {
            spans.remove(0);
        }
        spans
    }

    /// The text of a span (empty if out of range).
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    /// The whole text, formatted by `lq fmt`; `None` when it has syntax
    /// errors (formatting would lose what did not parse).
    pub fn formatted(&self) -> Option<String> {
        if self.has_syntax_errors {
            return None;
        }
        crate::fmt::format(&self.text).ok().map(|f| f.text)
    }

    /// The result of every test, with the line each starts on; `None`
    /// while the policy has errors.
    pub fn test_results(&self, as_of: i32) -> Option<Vec<crate::testing::TestResult>> {
        let mut cached = self.tests.borrow_mut();
        if let Some((date, results)) = cached.as_ref() {
            if *date == as_of {
                return results.clone();
            }
        }
        let results = self
            .policy()
            .map(|policy| crate::testing::run_tests(&policy, as_of));
        *cached = Some((as_of, results.clone()));
        results
    }
}

/// The word (letters, digits, `_`) ending at `offset`: its start.
pub fn word_start(text: &str, offset: usize) -> usize {
    let offset = floor_char(text, offset);
    text[..offset]
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1)
}

/// `offset` moved back to the nearest character boundary (and into the
/// text).
pub fn floor_char(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An analysis can move between threads (a server embedding lq may
    /// keep documents on a pool): what it keeps for the next check included.
    #[test]
    fn an_analysis_can_be_sent_between_threads() {
        fn send<T: Send>(_: &T) {}
        let a = Analysis::new("p.lq", include_str!("../../examples/inbound-saas.lq"));
        send(&a);
        let handle = std::thread::spawn(move || a.diagnostics.len());
        assert!(handle.join().is_ok());
    }

    #[test]
    fn a_broken_policy_is_still_indexed() {
        let text =
            "schema { id: int key  n: int }\ntiers A\nlet x = n > &&\nwhen n > 1 then tier A\n";
        let a = Analysis::new("p.lq", text);
        assert!(a.has_syntax_errors);
        assert_eq!(a.diagnostics.len(), 1);
        let at = text.rfind("n > 1").expect("there");
        assert_eq!(a.definition(at), Some(Span::new(22, 23)));
        assert!(a.formatted().is_none());
    }
}
