//! Ranking documents by their best matching field without scoring every document. Scores
//! are few distinct values with many ties, and only the best `limit` documents are shown:
//! every matching document is counted as it is found (a bit per document, a count per score),
//! then only the scores that can fill `limit` are ranked, the lowest of them through a bounded
//! heap.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Sort key of a document: higher score, then its tie-break rank, then index order.
pub type Ranked = (Reverse<i32>, u64, u32);

/// A bit per document.
struct Bits(Vec<u64>);

impl Bits {
    fn new(len: usize) -> Bits {
        Bits(vec![0; len.div_ceil(64)])
    }

    /// Sets bit d; true if it was not set.
    fn insert(&mut self, d: u32) -> bool {
        let (word, bit) = (&mut self.0[d as usize / 64], 1u64 << (d % 64));
        let new = *word & bit == 0;
        *word |= bit;
        new
    }
}

/// Scores range from 0 to this.
pub const MAX_SCORE: i32 = 1000;

/// The documents found so far: how many distinct ones, and at most how many per score.
pub struct Tally {
    seen: Bits,
    total: usize,
    docs_at: Vec<usize>,
}

impl Tally {
    /// A tally over documents 0..docs.
    pub fn new(docs: usize) -> Tally {
        Tally {
            seen: Bits::new(docs),
            total: 0,
            docs_at: vec![0; MAX_SCORE as usize + 1],
        }
    }

    /// Counts `docs`, found with `score`.
    pub fn add(&mut self, docs: &[u32], score: i32) {
        self.docs_at[level(score)] += docs.len();
        for &d in docs {
            self.total += usize::from(self.seen.insert(d));
        }
    }

    pub fn total(&self) -> usize {
        self.total
    }

    /// Adds what `other`, a tally over the same documents, counted: as if its `add` calls had
    /// been made on this one.
    pub fn merge(&mut self, other: &Tally) {
        for (a, b) in self.docs_at.iter_mut().zip(&other.docs_at) {
            *a += b;
        }
        for (a, b) in self.seen.0.iter_mut().zip(&other.seen.0) {
            *a |= b;
        }
        self.total = self.seen.0.iter().map(|w| w.count_ones() as usize).sum();
    }

    /// The best `limit` documents, best first, of the items counted: item i's documents are
    /// `postings(i)`, found with `scores[i]`; `ties[d]` is document d's tie-break rank.
    pub fn top<'a>(
        &self,
        scores: &[i32],
        postings: impl Fn(usize) -> &'a [u32],
        ties: &[u64],
        limit: usize,
    ) -> Vec<Ranked> {
        // The best scores hold fewer than `limit` documents: keep them all.
        let mut high_levels = 0;
        let mut high_docs = 0;
        while high_levels < self.docs_at.len() && high_docs + self.docs_at[high_levels] < limit {
            high_docs += self.docs_at[high_levels];
            high_levels += 1;
        }
        let mut kept: Vec<(u32, i32)> = Vec::with_capacity(high_docs);
        for (i, &s) in scores
            .iter()
            .enumerate()
            .filter(|&(_, &s)| level(s) < high_levels)
        {
            kept.extend(postings(i).iter().map(|&d| (d, s)));
        }
        kept.sort_unstable_by_key(|&(d, s)| (d, Reverse(s)));
        kept.dedup_by_key(|&mut (d, _)| d);
        let mut taken = Bits::new(ties.len());
        let mut out: Vec<Ranked> = kept
            .into_iter()
            .map(|(d, s)| {
                taken.insert(d);
                (Reverse(s), ties[d as usize], d)
            })
            .collect();
        // Then one score at a time, the documents not seen at a better score, best `room` of them.
        for l in (high_levels..self.docs_at.len()).filter(|&l| self.docs_at[l] > 0) {
            let room = limit.saturating_sub(out.len());
            if room == 0 {
                break;
            }
            let s = MAX_SCORE - l as i32;
            let mut heap: BinaryHeap<(u64, u32)> = BinaryHeap::with_capacity(room + 1);
            for (i, _) in scores.iter().enumerate().filter(|&(_, &t)| t == s) {
                for &d in postings(i) {
                    if !taken.insert(d) {
                        continue;
                    }
                    let key = (ties[d as usize], d);
                    if heap.len() < room {
                        heap.push(key);
                    } else if heap.peek().is_some_and(|worst| key < *worst) {
                        heap.pop();
                        heap.push(key);
                    }
                }
            }
            out.extend(heap.into_iter().map(|(t, d)| (Reverse(s), t, d)));
        }
        out.sort_unstable();
        out.truncate(limit);
        out
    }
}

