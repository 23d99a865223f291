//! Explanations for people: a decision's trace, each step shown with the
//! policy text it came from.

use std::fmt::Write as _;

use crate::check::tir::{TExpr, TKind};
use crate::compile::compile_expr;
use crate::eval::interp::{truth, Env};
use crate::eval::trace::{Part, Trace};
use crate::source::Span;
use crate::value::Datum;
use crate::Policy;

/// Fills in the parts of every compound condition of a trace.
pub fn annotate(policy: &Policy, trace: &mut Trace, record: &[Datum], as_of: i32) {
    let checked = policy.checked();
    let totals: Vec<i64> = trace.blocks.iter().map(|b| b.total).collect();
    let score = crate::eval::interp::score_of(totals.iter().map(|t| i128::from(*t)));
    let env = Env {
        record,
        as_of,
        blocks: &totals,
        total: score,
    };
    let parts = |e: &TExpr| parts_of(policy, e, &env);
    for d in &mut trace.disqualifiers {
        d.parts = parts(&checked.disqualifiers[d.index].when);
    }
    for (b, block) in trace.blocks.iter_mut().enumerate() {
        for (e, entry) in block.entries.iter_mut().enumerate() {
            if entry.when.is_some() {
                entry.parts = parts(&checked.blocks[b].entries[e].expr);
            }
        }
    }
    for (r, step) in trace.rules.iter_mut().enumerate() {
        if let Some(when) = &checked.rules[r].when {
            step.parts = parts(when);
        }
    }
}

/// The operands of a compound condition, each with its value.
fn parts_of(policy: &Policy, e: &TExpr, env: &Env<'_>) -> Vec<Part> {
    let operands: Vec<&TExpr> = match &e.kind {
        TKind::And(..) => chain(e, true),
        TKind::Or(..) => chain(e, false),
        TKind::Not(x) => vec![x],
        _ => return Vec::new(),
    };
    operands
        .into_iter()
        .map(|x| {
            let node = compile_expr(policy.checked(), x);
            Part {
                text: snippet(&policy.source.text, x.span),
                value: truth(&node, env),
                parts: parts_of(policy, x, env),
            }
        })
        .collect()
}

/// The operands of a chain of `and` (or `or`).
fn chain(e: &TExpr, and: bool) -> Vec<&TExpr> {
    match (&e.kind, and) {
        (TKind::And(l, r), true) | (TKind::Or(l, r), false) => {
            let mut v = chain(l, and);
            v.extend(chain(r, and));
            v
        }
        _ => vec![e],
    }
}

fn render_parts(out: &mut String, parts: &[Part], indent: usize) {
    for p in parts {
        let _ = writeln!(
            out,
            "{}{:<8} {}",
            " ".repeat(indent),
            p.value.as_str(),
            p.text
        );
        render_parts(out, &p.parts, indent + 2);
    }
}

/// The longest policy text shown for one step.
const SNIPPET: usize = 90;

/// The trace as an indented text, one line per step.
pub fn render(policy: &Policy, trace: &Trace) -> String {
    let checked = policy.checked();
    let text = &policy.source.text;
    let mut out = String::new();
    if !trace.disqualifiers.is_empty() {
        out.push_str("disqualifiers\n");
    }
    for d in &trace.disqualifiers {
        let span = checked.disqualifiers[d.index].span;
        let _ = writeln!(out, "  {:<8} {}", d.value.as_str(), snippet(text, span));
        render_parts(&mut out, &d.parts, 13);
    }
    for (b, step) in trace.blocks.iter().enumerate() {
        let name = step
            .name
            .as_deref()
            .map_or_else(|| "score".to_string(), |n| format!("score {n}"));
        let bounds = if step.sum == step.total {
            String::new()
        } else {
            format!(" ({} before its bounds)", step.sum)
        };
        let _ = writeln!(out, "{name}: {}{bounds}", step.total);
        for (e, entry) in step.entries.iter().enumerate() {
            let span = checked.blocks[b].entries[e].span;
            let value = match (entry.when, entry.per) {
                (Some(t), _) => t.as_str().to_string(),
                (None, Some(n)) => format!("{n} ×"),
                (None, None) => String::new(),
            };
            let added = if entry.added > 0 {
                format!("+{}", entry.added)
            } else {
                entry.added.to_string()
            };
            let _ = writeln!(out, "  {added:>6}  {value:<8} {}", snippet(text, span));
            render_parts(&mut out, &entry.parts, 19);
        }
    }
    if !trace.rules.is_empty() {
        out.push_str("rules\n");
    }
    for (r, step) in trace.rules.iter().enumerate() {
        let span = checked.rules[r].span;
        let mark = if step.decided { "←" } else { " " };
        let _ = writeln!(
            out,
            "  {:<8} {mark} {}",
            step.value.as_str(),
            snippet(text, span)
        );
        render_parts(&mut out, &step.parts, 13);
    }
    out
}

/// The policy text of a span on one line, shortened if long.
fn snippet(text: &str, span: Span) -> String {
    let raw = text.get(span.start..span.end).unwrap_or("");
    let raw = crate::printable::escape_keep_lines(raw);
    let one_line = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > SNIPPET {
        let cut: String = one_line.chars().take(SNIPPET - 1).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}
