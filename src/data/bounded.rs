//! Input read in bounded pieces, so no record can swallow the rest of a
//! file or the machine's memory.
//!
//! [`CsvGuard`] sits between a CSV input and the CSV parser. It finds each
//! record's end by the same quoting rules as the parser, and passes good
//! records through untouched. A record whose quote is still open at the end
//! of the input, or that grows past the record-size cap, is replaced by a
//! one-cell marker line, and its problem is queued for the reader: that
//! record becomes one `error` outcome, and reading resumes at the line
//! after the one where the quote opened (or after the oversized line), so
//! the records that follow are read, not swallowed. Memory is bounded by
//! the cap. [`BoundedLines`] does the same for NDJSON lines.

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::error::RecordProblem;

/// The default cap on one record's size in bytes (`--max-record-bytes`).
pub const DEFAULT_MAX_RECORD_BYTES: usize = 1 << 20;

/// How much the guard asks of its input at a time: as much as the input's
/// own buffer holds (`lq`'s inputs use 64 KiB), so the read passes it by.
const READ_SIZE: usize = 1 << 16;

/// The start of the text of the marker line that stands in for a broken
/// record; a random number per input and the record's number follow.
const MARKER: &str = "\u{1}lq-broken-record-";

/// The problems of broken records, in input order, shared between the
/// guard (which finds them) and the reader (which reports them).
#[derive(Clone, Debug, Default)]
pub struct Broken(Arc<BrokenQueue>);

#[derive(Debug)]
struct BrokenQueue {
    /// How many problems are queued: read without the lock, so a record
    /// costs one load while nothing is broken.
    queued: AtomicUsize,
    problems: Mutex<VecDeque<(u64, RecordProblem)>>,
    /// This input's marker: [`MARKER`] and 128 random bits, so that text
    /// in the data cannot pass for a broken record (a copy of another
    /// marker, or a guess, is only data).
    marker: Arc<str>,
}

impl Default for BrokenQueue {
    fn default() -> Self {
        use std::hash::BuildHasher;
        // The standard library's hasher keys are random per process (and
        // differ for each `RandomState`): 128 bits no input can guess.
        let state = std::collections::hash_map::RandomState::new();
        let (a, b) = (state.hash_one(1u8), state.hash_one(2u8));
        BrokenQueue {
            queued: AtomicUsize::new(0),
            problems: Mutex::default(),
            marker: format!("{MARKER}{a:016x}{b:016x}-").into(),
        }
    }
}

impl Broken {
    /// The marker line's text before the broken record's number.
    pub fn marker(&self) -> &str {
        &self.0.marker
    }

    fn push(&self, seq: u64, problem: RecordProblem) {
        if let Ok(mut queue) = self.0.problems.lock() {
            queue.push_back((seq, problem));
            self.0.queued.store(queue.len(), Ordering::Release);
        }
    }

    /// The problem of the broken record that `cells` stands for, when
    /// `cells` is the guard's marker line for the next broken record. Cheap
    /// for any other record: one load while nothing is queued, else a look
    /// at the first cell's prefix; it locks only for a marker.
    #[inline]
    pub fn take<'a>(&self, cells: impl Iterator<Item = &'a str>) -> Option<RecordProblem> {
        if self.0.queued.load(Ordering::Acquire) == 0 {
            return None;
        }
        self.take_marked(cells)
    }

    fn take_marked<'a>(&self, cells: impl Iterator<Item = &'a str>) -> Option<RecordProblem> {
        let mut queue = self.0.problems.lock().ok()?;
        let problem = take_front(&mut queue, &self.0.marker, cells);
        self.0.queued.store(queue.len(), Ordering::Release);
        problem
    }

    /// Moves the problems of the markers numbered below `seq` out, for a
    /// block of records read past the CSV parser ([`CsvGuard::next_block`]).
    fn drain_before(&self, seq: u64, into: &mut BlockProblems) {
        into.0.clear();
        into.1 = Some(Arc::clone(&self.0.marker));
        let Ok(mut queue) = self.0.problems.lock() else {
            return;
        };
        while queue.front().is_some_and(|(s, _)| *s < seq) {
            if let Some(item) = queue.pop_front() {
                into.0.push_back(item);
            }
        }
        self.0.queued.store(queue.len(), Ordering::Release);
    }
}

