//! `--sample-leads N`: train on a random sample of the closed leads,
//! stratified by outcome — the sample's won share is the history's,
//! rounded — drawn with `--sample-seed`, leads kept in file order. Taken
//! as soon as the leads are read, so only the sample's activities are
//! kept. Recorded in the model file (`training.sample`) and the report.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::index;
use serde::Serialize;

use super::History;

/// What a sample kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Sample {
    /// Closed leads kept.
    pub leads: usize,
    /// Won leads among them.
    pub won: usize,
    /// Closed leads in the history.
    pub of: usize,
    /// Won leads in the history.
    pub of_won: usize,
    /// `--sample-seed`.
    pub seed: u64,
}

/// Which closed leads (their outcomes in `won`, file order) a sample of
/// `n` keeps, and what it kept; `None` when `n` is all of them.
pub fn choose(won: &[bool], n: usize, seed: u64) -> Option<(Vec<bool>, Sample)> {
    if n >= won.len() {
        return None;
    }
    let positions =
        |class: bool| -> Vec<usize> { (0..won.len()).filter(|&i| won[i] == class).collect() };
    let (winners, losers) = (positions(true), positions(false));
    let share = winners.len() as f64 / won.len() as f64;
    let n_won = ((n as f64 * share).round() as usize).min(winners.len());
    let n_lost = (n - n_won).min(losers.len());
    let mut rng = StdRng::seed_from_u64(seed);
    let mut keep = vec![false; won.len()];
    for (class, k) in [(&winners, n_won), (&losers, n_lost)] {
        for i in index::sample(&mut rng, class.len(), k) {
            keep[class[i]] = true;
        }
    }
    let sample = Sample {
        leads: n_won + n_lost,
        won: n_won,
        of: won.len(),
        of_won: winners.len(),
        seed,
    };
    Some((keep, sample))
}

/// Replaces the closed leads of `history` (read, without activities yet)
/// by a sample of `n` of them, recording it.
pub fn apply(history: &mut History, n: usize, seed: u64) {
    let Some((keep, sample)) = choose(&history.labels(), n, seed) else {
        return;
    };
    let mut i = 0;
    history.leads.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    history.leads.shrink_to_fit();
    history.attributes.retain(&keep);
    history.sample = Some(sample);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_keeps_the_won_share_and_its_seed_repeats_it() {
        let won: Vec<bool> = (0..1000).map(|i| i % 4 == 0).collect();
        let (keep, s) = choose(&won, 100, 7).unwrap();
        assert_eq!((s.leads, s.won, s.of, s.of_won), (100, 25, 1000, 250));
        assert_eq!(keep.iter().filter(|&&k| k).count(), 100);
        let kept_won = keep.iter().zip(&won).filter(|(k, w)| **k && **w).count();
        assert_eq!(kept_won, 25);
        assert_eq!(choose(&won, 100, 7).unwrap().0, keep);
        assert_ne!(choose(&won, 100, 8).unwrap().0, keep);
        assert!(choose(&won, 1000, 7).is_none());
    }
}
