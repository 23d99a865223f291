//! Conditions over a batch: each node of a compiled condition runs as one
//! loop over the batch's column buffers into a [`Mask`], so its dispatch
//! is paid once per batch rather than once per lead, and `and`, `or` and
//! `not` are bitwise Kleene logic on masks. Nodes without a batch form
//! run the row evaluator's closure lead by lead, with the same answers.

use super::column::{Buffers, Wanted};
use super::mask::{pack, pack_each, pack_zip, Mask};
use crate::compile::plan::Node;
use crate::eval::closure::compile_cond;
use crate::syntax::ast::{CompareOp, DateOp, TextOp};
use crate::text_key::{Affix, TextKey, TextList};
use crate::value::{Cond, Datum, Env, Truth};

/// A condition compiled for batches.
#[derive(Clone, Debug)]
pub enum Test {
    /// A number column against a constant: `budget >= 10k`.
    Number(usize, CompareOp, f64),
    /// `field between lo and hi` on a number column.
    Between(usize, f64, f64),
    /// An enum column in a set of variants (or not in it), as a bit set
    /// when every variant fits one word.
    Variant(usize, bool, VariantSet),
    /// A `bool` column as a condition.
    Bool(usize),
    /// A date column `before`/`after` N days ago (before: `true`).
    Ago(usize, bool, i64),
    /// A text column (and its slot) in a list of constants (or not in it).
    Texts(usize, usize, bool, ListWords),
    /// A text column (and its slot) that starts (`true`) or ends with an
    /// affix.
    Affix(usize, usize, bool, Affix),
    /// A text or list slot that contains a text, lead by lead.
    Contains(usize, Affix),
    /// The score, or a block's score (`Some(block)`), against a number.
    Score(Option<usize>, CompareOp, f64),
    /// Kleene `and`.
    And(Box<Test>, Box<Test>),
    /// Kleene `or`.
    Or(Box<Test>, Box<Test>),
    /// Kleene `not`.
    Not(Box<Test>),
    /// Anything else: the row evaluator's closure, lead by lead.
    Row(Cond),
}

/// A list of constant texts as a text column compares them, made once
/// when the policy is compiled for batches.
#[derive(Clone, Debug)]
pub struct ListWords {
    /// The constants of up to 7 bytes as short words, four to a group
    /// (one packing of bits for four compares), the last group padded
    /// with a word no text has.
    fours: Vec<[u64; 4]>,
    /// The constants of 8 to 16 bytes, as key parts.
    middle: Vec<(u64, u64, u64)>,
    /// The whole list, for texts longer than a key.
    list: TextList,
}

impl ListWords {
    fn new(list: &TextList) -> ListWords {
        let fours = list
            .short_words()
            .chunks(4)
            .map(|four| std::array::from_fn(|i| four.get(i).copied().unwrap_or(NO_SHORT_WORD)))
            .collect();
        ListWords {
            fours,
            middle: list.middle_keys().map(TextKey::parts).collect(),
            list: list.clone(),
        }
    }
}

/// The variants an enum test accepts.
#[derive(Clone, Debug)]
pub enum VariantSet {
    /// Variants 0 to 63, as the bits of one word.
    Word(u64),
    /// Any number of variants, as a table.
    Table(Vec<bool>),
}

