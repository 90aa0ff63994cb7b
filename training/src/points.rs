//! The points view of a model, for marketers used to point tables.
//!
//! `per_logit = 100 / (logit(threshold) − raw intercept)` (10 when that
//! denominator is ≤ 0.1), so a lead with nothing is about 100 points below
//! the MQL threshold. The scale is set from the intercept, not from the
//! baseline lead, because the average lead often sits near the threshold
//! (both follow the base rate), where the scale would jump; points
//! themselves are counted from the baseline lead, as explanations are
//! ([`LinearModel::points_at`]);
//! one fresh activity of a type (one `unit` of a wide count column) is
//! worth `round(per_logit · w · ln 2)` (its feature is `ln(1 + 1)`), and
//! a category value `round(per_logit · w)` (its feature is 1).

use std::collections::BTreeMap;

use leadscore_core::model::linear::logit;
use leadscore_core::model::{LinearModel, ModelFile, PointsScale};

/// Smallest logit distance between intercept and threshold that sets the scale.
const MIN_DENOMINATOR: f64 = 0.1;
/// Points per logit when the threshold is too close to the intercept.
const FALLBACK_PER_LOGIT: f64 = 10.0;

/// Fills in `file.points` for the threshold in `file.mql_threshold`.
pub fn fill(file: &mut ModelFile) {
    let threshold = file.mql_threshold;
    let raw = LinearModel::new(file.clone());
    let denominator = logit(threshold) - raw.intercept();
    let per_logit = if denominator > MIN_DENOMINATOR {
        100.0 / denominator
    } else {
        FALLBACK_PER_LOGIT
    };
    let per_activity: BTreeMap<String, i64> = file
        .features
        .activities
        .iter()
        .zip(raw.weights())
        .map(|(a, w)| (a.activity_type.clone(), activity_points(per_logit, *w)))
        .collect();
    file.points = PointsScale {
        per_logit,
        threshold: 0,
        per_activity,
    };
    file.points.threshold = LinearModel::new(file.clone()).points_at(threshold);
}

/// Points of one fresh activity (one unit of a count column) of weight `w`.
fn activity_points(per_logit: f64, w: f64) -> i64 {
    (per_logit * w * std::f64::consts::LN_2).round() as i64
}

/// Points of feature `i` of `model`, for every feature kind: one fresh
/// activity (one unit of a count column) for an activity feature, the
/// value being present for a category.
pub fn of_feature(model: &LinearModel, i: usize) -> i64 {
    let per_logit = model.file().points.per_logit;
    let w = model.weights()[i];
    if i < model.file().features.activities.len() {
        activity_points(per_logit, w)
    } else {
        (per_logit * w).round() as i64
    }
}
