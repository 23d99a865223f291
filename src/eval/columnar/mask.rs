//! Kleene truth values for a batch of leads, as two bit masks: 64 leads to
//! a word, one mask for "true" and one for "known". Three-valued `and`,
//! `or` and `not` are a few bitwise operations per 64 leads, and counting
//! the leads a condition held for is a popcount.

use crate::value::Truth;

/// One truth value per lead of a batch: bit `i` of [`Mask::t`] is set when
/// lead `i`'s value is true, bit `i` of [`Mask::k`] when it is known (true
/// or false). Every true bit is also known; bits past the batch's end are
/// clear in both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mask {
    /// The leads whose value is true.
    pub t: Vec<u64>,
    /// The leads whose value is known.
    pub k: Vec<u64>,
}

/// The number of 64-bit words that hold `lanes` bits.
#[inline]
pub fn words(lanes: usize) -> usize {
    lanes.div_ceil(64)
}

/// The word whose low `n` bits are set (`n` up to 64).
#[inline]
pub fn low_bits(n: usize) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

/// The bits set in `word`, lowest first, as lane numbers from `base`.
#[inline]
pub fn lanes_of(word: u64, base: usize) -> impl Iterator<Item = usize> {
    let mut rest = word;
    std::iter::from_fn(move || {
        if rest == 0 {
            return None;
        }
        let bit = rest.trailing_zeros() as usize;
        rest &= rest - 1;
        Some(base + bit)
    })
}

/// Packs `lanes` booleans, given by `test(lane)`, into `out`, 64 to a
/// word. The inner loop has a fixed length of 64 and no branches, so the
/// compiler turns a simple test into vector compares.
#[inline(always)]
pub fn pack(out: &mut Vec<u64>, lanes: usize, test: impl Fn(usize) -> bool) {
    out.clear();
    let full = lanes / 64;
    for w in 0..full {
        let base = w * 64;
        let mut bits = 0u64;
        for j in 0..64 {
            bits |= u64::from(test(base + j)) << j;
        }
        out.push(bits);
    }
    let rest = lanes % 64;
    if rest > 0 {
        let base = full * 64;
        let mut bits = 0u64;
        for j in 0..rest {
            bits |= u64::from(test(base + j)) << j;
        }
        out.push(bits);
    }
}

kernel! {
/// Packs `test(a[i], b[i], c[i])` for every lead of three equally long
/// columns into `out`, 64 to a word: or-ed into the words there when
/// `or`, else replacing them. Each word's tests read slices of a length
/// the compiler knows, so no bounds check is left in the loop and a
/// simple test vectorises. (A test of one or two columns passes one
/// column more than once.)
pub fn pack_zip<A: Copy, B: Copy, C: Copy, F: Fn(A, B, C) -> bool>(
    out: &mut Vec<u64>,
    or: bool,
    columns: (&[A], &[B], &[C]),
    test: F,
) {
    pack_zip_baseline(out, or, columns, test);
}
}

/// [`pack_zip`]'s loop, inlined into each of its copies; called directly
/// it is the copy for the baseline `x86_64`, which the tests compare with
/// the copy the machine picks.
#[inline(always)]
fn pack_zip_baseline<A: Copy, B: Copy, C: Copy, F: Fn(A, B, C) -> bool>(
    out: &mut Vec<u64>,
    or: bool,
    (a, b, c): (&[A], &[B], &[C]),
    test: F,
) {
    let n = a.len().min(b.len()).min(c.len());
    if !or {
        out.clear();
        out.resize(words(n), 0);
    }
    for (w, word) in out.iter_mut().enumerate().take(words(n)) {
        let base = w * 64;
        let len = (n - base).min(64);
        let (a, b, c) = (
            &a[base..base + len],
            &b[base..base + len],
            &c[base..base + len],
        );
        let mut bits = 0u64;
        if len == 64 {
            for j in 0..64 {
                bits |= u64::from(test(a[j], b[j], c[j])) << j;
            }
        } else {
            for j in 0..len {
                bits |= u64::from(test(a[j], b[j], c[j])) << j;
            }
        }
        *word |= bits;
    }
}