/// The problems of the broken records in one block of CSV text, in order:
/// [`BlockProblems::take`] answers for the block's marker lines as
/// [`Broken::take`] does for a whole input.
#[derive(Debug, Default)]
pub struct BlockProblems(VecDeque<(u64, RecordProblem)>, Option<Arc<str>>);

impl BlockProblems {
    /// The problem of the broken record that `cells` stands for, when
    /// `cells` is the marker line of the block's next broken record.
    #[inline]
    pub fn take<'a>(&mut self, cells: impl Iterator<Item = &'a str>) -> Option<RecordProblem> {
        let marker = self.1.as_deref()?;
        if self.0.is_empty() {
            return None;
        }
        take_front(&mut self.0, marker, cells)
    }
}

/// The first queued problem, when `cells` is its marker line (`marker`
/// and the problem's number); anything else, such as text in the data
/// that looks like a marker, is only data.
fn take_front<'a>(
    queue: &mut VecDeque<(u64, RecordProblem)>,
    marker: &str,
    mut cells: impl Iterator<Item = &'a str>,
) -> Option<RecordProblem> {
    let first = cells.next()?;
    let seq = first.strip_prefix(marker)?;
    if cells.next().is_some() {
        return None;
    }
    let seq: u64 = seq.parse().ok()?;
    if queue.front().is_some_and(|(s, _)| *s == seq) {
        queue.pop_front().map(|(_, p)| p)
    } else {
        None
    }
}

/// A block of whole records' text, for reading on many threads, and the
/// problems of its broken records: CSV records by their marker lines,
/// NDJSON lines by their index.
#[derive(Debug, Default)]
pub struct TextBlock {
    /// The text.
    pub bytes: Vec<u8>,
    /// CSV: the problems of the block's marker lines.
    pub problems: BlockProblems,
    /// NDJSON: the lines that were too long.
    pub long: LongLines,
}

impl TextBlock {
    /// The block emptied, for a cutter to fill (its problems are set by
    /// the CSV cutter each time).
    fn cleared(&mut self) -> &mut TextBlock {
        self.bytes.clear();
        self.long.clear();
        self
    }
}

/// Where the scanner is within the current CSV record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// At the start of a field (a quote here opens a quoted field).
    FieldStart,
    /// Inside an unquoted field.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: `""` or the closing quote.
    QuoteInQuoted,
}

/// A CSV input with every record's end found first: see the module doc.
pub struct CsvGuard<R> {
    inner: R,
    delimiter: u8,
    max_record: usize,
    /// Bytes taken from `inner` and not yet handed to the parser, in
    /// `buf[..end]`; the rest is room to read into (kept, so reading
    /// needs no zeroing).
    buf: Vec<u8>,
    end: usize,
    /// `buf[..given]` has been handed out.
    given: usize,
    /// `buf[given..ready]` is whole records, ready to hand out.
    ready: usize,
    /// `buf[ready..scan]` is the scanned part of the current record.
    scan: usize,
    state: State,
    /// Where the current record's open quote is, in `buf`.
    quote_at: usize,
    /// Discarding input up to the next line end (after an oversized line).
    skipping: bool,
    eof: bool,
    /// Until the first record (the header) is handed out, only it is made
    /// ready, so a parser that reads the header holds nothing past it.
    first: bool,
    /// A read failure found while filling a block that already held
    /// records: reported by the next call.
    failed: Option<io::Error>,
    seq: u64,
    broken: Broken,
}

impl<R: BufRead> CsvGuard<R> {
    /// Guards `inner`, a CSV input split by `delimiter`, with records of at
    /// most `max_record` bytes; broken records' problems go to `broken`.
    pub fn new(inner: R, delimiter: u8, max_record: usize, broken: Broken) -> Self {
        CsvGuard {
            inner,
            delimiter,
            max_record: max_record.max(1),
            buf: Vec::new(),
            end: 0,
            given: 0,
            ready: 0,
            scan: 0,
            state: State::FieldStart,
            quote_at: 0,
            skipping: false,
            eof: false,
            first: true,
            failed: None,
            seq: 0,
            broken,
        }
    }

