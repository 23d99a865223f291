//! The rule analysis: which leads make each condition true, false or
//! unknown, as [`Region`]s. It understands comparisons of a field with a
//! constant, `between`, `in`, `is missing`, boolean fields and enums, under
//! `and`, `or`, `not` and lets; for anything else it says nothing, so that
//! every warning it gives is certain.

use super::domain::{Dom, End, Interval, Region, Sample};
use super::tir::{CheckedPolicy, TExpr, TKind};
use super::types::Type;
use crate::syntax::ast::{CompareOp, DateOp};
use crate::value::Datum;

/// Where a condition is true, false, not true and not false.
#[derive(Clone, Debug)]
pub struct Sets {
    /// The leads for which it is true.
    pub t: Region,
    /// ... false.
    pub f: Region,
    /// ... false or unknown.
    pub nt: Region,
    /// ... true or unknown.
    pub nf: Region,
}

/// Computes [`Sets`] over a checked policy's fields.
pub struct Analyzer<'p> {
    policy: &'p CheckedPolicy,
    depth: usize,
}

impl<'p> Analyzer<'p> {
    /// An analyzer for `policy`.
    pub fn new(policy: &'p CheckedPolicy) -> Self {
        Analyzer { policy, depth: 0 }
    }

    fn fields(&self) -> usize {
        self.policy.schema.fields.len()
    }

    /// The sets of a condition, or `None` when it uses what the analysis
    /// does not understand (or is too large).
    pub fn sets(&mut self, e: &TExpr) -> Option<Sets> {
        self.depth += 1;
        if self.depth > 64 {
            self.depth -= 1;
            return None;
        }
        let result = self.sets_inner(e);
        self.depth -= 1;
        result
    }

