//! Typed column buffers: one field of a batch of records, its values in a
//! plain array of machine numbers (or one run of text bytes) plus a
//! validity mask, so that a condition on it is one loop over contiguous
//! values with no type tag to check. A batch keeps only the columns its
//! policy's conditions read, and decodes them in one pass over the
//! records.

use super::mask::words;
use crate::text_key::TextKey;
use crate::value::Datum;

/// A column of values of one type, and which of them are known.
#[derive(Clone, Debug, Default)]
pub struct Column<T> {
    /// The values; a placeholder where unknown.
    pub values: Vec<T>,
    /// The leads whose value is known, 64 to a word.
    pub known: Vec<u64>,
}

/// A column of texts as keys ([`TextKey`]: a text of up to 16 bytes as
/// two words and a length), made once per lead for every list test of
/// the field. A longer text has no key; its test reads the record.
#[derive(Clone, Debug, Default)]
pub struct Texts {
    /// Each lead's key (`None` when unknown or longer than a key).
    pub keys: Vec<Option<TextKey>>,
    /// The leads whose value is a text.
    pub known: Vec<u64>,
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
    /// `text` slots tested against lists of texts.
    pub texts: Vec<usize>,
}

impl Wanted {
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
        for t in &mut self.texts {
            t.known.clear();
            t.known.resize(words(n), 0);
            t.keys.clear();
        }
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
            for (column, slot) in self.texts.iter_mut().zip(&wanted.texts) {
                let key = match record.get(*slot) {
                    Some(Datum::Text(t)) => {
                        column.known[w] |= bit;
                        TextKey::of(t.as_bytes())
                    }
                    _ => None,
                };
                column.keys.push(key);
            }
        }
    }
}