    /// Scans `buf[scan..]`, marking each record that ends there ready.
    fn scan_buffered(&mut self) {
        let d = self.delimiter;
        loop {
            if self.first && self.ready > 0 {
                return;
            }
            if self.scan - self.ready > self.max_record {
                self.oversized();
                if self.skipping {
                    return;
                }
                continue;
            }
            if self.scan >= self.end {
                return;
            }
            let rest = &self.buf[self.scan..self.end];
            match self.state {
                State::Quoted => match memchr::memchr(b'"', rest) {
                    Some(i) => {
                        self.scan += i + 1;
                        self.state = State::QuoteInQuoted;
                    }
                    None => self.scan = self.end,
                },
                State::QuoteInQuoted => {
                    let b = rest[0];
                    self.scan += 1;
                    self.state = match b {
                        b'"' => State::Quoted,
                        b'\n' | b'\r' => {
                            self.end_record();
                            State::FieldStart
                        }
                        _ if b == d => State::FieldStart,
                        _ => State::Unquoted,
                    };
                }
                State::FieldStart if rest[0] == b'"' => {
                    self.quote_at = self.scan;
                    self.scan += 1;
                    self.state = State::Quoted;
                }
                State::FieldStart | State::Unquoted => {
                    // The common case first: up to the next quote (or the
                    // end of the buffer) every line end ends a record, so
                    // all of those records are ready at once, with no look
                    // at each. None of them can pass the cap when the
                    // stretch they lie in does not.
                    let quote = memchr::memchr(b'"', rest).unwrap_or(rest.len());
                    if self.scan - self.ready + quote <= self.max_record {
                        let stretch = &rest[..quote];
                        let last = if self.first {
                            memchr::memchr2(b'\n', b'\r', stretch)
                        } else {
                            memchr::memrchr2(b'\n', b'\r', stretch)
                        };
                        if let Some(last) = last {
                            self.scan += last + 1;
                            self.ready = self.scan;
                            self.state = State::FieldStart;
                            continue;
                        }
                    }
                    // Only a line end, or a quote right after a delimiter,
                    // changes anything here.
                    match memchr::memchr3(b'"', b'\n', b'\r', rest) {
                        Some(i) => {
                            let at = self.scan + i;
                            self.scan = at + 1;
                            match rest[i] {
                                b'"' => {
                                    let field_start = if i == 0 {
                                        self.state == State::FieldStart
                                    } else {
                                        rest[i - 1] == d
                                    };
                                    if field_start {
                                        self.quote_at = at;
                                        self.state = State::Quoted;
                                    } else {
                                        self.state = State::Unquoted;
                                    }
                                }
                                _ => {
                                    self.end_record();
                                    self.state = State::FieldStart;
                                }
                            }
                        }
                        None => {
                            if rest.last() == Some(&d) {
                                self.state = State::FieldStart;
                            } else {
                                self.state = State::Unquoted;
                            }
                            self.scan = self.end;
                        }
                    }
                }
            }
        }
    }

    /// The current record ends at `scan`: it is ready, or broken when it
    /// is over the cap (a long line found in one jump).
    fn end_record(&mut self) {
        if self.scan - self.ready > self.max_record {
            let limit = self.max_record;
            self.break_record(self.scan, RecordProblem::TooLarge { limit });
        } else {
            self.ready = self.scan;
        }
    }

    /// Replaces the current record, up to `end`, by a marker line for
    /// `problem`, and scans on from there.
    fn break_record(&mut self, end: usize, problem: RecordProblem) {
        let marker = format!("{}{}\n", self.broken.marker(), self.seq);
        self.broken.push(self.seq, problem);
        self.seq += 1;
        self.buf.splice(self.ready..end, marker.bytes());
        self.end = self.end + marker.len() - (end - self.ready);
        self.ready += marker.len();
        self.scan = self.ready;
        self.state = State::FieldStart;
    }

