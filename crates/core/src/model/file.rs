//! The model file: `models/<version>.json`.
//!
//! Written by `leadscore-train` (atomically, never overwritten) and read by
//! the service. The service uses the feature spec, standardization,
//! coefficients, intercept, threshold and points scale; `metrics`,
//! `hyperparameters` and `training` are kept as JSON and shown in model
//! cards, and the headline metrics (AUC, log-loss, Brier, calibration) are
//! read from `metrics` by type ([`ModelFile::headline_metrics`]). Versions look like `20261123T103000Z-1a2b3c4d` (UTC creation time,
//! then a content hash), so sorting versions sorts them by time.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::linear::logit;
use crate::features::{FeatureSpec, normalize_category, normalize_name};

/// Value of the `format` field this code reads and writes.
pub const MODEL_FORMAT: &str = "leadscore.model/v1";

/// Per-feature standardization used during the fit: `z = (x - mean) / scale`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardization {
    /// Mean of each feature on the training rows.
    pub mean: Vec<f64>,
    /// Standard deviation of each feature (1 where it was 0).
    pub scale: Vec<f64>,
}

/// How logits map to the integer points marketers are used to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointsScale {
    /// Points per unit of logit.
    pub per_logit: f64,
    /// Behavior points at which the MQL probability threshold lies.
    pub threshold: i64,
    /// Points earned by one fresh activity of each type (reading aid only).
    pub per_activity: std::collections::BTreeMap<String, i64>,
}

/// The model file as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    /// Always [`MODEL_FORMAT`]; anything else is refused.
    pub format: String,
    /// Sortable version: UTC time then content hash.
    pub version: String,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// How to compute the features (the same code in training and serving).
    pub features: FeatureSpec,
    /// Standardization of the features during the fit.
    pub standardization: Standardization,
    /// Coefficients on standardized features, in feature order.
    pub coefficients: Vec<f64>,
    /// Intercept on standardized features.
    pub intercept: f64,
    /// The training population's mean feature vector (raw units, feature
    /// order): the "average lead" explanations are measured from
    /// ([`super::linear`]). Files written before it existed have none and
    /// are explained the old way, from the intercept (a zero baseline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Vec<f64>>,
    /// Recommended MQL probability threshold (rules may override it).
    pub mql_threshold: f64,
    /// Points view of the model.
    pub points: PointsScale,
    /// Choices made by the training job (half-life, L2, grids, weighting).
    #[serde(default)]
    pub hyperparameters: serde_json::Value,
    /// Evaluation metrics (AUC, log-loss, calibration table, lift, …).
    #[serde(default)]
    pub metrics: serde_json::Value,
    /// Training-data summary (rows, positives, date range, input hashes).
    #[serde(default)]
    pub training: serde_json::Value,
}