    fn sets_inner(&mut self, e: &TExpr) -> Option<Sets> {
        let n = self.fields();
        match &e.kind {
            TKind::And(a, b) => {
                let (a, b) = (self.sets(a)?, self.sets(b)?);
                Some(Sets {
                    t: a.t.intersect(&b.t)?,
                    f: a.f.union(b.f)?,
                    nt: a.nt.union(b.nt)?,
                    nf: a.nf.intersect(&b.nf)?,
                })
            }
            TKind::Or(a, b) => {
                let (a, b) = (self.sets(a)?, self.sets(b)?);
                Some(Sets {
                    t: a.t.union(b.t)?,
                    f: a.f.intersect(&b.f)?,
                    nt: a.nt.intersect(&b.nt)?,
                    nf: a.nf.union(b.nf)?,
                })
            }
            TKind::Not(a) => {
                let a = self.sets(a)?;
                Some(Sets {
                    t: a.f,
                    f: a.t,
                    nt: a.nf,
                    nf: a.nt,
                })
            }
            TKind::Let(i) => {
                let value = self.policy.lets.get(*i)?.value.clone();
                self.sets(&value)
            }
            TKind::Const(Datum::Bool(b)) => {
                let (all, none) = (Region::all(n), Region::none());
                Some(if *b {
                    Sets {
                        t: all.clone(),
                        f: none.clone(),
                        nt: none,
                        nf: all,
                    }
                } else {
                    Sets {
                        t: none.clone(),
                        f: all.clone(),
                        nt: all,
                        nf: none,
                    }
                })
            }
            TKind::IsMissing(present, x) => {
                let TKind::Field(slot) = x.kind else {
                    return None;
                };
                let field = &self.policy.schema.fields[slot];
                let full = self.full(slot)?;
                let missing = if field.optional {
                    Region::field(n, slot, full.missing_only())
                } else {
                    Region::none()
                };
                let present_region = Region::field(n, slot, full);
                let (t, f) = if *present {
                    (present_region, missing)
                } else {
                    (missing, present_region)
                };
                Some(Sets {
                    nt: f.clone(),
                    nf: t.clone(),
                    t,
                    f,
                })
            }
            TKind::Field(slot) if e.ty == Type::Bool => {
                let yes = Dom::Bool {
                    yes: true,
                    no: false,
                    missing: false,
                };
                let no = Dom::Bool {
                    yes: false,
                    no: true,
                    missing: false,
                };
                Some(self.atom(*slot, yes, no))
            }
            TKind::Compare(op, l, r) => {
                let (slot, value, op) = match (&l.kind, &r.kind) {
                    (TKind::Field(s), TKind::Const(c)) => (*s, c, *op),
                    (TKind::Const(c), TKind::Field(s)) => (*s, c, flip(*op)),
                    _ => return None,
                };
                let t = self.compare_dom(slot, op, value)?;
                let f = self.compare_dom(slot, negate(op), value)?;
                Some(self.atom(slot, t, f))
            }
            TKind::In(negated, v, list) => {
                let TKind::Field(slot) = v.kind else {
                    return None;
                };
                let TKind::List(items) = &list.kind else {
                    return None;
                };
                let mut t = self.empty(slot)?;
                for item in items {
                    let TKind::Const(c) = &item.kind else {
                        return None;
                    };
                    t = union_dom(&t, &self.compare_dom(slot, CompareOp::Eq, c)?)?;
                }
                let f = complement(&t, &self.full(slot)?)?;
                Some(if *negated {
                    self.atom(slot, f, t)
                } else {
                    self.atom(slot, t, f)
                })
            }
            TKind::Between(v, lo, hi) => {
                let (TKind::Field(slot), TKind::Const(a), TKind::Const(b)) =
                    (&v.kind, &lo.kind, &hi.kind)
                else {
                    return None;
                };
                let t = self
                    .compare_dom(*slot, CompareOp::Ge, a)?
                    .intersect(&self.compare_dom(*slot, CompareOp::Le, b)?);
                let f = complement(&t, &self.full(*slot)?)?;
                Some(self.atom(*slot, t, f))
            }
            TKind::DateTest(op, l, r) => {
                let (TKind::Field(slot), TKind::Const(c)) = (&l.kind, &r.kind) else {
                    return None;
                };
                let op = if *op == DateOp::Before {
                    CompareOp::Lt
                } else {
                    CompareOp::Gt
                };
                let t = self.compare_dom(*slot, op, c)?;
                let f = self.compare_dom(*slot, negate(op), c)?;
                Some(self.atom(*slot, t, f))
            }
            _ => None,
        }
    }

    /// The sets of an atom true on `t`, false on `t`'s complement `f`, and
    /// unknown when the field is missing.
    fn atom(&self, slot: usize, t: Dom, f: Dom) -> Sets {
        let n = self.fields();
        let optional = self.policy.schema.fields[slot].optional;
        let with_missing = |d: &Dom| {
            if optional {
                d.clone().or_missing()
            } else {
                d.clone()
            }
        };
        Sets {
            nt: Region::field(n, slot, with_missing(&f)),
            nf: Region::field(n, slot, with_missing(&t)),
            t: Region::field(n, slot, t),
            f: Region::field(n, slot, f),
        }
    }

    /// Every present value of a field.
    fn full(&self, slot: usize) -> Option<Dom> {
        let field = &self.policy.schema.fields[slot];
        Some(match &field.ty {
            Type::Int | Type::Date => Dom::Num {
                ivs: vec![Interval::all()],
                whole: true,
                missing: false,
            },
            Type::Number | Type::Money => Dom::Num {
                ivs: vec![Interval::all()],
                whole: false,
                missing: false,
            },
            Type::Enum(id, _) => Dom::Enum {
                variants: vec![true; self.policy.enums.get(*id)?.variants.len()],
                missing: false,
            },
            Type::Bool => Dom::Bool {
                yes: true,
                no: true,
                missing: false,
            },
            Type::Text => Dom::Text {
                listed: Default::default(),
                others: true,
                missing: false,
            },
            _ => return None,
        })
    }

