//! Checking an edited policy again: what a check keeps for the next one
//! ([`Memo`]), and how the next one carries an unchanged rule over instead
//! of checking it anew.
//!
//! An editor checks the policy after every keystroke, and a keystroke
//! changes one declaration. When the incremental parser
//! ([`crate::syntax::Reparser`]) moved a rule unchanged, and every
//! declaration a rule can depend on (enums, the schema, tiers, lets, score
//! blocks, disqualifiers) is unchanged too, the rule types as it did:
//!
//! - its typed condition is moved to its new place, and what typing it did
//!   besides (lets marked used, patterns counted) is done again;
//! - its condition's sets from the rule analysis are reused where finding
//!   them again would take the same steps (`Cost`), and that budget is
//!   taken again;
//! - the rules before the first changed one find what they found last
//!   time (whether each never fires depends only on the rules before it),
//!   so the rule analysis resumes after them, with the budget it had there.
//!
//! The result is the same as a check from scratch, diagnostics and checked
//! policy alike: a property test holds the two equal through random edits.

use super::analysis::Sets;
use super::tir::{RuleDef, TExpr, TKind};
use crate::syntax::ast::{self, Item};

/// What a check of one version keeps for the check of the next.
#[derive(Debug, Default)]
pub struct Memo {
    /// Whether that check found no errors (a policy with errors is checked
    /// from scratch: its rules' typing may have reported something).
    clean: bool,
    /// The items that rules depend on (every item but rules, leads and
    /// tests), by index in that version's syntax tree.
    context: Vec<usize>,
    /// By rule, in order.
    rules: Vec<RuleMemo>,
}

/// What a check kept of one rule.
#[derive(Debug, Default)]
pub(super) struct RuleMemo {
    /// Its item's index in the syntax tree checked.
    pub item: usize,
    /// Whether typing its condition reported nothing (only then is the
    /// typed condition carried over).
    pub quiet: bool,
    /// Whether its condition uses lets or patterns: what typing it does
    /// besides building it ([`super::Checker::replay`]).
    pub uses: bool,
    /// Its condition's sets from the rule analysis; `None` until the
    /// analysis has run.
    pub sets: Option<Kept>,
    /// Its condition's shape, hashed ([`shape_hash`]), for the
    /// repeated-condition check.
    pub shape: Option<u64>,
    /// What the rule analysis found of it, once it has run; cleared when a
    /// version goes by without the analysis (the rules before it may have
    /// changed meanwhile).
    pub linted: Option<Linted>,
}

/// A rule condition's sets as the rule analysis found them, and what
/// finding them took from the analysis budget.
#[derive(Debug)]
pub(super) struct Kept {
    /// The sets (`None`: beyond the analysis).
    pub sets: Option<Sets>,
    /// What they cost.
    pub cost: Cost,
}

/// What finding a condition's sets took from the analysis budget, which
/// says when finding them again would give the same.
#[derive(Clone, Copy, Debug)]
pub(super) enum Cost {
    /// This much, with more left after: the same wherever at least this
    /// much is left.
    Took(usize),
    /// The budget was spent before they were found: the same wherever it
    /// is spent.
    FromSpent,
    /// The budget ran out while they were found: the same only with
    /// exactly the budget there was (a rule before the first change).
    Cut,
}

/// What the rule analysis found of a rule: its finding, and the budget
/// left after it.
#[derive(Debug)]
pub(super) struct Linted {
    /// The warning it gave the rule, if any.
    pub finding: Option<super::CheckError>,
    /// The analysis budget left after the rule.
    pub left_after: usize,
}

/// The last check's work, offered to the next check.
#[derive(Debug)]
pub struct Reuse<'a> {
    /// For each item of the tree to check, the index of the item of the
    /// last tree it was moved from unchanged ([`crate::syntax::Reparser::origins`]).
    pub origins: &'a [Option<usize>],
    /// What the last check kept.
    pub memo: Memo,
    /// The last check's rules (their typed conditions are moved out).
    pub rules: Vec<RuleDef>,
}

/// Whether an item is one rules can depend on.
fn is_context(item: &Item) -> bool {
    !matches!(item, Item::Rule(_) | Item::Lead(_) | Item::Test(_))
}

/// The context items of a tree, by index.
pub(super) fn context(policy: &ast::Policy) -> Vec<usize> {
    let items = policy.items.iter().enumerate();
    items
        .filter(|(_, i)| is_context(i))
        .map(|(i, _)| i)
        .collect()
}

