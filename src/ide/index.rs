//! The symbol index of one policy: every declared name (field, enum,
//! variant, let, score block, tier, rule, lead) and every place it is
//! written, from the syntax tree. Go to definition, find references,
//! rename, hover and semantic colouring all look names up here.

use std::collections::HashMap;

use crate::source::Span;
use crate::syntax::ast::{self, Expectation, Expr, ExprKind, Item, RecordLit, ValueLit};

/// What a name declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    /// A schema field.
    Field,
    /// An enum type.
    Enum,
    /// A variant of an enum.
    Variant,
    /// A `let`.
    Let,
    /// A named score block.
    Block,
    /// A tier.
    Tier,
    /// A named tier rule.
    Rule,
    /// A named lead.
    Lead,
}

impl SymbolKind {
    /// The kind in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            SymbolKind::Field => "field",
            SymbolKind::Enum => "enum",
            SymbolKind::Variant => "variant",
            SymbolKind::Let => "let",
            SymbolKind::Block => "score block",
            SymbolKind::Tier => "tier",
            SymbolKind::Rule => "rule",
            SymbolKind::Lead => "lead",
        }
    }

    /// Kinds whose names share one namespace with this one: a new name
    /// must not be taken by any of them.
    pub fn namespace(self) -> &'static [SymbolKind] {
        use SymbolKind::*;
        match self {
            // Fields, lets and blocks are all names in expressions, and a
            // variant is written the same way.
            Field | Let | Block => &[Field, Let, Block, Variant],
            Variant => &[Variant, Field, Let, Block],
            Enum => &[Enum],
            Tier => &[Tier],
            Rule => &[Rule],
            Lead => &[Lead],
        }
    }
}

/// A declared name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    /// What it is.
    pub kind: SymbolKind,
    /// Its name.
    pub name: String,
    /// For a variant, its enum's name.
    pub owner: Option<String>,
    /// Where its name is written in its declaration.
    pub def: Span,
    /// The whole declaration (for a field or variant, its line in the
    /// schema or enum).
    pub decl: Span,
}

/// One place a symbol's name is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occurrence {
    /// Where.
    pub span: Span,
    /// Which symbol (an index into [`Index::symbols`]).
    pub symbol: usize,
    /// Whether this is its declaration.
    pub is_def: bool,
}

/// Every symbol of a policy and every occurrence of each.
#[derive(Clone, Debug, Default)]
pub struct Index {
    /// The declared names, in source order.
    pub symbols: Vec<Symbol>,
    /// Every occurrence, sorted by position.
    pub occurrences: Vec<Occurrence>,
    /// For each field, the enum named by its type (if an enum).
    field_enums: HashMap<String, String>,
    /// Each kind's symbols by name (a variant's by `Enum::Variant`), looked
    /// up without allocating for every name written in the policy.
    by_name: [HashMap<String, usize>; 8],
}

/// The key of a symbol in its kind's table.
fn key<'k>(owner: Option<&str>, name: &'k str, buffer: &'k mut String) -> &'k str {
    match owner {
        None => name,
        Some(owner) => {
            buffer.clear();
            buffer.push_str(owner);
            buffer.push_str("::");
            buffer.push_str(name);
            buffer
        }
    }
}

impl Index {
    /// Indexes the declarations and uses of a parsed policy.
    pub fn build(policy: &ast::Policy) -> Index {
        let mut index = Index::default();
        index.declare_all(policy);
        for item in &policy.items {
            index.uses(item);
        }
        index
            .occurrences
            .sort_by_key(|o| (o.span.start, o.span.end));
        index
    }

    /// The symbol of a kind and name (and enum, for a variant).
    pub fn find(&self, kind: SymbolKind, owner: Option<&str>, name: &str) -> Option<usize> {
        let mut buffer = String::new();
        self.by_name[kind as usize]
            .get(key(owner, name, &mut buffer))
            .copied()
    }

    /// The occurrence under byte `offset` (its span contains it, or ends
    /// at it: the cursor just after a name is on it).
    pub fn at(&self, offset: usize) -> Option<&Occurrence> {
        let after = self.occurrences.partition_point(|o| o.span.start <= offset);
        self.occurrences[..after]
            .iter()
            .rev()
            .take(4)
            .find(|o| o.span.start <= offset && offset <= o.span.end)
    }

    /// Every occurrence of a symbol, its declaration first.
    pub fn occurrences_of(&self, symbol: usize) -> Vec<Span> {
        let mut spans: Vec<Span> = Vec::new();
        if let Some(s) = self.symbols.get(symbol) {
            spans.push(s.def);
        }
        spans.extend(
            self.occurrences
                .iter()
                .filter(|o| o.symbol == symbol && !o.is_def)
                .map(|o| o.span),
        );
        spans
    }

    /// The enum a field's type names, if any.
    pub fn field_enum(&self, field: &str) -> Option<&str> {
        self.field_enums.get(field).map(String::as_str)
    }

