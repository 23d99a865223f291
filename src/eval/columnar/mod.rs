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
//! both policies of `lq diff`, and `lq coverage`, which counts each
//! item's masks: [`Lanes::watch`]); the row evaluator stays for one lead
//! at a time (services, traces, the REPL). The property tests hold the
//! two to the reference interpreter.
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

/// Compiles a loop over a batch (a kernel) for the vector units the
/// machine has: one copy for AVX-512 (Ice Lake and later, where it runs at
/// full speed), one for AVX2, and one for the baseline `x86_64` (SSE2)
/// every other machine runs; the best the processor has is chosen when
/// the kernel is called (`multiversion`, which detects the features once).
/// The copies are the same source, so they give the same answers; with
/// only SSE2 the kernels took 2.8 times as long. Used for the loops that
/// pack comparisons and add points; the rest of the engine is the same
/// everywhere.
macro_rules! kernel {
    ($($item:tt)*) => {
        #[multiversion::multiversion(targets(
            "x86_64+avx512f+avx512bw+avx512vl+avx512dq+bmi1+bmi2",
            "x86_64+avx2+bmi1+bmi2"
        ))]
        $($item)*
    };
}

pub mod column;
pub mod cond;
pub mod mask;

use column::{Buffers, Wanted};
use cond::{run, Input, Test};
use mask::{lanes_of, low_bits, words, Mask};

use super::decide::{clamp_score, decide_into, decide_observed, Decision};
use super::interp::eval;
use super::items::{bounded, item_count, Items};
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
    /// While a batch is read ([`Columnar::start_batch`]): the leads whose
    /// columns are decoded, and the leads the columns have room for.
    decoded: usize,
    room: usize,
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
    /// Leads whose sums may have left the range of an `i64` (1; else 0),
    /// to be decided again exactly. A lead may be marked that did not
    /// overflow; never the other way round.
    overflow: Vec<u64>,
    /// The leads still to be matched by a rule.
    remaining: Vec<u64>,
    decision: Decision,
    /// What coverage counts, when asked for ([`Lanes::watch`]).
    watched: Option<Box<Watched>>,
}

/// Each item's leads that fired and that it decided, in the numbering of
/// [`crate::eval::items`], over a batch.
#[derive(Clone, Debug, Default)]
struct Watched {
    fired: Vec<Vec<u64>>,
    decided: Vec<Vec<u64>>,
    /// The current block's points, entry by entry and lead by lead.
    points: Vec<Vec<i64>>,
    /// The row evaluator's scratch, for the leads it decides.
    exact: Vec<i128>,
}

impl Watched {
    /// Empty masks for `items` items over `n` leads.
    fn reset(&mut self, items: usize, n: usize) {
        for masks in [&mut self.fired, &mut self.decided] {
            masks.resize_with(items, Vec::new);
            for m in masks.iter_mut() {
                m.clear();
                m.resize(words(n), 0);
            }
        }
    }

    /// Sets item `item`'s fired and decided masks.
    fn set(&mut self, item: usize, fired: &[u64], decided: &[u64]) {
        self.fired[item].copy_from_slice(fired);
        self.decided[item].copy_from_slice(decided);
    }

    /// Lead `lane` as the row evaluator watched it with
    /// [`crate::eval::items::Items`].
    fn redo(&mut self, plan: &Compiled, row: &[Datum], as_of: i32, lane: usize, d: &mut Decision) {
        let (w, bit) = (lane / 64, 1u64 << (lane % 64));
        for m in self.fired.iter_mut().chain(self.decided.iter_mut()) {
            m[w] &= !bit;
        }
        let Watched {
            fired,
            decided,
            exact,
            ..
        } = self;
        let watch = &mut Items::new(plan, exact, |item, f, dec| {
            if f {
                fired[item][w] |= bit;
            }
            if dec {
                decided[item][w] |= bit;
            }
        });
        decide_observed(plan, row, as_of, d, watch);
    }
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

