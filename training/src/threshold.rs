//! The MQL threshold: by default the one maximizing F1 on the test
//! predictions; with `--target-precision P` the lowest threshold whose
//! precision reaches P. A lead is flagged when `p >= threshold`.

use serde::Serialize;

/// Precision, recall and confusion at one threshold.
#[derive(Debug, Clone, Serialize)]
pub struct ThresholdMetrics {
    /// Probability threshold.
    pub threshold: f64,
    /// How it was chosen.
    pub rule: String,
    /// Flagged leads that were won.
    pub precision: f64,
    /// Won leads that were flagged.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Won and flagged.
    pub true_positives: usize,
    /// Lost but flagged.
    pub false_positives: usize,
    /// Lost and not flagged.
    pub true_negatives: usize,
    /// Won but not flagged.
    pub false_negatives: usize,
}

/// Metrics of the rule `p >= threshold`.
pub fn at(p: &[f64], y: &[bool], threshold: f64, rule: &str) -> ThresholdMetrics {
    let (mut tp, mut fp, mut tn, mut fn_) = (0, 0, 0, 0);
    for (&p, &y) in p.iter().zip(y) {
        match (p >= threshold, y) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, false) => tn += 1,
            (false, true) => fn_ += 1,
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    let f1 = if tp == 0 {
        0.0
    } else {
        2.0 * tp as f64 / (2 * tp + fp + fn_) as f64
    };
    ThresholdMetrics {
        threshold,
        rule: rule.to_owned(),
        precision,
        recall,
        f1,
        true_positives: tp,
        false_positives: fp,
        true_negatives: tn,
        false_negatives: fn_,
    }
}

/// Chooses the threshold on `(p, y)`; returns it and the rule used.
pub fn choose(p: &[f64], y: &[bool], target_precision: Option<f64>) -> (f64, String) {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    let positives = y.iter().filter(|v| **v).count();
    let (mut tp, mut flagged) = (0usize, 0usize);
    let mut best_f1 = (f64::NEG_INFINITY, 0.5);
    let mut lowest_reaching = None;
    let mut i = 0;
    while i < order.len() {
        // All leads tied at this score are flagged together.
        let t = p[order[i]];
        while i < order.len() && p[order[i]] == t {
            tp += usize::from(y[order[i]]);
            flagged += 1;
            i += 1;
        }
        let f1 = 2.0 * tp as f64 / (flagged + positives) as f64;
        if f1 > best_f1.0 {
            best_f1 = (f1, t);
        }
        if target_precision.is_some_and(|target| tp as f64 / flagged as f64 >= target) {
            lowest_reaching = Some(t);
        }
    }
    let clamp = |t: f64| t.clamp(1e-6, 1.0 - 1e-6);
    match (target_precision, lowest_reaching) {
        (Some(target), Some(t)) => (
            clamp(t),
            format!("lowest threshold with test precision >= {target}"),
        ),
        (Some(target), None) => (
            clamp(best_f1.1),
            format!("precision {target} is never reached on the test data; maximum F1 used"),
        ),
        (None, _) => (clamp(best_f1.1), "maximum F1 on the test data".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f1_and_target_precision_pick_the_expected_cut() {
        let p = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2];
        let y = [true, true, false, true, false, false, true, false];
        let (t, _) = choose(&p, &y, None);
        assert_eq!(t, 0.6);
        let m = at(&p, &y, t, "f1");
        assert_eq!(
            (
                m.true_positives,
                m.false_positives,
                m.false_negatives,
                m.true_negatives
            ),
            (3, 1, 1, 3)
        );
        assert_eq!(choose(&p, &y, Some(1.0)).0, 0.8);
        assert_eq!(choose(&p, &y, Some(0.7)).0, 0.6);
    }
}
