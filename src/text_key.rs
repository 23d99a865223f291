//! Short texts as fixed-size keys, so the commonest text conditions —
//! a field `in` a few constants, `=` one, `starts with` / `ends with` one —
//! and the reading of enum cells compare machine words instead of calling
//! `memcmp` once per constant.
//!
//! A text of up to 16 bytes is covered entirely by its first and last
//! eight bytes (overlapping when it is shorter), read as two integers; with
//! its length, they identify it exactly.

/// A text of at most [`TextKey::MAX`] bytes, as two words and a length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextKey {
    head: u64,
    tail: u64,
    len: u8,
}

impl TextKey {
    /// The longest text that has a key.
    pub const MAX: usize = 16;

    /// The key's two words and its length, for columns of keys compared
    /// word by word.
    #[inline]
    pub fn parts(&self) -> (u64, u64, u64) {
        (self.head, self.tail, u64::from(self.len))
    }

    /// The key of `bytes`, or `None` when it is longer than [`Self::MAX`].
    #[inline]
    pub fn of(bytes: &[u8]) -> Option<TextKey> {
        let n = bytes.len();
        // Fixed-width loads (no call to `memcpy` for a variable width).
        let four = |b: &[u8]| {
            b.first_chunk::<4>()
                .map_or(0, |w| u64::from(u32::from_le_bytes(*w)))
        };
        let (head, tail) = match n {
            0 => (0, 0),
            1..=3 => (
                u64::from(bytes[0]) | u64::from(bytes[n / 2]) << 8 | u64::from(bytes[n - 1]) << 16,
                0,
            ),
            4..=7 => (four(bytes), four(&bytes[n - 4..])),
            8..=16 => (first_word(bytes), last_word(bytes)),
            _ => return None,
        };
        Some(TextKey {
            head,
            tail,
            len: n as u8,
        })
    }
}

/// Constant texts, for membership: short ones as keys, long ones as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextList {
    keys: Vec<TextKey>,
    /// The texts of up to 7 bytes, as [`short_word`]s.
    short: Vec<u64>,
    long: Vec<String>,
}

impl TextList {
    /// The list of `texts`.
    pub fn new(texts: Vec<String>) -> TextList {
        let mut list = TextList {
            keys: Vec::new(),
            short: Vec::new(),
            long: Vec::new(),
        };
        for t in texts {
            if t.len() <= SHORT {
                list.short.push(short_word(t.as_bytes()));
            }
            match TextKey::of(t.as_bytes()) {
                Some(key) => list.keys.push(key),
                None => list.long.push(t),
            }
        }
        list
    }

    /// The list's texts of 8 to 16 bytes, as keys.
    pub fn middle_keys(&self) -> impl Iterator<Item = &TextKey> {
        self.keys.iter().filter(|k| k.len as usize > SHORT)
    }

    /// The list's texts of up to 7 bytes, as [`short_word`]s.
    pub fn short_words(&self) -> &[u64] {
        &self.short
    }

    /// Whether some text of the list is too long for a key.
    pub fn has_long(&self) -> bool {
        !self.long.is_empty()
    }

    /// Whether `text` is one of the list.
    #[inline]
    pub fn contains(&self, text: &str) -> bool {
        self.contains_bytes(text.as_bytes())
    }

    /// Whether the text of `bytes` is one of the list.
    #[inline]
    pub fn contains_bytes(&self, bytes: &[u8]) -> bool {
        match TextKey::of(bytes) {
            Some(key) => self.keys.contains(&key),
            None => self.long.iter().any(|l| l.as_bytes() == bytes),
        }
    }
}

/// Texts mapped to numbers (an enum's names and spellings to the variant);
/// the first text listed wins. Made with `collect` from `(text, value)`
/// pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextMap {
    /// The texts longer than 16 bytes, as listed.
    long: Vec<(String, u32)>,
    /// The texts of up to 16 bytes, as listed, as their [`padded`] words
    /// and length.
    padded: Vec<Padded>,
    /// The same texts placed by [`TextMap::place`], each once (as first
    /// listed), no two in one place (the others hold [`Padded::NONE`]);
    /// empty when no multiplier placed them apart, or the map is too
    /// large to try (they are then searched in order).
    table: Vec<Padded>,
    /// The multiplier that placed them.
    multiplier: u64,
    /// The table's size is `1 << (64 - shift)`.
    shift: u32,
}