    /// The end of the line where the open quote is (just past its line
    /// end), if the buffer holds it.
    fn end_of_quote_line(&self) -> Option<usize> {
        let from = self.quote_at;
        memchr::memchr2(b'\n', b'\r', &self.buf[from..self.end]).map(|i| from + i + 1)
    }

    /// Makes at least one more record ready, unless the input has ended.
    fn produce(&mut self) -> io::Result<()> {
        // Hand-out bytes are dropped before more are taken in.
        if self.given > 0 {
            self.buf.copy_within(self.given..self.end, 0);
            self.end -= self.given;
            self.ready -= self.given;
            self.scan -= self.given;
            self.quote_at = self.quote_at.saturating_sub(self.given);
            self.given = 0;
        }
        // What was read but held back behind the header.
        if self.scan < self.end && !self.skipping {
            self.scan_buffered();
        }
        while self.ready == 0 && !self.eof {
            if self.skipping {
                self.skip_line()?;
                continue;
            }
            // Straight from the input into the buffer: a read as large as
            // the input's own buffer passes it by, so each byte is copied
            // once.
            if self.buf.len() < self.end + READ_SIZE {
                self.buf.resize(self.end + READ_SIZE, 0);
            }
            let n = match self
                .inner
                .read(&mut self.buf[self.end..self.end + READ_SIZE])
            {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                self.eof = true;
            } else {
                self.end += n;
                self.scan_buffered();
            }
        }
        if self.eof {
            self.finish();
        }
        Ok(())
    }

    /// Drops input up to the end of the line an oversized record is on,
    /// without holding it.
    fn skip_line(&mut self) -> io::Result<()> {
        let data = self.inner.fill_buf()?;
        if data.is_empty() {
            self.eof = true;
            return Ok(());
        }
        match memchr::memchr2(b'\n', b'\r', data) {
            Some(i) => {
                self.inner.consume(i + 1);
                self.skipping = false;
            }
            None => {
                let n = data.len();
                self.inner.consume(n);
            }
        }
        Ok(())
    }

    /// After the input has ended: the last record may lack a line end, and
    /// a quote still open ends its record with the line it opened on (what
    /// follows that line is read again, as records).
    fn finish(&mut self) {
        self.first = false;
        while self.ready < self.end {
            if self.state == State::Quoted {
                let end = self.end_of_quote_line().unwrap_or(self.end);
                self.break_record(end, RecordProblem::UnclosedQuote);
                self.scan_buffered();
            } else {
                self.ready = self.end;
            }
        }
    }

    /// The current record has passed the cap without ending.
    fn oversized(&mut self) {
        let limit = self.max_record;
        if matches!(self.state, State::Quoted | State::QuoteInQuoted) {
            if let Some(end) = self.end_of_quote_line() {
                // A quote that runs on past the cap (most likely one never
                // closed): read again from the line after it opened.
                self.break_record(end, RecordProblem::TooLarge { limit });
                self.scan_buffered();
                return;
            }
        }
        // One line longer than the cap: drop it up to its end, skipping
        // the input there when the buffer does not hold that end.
        match memchr::memchr2(b'\n', b'\r', &self.buf[self.scan..self.end]) {
            Some(i) => {
                let end = self.scan + i + 1;
                self.break_record(end, RecordProblem::TooLarge { limit });
            }
            None => {
                let end = self.end;
                self.break_record(end, RecordProblem::TooLarge { limit });
                self.skipping = true;
            }
        }
    }
}

