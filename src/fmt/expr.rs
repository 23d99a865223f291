//! Printing expressions canonically: one spelling per operator, the fewest
//! parentheses that keep the tree, literals as the user wrote them.

use crate::syntax::ast::{ArithOp, DateOp, Expr, ExprKind, Number, TextOp};

/// Binding strength, loosest first.
const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const PREDICATE: u8 = 4;
const SUM: u8 = 5;
const PRODUCT: u8 = 6;
const UNARY: u8 = 7;
const ATOM: u8 = 8;

/// Prints expressions, slicing literals from the source they came from.
pub struct ExprPrinter<'s> {
    src: &'s str,
}

impl<'s> ExprPrinter<'s> {
    /// A printer over `src`, the text the expressions were parsed from.
    pub fn new(src: &'s str) -> Self {
        ExprPrinter { src }
    }

    /// The expression on one line.
    pub fn print(&self, e: &Expr) -> String {
        use ExprKind::*;
        match &e.kind {
            // `and` inside `or` keeps its parentheses: they are how people
            // read the grouping, though the precedence would not need them.
            Or(..) => self
                .chain(e, true)
                .iter()
                .map(|x| self.wrap(x, NOT))
                .collect::<Vec<_>>()
                .join(" or "),
            And(..) => self
                .chain(e, false)
                .iter()
                .map(|x| self.wrap(x, NOT))
                .collect::<Vec<_>>()
                .join(" and "),
            Not(x) => format!("not {}", self.wrap(x, NOT)),
            Compare(op, l, r) => format!(
                "{} {} {}",
                self.wrap(l, SUM),
                op.as_str(),
                self.wrap(r, SUM)
            ),
            In {
                negated,
                value,
                list,
            } => {
                let word = if *negated { "not in" } else { "in" };
                format!("{} {word} {}", self.wrap(value, SUM), self.wrap(list, SUM))
            }
            Between(v, lo, hi) => {
                format!(
                    "{} between {} and {}",
                    self.wrap(v, SUM),
                    self.wrap(lo, SUM),
                    self.wrap(hi, SUM)
                )
            }
            TextTest(op, l, r) => {
                let word = match op {
                    TextOp::Contains => "contains",
                    TextOp::StartsWith => "starts with",
                    TextOp::EndsWith => "ends with",
                };
                format!("{} {word} {}", self.wrap(l, SUM), self.wrap(r, SUM))
            }
            Matches(l, pattern) => {
                let text = self.quoted(pattern.span.start, pattern.span.end, &pattern.node);
                format!("{} matches {text}", self.wrap(l, SUM))
            }
            DateTest(op, l, r) => {
                let word = if *op == DateOp::Before {
                    "before"
                } else {
                    "after"
                };
                format!("{} {word} {}", self.wrap(l, SUM), self.wrap(r, SUM))
            }
            Within(l, days) => {
                let duration = self.words(
                    days.span.start,
                    days.span.end,
                    &format!("{} days", days.node),
                );
                format!("{} within {duration}", self.wrap(l, SUM))
            }
            IsMissing { negated, value } => {
                let word = if *negated { "is present" } else { "is missing" };
                format!("{} {word}", self.wrap(value, SUM))
            }
            Arith(op, l, r) => {
                let (symbol, own) = match op {
                    ArithOp::Add => ("+", SUM),
                    ArithOp::Sub => ("-", SUM),
                    ArithOp::Mul => ("*", PRODUCT),
                    ArithOp::Div => ("/", PRODUCT),
                };
                format!("{} {symbol} {}", self.wrap(l, own), self.wrap(r, own + 1))
            }
            Neg(x) => format!("-{}", self.wrap(x, UNARY)),
            Number(n) => self.number(e, *n),
            Text(t) => self.quoted(e.span.start, e.span.end, t),
            Bool(b) => b.to_string(),
            Date(d) => crate::date::format(*d),
            Ago(days) => self.words(e.span.start, e.span.end, &format!("{days} days ago")),
            Duration(days) => self.words(e.span.start, e.span.end, &format!("{days} days")),
            Name(n) => n.clone(),
            Score => "score".to_string(),
            List(items) => {
                let items: Vec<String> = items.iter().map(|i| self.wrap(i, SUM)).collect();
                format!("[{}]", items.join(", "))
            }
            Call(f, args) => {
                let args: Vec<String> = args.iter().map(|a| self.print(a)).collect();
                format!("{}({})", f.node, args.join(", "))
            }
        }
    }

    /// The operands of a chain of `or` (or `and`), however it nests.
    pub fn chain<'e>(&self, e: &'e Expr, or: bool) -> Vec<&'e Expr> {
        match (&e.kind, or) {
            (ExprKind::Or(l, r), true) | (ExprKind::And(l, r), false) => {
                let mut v = self.chain(l, or);
                v.extend(self.chain(r, or));
                v
            }
            _ => vec![e],
        }
    }

    /// `e`, in parentheses when it binds more loosely than `min`.
    pub fn wrap(&self, e: &Expr, min: u8) -> String {
        if precedence(e) < min {
            format!("({})", self.print(e))
        } else {
            self.print(e)
        }
    }

    /// A number as written (`10k`, `$2.5M`, `10_000`), with `K` as `k`.
    fn number(&self, e: &Expr, n: Number) -> String {
        let written: String = self
            .slice(e.span.start, e.span.end)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let digits = written.trim_start_matches('-');
        if crate::syntax::parser::parse_number(digits).is_some() && !digits.is_empty() {
            return written.replace('K', "k");
        }
        match n {
            Number::Int(i) => i.to_string(),
            Number::Real(r) => format!("{r}"),
        }
    }

    /// A quoted text as written (escapes kept), or re-escaped.
    fn quoted(&self, start: usize, end: usize, value: &str) -> String {
        let written = self.slice(start, end);
        if written.len() >= 2 && written.starts_with('"') && written.ends_with('"') {
            return written.to_string();
        }
        super::quote_text(value)
    }

    /// Words as written (`90 days ago`, `2 weeks`), spaces normalised.
    fn words(&self, start: usize, end: usize, fallback: &str) -> String {
        let written = self
            .slice(start, end)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let first_is_digit = written.starts_with(|c: char| c.is_ascii_digit());
        if first_is_digit && !written.contains(['#', '(', ')']) {
            written
        } else {
            fallback.to_string()
        }
    }

    fn slice(&self, start: usize, end: usize) -> &'s str {
        self.src.get(start..end).unwrap_or("")
    }
}

/// How tightly an expression binds.
pub fn precedence(e: &Expr) -> u8 {
    use ExprKind::*;
    match &e.kind {
        Or(..) => OR,
        And(..) => AND,
        Not(_) => NOT,
        Compare(..)
        | In { .. }
        | Between(..)
        | TextTest(..)
        | Matches(..)
        | DateTest(..)
        | Within(..)
        | IsMissing { .. } => PREDICATE,
        Arith(ArithOp::Add | ArithOp::Sub, ..) => SUM,
        Arith(..) => PRODUCT,
        Neg(_) => UNARY,
        Number(crate::syntax::ast::Number::Int(i)) if *i < 0 => UNARY,
        Number(crate::syntax::ast::Number::Real(r)) if *r < 0.0 => UNARY,
        _ => ATOM,
    }
}