/// A text of up to 16 bytes as its [`padded`] words and its length, and
/// the value it maps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Padded {
    head: u64,
    tail: u64,
    len: usize,
    value: u32,
}

impl Padded {
    /// An empty place in [`TextMap::table`]: no text is this long.
    const NONE: Padded = Padded {
        head: 0,
        tail: 0,
        len: usize::MAX,
        value: 0,
    };

    /// Whether this is the text of `head`, `tail` and `len`.
    #[inline(always)]
    fn is(&self, head: u64, tail: u64, len: usize) -> bool {
        (self.head == head) & (self.tail == tail) & (self.len == len)
    }
}

impl<'t> FromIterator<(&'t str, u32)> for TextMap {
    fn from_iter<I: IntoIterator<Item = (&'t str, u32)>>(entries: I) -> TextMap {
        let mut map = TextMap::default();
        for (text, value) in entries {
            map.add(text, value);
        }
        map.build_table();
        map
    }
}

impl TextMap {
    /// The most texts of up to 16 bytes a map places in a table; a
    /// larger map is searched in order.
    const MOST_PLACED: usize = 64;

    /// Adds `text` for `value`; the table is built after the last.
    fn add(&mut self, text: &str, value: u32) {
        match window_of(text) {
            Some(window) => {
                let len = text.len();
                let (head, tail) = padded(&window, len);
                self.padded.push(Padded {
                    head,
                    tail,
                    len,
                    value,
                });
            }
            None => self.long.push((text.to_string(), value)),
        }
    }

    /// The place of a text in a table of `1 << (64 - shift)` places,
    /// with `multiplier`.
    #[inline(always)]
    fn place(head: u64, tail: u64, len: usize, multiplier: u64, shift: u32) -> usize {
        let mixed = head ^ tail.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ len as u64;
        (mixed.wrapping_mul(multiplier) >> shift) as usize
    }

    /// Finds a multiplier that places every short text apart, in a
    /// table of two to sixteen places per text, trying a fixed sequence
    /// of odd multipliers (the same map always gets the same table). A
    /// text listed again keeps its first place and value.
    fn build_table(&mut self) {
        self.table.clear();
        let k = self.padded.len();
        if k == 0 || k > Self::MOST_PLACED {
            return;
        }
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut table = Vec::new();
        let least = (2 * k).next_power_of_two().trailing_zeros();
        for bits in least..least + 4 {
            let shift = 64 - bits;
            for _ in 0..64 {
                // splitmix64: well-spread odd multipliers.
                state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                let multiplier = (z ^ (z >> 31)) | 1;
                table.clear();
                table.resize(1 << bits, Padded::NONE);
                let apart = self.padded.iter().all(|p| {
                    let at = Self::place(p.head, p.tail, p.len, multiplier, shift);
                    match table.get_mut(at) {
                        Some(place) if place.len == usize::MAX => *place = *p,
                        Some(place) => return place.is(p.head, p.tail, p.len),
                        None => return false,
                    }
                    true
                });
                if apart {
                    self.table = table;
                    self.multiplier = multiplier;
                    self.shift = shift;
                    return;
                }
            }
        }
    }

    /// The value of the first entry for `text`.
    #[inline]
    pub fn get(&self, text: &str) -> Option<u32> {
        match window_of(text) {
            Some(window) => self.find(&window, text.len()),
            None => self.long.iter().find(|(t, _)| t == text).map(|(_, v)| *v),
        }
    }

    /// [`TextMap::get`] of `text`, whose bytes `window` starts at (the
    /// bytes from the text on, in the record it was read from; any other
    /// window reads as `get`). When the window holds 16 bytes, the text
    /// is read from it as two words at fixed widths, with no copy and no
    /// branch on its length (a processor guesses that wrong on cells of
    /// mixed lengths).
    #[inline]
    pub fn get_in(&self, text: &str, window: &[u8]) -> Option<u32> {
        match window.first_chunk::<16>() {
            Some(w) if text.len() <= TextKey::MAX && std::ptr::eq(w.as_ptr(), text.as_ptr()) => {
                self.find(w, text.len())
            }
            _ => self.get_slowly(text),
        }
    }

