//! Sharing a keystroke's work between threads: the fields are cut into consecutive runs, one
//! per thread, and the runs' results are put back together in order, so the answer is the one
//! a single thread gives.

use std::ops::Range;

/// `len` items cut into `parts` consecutive runs of nearly equal length (at least one run).
pub fn runs(len: usize, parts: usize) -> Vec<Range<usize>> {
    let parts = parts.clamp(1, len.max(1));
    (0..parts)
        .map(|i| len * i / parts..len * (i + 1) / parts)
        .collect()
}

/// `work` on each run, the first on this thread and the others on threads of their own
/// (started for this call: about 20–50 µs each); the results in the order of the runs.
pub fn run<T: Send>(runs: Vec<Range<usize>>, work: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    let mut runs = runs.into_iter();
    let Some(first) = runs.next() else {
        return Vec::new();
    };
    if runs.len() == 0 {
        return vec![work(first)];
    }
    std::thread::scope(|s| {
        let work = &work;
        let others: Vec<_> = runs.map(|r| s.spawn(move || work(r))).collect();
        let mut out = vec![work(first)];
        out.extend(
            others
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
        );
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_everything_in_order() {
        for len in [0, 1, 2, 7, 100, 20_001] {
            for parts in [0, 1, 2, 3, 4] {
                let r = runs(len, parts);
                assert!(!r.is_empty() && r.len() <= parts.max(1));
                assert_eq!((r[0].start, r[r.len() - 1].end), (0, len));
                assert!(r.windows(2).all(|w| w[0].end == w[1].start));
                let sizes: Vec<usize> = r.iter().map(|r| r.len()).collect();
                assert!(
                    sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1,
                    "{len} {parts}"
                );
            }
        }
        let squares = run(runs(10, 3), |r| r.map(|i| i * i).collect::<Vec<_>>());
        assert_eq!(squares.concat(), (0..10).map(|i| i * i).collect::<Vec<_>>());
    }
}
