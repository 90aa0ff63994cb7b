//! A fitted model: feature spec + standardization + coefficients, and its
//! conversion to the `leadscore.model/v1` file the service loads.

use leadscore_core::features::{CompiledFeatures, FeatureSpec};
use leadscore_core::model::{LinearModel, MODEL_FORMAT, ModelFile, PointsScale, Standardization};
use ndarray::Array2;

use crate::design::{self, Candidates};
use crate::error::TrainError;
use crate::fit::{self, Coefs};
use crate::input::History;
use crate::points;
use crate::select::Choice;
use crate::settings::Settings;

/// A fit on some rows, with the standardized design it was fitted on.
#[derive(Debug, Clone)]
pub struct Fitted {
    /// Feature spec (with the chosen half-lives).
    pub spec: FeatureSpec,
    /// Standardization computed on the training rows; its mean is also
    /// the model's baseline (the average training lead).
    pub standardization: Standardization,
    /// Coefficients on standardized features.
    pub coefs: Coefs,
    /// Standardized training design (rows in the order given).
    pub design: Array2<f64>,
    /// Training labels, in the same order.
    pub labels: Vec<bool>,
}

/// Fits on `rows` with the half-lives (shared and per type) and inverse L2
/// strength `c` of `choice`.
pub fn fit_rows(
    history: &History,
    candidates: &Candidates,
    choice: &Choice,
    rows: &[usize],
    settings: &Settings,
) -> Result<Fitted, TrainError> {
    let by_type = &choice.half_life_days_by_type;
    let spec = candidates.spec(history.shape, choice.half_life_days, by_type);
    let x = design::features(history, &CompiledFeatures::new(spec.clone()), rows);
    let standardization = design::standardization(&x);
    let design = design::standardize(&x, &standardization);
    // Not held during the fit: at millions of leads it is a copy of the design.
    drop(x);
    let labels: Vec<bool> = rows.iter().map(|&r| history.leads[r].won).collect();
    let coefs = fit::fit(&design, &labels, choice.c, settings.solver(), None)?;
    Ok(Fitted {
        spec,
        standardization,
        coefs,
        design,
        labels,
    })
}

impl Fitted {
    /// The model file (points filled in; version, creation time and the
    /// free-form sections are left for the caller).
    pub fn file(&self, mql_threshold: f64) -> ModelFile {
        let mut file = ModelFile {
            format: MODEL_FORMAT.to_owned(),
            version: "draft".to_owned(),
            created_at: String::new(),
            features: self.spec.clone(),
            standardization: self.standardization.clone(),
            coefficients: self.coefs.w.to_vec(),
            intercept: self.coefs.b,
            // The mean of the raw design these rows were fitted on (the
            // shared feature code, so serving's baseline is training's).
            baseline: Some(self.standardization.mean.clone()),
            mql_threshold,
            points: PointsScale {
                per_logit: 1.0,
                threshold: 0,
                per_activity: Default::default(),
            },
            hyperparameters: serde_json::Value::Null,
            metrics: serde_json::Value::Null,
            training: serde_json::Value::Null,
        };
        points::fill(&mut file);
        file
    }

    /// The fit as the service would load it (for scoring held-out leads).
    pub fn scorer(&self) -> LinearModel {
        LinearModel::new(self.file(0.5))
    }
}