    /// The columns the policy reads, by kind: where a batch's decoded
    /// field is in [`Lanes::columns`].
    pub fn wanted(&self) -> &Wanted {
        &self.wanted
    }

    /// Decides every record of `rows` into `lanes` (lead `i` is
    /// `rows[i]`), as [`decide_into`] would one by one: [`Columnar::decode`]
    /// then [`Columnar::decide`].
    pub fn run<R: AsRef<[Datum]>>(&self, rows: &[R], as_of: i32, lanes: &mut Lanes) {
        self.decode(rows, lanes);
        self.decide(rows, as_of, lanes);
    }

    /// Decodes the columns the policy reads from `rows` into `lanes`: the
    /// whole batch at once, as [`Columnar::start_batch`],
    /// [`Columnar::decode_read`] and [`Columnar::finish_batch`] decode it
    /// while it is read.
    pub fn decode<R: AsRef<[Datum]>>(&self, rows: &[R], lanes: &mut Lanes) {
        lanes.columns.fill(&self.wanted, rows);
        lanes.len = rows.len();
        lanes.decoded = rows.len();
        lanes.room = rows.len();
    }

    /// Readies `lanes` for a batch of up to `most` records decoded while
    /// they are read, which is how the batch engine reads a file: after
    /// each record, [`Columnar::decode_read`]; after the last,
    /// [`Columnar::finish_batch`]. Each block of 64 records is decoded
    /// as soon as it is whole, while its records are still in the
    /// processor's first-level cache, so a batch is read into typed
    /// columns and [`Columnar::decide`] starts from them.
    pub fn start_batch(&self, most: usize, lanes: &mut Lanes) {
        lanes.columns.size(&self.wanted, most);
        lanes.room = most;
        lanes.decoded = 0;
        lanes.len = 0;
    }

    /// Notes the batch's records so far, `rows` (those read since
    /// [`Columnar::start_batch`], the last just read): once they end a
    /// block of 64, decodes that block.
    #[inline]
    pub fn decode_read<R: AsRef<[Datum]>>(&self, rows: &[R], lanes: &mut Lanes) {
        if rows.len() >= lanes.decoded + 64 {
            self.decode_rest(rows, lanes);
        }
    }

    /// Ends the batch being read at `rows` (every record read since
    /// [`Columnar::start_batch`]): decodes the records not yet decoded
    /// and fits the columns to the batch, ready for
    /// [`Columnar::decide`].
    pub fn finish_batch<R: AsRef<[Datum]>>(&self, rows: &[R], lanes: &mut Lanes) {
        self.decode_rest(rows, lanes);
        lanes.columns.size(&self.wanted, rows.len());
        lanes.room = rows.len();
        lanes.len = rows.len();
    }

    /// Decodes `rows` past those decoded, making room first if the
    /// batch outgrew the size it was started with.
    fn decode_rest<R: AsRef<[Datum]>>(&self, rows: &[R], lanes: &mut Lanes) {
        let rest = match rows.get(lanes.decoded..) {
            Some(rest) if lanes.decoded % 64 == 0 => rest,
            // Not the batch that was started (fewer records than
            // decoded, or a batch already finished): all of it afresh.
            _ => return self.decode(rows, lanes),
        };
        if rows.len() > lanes.room {
            lanes.room = rows.len().next_multiple_of(64);
            lanes.columns.size(&self.wanted, lanes.room);
        }
        lanes.columns.fill_from(&self.wanted, lanes.decoded, rest);
        lanes.decoded = rows.len();
    }

