//! The columnar engine: a compiled policy over a batch of records at once.
//!
//! The row evaluator ([`crate::eval::decide`](mod@crate::eval::decide))
//! takes one record through every condition; here each condition takes
//! the whole batch. The records' fields are decoded into typed column
//! buffers with validity masks ([`mod@column`]); each disqualifier, score
//! entry and rule condition runs as one loop over them into a pair of bit
//! masks, true and known ([`mask`]), with `and`, `or` and `not` as
//! bitwise Kleene logic ([`cond`]); block totals are summed from the
//! masks; and the first rule that holds is found for every lead still
//! undecided, 64 leads to a word. The order of the language (every
//! disqualifier, every score block, then the first matching rule unless
//! disqualified) is the row evaluator's, and so is every answer: a lead
//! whose score would leave the range an `i64` sums exactly without a
//! wider type is decided again by the row evaluator, which saturates as
//! the language says.
//!
//! It is the engine of the batch runs over files (`lq eval`, `lq sweep`,
//! `lq diff`'s first policy); the row evaluator stays for one lead at a
//! time (services, traces, the REPL) and for watching the steps
//! (coverage). The property tests hold the two to the reference
//! interpreter.
//!
//! ```
//! use lq::eval::columnar::{Columnar, Lanes};
//! use lq::eval::Datum;
//!
//! let policy = lq::Policy::from_source("p.lq", "schema { budget: money }\ntiers A > B\n\
//!     rule big: when budget >= 10k then tier A\notherwise tier B\n").unwrap();
//! let rows = vec![vec![Datum::Num(25_000.0)], vec![Datum::Missing], vec![Datum::Num(500.0)]];
//! let engine = Columnar::new(&policy.compiled);
//! let mut lanes = Lanes::default();
//! engine.run(&rows, 20_000, &mut lanes);
//! assert_eq!((lanes.rule(0), lanes.rule(1), lanes.rule(2)), (Some(0), Some(1), Some(1)));
//! ```

pub mod column;
pub mod cond;
pub mod mask;

use column::{Buffers, Wanted};
use cond::{run, Input, Test};
use mask::{lanes_of, low_bits, words, Mask};

use super::decide::{decide_into, Decision};
use super::interp::eval;
use crate::compile::plan::Node;
use crate::compile::Compiled;
use crate::value::{Datum, Env, Value};

/// A compiled policy's conditions, compiled again for batches.
#[derive(Debug)]
pub struct Columnar<'p> {
    plan: &'p Compiled,
    wanted: Wanted,
    disqualifiers: Vec<Test>,
    blocks: Vec<Block>,
    /// Each rule's condition; `None` for `otherwise`.
    rules: Vec<Option<Test>>,
}

/// A score block for batches.
#[derive(Debug)]
struct Block {
    entries: Vec<Entry>,
    cap: Option<i64>,
    floor: Option<i64>,
    /// No sum of its entries can leave the range of an `i64` (only `when`
    /// entries, whose points' magnitudes sum within it): added without
    /// overflow checks.
    bounded: bool,
}

/// A score entry for batches.
#[derive(Debug)]
enum Entry {
    /// `+N when …`
    When(i64, Test),
    /// `+N per field`, an `int` column.
    PerCount(i64, usize),
    /// `+N per expression`, evaluated lead by lead.
    PerRow(i64, Node),
}

/// One batch's decisions, lead by lead (and the buffers that made them,
/// reused from batch to batch).
#[derive(Clone, Debug, Default)]
pub struct Lanes {
    len: usize,
    columns: Buffers,
    spare: Vec<Mask>,
    mask: Mask,
    /// Each disqualifier's leads (those for which it held).
    fired: Vec<Vec<u64>>,
    /// The leads any disqualifier held for.
    disqualified: Vec<u64>,
    /// Each block's totals, lead by lead.
    blocks: Vec<Vec<i64>>,
    /// The total scores.
    score: Vec<i64>,
    /// The deciding rule of each lead; [`NO_RULE`] for none.
    rule: Vec<u32>,
    /// Leads whose sums left the range of an `i64`.
    overflow: Vec<bool>,
    /// The leads still to be matched by a rule.
    remaining: Vec<u64>,
    decision: Decision,
}

/// A lead that no rule decided.
const NO_RULE: u32 = u32::MAX;

