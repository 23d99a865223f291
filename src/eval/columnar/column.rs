//! Typed column buffers: one field of a batch of records, its values in a
//! plain array of machine numbers (or one run of text bytes) plus a
//! validity mask, so that a condition on it is one loop over contiguous
//! values with no type tag to check. A batch keeps only the columns its
//! policy's conditions read, and decodes them 64 records at a time,
//! column by column while those records are in the first-level cache.

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
    /// Sizes the column for `n` leads, with room for the forms `uses`
    /// asks for ([`Wanted::text_uses`]).
    fn reset(&mut self, n: usize, uses: u8) {
        // Every value is written by `fill_block`: only the sizes change.
        let sized = |v: &mut Vec<u64>, on: bool| v.resize(if on { n } else { 0 }, 0);
        sized(&mut self.len, true);
        sized(&mut self.short, uses & Wanted::SHORT != 0);
        sized(&mut self.head, uses & Wanted::KEYS != 0);
        sized(&mut self.tail, uses & Wanted::KEYS != 0);
        sized(&mut self.first, uses & Wanted::FIRST != 0);
        sized(&mut self.last, uses & Wanted::LAST != 0);
        self.known.resize(words(n), 0);
    }

    /// Writes the texts in `slot` of up to 64 records (leads `lanes`) in
    /// the forms `uses` asks for; returns which of them are texts.
    #[inline(always)]
    fn fill_block<R: AsRef<[Datum]>>(
        &mut self,
        lanes: std::ops::Range<usize>,
        rows: &[R],
        slot: usize,
        uses: u8,
    ) -> u64 {
        // The block's texts, read from their records once (empty where a
        // lead has none), then made into each form from this array.
        let mut texts: [&[u8]; 64] = [&[]; 64];
        let mut known = 0u64;
        let lens = self.len[lanes.clone()].iter_mut();
        for (j, ((text, len), row)) in texts.iter_mut().zip(lens).zip(rows).enumerate() {
            if let Some(Datum::Text(t)) = row.as_ref().get(slot) {
                *text = t.as_bytes();
                known |= 1 << j;
            }
            *len = text.len() as u64;
        }
        let texts = &texts[..rows.len().min(64)];
        if uses & Wanted::SHORT != 0 {
            let short = self.short[lanes.clone()].iter_mut().zip(texts);
            short.for_each(|(s, text)| *s = short_word(text));
        }
        if uses & Wanted::KEYS != 0 {
            let keys = self.head[lanes.clone()]
                .iter_mut()
                .zip(&mut self.tail[lanes.clone()])
                .zip(texts);
            for ((head, tail), text) in keys {
                (*head, *tail, _) = TextKey::of(text).map_or((0, 0, 0), |k| k.parts());
            }
        }
        if uses & Wanted::FIRST != 0 {
            let first = self.first[lanes.clone()].iter_mut().zip(texts);
            first.for_each(|(f, text)| *f = first_word(text));
        }
        if uses & Wanted::LAST != 0 {
            let last = self.last[lanes].iter_mut().zip(texts);
            last.for_each(|(l, text)| *l = last_word(text));
        }
        known
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

/// Sizes a column for `n` leads. Its values and known bits are left as
/// the last batch wrote them: [`Buffers::fill`] writes every one (so a
/// batch as long as the last writes no placeholder first).
fn reset<T: Copy>(column: &mut Column<T>, n: usize, placeholder: T) {
    column.values.resize(n, placeholder);
    column.known.resize(words(n), 0);
}

kernel! {
/// [`Buffers::fill_from`], in a copy for each kind of vector unit.
fn fill_columns<R: AsRef<[Datum]>>(buffers: &mut Buffers, wanted: &Wanted, first: usize, rows: &[R]) {
    buffers.fill_baseline(wanted, first, rows);
}
}

/// Decodes the datum in `slot` of up to 64 records into `values` (as
/// long as `rows`) with `read`, which gives a value and whether it is
/// known; returns the known bits. One column at a time over a block of
/// records small enough to stay in the first-level cache, so the loop
/// keeps its column in registers rather than reloading it per record.
#[inline(always)]
fn decode_block<R: AsRef<[Datum]>, T>(
    values: &mut [T],
    rows: &[R],
    slot: usize,
    read: impl Fn(Option<&Datum>) -> (T, bool),
) -> u64 {
    let mut known = 0u64;
    for (j, (value, row)) in values.iter_mut().zip(rows).enumerate() {
        let (v, k) = read(row.as_ref().get(slot));
        *value = v;
        known |= u64::from(k) << j;
    }
    known
}

impl Buffers {
    /// Decodes the wanted columns of `rows` (a whole batch): sizes the
    /// columns for them ([`Buffers::size`]), then decodes them from lead 0
    /// ([`Buffers::fill_from`]).
    pub fn fill<R: AsRef<[Datum]>>(&mut self, wanted: &Wanted, rows: &[R]) {
        self.size(wanted, rows.len());
        self.fill_from(wanted, 0, rows);
    }

    /// Sizes the wanted columns for `n` leads. Values and known bits
    /// already there are kept (so a batch read block by block is sized
    /// for its most records first, and cut to those it read at the end);
    /// new ones are placeholders until [`Buffers::fill_from`] writes them.
    pub fn size(&mut self, wanted: &Wanted, n: usize) {
        self.numbers
            .resize_with(wanted.numbers.len(), Default::default);
        self.variants
            .resize_with(wanted.variants.len(), Default::default);
        self.dates.resize_with(wanted.dates.len(), Default::default);
        self.bools.resize_with(wanted.bools.len(), Default::default);
        self.counts
            .resize_with(wanted.counts.len(), Default::default);
        self.texts.resize_with(wanted.texts.len(), Default::default);
        self.numbers.iter_mut().for_each(|c| reset(c, n, 0.0));
        self.variants.iter_mut().for_each(|c| reset(c, n, u32::MAX));
        self.dates.iter_mut().for_each(|c| reset(c, n, 0));
        for c in &mut self.bools {
            c.values.resize(words(n), 0);
            c.known.resize(words(n), 0);
        }
        self.counts.iter_mut().for_each(|c| c.resize(n, 0));
        for (t, uses) in self.texts.iter_mut().zip(&wanted.text_uses) {
            t.reset(n, *uses);
        }
    }

    /// Decodes the wanted columns of `rows` as leads `first` onwards
    /// (`first` a multiple of 64, the columns sized past the last), 64
    /// records at a time: each block of records is read column by column
    /// while it is in cache. Compiled for the machine's vector units like
    /// the condition loops (the known bits' variable shifts are one
    /// instruction with BMI2 rather than three): `lq eval --columns
    /// id,tier,score` took 4% longer with the baseline copy.
    pub fn fill_from<R: AsRef<[Datum]>>(&mut self, wanted: &Wanted, first: usize, rows: &[R]) {
        debug_assert_eq!(first % 64, 0);
        fill_columns(self, wanted, first, rows);
    }

    /// [`Buffers::fill_from`]'s work, inlined into each copy of
    /// `fill_columns`; called directly it is the baseline `x86_64` copy,
    /// which the tests compare with the copy the machine picks.
    #[inline(always)]
    fn fill_baseline<R: AsRef<[Datum]>>(&mut self, wanted: &Wanted, first: usize, rows: &[R]) {
        for (b, block) in rows.chunks(64).enumerate() {
            let w = first / 64 + b;
            let lanes = w * 64..w * 64 + block.len();
            for (column, slot) in self.numbers.iter_mut().zip(&wanted.numbers) {
                let values = &mut column.values[lanes.clone()];
                column.known[w] = decode_block(values, block, *slot, |d| match d {
                    Some(Datum::Int(x)) => (*x as f64, true),
                    Some(Datum::Num(x)) => (*x, !x.is_nan()),
                    _ => (0.0, false),
                });
            }
            for (column, slot) in self.variants.iter_mut().zip(&wanted.variants) {
                let values = &mut column.values[lanes.clone()];
                column.known[w] = decode_block(values, block, *slot, |d| match d {
                    Some(Datum::Enum(v)) => (*v, true),
                    _ => (u32::MAX, false),
                });
            }
            for (column, slot) in self.dates.iter_mut().zip(&wanted.dates) {
                let values = &mut column.values[lanes.clone()];
                column.known[w] = decode_block(values, block, *slot, |d| match d {
                    Some(Datum::Date(d)) => (*d, true),
                    _ => (0, false),
                });
            }
            for (column, slot) in self.bools.iter_mut().zip(&wanted.bools) {
                let (mut t, mut k) = (0u64, 0u64);
                for (j, row) in block.iter().enumerate() {
                    let (value, known) = match row.as_ref().get(*slot) {
                        Some(Datum::Bool(b)) => (*b, true),
                        _ => (false, false),
                    };
                    t |= u64::from(value) << j;
                    k |= u64::from(known) << j;
                }
                column.values[w] = t;
                column.known[w] = k;
            }
            for (column, slot) in self.counts.iter_mut().zip(&wanted.counts) {
                let values = &mut column[lanes.clone()];
                decode_block(values, block, *slot, |d| match d {
                    Some(Datum::Int(k)) => (*k, true),
                    _ => (0, true),
                });
            }
            let texts = self.texts.iter_mut().zip(&wanted.texts);
            for ((column, slot), uses) in texts.zip(&wanted.text_uses) {
                column.known[w] = column.fill_block(lanes.clone(), block, *slot, *uses);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of column and text form.
    fn mixed_wanted() -> Wanted {
        Wanted {
            numbers: vec![0, 1],
            variants: vec![2],
            dates: vec![3],
            bools: vec![4],
            counts: vec![0],
            texts: vec![5],
            text_uses: vec![Wanted::KEYS | Wanted::SHORT | Wanted::FIRST | Wanted::LAST],
        }
    }

    /// `n` records with values of every kind in every column (known or
    /// not), some too short for a slot, and texts of every length around
    /// a word's.
    fn mixed_rows(n: usize) -> Vec<Vec<Datum>> {
        let datum = |i: usize, k: usize| match (i * 7 + k * 3) % 9 {
            0 => Datum::Missing,
            1 => Datum::Int(i as i64 * 37 - 500),
            2 => Datum::Num(i as f64 * 0.5),
            3 => Datum::Num(f64::NAN),
            4 => Datum::Enum(i as u32 % 70),
            5 => Datum::Date(i as i32 - 20),
            6 => Datum::Bool(i % 2 == 0),
            7 => Datum::Text("é".repeat(i % 5) + &"x".repeat(i % 19)),
            _ => Datum::List(vec!["a".into()]),
        };
        (0..n)
            .map(|i| (0..(6 - i % 3 * (i % 2))).map(|k| datum(i, k)).collect())
            .collect()
    }

    /// The copy of the decode chosen for this processor writes the same
    /// columns as the baseline copy: every kind of column and text form,
    /// values of every kind in every column (known or not), records too
    /// short for a slot, texts of every length around a word's, and a
    /// batch that ends inside a word.
    #[test]
    fn the_copy_chosen_at_run_time_decodes_as_the_baseline_does() {
        let wanted = mixed_wanted();
        let rows = mixed_rows(150);
        let (mut chosen, mut baseline) = (Buffers::default(), Buffers::default());
        for n in [150, 64, 1, 0, 130] {
            chosen.fill(&wanted, &rows[..n]);
            baseline.size(&wanted, n);
            baseline.fill_baseline(&wanted, 0, &rows[..n]);
            assert_eq!(
                format!("{chosen:?}"),
                format!("{baseline:?}"),
                "{n} records"
            );
        }
        assert!(chosen.texts[0].known[0] != 0 && chosen.numbers[0].known[0] != 0);
    }

    /// A batch decoded block by block as its records arrive (sized for
    /// more records than come, then cut to those that came) has the same
    /// columns as the same records decoded at once, whatever the last
    /// batch left in the buffers.
    #[test]
    fn a_batch_decoded_as_it_is_read_has_the_columns_of_one_decoded_at_once() {
        let wanted = mixed_wanted();
        let rows = mixed_rows(300);
        let mut whole = Buffers::default();
        let mut read = Buffers::default();
        for (n, room) in [
            (150, 256),
            (64, 64),
            (1, 1024),
            (0, 64),
            (130, 130),
            (300, 1024),
        ] {
            whole.fill(&wanted, &rows[..n]);
            read.size(&wanted, room);
            let mut done = 0;
            for len in 1..=n {
                if len % 64 == 0 {
                    read.fill_from(&wanted, done, &rows[done..len]);
                    done = len;
                }
            }
            read.fill_from(&wanted, done, &rows[done..n]);
            read.size(&wanted, n);
            assert_eq!(format!("{read:?}"), format!("{whole:?}"), "{n} records");
        }
    }
}