/// Why a model file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    /// The file could not be read.
    #[error("cannot read model file {path}: {source}")]
    Read {
        /// File that failed.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file is not valid JSON of the expected shape (also: truncated).
    #[error("model file {path} is not a valid model: {source}")]
    Parse {
        /// File that failed.
        path: String,
        /// Underlying error, with line and column.
        source: serde_json::Error,
    },
    /// The JSON parsed but its content is inconsistent.
    #[error("model file {path} is invalid: {reason}")]
    Invalid {
        /// File that failed.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

impl ModelFile {
    /// Reads and validates a model file.
    pub fn load(path: &Path) -> Result<ModelFile, ModelFileError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ModelFileError::Read {
            path: shown.clone(),
            source,
        })?;
        let model: ModelFile =
            serde_json::from_slice(&bytes).map_err(|source| ModelFileError::Parse {
                path: shown.clone(),
                source,
            })?;
        model.validate().map_err(|reason| ModelFileError::Invalid {
            path: shown,
            reason,
        })?;
        Ok(model)
    }

    /// Checks everything the service relies on; returns the first problem.
    pub fn validate(&self) -> Result<(), String> {
        if self.format != MODEL_FORMAT {
            return Err(format!(
                "format is {:?}, this build reads {MODEL_FORMAT:?}",
                self.format
            ));
        }
        if self.version.is_empty()
            || !self
                .version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(format!(
                "version {:?} must be non-empty ASCII letters, digits and '-'",
                self.version
            ));
        }
        let n = self.features.activities.len() + self.features.categorical.len();
        for (name, len) in [
            ("coefficients", self.coefficients.len()),
            ("standardization.mean", self.standardization.mean.len()),
            ("standardization.scale", self.standardization.scale.len()),
            ("baseline", self.baseline.as_ref().map_or(n, Vec::len)),
        ] {
            if len != n {
                return Err(format!("{name} has {len} entries for {n} features"));
            }
        }
        let finite = |name: &str, v: &[f64]| match v.iter().position(|x| !x.is_finite()) {
            Some(i) => Err(format!("{name}[{i}] is not finite")),
            None => Ok(()),
        };
        finite("coefficients", &self.coefficients)?;
        finite("standardization.mean", &self.standardization.mean)?;
        finite("standardization.scale", &self.standardization.scale)?;
        finite("intercept", &[self.intercept])?;
        finite("baseline", self.baseline.as_deref().unwrap_or_default())?;
        if let Some(i) = self.standardization.scale.iter().position(|s| *s <= 0.0) {
            return Err(format!("standardization.scale[{i}] must be > 0"));
        }
        if !(self.mql_threshold > 0.0 && self.mql_threshold < 1.0) {
            return Err(format!(
                "mql_threshold {} must be in (0, 1)",
                self.mql_threshold
            ));
        }
        if !(self.points.per_logit.is_finite() && self.points.per_logit > 0.0) {
            return Err("points.per_logit must be finite and > 0".into());
        }
        self.check_half_lives()?;
        self.check_feature_names()?;
        self.check_folded()?;
        self.headline_metrics().map(drop)
    }

    /// Raw-unit weights and intercept: the standardization folded into the
    /// coefficients, `w_i = coef_i / scale_i` and
    /// `b = intercept − Σ w_i · mean_i` (see [`super::linear`]).
    pub fn folded(&self) -> (Vec<f64>, f64) {
        let s = &self.standardization;
        let weights: Vec<f64> = self
            .coefficients
            .iter()
            .zip(&s.scale)
            .map(|(c, scale)| c / scale)
            .collect();
        let shift = dot(&weights, &s.mean);
        (weights, self.intercept - shift)
    }

    /// Finite coefficients and scales can still fold to an infinite weight
    /// (a `scale` of 5e-324): every score would be 0 or 100, or, with a
    /// zero mean, the intercept NaN and no score at all. So what serving
    /// computes with is checked too: raw weights, raw intercept, and the
    /// points they are shown as.
    fn check_folded(&self) -> Result<(), String> {
        let (weights, intercept) = self.folded();
        let per_logit = self.points.per_logit;
        for (i, w) in weights.iter().enumerate() {
            if !w.is_finite() {
                return Err(format!(
                    "coefficients[{i}] / standardization.scale[{i}] (the raw-unit weight) is not finite"
                ));
            }
            if !(w * per_logit).is_finite() {
                return Err(format!(
                    "points of feature {i} (raw-unit weight × points.per_logit) are not finite"
                ));
            }
        }
        if !intercept.is_finite() {
            return Err(
                "the raw-unit intercept (intercept − Σ coefficients[i] · standardization.mean[i] / standardization.scale[i]) is not finite"
                    .into(),
            );
        }
        let baseline = self.baseline.as_deref().unwrap_or_default();
        let baseline_logit = intercept + dot(&weights, baseline);
        if !baseline_logit.is_finite() {
            return Err(
                "the baseline logit (raw intercept + Σ raw weight[i] · baseline[i]) is not finite"
                    .into(),
            );
        }
        if !((logit(self.mql_threshold) - baseline_logit) * per_logit).is_finite() {
            return Err("the points at mql_threshold are not finite".into());
        }
        Ok(())
    }

    /// The shared half-life and the per-type ones finite and > 0, each
    /// per-type one of an activity feature of the spec.
    fn check_half_lives(&self) -> Result<(), String> {
        let spec = &self.features;
        if let Some(h) = spec.half_life_days
            && !(h.is_finite() && h > 0.0)
        {
            return Err(format!(
                "features.half_life_days {h} must be finite and > 0"
            ));
        }
        for (t, h) in &spec.half_life_days_by_type {
            if !(h.is_finite() && *h > 0.0) {
                return Err(format!(
                    "features.half_life_days_by_type[{t:?}] {h} must be finite and > 0"
                ));
            }
            if !spec.activities.iter().any(|a| a.activity_type == *t) {
                return Err(format!(
                    "features.half_life_days_by_type[{t:?}] names no activity feature of the model"
                ));
            }
        }
        Ok(())
    }

    /// Units, and activity types and categories normalized and unique.
    fn check_feature_names(&self) -> Result<(), String> {
        if let Some(a) = self
            .features
            .activities
            .iter()
            .find(|a| a.unit.is_some_and(|u| !(u.is_finite() && u > 0.0)))
        {
            return Err(format!(
                "activity {:?}: unit must be finite and > 0",
                a.activity_type
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for a in &self.features.activities {
            if normalize_name(&a.activity_type) != a.activity_type
                || !seen.insert(a.activity_type.as_str())
            {
                return Err(format!(
                    "activity type {:?} is not normalized or repeated",
                    a.activity_type
                ));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for c in &self.features.categorical {
            let normal = normalize_name(&c.attribute) == c.attribute
                && normalize_category(&c.value).as_deref() == Some(c.value.as_str());
            if !normal || !seen.insert((c.attribute.as_str(), c.value.as_str())) {
                return Err(format!(
                    "categorical {}={:?} is not normalized or repeated",
                    c.attribute, c.value
                ));
            }
        }
        Ok(())
    }
}

/// `Σ a_i · b_i` over the shorter of the two (a missing baseline is empty).
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// One bin of a calibration table: predicted vs observed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Lower edge of the predicted-probability bin.
    pub lower: f64,
    /// Upper edge.
    pub upper: f64,
    /// Mean predicted probability in the bin.
    pub predicted_mean: f64,
    /// Observed won rate in the bin.
    pub observed_rate: f64,
    /// Leads in the bin.
    pub count: u64,
}

/// The metrics a model card shows, read from the `metrics` section; the
/// rest of the section is shown as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeadlineMetrics {
    /// Test ROC AUC.
    pub auc: f64,
    /// Test log-loss.
    pub log_loss: f64,
    /// Test Brier score.
    pub brier: f64,
    /// Test calibration table.
    pub calibration: Vec<CalibrationBin>,
}

impl ModelFile {
    /// Headline metrics of the `metrics` section: `None` when the file
    /// records none (no section, or `null`: hand-made files), and an error
    /// naming the field when the section is there without them. A trainer
    /// writing another schema is thereby refused at load, where it used to
    /// show as AUC 0 on every card.
    pub fn headline_metrics(&self) -> Result<Option<HeadlineMetrics>, String> {
        let m = &self.metrics;
        if m.is_null() {
            return Ok(None);
        }
        if !m.is_object() {
            return Err("metrics must be an object (or absent)".into());
        }
        Ok(Some(HeadlineMetrics {
            auc: metric(m, "auc")?,
            log_loss: metric(m, "log_loss")?,
            brier: metric(m, "brier")?,
            calibration: metric(m, "calibration")?,
        }))
    }
}

/// Field `name` of the `metrics` object, typed.
fn metric<T: serde::de::DeserializeOwned>(
    metrics: &serde_json::Value,
    name: &str,
) -> Result<T, String> {
    let value = metrics
        .get(name)
        .ok_or_else(|| format!("metrics.{name} is missing"))?;
    T::deserialize(value).map_err(|e| format!("metrics.{name}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::ModelBuilder;

    /// A valid two-feature model, standardized.
    fn model() -> ModelFile {
        let weights = [("demo_request", 2.0), ("blog_read", 0.2)];
        ModelBuilder::new("20260601T000000Z-unit0000", &weights)
            .intercept(-2.0)
            .per_logit(30.0)
            .standardized()
            .build()
    }

    #[test]
    fn metrics_are_read_by_type_and_drift_is_refused_naming_the_field() {
        let mut m = model();
        assert_eq!(m.headline_metrics(), Ok(None), "no section: no metrics");
        let bin = serde_json::json!({"lower": 0.0, "upper": 0.1,
            "predicted_mean": 0.05, "observed_rate": 0.04, "count": 7});
        m.metrics = serde_json::json!({"auc": 0.8, "log_loss": 0.4, "brier": 0.1,
            "calibration": [bin], "lift": []});
        let h = m.headline_metrics().unwrap().unwrap();
        assert_eq!((h.auc, h.log_loss, h.brier), (0.8, 0.4, 0.1));
        assert_eq!(h.calibration.len(), 1);
        assert_eq!(m.validate(), Ok(()));

        for (drift, named) in [
            (
                serde_json::json!({"roc_auc": 0.8, "log_loss": 0.4, "brier": 0.1, "calibration": []}),
                "metrics.auc is missing",
            ),
            (
                serde_json::json!({"auc": "0.8", "log_loss": 0.4, "brier": 0.1, "calibration": []}),
                "metrics.auc: invalid type",
            ),
            (
                serde_json::json!({"auc": 0.8, "log_loss": 0.4, "brier": 0.1, "calibration": [{"lower": 0}]}),
                "metrics.calibration: missing field",
            ),
            (serde_json::json!([0.8]), "metrics must be an object"),
        ] {
            m.metrics = drift;
            let e = m.validate().unwrap_err();
            assert!(e.starts_with(named), "{e}");
        }
    }

    #[test]
    fn a_scale_that_folds_to_an_infinite_weight_is_refused() {
        assert_eq!(model().validate(), Ok(()));
        // Positive and finite, so every field-level check passes.
        let mut m = model();
        m.standardization.scale[0] = 5e-324;
        let e = m.validate().unwrap_err();
        assert!(
            e.contains("coefficients[0] / standardization.scale[0]") && e.contains("not finite"),
            "{e}"
        );
        // With a zero mean the raw intercept would be NaN; still the weight is named first.
        m.standardization.mean[0] = 0.0;
        assert!(m.validate().unwrap_err().contains("scale[0]"));
    }

    #[test]
    fn an_intercept_or_points_that_overflow_are_refused() {
        // Each weight (1e308) and its points are finite; weight × mean is not.
        let mut m = model();
        m.points.per_logit = 1e-10;
        m.coefficients = vec![1e300, 1e300];
        m.standardization.scale = vec![1e-8, 1e-8];
        m.standardization.mean = vec![1e10, 1e10];
        let e = m.validate().unwrap_err();
        assert!(
            e.contains("raw-unit intercept") && e.contains("not finite"),
            "{e}"
        );

        let mut m = model();
        m.points.per_logit = 1e300;
        m.coefficients[1] = 1e300;
        let e = m.validate().unwrap_err();
        assert!(e.contains("points of feature 1"), "{e}");

        let mut m = model();
        m.points.per_logit = f64::MAX;
        m.coefficients = vec![1e-300, 1e-300];
        m.intercept = -1e300;
        let e = m.validate().unwrap_err();
        assert!(e.contains("points at mql_threshold"), "{e}");
    }

    #[test]
    fn per_type_half_lives_load_and_bad_ones_are_refused_naming_the_field() {
        let mut m = model();
        m.features
            .half_life_days_by_type
            .insert("blog_read".to_owned(), 3.0);
        assert_eq!(m.validate(), Ok(()));
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["features"]["half_life_days_by_type"]["blog_read"], 3.0);
        let old = serde_json::to_value(model()).unwrap();
        assert!(old["features"].get("half_life_days_by_type").is_none());
        let back: ModelFile = serde_json::from_value(old).unwrap();
        assert!(back.features.half_life_days_by_type.is_empty());
        for (t, h, named) in [
            (
                "blog_read",
                0.0,
                "features.half_life_days_by_type[\"blog_read\"] 0 must be finite and > 0",
            ),
            (
                "blog_read",
                f64::NAN,
                "features.half_life_days_by_type[\"blog_read\"] NaN must be",
            ),
            (
                "web_visit",
                3.0,
                "features.half_life_days_by_type[\"web_visit\"] names no activity feature",
            ),
        ] {
            let mut m = model();
            m.features.half_life_days_by_type.insert(t.to_owned(), h);
            let e = m.validate().unwrap_err();
            assert!(e.starts_with(named), "{e}");
        }
    }
}
