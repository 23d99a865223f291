//! Printing declarations: the canonical layout of each kind, alignment of
//! runs of similar lines, and comments placed where they were.

use std::collections::HashMap;

use super::comments::{blank_line_before, Comments};
use super::expr::ExprPrinter;
use super::fill::fill_lists;
use super::{quote_text as quote, Formatted, MAX_WIDTH};
use crate::source::{Span, Spanned};
use crate::syntax::ast::*;

/// Prints one policy.
pub struct Printer<'s> {
    src: &'s str,
    exprs: ExprPrinter<'s>,
    comments: Comments,
    out: String,
    /// Line moves of unnamed rules found by an earlier pass, applied to the
    /// tests that name them.
    rename: HashMap<usize, usize>,
    /// Line moves of unnamed rules and disqualifiers in this pass.
    line_map: HashMap<usize, usize>,
    /// How much of `out` has been counted, and its line breaks: counting
    /// from the start at every unnamed rule was quadratic.
    counted: std::cell::Cell<(usize, usize)>,
}

/// How consecutive declarations line up.
#[derive(Default)]
struct Alignment {
    /// `let NAME` padded to this width.
    let_name: usize,
    /// `rule NAME:` padded to this width.
    rule_name: usize,
    /// The condition part of disqualifiers padded to this width (0: none).
    because_at: usize,
}

impl<'s> Printer<'s> {
    /// A printer over `src`, renaming `line N` references by `rename`.
    pub fn new(src: &'s str, rename: HashMap<usize, usize>) -> Self {
        Printer {
            src,
            exprs: ExprPrinter::new(src),
            comments: Comments::new(src),
            out: String::new(),
            rename,
            line_map: HashMap::new(),
            counted: std::cell::Cell::new((0, 0)),
        }
    }

    /// Prints the whole policy.
    pub fn policy(mut self, policy: &Policy) -> Formatted {
        let groups = self.groups(&policy.items);
        for group in groups {
            let alignment = self.alignment(&group);
            for item in group {
                self.leading(item.span().start, 0);
                self.item(item, &alignment);
            }
        }
        self.leading(self.src.len(), 0);
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        Formatted {
            text: self.out,
            line_map: self.line_map,
        }
    }

