//! Explanations for people: a decision's trace, each step shown with the
//! policy text it came from.

use std::fmt::Write as _;

use crate::eval::trace::Trace;
use crate::source::Span;
use crate::Policy;

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
    }
    out
}

/// The policy text of a span on one line, shortened if long.
fn snippet(text: &str, span: Span) -> String {
    let raw = text.get(span.start..span.end).unwrap_or("");
    let one_line = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > SNIPPET {
        let cut: String = one_line.chars().take(SNIPPET - 1).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}