impl<R: BufRead> CsvGuard<R> {
    /// Sets `block` to whole records, at least `min` bytes of them unless
    /// the input ends, with the problems of the broken records among them
    /// ([`TextBlock::problems`]): for reading on many threads, where
    /// each block is parsed on its own (every block starts at a record's
    /// start). Only for a guard whose parser has read nothing but the
    /// header. An empty block is the end of the input. A read failure
    /// after some records is reported by the next call, so no whole record
    /// read before it is lost.
    pub fn next_block(&mut self, block: &mut TextBlock, min: usize) -> io::Result<()> {
        let TextBlock {
            bytes: block,
            problems,
            ..
        } = block.cleared();
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        self.first = false;
        while block.len() < min {
            if self.given == self.ready {
                match self.produce() {
                    Ok(()) => {}
                    Err(e) if block.is_empty() => return Err(e),
                    Err(e) => {
                        self.failed = Some(e);
                        break;
                    }
                }
                if self.given == self.ready {
                    break;
                }
            }
            block.extend_from_slice(&self.buf[self.given..self.ready]);
            self.given = self.ready;
        }
        // Every marker made so far lies in a block handed out by now.
        self.broken.drain_before(self.seq, problems);
        Ok(())
    }
}

impl<R: BufRead> Read for CsvGuard<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.given == self.ready {
            self.first = self.first && self.ready == 0;
            self.produce()?;
        }
        let n = (self.ready - self.given).min(out.len());
        out[..n].copy_from_slice(&self.buf[self.given..self.given + n]);
        self.given += n;
        Ok(n)
    }
}

/// One NDJSON line, or why it is not one.
pub enum Line {
    /// The line's text, without its line end.
    Text(String),
    /// A line that is not UTF-8, or longer than the cap.
    Broken(RecordProblem),
}

/// The lines of an input, each at most a cap in bytes: a longer one is a
/// [`Line::Broken`], skipped to its end without being held in memory.
pub struct BoundedLines<R> {
    inner: R,
    max: usize,
    buf: Vec<u8>,
    /// A read failure after some lines of a block, reported by the next
    /// call of [`BoundedLines::next_block`].
    failed: Option<io::Error>,
}

/// The lines of a block ([`BoundedLines::next_block`]) that are not
/// there: each too long, by its index among the block's lines (a line of
/// its own, empty, stands in for it).
pub type LongLines = Vec<(usize, RecordProblem)>;

impl<R: BufRead> BoundedLines<R> {
    /// The lines of `inner`, each at most `max` bytes.
    pub fn new(inner: R, max: usize) -> Self {
        BoundedLines {
            inner,
            max: max.max(1),
            buf: Vec::new(),
            failed: None,
        }
    }

    /// Appends the next line, with its line end, to `out`: `Ok(true)`
    /// when it was longer than the cap (then skipped to its end, and
    /// `out` left as it was), `None` at the end of the input.
    fn line_into(&mut self, out: &mut Vec<u8>) -> Option<io::Result<bool>> {
        let start = out.len();
        let mut too_large = false;
        let mut any = false;
        loop {
            let data = match self.inner.fill_buf() {
                Ok(d) => d,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    out.truncate(start);
                    return Some(Err(e));
                }
            };
            if data.is_empty() {
                return any.then_some(Ok(too_large));
            }
            any = true;
            let (take, done) = match memchr::memchr(b'\n', data) {
                Some(i) => (i + 1, true),
                None => (data.len(), false),
            };
            if !too_large {
                let room = self.max.saturating_sub(out.len() - start);
                if take > room + usize::from(done) {
                    too_large = true;
                    out.truncate(start);
                } else {
                    out.extend_from_slice(&data[..take]);
                }
            }
            self.inner.consume(take);
            if done {
                return Some(Ok(too_large));
            }
        }
    }

    /// Sets `block` to whole lines, at least `min` bytes of them unless the
    /// input ends, every line ended by `\n` but the input's last (as it
    /// was given); a line longer than the cap is an empty line there, its
    /// problem in [`TextBlock::long`] by its index among the block's lines.
    /// For reading on many threads, where each block is read on its own.
    /// An empty block is the end of the input. A read failure after some
    /// lines is reported by the next call, so no whole line read before
    /// it is lost.
    pub fn next_block(&mut self, block: &mut TextBlock, min: usize) -> io::Result<()> {
        let TextBlock {
            bytes: block, long, ..
        } = block.cleared();
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let mut lines = 0;
        while block.len() < min {
            // The whole lines in the input's buffer, none past the cap, are
            // copied at once; a line that is longer, or that runs past the
            // buffer's end, is read on its own below.
            let data = match self.inner.fill_buf() {
                Ok(data) => data,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => &[],
            };
            let mut whole = 0;
            for end in memchr::memchr_iter(b'\n', data) {
                if end - whole > self.max {
                    break;
                }
                whole = end + 1;
                lines += 1;
                if block.len() + whole >= min {
                    break;
                }
            }
            if whole > 0 {
                block.extend_from_slice(&data[..whole]);
                self.inner.consume(whole);
                continue;
            }
            match self.line_into(block) {
                None => break,
                Some(Ok(too_large)) => {
                    if too_large {
                        long.push((lines, RecordProblem::TooLarge { limit: self.max }));
                        block.push(b'\n');
                    }
                    lines += 1;
                }
                Some(Err(e)) if block.is_empty() && long.is_empty() => return Err(e),
                Some(Err(e)) => {
                    self.failed = Some(e);
                    break;
                }
            }
        }
        Ok(())
    }
}