impl<'p> Columnar<'p> {
    /// The batch form of a compiled plan.
    pub fn new(plan: &'p Compiled) -> Columnar<'p> {
        let mut wanted = Wanted::default();
        let disqualifiers = plan
            .disqualifiers
            .iter()
            .map(|d| Test::compile(&d.when, &mut wanted))
            .collect();
        let blocks = plan
            .blocks
            .iter()
            .map(|b| {
                let mut magnitude: i128 = 0;
                let mut bounded = true;
                let entries = b
                    .entries
                    .iter()
                    .map(|e| {
                        if !e.per {
                            magnitude += i128::from(e.points).abs();
                            return Entry::When(e.points, Test::compile(&e.expr, &mut wanted));
                        }
                        bounded = false;
                        match &e.expr {
                            Node::Field(slot) => {
                                Entry::PerCount(e.points, Wanted::index(&mut wanted.counts, *slot))
                            }
                            expr => Entry::PerRow(e.points, expr.clone()),
                        }
                    })
                    .collect();
                Block {
                    entries,
                    cap: b.cap,
                    floor: b.floor,
                    bounded: bounded && magnitude <= i128::from(i64::MAX),
                }
            })
            .collect();
        let rules = plan
            .rules
            .iter()
            .map(|r| r.when.as_ref().map(|w| Test::compile(w, &mut wanted)))
            .collect();
        Columnar {
            plan,
            wanted,
            disqualifiers,
            blocks,
            rules,
        }
    }

    /// The plan this was made from.
    pub fn plan(&self) -> &'p Compiled {
        self.plan
    }

    /// Decides every record of `rows` into `lanes` (lead `i` is
    /// `rows[i]`), as [`decide_into`] would one by one: [`Columnar::decode`]
    /// then [`Columnar::decide`].
    pub fn run<R: AsRef<[Datum]>>(&self, rows: &[R], as_of: i32, lanes: &mut Lanes) {
        self.decode(rows, lanes);
        self.decide(rows, as_of, lanes);
    }

    /// Decodes the columns the policy reads from `rows` into `lanes`.
    pub fn decode<R: AsRef<[Datum]>>(&self, rows: &[R], lanes: &mut Lanes) {
        lanes.columns.fill(&self.wanted, rows);
        lanes.len = rows.len();
    }

    /// Decides the records whose columns [`Columnar::decode`] put in
    /// `lanes` (the same `rows`: conditions without a batch form read
    /// them lead by lead).
    pub fn decide<R: AsRef<[Datum]>>(&self, rows: &[R], as_of: i32, lanes: &mut Lanes) {
        let n = rows.len();
        debug_assert_eq!(n, lanes.len);
        lanes.len = n;
        lanes.overflow.clear();
        lanes.overflow.resize(n, false);
        let Lanes {
            columns,
            spare,
            mask,
            fired,
            disqualified,
            blocks,
            score,
            rule,
            overflow,
            remaining,
            ..
        } = lanes;
        let before = Input {
            rows,
            columns,
            as_of,
            scores: None,
        };

        // Every disqualifier.
        fired.resize_with(self.disqualifiers.len(), Vec::new);
        disqualified.clear();
        disqualified.resize(words(n), 0);
        for (test, fired) in self.disqualifiers.iter().zip(fired.iter_mut()) {
            run(test, &before, mask, spare);
            fired.clone_from(&mask.t);
            for (d, t) in disqualified.iter_mut().zip(&mask.t) {
                *d |= t;
            }
        }

        // Every score block, entry by entry, then its cap and floor.
        blocks.resize_with(self.blocks.len(), Vec::new);
        for (block, sum) in self.blocks.iter().zip(blocks.iter_mut()) {
            sum.clear();
            sum.resize(n, 0);
            for entry in &block.entries {
                match entry {
                    Entry::When(points, test) => {
                        run(test, &before, mask, spare);
                        add_when(sum, &mask.t, *points, block.bounded, overflow);
                    }
                    Entry::PerCount(points, col) => {
                        add_per(sum, &columns.counts[*col], *points, overflow);
                    }
                    Entry::PerRow(points, expr) => {
                        for (i, row) in rows.iter().enumerate() {
                            let env = Env {
                                record: row.as_ref(),
                                as_of,
                                blocks: &[],
                                total: 0,
                            };
                            let times = match eval(expr, &env) {
                                Value::Int(k) => k,
                                _ => 0,
                            };
                            let (p, o1) = times.overflowing_mul(*points);
                            let (s, o2) = sum[i].overflowing_add(p);
                            sum[i] = s;
                            overflow[i] |= o1 | o2;
                        }
                    }
                }
            }
            if let Some(cap) = block.cap {
                sum.iter_mut().for_each(|s| *s = (*s).min(cap));
            }
            if let Some(floor) = block.floor {
                sum.iter_mut().for_each(|s| *s = (*s).max(floor));
            }
        }
        score.clear();
        score.resize(n, 0);
        for totals in blocks.iter() {
            for ((s, t), o) in score.iter_mut().zip(totals).zip(overflow.iter_mut()) {
                let (sum, over) = s.overflowing_add(*t);
                *s = sum;
                *o |= over;
            }
        }

        // The first rule that holds, for every lead not disqualified.
        rule.clear();
        rule.resize(n, NO_RULE);
        remaining.clear();
        remaining.extend(
            disqualified
                .iter()
                .enumerate()
                .map(|(w, d)| !d & low_bits(n - w * 64)),
        );
        let after = Input {
            rows,
            columns,
            as_of,
            scores: Some((blocks, score)),
        };
        for (index, test) in self.rules.iter().enumerate() {
            if remaining.iter().all(|w| *w == 0) {
                break;
            }
            let holds: &[u64] = match test {
                Some(test) => {
                    run(test, &after, mask, spare);
                    &mask.t
                }
                None => &remaining.clone(),
            };
            for (w, (left, t)) in remaining.iter_mut().zip(holds).enumerate() {
                let decided = *left & t;
                for lane in lanes_of(decided, w * 64) {
                    rule[lane] = index as u32;
                }
                *left &= !decided;
            }
        }

        // A lead whose sums overflowed is decided by the row evaluator,
        // which holds them within a score's range exactly.
        if overflow.iter().any(|o| *o) {
            let slow: Vec<usize> = (0..n).filter(|i| lanes.overflow[*i]).collect();
            for lane in slow {
                let mut d = std::mem::take(&mut lanes.decision);
                decide_into(self.plan, rows[lane].as_ref(), as_of, &mut d);
                lanes.set(lane, &d);
                lanes.decision = d;
            }
        }
    }
}