/// Packs `test(v)` for every value of a column into `out` ([`pack_zip`]
/// of one column).
#[inline(always)]
pub fn pack_each<A: Copy>(out: &mut Vec<u64>, values: &[A], test: impl Fn(A) -> bool) {
    pack_zip(out, false, (values, values, values), |v, _, _| test(v));
}

impl Mask {
    /// Sets every lead of a batch of `lanes` to `value`.
    pub fn fill(&mut self, lanes: usize, value: Truth) {
        let n = words(lanes);
        let all = |w: usize| low_bits(lanes - w * 64);
        self.t.clear();
        self.k.clear();
        for w in 0..n {
            let (t, k) = match value {
                Truth::True => (all(w), all(w)),
                Truth::False => (0, all(w)),
                Truth::Unknown => (0, 0),
            };
            self.t.push(t);
            self.k.push(k);
        }
    }

    /// Lead `lane`'s truth value.
    #[inline]
    pub fn truth(&self, lane: usize) -> Truth {
        let (w, bit) = (lane / 64, lane % 64);
        let known = self.k.get(w).is_some_and(|k| (k >> bit) & 1 == 1);
        let t = self.t.get(w).is_some_and(|t| (t >> bit) & 1 == 1);
        match (known, t) {
            (true, true) => Truth::True,
            (true, false) => Truth::False,
            _ => Truth::Unknown,
        }
    }

    /// Kleene's `and`, lead by lead: false where either side is false,
    /// true where both are true, unknown otherwise.
    #[inline]
    pub fn and_with(&mut self, other: &Mask) {
        for ((t, k), (ot, ok)) in self
            .t
            .iter_mut()
            .zip(self.k.iter_mut())
            .zip(other.t.iter().zip(&other.k))
        {
            let false_ = (*k & !*t) | (ok & !ot);
            *t &= ot;
            *k = *t | false_;
        }
    }

    /// Kleene's `or`, lead by lead: true where either side is true, false
    /// where both are false, unknown otherwise.
    #[inline]
    pub fn or_with(&mut self, other: &Mask) {
        for ((t, k), (ot, ok)) in self
            .t
            .iter_mut()
            .zip(self.k.iter_mut())
            .zip(other.t.iter().zip(&other.k))
        {
            let false_ = (*k & !*t) & (ok & !ot);
            *t |= ot;
            *k = *t | false_;
        }
    }

    /// Kleene's `not`: true and false swap, unknown stays.
    #[inline]
    pub fn negate(&mut self) {
        for (t, k) in self.t.iter_mut().zip(&self.k) {
            *t = *k & !*t;
        }
    }

    /// Whether no lead is anything but false (every lead known and false):
    /// an `and` with this on its left is false whatever its right side.
    #[inline]
    pub fn all_false(&self, lanes: usize) -> bool {
        self.t.iter().all(|t| *t == 0)
            && self
                .k
                .iter()
                .enumerate()
                .all(|(w, k)| *k == low_bits(lanes - w * 64))
    }

    /// Whether every lead is true: an `or` with this on its left is true
    /// whatever its right side.
    #[inline]
    pub fn all_true(&self, lanes: usize) -> bool {
        self.t
            .iter()
            .enumerate()
            .all(|(w, t)| *t == low_bits(lanes - w * 64))
    }

    /// How many leads are true (a popcount).
    pub fn count_true(&self) -> usize {
        self.t.iter().map(|t| t.count_ones() as usize).sum()
    }

    /// How many leads are unknown.
    pub fn count_unknown(&self, lanes: usize) -> usize {
        lanes
            - self
                .k
                .iter()
                .map(|k| k.count_ones() as usize)
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Truth; 3] = [Truth::True, Truth::False, Truth::Unknown];

