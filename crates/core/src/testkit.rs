//! Fixtures shared by the unit tests of the core, the service's integration
//! tests and the benchmarks, so that each is written once: a fixed clock
//! ([`NOW`] and spans around it), model files from raw-unit weights
//! ([`ModelBuilder`]), the buyer every suite qualifies ([`buyer_profile`],
//! [`buyer_bant`]), hot leads with any number of activities
//! ([`hot_lead`]), and small specs, rules and scorers for the feature-state
//! and due-time tests.
//!
//! Compiled for the core's own tests and, through the `testkit` feature,
//! for the dev-dependencies of the other crates only: no shipped binary
//! carries it.

mod lead;
mod model;

use std::sync::Arc;

pub use lead::{HOT_ACTIVITIES, buyer_bant, buyer_profile, hot_lead};
pub use model::{FIXTURE_BASELINE, FIXTURE_WEIGHTS, ModelBuilder, WIDE_TYPES};

use crate::features::{ActivityFeature, FeatureSource, FeatureSpec, FunnelStage};
use crate::model::LinearModel;
use crate::rules::Rules;
use crate::scoring::Scorer;
use crate::time::{Span, Timestamp};

/// 2026-06-01T00:00:00Z, where test clocks stand.
pub const NOW: Timestamp = Timestamp::UNIX_EPOCH.saturating_add(Span::seconds(1_780_272_000));

/// `span` before [`NOW`].
pub fn ago(span: Span) -> Timestamp {
    NOW.saturating_sub(span)
}

/// `span` after [`NOW`].
pub fn ahead(span: Span) -> Timestamp {
    NOW.saturating_add(span)
}

/// `days` (fractional) before [`NOW`]; negative: after it.
pub fn days_ago(days: f64) -> Timestamp {
    ago(Span::from_days_f64(days))
}

/// `seconds` after [`NOW`] (negative: before).
pub fn secs(seconds: i64) -> Timestamp {
    ahead(Span::seconds(seconds))
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
        half_life_days_by_type: Default::default(),
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

/// Rules text where every lead has the fit for MQL (so the behavior score
/// decides it) and one of `hand_raises` within `within_days` makes an MQL
/// an SQL (no authority or BANT needed).
pub fn rules_toml(hand_raises: &[&str], within_days: u32) -> String {
    let types = hand_raises
        .iter()
        .map(|t| format!("{t:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"
[grades]
a = 60
b = 40
c = 20

[mql]
min_grade = "D"

[sql]
hand_raise_types = [{types}]
hand_raise_within_days = {within_days}
require_authority = false
min_bant_met = 0
"#
    )
}

/// [`rules_toml`] of the [`HAND_RAISES`], parsed.
fn rules(within_days: u32) -> Rules {
    Rules::parse("rules.toml", &rules_toml(&HAND_RAISES, within_days)).unwrap()
}

/// A model of `spec` with raw-unit `weights` (activities, then the one
/// categorical feature), `intercept` and MQL threshold `threshold`, 30
/// points a logit.
pub fn model(spec: FeatureSpec, weights: Vec<f64>, intercept: f64, threshold: f64) -> LinearModel {
    ModelBuilder::of_spec("m-test", spec, weights)
        .intercept(intercept)
        .mql_threshold(threshold)
        .per_logit(30.0)
        .linear()
}

/// A scorer of `model` with [`rules`] of a `within_days` hand-raise window.
pub fn scorer(model: LinearModel, within_days: u32) -> Scorer {
    Scorer::new(Arc::new(model), Arc::new(rules(within_days)))
}