/// Adds `points` to the leads whose bit is set.
#[inline]
fn add_when(sum: &mut [i64], bits: &[u64], points: i64, bounded: bool, overflow: &mut [bool]) {
    if bounded {
        // A branch-free add of the points or of 0, which vectorises.
        for (w, chunk) in sum.chunks_mut(64).enumerate() {
            let word = bits[w];
            for (j, s) in chunk.iter_mut().enumerate() {
                let on = ((word >> j) & 1) as i64;
                *s = s.wrapping_add(points & on.wrapping_neg());
            }
        }
        return;
    }
    for (w, (chunk, over)) in sum.chunks_mut(64).zip(overflow.chunks_mut(64)).enumerate() {
        let word = bits[w];
        for (j, (s, o)) in chunk.iter_mut().zip(over.iter_mut()).enumerate() {
            let on = ((word >> j) & 1) as i64;
            let (next, carried) = s.overflowing_add(points & on.wrapping_neg());
            *s = next;
            *o |= carried;
        }
    }
}

/// Adds `points` times each lead's count.
#[inline]
fn add_per(sum: &mut [i64], counts: &[i64], points: i64, overflow: &mut [bool]) {
    for ((s, k), o) in sum.iter_mut().zip(counts).zip(overflow.iter_mut()) {
        let (p, o1) = k.overflowing_mul(points);
        let (next, o2) = s.overflowing_add(p);
        *s = next;
        *o |= o1 | o2;
    }
}

impl Lanes {
    /// The number of leads decided.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the batch was empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether lead `lane` was disqualified.
    #[inline]
    pub fn disqualified(&self, lane: usize) -> bool {
        self.disqualified
            .get(lane / 64)
            .is_some_and(|w| (w >> (lane % 64)) & 1 == 1)
    }

    /// The rule that gave lead `lane` its tier, if any.
    #[inline]
    pub fn rule(&self, lane: usize) -> Option<usize> {
        match self.rule.get(lane) {
            Some(&r) if r != NO_RULE => Some(r as usize),
            _ => None,
        }
    }

    /// Lead `lane`'s total score.
    #[inline]
    pub fn score(&self, lane: usize) -> i64 {
        self.score.get(lane).copied().unwrap_or(0)
    }

    /// Block `block`'s total for lead `lane`.
    #[inline]
    pub fn block(&self, block: usize, lane: usize) -> i64 {
        self.blocks
            .get(block)
            .and_then(|b| b.get(lane))
            .copied()
            .unwrap_or(0)
    }

    /// Lead `lane`'s decision, as the row evaluator gives it.
    pub fn decision_into(&self, lane: usize, d: &mut Decision) {
        d.disqualified_by.clear();
        let (w, bit) = (lane / 64, lane % 64);
        for (i, fired) in self.fired.iter().enumerate() {
            if fired.get(w).is_some_and(|f| (f >> bit) & 1 == 1) {
                d.disqualified_by.push(i);
            }
        }
        d.blocks.clear();
        d.blocks.extend(self.blocks.iter().map(|b| b[lane]));
        d.score = self.score[lane];
        d.rule = if d.disqualified_by.is_empty() {
            self.rule(lane)
        } else {
            None
        };
    }

    /// Overwrites lead `lane` with a decision made elsewhere.
    fn set(&mut self, lane: usize, d: &Decision) {
        let (w, bit) = (lane / 64, 1u64 << (lane % 64));
        for (i, fired) in self.fired.iter_mut().enumerate() {
            if d.disqualified_by.contains(&i) {
                fired[w] |= bit;
            } else {
                fired[w] &= !bit;
            }
        }
        if d.disqualified_by.is_empty() {
            self.disqualified[w] &= !bit;
        } else {
            self.disqualified[w] |= bit;
        }
        for (b, total) in self.blocks.iter_mut().zip(&d.blocks) {
            b[lane] = *total;
        }
        self.score[lane] = d.score;
        self.rule[lane] = d.rule.map_or(NO_RULE, |r| r as u32);
    }
}
