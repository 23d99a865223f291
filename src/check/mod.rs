//! Stage 2, syntax tree → checked policy: resolves every name, types every
//! expression, and reports every problem in one run, one per root cause.

mod analysis;
mod budget;
mod invisible;
pub use budget::MAX_LET_EXPANSION;
pub use invisible::invisible_characters;
mod domain;
pub mod error;
mod lint;
pub mod patterns;
mod records;
pub mod recovery;
pub mod reuse;
pub mod tir;
mod typeck;
pub use typeck::FUNCTIONS;
pub mod types;

use std::collections::HashMap;

pub use error::CheckError;
use tir::*;
use types::{builtin, Type, BUILTIN_TYPES};

use crate::diagnostic::did_you_mean;
use crate::source::{Span, Spanned};
use crate::syntax::ast::{self, Item};

/// The result of checking: the policy (complete when there are no errors)
/// and every diagnostic, errors and warnings, in source order.
#[derive(Debug)]
pub struct Checked {
    /// The checked policy.
    pub policy: CheckedPolicy,
    /// Errors and warnings, sorted by position.
    pub diagnostics: Vec<CheckError>,
}

/// The statuses, which tiers may not be named: reports count each lead in
/// one class, its tier or else its status.
pub const STATUS_NAMES: [&str; 4] = ["qualified", "disqualified", "unmatched", "error"];

impl Checked {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| !d.is_warning())
    }
}

/// Checks a parsed policy.
pub fn check(policy: &ast::Policy) -> Checked {
    check_with(policy, true)
}

/// Checks a parsed policy; the warnings of the analysis (unused names,
/// rules that never fire, ...) only when `lint` (they are not wanted for a
/// policy with syntax errors, and cost the most).
pub fn check_with(policy: &ast::Policy, lint: bool) -> Checked {
    check_again(policy, lint, None).0
}

/// [`check_with`] of an edited version of a policy: what `reuse` offers of
/// the last check (of the version before) is carried over where it still
/// holds ([`reuse`]); the result is the same as a check from scratch. Also
/// returns what this check keeps for the next.
pub fn check_again(
    policy: &ast::Policy,
    lint: bool,
    reuse: Option<reuse::Reuse<'_>>,
) -> (Checked, reuse::Memo) {
    let mut checker = Checker::new(policy);
    checker.carried = reuse::Carried::new(policy, reuse);
    checker.declarations();
    checker.bodies();
    checker.let_budget();
    checker.records();
    if lint {
        checker.lint();
    } else {
        // What the rule analysis found holds for the rules before each as
        // they were: not kept through a version it did not see.
        checker.rule_memos.iter_mut().for_each(|m| m.linted = None);
    }
    let policy_ast = checker.ast;
    let mut diagnostics = checker.diags;
    diagnostics.sort_by_key(|d| (d.primary_span().start, d.is_warning()));
    // One report per misspelt name (its first use), not one per use.
    let mut seen = std::collections::HashSet::new();
    diagnostics.retain(|d| match d {
        CheckError::UnknownName { name, .. } => seen.insert(name.clone()),
        _ => true,
    });
    let mut policy = checker.out;
    policy.patterns = checker.patterns.into_built();
    let clean = !diagnostics.iter().any(|d| !d.is_warning());
    let memo = reuse::Memo::new(policy_ast, clean, checker.rule_memos);
    let checked = Checked {
        policy,
        diagnostics,
    };
    (checked, memo)
}

/// Where a let is in being checked, for cycle detection.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LetState {
    Unvisited,
    InProgress,
    Done,
}

/// The checker's working state.
struct Checker<'a> {
    ast: &'a ast::Policy,
    out: CheckedPolicy,
    diags: Vec<CheckError>,
    enum_index: HashMap<String, usize>,
    enum_spans: Vec<Span>,
    field_index: HashMap<String, usize>,
    tier_spans: Vec<Span>,
    let_index: HashMap<String, usize>,
    let_decls: Vec<&'a ast::LetDecl>,
    let_state: Vec<LetState>,
    let_stack: Vec<usize>,
    block_index: HashMap<String, usize>,
    lead_index: HashMap<String, usize>,
    // What the policy uses, for the unused-declaration warnings.
    let_used: Vec<bool>,
    tier_used: Vec<bool>,
    patterns: patterns::PatternBudget,
    patterns_reported: bool,
    /// What the last check of an earlier version offers ([`reuse`]).
    carried: reuse::Carried,
    /// What this check keeps of each rule, for the next.
    rule_memos: Vec<reuse::RuleMemo>,
    /// How many rules from the first are carried over from the last check
    /// in place (nothing before them changed): the rule analysis resumes
    /// after them.
    resume: usize,
}

