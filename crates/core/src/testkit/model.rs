//! Model files built from raw-unit weights: one builder for every fixture
//! model (the integration tests' six-type model, the benchmarks' 30-type
//! one, the one-feature models of unit tests), the variants as parameters.

use crate::features::{ActivityFeature, CATALOG, FeatureSource, FeatureSpec, FunnelStage};
use crate::model::{LinearModel, MODEL_FORMAT, ModelFile, PointsScale, Standardization};

/// (type, raw weight) of the integration tests' fixture model
/// ([`ModelBuilder::fixture`]).
pub const FIXTURE_WEIGHTS: &[(&str, f64)] = &[
    ("demo_request", 2.0),
    ("contact_sales", 1.8),
    ("pricing_page_view", 1.0),
    ("webinar_attended", 0.8),
    ("blog_read", 0.3),
    ("unsubscribe", -2.0),
];

/// The fixture model's baseline, in [`FIXTURE_WEIGHTS`] order: a plausible
/// average lead (a little of everything, blog reads the most), so every
/// integration test explains against a baseline.
pub const FIXTURE_BASELINE: &[f64] = &[0.05, 0.03, 0.2, 0.1, 0.4, 0.02];

/// The 30 activity types of the benchmarks' wide model
/// ([`ModelBuilder::wide`]): the built-in catalog plus one unclassified type.
pub static WIDE_TYPES: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    let catalog = CATALOG.iter().flat_map(|(_, types)| types.iter().copied());
    catalog.chain(["partner_referral"]).collect()
});

/// A model file from raw-unit weights. Defaults: intercept 0, MQL threshold
/// 0.5, 33.3 points a logit, identity standardization.
#[derive(Debug, Clone)]
pub struct ModelBuilder {
    version: String,
    spec: FeatureSpec,
    weights: Vec<f64>,
    intercept: f64,
    mql_threshold: f64,
    per_logit: f64,
    standardized: bool,
    baseline: Option<Vec<f64>>,
}

impl ModelBuilder {
    /// Events with a 30-day half-life and a 60 s dedupe window, one
    /// activity feature per (type, raw weight) of `weights`.
    pub fn new(version: &str, weights: &[(&str, f64)]) -> ModelBuilder {
        let spec = FeatureSpec {
            source: FeatureSource::Events,
            half_life_days: Some(30.0),
            half_life_days_by_type: Default::default(),
            dedupe_window_seconds: 60,
            activities: weights
                .iter()
                .map(|(t, _)| ActivityFeature {
                    activity_type: (*t).to_owned(),
                    funnel_stage: FunnelStage::of(t),
                    unit: None,
                })
                .collect(),
            categorical: vec![],
        };
        let weights = weights.iter().map(|(_, w)| *w).collect();
        ModelBuilder::of_spec(version, spec, weights)
    }

    /// Features `spec` with raw-unit `weights`, one per feature (activities,
    /// then categorical).
    pub fn of_spec(version: &str, spec: FeatureSpec, weights: Vec<f64>) -> ModelBuilder {
        assert_eq!(
            weights.len(),
            spec.activities.len() + spec.categorical.len(),
            "one weight per feature"
        );
        ModelBuilder {
            version: version.to_owned(),
            spec,
            weights,
            intercept: 0.0,
            mql_threshold: 0.5,
            per_logit: 33.3,
            standardized: false,
            baseline: None,
        }
    }

    /// The integration tests' fixture model: [`FIXTURE_WEIGHTS`], intercept
    /// −3, standardized, [`FIXTURE_BASELINE`].
    pub fn fixture(version: &str) -> ModelBuilder {
        ModelBuilder::new(version, FIXTURE_WEIGHTS)
            .intercept(-3.0)
            .standardized()
            .baseline(FIXTURE_BASELINE.to_vec())
    }

    /// The benchmarks' model over [`WIDE_TYPES`]: deterministic weights by
    /// funnel stage, intercept −4, standardized.
    pub fn wide(version: &str) -> ModelBuilder {
        let weights: Vec<(&str, f64)> = WIDE_TYPES
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let w = match FunnelStage::of(t) {
                    FunnelStage::Bofu => 1.5 + 0.1 * i as f64,
                    FunnelStage::Mofu => 0.6 + 0.02 * i as f64,
                    FunnelStage::Tofu => 0.2 + 0.01 * i as f64,
                    FunnelStage::Negative => -1.5,
                    FunnelStage::Unclassified => 0.1,
                };
                (*t, w)
            })
            .collect();
        ModelBuilder::new(version, &weights)
            .intercept(-4.0)
            .standardized()
    }

    /// The raw-unit intercept.
    pub fn intercept(mut self, intercept: f64) -> ModelBuilder {
        self.intercept = intercept;
        self
    }

    /// The MQL probability threshold.
    pub fn mql_threshold(mut self, threshold: f64) -> ModelBuilder {
        self.mql_threshold = threshold;
        self
    }

    /// Points a logit.
    pub fn per_logit(mut self, per_logit: f64) -> ModelBuilder {
        self.per_logit = per_logit;
        self
    }

    /// Records `baseline` (raw units, feature order) as the training
    /// population's mean: explanations in the baseline form.
    pub fn baseline(mut self, baseline: Vec<f64>) -> ModelBuilder {
        self.baseline = Some(baseline);
        self
    }

    /// Every weight and the intercept times `factor`: the logit times
    /// `factor` (2: a model whose answers tell it apart; −1: the mirror
    /// model, probability exactly 1 − this one's).
    pub fn scaled(mut self, factor: f64) -> ModelBuilder {
        self.weights.iter_mut().for_each(|w| *w *= factor);
        self.intercept *= factor;
        self
    }

    /// Stores the weights through a non-trivial standardization (mean
    /// 0.1·i, scale 0.5 + 0.25·i), so loading exercises the folding back
    /// to raw units.
    pub fn standardized(mut self) -> ModelBuilder {
        self.standardized = true;
        self
    }

    /// The model file.
    pub fn build(self) -> ModelFile {
        let n = self.weights.len();
        let (mean, scale): (Vec<f64>, Vec<f64>) = if self.standardized {
            (0..n)
                .map(|i| (0.1 * i as f64, 0.5 + i as f64 * 0.25))
                .unzip()
        } else {
            (vec![0.0; n], vec![1.0; n])
        };
        let coefficients = self
            .weights
            .iter()
            .zip(&scale)
            .map(|(w, s)| w * s)
            .collect();
        let shift: f64 = self.weights.iter().zip(&mean).map(|(w, m)| w * m).sum();
        ModelFile {
            format: MODEL_FORMAT.to_owned(),
            version: self.version,
            created_at: "2026-06-01T00:00:00Z".to_owned(),
            features: self.spec,
            standardization: Standardization { mean, scale },
            coefficients,
            intercept: self.intercept + shift,
            baseline: self.baseline,
            mql_threshold: self.mql_threshold,
            points: PointsScale {
                per_logit: self.per_logit,
                threshold: 100,
                per_activity: Default::default(),
            },
            hyperparameters: serde_json::Value::Null,
            metrics: serde_json::Value::Null,
            training: serde_json::Value::Null,
        }
    }

    /// The model, loaded.
    pub fn linear(self) -> LinearModel {
        LinearModel::new(self.build())
    }
}
