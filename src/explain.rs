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

fn render_parts(out: &mut String, parts: &[Part], indent: usize, width: Option<usize>) {
    for p in parts {
        let prefix = format!("{}{:<8} ", " ".repeat(indent), p.value.as_str());
        line(out, &prefix, &p.text, width);
        render_parts(out, &p.parts, indent + 2, width);
    }
}

/// `prefix text` as one line, or, when `width` is given and the line is
/// longer, `text` filled to the width on lines that start under its first
/// character. Nothing is cut.
fn line(out: &mut String, prefix: &str, text: &str, width: Option<usize>) {
    let lead = prefix.chars().count();
    let room = width.map(|w| w.saturating_sub(lead).max(30));
    let Some(room) = room.filter(|r| text.chars().count() > *r) else {
        let _ = writeln!(out, "{prefix}{text}");
        return;
    };
    let mut current = String::new();
    let mut first = true;
    for word in text.split(' ') {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > room {
            let start = if first {
                prefix.to_string()
            } else {
                " ".repeat(lead)
            };
            let _ = writeln!(out, "{start}{current}");
            first = false;
            current.clear();
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    let start = if first {
        prefix.to_string()
    } else {
        " ".repeat(lead)
    };
    let _ = writeln!(out, "{start}{current}");
}

/// The trace as an indented text, one line per step, nothing cut (for a
/// file or a pipe).
pub fn render(policy: &Policy, trace: &Trace) -> String {
    render_width(policy, trace, None)
}

/// [`render`] for a terminal `width` columns wide: a step whose policy
/// text does not fit wraps under itself instead of running off the edge.
pub fn render_width(policy: &Policy, trace: &Trace, width: Option<usize>) -> String {
    let checked = policy.checked();
    let text = &policy.source.text;
    let mut out = String::new();
    if !trace.disqualifiers.is_empty() {
        out.push_str("disqualifiers\n");
    }
    for d in &trace.disqualifiers {
        let span = checked.disqualifiers[d.index].span;
        let prefix = format!("  {:<8} ", d.value.as_str());
        line(&mut out, &prefix, &snippet(text, span), width);
        render_parts(&mut out, &d.parts, 13, width);
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
            let prefix = format!("  {added:>6}  {value:<8} ");
            line(&mut out, &prefix, &snippet(text, span), width);
            render_parts(&mut out, &entry.parts, 19, width);
        }
    }
    if !trace.rules.is_empty() {
        out.push_str("rules\n");
    }
    for (r, step) in trace.rules.iter().enumerate() {
        let span = checked.rules[r].span;
        let mark = if step.decided { "←" } else { " " };
        let prefix = format!("  {:<8} {mark} ", step.value.as_str());
        line(&mut out, &prefix, &snippet(text, span), width);
        render_parts(&mut out, &step.parts, 13, width);
    }
    out
}

/// The policy text of a span on one line, whole.
fn snippet(text: &str, span: Span) -> String {
    let raw = text.get(span.start..span.end).unwrap_or("");
    let raw = crate::printable::escape_keep_lines(raw);
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::line;

    #[test]
    fn long_steps_wrap_under_themselves_and_are_never_cut() {
        let text = "rule enterprise: when budget >= 10k and role in [VP, Director] and country in [\"US\", \"CA\"] then tier A";
        let mut whole = String::new();
        line(&mut whole, "  true     ← ", text, None);
        assert_eq!(whole, format!("  true     ← {text}\n"));
        let mut wrapped = String::new();
        line(&mut wrapped, "  true     ← ", text, Some(60));
        let lines: Vec<&str> = wrapped.lines().collect();
        assert!(lines.len() > 1, "{wrapped}");
        assert!(lines.iter().all(|l| l.chars().count() <= 60), "{wrapped}");
        assert!(lines[1].starts_with("             ") && !lines[1].starts_with("              "));
        let joined: Vec<&str> = lines.iter().map(|l| l.trim_start()).collect();
        assert_eq!(joined.join(" ").trim_start_matches("true     ← "), text);
    }
}