/// Index of a score in `Tally::docs_at`, best first.
fn level(score: i32) -> usize {
    debug_assert!((0..=MAX_SCORE).contains(&score), "score {score}");
    (MAX_SCORE - score.clamp(0, MAX_SCORE)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every document's best score, fully sorted: what `top` must equal.
    fn reference(items: &[(Vec<u32>, i32)], ties: &[u64], limit: usize) -> (Vec<Ranked>, usize) {
        let mut best: Vec<Option<i32>> = vec![None; ties.len()];
        for (docs, s) in items {
            for &d in docs {
                let b = &mut best[d as usize];
                *b = Some(b.map_or(*s, |b| b.max(*s)));
            }
        }
        let mut all: Vec<Ranked> = best
            .iter()
            .enumerate()
            .filter_map(|(d, s)| s.map(|s| (Reverse(s), ties[d], d as u32)))
            .collect();
        let total = all.len();
        all.sort_unstable();
        all.truncate(limit);
        (all, total)
    }

    #[test]
    fn equals_scoring_every_document() {
        let mut rnd = crate::search::test_random(7);
        for round in 0..200 {
            let docs = 1 + rnd(300) as usize;
            // Few distinct tie ranks and scores, so ties and shared buckets are common.
            let ties: Vec<u64> = (0..docs).map(|_| rnd(5)).collect();
            let fields: Vec<Vec<u32>> = (0..1 + rnd(50))
                .map(|_| {
                    let mut p: Vec<u32> =
                        (0..1 + rnd(20)).map(|_| rnd(docs as u64) as u32).collect();
                    p.sort_unstable();
                    p.dedup();
                    p
                })
                .collect();
            // Fields (several documents each) and single documents with scores of their own.
            let mut items: Vec<(Vec<u32>, i32)> = (0..rnd(40))
                .map(|_| {
                    (
                        fields[rnd(fields.len() as u64) as usize].clone(),
                        300 + 50 * rnd(8) as i32,
                    )
                })
                .collect();
            items.extend(
                (0..rnd(5)).map(|_| (vec![rnd(docs as u64) as u32], 100 + rnd(100) as i32)),
            );
            for limit in [0, 1, 3, 10, 1000] {
                let scores: Vec<i32> = items.iter().map(|(_, s)| *s).collect();
                let mut tally = Tally::new(ties.len());
                items.iter().for_each(|(d, s)| tally.add(d, *s));
                let got = (
                    tally.top(&scores, |i| &items[i].0[..], &ties, limit),
                    tally.total(),
                );
                assert_eq!(
                    got,
                    reference(&items, &ties, limit),
                    "round {round} limit {limit}"
                );
                // Counted in two tallies, then merged: the same.
                let (mut a, mut b) = (Tally::new(ties.len()), Tally::new(ties.len()));
                let cut = rnd(items.len() as u64 + 1) as usize;
                items[..cut].iter().for_each(|(d, s)| a.add(d, *s));
                items[cut..].iter().for_each(|(d, s)| b.add(d, *s));
                a.merge(&b);
                assert_eq!(
                    (a.top(&scores, |i| &items[i].0[..], &ties, limit), a.total()),
                    got,
                    "round {round} merged"
                );
            }
        }
    }
}
