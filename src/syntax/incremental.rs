//! Incremental parsing: a policy parsed again after an edit re-parses only
//! the declarations whose text changed. Each declaration (the text from one
//! boundary to the next, [`super::split::boundaries`]) is parsed on its own
//! and kept by its text; an unchanged declaration is moved to its new place
//! ([`super::shift`]) instead of parsed again. The language server keeps
//! one [`Reparser`] per open document.
//!
//! The result is the same as [`super::parse_recovering`]'s: the same
//! declarations and spans, the same errors in the same words.

use std::hash::BuildHasher;

use super::ast::{Item, Policy};
use super::parser::{finish, over_limits, parse_alone, recover_in, Parsed, MAX_SYNTAX_ERRORS};
use super::shift::Shift;
use super::split::{boundaries, Broken};
use crate::source::Span;

/// Parses successive versions of one policy, re-parsing only what changed.
#[derive(Debug, Default)]
pub struct Reparser {
    /// Each declaration of the last version, by the hash and length of its
    /// text: where it was, and which of the items of the last result it
    /// parsed to. (A hit is compared with the text itself before it is
    /// used; keys, not copies of every declaration, keep a change to a
    /// large policy from allocating thousands of strings.)
    cache: foldhash::HashMap<(u64, usize), Entry>,
    /// The last version's text.
    last_text: String,
    /// How many items the last result had.
    items: usize,
    /// For each item of the last result, the item of the result before it
    /// that it was moved from (`None`: parsed anew).
    origins: Vec<Option<usize>>,
}

/// Where a declaration was in the last version, and what it parsed to.
#[derive(Clone, Copy, Debug)]
struct Entry {
    /// Its offset.
    start: usize,
    /// Its line (1-based).
    line: usize,
    /// Its items in the last result: from `first`, `count` of them; `None`
    /// when it did not parse on its own.
    items: Option<(usize, usize)>,
}

impl Reparser {
    /// A reparser with nothing parsed yet.
    pub fn new() -> Reparser {
        Reparser::default()
    }

    /// For each item of the last result, the index of the item of the
    /// result before it whose text it has (moved, not parsed again), or
    /// `None` when it was parsed anew: what a check of the new tree may
    /// carry over from the check of the old one.
    pub fn origins(&self) -> &[Option<usize>] {
        &self.origins
    }

    /// Parses `text`, reusing every declaration unchanged since the last
    /// call. `previous` is the syntax tree that call returned (its
    /// declarations are moved, not parsed again); without it, or with
    /// another tree, everything is parsed again.
    pub fn parse(&mut self, text: &str, previous: Option<Policy>) -> Parsed {
        if let Some(refused) = over_limits(text) {
            self.cache.clear();
            self.last_text.clear();
            self.items = 0;
            self.origins.clear();
            return refused;
        }
        let previous = previous
            .filter(|p| p.items.len() == self.items)
            .map(|p| p.items.into_iter().map(Some).collect())
            .unwrap_or_default();
        self.parse_within_limits(text, previous)
    }