    fn mask_of(values: &[Truth]) -> Mask {
        let mut m = Mask::default();
        pack(&mut m.t, values.len(), |i| values[i] == Truth::True);
        pack(&mut m.k, values.len(), |i| values[i] != Truth::Unknown);
        m
    }

    /// Every pair of truth values, many times over so that words fill and
    /// a partial word ends the batch.
    #[test]
    fn mask_logic_is_kleene_logic_lead_by_lead() {
        let pairs: Vec<(Truth, Truth)> = (0..150).map(|i| (ALL[i % 3], ALL[(i / 3) % 3])).collect();
        let left: Vec<Truth> = pairs.iter().map(|p| p.0).collect();
        let right: Vec<Truth> = pairs.iter().map(|p| p.1).collect();
        let (l, r) = (mask_of(&left), mask_of(&right));
        let mut and = l.clone();
        and.and_with(&r);
        let mut or = l.clone();
        or.or_with(&r);
        let mut not = l.clone();
        not.negate();
        for (i, (a, b)) in pairs.iter().enumerate() {
            assert_eq!(and.truth(i), a.and(|| *b), "{a:?} and {b:?}");
            assert_eq!(or.truth(i), a.or(|| *b), "{a:?} or {b:?}");
            assert_eq!(not.truth(i), !*a, "not {a:?}");
        }
        assert_eq!(l.count_true(), 50);
        assert_eq!(l.count_unknown(150), 50);
    }

    /// The copy of `pack_zip` chosen for this processor (AVX-512 or AVX2
    /// where it has them) packs as the baseline copy does: numbers with
    /// `NaN`s and ties, dates, words, replacing and or-ing, a batch that
    /// ends inside a word.
    #[test]
    fn the_copy_chosen_at_run_time_packs_as_the_baseline_does() {
        let n = 1000;
        let numbers: Vec<f64> = (0..n)
            .map(|i| match i % 7 {
                0 => f64::NAN,
                1 => 10.0,
                k => i as f64 * 0.37 - k as f64 * 50.0,
            })
            .collect();
        let dates: Vec<i32> = (0..n).map(|i| (i * 7919) % 4000 - 2000).collect();
        let words_: Vec<u64> = (0..n).map(|i| (i as u64 % 5) << 56 | 0x5553).collect();
        for c in [-100.0, 0.0, 10.0, 150.5, f64::NAN] {
            let (mut chosen, mut baseline) = (Vec::new(), Vec::new());
            pack_each(&mut chosen, &numbers, |v| v >= c);
            pack_zip_baseline(
                &mut baseline,
                false,
                (&numbers, &numbers, &numbers),
                |v, _, _| v >= c,
            );
            assert_eq!(chosen, baseline, ">= {c}");
            pack_zip(&mut chosen, true, (&numbers, &dates, &words_), |v, d, w| {
                (v != c) & (d < 17) | (w == 0x0200_0000_0000_5553)
            });
            pack_zip_baseline(
                &mut baseline,
                true,
                (&numbers, &dates, &words_),
                |v, d, w| (v != c) & (d < 17) | (w == 0x0200_0000_0000_5553),
            );
            assert_eq!(chosen, baseline, "or-ed, {c}");
        }
    }

    #[test]
    fn filled_masks_and_their_shortcuts_cover_exactly_the_batch() {
        let mut m = Mask::default();
        m.fill(70, Truth::True);
        assert_eq!(m.t, [u64::MAX, 0b11_1111]);
        assert!(m.all_true(70));
        m.fill(70, Truth::False);
        assert!(m.all_false(70) && m.count_true() == 0);
        m.fill(70, Truth::Unknown);
        assert!(!m.all_false(70) && m.count_unknown(70) == 70);
        let lanes: Vec<usize> = lanes_of(0b1010_0001, 64).collect();
        assert_eq!(lanes, [64, 69, 71]);
    }
}
