//! Cost budgets: what a policy makes later stages do must stay linear in
//! its size.
//!
//! A let is written once but inlined wherever it is used (by the compiler,
//! the rule analysis and the SQL back end), so `let b = a and not a` is
//! twice the size of `a`, and thirty such lets are a billion nodes from a
//! one-kilobyte policy. The checker measures every let's expanded size
//! (each let once, so the measuring is linear) and refuses a policy whose
//! lets would expand past [`MAX_LET_EXPANSION`] nodes in all.

use super::error::CheckError;
use super::tir::{TExpr, TKind};
use super::Checker;

/// The most nodes that inlining lets may add to a policy, in all: far
/// above what a hand-written policy needs (a let of 50 operations used in
/// 2,000 places), far below what would exhaust memory.
pub const MAX_LET_EXPANSION: u64 = 200_000;

impl Checker<'_> {
    /// Reports a policy whose lets expand past [`MAX_LET_EXPANSION`]: at the
    /// first let that is too large by itself, or else at the first place
    /// where the uses of lets, added up in source order, pass the limit.
    pub(super) fn let_budget(&mut self) {
        let lets = &self.out.lets;
        // Without lets nothing is inlined: no walk over every expression.
        if lets.is_empty() {
            return;
        }
        let mut sizes: Vec<Option<u64>> = vec![None; lets.len()];
        for i in 0..lets.len() {
            let_size(lets, i, &mut sizes);
        }
        let sizes: Vec<u64> = sizes.into_iter().map(|s| s.unwrap_or(1)).collect();
        for (i, size) in sizes.iter().enumerate() {
            if *size > MAX_LET_EXPANSION {
                let decl = self.let_decls[i];
                self.error(CheckError::LetTooLarge {
                    name: decl.name.node.clone(),
                    size: *size,
                    limit: MAX_LET_EXPANSION,
                    total: false,
                    span: decl.name.span,
                });
                return;
            }
        }
        // Every expression outside the lets, in source order: the extra
        // nodes that inlining adds to each.
        let mut places: Vec<&TExpr> = Vec::new();
        places.extend(self.out.disqualifiers.iter().map(|d| &d.when));
        for b in &self.out.blocks {
            places.extend(b.entries.iter().map(|e| &e.expr));
        }
        places.extend(self.out.rules.iter().filter_map(|r| r.when.as_ref()));
        places.sort_by_key(|e| e.span.start);
        let mut total: u64 = 0;
        for e in places {
            let mut largest: Option<usize> = None;
            total = total.saturating_add(let_uses(e, &sizes, &mut largest));
            if total > MAX_LET_EXPANSION {
                let name = largest
                    .map(|i| self.let_decls[i].name.node.clone())
                    .unwrap_or_default();
                self.error(CheckError::LetTooLarge {
                    name,
                    size: total,
                    limit: MAX_LET_EXPANSION,
                    total: true,
                    span: e.span,
                });
                return;
            }
        }
    }
}

/// The number of nodes let `i` stands for once inlined, memoised in
/// `sizes`. A let still being measured (a cycle, already reported as an
/// error) counts as one node.
fn let_size(lets: &[super::tir::LetDef], i: usize, sizes: &mut Vec<Option<u64>>) -> u64 {
    if let Some(Some(s)) = sizes.get(i) {
        return *s;
    }
    let Some(def) = lets.get(i) else { return 1 };
    sizes[i] = Some(1);
    let size = expanded(&def.value, &mut |j| let_size(lets, j, sizes));
    sizes[i] = Some(size);
    size
}

/// The nodes of `e` with every let replaced by its expansion.
fn expanded(e: &TExpr, let_size: &mut dyn FnMut(usize) -> u64) -> u64 {
    if let TKind::Let(i) = e.kind {
        return let_size(i);
    }
    e.children()
        .fold(1u64, |n, x| n.saturating_add(expanded(x, let_size)))
}

/// The nodes that inlining adds to `e`: the expanded size of each let it
/// uses directly. `largest` is set to the largest of those lets.
fn let_uses(e: &TExpr, sizes: &[u64], largest: &mut Option<usize>) -> u64 {
    let mut largest_size = 0;
    let total = expanded(e, &mut |i| {
        let s = sizes.get(i).copied().unwrap_or(1);
        if s > largest_size {
            largest_size = s;
            *largest = Some(i);
        }
        s
    });
    // The expression's own nodes are already in the policy's size.
    total.saturating_sub(own_nodes(e))
}

/// The nodes of `e` itself, each let use counted as one.
fn own_nodes(e: &TExpr) -> u64 {
    expanded(e, &mut |_| 1)
}
