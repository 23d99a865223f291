//! Parsing a large policy on several threads: the text is cut at
//! declaration boundaries ([`super::split::boundaries`]) into one stretch
//! per thread (the whole text on one), each stretch is parsed on its own
//! thread a piece of a few dozen declarations at a time (one run of the
//! grammar each, so pest's token queue stays small and its memory is
//! reused), and the items are moved to their places in the whole text on
//! the thread that parsed them.
//!
//! Only a policy that parses cleanly takes this road: if any piece has
//! an error (or a boundary was guessed wrong), the whole text is parsed
//! again declaration by declaration ([`super::incremental`]), which
//! reports errors exactly as one run over the whole text would (and
//! joins a declaration cut at a wrong boundary to the next).

use super::ast::Item;
use super::parser::{finish, parse_alone, Parsed};
use super::shift::Shift;
use super::split::boundaries;
use crate::source::count_byte;

/// The smallest text worth parsing on several threads, and a piece at a
/// time: below it, starting the threads costs more than they save, and
/// one run of the grammar over the whole text needs little memory.
pub const PARALLEL_FROM: usize = 64 * 1024;

/// The largest piece of a stretch given to one run of the grammar: pest
/// keeps a token for every rule it enters until the run ends, so a
/// stretch is parsed a piece at a time, each piece's tokens freed (and
/// their memory reused) before the next.
const PIECE: usize = 16 * 1024;

/// One stretch of the whole text, `start..end`, whose declarations start
/// at `cuts`: parsed a piece of about [`PIECE`] bytes at a time, each in
/// one run of the grammar, and its items moved to their places in the
/// whole text; `None` if a piece does not parse.
fn parse_stretch(text: &str, start: usize, end: usize, cuts: &[usize]) -> Option<Vec<Item>> {
    let mut items = Vec::new();
    let mut line = 1 + count_byte(&text.as_bytes()[..start], b'\n');
    let mut from = start;
    while from < end {
        // The last cut within a piece's length, or the next cut when a
        // declaration is longer than a piece.
        let within = cuts.partition_point(|&c| c <= from.saturating_add(PIECE));
        let to = cuts[..within]
            .last()
            .copied()
            .filter(|&c| c > from)
            .or_else(|| cuts.get(within).copied())
            .filter(|&c| c < end)
            .unwrap_or(end);
        let piece = &text[from..to];
        let placed = Shift {
            bytes: from as isize,
            lines: line as isize - 1,
        };
        placed.append(parse_alone(piece)?, &mut items);
        line += count_byte(piece.as_bytes(), b'\n');
        from = to;
    }
    Some(items)
}

/// Parses `text` (within the size and nesting limits) on up to `threads`
/// threads (on one, this thread parses the whole text a piece at a time);
/// `None` when it is small or a piece has an error.
pub fn parse_parallel(text: &str, threads: usize) -> Option<Parsed> {
    if text.len() < PARALLEL_FROM {
        return None;
    }
    let cuts = boundaries(text);
    // One cut near each 1/threads of the text, at a boundary.
    let mut starts = vec![0];
    for k in 1..threads {
        let goal = text.len() * k / threads;
        let at = cuts.partition_point(|&c| c < goal);
        if let Some(&cut) = cuts.get(at) {
            if cut > *starts.last().unwrap_or(&0) && cut < text.len() {
                starts.push(cut);
            }
        }
    }
    let ends = starts[1..].iter().copied().chain([text.len()]);
    let stretches: Vec<(usize, usize)> = starts.iter().copied().zip(ends).collect();
    let cuts = &cuts;
    let parsed: Vec<Option<Vec<Item>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = stretches
            .iter()
            .skip(1)
            .map(|&(start, end)| {
                std::thread::Builder::new()
                    .spawn_scoped(scope, move || parse_stretch(text, start, end, cuts))
                    .ok()
            })
            .collect();
        let (start, end) = stretches[0];
        let first = parse_stretch(text, start, end, cuts);
        std::iter::once(first)
            .chain(
                handles
                    .into_iter()
                    .map(|h| h.and_then(|h| h.join().ok()).flatten()),
            )
            .collect()
    });
    let mut items = Vec::new();
    for stretch in parsed {
        items.extend(stretch?);
    }
    Some(finish(items, Vec::new(), Vec::new()))
}

