//! The outline of a policy (its declarations, with the fields of the
//! schema, the variants of each enum and the tiers as children) and the
//! ranges an editor can fold (multi-line declarations and comment runs).

use super::Analysis;
use crate::source::Span;
use crate::syntax::ast::Item;

/// What an outline entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutlineKind {
    /// `policy "name"`
    Policy,
    /// An enum.
    Enum,
    /// An enum's variant.
    Variant,
    /// The schema.
    Schema,
    /// A field.
    Field,
    /// The tiers.
    Tiers,
    /// A tier.
    Tier,
    /// A let.
    Let,
    /// A disqualifier.
    Disqualifier,
    /// A score block.
    Block,
    /// A tier rule.
    Rule,
    /// A lead.
    Lead,
    /// A test.
    Test,
}

/// One outline entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutlineItem {
    /// Its name as shown.
    pub name: String,
    /// A detail: a rule's tier, a field's type.
    pub detail: Option<String>,
    /// What it is.
    pub kind: OutlineKind,
    /// The whole declaration.
    pub span: Span,
    /// Its name (or first word).
    pub selection: Span,
    /// Entries inside it.
    pub children: Vec<OutlineItem>,
}

/// A foldable range, by byte offsets of its first and last lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fold {
    /// Where it starts.
    pub start: usize,
    /// Where it ends.
    pub end: usize,
    /// Whether it is a run of comment lines.
    pub comment: bool,
}

fn entry(name: String, kind: OutlineKind, span: Span, selection: Span) -> OutlineItem {
    OutlineItem {
        name,
        detail: None,
        kind,
        span,
        selection,
        children: Vec::new(),
    }
}

impl Analysis {
    /// The outline: one entry per declaration that parsed, in order.
    pub fn outline(&self) -> Vec<OutlineItem> {
        let first_word = |span: Span| {
            let text = self.slice(span);
            let len = text.find(char::is_whitespace).unwrap_or(text.len());
            Span::new(span.start, span.start + len)
        };
        self.ast
            .items
            .iter()
            .map(|item| match item {
                Item::Name(n) => entry(n.node.clone(), OutlineKind::Policy, n.span, n.span),
                Item::Enum(e) => {
                    let mut o = entry(e.name.node.clone(), OutlineKind::Enum, e.span, e.name.span);
                    o.children = e
                        .variants
                        .iter()
                        .map(|v| {
                            entry(
                                v.name.node.clone(),
                                OutlineKind::Variant,
                                v.name.span,
                                v.name.span,
                            )
                        })
                        .collect();
                    o
                }
                Item::Schema(s) => {
                    let mut o = entry(
                        "schema".into(),
                        OutlineKind::Schema,
                        s.span,
                        first_word(s.span),
                    );
                    o.children = s
                        .fields
                        .iter()
                        .map(|f| {
                            let span = f.name.span.to(f.ty.span);
                            let mut c =
                                entry(f.name.node.clone(), OutlineKind::Field, span, f.name.span);
                            c.detail = Some(self.slice(f.ty.span).to_string());
                            c
                        })
                        .collect();
                    o
                }
                Item::Tiers(t) => {
                    let names: Vec<&str> = t.tiers.iter().map(|n| n.node.as_str()).collect();
                    let mut o = entry(
                        "tiers".into(),
                        OutlineKind::Tiers,
                        t.span,
                        first_word(t.span),
                    );
                    o.detail = Some(names.join(" > "));
                    o.children = t
                        .tiers
                        .iter()
                        .map(|n| entry(n.node.clone(), OutlineKind::Tier, n.span, n.span))
                        .collect();
                    o
                }
                Item::Let(l) => entry(l.name.node.clone(), OutlineKind::Let, l.span, l.name.span),
                Item::Disqualify(d) => {
                    let name = d.because.as_ref().map_or_else(
                        || format!("disqualify (line {})", d.line),
                        |b| format!("disqualify: {}", b.node),
                    );
                    entry(name, OutlineKind::Disqualifier, d.span, first_word(d.span))
                }
                Item::Score(b) => {
                    let (name, selection) = match &b.name {
                        Some(n) => (format!("score {}", n.node), n.span),
                        None => ("score".into(), first_word(b.span)),
                    };
                    let mut o = entry(name, OutlineKind::Block, b.span, selection);
                    o.detail = Some(format!("{} entries", b.entries.len()));
                    o
                }
                Item::Rule(r) => {
                    let (name, selection) = match (&r.name, &r.when) {
                        (Some(n), _) => (n.node.clone(), n.span),
                        (None, Some(_)) => (format!("rule (line {})", r.line), first_word(r.span)),
                        (None, None) => ("otherwise".into(), first_word(r.span)),
                    };
                    let mut o = entry(name, OutlineKind::Rule, r.span, selection);
                    o.detail = Some(format!("tier {}", r.tier.node));
                    o
                }
                Item::Lead(l) => entry(l.name.node.clone(), OutlineKind::Lead, l.span, l.name.span),
                Item::Test(t) => entry(t.name.node.clone(), OutlineKind::Test, t.span, t.name.span),
            })
            .collect()
    }

    /// The foldable ranges: every declaration over more than one line, and
    /// every run of two or more comment lines.
    pub fn folds(&self) -> Vec<Fold> {
        let mut folds: Vec<Fold> = self
            .ast
            .items
            .iter()
            .map(Item::span)
            .filter(|s| self.slice(*s).contains('\n'))
            .map(|s| Fold {
                start: s.start,
                end: s.end,
                comment: false,
            })
            .collect();
        let mut run: Option<(usize, usize, usize)> = None; // start, end, lines
        let mut offset = 0;
        for line in self.text.split_inclusive('\n') {
            let body = line.trim_end_matches(['\n', '\r']);
            if body.trim_start().starts_with('#') {
                let end = offset + body.len();
                run = Some(match run {
                    Some((s, _, n)) => (s, end, n + 1),
                    None => (offset, end, 1),
                });
            } else if let Some((s, e, n)) = run.take() {
                if n >= 2 {
                    folds.push(Fold {
                        start: s,
                        end: e,
                        comment: true,
                    });
                }
            }
            offset += line.len();
        }
        if let Some((s, e, n)) = run {
            if n >= 2 {
                folds.push(Fold {
                    start: s,
                    end: e,
                    comment: true,
                });
            }
        }
        folds.sort_by_key(|f| f.start);
        folds
    }
}
