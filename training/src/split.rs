//! Train / test splits: out-of-time when outcome times exist, stratified
//! otherwise. Every split is deterministic (seeded).

use leadscore_core::time::Timestamp;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// One train / test partition of row indices.
#[derive(Debug, Clone)]
pub struct Fold {
    /// Rows to fit on.
    pub train: Vec<usize>,
    /// Rows to evaluate on.
    pub test: Vec<usize>,
}

/// Oldest `1 - test_fraction` of `rows` by time for training, newest for test.
pub fn out_of_time(rows: &[usize], times: &[Timestamp], test_fraction: f64) -> Fold {
    let mut sorted = rows.to_vec();
    sorted.sort_by_key(|&r| (times[r], r));
    let n_test = ((sorted.len() as f64) * test_fraction).round() as usize;
    let test = sorted.split_off(sorted.len() - n_test.min(sorted.len()));
    Fold {
        train: sorted,
        test,
    }
}

/// `k` stratified folds: each class shuffled, then dealt round-robin.
pub fn stratified(rows: &[usize], y: &[bool], k: usize, seed: u64) -> Vec<Fold> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut fold_of = vec![0usize; y.len()];
    for class in [true, false] {
        let mut members: Vec<usize> = rows.iter().copied().filter(|&r| y[r] == class).collect();
        members.shuffle(&mut rng);
        for (i, r) in members.into_iter().enumerate() {
            fold_of[r] = i % k;
        }
    }
    (0..k)
        .map(|f| Fold {
            train: rows.iter().copied().filter(|&r| fold_of[r] != f).collect(),
            test: rows.iter().copied().filter(|&r| fold_of[r] == f).collect(),
        })
        .collect()
}

/// One hold-out split of `rows`: out-of-time if `times` is given, else a
/// stratified split with about `fraction` held out.
pub fn holdout(
    rows: &[usize],
    times: Option<&[Timestamp]>,
    y: &[bool],
    fraction: f64,
    seed: u64,
) -> Fold {
    match times {
        Some(times) => out_of_time(rows, times, fraction),
        None => {
            let k = (1.0 / fraction).round().max(2.0) as usize;
            stratified(rows, y, k, seed).swap_remove(0)
        }
    }
}

/// A seeded random subset of at most `max` rows (all rows if fewer).
pub fn subsample(rows: &[usize], max: usize, seed: u64) -> Vec<usize> {
    if rows.len() <= max {
        return rows.to_vec();
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut picked = rows.to_vec();
    picked.shuffle(&mut rng);
    picked.truncate(max);
    picked.sort_unstable();
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_time_tests_on_the_newest() {
        let times = [50, 10, 40, 20, 30].map(|s| Timestamp::from_unix(s, 0).unwrap());
        let fold = out_of_time(&[0, 1, 2, 3, 4], &times, 0.4);
        assert_eq!(fold.train, vec![1, 3, 4]);
        assert_eq!(fold.test, vec![2, 0]);
    }

    #[test]
    fn stratified_folds_keep_the_class_balance() {
        let y: Vec<bool> = (0..100).map(|i| i % 4 == 0).collect();
        let rows: Vec<usize> = (0..100).collect();
        for fold in stratified(&rows, &y, 5, 1) {
            assert_eq!(fold.test.len(), 20);
            assert_eq!(fold.test.iter().filter(|&&r| y[r]).count(), 5);
        }
    }
}