impl Test {
    /// Compiles a condition node, adding the columns it reads to `wanted`.
    pub fn compile(node: &Node, wanted: &mut Wanted) -> Test {
        match node {
            &Node::FieldNum(slot, op, c) => {
                Test::Number(Wanted::index(&mut wanted.numbers, slot), op, c)
            }
            &Node::FieldBetween(slot, lo, hi) => {
                Test::Between(Wanted::index(&mut wanted.numbers, slot), lo, hi)
            }
            Node::FieldInEnum(slot, negated, table) => {
                let set = if table.len() <= 64 {
                    VariantSet::Word(
                        table
                            .iter()
                            .enumerate()
                            .fold(0u64, |m, (i, on)| m | (u64::from(*on) << i)),
                    )
                } else {
                    VariantSet::Table(table.clone())
                };
                Test::Variant(Wanted::index(&mut wanted.variants, *slot), *negated, set)
            }
            &Node::FieldBool(slot) => Test::Bool(Wanted::index(&mut wanted.bools, slot)),
            &Node::FieldAgo(slot, op, days) => Test::Ago(
                Wanted::index(&mut wanted.dates, slot),
                op == DateOp::Before,
                days,
            ),
            Node::FieldInTexts(slot, negated, list) => {
                let words = ListWords::new(list);
                let keys = if words.middle.is_empty() {
                    0
                } else {
                    Wanted::KEYS
                };
                let col = wanted.text(*slot, Wanted::SHORT | keys);
                Test::Texts(col, *slot, *negated, words)
            }
            Node::FieldText(slot, TextOp::Contains, affix) => Test::Contains(*slot, affix.clone()),
            Node::FieldText(slot, op, affix) => {
                let starts = *op == TextOp::StartsWith;
                let uses = if starts { Wanted::FIRST } else { Wanted::LAST };
                Test::Affix(wanted.text(*slot, uses), *slot, starts, affix.clone())
            }
            &Node::ScoreNum(block, op, c) => Test::Score(block, op, c),
            Node::And(l, r) => Test::And(
                Box::new(Test::compile(l, wanted)),
                Box::new(Test::compile(r, wanted)),
            ),
            Node::Or(l, r) => Test::Or(
                Box::new(Test::compile(l, wanted)),
                Box::new(Test::compile(r, wanted)),
            ),
            Node::Not(x) => Test::Not(Box::new(Test::compile(x, wanted))),
            other => Test::Row(compile_cond(other)),
        }
    }
}

/// What a batch's conditions read: the records, their columns, the date
/// and, for tier rules, the scores.
pub struct Input<'a, R> {
    /// The records.
    pub rows: &'a [R],
    /// Their decoded columns.
    pub columns: &'a Buffers,
    /// The evaluation date.
    pub as_of: i32,
    /// The scores, once computed: each block's totals, lead by lead, and
    /// the total scores. Before (disqualifiers and score entries), no
    /// block has a total and the score is 0, as in the row evaluator.
    pub scores: Option<(&'a [Vec<i64>], &'a [i64])>,
}

/// `a OP b` for a comparison operator.
#[inline(always)]
fn compare(op: CompareOp, a: f64, b: f64) -> bool {
    match op {
        CompareOp::Lt => a < b,
        CompareOp::Le => a <= b,
        CompareOp::Gt => a > b,
        CompareOp::Ge => a >= b,
        CompareOp::Eq => a == b,
        CompareOp::Ne => a != b,
    }
}

/// Packs `values[i] OP c` (each value read as a number by `num`) with
/// the operator chosen outside the loop, so each loop is one vector
/// compare.
#[inline(always)]
fn pack_compare<T: Copy>(
    out: &mut Vec<u64>,
    values: &[T],
    op: CompareOp,
    c: f64,
    num: impl Fn(T) -> f64,
) {
    match op {
        CompareOp::Lt => pack_each(out, values, |v| num(v) < c),
        CompareOp::Le => pack_each(out, values, |v| num(v) <= c),
        CompareOp::Gt => pack_each(out, values, |v| num(v) > c),
        CompareOp::Ge => pack_each(out, values, |v| num(v) >= c),
        CompareOp::Eq => pack_each(out, values, |v| num(v) == c),
        CompareOp::Ne => pack_each(out, values, |v| num(v) != c),
    }
}

/// A word that is no text's [`crate::text_key::short_word`] (its length
/// byte is past 7, and it is not the mark of a longer text).
const NO_SHORT_WORD: u64 = 0xFE << 56;

/// Keeps only the known bits of `out.t`, and sets `out.k` to `known`.
#[inline]
fn within(out: &mut Mask, known: &[u64]) {
    out.k.clear();
    out.k.extend_from_slice(known);
    for (t, k) in out.t.iter_mut().zip(known) {
        *t &= k;
    }
}

