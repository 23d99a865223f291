//! Typed column buffers: one field of a batch of records, its values in a
//! plain array of machine numbers (or one run of text bytes) plus a
//! validity mask, so that a condition on it is one loop over contiguous
//! values with no type tag to check. A batch keeps only the columns its
//! policy's conditions read, and decodes them in one pass over the
//! records.

use super::mask::words;
use crate::text_key::{first_word, last_word, short_word, TextKey};
use crate::value::Datum;

/// A column of values of one type, and which of them are known.
#[derive(Clone, Debug, Default)]
pub struct Column<T> {
    /// The values; a placeholder where unknown.
    pub values: Vec<T>,
    /// The leads whose value is known, 64 to a word.
    pub known: Vec<u64>,
}

/// A column of texts, word by word: each lead's [`TextKey`] (a text of
/// up to 16 bytes as two words and a length) and its first and last eight
/// bytes, so that list tests and short `starts with` / `ends with` tests
/// compare machine words in loops that vectorise. A text longer than a
/// key has its length but words that match no key; a list with such a
/// long text reads the record for those leads.
#[derive(Clone, Debug, Default)]
pub struct Texts {
    /// Each lead's [`short_word`] (`u64::MAX` when longer than 7 bytes).
    pub short: Vec<u64>,
    /// Each lead's key's first word (0 when unknown or longer than a key).
    pub head: Vec<u64>,
    /// Each lead's key's second word (0 when unknown or longer).
    pub tail: Vec<u64>,
    /// Each lead's length in bytes (0 when unknown).
    pub len: Vec<u64>,
    /// Each lead's [`first_word`].
    pub first: Vec<u64>,
    /// Each lead's [`last_word`].
    pub last: Vec<u64>,
    /// The leads whose value is a text.
    pub known: Vec<u64>,
}

impl Texts {
    /// Empties the column for `n` leads.
    fn reset(&mut self, n: usize) {
        for v in [
            &mut self.short,
            &mut self.head,
            &mut self.tail,
            &mut self.len,
            &mut self.first,
            &mut self.last,
        ] {
            v.clear();
            v.reserve(n);
        }
        self.known.clear();
        self.known.resize(words(n), 0);
    }

    /// Adds the next lead's text (`None` when it has none), in the forms
    /// `uses` asks for ([`Wanted::text_uses`]).
    #[inline]
    fn push(&mut self, text: Option<&str>, uses: u8) {
        let bytes = text.map_or(&b""[..], str::as_bytes);
        self.len.push(bytes.len() as u64);
        if uses & Wanted::SHORT != 0 {
            self.short.push(short_word(bytes));
        }
        if uses & Wanted::KEYS != 0 {
            let (head, tail, _) = TextKey::of(bytes).map_or((0, 0, 0), |k| k.parts());
            self.head.push(head);
            self.tail.push(tail);
        }
        if uses & Wanted::FIRST != 0 {
            self.first.push(first_word(bytes));
        }
        if uses & Wanted::LAST != 0 {
            self.last.push(last_word(bytes));
        }
    }
}

/// Which columns a policy reads, by kind, each a schema slot; a
/// condition names a column by its index in its kind's list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    /// Slots read as numbers (`int`, `number`, `money`: whole numbers
    /// widened, as a comparison reads them; `NaN` unknown).
    pub numbers: Vec<usize>,
    /// Slots read as enum variants.
    pub variants: Vec<usize>,
    /// Slots read as dates.
    pub dates: Vec<usize>,
    /// `bool` slots read as conditions.
    pub bools: Vec<usize>,
    /// `int` slots read as `per` multipliers (missing counts as 0).
    pub counts: Vec<usize>,
    /// `text` slots tested against lists of texts or short affixes.
    pub texts: Vec<usize>,
    /// What each of [`Wanted::texts`] is tested with: a union of
    /// [`Wanted::SHORT`], [`Wanted::KEYS`], [`Wanted::FIRST`] and
    /// [`Wanted::LAST`].
    pub text_uses: Vec<u8>,
}

impl Wanted {
    /// A text column tested against lists with texts of 8 to 16 bytes:
    /// [`Texts::head`], [`Texts::tail`] and [`Texts::len`] are filled.
    pub const KEYS: u8 = 1;
    /// A text column tested against lists: [`Texts::short`] and
    /// [`Texts::len`] are filled.
    pub const SHORT: u8 = 8;
    /// A text column tested with `starts with`: [`Texts::first`] and
    /// [`Texts::len`].
    pub const FIRST: u8 = 2;
    /// A text column tested with `ends with`: [`Texts::last`] and
    /// [`Texts::len`].
    pub const LAST: u8 = 4;

    /// The index of the text column of `slot`, added if new, which is
    /// also tested with `uses`.
    pub fn text(&mut self, slot: usize, uses: u8) -> usize {
        let i = Wanted::index(&mut self.texts, slot);
        self.text_uses.resize(self.texts.len(), 0);
        self.text_uses[i] |= uses;
        i
    }

