//! Hyper-parameter choice on validation data: half-life × C grid.
//!
//! The rows handed in (the training part of an evaluation split) are split
//! again — out-of-time when outcome times exist, stratified otherwise — and
//! every grid point is fitted on the older part and scored on the newer by
//! log-loss, a proper scoring rule (it rewards calibration, not only
//! ranking). For each half-life the C grid runs from the strongest penalty
//! up, each fit warm-started from the previous one. Huge inputs are
//! subsampled first (`--selection-rows`). Then, for the event shape,
//! [`per_type`] searches half-lives per activity type on the same data.

use std::collections::BTreeMap;

use leadscore_core::features::CompiledFeatures;
use leadscore_core::model::linear::logistic;
use serde::Serialize;

use crate::design::{self, Candidates};
use crate::error::TrainError;
use crate::fit::{self, Coefs};
use crate::input::{History, Shape};
use crate::per_type::{self, PerTypeSearch, Validation};
use crate::progress;
use crate::settings::Settings;
use crate::split;
use leadscore_core::evaluation;

/// One evaluated grid point.
#[derive(Debug, Clone, Serialize)]
pub struct GridPoint {
    /// Half-life in days (`None`: no decay).
    pub half_life_days: Option<f64>,
    /// Inverse L2 strength.
    pub c: f64,
    /// Validation log-loss.
    pub log_loss: f64,
    /// Validation ROC AUC.
    pub auc: f64,
}

/// The chosen hyper-parameters and how they were chosen.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    /// Chosen half-life (shared: the fallback of the types without their own).
    pub half_life_days: Option<f64>,
    /// Half-lives chosen per activity type (empty: the shared one only).
    pub half_life_days_by_type: BTreeMap<String, f64>,
    /// The per-type search, when it ran.
    pub per_type: Option<PerTypeSearch>,
    /// Chosen C.
    pub c: f64,
    /// Rows used for fitting during selection.
    pub selection_train_rows: usize,
    /// Rows used for validation.
    pub validation_rows: usize,
    /// Every grid point, in evaluation order.
    pub grid: Vec<GridPoint>,
}

/// Chooses half-life and C for `rows`.
pub fn select(
    history: &History,
    candidates: &Candidates,
    rows: &[usize],
    settings: &Settings,
) -> Result<Choice, TrainError> {
    let step = progress::start(format!(
        "choosing half-life and L2 strength on {} leads",
        rows.len()
    ));
    let y = history.labels();
    let times = history.outcome_times();
    let rows = split::subsample(rows, settings.selection_rows, settings.seed);
    let inner = split::holdout(
        &rows,
        times.as_deref(),
        &y,
        settings.test_fraction,
        settings.seed,
    );
    let y_train: Vec<bool> = inner.train.iter().map(|&r| y[r]).collect();
    let y_valid: Vec<bool> = inner.test.iter().map(|&r| y[r]).collect();
    let v = Validation {
        train: &inner.train,
        valid: &inner.test,
        y_train: &y_train,
        y_valid: &y_valid,
    };
    let half_lives = match history.shape {
        Shape::Events => settings.half_life_grid()?,
        Shape::Wide => vec![None],
    };
    let mut grid = Vec::new();
    for half_life in half_lives {
        grid.extend(c_ladder(history, candidates, &v, half_life, settings)?);
    }
    let best = grid
        .iter()
        .min_by(|a, b| a.log_loss.total_cmp(&b.log_loss))
        .expect("the grid is never empty")
        .clone();
    step.done(format!(
        "half-life {}, C {} (validation log-loss {:.4}, AUC {:.4})",
        best.half_life_days
            .map_or("none".to_owned(), |d| format!("{d} days")),
        best.c,
        best.log_loss,
        best.auc
    ));
    let (shared, c) = (best.half_life_days, best.c);
    let per_type = per_type::search(history, candidates, &v, shared, c, settings)?;
    Ok(Choice {
        half_life_days: best.half_life_days,
        half_life_days_by_type: per_type
            .as_ref()
            .map(|p| p.half_life_days_by_type.clone())
            .unwrap_or_default(),
        per_type,
        c: best.c,
        selection_train_rows: inner.train.len(),
        validation_rows: inner.test.len(),
        grid,
    })
}

/// The C grid at `half_life`, from the strongest penalty up, each fit
/// warm-started from the previous one, scored on the validation rows.
fn c_ladder(
    history: &History,
    candidates: &Candidates,
    v: &Validation<'_>,
    half_life: Option<f64>,
    settings: &Settings,
) -> Result<Vec<GridPoint>, TrainError> {
    let no_types = BTreeMap::new();
    let compiled = CompiledFeatures::new(candidates.spec(history.shape, half_life, &no_types));
    let x_train = design::features(history, &compiled, v.train);
    let standardization = design::standardization(&x_train);
    let z_train = design::standardize(&x_train, &standardization);
    let z_valid = design::standardize(
        &design::features(history, &compiled, v.valid),
        &standardization,
    );
    let mut warm: Option<Coefs> = None;
    let mut points = Vec::new();
    for c in settings.c_ascending() {
        let coefs = fit::fit(&z_train, v.y_train, c, settings.solver(), warm.as_ref())?;
        let p: Vec<f64> = coefs
            .logits(z_valid.view())
            .iter()
            .map(|&l| logistic(l))
            .collect();
        points.push(GridPoint {
            half_life_days: half_life,
            c,
            log_loss: evaluation::log_loss(&p, v.y_valid),
            auc: evaluation::auc(&p, v.y_valid),
        });
        warm = Some(coefs);
    }
    Ok(points)
}