/// Sets `out` lead by lead from a test of the datum in `slot`: `None`
/// for unknown.
#[inline(always)]
fn per_slot<R: AsRef<[Datum]>>(
    out: &mut Mask,
    rows: &[R],
    slot: usize,
    test: impl Fn(&Datum) -> Option<bool>,
) {
    let truths = rows.iter().map(|r| r.as_ref().get(slot).and_then(&test));
    set_truths(out, rows.len(), truths);
}

/// Sets `out` from `n` truth values, `None` for unknown, in order.
fn set_truths(out: &mut Mask, n: usize, truths: impl Iterator<Item = Option<bool>>) {
    out.t.clear();
    out.t.resize(super::mask::words(n), 0);
    out.k.clear();
    out.k.resize(super::mask::words(n), 0);
    for (i, value) in truths.enumerate() {
        let (w, bit) = (i / 64, 1u64 << (i % 64));
        if let Some(v) = value {
            out.k[w] |= bit;
            out.t[w] |= bit & u64::from(v).wrapping_neg();
        }
    }
}

/// Evaluates `test` over the batch into `out`; `spare` lends masks for
/// the operands of `and` and `or`.
pub fn run<R: AsRef<[Datum]>>(
    test: &Test,
    input: &Input<'_, R>,
    out: &mut Mask,
    spare: &mut Vec<Mask>,
) {
    let n = input.rows.len();
    let columns = input.columns;
    match test {
        &Test::Number(col, op, c) => {
            let column = &columns.numbers[col];
            pack_compare(&mut out.t, &column.values[..n], op, c, |v| v);
            within(out, &column.known);
        }
        &Test::Between(col, lo, hi) => {
            let column = &columns.numbers[col];
            pack_each(&mut out.t, &column.values[..n], |v| (lo <= v) & (v <= hi));
            within(out, &column.known);
        }
        Test::Variant(col, negated, set) => {
            let column = &columns.variants[*col];
            let v = &column.values[..n];
            match set {
                VariantSet::Word(bits) => {
                    let bits = *bits;
                    // Missing leads hold u32::MAX: outside the word, and
                    // cleared by the validity mask anyway.
                    pack_each(&mut out.t, v, |v| {
                        let member = (v < 64) & ((bits >> (v & 63)) & 1 == 1);
                        member != *negated
                    });
                }
                VariantSet::Table(table) => pack_each(&mut out.t, v, |v| {
                    table.get(v as usize).copied().unwrap_or(false) != *negated
                }),
            }
            within(out, &column.known);
        }
        &Test::Bool(col) => {
            let column = &columns.bools[col];
            out.t.clone_from(&column.values);
            out.k.clone_from(&column.known);
        }
        &Test::Ago(col, before, days) => {
            let column = &columns.dates[col];
            let limit = i64::from(input.as_of) - days;
            let v = &column.values[..n];
            // Compared as `i32`s, which vectorise; a limit past every
            // date is before all of them (or after none), or the reverse.
            match (before, i32::try_from(limit)) {
                (true, Ok(limit)) => pack_each(&mut out.t, v, |v| v < limit),
                (false, Ok(limit)) => pack_each(&mut out.t, v, |v| v > limit),
                (_, Err(_)) => {
                    let holds = (limit > 0) == before;
                    pack_each(&mut out.t, v, |_| holds);
                }
            }
            within(out, &column.known);
        }
        Test::Texts(col, slot, negated, words) => {
            let column = &columns.texts[*col];
            let (short, len) = (&column.short[..n], &column.len[..n]);
            // One vector loop per constant, each lead's word (or words)
            // against its own, the results or-ed.
            out.t.clear();
            out.t.resize(super::mask::words(n), 0);
            for &[a, b, c, d] in &words.fours {
                pack_zip(&mut out.t, true, (short, short, short), |s, _, _| {
                    (s == a) | (s == b) | (s == c) | (s == d)
                });
            }
            for &(h, t, l) in &words.middle {
                let (head, tail) = (&column.head[..n], &column.tail[..n]);
                pack_zip(&mut out.t, true, (head, tail, len), |a, b, c| {
                    (a == h) & (b == t) & (c == l)
                });
            }
            if words.list.has_long() {
                // Texts longer than a key, from the record.
                for (i, l) in len.iter().enumerate() {
                    if *l as usize > TextKey::MAX {
                        if let Some(Datum::Text(t)) = input.rows[i].as_ref().get(*slot) {
                            out.t[i / 64] |= u64::from(words.list.contains(t)) << (i % 64);
                        }
                    }
                }
            }
            if *negated {
                out.t.iter_mut().for_each(|w| *w = !*w);
            }
            within(out, &column.known);
        }
        Test::Affix(col, slot, starts, affix) => {
            let column = &columns.texts[*col];
            let len = &column.len[..n];
            let at_least = affix.text.len() as u64;
            match (*starts, affix.start_word(), affix.end_word()) {
                (true, Some((word, keep)), _) => {
                    let first = &column.first[..n];
                    pack_zip(&mut out.t, false, (first, len, len), |f, l, _| {
                        (f & keep == word) & (l >= at_least)
                    });
                    within(out, &column.known);
                }
                (false, _, Some((word, keep))) => {
                    let last = &column.last[..n];
                    pack_zip(&mut out.t, false, (last, len, len), |f, l, _| {
                        (f & keep == word) & (l >= at_least)
                    });
                    within(out, &column.known);
                }
                // Longer (or empty) affixes, from the record.
                (true, ..) => per_slot(out, input.rows, *slot, |d| match d {
                    Datum::Text(t) => Some(affix.starts(t)),
                    _ => None,
                }),
                (false, ..) => per_slot(out, input.rows, *slot, |d| match d {
                    Datum::Text(t) => Some(affix.ends(t)),
                    _ => None,
                }),
            }
        }
        Test::Contains(slot, affix) => per_slot(out, input.rows, *slot, |d| match d {
            Datum::Text(t) => Some(t.contains(affix.text.as_str())),
            Datum::List(items) => Some(items.contains(&affix.text)),
            _ => None,
        }),
        &Test::Score(block, op, c) => match (input.scores, block) {
            (Some((_, total)), None) => {
                pack_compare(&mut out.t, &total[..n], op, c, |v| v as f64);
                pack(&mut out.k, n, |_| true);
            }
            (Some((blocks, _)), Some(b)) if b < blocks.len() => {
                pack_compare(&mut out.t, &blocks[b][..n], op, c, |v| v as f64);
                pack(&mut out.k, n, |_| true);
            }
            // Before the scores, the score is 0 and no block has one.
            (None, None) => out.fill(n, Truth::from_bool(compare(op, 0.0, c))),
            _ => out.fill(n, Truth::Unknown),
        },
        Test::And(l, r) => {
            run(l, input, out, spare);
            if out.all_false(n) {
                return;
            }
            let mut right = spare.pop().unwrap_or_default();
            run(r, input, &mut right, spare);
            out.and_with(&right);
            spare.push(right);
        }
        Test::Or(l, r) => {
            run(l, input, out, spare);
            if out.all_true(n) {
                return;
            }
            let mut right = spare.pop().unwrap_or_default();
            run(r, input, &mut right, spare);
            out.or_with(&right);
            spare.push(right);
        }
        Test::Not(x) => {
            run(x, input, out, spare);
            out.negate();
        }
        Test::Row(cond) => {
            let mut blocks = Vec::new();
            let truths = (0..n).map(|i| {
                let (block_totals, total) = match input.scores {
                    Some((b, t)) => {
                        blocks.clear();
                        blocks.extend(b.iter().map(|column| column[i]));
                        (&blocks[..], t[i])
                    }
                    None => (&[][..], 0),
                };
                let truth = cond.truth(&Env {
                    record: input.rows[i].as_ref(),
                    as_of: input.as_of,
                    blocks: block_totals,
                    total,
                });
                match truth {
                    Truth::True => Some(true),
                    Truth::False => Some(false),
                    Truth::Unknown => None,
                }
            });
            set_truths(out, n, truths);
        }
    }
}
