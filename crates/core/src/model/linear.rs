//! A loaded model, ready to score and explain.
//!
//! Coefficients are fitted on standardized features. Serving folds the
//! standardization into raw-unit weights once, at load
//! ([`ModelFile::folded`], which validation checks are finite):
//! `w_i = coef_i / scale_i` and `b = intercept - Σ coef_i · mean_i / scale_i`.
//! Then the logit is `b + Σ w_i · x_i`, where each `w_i · x_i` is a term the
//! answer lists. A feature the lead does not have (`x_i = 0`) contributes
//! exactly 0, so explanations only name what the lead did, and the listed
//! terms add up to the logit that produced the score.

use super::file::ModelFile;
use crate::features::{CompiledFeatures, FeatureVector};

/// One term of the linear predictor.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// Index of the feature in the spec.
    pub feature: usize,
    /// Feature value (after decay and `ln(1+x)`).
    pub value: f64,
    /// Raw-unit weight.
    pub weight: f64,
    /// `weight * value`.
    pub logit: f64,
    /// The term in marketer points.
    pub points: i64,
}

/// The full account of one score.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Raw-unit intercept (the score of a lead with no features).
    pub intercept: f64,
    /// Non-zero terms, largest absolute contribution first.
    pub terms: Vec<Term>,
    /// `intercept + Σ terms.logit`.
    pub logit: f64,
    /// `1 / (1 + e^-logit)`.
    pub probability: f64,
    /// `Σ terms.points`.
    pub points: i64,
}

impl Explanation {
    /// Whether every number of the account is finite (no NaN, no infinity).
    pub fn is_finite(&self) -> bool {
        self.intercept.is_finite()
            && self.logit.is_finite()
            && self.probability.is_finite()
            && self
                .terms
                .iter()
                .all(|t| t.value.is_finite() && t.weight.is_finite() && t.logit.is_finite())
    }
}

/// A validated model file with raw-unit weights and compiled features.
#[derive(Debug, Clone)]
pub struct LinearModel {
    /// The file it was loaded from (metadata, model card).
    file: ModelFile,
    /// Feature lookups.
    features: CompiledFeatures,
    /// Raw-unit weights, in feature order.
    weights: Vec<f64>,
    /// Raw-unit intercept.
    intercept: f64,
    /// Feature names, in feature order.
    names: Vec<String>,
    /// Human labels ("Demo request (BOFU)"), in feature order.
    labels: Vec<String>,
}

/// `demo_request` → `Demo request`.
fn humanize(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

/// The logistic function.
pub fn logistic(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// The inverse of [`logistic`].
pub fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

impl LinearModel {
    /// Folds standardization into raw weights. Any file builds: nothing
    /// here indexes past what the file has, and a non-finite answer is
    /// refused by the scorer. The service serves only files
    /// [`ModelFile::load`] checked; training builds from files it fitted.
    pub fn new(file: ModelFile) -> LinearModel {
        let (weights, intercept) = file.folded();
        let features = CompiledFeatures::new(file.features.clone());
        let names = features.names();
        let spec = features.spec();
        let activity_labels = spec.activities.iter().map(|a| {
            format!(
                "{} ({})",
                humanize(&a.activity_type),
                a.funnel_stage.label()
            )
        });
        let categorical_labels = spec
            .categorical
            .iter()
            .map(|c| format!("{} = {}", humanize(&c.attribute), c.value));
        let labels = activity_labels.chain(categorical_labels).collect();
        LinearModel {
            file,
            features,
            weights,
            intercept,
            names,
            labels,
        }
    }

    /// The model file (version, metrics, …).
    pub fn file(&self) -> &ModelFile {
        &self.file
    }

    /// The model's version string.
    pub fn version(&self) -> &str {
        &self.file.version
    }

    /// Feature computation of this model.
    pub fn features(&self) -> &CompiledFeatures {
        &self.features
    }

    /// Name of feature `i` (`activity:TYPE` or `attribute:KEY=VALUE`).
    pub fn feature_name(&self, i: usize) -> &str {
        &self.names[i]
    }

    /// Human label of feature `i` ("Demo request (BOFU)", "Last activity = sms sent").
    pub fn feature_label(&self, i: usize) -> &str {
        &self.labels[i]
    }

    /// Raw-unit weights, in feature order.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Raw-unit intercept.
    pub fn intercept(&self) -> f64 {
        self.intercept
    }

    /// Behavior points at which probability `p` lies.
    pub fn points_at(&self, p: f64) -> i64 {
        ((logit(p) - self.intercept) * self.file.points.per_logit).round() as i64
    }

    /// Scores and explains a feature vector computed by [`Self::features`].
    pub fn explain(&self, x: &FeatureVector) -> Explanation {
        let mut terms: Vec<Term> = x
            .values
            .iter()
            .zip(&self.weights)
            .enumerate()
            .filter(|(_, (v, _))| **v != 0.0)
            .map(|(feature, (&value, &weight))| {
                let logit = weight * value;
                let points = (logit * self.file.points.per_logit).round() as i64;
                Term {
                    feature,
                    value,
                    weight,
                    logit,
                    points,
                }
            })
            .collect();
        // The feature index breaks ties, so an unstable sort is deterministic.
        terms.sort_unstable_by(|a, b| {
            b.logit
                .abs()
                .total_cmp(&a.logit.abs())
                .then(a.feature.cmp(&b.feature))
        });
        let logit = self.intercept + terms.iter().map(|t| t.logit).sum::<f64>();
        // Saturating: a non-finite logit (refused by the scorer) must not panic here first.
        let points = terms
            .iter()
            .fold(0i64, |sum, t| sum.saturating_add(t.points));
        Explanation {
            intercept: self.intercept,
            terms,
            logit,
            probability: logistic(logit),
            points,
        }
    }
}