    fn empty(&self, slot: usize) -> Option<Dom> {
        Some(match self.full(slot)? {
            Dom::Num { whole, .. } => Dom::Num {
                ivs: Vec::new(),
                whole,
                missing: false,
            },
            Dom::Enum { variants, .. } => Dom::Enum {
                variants: vec![false; variants.len()],
                missing: false,
            },
            Dom::Bool { .. } => Dom::Bool {
                yes: false,
                no: false,
                missing: false,
            },
            Dom::Text { .. } => Dom::Text {
                listed: Default::default(),
                others: false,
                missing: false,
            },
        })
    }

    /// The present values `v` of a field with `v op c` true.
    fn compare_dom(&self, slot: usize, op: CompareOp, c: &Datum) -> Option<Dom> {
        let full = self.full(slot)?;
        match (&full, c) {
            (Dom::Num { whole, .. }, Datum::Int(_) | Datum::Num(_) | Datum::Date(_)) => {
                let x = match c {
                    Datum::Int(i) => *i as f64,
                    Datum::Num(n) => *n,
                    Datum::Date(d) => f64::from(*d),
                    _ => return None,
                };
                let inf = f64::INFINITY;
                let iv = |lo: f64, lc: bool, hi: f64, hc: bool| Interval {
                    lo: End { at: lo, closed: lc },
                    hi: End { at: hi, closed: hc },
                };
                let ivs = match op {
                    CompareOp::Eq => vec![iv(x, true, x, true)],
                    CompareOp::Ne => vec![iv(-inf, false, x, false), iv(x, false, inf, false)],
                    CompareOp::Lt => vec![iv(-inf, false, x, false)],
                    CompareOp::Le => vec![iv(-inf, false, x, true)],
                    CompareOp::Gt => vec![iv(x, false, inf, false)],
                    CompareOp::Ge => vec![iv(x, true, inf, false)],
                };
                Some(Dom::Num {
                    ivs,
                    whole: *whole,
                    missing: false,
                })
            }
            (Dom::Enum { variants, .. }, Datum::Enum(v)) => {
                let mut set = vec![false; variants.len()];
                *set.get_mut(*v as usize)? = true;
                match op {
                    CompareOp::Eq => Some(Dom::Enum {
                        variants: set,
                        missing: false,
                    }),
                    CompareOp::Ne => Some(Dom::Enum {
                        variants: set.iter().map(|b| !b).collect(),
                        missing: false,
                    }),
                    _ => None,
                }
            }
            (Dom::Bool { .. }, Datum::Bool(b)) => {
                let b = match op {
                    CompareOp::Eq => *b,
                    CompareOp::Ne => !*b,
                    _ => return None,
                };
                Some(Dom::Bool {
                    yes: b,
                    no: !b,
                    missing: false,
                })
            }
            (Dom::Text { .. }, Datum::Text(t)) => {
                let listed = std::iter::once(t.clone()).collect();
                match op {
                    CompareOp::Eq => Some(Dom::Text {
                        listed,
                        others: false,
                        missing: false,
                    }),
                    CompareOp::Ne => Some(Dom::Text {
                        listed,
                        others: true,
                        missing: false,
                    }),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

fn flip(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Lt => CompareOp::Gt,
        CompareOp::Le => CompareOp::Ge,
        CompareOp::Gt => CompareOp::Lt,
        CompareOp::Ge => CompareOp::Le,
        other => other,
    }
}

fn negate(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Eq => CompareOp::Ne,
        CompareOp::Ne => CompareOp::Eq,
        CompareOp::Lt => CompareOp::Ge,
        CompareOp::Le => CompareOp::Gt,
        CompareOp::Gt => CompareOp::Le,
        CompareOp::Ge => CompareOp::Lt,
    }
}

/// The present values in either domain.
fn union_dom(a: &Dom, b: &Dom) -> Option<Dom> {
    Some(match (a, b) {
        (Dom::Num { ivs: x, whole, .. }, Dom::Num { ivs: y, .. }) => Dom::Num {
            ivs: x.iter().chain(y).copied().collect(),
            whole: *whole,
            missing: false,
        },
        (Dom::Enum { variants: x, .. }, Dom::Enum { variants: y, .. }) => Dom::Enum {
            variants: x.iter().zip(y).map(|(p, q)| *p || *q).collect(),
            missing: false,
        },
        (
            Dom::Bool {
                yes: a1, no: a2, ..
            },
            Dom::Bool {
                yes: b1, no: b2, ..
            },
        ) => Dom::Bool {
            yes: *a1 || *b1,
            no: *a2 || *b2,
            missing: false,
        },
        (
            Dom::Text {
                listed: x,
                others: false,
                ..
            },
            Dom::Text {
                listed: y,
                others: false,
                ..
            },
        ) => Dom::Text {
            listed: x.union(y).cloned().collect(),
            others: false,
            missing: false,
        },
        _ => return None,
    })
}

/// The present values of `full` not in `d`.
fn complement(d: &Dom, full: &Dom) -> Option<Dom> {
    Some(match (d, full) {
        (Dom::Num { ivs, whole, .. }, _) => {
            let mut sorted: Vec<Interval> = ivs.clone();
            sorted.sort_by(|a, b| a.lo.at.total_cmp(&b.lo.at));
            let mut out = Vec::new();
            let mut from = End {
                at: f64::NEG_INFINITY,
                closed: false,
            };
            for iv in sorted {
                out.push(Interval {
                    lo: from,
                    hi: End {
                        at: iv.lo.at,
                        closed: !iv.lo.closed,
                    },
                });
                let next = End {
                    at: iv.hi.at,
                    closed: !iv.hi.closed,
                };
                if next.at > from.at || (next.at == from.at && !next.closed) {
                    from = next;
                }
            }
            out.push(Interval {
                lo: from,
                hi: End {
                    at: f64::INFINITY,
                    closed: false,
                },
            });
            Dom::Num {
                ivs: out,
                whole: *whole,
                missing: false,
            }
        }
        (Dom::Enum { variants, .. }, _) => Dom::Enum {
            variants: variants.iter().map(|v| !v).collect(),
            missing: false,
        },
        (Dom::Bool { yes, no, .. }, _) => Dom::Bool {
            yes: !yes,
            no: !no,
            missing: false,
        },
        (Dom::Text { listed, others, .. }, _) => Dom::Text {
            listed: listed.clone(),
            others: !others,
            missing: false,
        },
    })
}

/// A lead inside the region, written as a `lead` declaration.
pub fn witness(policy: &CheckedPolicy, region: &Region) -> Option<String> {
    let cube = region.cubes.first()?;
    let analyzer = Analyzer::new(policy);
    let mut parts = Vec::new();
    for (slot, field) in policy.schema.fields.iter().enumerate() {
        let dom = match &cube[slot] {
            Some(d) => Dom::clone(d),
            None => {
                let full = analyzer.full(slot);
                match full {
                    Some(d) => d,
                    None => {
                        parts.push(format!(
                            "{}: {}",
                            field.name,
                            if field.optional { "missing" } else { "[]" }
                        ));
                        continue;
                    }
                }
            }
        };
        let value = match dom.sample()? {
            Sample::Missing => "missing".to_string(),
            Sample::Number(x) => match field.ty {
                Type::Date => crate::date::format(x as i32),
                Type::Int => format!("{}", x as i64),
                _ => format!("{x}"),
            },
            Sample::Variant(v) => match &field.ty {
                Type::Enum(id, _) => policy.enums.get(*id)?.variants.get(v)?.name.clone(),
                _ => return None,
            },
            Sample::Bool(b) => b.to_string(),
            Sample::Text(t) => format!("{t:?}"),
        };
        parts.push(format!("{}: {value}", field.name));
    }
    Some(format!("lead witness {{ {} }}", parts.join(", ")))
}