/// What a check carries over from the last one: the last check's rules and
/// what it kept of each, and which of them each item of the new tree is.
#[derive(Debug, Default)]
pub(super) struct Carried {
    /// By item of the new tree: the index of the unchanged rule of the last
    /// check it was moved from.
    by_item: Vec<Option<usize>>,
    /// The last check's rules, each until it is taken.
    rules: Vec<Option<RuleDef>>,
    /// What the last check kept of each.
    memos: Vec<RuleMemo>,
}

impl Carried {
    /// What can be carried from `reuse` into a check of `policy`: nothing
    /// unless the last check was clean and every context item is unchanged,
    /// in the same order.
    pub fn new(policy: &ast::Policy, reuse: Option<Reuse<'_>>) -> Carried {
        let Some(Reuse {
            origins,
            memo,
            rules,
        }) = reuse
        else {
            return Carried::default();
        };
        let same_context = memo.clean
            && origins.len() == policy.items.len()
            && context(policy)
                .into_iter()
                .map(|i| origins[i])
                .eq(memo.context.iter().map(|&k| Some(k)));
        if !same_context || rules.len() != memo.rules.len() {
            return Carried::default();
        }
        // The last tree's rule items: which rule each was.
        let last_items = memo.rules.iter().map(|r| r.item + 1).max().unwrap_or(0);
        let mut rule_of_item = vec![None; last_items];
        for (j, r) in memo.rules.iter().enumerate() {
            rule_of_item[r.item] = Some(j);
        }
        let by_item = origins
            .iter()
            .map(|origin| rule_of_item.get((*origin)?).copied().flatten())
            .collect();
        Carried {
            by_item,
            rules: rules.into_iter().map(Some).collect(),
            memos: memo.rules,
        }
    }

    /// The rule item `i` of the new tree was moved from, if it was typed
    /// without a report (so typing it again would give the same), with
    /// what the last check kept of it; taken.
    pub fn take(&mut self, i: usize) -> Option<(RuleMemo, RuleDef)> {
        let j = (*self.by_item.get(i)?)?;
        let quiet = self.memos.get(j)?.quiet;
        let rule = self
            .rules
            .get_mut(j)?
            .take()
            .filter(|r| quiet && r.when.is_some())?;
        Some((std::mem::take(&mut self.memos[j]), rule))
    }
}

impl Memo {
    /// A memo of a check of `policy` with these rule memos.
    pub(super) fn new(policy: &ast::Policy, clean: bool, rules: Vec<RuleMemo>) -> Memo {
        Memo {
            clean,
            context: context(policy),
            rules,
        }
    }
}

impl super::Checker<'_> {
    /// An unchanged rule carried over from the last check (`old`, as it
    /// was there) to its place in this one (`r`).
    pub(super) fn carry(
        &mut self,
        r: &ast::TierRule,
        memo: &RuleMemo,
        mut old: RuleDef,
    ) -> RuleDef {
        let by = r.span.start as isize - old.span.start as isize;
        if let Some(when) = &mut old.when {
            if by != 0 {
                shift(when, by);
            }
            if memo.uses {
                self.replay(when);
            }
        }
        if let Some(used) = self.tier_used.get_mut(old.tier) {
            *used = true;
        }
        if r.name.is_none() && r.when.is_some() {
            // Named by its line, which may have moved.
            old.label = format!("line {}", r.line);
        }
        old.span = r.span;
        old
    }

    /// What typing a carried condition did besides building it: marks the
    /// lets it uses used, and counts its patterns against the policy's
    /// pattern budget (compiling them for the checked policy).
    pub(super) fn replay(&mut self, e: &TExpr) {
        // In the order typing met them: operands first.
        e.children().for_each(|c| self.replay(c));
        match &e.kind {
            TKind::Let(i) => {
                if let Some(used) = self.let_used.get_mut(*i) {
                    *used = true;
                }
            }
            TKind::Matches(_, pattern) => self.pattern(pattern),
            _ => {}
        }
    }
}

/// Moves every span of `e` by `by` bytes.
pub(super) fn shift(e: &mut TExpr, by: isize) {
    e.span = e.span.moved(by);
    if let TKind::Matches(_, pattern) = &mut e.kind {
        pattern.span = pattern.span.moved(by);
    }
    e.children_mut().for_each(|c| shift(c, by));
}

/// Whether typing `e` did more than build it: it uses a let (marked used)
/// or a pattern (counted against the pattern budget).
pub(super) fn uses(e: &TExpr) -> bool {
    matches!(e.kind, TKind::Let(_) | TKind::Matches(..)) || e.children().any(uses)
}

/// A condition's shape ([`super::tir::Shape`]) hashed with a fixed seed,
/// so that a hash kept from one check holds in the next.
pub(super) fn shape_hash(e: &TExpr) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x6c71).hash_one(super::tir::Shape(e))
}