    /// [`Reparser::parse`] of a text known to be within the size and
    /// nesting limits; `previous` holds the last result's items.
    pub(super) fn parse_within_limits(
        &mut self,
        text: &str,
        mut previous: Vec<Option<Item>>,
    ) -> Parsed {
        let mut cuts = vec![0];
        cuts.extend(boundaries(text).into_iter().filter(|&b| b > 0));
        cuts.push(text.len());
        cuts.dedup();
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let line_of = |offset: usize| line_starts.partition_point(|&s| s <= offset);
        let mut last = std::mem::take(&mut self.cache);
        let last_text = std::mem::take(&mut self.last_text);
        self.cache.reserve(cuts.len());
        let hasher = foldhash::fast::FixedState::default();
        let (mut items, mut errors, mut broken) = (Vec::new(), Vec::new(), Vec::new());
        self.origins.clear();
        let mut i = 0;
        while i + 1 < cuts.len() {
            let (start, end) = (cuts[i], cuts[i + 1]);
            let piece = &text[start..end];
            let line = line_of(start);
            // From a parse of this stretch alone (spans from 0, lines from 1)
            // to its place in the text.
            let placed = Shift {
                bytes: start as isize,
                lines: line as isize - 1,
            };
            let first = items.len();
            let key = (hasher.hash_one(piece), piece.len());
            let reused = last
                .remove(&key)
                .filter(|entry| {
                    last_text.get(entry.start..entry.start + piece.len()) == Some(piece)
                })
                .and_then(|entry| take(&mut previous, entry))
                .map(|(entry, taken)| {
                    let shift = Shift {
                        bytes: start as isize - entry.start as isize,
                        lines: line as isize - entry.line as isize,
                    };
                    let from = entry.items.map_or(0, |(first, _)| first);
                    // Items parsed anew since the last reused ones: none.
                    self.origins.resize(items.len(), None);
                    self.origins.extend((from..).take(taken.len()).map(Some));
                    shift.append(taken, &mut items);
                })
                .is_some();
            let parsed_alone = reused
                || match parse_alone(piece) {
                    Some(alone) => {
                        placed.append(alone, &mut items);
                        true
                    }
                    None => false,
                };
            let entry = Entry {
                start,
                line,
                items: parsed_alone.then_some((first, items.len() - first)),
            };
            self.cache.insert(key, entry);
            if parsed_alone {
                i += 1;
                continue;
            }
            if errors.len() >= MAX_SYNTAX_ERRORS {
                broken.push(Broken::new(text, Span::new(start, text.len())));
                break;
            }
            // It does not parse alone: parse it with the next declaration,
            // which either completes it (a boundary guessed wrong) or gives
            // the error in the same words as a parse of the whole file.
            let next = cuts.get(i + 2).copied().unwrap_or(text.len());
            let together = recover_in(&text[start..next]);
            if together.errors.is_empty() {
                if let Some(policy) = together.policy {
                    placed.append(policy.items, &mut items);
                    i += 2;
                    continue;
                }
            }
            let mut own: Vec<_> = together
                .errors
                .iter()
                .filter(|e| e.span().start < end - start)
                .cloned()
                .collect();
            if own.is_empty() {
                own = together.errors.into_iter().take(1).collect();
            }
            errors.extend(own.into_iter().map(|e| e.shifted(start)));
            broken.push(Broken::new(text, Span::new(start, end)));
            i += 1;
        }
        self.items = items.len();
        self.origins.resize(items.len(), None);
        self.last_text = last_text;
        self.last_text.clear();
        self.last_text.push_str(text);
        finish(items, errors, broken)
    }
}

/// The items a cached declaration parsed to, taken out of the last
/// result; `None` if it did not parse alone, or the last result is not
/// there (or not the one the cache describes).
fn take(previous: &mut [Option<Item>], entry: Entry) -> Option<(Entry, Vec<Item>)> {
    let (first, count) = entry.items?;
    let slots = previous.get_mut(first..first + count)?;
    // The first item starts where the declaration did: the same tree.
    let fits = slots
        .first()
        .is_none_or(|item| item.as_ref().is_some_and(|i| i.span().start == entry.start));
    if !fits || slots.iter().any(Option::is_none) {
        return None;
    }
    Some((entry, slots.iter_mut().filter_map(Option::take).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reparser's result, spans and lines included, equals recovery
    /// over the whole text, before and after edits.
    #[test]
    fn equals_a_whole_parse_through_edits() {
        let base = include_str!("../../examples/inbound-saas.lq");
        let versions = [
            base.to_string(),
            base.replace("tiers A > B > C", "tiers A > B > C\nlet extra = visits > 3"),
            base.replace("+10 when icp_size", "+10 when icp_size &&"),
            base.replace("rule hot:", "rule hot:\n "),
            format!("{base}\nwhen budget > 1 and rol"),
            base.replace("score fit {", "score fit {\n  +1 when (visits > 1\n"),
            String::new(),
            "# only a comment\n".to_string(),
        ];
        let mut reparser = Reparser::new();
        let mut last: Option<(&str, Policy)> = None;
        let mut moved = 0;
        for text in versions.iter().chain(versions.iter().rev()) {
            // The whole text with recovery after each error, as one stretch.
            let fresh = recover_in(text);
            let spans = |p: &Policy| p.items.iter().map(Item::span).collect::<Vec<_>>();
            let before = last.as_ref().map(|(t, p)| (*t, spans(p)));
            let again = reparser.parse(text, last.take().map(|(_, p)| p));
            assert_eq!(
                format!("{:?}", again.policy),
                format!("{:?}", fresh.policy),
                "{text}"
            );
            assert_eq!(
                format!("{:?}", again.errors),
                format!("{:?}", fresh.errors),
                "{text}"
            );
            let policy = again.policy.unwrap_or(Policy { items: Vec::new() });
            // Each item moved from the last result has the text it had there.
            assert_eq!(reparser.origins().len(), policy.items.len());
            for (item, origin) in policy.items.iter().zip(reparser.origins()) {
                let Some(k) = origin else { continue };
                let (old_text, old_spans) = before.as_ref().expect("a last result");
                let old = old_spans[*k];
                let new = item.span();
                assert_eq!(&old_text[old.start..old.end], &text[new.start..new.end]);
                moved += 1;
            }
            last = Some((text, policy));
        }
        // Most declarations outlive each edit.
        assert!(moved > 100, "{moved} items moved");
    }
}