    /// Decides the records whose columns [`Columnar::decode`] put in
    /// `lanes` (the same `rows`: conditions without a batch form read
    /// them lead by lead).
    pub fn decide<R: AsRef<[Datum]>>(&self, rows: &[R], as_of: i32, lanes: &mut Lanes) {
        let n = rows.len();
        debug_assert_eq!(n, lanes.len);
        lanes.len = n;
        lanes.overflow.clear();
        lanes.overflow.resize(n, 0);
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
            watched,
            ..
        } = lanes;
        if let Some(w) = watched.as_deref_mut() {
            w.reset(item_count(self.plan), n);
        }
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
        for (i, (test, fired)) in self.disqualifiers.iter().zip(fired.iter_mut()).enumerate() {
            run(test, &before, mask, spare);
            fired.clone_from(&mask.t);
            if let Some(w) = watched.as_deref_mut() {
                w.set(i, &mask.t, &mask.t);
            }
            for (d, t) in disqualified.iter_mut().zip(&mask.t) {
                *d |= t;
            }
        }

        // Every score block, entry by entry, then its cap and floor.
        blocks.resize_with(self.blocks.len(), Vec::new);
        let mut item = self.disqualifiers.len();
        for (block, sum) in self.blocks.iter().zip(blocks.iter_mut()) {
            sum.clear();
            sum.resize(n, 0);
            for (e, entry) in block.entries.iter().enumerate() {
                // Watching: the sum before this entry, to find its points.
                if let Some(w) = watched.as_deref_mut() {
                    w.points.resize_with(block.entries.len(), Vec::new);
                    w.points[e].clone_from(sum);
                }
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
                            overflow[i] |= u64::from(o1 | o2);
                        }
                    }
                }
                if let Some(w) = watched.as_deref_mut() {
                    watch_entry(w, (item + e, e), entry, &mask.t, sum);
                }
            }
            if let Some(w) = watched.as_deref_mut() {
                watch_block(w, item, block, sum);
            }
            item += block.entries.len();
            bound_sums(sum, block.cap, block.floor);
        }
        score.clear();
        score.resize(n, 0);
        for totals in blocks.iter() {
            add_totals(score, totals, overflow);
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
            // Coverage wants every rule's truth for every lead (shadowed
            // rules fired too); deciding needs the rules only while a lead
            // is left.
            if watched.is_none() && remaining.iter().all(|w| *w == 0) {
                break;
            }
            let holds: &[u64] = match test {
                Some(test) => {
                    run(test, &after, mask, spare);
                    &mask.t
                }
                None => {
                    mask.t.clear();
                    mask.t.extend((0..words(n)).map(|w| low_bits(n - w * 64)));
                    &mask.t
                }
            };
            let mut took = watched.as_deref_mut().map(|w| {
                let item = item + index;
                w.fired[item].copy_from_slice(holds);
                &mut w.decided[item]
            });
            for (w, (left, t)) in remaining.iter_mut().zip(holds).enumerate() {
                let decided = *left & t;
                for lane in lanes_of(decided, w * 64) {
                    rule[lane] = index as u32;
                }
                if let Some(took) = took.as_deref_mut() {
                    took[w] = decided;
                }
                *left &= !decided;
            }
        }

        // A lead whose sums overflowed is decided by the row evaluator,
        // which holds them within a score's range exactly.
        if overflow.iter().fold(0, |any, o| any | o) != 0 {
            let slow: Vec<usize> = (0..n).filter(|i| lanes.overflow[*i] != 0).collect();
            for lane in slow {
                let mut d = std::mem::take(&mut lanes.decision);
                match lanes.watched.as_deref_mut() {
                    Some(w) => w.redo(self.plan, rows[lane].as_ref(), as_of, lane, &mut d),
                    None => decide_into(self.plan, rows[lane].as_ref(), as_of, &mut d),
                }
                lanes.set(lane, &d);
                lanes.decision = d;
            }
        }
    }
}