impl<'a> Checker<'a> {
    fn new(ast: &'a ast::Policy) -> Self {
        Checker {
            ast,
            out: CheckedPolicy::default(),
            diags: Vec::new(),
            enum_index: HashMap::new(),
            enum_spans: Vec::new(),
            field_index: HashMap::new(),
            tier_spans: Vec::new(),
            let_index: HashMap::new(),
            let_decls: Vec::new(),
            let_state: Vec::new(),
            let_stack: Vec::new(),
            block_index: HashMap::new(),
            lead_index: HashMap::new(),
            let_used: Vec::new(),
            tier_used: Vec::new(),
            patterns: patterns::PatternBudget::new(),
            patterns_reported: false,
            carried: reuse::Carried::default(),
            rule_memos: Vec::new(),
            resume: 0,
        }
    }

    fn error(&mut self, e: CheckError) {
        self.diags.push(e);
    }

    /// Compiles a `matches` pattern against the policy's pattern budget.
    fn pattern(&mut self, pattern: &Spanned<String>) {
        match self.patterns.build(&pattern.node) {
            Ok(_) => {}
            Err(patterns::PatternProblem::Invalid(reason)) => {
                self.error(CheckError::InvalidRegex {
                    reason,
                    span: pattern.span,
                });
            }
            // One report, at the first pattern refused for the budget.
            Err(patterns::PatternProblem::OverBudget { .. }) if self.patterns_reported => {}
            Err(patterns::PatternProblem::OverBudget { .. }) => {
                self.patterns_reported = true;
                self.error(CheckError::PatternsTooLarge {
                    limit_mib: patterns::PATTERNS_TOTAL_LIMIT >> 20,
                    span: pattern.span,
                });
            }
        }
    }

    // ── pass 1: names and declarations ──