    /// The variants of an enum, by name.
    pub fn variants_of(&self, enum_name: &str) -> Vec<&Symbol> {
        self.symbols
            .iter()
            .filter(|s| s.kind == SymbolKind::Variant && s.owner.as_deref() == Some(enum_name))
            .collect()
    }

    /// The symbols of one kind, in source order.
    pub fn of_kind(&self, kind: SymbolKind) -> impl Iterator<Item = &Symbol> {
        self.symbols.iter().filter(move |s| s.kind == kind)
    }

    fn declare(&mut self, kind: SymbolKind, owner: Option<&str>, name: &ast::Name, decl: Span) {
        // A name declared twice is a check error; the first one counts.
        if self.find(kind, owner, &name.node).is_some() {
            self.refer(kind, owner, &name.node, name.span);
            return;
        }
        let id = self.symbols.len();
        self.symbols.push(Symbol {
            kind,
            name: name.node.clone(),
            owner: owner.map(String::from),
            def: name.span,
            decl,
        });
        let mut buffer = String::new();
        let key = key(owner, &name.node, &mut buffer).to_string();
        self.by_name[kind as usize].insert(key, id);
        self.occurrences.push(Occurrence {
            span: name.span,
            symbol: id,
            is_def: true,
        });
    }

    fn refer(&mut self, kind: SymbolKind, owner: Option<&str>, name: &str, span: Span) -> bool {
        match self.find(kind, owner, name) {
            Some(symbol) => {
                self.occurrences.push(Occurrence {
                    span,
                    symbol,
                    is_def: false,
                });
                true
            }
            None => false,
        }
    }

    fn declare_all(&mut self, policy: &ast::Policy) {
        for item in &policy.items {
            match item {
                Item::Enum(e) => {
                    self.declare(SymbolKind::Enum, None, &e.name, e.span);
                    for v in &e.variants {
                        let end = v.spellings.last().map_or(v.name.span, |s| s.span);
                        let decl = v.name.span.to(end);
                        self.declare(SymbolKind::Variant, Some(&e.name.node), &v.name, decl);
                    }
                }
                Item::Schema(s) => {
                    for f in &s.fields {
                        self.declare(SymbolKind::Field, None, &f.name, f.name.span.to(f.ty.span));
                        self.field_enums
                            .insert(f.name.node.clone(), f.ty.name.node.clone());
                    }
                }
                Item::Tiers(t) => {
                    for tier in &t.tiers {
                        self.declare(SymbolKind::Tier, None, tier, t.span);
                    }
                }
                Item::Let(l) => self.declare(SymbolKind::Let, None, &l.name, l.span),
                Item::Score(b) => {
                    if let Some(name) = &b.name {
                        self.declare(SymbolKind::Block, None, name, b.span);
                    }
                }
                Item::Rule(r) => {
                    if let Some(name) = &r.name {
                        self.declare(SymbolKind::Rule, None, name, r.span);
                    }
                }
                Item::Lead(l) => self.declare(SymbolKind::Lead, None, &l.name, l.span),
                _ => {}
            }
        }
        // Only fields whose type is a declared enum keep an enum.
        let enums: Vec<String> = self
            .of_kind(SymbolKind::Enum)
            .map(|s| s.name.clone())
            .collect();
        self.field_enums.retain(|_, e| enums.contains(e));
    }

