//! Fixtures shared by the unit tests of the feature state and of due
//! times: times, specs and scorers built from a few numbers.

use std::sync::Arc;

use crate::features::{ActivityFeature, FeatureSource, FeatureSpec, FunnelStage};
use crate::model::{LinearModel, MODEL_FORMAT, ModelFile, PointsScale, Standardization};
use crate::rules::Rules;
use crate::scoring::Scorer;
use crate::time::{Span, Timestamp};

/// 2026-06-01T00:00:00Z, where test clocks start.
pub fn t0() -> Timestamp {
    Timestamp::parse_rfc3339("2026-06-01T00:00:00Z").unwrap()
}

/// `seconds` after [`t0`] (negative: before).
pub fn secs(seconds: i64) -> Timestamp {
    t0().saturating_add(Span::seconds(seconds))
}

/// The activity types hand-raises are made of in [`scorer`]'s rules.
pub const HAND_RAISES: [&str; 2] = ["demo_request", "pricing_page_view"];

/// A spec of events with `half_life_days`, `dedupe_window_seconds` and the
/// activity features `types` (type, unit), no categorical ones but
/// `source=referral`.
pub fn spec(
    half_life_days: Option<f64>,
    dedupe_window_seconds: u32,
    types: &[(&str, Option<f64>)],
) -> FeatureSpec {
    FeatureSpec {
        source: FeatureSource::Events,
        half_life_days,
        dedupe_window_seconds,
        activities: types
            .iter()
            .map(|(t, unit)| ActivityFeature {
                activity_type: (*t).to_owned(),
                funnel_stage: FunnelStage::of(t),
                unit: *unit,
            })
            .collect(),
        categorical: vec![crate::features::CategoricalFeature {
            attribute: "source".to_owned(),
            value: "referral".to_owned(),
        }],
    }
}

/// Rules where every lead has the fit for MQL (so the behavior score
/// decides it) and a [`HAND_RAISES`] activity within `within_days` makes
/// an MQL an SQL.
fn rules(within_days: u32) -> Rules {
    let text = format!(
        r#"
[grades]
a = 60
b = 40
c = 20

[mql]
min_grade = "D"

[sql]
hand_raise_types = ["{}", "{}"]
hand_raise_within_days = {within_days}
require_authority = false
min_bant_met = 0
"#,
        HAND_RAISES[0], HAND_RAISES[1]
    );
    Rules::parse("rules.toml", &text).unwrap()
}

/// A model of `spec` with raw-unit `weights` (activities, then the one
/// categorical feature), `intercept` and MQL threshold `threshold`.
pub fn model(spec: FeatureSpec, weights: Vec<f64>, intercept: f64, threshold: f64) -> LinearModel {
    let n = weights.len();
    assert_eq!(n, spec.activities.len() + spec.categorical.len());
    LinearModel::new(ModelFile {
        format: MODEL_FORMAT.to_owned(),
        version: "m-test".to_owned(),
        created_at: "2026-06-01T00:00:00Z".to_owned(),
        features: spec,
        standardization: Standardization {
            mean: vec![0.0; n],
            scale: vec![1.0; n],
        },
        coefficients: weights,
        intercept,
        mql_threshold: threshold,
        points: PointsScale {
            per_logit: 30.0,
            threshold: 100,
            per_activity: Default::default(),
        },
        hyperparameters: serde_json::Value::Null,
        metrics: serde_json::Value::Null,
        training: serde_json::Value::Null,
    })
}

/// A scorer of `model` with [`rules`] of a `within_days` hand-raise window.
pub fn scorer(model: LinearModel, within_days: u32) -> Scorer {
    Scorer::new(Arc::new(model), Arc::new(rules(within_days)))
}