/// The lines of a block ([`BoundedLines::next_block`]), each with its
/// line end (the input's last may have none), found with `memchr`.
pub fn block_lines(block: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', block);
    std::iter::from_fn(move || {
        let end = match ends.next() {
            Some(i) => i + 1,
            None if start < block.len() => block.len(),
            None => return None,
        };
        let line = block.get(start..end);
        start = end;
        line
    })
}

/// A line of a block without its line end (`\n`, and a `\r` before it).
pub fn without_line_end(mut line: &[u8]) -> &[u8] {
    if let Some(rest) = line.strip_suffix(b"\n") {
        line = rest.strip_suffix(b"\r").unwrap_or(rest);
    }
    line
}

/// The problem of a line that is not UTF-8 text.
pub fn not_utf8() -> RecordProblem {
    RecordProblem::Malformed("it is not valid UTF-8 text".to_string())
}

impl<R: BufRead> Iterator for BoundedLines<R> {
    type Item = io::Result<Line>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let read = self.line_into(&mut buf);
        let line = match read {
            Some(Ok(false)) => {
                buf.truncate(without_line_end(&buf).len());
                String::from_utf8(buf).map_or_else(|_| Line::Broken(not_utf8()), Line::Text)
            }
            Some(Ok(true)) => {
                self.buf = buf;
                Line::Broken(RecordProblem::TooLarge { limit: self.max })
            }
            Some(Err(e)) => return Some(Err(e)),
            None => return None,
        };
        Some(Ok(line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guarded(input: &str, max: usize) -> (Vec<Vec<String>>, Vec<RecordProblem>) {
        let broken = Broken::default();
        let guard = CsvGuard::new(input.as_bytes(), b',', max, broken.clone());
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(guard);
        let mut rows = Vec::new();
        let mut problems = Vec::new();
        for record in reader.records() {
            let record = record.expect("a record");
            match broken.take(record.iter()) {
                Some(p) => {
                    problems.push(p);
                    rows.push(vec!["<broken>".to_string()]);
                }
                None => rows.push(record.iter().map(String::from).collect()),
            }
        }
        (rows, problems)
    }

    fn plain(input: &str) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input.as_bytes())
            .records()
            .map(|r| r.expect("a record").iter().map(String::from).collect())
            .collect()
    }

    #[test]
    fn good_csv_passes_through_unchanged() {
        for input in [
            "id,n,note\n1,1,\"a, b\"\n2,2,\"multi\nline\"\n3,3,5\" screen\n",
            "a,b\r\n1,\"x\"\"y\"\r\n2,\"\"\r\n",
            "a,b\n1,2",
            "a,\"b\"c,d\n",
            "",
            "\n\n1,2\n\n",
        ] {
            let (rows, problems) = guarded(input, 1 << 20);
            assert!(problems.is_empty(), "{input:?}");
            assert_eq!(rows, plain(input), "{input:?}");
        }
    }