/// Watching: entry `item` added `sum - points[e]` to each lead (saved in
/// its points slot before it ran); it fired where that is not zero, or
/// where its `when` held.
fn watch_entry(
    w: &mut Watched,
    (item, e): (usize, usize),
    entry: &Entry,
    held: &[u64],
    sum: &[i64],
) {
    let points = &mut w.points[e];
    for (p, s) in points.iter_mut().zip(sum) {
        *p = s.wrapping_sub(*p);
    }
    let fired = &mut w.fired[item];
    if let Entry::When(..) = entry {
        fired.copy_from_slice(held);
    } else {
        for (lane, p) in points.iter().enumerate() {
            fired[lane / 64] |= u64::from(*p != 0) << (lane % 64);
        }
    }
}

/// Watching: each entry of a block decided a lead when the block's total
/// (its sum `sum` before the cap and floor) would differ without it.
fn watch_block(w: &mut Watched, first: usize, block: &Block, sum: &[i64]) {
    for (e, points) in w.points.iter().take(block.entries.len()).enumerate() {
        let decided = &mut w.decided[first + e];
        for (lane, (p, s)) in points.iter().zip(sum).enumerate() {
            if *p == 0 {
                continue;
            }
            let total = bounded(*s, block.cap, block.floor);
            let without = clamp_score(i128::from(*s) - i128::from(*p));
            if bounded(without, block.cap, block.floor) != total {
                decided[lane / 64] |= 1 << (lane % 64);
            }
        }
    }
}

/// `*sum += x`, wrapping, marking `over` when it overflows: the sign of
/// the result differs from both operands'. No branch, no flag register:
/// a loop of these vectorises.
#[inline(always)]
fn add_checked(sum: &mut i64, x: i64, over: &mut u64) {
    let next = sum.wrapping_add(x);
    *over |= (((*sum ^ next) & (x ^ next)) as u64) >> 63;
    *sum = next;
}

/// For each byte, the eight lanes it stands for as all-ones or zero
/// masks (bit `k` of the byte is lane `k`): a byte of a mask becomes
/// eight lanes with one table load instead of eight variable shifts.
static LANES_OF_BYTE: [[i64; 8]; 256] = {
    let mut table = [[0i64; 8]; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut k = 0;
        while k < 8 {
            table[byte][k] = -(((byte >> k) & 1) as i64);
            k += 1;
        }
        byte += 1;
    }
    table
};

kernel! {
/// Adds `points` to the leads whose bit is set.
fn add_when(sum: &mut [i64], bits: &[u64], points: i64, bounded: bool, overflow: &mut [u64]) {
    add_when_baseline(sum, bits, points, bounded, overflow);
}
}

/// [`add_when`]'s loop, inlined into each of its copies; called directly
/// it is the baseline `x86_64` copy, which the tests compare with the
/// copy the machine picks.
#[inline(always)]
fn add_when_baseline(
    sum: &mut [i64],
    bits: &[u64],
    points: i64,
    bounded: bool,
    overflow: &mut [u64],
) {
    // Eight leads at a time, their masks from the table: a branch-free add
    // of the points or of 0, which vectorises.
    let byte = |lane: usize| (bits[lane / 64] >> (lane % 64 / 8 * 8)) as u8;
    let done = sum.len() / 8 * 8;
    let eights = sum.chunks_exact_mut(8).zip(overflow.chunks_exact_mut(8));
    for (e, (eight, over)) in eights.enumerate() {
        let masks = &LANES_OF_BYTE[usize::from(byte(e * 8))];
        if bounded {
            for (s, m) in eight.iter_mut().zip(masks) {
                *s = s.wrapping_add(points & m);
            }
        } else {
            for ((s, m), o) in eight.iter_mut().zip(masks).zip(over.iter_mut()) {
                add_checked(s, points & m, o);
            }
        }
    }
    // The last few leads, one at a time.
    for (lane, (s, o)) in sum
        .iter_mut()
        .zip(overflow.iter_mut())
        .enumerate()
        .skip(done)
    {
        let on = ((bits[lane / 64] >> (lane % 64)) & 1) as i64;
        add_checked(s, points & on.wrapping_neg(), o);
    }
}