    /// The index of `slot` in `list`, added if new.
    pub fn index(list: &mut Vec<usize>, slot: usize) -> usize {
        match list.iter().position(|s| *s == slot) {
            Some(i) => i,
            None => {
                list.push(slot);
                list.len() - 1
            }
        }
    }
}

/// The columns of one batch, reused from batch to batch.
#[derive(Clone, Debug, Default)]
pub struct Buffers {
    /// By [`Wanted::numbers`].
    pub numbers: Vec<Column<f64>>,
    /// By [`Wanted::variants`]; `u32::MAX` where unknown.
    pub variants: Vec<Column<u32>>,
    /// By [`Wanted::dates`] (days since 1970-01-01).
    pub dates: Vec<Column<i32>>,
    /// By [`Wanted::bools`]: the values are the true leads, 64 to a word.
    pub bools: Vec<Column<u64>>,
    /// By [`Wanted::counts`] (always known).
    pub counts: Vec<Vec<i64>>,
    /// By [`Wanted::texts`].
    pub texts: Vec<Texts>,
}

/// Empties a column for `n` leads: no values, no known bits.
fn reset<T>(column: &mut Column<T>, n: usize) {
    column.values.clear();
    column.known.clear();
    column.known.resize(words(n), 0);
}

/// `bit` if `on`, else 0, without a branch.
#[inline(always)]
fn bit_if(on: bool, bit: u64) -> u64 {
    bit & u64::from(on).wrapping_neg()
}

impl Buffers {
    /// Decodes the wanted columns of `rows`, record by record (each
    /// record's values are read once, while in cache).
    pub fn fill<R: AsRef<[Datum]>>(&mut self, wanted: &Wanted, rows: &[R]) {
        let n = rows.len();
        self.numbers
            .resize_with(wanted.numbers.len(), Default::default);
        self.variants
            .resize_with(wanted.variants.len(), Default::default);
        self.dates.resize_with(wanted.dates.len(), Default::default);
        self.bools.resize_with(wanted.bools.len(), Default::default);
        self.counts
            .resize_with(wanted.counts.len(), Default::default);
        self.texts.resize_with(wanted.texts.len(), Default::default);
        self.numbers.iter_mut().for_each(|c| reset(c, n));
        self.variants.iter_mut().for_each(|c| reset(c, n));
        self.dates.iter_mut().for_each(|c| reset(c, n));
        for c in &mut self.bools {
            reset(c, n);
            c.values.resize(words(n), 0);
        }
        self.counts.iter_mut().for_each(Vec::clear);
        self.texts.iter_mut().for_each(|t| t.reset(n));
        for (i, row) in rows.iter().enumerate() {
            let record = row.as_ref();
            let (w, bit) = (i / 64, 1u64 << (i % 64));
            for (column, slot) in self.numbers.iter_mut().zip(&wanted.numbers) {
                let (value, known) = match record.get(*slot) {
                    Some(Datum::Int(x)) => (*x as f64, true),
                    Some(Datum::Num(x)) if !x.is_nan() => (*x, true),
                    _ => (0.0, false),
                };
                column.values.push(value);
                column.known[w] |= bit_if(known, bit);
            }
            for (column, slot) in self.variants.iter_mut().zip(&wanted.variants) {
                let (value, known) = match record.get(*slot) {
                    Some(Datum::Enum(v)) => (*v, true),
                    _ => (u32::MAX, false),
                };
                column.values.push(value);
                column.known[w] |= bit_if(known, bit);
            }
            for (column, slot) in self.dates.iter_mut().zip(&wanted.dates) {
                let (value, known) = match record.get(*slot) {
                    Some(Datum::Date(d)) => (*d, true),
                    _ => (0, false),
                };
                column.values.push(value);
                column.known[w] |= bit_if(known, bit);
            }
            for (column, slot) in self.bools.iter_mut().zip(&wanted.bools) {
                let (value, known) = match record.get(*slot) {
                    Some(Datum::Bool(b)) => (*b, true),
                    _ => (false, false),
                };
                column.values[w] |= bit_if(value, bit);
                column.known[w] |= bit_if(known, bit);
            }
            for (column, slot) in self.counts.iter_mut().zip(&wanted.counts) {
                column.push(match record.get(*slot) {
                    Some(Datum::Int(k)) => *k,
                    _ => 0,
                });
            }
            let texts = self.texts.iter_mut().zip(&wanted.texts);
            for ((column, slot), uses) in texts.zip(&wanted.text_uses) {
                let text = match record.get(*slot) {
                    Some(Datum::Text(t)) => {
                        column.known[w] |= bit;
                        Some(t.as_str())
                    }
                    _ => None,
                };
                column.push(text, *uses);
            }
        }
    }
}
