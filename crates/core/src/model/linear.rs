//! A loaded model, ready to score and explain.
//!
//! Coefficients are fitted on standardized features. Serving folds the
//! standardization into raw-unit weights once, at load
//! ([`ModelFile::folded`], which validation checks are finite):
//! `w_i = coef_i / scale_i` and `b = intercept - Σ coef_i · mean_i / scale_i`.
//! Then the logit is `b + Σ w_i · x_i`.
//!
//! An explanation is measured from a baseline `m`, the training
//! population's mean feature vector recorded in the model file: each term
//! is `w_i · (x_i − m_i)` and the baseline logit is `b + Σ w_i · m_i` (the
//! logit of "an average lead"), so the terms add up to `logit − baseline
//! logit` and a level almost every lead shares (`x_i ≈ m_i`) explains
//! almost nothing, however large its weight. A file without a baseline (an
//! older one) is explained the old way ([`ExplanationForm::Intercept`]):
//! `m = 0`, the baseline logit is `b`, and a feature the lead does not
//! have contributes nothing. Either way a term whose value equals its
//! baseline is left out, and the listed terms add up to the logit that
//! produced the score within rounding.

use super::file::{ModelFile, dot};
use crate::features::{CompiledFeatures, FeatureVector};

/// One term of the linear predictor.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// Index of the feature in the spec.
    pub feature: usize,
    /// Feature value (after decay and `ln(1+x)`).
    pub value: f64,
    /// The baseline's value of this feature (0 in the intercept form).
    pub baseline: f64,
    /// Raw-unit weight.
    pub weight: f64,
    /// `weight * (value − baseline)`.
    pub logit: f64,
    /// The term in marketer points.
    pub points: i64,
}

/// What an explanation is measured from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExplanationForm {
    /// The training population's mean lead, recorded in the model file.
    Baseline,
    /// The intercept, a lead with no features: a file without a baseline.
    Intercept,
}

/// The full account of one score.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// What the terms are measured from.
    pub form: ExplanationForm,
    /// Raw-unit intercept (the score of a lead with no features).
    pub intercept: f64,
    /// Logit of the baseline lead (the intercept in the intercept form).
    pub baseline_logit: f64,
    /// `1 / (1 + e^-baseline_logit)`: "an average lead".
    pub baseline_probability: f64,
    /// Non-zero terms, largest absolute contribution first.
    pub terms: Vec<Term>,
    /// `intercept + Σ weight · value`, which is `baseline_logit + Σ
    /// terms.logit` within rounding.
    pub logit: f64,
    /// `1 / (1 + e^-logit)`.
    pub probability: f64,
    /// `Σ terms.points`: points above (or below) the baseline lead.
    pub points: i64,
}

impl Explanation {
    /// Whether every number of the account is finite (no NaN, no infinity).
    pub fn is_finite(&self) -> bool {
        self.intercept.is_finite()
            && self.baseline_logit.is_finite()
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
    /// Baseline feature vector, in feature order (zeros without one).
    baseline: Vec<f64>,
    /// `intercept + Σ weights · baseline`.
    baseline_logit: f64,
    /// Whether the file recorded a baseline.
    form: ExplanationForm,
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
        let (baseline, form) = match &file.baseline {
            Some(b) => (b.clone(), ExplanationForm::Baseline),
            None => (vec![0.0; weights.len()], ExplanationForm::Intercept),
        };
        let baseline_logit = intercept + dot(&weights, &baseline);
        LinearModel {
            file,
            features,
            weights,
            intercept,
            baseline,
            baseline_logit,
            form,
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

    /// Logit of the baseline lead (the intercept in the intercept form).
    pub fn baseline_logit(&self) -> f64 {
        self.baseline_logit
    }

    /// What explanations are measured from.
    pub fn form(&self) -> ExplanationForm {
        self.form
    }

    /// Behavior points at which probability `p` lies, counted from the
    /// baseline lead like the points of an explanation.
    pub fn points_at(&self, p: f64) -> i64 {
        ((logit(p) - self.baseline_logit) * self.file.points.per_logit).round() as i64
    }

    /// Scores and explains a feature vector computed by [`Self::features`].
    pub fn explain(&self, x: &FeatureVector) -> Explanation {
        let mut terms: Vec<Term> = x
            .values
            .iter()
            .zip(&self.baseline)
            .zip(&self.weights)
            .enumerate()
            .filter(|(_, ((v, b), _))| v != b)
            .map(|(feature, ((&value, &baseline), &weight))| {
                let logit = weight * (value - baseline);
                let points = (logit * self.file.points.per_logit).round() as i64;
                Term {
                    feature,
                    value,
                    baseline,
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
        // The score does not depend on the form: the same sum either way.
        let logit = self.intercept + dot(&self.weights, &x.values);
        // Saturating: a non-finite logit (refused by the scorer) must not panic here first.
        let points = terms
            .iter()
            .fold(0i64, |sum, t| sum.saturating_add(t.points));
        Explanation {
            form: self.form,
            intercept: self.intercept,
            baseline_logit: self.baseline_logit,
            baseline_probability: logistic(self.baseline_logit),
            terms,
            logit,
            probability: logistic(logit),
            points,
        }
    }
}

#[cfg(test)]
mod tests;
