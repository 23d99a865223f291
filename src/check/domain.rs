//! Sets of leads, for the rule analysis: a [`Region`] is a union of boxes,
//! and a box constrains each field to a set of values (a [`Dom`]), the
//! missing value included or not. Exact for the conditions the analysis
//! understands (comparisons with constants, `between`, `in`, `is missing`,
//! booleans and enums under `and`/`or`/`not`).

use std::collections::BTreeSet;

/// One end of an interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct End {
    /// The value (infinite for an open-ended interval).
    pub at: f64,
    /// Whether the value itself is in.
    pub closed: bool,
}

/// An interval of numbers (or of whole numbers, for `int` and `date`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// The lower end.
    pub lo: End,
    /// The upper end.
    pub hi: End,
}

impl Interval {
    /// Every number.
    pub fn all() -> Interval {
        Interval {
            lo: End {
                at: f64::NEG_INFINITY,
                closed: false,
            },
            hi: End {
                at: f64::INFINITY,
                closed: false,
            },
        }
    }

    fn is_empty(&self, whole: bool) -> bool {
        if whole {
            let lo = if self.lo.closed {
                self.lo.at.ceil()
            } else {
                (self.lo.at + 1.0).floor()
            };
            let hi = if self.hi.closed {
                self.hi.at.floor()
            } else {
                (self.hi.at - 1.0).ceil()
            };
            return lo > hi;
        }
        self.lo.at > self.hi.at || (self.lo.at == self.hi.at && !(self.lo.closed && self.hi.closed))
    }

    fn intersect(&self, o: &Interval) -> Interval {
        let lo = if self.lo.at > o.lo.at || (self.lo.at == o.lo.at && !self.lo.closed) {
            self.lo
        } else {
            o.lo
        };
        let hi = if self.hi.at < o.hi.at || (self.hi.at == o.hi.at && !self.hi.closed) {
            self.hi
        } else {
            o.hi
        };
        Interval { lo, hi }
    }

    /// A value inside (for witnesses); the interval is not empty.
    fn sample(&self, whole: bool) -> f64 {
        let (lo, hi) = (self.lo, self.hi);
        if whole {
            if lo.at.is_finite() {
                return if lo.closed {
                    lo.at.ceil()
                } else {
                    (lo.at + 1.0).floor()
                };
            }
            if hi.at.is_finite() {
                return if hi.closed {
                    hi.at.floor()
                } else {
                    (hi.at - 1.0).ceil()
                };
            }
            return 0.0;
        }
        match (lo.at.is_finite(), hi.at.is_finite()) {
            (true, true) if lo.closed => lo.at,
            (true, true) if hi.closed => hi.at,
            (true, true) => (lo.at + hi.at) / 2.0,
            (true, false) => {
                if lo.closed {
                    lo.at
                } else {
                    lo.at + 1.0
                }
            }
            (false, true) => {
                if hi.closed {
                    hi.at
                } else {
                    hi.at - 1.0
                }
            }
            (false, false) => 0.0,
        }
    }
}

/// The values one field may take.
#[derive(Clone, Debug, PartialEq)]
pub enum Dom {
    /// Numbers in any of these intervals (whole numbers when `whole`).
    Num {
        /// The intervals.
        ivs: Vec<Interval>,
        /// `int` or `date`: whole numbers only.
        whole: bool,
        /// Whether missing is in.
        missing: bool,
    },
    /// Enum variants (by index) in the set.
    Enum {
        /// One flag per variant.
        variants: Vec<bool>,
        /// Whether missing is in.
        missing: bool,
    },
    /// Booleans.
    Bool {
        /// `true` is in.
        yes: bool,
        /// `false` is in.
        no: bool,
        /// Whether missing is in.
        missing: bool,
    },
    /// Texts: the listed ones, or (when `others`) every text but the listed.
    Text {
        /// The listed texts.
        listed: BTreeSet<String>,
        /// Every text not listed, instead of the listed ones.
        others: bool,
        /// Whether missing is in.
        missing: bool,
    },
}

impl Dom {
    /// Whether no value at all is in.
    pub fn is_empty(&self) -> bool {
        match self {
            Dom::Num {
                ivs,
                whole,
                missing,
            } => !missing && ivs.iter().all(|i| i.is_empty(*whole)),
            Dom::Enum { variants, missing } => !missing && !variants.iter().any(|v| *v),
            Dom::Bool { yes, no, missing } => !(yes | no | missing),
            Dom::Text {
                listed,
                others,
                missing,
            } => !missing && !others && listed.is_empty(),
        }
    }

