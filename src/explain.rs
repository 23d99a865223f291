//! Explanations for people: a decision's trace, each step shown with the
//! policy text it came from.

use std::fmt::Write as _;

use crate::check::tir::{CheckedPolicy, TExpr, TKind};
use crate::check::types::Type;
use crate::compile::compile_expr;
use crate::eval::decide::{decide_observed, Decision, EntryFact, Observer};
use crate::eval::interp::truth;
use crate::eval::trace::{Part, Read, Recorder, Trace};
use crate::source::Span;
use crate::value::{Datum, Env, Truth};
use crate::Policy;

/// Traces a record's evaluation with everything a person needs to see
/// why: the steps of [`crate::eval::decide`](mod@crate::eval::decide) (recorded as they happen),
/// the parts of every compound condition, the values each simple
/// condition read (`budget = missing`), and the parts of each boolean
/// `let` a condition uses, expanded once per trace however often it is
/// used (so a trace stays linear in the policy). Parts are evaluated in
/// the environment their step was.
pub fn trace(policy: &Policy, record: &[Datum], as_of: i32) -> Trace {
    let mut explainer = Explainer {
        recorder: Recorder::new(&policy.compiled),
        annotator: Annotator {
            policy,
            expanded: vec![false; policy.checked().lets.len()],
        },
    };
    let mut decision = Decision::default();
    decide_observed(
        &policy.compiled,
        record,
        as_of,
        &mut decision,
        &mut explainer,
    );
    explainer.recorder.finish()
}

/// The observer behind [`trace`]: records each step, then annotates it.
struct Explainer<'p> {
    recorder: Recorder<'p>,
    annotator: Annotator<'p>,
}

impl Observer for Explainer<'_> {
    fn disqualifier(&mut self, index: usize, value: Truth, env: &Env<'_>) {
        self.recorder.disqualifier(index, value, env);
        let checked = self.annotator.policy.checked();
        if let (Some(def), Some(step)) = (
            checked.disqualifiers.get(index),
            self.recorder.trace_mut().disqualifiers.last_mut(),
        ) {
            (step.parts, step.reads) = self.annotator.parts_and_reads(&def.when, env);
        }
    }

    fn entry(&mut self, block: usize, entry: usize, fact: EntryFact, points: i128, env: &Env<'_>) {
        self.recorder.entry(block, entry, fact, points, env);
        let checked = self.annotator.policy.checked();
        let def = checked.blocks.get(block).and_then(|b| b.entries.get(entry));
        let step = self
            .recorder
            .trace_mut()
            .blocks
            .get_mut(block)
            .and_then(|b| b.entries.last_mut());
        if let (Some(def), Some(step)) = (def, step) {
            match fact {
                EntryFact::When(_) => {
                    (step.parts, step.reads) = self.annotator.parts_and_reads(&def.expr, env);
                }
                EntryFact::Per(_) => step.reads = self.annotator.reads(&def.expr, env),
            }
        }
    }

    fn block(&mut self, block: usize, sum: i64, total: i64) {
        self.recorder.block(block, sum, total);
    }

    fn rule(&mut self, index: usize, value: Truth, decided: bool, env: &Env<'_>) {
        self.recorder.rule(index, value, decided, env);
        let checked = self.annotator.policy.checked();
        let when = checked.rules.get(index).and_then(|r| r.when.as_ref());
        if let (Some(when), Some(step)) = (when, self.recorder.trace_mut().rules.last_mut()) {
            (step.parts, step.reads) = self.annotator.parts_and_reads(when, env);
        }
    }
}

/// The state of annotating one trace: which lets are already expanded.
struct Annotator<'p> {
    policy: &'p Policy,
    expanded: Vec<bool>,
}