    #[test]
    fn an_unclosed_quote_breaks_only_its_own_line() {
        let (rows, problems) = guarded("id,n,note\n1,1,\"oops\n2,2,fine\n3,3,fine\n", 1 << 20);
        assert_eq!(problems, vec![RecordProblem::UnclosedQuote]);
        assert_eq!(
            rows,
            vec![
                vec!["id", "n", "note"],
                vec!["<broken>"],
                vec!["2", "2", "fine"],
                vec!["3", "3", "fine"],
            ]
        );
    }

    #[test]
    fn a_marker_written_in_the_data_is_only_data() {
        let input = "a\n\u{1}lq-broken-record-0\nb\n";
        let (rows, problems) = guarded(input, 1 << 20);
        assert!(problems.is_empty());
        assert_eq!(rows, plain(input));
    }

    /// Text in the data that copies the marker of the next broken record
    /// (found in the same read, before the parser reaches that text) is
    /// still only data: markers carry a number no input can guess.
    #[test]
    fn a_forged_marker_before_a_broken_record_is_only_data() {
        for forged in [
            "\u{1}lq-broken-record-0",
            &format!("{}0", Broken::default().marker()),
        ] {
            let long = "x".repeat(100);
            let input = format!("a\n{forged}\n{long}\nb\n");
            let (rows, problems) = guarded(&input, 80);
            assert_eq!(problems, vec![RecordProblem::TooLarge { limit: 80 }]);
            assert_eq!(rows[1], vec![forged.to_string()], "{forged:?}");
            assert_eq!(rows[2], vec!["<broken>"]);
            assert_eq!(rows[3], vec!["b"]);
        }
    }

    #[test]
    fn an_oversized_record_is_skipped_to_its_line_end() {
        let long = "x".repeat(5000);
        let input = format!("a,b\n1,{long}\n2,ok\n3,\"{long}\n4,ok\n");
        let (rows, problems) = guarded(&input, 1000);
        assert_eq!(
            problems,
            vec![
                RecordProblem::TooLarge { limit: 1000 },
                RecordProblem::TooLarge { limit: 1000 }
            ]
        );
        assert_eq!(rows.len(), 5, "{rows:?}");
        assert_eq!(rows[2], vec!["2", "ok"]);
        assert_eq!(rows[4], vec!["4", "ok"]);
    }

    #[test]
    fn a_quote_open_past_the_cap_resumes_after_its_line() {
        let mut input = String::from("a,b\n1,\"open\n");
        for i in 0..100 {
            input.push_str(&format!("{i},fine\n"));
        }
        let (rows, problems) = guarded(&input, 200);
        assert_eq!(problems, vec![RecordProblem::TooLarge { limit: 200 }]);
        assert_eq!(rows.len(), 102);
        assert_eq!(rows[2], vec!["0", "fine"]);
    }

    #[test]
    fn long_lines_are_capped() {
        let input = format!("{{\"a\":1}}\n{}\n{{\"a\":2}}\n", "y".repeat(100));
        let lines: Vec<Line> = BoundedLines::new(input.as_bytes(), 50)
            .map(|l| l.expect("read"))
            .collect();
        assert_eq!(lines.len(), 3);
        assert!(matches!(&lines[0], Line::Text(t) if t == "{\"a\":1}"));
        assert!(matches!(
            &lines[1],
            Line::Broken(RecordProblem::TooLarge { limit: 50 })
        ));
        assert!(matches!(&lines[2], Line::Text(t) if t == "{\"a\":2}"));
    }