/// The inbound example followed by rules `r1`, `r2`, … (each on two
/// lines, `visits > N` then `budget >= Nk`) until the text is at least
/// `len` bytes: a large policy for the tests of parsing it.
#[cfg(test)]
pub(super) fn large_policy(len: usize) -> String {
    let mut text = include_str!("../../examples/inbound-saas.lq").to_string();
    let mut n = 0;
    while text.len() < len {
        n += 1;
        text.push_str(&format!(
            "\nrule r{n}: when visits > {n}\n  and budget >= {n}k then tier B\n"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parser::recover_in;

    /// Holds the parse of `text` on each of `threads` to one parse of the
    /// whole text, spans and lines included.
    fn assert_parses_as_whole(text: &str, threads: &[usize]) {
        let whole = recover_in(text);
        assert!(whole.errors.is_empty(), "{:?}", whole.errors);
        for &threads in threads {
            let parsed = parse_parallel(text, threads).expect("parsed on threads");
            assert!(parsed.errors.is_empty());
            assert_eq!(
                format!("{:?}", parsed.policy),
                format!("{:?}", whole.policy),
                "{threads} threads"
            );
        }
    }

    /// A large policy parsed on 1 to 4 threads gives the tree of one
    /// parse of the whole text, spans and lines included; one with an
    /// error is left to the one-thread parse.
    #[test]
    fn equals_a_whole_parse() {
        let text = large_policy(PARALLEL_FROM * 2);
        assert_parses_as_whole(&text, &[1, 2, 3, 4]);
        // A declaration longer than a piece, among short ones, in each
        // stretch.
        let long = (0..3 * PIECE / 20)
            .map(|k| format!("visits = {k}"))
            .collect::<Vec<_>>()
            .join("\n  or ");
        let mut pieced = String::new();
        let mut inserted = 0;
        for (k, line) in text.lines().enumerate() {
            pieced.push_str(line);
            pieced.push('\n');
            // After a blank line (between declarations), about every
            // 2,000 lines.
            if line.is_empty() && k >= 1000 + 2000 * inserted {
                pieced.push_str(&format!("rule long{k}: when {long}\n  then tier A\n"));
                inserted += 1;
            }
        }
        assert!(inserted >= 2, "{inserted} long declarations");
        assert_parses_as_whole(&pieced, &[1, 2, 3]);
        let broken = text.replace("rule r700:", "rule r700 when");
        assert!(parse_parallel(&broken, 2).is_none());
        assert!(parse_parallel(&broken, 1).is_none());
        let small = include_str!("../../examples/inbound-saas.lq");
        assert!(parse_parallel(small, 2).is_none(), "a small policy");
    }

    /// Every example policy, one after another until the text is many
    /// pieces long: every kind of declaration, comments and blank lines
    /// between them, parsed on threads a piece at a time, gives the tree
    /// of one parse of the whole text.
    #[test]
    fn every_kind_of_declaration_across_pieces() {
        let examples = [
            include_str!("../../examples/bank-telemarketing.lq"),
            include_str!("../../examples/bant.lq"),
            include_str!("../../examples/fit-engagement-matrix.lq"),
            include_str!("../../examples/gates-and-routing.lq"),
            include_str!("../../examples/inbound-saas.lq"),
            include_str!("../../examples/pardot-grades.lq"),
        ];
        let mut text = String::new();
        while text.len() < 8 * PIECE {
            for example in examples {
                text.push_str(example);
                text.push('\n');
            }
        }
        assert_parses_as_whole(&text, &[1, 2, 3, 5]);
    }
}