impl Annotator<'_> {
    /// A condition's parts (when compound, or a `let`) and, when it is
    /// simple, the values it read.
    fn parts_and_reads(&mut self, e: &TExpr, env: &Env<'_>) -> (Vec<Part>, Vec<Read>) {
        let parts = self.parts(e, env);
        let reads = if parts.is_empty() {
            self.reads(e, env)
        } else {
            Vec::new()
        };
        (parts, reads)
    }

    /// The operands of a compound condition, each with its value; for a
    /// boolean `let` not yet expanded in this trace, its definition.
    fn parts(&mut self, e: &TExpr, env: &Env<'_>) -> Vec<Part> {
        let checked = self.policy.checked();
        if let TKind::Let(i) = e.kind {
            let def = &checked.lets[i];
            if def.value.ty != Type::Bool || self.expanded[i] {
                return Vec::new();
            }
            self.expanded[i] = true;
            let (parts, reads) = self.parts_and_reads(&def.value, env);
            return vec![Part {
                text: format!(
                    "let {} = {}",
                    def.name,
                    snippet(&self.policy.source.text, def.value.span)
                ),
                value: self.truth(&def.value, env),
                parts,
                reads,
            }];
        }
        let operands: Vec<&TExpr> = match &e.kind {
            TKind::And(..) => chain(e, true),
            TKind::Or(..) => chain(e, false),
            TKind::Not(x) => vec![x],
            _ => return Vec::new(),
        };
        operands
            .into_iter()
            .map(|x| {
                let (parts, reads) = self.parts_and_reads(x, env);
                Part {
                    text: snippet(&self.policy.source.text, x.span),
                    value: self.truth(x, env),
                    parts,
                    reads,
                }
            })
            .collect()
    }

    /// A part's value, in its step's environment.
    fn truth(&self, e: &TExpr, env: &Env<'_>) -> Truth {
        truth(&compile_expr(self.policy.checked(), e), env)
    }

    /// The fields and scores an expression reads, each once, with the
    /// values they had (lets are shown by their own expansion).
    fn reads(&self, e: &TExpr, env: &Env<'_>) -> Vec<Read> {
        let checked = self.policy.checked();
        let mut out: Vec<Read> = Vec::new();
        let mut push = |name: String, value: String| {
            if !out.iter().any(|r| r.name == name) {
                out.push(Read { name, value });
            }
        };
        let mut stack = vec![e];
        while let Some(x) = stack.pop() {
            match &x.kind {
                TKind::Field(i) => {
                    let f = &checked.schema.fields[*i];
                    let d = env.record.get(*i).unwrap_or(&Datum::Missing);
                    push(f.name.clone(), show(checked, d, &f.ty));
                }
                TKind::Score => push("score".into(), env.total.to_string()),
                TKind::Block(b) => {
                    let name = checked.blocks[*b].name.clone().unwrap_or_default();
                    let total = env.blocks.get(*b).copied().unwrap_or(0);
                    push(name, total.to_string());
                }
                _ => {}
            }
            stack.extend(x.children().rev());
        }
        out
    }
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
        line(out, &prefix, &with_reads(&p.text, &p.reads), width);
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
    let mut rows: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > room {
            rows.push(std::mem::take(&mut current));
        } else if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    rows.push(current);
    let indent = " ".repeat(lead);
    for (i, row) in rows.iter().enumerate() {
        let start = if i == 0 { prefix } else { indent.as_str() };
        let _ = writeln!(out, "{start}{}", row.trim_end());
    }
}

/// The trace as an indented text, one line per step, nothing cut (for a
/// file or a pipe).
pub fn render(policy: &Policy, trace: &Trace) -> String {
    render_width(policy, trace, None)
}

/// Appends `trace`, the trace of row `row`, to `out` as `lq eval
/// --explain` prints it beside CSV or a table: `row N:`, then each line
/// of [`render`] indented by two spaces.
pub fn render_row_into(out: &mut String, policy: &Policy, row: usize, trace: &Trace) {
    let _ = writeln!(out, "row {row}:");
    for line in render(policy, trace).lines() {
        let _ = writeln!(out, "  {line}");
    }
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
        line(
            &mut out,
            &prefix,
            &with_reads(&snippet(text, span), &d.reads),
            width,
        );
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
            line(
                &mut out,
                &prefix,
                &with_reads(&snippet(text, span), &entry.reads),
                width,
            );
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
        line(
            &mut out,
            &prefix,
            &with_reads(&snippet(text, span), &step.reads),
            width,
        );
        render_parts(&mut out, &step.parts, 13, width);
    }
    out
}

/// A step's text, then the values it read: `budget >= 10k   [budget =
/// missing]`.
fn with_reads(text: &str, reads: &[Read]) -> String {
    if reads.is_empty() {
        return text.to_string();
    }
    let shown: Vec<String> = reads
        .iter()
        .map(|r| format!("{} = {}", r.name, crate::printable::escape(&r.value)))
        .collect();
    format!("{text}   [{}]", shown.join(", "))
}

/// The policy text of a span on one line, whole.
fn snippet(text: &str, span: Span) -> String {
    let raw = text.get(span.start..span.end).unwrap_or("");
    let raw = crate::printable::escape_keep_lines(raw);
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A value as people read it: `missing` (or `unknown` for a condition),
/// money with a `$`, text quoted, variants by name.
pub fn show(policy: &CheckedPolicy, d: &Datum, ty: &Type) -> String {
    match (d, ty) {
        (Datum::Missing, Type::Bool) => "unknown".into(),
        (Datum::Missing, _) => "missing".into(),
        (Datum::Bool(b), _) => b.to_string(),
        (Datum::Int(i), Type::Money) => money(*i as f64),
        (Datum::Num(n), Type::Money) => money(*n),
        (Datum::Int(i), _) => i.to_string(),
        (Datum::Num(n), _) => format!("{n}"),
        (Datum::Text(t), _) => format!("{t:?}"),
        (Datum::Date(days), _) => crate::date::format(*days),
        (Datum::Enum(v), Type::Enum(id, _)) => policy
            .enums
            .get(*id)
            .and_then(|e| e.variants.get(*v as usize))
            .map_or_else(|| v.to_string(), |x| x.name.clone()),
        (Datum::Enum(v), _) => v.to_string(),
        (Datum::List(items), _) => format!("{items:?}"),
    }
}

/// `$25,000` or `$1,234.50`.
fn money(n: f64) -> String {
    let cents = (n * 100.0).round() as i64;
    let (whole, frac) = (cents.abs() / 100, cents.abs() % 100);
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if cents < 0 { "-" } else { "" };
    if frac == 0 {
        format!("{sign}${grouped}")
    } else {
        format!("{sign}${grouped}.{frac:02}")
    }
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