kernel! {
/// Holds each of a block's sums within its cap and floor, as the row
/// evaluator does ([`bounded`]).
fn bound_sums(sum: &mut [i64], cap: Option<i64>, floor: Option<i64>) {
    if cap.is_some() || floor.is_some() {
        sum.iter_mut().for_each(|s| *s = bounded(*s, cap, floor));
    }
}
}

kernel! {
/// Adds a block's totals to the scores, marking the leads whose sum
/// overflowed.
fn add_totals(score: &mut [i64], totals: &[i64], overflow: &mut [u64]) {
    for ((s, t), o) in score.iter_mut().zip(totals).zip(overflow.iter_mut()) {
        add_checked(s, *t, o);
    }
}
}

kernel! {
/// Adds `points` times each lead's count. A count whose product could
/// leave an `i64` marks its lead (the bound is conservative: the lead is
/// decided again exactly).
fn add_per(sum: &mut [i64], counts: &[i64], points: i64, overflow: &mut [u64]) {
    if points == 0 {
        return;
    }
    let limit = (i64::MAX as u64 / points.unsigned_abs()) as i64;
    for ((s, k), o) in sum.iter_mut().zip(counts).zip(overflow.iter_mut()) {
        *o |= u64::from((*k > limit) | (*k < -limit));
        add_checked(s, k.wrapping_mul(points), o);
    }
}
}

impl Lanes {
    /// The number of leads decided.
    pub fn len(&self) -> usize {
        self.len
    }

    /// The batch's decoded columns, as [`Columnar::wanted`] lists them
    /// (lead `i` is value `i`, and bit `i % 64` of word `i / 64`).
    pub fn columns(&self) -> &Buffers {
        &self.columns
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

    /// Keeps, from the next batch on, what coverage counts: for each
    /// disqualifier, score entry and rule (numbered as in
    /// [`crate::eval::items`]), the leads it fired on and those it decided
    /// ([`Lanes::item`]). Every rule is then tried on every lead.
    pub fn watch(&mut self) {
        self.watched.get_or_insert_with(Box::default);
    }

    /// With [`Lanes::watch`]: item `item`'s leads that fired and that it
    /// decided, as bit masks (lead `i` is bit `i % 64` of word `i / 64`);
    /// `None` when not watching or past the last item.
    pub fn item(&self, item: usize) -> Option<(&[u64], &[u64])> {
        let w = self.watched.as_deref()?;
        Some((w.fired.get(item)?, w.decided.get(item)?))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The copy of `add_when` chosen for this processor adds as the
    /// baseline copy does, bounded and checked, with sums at the edge of
    /// an `i64` (overflow marked) and a batch that ends inside a word.
    #[test]
    fn the_copy_chosen_at_run_time_adds_as_the_baseline_does() {
        let n = 1000;
        let bits: Vec<u64> = (0..words(n) as u64)
            .map(|w| w.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (w << 7))
            .collect();
        let start: Vec<i64> = (0..n as i64)
            .map(|i| match i % 5 {
                0 => i64::MAX - i,
                1 => i64::MIN + i,
                _ => i * 3 - 700,
            })
            .collect();
        for points in [0, 1, -1, 20, -15, i64::MAX, i64::MIN] {
            for bounded in [false, true] {
                let (mut chosen, mut baseline) = (start.clone(), start.clone());
                let (mut over_chosen, mut over_baseline) = (vec![0; n], vec![0; n]);
                add_when(&mut chosen, &bits, points, bounded, &mut over_chosen);
                add_when_baseline(&mut baseline, &bits, points, bounded, &mut over_baseline);
                assert_eq!(chosen, baseline, "{points} points, bounded {bounded}");
                assert_eq!(
                    over_chosen, over_baseline,
                    "{points} points, bounded {bounded}"
                );
            }
        }
    }
}