    /// Blocks of NDJSON hold whole lines, each ended by `\n` but the
    /// input's last, a too-long line as an empty line with its problem by
    /// index; their lines are the lines read one at a time.
    #[test]
    fn ndjson_blocks_are_whole_lines_and_long_lines_stand_empty() {
        let input = format!(
            "{{\"a\":1}}\r\n\n{}\n{{\"a\":2}}\n{}\n{}\n\"é\r",
            "y".repeat(100),
            "z".repeat(51),
            "w".repeat(50)
        );
        let one: Vec<String> = BoundedLines::new(input.as_bytes(), 50)
            .map(|l| match l.expect("read") {
                Line::Text(t) => t,
                Line::Broken(p) => format!("<{p}>"),
            })
            .collect();
        for min in [1, 9, 30, 1000] {
            let mut lines = BoundedLines::new(input.as_bytes(), 50);
            let mut text = TextBlock::default();
            let mut many = Vec::new();
            loop {
                lines.next_block(&mut text, min).expect("read");
                let TextBlock {
                    bytes: block, long, ..
                } = &text;
                if block.is_empty() {
                    break;
                }
                assert!(
                    block.ends_with(b"\n") || block.ends_with(b"\r"),
                    "whole lines"
                );
                for (i, line) in block_lines(block).enumerate() {
                    many.push(match long.iter().find(|(at, _)| *at == i) {
                        Some((_, p)) => {
                            assert_eq!(line, b"\n", "a long line stands empty");
                            format!("<{p}>")
                        }
                        None => String::from_utf8(without_line_end(line).to_vec()).expect("text"),
                    });
                }
            }
            assert_eq!(many, one, "blocks of at least {min} bytes");
        }
        assert_eq!(one.len(), 7);
        assert_eq!(
            (&one[0][..], &one[1][..], &one[6][..]),
            ("{\"a\":1}", "", "\"\u{e9}\r")
        );
        assert!(one[2].starts_with('<') && one[4].starts_with('<') && !one[5].starts_with('<'));
    }

    /// A read that fails after some lines of a block: the block keeps
    /// them, and the failure comes with the next call.
    #[test]
    fn a_failed_read_ends_the_ndjson_block_and_comes_next() {
        struct Failing(Vec<u8>);
        impl Read for Failing {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() {
                    return Err(io::Error::other("the disk went away"));
                }
                let n = self.0.len().min(out.len()).min(7);
                out[..n].copy_from_slice(&self.0[..n]);
                self.0.drain(..n);
                Ok(n)
            }
        }
        let input = io::BufReader::new(Failing(b"{\"a\":1}\n{\"a\":2}\n{\"a\"".to_vec()));
        let mut lines = BoundedLines::new(input, 50);
        let mut block = TextBlock::default();
        lines
            .next_block(&mut block, 1000)
            .expect("the lines before");
        assert_eq!(block.bytes, b"{\"a\":1}\n{\"a\":2}\n");
        let failed = lines.next_block(&mut block, 1000);
        assert!(failed.is_err_and(|e| e.to_string() == "the disk went away"));
        assert!(block.bytes.is_empty());
    }

    #[test]
    fn the_header_is_handed_out_alone_and_blocks_are_whole_records() {
        let input = "a,b\n1,\"x\ny\"\r\n2,3\n\"open\n4,5\n6,7";
        let broken = Broken::default();
        let mut guard = CsvGuard::new(input.as_bytes(), b',', 64, broken.clone());
        let mut first = [0u8; 64];
        let n = guard.read(&mut first).expect("reads");
        assert_eq!(&first[..n], b"a,b\n", "only the header");
        let mut blocks = Vec::new();
        let mut text = TextBlock::default();
        loop {
            guard.next_block(&mut text, 1).expect("reads");
            let TextBlock {
                bytes: block,
                problems,
                ..
            } = &mut text;
            if block.is_empty() {
                break;
            }
            let text = String::from_utf8_lossy(block).into_owned();
            if text.starts_with(broken.marker()) {
                assert_eq!(problems.0.len(), 1, "the block carries its problem");
                let marker = text.lines().next().unwrap_or("");
                assert!(problems.take(std::iter::once(marker)).is_some());
            }
            blocks.push(text);
        }
        // Each block is a stretch of whole records: the quoted line end
        // stays inside its record, and the unclosed quote is broken off
        // with the line it opened on, its problem handed on with it.
        assert_eq!(
            blocks,
            [
                "1,\"x\ny\"\r\n2,3\n",
                &format!("{}0\n4,5\n6,7", broken.marker())
            ]
        );
    }
}
