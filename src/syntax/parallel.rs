//! Parsing a large policy on several threads: the text is cut at
//! declaration boundaries ([`super::split::boundaries`]) into one stretch
//! per thread, each stretch is parsed on its own thread in one run of the
//! grammar (declaration by declaration, [`super::incremental`], only if
//! that run fails: a per-declaration cache is of no use to a text parsed
//! once), and the items are moved to their places in the whole text.
//!
//! Only a policy that parses cleanly takes this road: if any stretch has
//! an error (or a boundary was guessed wrong), the whole text is parsed
//! again on one thread, so errors are reported exactly as ever.

use super::incremental::Reparser;
use super::parser::{finish, parse_alone, Parsed};
use super::shift::Shift;
use super::split::boundaries;

/// The smallest text worth parsing on several threads: below it, starting
/// the threads costs more than they save.
pub const PARALLEL_FROM: usize = 64 * 1024;

/// One stretch, in one run of the grammar; declaration by declaration
/// ([`super::incremental`]) when that run fails.
fn parse_stretch(stretch: &str) -> Parsed {
    match parse_alone(stretch) {
        Some(items) => finish(items, Vec::new(), Vec::new()),
        None => Reparser::new().parse_within_limits(stretch, Vec::new()),
    }
}

/// Parses `text` (within the size and nesting limits) on up to `threads`
/// threads; `None` when it is small, one thread is all there is, or a
/// stretch has an error.
pub fn parse_parallel(text: &str, threads: usize) -> Option<Parsed> {
    if text.len() < PARALLEL_FROM || threads < 2 {
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
    if starts.len() < 2 {
        return None;
    }
    let ends: Vec<usize> = starts[1..]
        .iter()
        .copied()
        .chain(std::iter::once(text.len()))
        .collect();
    let stretches: Vec<(usize, &str)> = starts
        .iter()
        .zip(&ends)
        .map(|(&s, &e)| (s, &text[s..e]))
        .collect();
    let parsed: Vec<Option<Parsed>> = std::thread::scope(|scope| {
        let handles: Vec<_> = stretches
            .iter()
            .skip(1)
            .map(|(_, stretch)| {
                std::thread::Builder::new()
                    .spawn_scoped(scope, move || parse_stretch(stretch))
                    .ok()
            })
            .collect();
        let first = parse_stretch(stretches[0].1);
        std::iter::once(Some(first))
            .chain(handles.into_iter().map(|h| h.and_then(|h| h.join().ok())))
            .collect()
    });
    let mut items = Vec::new();
    let mut line = 1;
    let mut last = 0;
    for ((start, _), stretch) in stretches.iter().zip(parsed) {
        let stretch = stretch?;
        if !stretch.errors.is_empty() || !stretch.broken.is_empty() {
            return None;
        }
        line += crate::source::count_byte(&text.as_bytes()[last..*start], b'\n');
        last = *start;
        let placed = Shift {
            bytes: *start as isize,
            lines: line as isize - 1,
        };
        placed.append(stretch.policy?.items, &mut items);
    }
    Some(finish(items, Vec::new(), Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parser::recover_in;

    /// A large policy parsed on 2, 3 and 4 threads gives the tree of one
    /// parse of the whole text, spans and lines included; one with an
    /// error is left to the one-thread parse.
    #[test]
    fn equals_a_whole_parse() {
        let base = include_str!("../../examples/inbound-saas.lq");
        let mut text = base.to_string();
        let mut n = 0;
        while text.len() < PARALLEL_FROM * 2 {
            n += 1;
            text.push_str(&format!(
                "\nrule r{n}: when visits > {n}\n  and budget >= {n}k then tier B\n"
            ));
        }
        let whole = recover_in(&text);
        assert!(whole.errors.is_empty());
        for threads in [2, 3, 4] {
            let parsed = parse_parallel(&text, threads).expect("parsed on threads");
            assert_eq!(
                format!("{:?}", parsed.policy),
                format!("{:?}", whole.policy),
                "{threads} threads"
            );
            assert!(parsed.errors.is_empty());
        }
        let broken = text.replace("rule r700:", "rule r700 when");
        assert!(parse_parallel(&broken, 2).is_none());
        assert!(parse_parallel(base, 2).is_none(), "a small policy");
    }
}