    /// [`TextMap::get`], kept out of line, off `get_in`'s own path.
    #[cold]
    fn get_slowly(&self, text: &str) -> Option<u32> {
        self.get(text)
    }

    /// The value of the first text of up to 16 bytes that is the first
    /// `n` bytes of `window`: compared with the one entry at its place in
    /// the table (no branch on which entry it is), or with each in turn
    /// when there is no table.
    #[inline(always)]
    fn find(&self, window: &[u8; 16], n: usize) -> Option<u32> {
        let (head, tail) = padded(window, n);
        if self.table.is_empty() {
            return self.search(head, tail, n);
        }
        let at = Self::place(head, tail, n, self.multiplier, self.shift);
        let candidate = self.table.get(at)?;
        candidate.is(head, tail, n).then_some(candidate.value)
    }

    /// [`TextMap::find`] without a table: each entry in turn. Kept out of
    /// line, off the table's path.
    #[cold]
    fn search(&self, head: u64, tail: u64, n: usize) -> Option<u32> {
        let first = self.padded.iter().find(|p| p.is(head, tail, n));
        first.map(|p| p.value)
    }
}

/// `text` in a window of 16 bytes, zeros after it; `None` when longer.
#[inline(always)]
fn window_of(text: &str) -> Option<[u8; 16]> {
    let mut window = [0; 16];
    window
        .get_mut(..text.len())?
        .copy_from_slice(text.as_bytes());
    Some(window)
}

/// The first `n` (up to 16) bytes of `window` as two little-endian words
/// ([`first_word`]s), the bytes past `n` cleared: masks made by shifts,
/// not by branches.
#[inline(always)]
fn padded(window: &[u8; 16], n: usize) -> (u64, u64) {
    let (head, tail) = window.split_at(8);
    // The low `k` (up to 8) bytes of a word.
    let keep = |k: usize| ((1u128 << (8 * k.min(8))) - 1) as u64;
    (
        first_word(head) & keep(n),
        first_word(tail) & keep(n.saturating_sub(8)),
    )
}

/// A constant for `starts with` / `ends with`, with its key when short.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Affix {
    /// The text.
    pub text: String,
    key: Option<TextKey>,
    /// For an affix of 1 to 8 bytes: the word whose top bytes it is, and
    /// the mask of those bytes (a text's last eight bytes are compared
    /// in one step).
    end: Option<(u64, u64)>,
    /// For an affix of 1 to 8 bytes: the word whose low bytes it is, and
    /// the mask of those bytes (for a text's first eight bytes).
    start: Option<(u64, u64)>,
}

/// The longest text that is a [`short_word`].
const SHORT: usize = 7;

/// A text of up to 7 bytes as one word, its bytes and its length
/// (identifying it exactly); `u64::MAX`, which is no such word, for a
/// longer text.
#[inline]
pub fn short_word(bytes: &[u8]) -> u64 {
    if bytes.len() > SHORT {
        return u64::MAX;
    }
    first_word(bytes) | (bytes.len() as u64) << 56
}

/// The first eight bytes of `bytes` as a word (zero bytes after a shorter
/// text), for [`Affix::start_word`].
#[inline]
pub fn first_word(bytes: &[u8]) -> u64 {
    match bytes.first_chunk::<8>() {
        Some(word) => u64::from_le_bytes(*word),
        None => low_bytes(bytes),
    }
}

/// The bytes of a text shorter than eight bytes as the low bytes of a
/// word (zero above), read as two overlapping loads rather than byte by
/// byte (the bytes both loads hold land in the same place).
#[inline(always)]
fn low_bytes(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    if let (Some(lo), Some(hi)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        u64::from(u32::from_le_bytes(*lo)) | u64::from(u32::from_le_bytes(*hi)) << (8 * (n - 4))
    } else if let (Some(lo), Some(hi)) = (bytes.first_chunk::<2>(), bytes.last_chunk::<2>()) {
        u64::from(u16::from_le_bytes(*lo)) | u64::from(u16::from_le_bytes(*hi)) << (8 * (n - 2))
    } else {
        bytes.first().map_or(0, |b| u64::from(*b))
    }
}