    /// The values in both.
    pub fn intersect(&self, o: &Dom) -> Dom {
        match (self, o) {
            (
                Dom::Num {
                    ivs: a,
                    whole,
                    missing: ma,
                },
                Dom::Num {
                    ivs: b,
                    missing: mb,
                    ..
                },
            ) => {
                let mut ivs = Vec::new();
                for x in a {
                    for y in b {
                        let z = x.intersect(y);
                        if !z.is_empty(*whole) {
                            ivs.push(z);
                        }
                    }
                }
                Dom::Num {
                    ivs,
                    whole: *whole,
                    missing: *ma && *mb,
                }
            }
            (
                Dom::Enum {
                    variants: a,
                    missing: ma,
                },
                Dom::Enum {
                    variants: b,
                    missing: mb,
                },
            ) => Dom::Enum {
                variants: a.iter().zip(b).map(|(x, y)| *x && *y).collect(),
                missing: *ma && *mb,
            },
            (
                Dom::Bool {
                    yes: ya,
                    no: na,
                    missing: ma,
                },
                Dom::Bool {
                    yes: yb,
                    no: nb,
                    missing: mb,
                },
            ) => Dom::Bool {
                yes: *ya && *yb,
                no: *na && *nb,
                missing: *ma && *mb,
            },
            (
                Dom::Text {
                    listed: la,
                    others: oa,
                    missing: ma,
                },
                Dom::Text {
                    listed: lb,
                    others: ob,
                    missing: mb,
                },
            ) => {
                let (listed, others) = match (oa, ob) {
                    (false, false) => (la.intersection(lb).cloned().collect(), false),
                    (false, true) => (la.difference(lb).cloned().collect(), false),
                    (true, false) => (lb.difference(la).cloned().collect(), false),
                    (true, true) => (la.union(lb).cloned().collect(), true),
                };
                Dom::Text {
                    listed,
                    others,
                    missing: *ma && *mb,
                }
            }
            // INVARIANT: both sides constrain the same field, so the same kind.
            _ => self.clone(),
        }
    }

    /// The same domain with only the missing value (when `missing`) or
    /// without it.
    pub fn missing_only(&self) -> Dom {
        match self {
            Dom::Num { whole, .. } => Dom::Num {
                ivs: Vec::new(),
                whole: *whole,
                missing: true,
            },
            Dom::Enum { variants, .. } => Dom::Enum {
                variants: vec![false; variants.len()],
                missing: true,
            },
            Dom::Bool { .. } => Dom::Bool {
                yes: false,
                no: false,
                missing: true,
            },
            Dom::Text { .. } => Dom::Text {
                listed: BTreeSet::new(),
                others: false,
                missing: true,
            },
        }
    }

    /// With the missing value added.
    pub fn or_missing(mut self) -> Dom {
        match &mut self {
            Dom::Num { missing, .. }
            | Dom::Enum { missing, .. }
            | Dom::Bool { missing, .. }
            | Dom::Text { missing, .. } => *missing = true,
        }
        self
    }

    /// Whether missing is in.
    pub fn has_missing(&self) -> bool {
        match self {
            Dom::Num { missing, .. }
            | Dom::Enum { missing, .. }
            | Dom::Bool { missing, .. }
            | Dom::Text { missing, .. } => *missing,
        }
    }
}

/// The value a witness lead takes in a domain.
#[derive(Clone, Debug, PartialEq)]
pub enum Sample {
    /// The missing value.
    Missing,
    /// A number.
    Number(f64),
    /// An enum variant, by index.
    Variant(usize),
    /// A boolean.
    Bool(bool),
    /// A text.
    Text(String),
}

impl Dom {
    /// A value in the domain, preferring a present one.
    pub fn sample(&self) -> Option<Sample> {
        let found = match self {
            Dom::Num { ivs, whole, .. } => ivs
                .iter()
                .find(|i| !i.is_empty(*whole))
                .map(|i| Sample::Number(i.sample(*whole))),
            Dom::Enum { variants, .. } => variants.iter().position(|v| *v).map(Sample::Variant),
            Dom::Bool { yes, no, .. } => {
                if *no {
                    Some(Sample::Bool(false))
                } else if *yes {
                    Some(Sample::Bool(true))
                } else {
                    None
                }
            }
            Dom::Text { listed, others, .. } => {
                if *others {
                    let mut candidate = "other".to_string();
                    while listed.contains(&candidate) {
                        candidate.push('_');
                    }
                    Some(Sample::Text(candidate))
                } else {
                    listed.iter().next().map(|t| Sample::Text(t.clone()))
                }
            }
        };
        found.or_else(|| self.has_missing().then_some(Sample::Missing))
    }
}

