//! How well a score ranks the leads that convert: the area under the ROC
//! curve and a decile table with lift and cumulative gain.
//!
//! [`Ranks`] keeps, for every lead with a known outcome and a score
//! (disqualified leads included; error records have no score), its total
//! and each block's score: memory linear in the leads, nothing else.

use serde_json::{json, Value};

use super::{lift, rate};
use crate::eval::Decision;

/// The scores of the leads with a known outcome, in row order.
#[derive(Clone, Debug, Default)]
pub struct Ranks {
    /// Each block's name (`None` for an unnamed block).
    blocks: Vec<Option<String>>,
    /// Each lead's outcome.
    positive: Vec<bool>,
    /// The total score of each lead.
    total: Vec<i64>,
    /// Each block's score of each lead, block by block.
    by_block: Vec<Vec<i64>>,
}

/// One score's ranking quality.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranking {
    /// The block, `None` for the total score.
    pub block: Option<String>,
    /// The area under the ROC curve, ties counted half; `None` without
    /// positives or without negatives.
    pub auc: Option<f64>,
    /// The leads ranked by score descending (ties by row), in ten equal
    /// parts.
    pub deciles: Vec<Decile>,
}

/// A tenth of the ranked leads.
#[derive(Clone, Debug, PartialEq)]
pub struct Decile {
    /// 1 is the highest-scored tenth.
    pub decile: usize,
    /// The lowest and highest score in it.
    pub min: i64,
    /// The highest score in it.
    pub max: i64,
    /// Its leads.
    pub leads: usize,
    /// Its positive leads.
    pub positive: usize,
    /// Its rate.
    pub rate: Option<f64>,
    /// Its rate over the base rate.
    pub lift: Option<f64>,
    /// The share of all positives in this decile and the ones above it.
    pub cumulative_gain: Option<f64>,
}

impl Ranks {
    /// No leads yet; `blocks` are the plan's blocks' names.
    pub fn new(blocks: Vec<Option<String>>) -> Ranks {
        Ranks {
            by_block: vec![Vec::new(); blocks.len()],
            blocks,
            ..Ranks::default()
        }
    }

    /// Keeps a decided lead whose outcome is known.
    #[inline]
    pub fn add(&mut self, d: &Decision, positive: bool) {
        self.positive.push(positive);
        self.total.push(d.score);
        for (scores, s) in self.by_block.iter_mut().zip(&d.blocks) {
            scores.push(*s);
        }
    }

    /// The total's ranking, then each named block's. `base` is the rate
    /// of every lead with a known outcome and `positives` their positives
    /// (for lift and cumulative gain).
    pub fn rankings(&self, base: Option<f64>, positives: usize) -> Vec<Ranking> {
        let mut out = vec![ranking(None, &self.total, &self.positive, base, positives)];
        for (name, scores) in self.blocks.iter().zip(&self.by_block) {
            if let Some(name) = name {
                out.push(ranking(
                    Some(name.clone()),
                    scores,
                    &self.positive,
                    base,
                    positives,
                ));
            }
        }
        out
    }
}

fn ranking(
    block: Option<String>,
    scores: &[i64],
    positive: &[bool],
    base: Option<f64>,
    positives: usize,
) -> Ranking {
    // Ranked by score descending; a stable sort keeps ties in row order.
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(scores[i]));
    Ranking {
        block,
        auc: auc(scores, positive, &order),
        deciles: deciles(scores, positive, &order, base, positives),
    }
}

/// The area under the ROC curve from leads ranked by score descending:
/// the chance that a positive outscores a negative, ties counted half.
fn auc(scores: &[i64], positive: &[bool], order: &[usize]) -> Option<f64> {
    let pos = positive.iter().filter(|p| **p).count();
    let neg = positive.len() - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    // Walking down the ranking, each group of equal scores: its positives
    // beat every negative below it and tie with its own negatives.
    let mut below = neg as f64;
    let mut wins = 0.0;
    let mut i = 0;
    while i < order.len() {
        let score = scores[order[i]];
        let (mut p, mut n) = (0usize, 0usize);
        while i < order.len() && scores[order[i]] == score {
            if positive[order[i]] {
                p += 1;
            } else {
                n += 1;
            }
            i += 1;
        }
        below -= n as f64;
        wins += p as f64 * (below + n as f64 / 2.0);
    }
    Some(wins / (pos as f64 * neg as f64))
}