/// The last eight bytes of `bytes` as a word (zero bytes before a shorter
/// text), for [`Affix::end_word`].
#[inline]
pub fn last_word(bytes: &[u8]) -> u64 {
    match bytes.last_chunk::<8>() {
        Some(word) => u64::from_le_bytes(*word),
        None if bytes.is_empty() => 0,
        None => low_bytes(bytes) << (8 * (8 - bytes.len())),
    }
}

impl Affix {
    /// The affix `text`.
    pub fn new(text: String) -> Affix {
        let key = TextKey::of(text.as_bytes());
        let n = text.len();
        let end = (1..=8).contains(&n).then(|| {
            let mut word = [0u8; 8];
            word[8 - n..].copy_from_slice(text.as_bytes());
            (u64::from_le_bytes(word), u64::MAX << (8 * (8 - n)))
        });
        let start = (1..=8).contains(&n).then(|| {
            let mut word = [0u8; 8];
            word[..n].copy_from_slice(text.as_bytes());
            (u64::from_le_bytes(word), u64::MAX >> (8 * (8 - n)))
        });
        Affix {
            text,
            key,
            end,
            start,
        }
    }

    /// For an affix of 1 to 8 bytes: a text of at least its length starts
    /// with it when its [`first_word`] masked by the second word equals
    /// the first.
    pub fn start_word(&self) -> Option<(u64, u64)> {
        self.start
    }

    /// For an affix of 1 to 8 bytes: a text of at least its length ends
    /// with it when its [`last_word`] masked by the second word equals the
    /// first.
    pub fn end_word(&self) -> Option<(u64, u64)> {
        self.end
    }

    /// Whether `text` starts with this.
    #[inline]
    pub fn starts(&self, text: &str) -> bool {
        self.starts_bytes(text.as_bytes())
    }

    /// Whether the text of `bytes` starts with this.
    #[inline]
    pub fn starts_bytes(&self, bytes: &[u8]) -> bool {
        let n = self.text.len();
        match (self.key, bytes.get(..n)) {
            (_, None) => false,
            (Some(key), Some(head)) => TextKey::of(head) == Some(key),
            (None, Some(head)) => head == self.text.as_bytes(),
        }
    }

    /// Whether `text` ends with this.
    #[inline]
    pub fn ends(&self, text: &str) -> bool {
        self.ends_bytes(text.as_bytes())
    }