/// A box: each field's allowed values (`None`: the field's full domain).
/// Domains are shared between the boxes made from them: intersecting two
/// regions copies most of them unchanged. (Shared with `Arc`: the sets a
/// check keeps for the next ([`super::reuse`]) live in an editor's
/// analysis, which may move between threads.)
pub type Cube = Vec<Option<std::sync::Arc<Dom>>>;

/// A set of leads: a union of boxes. Past [`MAX_CUBES`] the analysis gives up.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    /// The boxes.
    pub cubes: Vec<Cube>,
}

/// The most boxes a region may hold before the analysis stays silent.
pub const MAX_CUBES: usize = 4096;

/// How many box intersections one policy's analysis may do: past it, the
/// analysis stays silent, so `lq check` stays fast on any policy (the cut is
/// by count, not time, so every machine reports the same).
pub const BUDGET: usize = 50_000;

thread_local! {
    static LEFT: std::cell::Cell<usize> = const { std::cell::Cell::new(BUDGET) };
}

/// Starts a new analysis with the full budget.
pub fn reset_budget() {
    LEFT.with(|left| left.set(BUDGET));
}

/// What is left of the budget.
pub fn left() -> usize {
    LEFT.with(std::cell::Cell::get)
}

/// Sets the budget left to what it was at a point of an earlier analysis
/// of the same policy, which is resumed there.
pub fn restore(left: usize) {
    LEFT.with(|l| l.set(left.min(BUDGET)));
}

/// Takes `cost` from the budget; false when it is spent.
pub(super) fn spend(cost: usize) -> bool {
    LEFT.with(|left| match left.get().checked_sub(cost) {
        Some(rest) => {
            left.set(rest);
            true
        }
        None => {
            left.set(0);
            false
        }
    })
}

impl Region {
    /// No lead.
    pub fn none() -> Region {
        Region { cubes: Vec::new() }
    }

    /// Every lead.
    pub fn all(fields: usize) -> Region {
        Region {
            cubes: vec![vec![None; fields]],
        }
    }

    /// The leads whose field `slot` is in `dom`.
    pub fn field(fields: usize, slot: usize, dom: Dom) -> Region {
        if dom.is_empty() {
            return Region::none();
        }
        let mut cube = vec![None; fields];
        cube[slot] = Some(std::sync::Arc::new(dom));
        Region { cubes: vec![cube] }
    }

    /// Whether no lead is in.
    pub fn is_empty(&self) -> bool {
        self.cubes.is_empty()
    }

    /// The leads in either.
    pub fn union(mut self, o: Region) -> Option<Region> {
        self.cubes.extend(o.cubes);
        (self.cubes.len() <= MAX_CUBES).then_some(self)
    }

    /// The leads in both; `None` when too large to tell.
    pub fn intersect(&self, o: &Region) -> Option<Region> {
        let cost = self.cubes.len().saturating_mul(o.cubes.len());
        if cost > MAX_CUBES * 4 || !spend(cost.max(1)) {
            return None;
        }
        let mut cubes = Vec::new();
        for a in &self.cubes {
            for b in &o.cubes {
                if let Some(c) = intersect_cubes(a, b) {
                    cubes.push(c);
                }
            }
        }
        (cubes.len() <= MAX_CUBES).then_some(Region { cubes })
    }
}

fn intersect_cubes(a: &Cube, b: &Cube) -> Option<Cube> {
    let mut out = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        let d = match (x, y) {
            (None, None) => None,
            (Some(d), None) | (None, Some(d)) => Some(std::sync::Arc::clone(d)),
            (Some(d), Some(e)) if std::sync::Arc::ptr_eq(d, e) => Some(std::sync::Arc::clone(d)),
            (Some(d), Some(e)) => Some(std::sync::Arc::new(d.intersect(e))),
        };
        if d.as_ref().is_some_and(|d| d.is_empty()) {
            return None;
        }
        out.push(d);
    }
    Some(out)
}