    fn declarations(&mut self) {
        // Each name's first declaration, by kind (names borrowed from the
        // tree: thousands of rules are not thousands of copies).
        let mut seen: foldhash::HashMap<(&'static str, &'a str), Span> = Default::default();
        let mut once =
            |checker: &mut Self, kind: &'static str, name: &'a str, span: Span| -> bool {
                match seen.entry((kind, name)) {
                    std::collections::hash_map::Entry::Occupied(first) => {
                        checker.error(CheckError::Duplicate {
                            kind,
                            name: name.to_string(),
                            span,
                            first: *first.get(),
                        });
                        false
                    }
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(span);
                        true
                    }
                }
            };
        let ast = self.ast;
        for item in &ast.items {
            match item {
                Item::Name(n) => {
                    if once(self, "declaration", "policy", n.span) {
                        self.out.name = Some(n.node.clone());
                    }
                }
                Item::Enum(e) => {
                    if once(self, "enum", &e.name.node, e.name.span) {
                        self.declare_enum(e);
                    }
                }
                Item::Tiers(t) => {
                    let span = Span::new(t.span.start, t.span.start + 5);
                    if once(self, "declaration", "tiers", span) {
                        for tier in &t.tiers {
                            if STATUS_NAMES.contains(&tier.node.as_str()) {
                                self.error(CheckError::ReservedTier {
                                    name: tier.node.clone(),
                                    span: tier.span,
                                });
                            }
                            if once(self, "tier", &tier.node, tier.span) {
                                self.out.tiers.push(tier.node.clone());
                                self.tier_spans.push(tier.span);
                            }
                        }
                    }
                }
                Item::Let(l) => {
                    if once(self, "let", &l.name.node, l.name.span) {
                        self.let_index
                            .insert(l.name.node.clone(), self.let_decls.len());
                        self.let_decls.push(l);
                    }
                }
                Item::Score(b) => {
                    if let Some(name) = &b.name {
                        if once(self, "score block", &name.node, name.span) {
                            self.block_index
                                .insert(name.node.clone(), self.block_index.len());
                        }
                    }
                }
                Item::Rule(r) => {
                    if let Some(name) = &r.name {
                        once(self, "rule", &name.node, name.span);
                    }
                }
                Item::Lead(l) => {
                    if once(self, "lead", &l.name.node, l.name.span) {
                        self.lead_index
                            .insert(l.name.node.clone(), self.lead_index.len());
                    }
                }
                Item::Test(t) => {
                    once(self, "test", &t.name.node, t.name.span);
                }
                Item::Schema(_) | Item::Disqualify(_) => {}
            }
        }
        // Block indices count named blocks only in `block_index`; renumber
        // them to their position among all blocks.
        self.block_index.clear();
        let mut position = 0;
        for item in &self.ast.items {
            if let Item::Score(b) = item {
                if let Some(name) = &b.name {
                    self.block_index
                        .entry(name.node.clone())
                        .or_insert(position);
                }
                position += 1;
            }
        }
        self.schema(&mut once);
        let n = self.let_decls.len();
        self.let_state = vec![LetState::Unvisited; n];
        self.let_used = vec![false; n];
        self.out.lets = Vec::with_capacity(n);
        self.tier_used = vec![false; self.out.tiers.len()];
    }

    fn declare_enum(&mut self, e: &ast::EnumDecl) {
        let mut variants = Vec::new();
        let mut local: HashMap<&str, Span> = HashMap::new();
        for v in &e.variants {
            if let Some(first) = local.get(v.name.node.as_str()) {
                let (name, span, first) = (v.name.node.clone(), v.name.span, *first);
                self.error(CheckError::Duplicate {
                    kind: "variant",
                    name,
                    span,
                    first,
                });
                continue;
            }
            local.insert(&v.name.node, v.name.span);
            variants.push(VariantDef {
                name: v.name.node.clone(),
                spellings: v.spellings.iter().map(|s| s.node.clone()).collect(),
            });
        }
        self.enum_index
            .insert(e.name.node.clone(), self.out.enums.len());
        self.enum_spans.push(e.name.span);
        let spelled = variants
            .iter()
            .enumerate()
            .flat_map(|(i, v)| {
                std::iter::once(&v.name)
                    .chain(&v.spellings)
                    .map(move |text| (text.as_str(), i as u32))
            })
            .collect();
        self.out.enums.push(EnumDef {
            name: e.name.node.clone(),
            variants,
            trim: e.trim.is_some(),
            ignore_case: e.ignore_case.is_some(),
            spelled,
        });
    }

    fn schema(&mut self, once: &mut impl FnMut(&mut Self, &'static str, &'a str, Span) -> bool) {
        let ast = self.ast;
        let schemas: Vec<&'a ast::SchemaDecl> = ast
            .items
            .iter()
            .filter_map(|i| {
                if let Item::Schema(s) = i {
                    Some(s)
                } else {
                    None
                }
            })
            .collect();
        let Some(first) = schemas.first() else {
            self.error(CheckError::NoSchema {
                span: Span::new(0, 0),
            });
            return;
        };
        for s in &schemas[1..] {
            let (span, first) = (
                Span::new(s.span.start, s.span.start + 6),
                Span::new(first.span.start, first.span.start + 6),
            );
            self.error(CheckError::Duplicate {
                kind: "declaration",
                name: "schema".into(),
                span,
                first,
            });
        }
        self.out.schema.missing = first.missing.iter().map(|m| m.node.clone()).collect();
        let mut key_span: Option<Span> = None;
        for f in &first.fields {
            if !once(self, "field", &f.name.node, f.name.span) {
                continue;
            }
            let ty = self.field_type(&f.ty);
            let enum_flags = match &ty {
                Type::Enum(id, _) => self
                    .out
                    .enums
                    .get(*id)
                    .map_or((false, false), |e| (e.trim, e.ignore_case)),
                _ => (false, false),
            };
            if let Some(span) = f.ignore_case {
                if !matches!(ty, Type::Enum(..) | Type::Error) {
                    self.error(CheckError::CaseOnNonEnum {
                        field: f.name.node.clone(),
                        ty: ty.to_string(),
                        span,
                    });
                }
            }
            if let Some(k) = f.key {
                match key_span {
                    Some(first) => self.error(CheckError::DuplicateKey { span: k, first }),
                    None => {
                        key_span = Some(k);
                        self.out.schema.key = Some(self.out.schema.fields.len());
                    }
                }
            }
            self.field_index
                .insert(f.name.node.clone(), self.out.schema.fields.len());
            self.out.schema.fields.push(Field {
                name: f.name.node.clone(),
                ty,
                optional: f.ty.optional,
                column: f
                    .column
                    .as_ref()
                    .map_or_else(|| f.name.node.clone(), |c| c.node.clone()),
                missing: f.missing.iter().map(|m| m.node.clone()).collect(),
                trim: f.trim.is_some() || enum_flags.0,
                ignore_case: f.ignore_case.is_some() || enum_flags.1,
            });
        }
    }

    fn field_type(&mut self, t: &ast::TypeRef) -> Type {
        let base = match builtin(&t.name.node) {
            Some(ty) => ty,
            None => match self.enum_index.get(&t.name.node) {
                Some(&id) => Type::Enum(id, t.name.node.clone()),
                None => {
                    let mut types: Vec<String> =
                        BUILTIN_TYPES.iter().map(|s| s.to_string()).collect();
                    types.extend(self.out.enums.iter().map(|e| e.name.clone()));
                    let suggestion = did_you_mean(&t.name.node, types.iter().map(String::as_str));
                    let (name, span) = (t.name.node.clone(), t.name.span);
                    self.error(CheckError::UnknownType {
                        name,
                        types,
                        suggestion,
                        span,
                    });
                    Type::Error
                }
            },
        };
        if t.list {
            if base != Type::Text && base != Type::Error {
                self.error(CheckError::UnsupportedList { span: t.span });
            }
            return Type::List;
        }
        base
    }

    // ── pass 2: lets, disqualifiers, score blocks, rules ──

    fn bodies(&mut self) {
        for i in 0..self.let_decls.len() {
            self.check_let(i);
        }
        let mut otherwise: Option<Span> = None;
        let ast = self.ast;
        for (i, item) in ast.items.iter().enumerate() {
            match item {
                Item::Disqualify(d) => {
                    let when = self.condition(&d.when, "a disqualifier's condition");
                    let reason = d
                        .because
                        .as_ref()
                        .map_or_else(|| format!("line {}", d.line), |b| b.node.clone());
                    self.out.disqualifiers.push(DisqualifierDef {
                        when,
                        reason,
                        span: d.span,
                    });
                }
                Item::Score(b) => {
                    let block = self.score_block(b);
                    self.out.blocks.push(block);
                }
                Item::Rule(r) => {
                    if let Some(o) = otherwise {
                        match r.when {
                            Some(_) => self.error(CheckError::OtherwiseNotLast {
                                span: o,
                                later: r.span,
                            }),
                            None => self.error(CheckError::OtherwiseTwice {
                                span: r.span,
                                first: o,
                            }),
                        }
                    }
                    if r.when.is_none() && otherwise.is_none() {
                        otherwise = Some(r.span);
                    }
                    let carried = self.carried.take(i);
                    let reported_before = self.diags.len();
                    let (rule, memo) = match carried {
                        // Unchanged, in an unchanged context: moved, and
                        // what typing it did besides, done again.
                        Some((memo, old)) => {
                            if old.span == r.span && self.resume == self.rule_memos.len() {
                                self.resume += 1;
                            }
                            (self.carry(r, &memo, old), memo)
                        }
                        None => {
                            let rule = self.tier_rule(r);
                            let memo = reuse::RuleMemo {
                                quiet: self.diags.len() == reported_before,
                                uses: rule.when.as_ref().is_some_and(reuse::uses),
                                ..Default::default()
                            };
                            (rule, memo)
                        }
                    };
                    self.rule_memos.push(reuse::RuleMemo { item: i, ..memo });
                    self.out.rules.push(rule);
                }
                _ => {}
            }
        }
    }

    fn check_let(&mut self, i: usize) -> Type {
        match self.let_state[i] {
            LetState::Done => return self.out_let_type(i),
            LetState::InProgress => return Type::Error,
            LetState::Unvisited => {}
        }
        self.let_state[i] = LetState::InProgress;
        self.let_stack.push(i);
        let decl = self.let_decls[i];
        let value = self.infer(&decl.value, None);
        self.let_stack.pop();
        self.let_state[i] = LetState::Done;
        let ty = value.ty.clone();
        self.set_let(
            i,
            LetDef {
                name: decl.name.node.clone(),
                value,
            },
        );
        ty
    }

    fn set_let(&mut self, i: usize, def: LetDef) {
        let placeholder = || LetDef {
            name: String::new(),
            value: TExpr {
                kind: TKind::Const(crate::value::Datum::Missing),
                ty: Type::Error,
                span: Span::default(),
            },
        };
        while self.out.lets.len() <= i {
            self.out.lets.push(placeholder());
        }
        self.out.lets[i] = def;
    }

    fn out_let_type(&self, i: usize) -> Type {
        self.out
            .lets
            .get(i)
            .map_or(Type::Error, |l| l.value.ty.clone())
    }

    fn score_block(&mut self, b: &ast::ScoreBlock) -> BlockDef {
        if let (Some(floor), Some(cap)) = (&b.floor, &b.cap) {
            if floor.node > cap.node {
                self.error(CheckError::FloorAboveCap {
                    floor: floor.node,
                    cap: cap.node,
                    span: floor.span.to(cap.span),
                });
            }
        }
        let entries = b
            .entries
            .iter()
            .map(|e| {
                let (per, expr) = match &e.kind {
                    ast::EntryKind::When(c) => {
                        (false, self.condition(c, "a score entry's condition"))
                    }
                    ast::EntryKind::Per(x) => (true, self.per_value(x)),
                };
                EntryDef {
                    points: e.points.node,
                    per,
                    expr,
                    because: e.because.as_ref().map(|b| b.node.clone()),
                    span: e.span,
                }
            })
            .collect();
        BlockDef {
            name: b.name.as_ref().map(|n| n.node.clone()),
            floor: b.floor.as_ref().map(|f| f.node),
            cap: b.cap.as_ref().map(|c| c.node),
            entries,
            span: b.span,
        }
    }

    fn per_value(&mut self, x: &ast::Expr) -> TExpr {
        let value = self.infer(x, None);
        match value.ty {
            Type::Int | Type::Error => {}
            Type::Number | Type::Money => self.error(CheckError::PerNotInt {
                found: value.ty.to_string(),
                span: value.span,
            }),
            _ => self.error(CheckError::WrongType {
                context: "the value after `per`",
                expected: "a whole number",
                found: value.ty.to_string(),
                span: value.span,
                help: "`+N per x` adds N points for each unit of x, e.g. `+2 per visits`".into(),
            }),
        }
        value
    }

    fn tier_rule(&mut self, r: &ast::TierRule) -> RuleDef {
        let when = r
            .when
            .as_ref()
            .map(|c| self.condition(c, "a rule's condition"));
        let tier = self.tier(&r.tier).unwrap_or(usize::MAX);
        let label = match (&r.name, &r.when) {
            (Some(n), _) => n.node.clone(),
            (None, Some(_)) => format!("line {}", r.line),
            (None, None) => "otherwise".to_string(),
        };
        RuleDef {
            label,
            when,
            tier,
            route: r.route.as_ref().map(|q| q.node.clone()),
            because: r.because.as_ref().map(|b| b.node.clone()),
            span: r.span,
        }
    }

    /// A tier's index, marking it used; reports an unknown tier.
    fn tier(&mut self, name: &Spanned<String>) -> Option<usize> {
        match self.out.tiers.iter().position(|t| *t == name.node) {
            Some(i) => {
                self.tier_used[i] = true;
                Some(i)
            }
            None => {
                let tiers = self.out.tiers.clone();
                let suggestion = did_you_mean(&name.node, tiers.iter().map(String::as_str));
                self.error(CheckError::UnknownTier {
                    name: name.node.clone(),
                    tiers,
                    suggestion,
                    span: name.span,
                });
                None
            }
        }
    }
}

/// The name under which [`check_expr`] checks an expression.
const EXPR_LET: &str = "__lq_expression";

/// Checks one expression against a policy that itself checks cleanly: the
/// expression may use every let, field, block and enum of the policy.
/// Errors point into the expression's own text.
pub fn check_expr(policy: &ast::Policy, expr: &ast::Expr) -> Result<TExpr, Vec<CheckError>> {
    let mut with_expr = policy.clone();
    with_expr.items.push(Item::Let(ast::LetDecl {
        name: Spanned::new(EXPR_LET.to_string(), expr.span),
        value: expr.clone(),
        span: expr.span,
    }));
    let checked = check(&with_expr);
    if checked.has_errors() {
        return Err(checked
            .diagnostics
            .into_iter()
            .filter(|d| !d.is_warning())
            .collect());
    }
    let found = checked.policy.lets.into_iter().find(|l| l.name == EXPR_LET);
    found.map(|l| l.value).ok_or_else(Vec::new)
}