    /// Runs of declarations of one kind, with no blank line or comment
    /// between them: these align with each other.
    fn groups<'p>(&self, items: &'p [Item]) -> Vec<Vec<&'p Item>> {
        let mut groups: Vec<Vec<&Item>> = Vec::new();
        for item in items {
            let joins = groups.last().and_then(|g| g.last()).is_some_and(|prev| {
                same_kind(prev, item) && !self.separated(prev.span().end, item.span().start)
            });
            match groups.last_mut() {
                Some(g) if joins => g.push(item),
                _ => groups.push(vec![item]),
            }
        }
        groups
    }

    /// Whether a blank line or a comment stands between two offsets.
    fn separated(&self, end: usize, start: usize) -> bool {
        let gap = self.src.get(end..start).unwrap_or("");
        gap.matches('\n').count() > 1 || gap.contains('#')
    }

    fn alignment(&self, group: &[&Item]) -> Alignment {
        let mut a = Alignment::default();
        for item in group {
            match item {
                Item::Let(l) => a.let_name = a.let_name.max(l.name.node.len()),
                Item::Rule(TierRule {
                    name: Some(n),
                    when: Some(_),
                    ..
                }) => a.rule_name = a.rule_name.max(n.node.len() + 6),
                _ => {}
            }
        }
        let disqualifiers: Vec<&Disqualifier> = group
            .iter()
            .filter_map(|i| {
                if let Item::Disqualify(d) = i {
                    Some(d)
                } else {
                    None
                }
            })
            .collect();
        if disqualifiers.iter().filter(|d| d.because.is_some()).count() > 1 {
            let widths: Vec<usize> = disqualifiers
                .iter()
                .map(|d| format!("disqualify when {}", self.exprs.print(&d.when)).len())
                .collect();
            let widest = widths.iter().copied().max().unwrap_or(0);
            if widest + 40 <= MAX_WIDTH {
                a.because_at = widest + 2;
            }
        }
        a
    }

    // ── output primitives ──

    /// Prints the comments that come before `offset` on lines of their
    /// own, and a blank line where the source has one before `offset`.
    fn leading(&mut self, offset: usize, indent: usize) {
        for c in self.comments.before(offset) {
            if c.own_line && c.blank_before {
                self.blank();
            }
            // A comment inside a construct now printed on fewer lines keeps
            // a line of its own.
            self.push_line(&format!("{}{}", " ".repeat(indent), c.text));
        }
        let line_start = self.last_line_start(offset);
        if offset < self.src.len() && blank_line_before(self.src, line_start) {
            self.blank();
        }
    }

    fn blank(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    fn push_line(&mut self, line: &str) {
        self.out.push_str(line.trim_end());
        self.out.push('\n');
    }

    /// Prints a line of code, then the comment that ended the source line
    /// holding `end`, at its original distance.
    fn line(&mut self, text: &str, end: usize) {
        let trailing = self.comments.trailing(self.src, end);
        match trailing {
            Some(c) => self.push_line(&format!("{text}{}{}", " ".repeat(c.gap.max(1)), c.text)),
            None => self.push_line(text),
        }
    }

    /// Prints several lines of one construct; comments inside it go above.
    fn lines(&mut self, lines: &[String], span: Span, indent: usize) {
        let lines: Vec<String> = lines.iter().flat_map(|l| fill_lists(l)).collect();
        let inner_end = self.last_line_start(span.end);
        for c in self.comments.before(inner_end.max(span.start)) {
            self.push_line(&format!("{}{}", " ".repeat(indent), c.text));
        }
        if let Some((last, first)) = lines.split_last() {
            for l in first {
                self.push_line(l);
            }
            self.line(last, span.end);
        }
    }

    fn last_line_start(&self, offset: usize) -> usize {
        self.src[..offset.min(self.src.len())]
            .rfind('\n')
            .map_or(0, |n| n + 1)
    }

    /// The line of `out` being written (from 1). `out` only grows while
    /// printing, so only the text added since the last call is counted.
    fn current_line(&self) -> usize {
        let (len, breaks) = self.counted.get();
        let breaks = breaks + self.out[len..].matches('\n').count();
        self.counted.set((self.out.len(), breaks));
        breaks + 1
    }

    // ── declarations ──

    fn item(&mut self, item: &Item, a: &Alignment) {
        match item {
            Item::Name(n) => {
                let text = format!("policy {}", self.quoted(n));
                self.line(&text, n.span.end);
            }
            Item::Enum(e) => self.enum_decl(e),
            Item::Schema(s) => self.schema(s),
            Item::Tiers(t) => {
                let names: Vec<&str> = t.tiers.iter().map(|t| t.node.as_str()).collect();
                self.line(&format!("tiers {}", names.join(" > ")), t.span.end);
            }
            Item::Let(l) => {
                let prefix = format!("let {:<w$} = ", l.name.node, w = a.let_name);
                let lines = self.condition_lines(&prefix, &l.value, "", 0);
                self.lines(&lines, l.span, 0);
            }
            Item::Disqualify(d) => self.disqualifier(d, a),
            Item::Score(b) => self.score_block(b),
            Item::Rule(r) => self.tier_rule(r, a),
            Item::Lead(l) => {
                let prefix = format!("lead {} ", l.name.node);
                let lines = self.record(&prefix, &l.record, 0);
                self.list_lines(lines, l.span, 0);
            }
            Item::Test(t) => self.test(t),
        }
    }

    fn enum_decl(&mut self, e: &EnumDecl) {
        let items: Vec<(String, Span)> = e
            .variants
            .iter()
            .map(|v| {
                let end = v
                    .spellings
                    .last()
                    .map_or(v.name.span.end, |s| s.span.end + 1);
                let text = if v.spellings.is_empty() {
                    v.name.node.clone()
                } else {
                    let spellings: Vec<String> =
                        v.spellings.iter().map(|s| self.quoted(s)).collect();
                    format!("{} ({})", v.name.node, spellings.join(", "))
                };
                (text, Span::new(v.name.span.start, end))
            })
            .collect();
        let mut prefix = format!("enum {} ", e.name.node);
        if e.trim.is_some() {
            prefix.push_str("trim ");
        }
        if e.ignore_case.is_some() {
            prefix.push_str("ignore case ");
        }
        let lines = self.list_layout(&prefix, &items, e.name.span.end, 0, true);
        self.list_lines(lines, e.span, 0);
    }

    fn schema(&mut self, s: &SchemaDecl) {
        self.line("schema {", s.span.start);
        if !s.missing.is_empty() {
            let start = s.missing[0].span.start;
            self.leading(start, 2);
            let end = s.missing.last().map_or(start, |m| m.span.end + 1);
            let text = format!("  missing {}", self.text_list(&s.missing));
            self.line(&text, end);
        }
        let name_w = s
            .fields
            .iter()
            .map(|f| f.name.node.len() + 1)
            .max()
            .unwrap_or(0);
        let type_w = s
            .fields
            .iter()
            .map(|f| type_text(&f.ty).len())
            .max()
            .unwrap_or(0);
        for f in &s.fields {
            self.leading(f.name.span.start, 2);
            let mut options = Vec::new();
            if f.key.is_some() {
                options.push("key".to_string());
            }
            if let Some(c) = &f.column {
                options.push(format!("from {}", self.quoted(c)));
            }
            if !f.missing.is_empty() {
                options.push(format!("missing {}", self.text_list(&f.missing)));
            }
            if f.trim.is_some() {
                options.push("trim".to_string());
            }
            if f.ignore_case.is_some() {
                options.push("ignore case".to_string());
            }
            let name = format!("{}:", f.name.node);
            let ty = type_text(&f.ty);
            let text = if options.is_empty() {
                format!("  {name:<nw$} {ty}", nw = name_w)
            } else {
                format!(
                    "  {name:<nw$} {ty:<tw$} {}",
                    options.join(" "),
                    nw = name_w,
                    tw = type_w
                )
            };
            let end = field_end(f);
            self.line(&text, end);
        }
        self.leading(s.span.end.saturating_sub(1), 2);
        self.push_line("}");
    }

    fn disqualifier(&mut self, d: &Disqualifier, a: &Alignment) {
        if d.because.is_none() {
            self.line_map.insert(d.line, self.current_line());
        }
        let because = d
            .because
            .as_ref()
            .map(|b| format!("because {}", self.quoted(b)));
        let one_line = format!("disqualify when {}", self.exprs.print(&d.when));
        let lines = match &because {
            Some(b) if a.because_at > 0 && one_line.len() <= a.because_at => {
                vec![format!("{one_line:<w$}{b}", w = a.because_at)]
            }
            Some(b) => self.condition_lines("disqualify when ", &d.when, &format!(" {b}"), 0),
            None => self.condition_lines("disqualify when ", &d.when, "", 0),
        };
        self.lines(&lines, d.span, 0);
    }

    fn score_block(&mut self, b: &ScoreBlock) {
        let mut header = "score".to_string();
        if let Some(n) = &b.name {
            header.push_str(&format!(" {}", n.node));
        }
        if let Some(f) = &b.floor {
            header.push_str(&format!(" at least {}", f.node));
        }
        if let Some(c) = &b.cap {
            header.push_str(&format!(" up to {}", c.node));
        }
        if b.entries.is_empty() {
            self.line(&format!("{header} {{}}"), b.span.end);
            return;
        }
        let header_end = b.entries[0].span.start;
        let brace = self.src[..header_end].rfind('{').unwrap_or(b.span.start);
        self.line(&format!("{header} {{"), brace);
        let width = b
            .entries
            .iter()
            .map(|e| points_text(e.points.node).len())
            .max()
            .unwrap_or(0);
        for e in &b.entries {
            self.leading(e.span.start, 2);
            let points = format!("  {:<w$} ", points_text(e.points.node), w = width);
            let because = e
                .because
                .as_ref()
                .map(|b| format!(" because {}", self.quoted(b)))
                .unwrap_or_default();
            let lines = match &e.kind {
                EntryKind::When(c) => {
                    self.condition_lines(&format!("{points}when "), c, &because, 2)
                }
                EntryKind::Per(x) => vec![format!("{points}per {}{because}", self.exprs.print(x))],
            };
            self.lines(&lines, e.span, 2);
        }
        self.leading(b.span.end.saturating_sub(1), 2);
        self.push_line("}");
    }

    fn tier_rule(&mut self, r: &TierRule, a: &Alignment) {
        let mut target = format!("tier {}", r.tier.node);
        if let Some(q) = &r.route {
            target.push_str(&format!(", route {}", self.quoted(q)));
        }
        if let Some(b) = &r.because {
            target.push_str(&format!(" because {}", self.quoted(b)));
        }
        let lines = match (&r.name, &r.when) {
            (_, None) => vec![format!("otherwise {target}")],
            (name, Some(cond)) => {
                let prefix = match name {
                    Some(n) => {
                        let label = format!("rule {}:", n.node);
                        format!("{label:<w$} when ", w = a.rule_name.max(label.len()))
                    }
                    None => {
                        self.line_map.insert(r.line, self.current_line());
                        "when ".to_string()
                    }
                };
                self.condition_lines(&prefix, cond, &format!(" then {target}"), 0)
            }
        };
        self.lines(&lines, r.span, 0);
    }

    fn test(&mut self, t: &TestDecl) {
        self.line(
            &format!("test {} {{", self.quoted(&t.name)),
            t.name.span.end,
        );
        let given_start = t.given.base.as_ref().map(|b| b.span.start).or(t
            .given
            .record
            .as_ref()
            .map(|r| r.span.start));
        let as_of_first = match (&t.as_of, given_start) {
            (Some(d), Some(g)) => d.span.start < g,
            _ => true,
        };
        if as_of_first {
            self.as_of(t);
        }
        let mut prefix = "  given ".to_string();
        if let Some(b) = &t.given.base {
            self.leading(b.span.start, 2);
            prefix.push_str(&b.node);
            prefix.push(' ');
            if t.given.record.is_some() {
                prefix.push_str("with ");
            }
        }
        match &t.given.record {
            Some(r) => {
                self.leading(r.span.start, 2);
                let lines = self.record(&prefix, r, 2);
                self.list_lines(lines, r.span, 2);
            }
            None => {
                let end = t.given.base.as_ref().map_or(t.span.start, |b| b.span.end);
                self.line(prefix.trim_end(), end);
            }
        }
        if !as_of_first {
            self.as_of(t);
        }
        for e in &t.expects {
            self.leading(e.span.start, 2);
            let text = format!("  expect {}", self.expectation(&e.node));
            self.line(&text, e.span.end);
        }
        self.leading(t.span.end.saturating_sub(1), 2);
        self.push_line("}");
    }

    fn as_of(&mut self, t: &TestDecl) {
        if let Some(d) = &t.as_of {
            self.leading(d.span.start, 2);
            self.line(
                &format!("  as of {}", crate::date::format(d.node)),
                d.span.end,
            );
        }
    }

    fn expectation(&self, e: &Expectation) -> String {
        match e {
            Expectation::Tier(t) => format!("tier {}", t.node),
            Expectation::Disqualified => "disqualified".into(),
            Expectation::Unmatched => "unmatched".into(),
            Expectation::Qualified => "qualified".into(),
            Expectation::Rule(r) => format!("rule {}", self.renamed(&r.node)),
            Expectation::Route(q) => format!("route {}", quote(q)),
            Expectation::Reason(q) => format!("reason {}", quote(&self.renamed(q))),
            Expectation::Score { block, op, value } => {
                let name = block.as_ref().map_or("score", |b| b.node.as_str());
                match op {
                    CompareOp::Eq => format!("{name} {}", value.node),
                    op => format!("{name} {} {}", op.as_str(), value.node),
                }
            }
        }
    }

    /// `line N`, moved to where the formatter put line N.
    fn renamed(&self, label: &str) -> String {
        let moved = label
            .strip_prefix("line ")
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| self.rename.get(&n));
        match moved {
            Some(n) => format!("line {n}"),
            None => label.to_string(),
        }
    }

    // ── pieces ──

    /// `prefix COND suffix`, broken before each top-level `and`/`or` when
    /// longer than the line width.
    fn condition_lines(
        &self,
        prefix: &str,
        cond: &Expr,
        suffix: &str,
        indent: usize,
    ) -> Vec<String> {
        let one = format!("{prefix}{}{suffix}", self.exprs.print(cond));
        if one.len() <= MAX_WIDTH {
            return vec![one];
        }
        let (parts, word) = match &cond.kind {
            ExprKind::Or(..) => (self.exprs.chain(cond, true), "or"),
            ExprKind::And(..) => (self.exprs.chain(cond, false), "and"),
            _ => return vec![one],
        };
        let min = if word == "or" { 2 } else { 3 };
        let pad = " ".repeat(indent + 4);
        let mut lines = vec![format!("{prefix}{}", self.exprs.wrap(parts[0], min))];
        for p in &parts[1..] {
            lines.push(format!("{pad}{word} {}", self.exprs.wrap(p, min)));
        }
        if !suffix.is_empty() {
            lines.push(format!("{pad}{}", suffix.trim_start()));
        }
        lines
    }

    /// `prefix{ field: value, ... }` keeping the author's line breaks.
    fn record(&self, prefix: &str, r: &RecordLit, indent: usize) -> Vec<(String, usize)> {
        let items: Vec<(String, Span)> = r
            .fields
            .iter()
            .map(|(n, v)| {
                (
                    format!("{}: {}", n.node, self.value(v)),
                    Span::new(n.span.start, v.span.end),
                )
            })
            .collect();
        let open = self.src[..r.fields.first().map_or(r.span.end, |f| f.0.span.start)]
            .rfind('{')
            .unwrap_or(r.span.start);
        self.list_layout(prefix, &items, open, indent, false)
    }

    /// A braced list of items: on one line when the author wrote it so and
    /// it fits; else hugging the brace (`{ a, b,` / aligned `c }`) or as a
    /// block, as the author began it. Returns each line with the source
    /// offset whose line's comment it takes.
    fn list_layout(
        &self,
        prefix: &str,
        items: &[(String, Span)],
        open: usize,
        indent: usize,
        trailing_comma: bool,
    ) -> Vec<(String, usize)> {
        if items.is_empty() {
            return vec![(format!("{prefix}{{}}"), open)];
        }
        let last_end = items[items.len() - 1].1.end;
        let texts: Vec<&str> = items.iter().map(|(t, _)| t.as_str()).collect();
        let one_line = format!("{prefix}{{ {} }}", texts.join(", "));
        let written_on_one_line = !self.src.get(open..last_end).unwrap_or("").contains('\n');
        if written_on_one_line && one_line.len() <= MAX_WIDTH {
            return vec![(one_line, last_end)];
        }
        let block = self
            .src
            .get(open..items[0].1.start)
            .unwrap_or("")
            .contains('\n');
        let (first_pad, pad) = if block {
            (" ".repeat(indent + 2), " ".repeat(indent + 2))
        } else {
            (String::new(), " ".repeat(prefix.len() + 2))
        };
        // Group items into lines as the author broke them (and by width).
        let mut lines: Vec<(String, usize)> = Vec::new();
        let mut current = first_pad.clone();
        let mut current_end = open;
        let mut prev_end = open;
        for (i, (text, span)) in items.iter().enumerate() {
            let broke = i > 0
                && self
                    .src
                    .get(prev_end..span.start)
                    .unwrap_or("")
                    .contains('\n');
            let too_long = !current.trim().is_empty() && current.len() + text.len() + 2 > MAX_WIDTH;
            if (broke || too_long) && !current.trim().is_empty() {
                lines.push((current.trim_end().to_string(), current_end));
                current = pad.clone();
            }
            current.push_str(text);
            let last = i + 1 == items.len();
            if !last || (block && trailing_comma) {
                current.push(',');
            }
            current.push(' ');
            current_end = span.end;
            prev_end = span.end;
        }
        lines.push((current.trim_end().to_string(), current_end));
        if block {
            let mut out = vec![(format!("{prefix}{{"), open)];
            out.extend(lines);
            out.push((format!("{}}}", " ".repeat(indent)), last_end));
            out
        } else {
            let mut out = lines;
            if let Some(first) = out.first_mut() {
                first.0 = format!("{prefix}{{ {}", first.0);
            }
            if let Some(last) = out.last_mut() {
                last.0.push_str(" }");
            }
            out
        }
    }

    /// Prints the lines of a list layout, each with its own comment.
    fn list_lines(&mut self, lines: Vec<(String, usize)>, span: Span, indent: usize) {
        let count = lines.len();
        for (i, (text, end)) in lines.into_iter().enumerate() {
            if i + 1 == count && count > 1 {
                self.leading(span.end.saturating_sub(1), indent + 2);
            } else if i > 0 {
                self.leading(end, indent + 2);
            }
            self.line(&text, end);
        }
    }

    fn value(&self, v: &Spanned<ValueLit>) -> String {
        let written = self.src.get(v.span.start..v.span.end).unwrap_or("");
        match &v.node {
            ValueLit::Number(_) => written
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .replace('K', "k"),
            ValueLit::Text(t) => {
                if written.starts_with('"') {
                    written.to_string()
                } else {
                    quote(t)
                }
            }
            ValueLit::Bool(b) => b.to_string(),
            ValueLit::Date(d) => crate::date::format(*d),
            ValueLit::List(items) => {
                let items: Vec<String> = items.iter().map(|i| quote(i)).collect();
                format!("[{}]", items.join(", "))
            }
            ValueLit::Missing => "missing".into(),
            ValueLit::Name(n) => n.clone(),
        }
    }

    fn text_list(&self, items: &[Spanned<String>]) -> String {
        let items: Vec<String> = items.iter().map(|i| self.quoted(i)).collect();
        format!("[{}]", items.join(", "))
    }

    /// A text literal as written.
    fn quoted(&self, s: &Spanned<String>) -> String {
        let written = self.src.get(s.span.start..s.span.end).unwrap_or("");
        if written.len() >= 2 && written.starts_with('"') && written.ends_with('"') {
            written.to_string()
        } else {
            quote(&s.node)
        }
    }
}

fn same_kind(a: &Item, b: &Item) -> bool {
    match (a, b) {
        (Item::Rule(x), Item::Rule(y)) => {
            x.name.is_some() && y.name.is_some() && x.when.is_some() && y.when.is_some()
        }
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

fn type_text(t: &TypeRef) -> String {
    let base = if t.list {
        format!("list of {}", t.name.node)
    } else {
        t.name.node.clone()
    };
    if t.optional {
        format!("{base}?")
    } else {
        base
    }
}

fn field_end(f: &FieldDecl) -> usize {
    let mut end = f.ty.span.end;
    for option in [f.trim, f.ignore_case].into_iter().flatten() {
        end = end.max(option.end);
    }
    if let Some(k) = f.key {
        end = end.max(k.end);
    }
    if let Some(c) = &f.column {
        end = end.max(c.span.end);
    }
    if let Some(m) = f.missing.last() {
        end = end.max(m.span.end + 1);
    }
    end
}

fn points_text(points: i64) -> String {
    if points < 0 {
        points.to_string()
    } else {
        format!("+{points}")
    }
}