    /// Whether the text of `bytes` ends with this.
    #[inline]
    pub fn ends_bytes(&self, bytes: &[u8]) -> bool {
        if let (Some((word, keep)), Some(start)) = (self.end, bytes.len().checked_sub(8)) {
            // The last eight bytes in one load.
            let mut last = [0u8; 8];
            last.copy_from_slice(&bytes[start..]);
            return u64::from_le_bytes(last) & keep == word;
        }
        let Some(start) = bytes.len().checked_sub(self.text.len()) else {
            return false;
        };
        let tail = &bytes[start..];
        match self.key {
            Some(key) => TextKey::of(tail) == Some(key),
            None => tail == self.text.as_bytes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every text of up to 17 bytes over a small alphabet: two texts have
    /// the same key exactly when they are equal.
    #[test]
    fn keys_identify_texts_exactly() {
        let mut texts = vec![String::new()];
        for t in ["a", "b", "ab", "ba", "aab", "abab", "\u{e9}", "x\u{e9}y"] {
            for n in 1..=6 {
                texts.push(t.repeat(n));
                texts.push(format!("{}z", t.repeat(n)));
            }
        }
        for a in &texts {
            for b in &texts {
                let (ka, kb) = (TextKey::of(a.as_bytes()), TextKey::of(b.as_bytes()));
                if a.len() <= TextKey::MAX && b.len() <= TextKey::MAX {
                    assert_eq!(ka == kb, a == b, "{a:?} {b:?}");
                } else {
                    assert_eq!(ka.is_none(), a.len() > TextKey::MAX);
                }
            }
        }
    }

    /// The words of every length of text, against their definition byte
    /// by byte.
    #[test]
    fn first_and_last_words_are_the_bytes_in_place() {
        let text = b"abcdefghijkl";
        for n in 0..=text.len() {
            let bytes = &text[..n];
            let (mut first, mut last) = (0u64, 0u64);
            for (i, b) in bytes.iter().take(8).enumerate() {
                first |= u64::from(*b) << (8 * i);
            }
            let tail = &bytes[n.saturating_sub(8)..];
            for (i, b) in tail.iter().enumerate() {
                last |= u64::from(*b) << (8 * (8 - tail.len() + i));
            }
            assert_eq!(first_word(bytes), first, "first word of {n} bytes");
            assert_eq!(last_word(bytes), last, "last word of {n} bytes");
        }
    }

    /// A list's short words are its short texts' words, and two short
    /// texts have the same word exactly when they are equal.
    #[test]
    fn short_words_identify_short_texts() {
        let texts = [
            "", "a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "ba", "\u{e9}", "a\0",
        ];
        let list = TextList::new(texts.iter().map(|t| t.to_string()).collect());
        let words = list.short_words().to_vec();
        let mine: Vec<u64> = texts.iter().map(|t| short_word(t.as_bytes())).collect();
        assert_eq!(words, mine);
        for a in texts {
            for b in texts {
                assert_eq!(short_word(a.as_bytes()) == short_word(b.as_bytes()), a == b);
            }
        }
        assert_eq!(short_word(b"abcdefgh"), u64::MAX);
        assert_eq!(list.middle_keys().count(), 0);
    }

    #[test]
    fn affixes_agree_with_the_standard_library() {
        let texts = [
            "",
            "a",
            "u",
            ".edu",
            "x.edu",
            "kim@uni.edu",
            "kim@uni.edux",
            "\u{e9}.edu",
            "ab.edu.edu",
            "abcdefgh",
            "zabcdefgh",
            "bcdefgh",
        ];
        for affix in ["u", ".edu", "du", "abcdefgh", "bcdefgh", "abcdefghi", "e"] {
            let a = Affix::new(affix.to_string());
            for t in texts {
                assert_eq!(a.ends(t), t.ends_with(affix), "{t:?} ends with {affix:?}");
                assert_eq!(
                    a.starts(t),
                    t.starts_with(affix),
                    "{t:?} starts with {affix:?}"
                );
                // The word forms, as the columnar engine tests them.
                let long_enough = t.len() >= affix.len();
                if let Some((word, keep)) = a.end_word() {
                    let by_word = long_enough && last_word(t.as_bytes()) & keep == word;
                    assert_eq!(by_word, t.ends_with(affix), "{t:?} ends with {affix:?}");
                }
                if let Some((word, keep)) = a.start_word() {
                    let by_word = long_enough && first_word(t.as_bytes()) & keep == word;
                    assert_eq!(by_word, t.starts_with(affix), "{t:?} starts {affix:?}");
                }
                assert_eq!(a.end_word().is_some(), (1..=8).contains(&affix.len()));
            }
        }
    }

    #[test]
    fn maps_find_the_first_entry() {
        let long = "a text longer than sixteen bytes";
        let map: TextMap = [("VP", 0), ("vp", 0), ("Dir", 1), ("VP", 2), (long, 3)]
            .into_iter()
            .collect();
        assert_eq!(map.get("VP"), Some(0));
        assert_eq!(map.get("Dir"), Some(1));
        assert_eq!(map.get(long), Some(3));
        assert_eq!(map.get("Vp"), None);
        assert_eq!(map.get(""), None);
    }

    /// `get` finds the first entry listed for a text, and `get_in` finds
    /// what `get` finds, for texts read from a record at every place in
    /// it: near its end (fewer than 16 bytes on), amid other cells, and
    /// of every length around the words' edges; and a window that does
    /// not start at the text reads as `get`.
    #[test]
    fn lookups_in_a_record_agree_with_get() {
        let long = "a text longer than sixteen bytes";
        let entries = [
            ("VP", 0),
            ("Director", 1),
            ("Dir.", 1),
            ("VP", 2),
            ("", 3),
            ("Healthcare", 4),
            ("Manufacturing", 5),
            ("exactly16bytes!!", 6),
            ("seven77", 7),
            ("a\0b", 8),
            ("\u{e9}t\u{e9}", 9),
            (long, 10),
        ];
        let map: TextMap = entries.into_iter().collect();
        assert!(
            !map.table.is_empty(),
            "the map's texts are placed in a table"
        );
        let mut texts: Vec<String> = entries.iter().map(|(t, _)| t.to_string()).collect();
        for t in entries.map(|(t, _)| t) {
            texts.push(format!("{t}x"));
            texts.push(t.to_lowercase());
            texts.push(t.chars().skip(1).collect());
            texts.push(
                t.chars()
                    .rev()
                    .skip(1)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect(),
            );
        }
        texts.extend((0..=17).map(|n| "V".repeat(n)));
        texts.extend(
            [
                "a",
                "a\0",
                "\0",
                "VP\0",
                "exactly16bytes!",
                "exactly16bytes!!!",
            ]
            .map(String::from),
        );
        let mut checked = 0;
        for text in &texts {
            let first = entries.iter().find(|(t, _)| t == text).map(|(_, v)| *v);
            assert_eq!(map.get(text), first, "{text:?}");
            for (before, after) in [
                ("", ""),
                ("x,", ","),
                ("", ",and more cells after it"),
                ("id,", ",0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"),
            ] {
                let record = format!("{before}{text}{after}");
                let cell = &record[before.len()..before.len() + text.len()];
                let window = &record.as_bytes()[before.len()..];
                assert_eq!(
                    map.get_in(cell, window),
                    map.get(text),
                    "{text:?} in {record:?}"
                );
                checked += usize::from(window.len() >= 16 && text.len() <= 16);
                // A window that is not the text's own reads as `get`.
                assert_eq!(map.get_in(cell, b"VP and sixteen bytes"), map.get(text));
            }
        }
        assert!(checked > 100, "the fixed-width path ran {checked} times");
        let record = "VP,Director,Dir.,a,b,c,d";
        assert_eq!(map.get_in(&record[..2], record.as_bytes()), Some(0));
        assert_eq!(map.get_in(&record[3..11], &record.as_bytes()[3..]), Some(1));
    }

    /// Maps of every size up to the most placed in a table are placed
    /// in one, and a larger map searches in order: both find the first
    /// entry listed, by `get` and by `get_in`, for members and for texts
    /// that are not.
    #[test]
    fn maps_of_every_size_look_up_alike() {
        let spelling = |i: usize| match i % 4 {
            0 => format!("V{i}"),
            1 => format!("Variant number {i}"),
            2 => format!("{i:>9}"),
            _ => "x".repeat(i % 17),
        };
        for size in (1..=TextMap::MOST_PLACED + 1).chain([200]) {
            let texts: Vec<String> = (0..size).map(spelling).collect();
            let map: TextMap = texts.iter().map(String::as_str).zip(0..).collect();
            let placed = map.padded.len() <= TextMap::MOST_PLACED;
            assert_eq!(!map.table.is_empty(), placed, "{size} texts");
            let strangers = (size..size + 20).map(spelling);
            for text in texts.iter().cloned().chain(strangers) {
                let first = texts.iter().position(|t| *t == text);
                assert_eq!(map.get(&text), first.map(|i| i as u32), "{text:?}");
                let record = format!("{text},and sixteen bytes more");
                let cell = &record[..text.len()];
                let found = map.get_in(cell, record.as_bytes());
                assert_eq!(found, map.get(&text), "{text:?} among {size}");
            }
        }
    }

    #[test]
    fn lists_and_affixes_agree_with_str() {
        let long = "a text longer than sixteen bytes";
        let list = TextList::new(vec!["US".into(), "".into(), long.into()]);
        for t in [
            "US",
            "U",
            "",
            "USA",
            long,
            "a text longer than sixteen byte",
        ] {
            assert_eq!(list.contains(t), ["US", "", long].contains(&t), "{t:?}");
        }
        for affix in ["", ".edu", "a", long, "edu.edu.edu.edu.edu"] {
            let a = Affix::new(affix.to_string());
            for t in ["ivy@campus.edu", "", "a", long, "x.edu.edu.edu.edu.edu"] {
                assert_eq!(a.starts(t), t.starts_with(affix), "{t:?} starts {affix:?}");
                assert_eq!(a.ends(t), t.ends_with(affix), "{t:?} ends {affix:?}");
            }
        }
    }
}
