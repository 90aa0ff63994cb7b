//! Probability-quality metrics: ROC AUC, log-loss, Brier score, a 10-bin
//! calibration table and lift by decile.
//!
//! One implementation for the training job's test report and the running
//! service's pipeline health, so "AUC" or "calibration" means the same
//! thing in a model card and in a live check.

use serde::Serialize;

pub use crate::model::CalibrationBin;

/// Probabilities are clipped to `[EPS, 1 - EPS]` inside the log-loss.
const EPS: f64 = 1e-15;

/// ROC AUC (ties count one half), 0.5 when a class is absent.
pub fn auc(p: &[f64], y: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let (mut rank_sum, mut i) = (0.0, 0);
    while i < order.len() {
        let j = i + order[i..]
            .iter()
            .take_while(|&&k| p[k] == p[order[i]])
            .count();
        let mid_rank = (i + j + 1) as f64 / 2.0;
        rank_sum += mid_rank * order[i..j].iter().filter(|&&k| y[k]).count() as f64;
        i = j;
    }
    let pos = y.iter().filter(|v| **v).count() as f64;
    let neg = y.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return 0.5;
    }
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

/// Mean negative log-likelihood.
pub fn log_loss(p: &[f64], y: &[bool]) -> f64 {
    let total: f64 = p.iter().zip(y).map(|(&p, &y)| row_log_loss(p, y)).sum();
    total / p.len().max(1) as f64
}

/// One row's negative log-likelihood (what [`log_loss`] averages), the
/// probability clamped away from 0 and 1.
pub fn row_log_loss(p: f64, y: bool) -> f64 {
    let p = p.clamp(EPS, 1.0 - EPS);
    if y { -p.ln() } else { -(1.0 - p).ln() }
}

/// Mean squared error of the probabilities.
pub fn brier(p: &[f64], y: &[bool]) -> f64 {
    let total: f64 = p
        .iter()
        .zip(y)
        .map(|(&p, &y)| (p - f64::from(u8::from(y))).powi(2))
        .sum();
    total / p.len().max(1) as f64
}

/// ROC curve as (false-positive rate, true-positive rate), at most ~200 points.
pub fn roc_curve(p: &[f64], y: &[bool]) -> Vec<(f64, f64)> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    let pos = y.iter().filter(|v| **v).count().max(1) as f64;
    let neg = (y.len() - y.iter().filter(|v| **v).count()).max(1) as f64;
    let step = (order.len() / 200).max(1);
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut curve = vec![(0.0, 0.0)];
    for (i, &k) in order.iter().enumerate() {
        if y[k] {
            tp += 1.0
        } else {
            fp += 1.0
        }
        if i % step == step - 1 || i + 1 == order.len() {
            curve.push((fp / neg, tp / pos));
        }
    }
    curve
}

/// 10 equal-width bins of predicted probability (empty bins left out).
pub fn calibration(p: &[f64], y: &[bool]) -> Vec<CalibrationBin> {
    let mut sums = [(0.0f64, 0.0f64, 0usize); 10];
    for (&p, &y) in p.iter().zip(y) {
        let b = ((p * 10.0) as usize).min(9);
        sums[b].0 += p;
        sums[b].1 += f64::from(u8::from(y));
        sums[b].2 += 1;
    }
    sums.iter()
        .enumerate()
        .filter(|(_, s)| s.2 > 0)
        .map(|(b, &(sp, sy, n))| CalibrationBin {
            lower: b as f64 / 10.0,
            upper: (b + 1) as f64 / 10.0,
            predicted_mean: sp / n as f64,
            observed_rate: sy / n as f64,
            count: n as u64,
        })
        .collect()
}

/// One decile of leads ranked by score (decile 1 = highest scores).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decile {
    /// 1 to 10.
    pub decile: usize,
    /// Leads in the decile.
    pub count: usize,
    /// Won leads in the decile.
    pub won: usize,
    /// Won rate in the decile.
    pub rate: f64,
    /// Rate divided by the overall won rate.
    pub lift: f64,
    /// Share of all won leads found in deciles 1..=this.
    pub cumulative_capture: f64,
    /// Lowest score in the decile.
    pub min_score: f64,
}

/// Lift by decile of score.
pub fn lift(p: &[f64], y: &[bool]) -> Vec<Decile> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    let total_won = y.iter().filter(|v| **v).count();
    let base = total_won as f64 / p.len().max(1) as f64;
    let mut captured = 0;
    (0..10)
        .filter_map(|d| {
            let part = &order[d * order.len() / 10..(d + 1) * order.len() / 10];
            let won = part.iter().filter(|&&k| y[k]).count();
            captured += won;
            let rate = won as f64 / part.len().max(1) as f64;
            (!part.is_empty()).then(|| Decile {
                decile: d + 1,
                count: part.len(),
                won,
                rate,
                lift: if base > 0.0 { rate / base } else { 0.0 },
                cumulative_capture: captured as f64 / total_won.max(1) as f64,
                min_score: part.iter().map(|&k| p[k]).fold(f64::INFINITY, f64::min),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_ties_as_half_and_perfect_ranking_as_one() {
        assert_eq!(
            auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]),
            0.75
        );
        assert_eq!(auc(&[0.5, 0.5], &[false, true]), 0.5);
        assert_eq!(auc(&[0.1, 0.9], &[false, true]), 1.0);
    }

    #[test]
    fn losses_match_hand_computation() {
        let (p, y) = ([0.8, 0.3], [true, false]);
        assert!((log_loss(&p, &y) - (-(0.8f64.ln()) - 0.7f64.ln()) / 2.0).abs() < 1e-12);
        assert!((brier(&p, &y) - (0.04 + 0.09) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn deciles_and_bins_cover_every_lead() {
        let p: Vec<f64> = (0..95).map(|i| i as f64 / 100.0).collect();
        let y: Vec<bool> = (0..95).map(|i| i % 3 == 0).collect();
        assert_eq!(lift(&p, &y).iter().map(|d| d.count).sum::<usize>(), 95);
        assert_eq!(calibration(&p, &y).iter().map(|b| b.count).sum::<u64>(), 95);
        assert!((lift(&p, &y).last().unwrap().cumulative_capture - 1.0).abs() < 1e-12);
    }
}