    fn uses(&mut self, item: &Item) {
        match item {
            Item::Schema(s) => {
                for f in &s.fields {
                    let ty = &f.ty.name;
                    self.refer(SymbolKind::Enum, None, &ty.node, ty.span);
                }
            }
            Item::Let(l) => self.expr(&l.value, None),
            Item::Disqualify(d) => self.expr(&d.when, None),
            Item::Score(b) => {
                for e in &b.entries {
                    match &e.kind {
                        ast::EntryKind::When(x) | ast::EntryKind::Per(x) => self.expr(x, None),
                    }
                }
            }
            Item::Rule(r) => {
                if let Some(w) = &r.when {
                    self.expr(w, None);
                }
                self.refer(SymbolKind::Tier, None, &r.tier.node, r.tier.span);
            }
            Item::Lead(l) => self.record(&l.record),
            Item::Test(t) => {
                if let Some(base) = &t.given.base {
                    self.refer(SymbolKind::Lead, None, &base.node, base.span);
                }
                if let Some(r) = &t.given.record {
                    self.record(r);
                }
                for e in &t.expects {
                    match &e.node {
                        Expectation::Tier(n) => {
                            self.refer(SymbolKind::Tier, None, &n.node, n.span);
                        }
                        Expectation::Rule(n) => {
                            self.refer(SymbolKind::Rule, None, &n.node, n.span);
                        }
                        Expectation::Score { block: Some(n), .. } => {
                            self.refer(SymbolKind::Block, None, &n.node, n.span);
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    fn record(&mut self, record: &RecordLit) {
        for (field, value) in &record.fields {
            self.refer(SymbolKind::Field, None, &field.node, field.span);
            if let ValueLit::Name(v) = &value.node {
                let owner = self.field_enum(&field.node).map(String::from);
                self.variant(owner.as_deref(), v, value.span);
            }
        }
    }

    /// A variant written at `span`: of `owner` when the context says which
    /// enum, else of the one enum that has it.
    fn variant(&mut self, owner: Option<&str>, name: &str, span: Span) -> bool {
        if let Some(owner) = owner {
            if self.refer(SymbolKind::Variant, Some(owner), name, span) {
                return true;
            }
        }
        let owners: Vec<String> = self
            .symbols
            .iter()
            .filter(|s| s.kind == SymbolKind::Variant && s.name == name)
            .filter_map(|s| s.owner.clone())
            .collect();
        match owners.as_slice() {
            [only] => self.refer(SymbolKind::Variant, Some(only), name, span),
            _ => false,
        }
    }

    /// The enum of an expression, when it is a field of enum type.
    fn enum_of(&self, expr: &Expr) -> Option<String> {
        match &expr.kind {
            ExprKind::Name(n) => self.field_enum(n).map(String::from),
            _ => None,
        }
    }

    fn expr(&mut self, expr: &Expr, context: Option<&str>) {
        match &expr.kind {
            ExprKind::Name(n) => {
                let found = self.refer(SymbolKind::Let, None, n, expr.span)
                    || self.refer(SymbolKind::Field, None, n, expr.span)
                    || self.refer(SymbolKind::Block, None, n, expr.span);
                if !found {
                    self.variant(context, n, expr.span);
                }
            }
            ExprKind::Compare(_, l, r) => {
                let (lc, rc) = (self.enum_of(r), self.enum_of(l));
                self.expr(l, lc.as_deref());
                self.expr(r, rc.as_deref());
            }
            ExprKind::In { value, list, .. } => {
                let c = self.enum_of(value);
                self.expr(value, None);
                self.expr(list, c.as_deref());
            }
            ExprKind::List(items) => {
                for i in items {
                    self.expr(i, context);
                }
            }
            ExprKind::Neg(x) | ExprKind::Not(x) | ExprKind::Within(x, _) => self.expr(x, None),
            ExprKind::IsMissing { value, .. } | ExprKind::Matches(value, _) => {
                self.expr(value, None)
            }
            ExprKind::Arith(_, l, r)
            | ExprKind::TextTest(_, l, r)
            | ExprKind::DateTest(_, l, r)
            | ExprKind::And(l, r)
            | ExprKind::Or(l, r) => {
                self.expr(l, None);
                self.expr(r, None);
            }
            ExprKind::Between(a, b, c) => {
                for x in [a, b, c] {
                    self.expr(x, None);
                }
            }
            ExprKind::Call(_, args) => {
                for a in args {
                    self.expr(a, None);
                }
            }
            ExprKind::Number(_)
            | ExprKind::Text(_)
            | ExprKind::Bool(_)
            | ExprKind::Date(_)
            | ExprKind::Ago(_)
            | ExprKind::Duration(_)
            | ExprKind::Score => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_declarations_and_uses() {
        let text =
            "enum Role { VP, CEO }\nschema { id: int key  role: Role  n: int }\ntiers A > B\n\
                    let boss = role in [VP, CEO]\nscore fit { +1 when boss }\n\
                    rule big: when fit > 0 and role = VP then tier A\notherwise tier B\n\
                    lead ana { id: 1, role: CEO, n: 2 }\n\
                    test \"t\" { given ana expect tier A expect rule big expect fit 1 }\n";
        let policy = crate::syntax::parse(text).expect("parses");
        let index = Index::build(&policy);
        let refs = |kind, owner: Option<&str>, name: &str| {
            let id = index.find(kind, owner, name).expect("declared");
            let spans = index.occurrences_of(id);
            // Every occurrence is the name as written.
            assert!(
                spans.iter().all(|s| &text[s.start..s.end] == name),
                "{name}"
            );
            spans.len()
        };
        assert_eq!(refs(SymbolKind::Variant, Some("Role"), "VP"), 3);
        assert_eq!(refs(SymbolKind::Variant, Some("Role"), "CEO"), 3);
        assert_eq!(refs(SymbolKind::Field, None, "role"), 4);
        assert_eq!(refs(SymbolKind::Enum, None, "Role"), 2);
        assert_eq!(refs(SymbolKind::Let, None, "boss"), 2);
        assert_eq!(refs(SymbolKind::Block, None, "fit"), 3);
        assert_eq!(refs(SymbolKind::Tier, None, "A"), 3);
        assert_eq!(refs(SymbolKind::Rule, None, "big"), 2);
        assert_eq!(refs(SymbolKind::Lead, None, "ana"), 2);
        let at = text.find("boss }").expect("there") + 2;
        let o = index.at(at).expect("an occurrence");
        assert_eq!(index.symbols[o.symbol].name, "boss");
    }
}