fn deciles(
    scores: &[i64],
    positive: &[bool],
    order: &[usize],
    base: Option<f64>,
    positives: usize,
) -> Vec<Decile> {
    let n = order.len();
    let mut out = Vec::new();
    let mut gained = 0;
    for d in 1..=10 {
        let part = &order[n * (d - 1) / 10..n * d / 10];
        let (Some(&first), Some(&last)) = (part.first(), part.last()) else {
            continue;
        };
        let pos = part.iter().filter(|&&i| positive[i]).count();
        gained += pos;
        let r = rate(pos, part.len() - pos);
        out.push(Decile {
            decile: d,
            min: scores[last],
            max: scores[first],
            leads: part.len(),
            positive: pos,
            rate: r,
            lift: lift(r, base),
            cumulative_gain: (positives > 0).then(|| gained as f64 / positives as f64),
        });
    }
    out
}

impl Ranking {
    /// As JSON, per the contract.
    pub fn json(&self) -> Value {
        let deciles: Vec<Value> = self
            .deciles
            .iter()
            .map(|d| {
                json!({"decile": d.decile, "min": d.min, "max": d.max, "leads": d.leads,
                       "positive": d.positive, "negative": d.leads - d.positive,
                       "rate": d.rate, "lift": d.lift, "cumulative_gain": d.cumulative_gain})
            })
            .collect();
        json!({"block": self.block, "auc": self.auc, "deciles": deciles})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairwise(scores: &[i64], positive: &[bool]) -> f64 {
        let (mut wins, mut pairs) = (0.0, 0.0);
        for (i, p) in positive.iter().enumerate() {
            for (j, q) in positive.iter().enumerate() {
                if *p && !*q {
                    pairs += 1.0;
                    wins += match scores[i].cmp(&scores[j]) {
                        std::cmp::Ordering::Greater => 1.0,
                        std::cmp::Ordering::Equal => 0.5,
                        std::cmp::Ordering::Less => 0.0,
                    };
                }
            }
        }
        wins / pairs
    }

    #[test]
    fn auc_counts_ties_half() {
        let scores = [10, 10, 5, 5, 0, 20, 5];
        let positive = [true, false, true, false, false, true, true];
        let r = ranking(None, &scores, &positive, Some(0.5), 4);
        let expected = pairwise(&scores, &positive);
        assert!((r.auc.unwrap() - expected).abs() < 1e-12);
        assert_eq!(ranking(None, &[1, 2], &[true, true], None, 2).auc, None);
    }

    #[test]
    fn deciles_rank_descending_with_ties_by_row() {
        let scores: Vec<i64> = (0..20).map(|i| i / 2).collect();
        let positive: Vec<bool> = (0..20).map(|i| i >= 14).collect();
        let r = ranking(None, &scores, &positive, Some(0.3), 6);
        assert_eq!(r.deciles.len(), 10);
        assert_eq!((r.deciles[0].max, r.deciles[0].min), (9, 9));
        assert_eq!(r.deciles[0].positive, 2);
        assert_eq!(r.deciles[2].cumulative_gain, Some(1.0));
        assert_eq!(r.deciles.iter().map(|d| d.leads).sum::<usize>(), 20);
        // Fewer leads than deciles: the empty tenths are left out.
        let r = ranking(None, &[3, 1, 2], &[true, false, true], None, 2);
        assert_eq!(r.deciles.iter().map(|d| d.leads).sum::<usize>(), 3);
        assert!(r.deciles.iter().all(|d| d.leads > 0));
    }
}
