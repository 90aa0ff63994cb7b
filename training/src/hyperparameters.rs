//! The `hyperparameters` section of a model file, typed: built once from
//! the choices a training run made, written into the file, and read by the
//! report from this struct, never back out of the JSON by key.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::per_type::PerTypeSearch;
use crate::select::{Choice, GridPoint};
use crate::settings::Settings;
use crate::train::CLASS_WEIGHTING;

/// The penalty, in words, as every model file records it.
const PENALTY: &str = "L2 on standardized coefficients, intercept unpenalized: sum(logloss) + alpha/2 * ||w||^2, alpha = 1/C";

/// How the grid point is chosen, in words.
const SELECTION: &str = "validation log-loss; validation = newest 20 % of the training part by outcome time (stratified 20 % without timestamps)";

/// Name of the solver, in words.
const SOLVER: &str = "linfa-logistic L-BFGS";

/// What the training job chose and with which settings.
#[derive(Debug, Clone, Serialize)]
pub struct Hyperparameters {
    /// Chosen decay half-life (`None`: no decay), shared by the types
    /// without their own.
    pub half_life_days: Option<f64>,
    /// Half-lives chosen per activity type (empty: the shared one only).
    pub half_life_days_by_type: BTreeMap<String, f64>,
    /// Rounds asked of the per-type search (0: not run).
    pub per_type_rounds: usize,
    /// The per-type search of the final choice, when it ran.
    pub per_type_search: Option<PerTypeSearch>,
    /// Chosen inverse L2 strength.
    pub c: f64,
    /// `1 / c`.
    pub l2_alpha: f64,
    /// [`PENALTY`].
    pub penalty: &'static str,
    /// [`CLASS_WEIGHTING`].
    pub class_weighting: &'static str,
    /// [`SELECTION`].
    pub selection: &'static str,
    /// Half-lives tried, as given.
    pub half_life_grid: Vec<String>,
    /// C values tried, ascending.
    pub c_grid: Vec<f64>,
    /// Every grid point of the final choice, in evaluation order.
    pub grid: Vec<GridPoint>,
    /// The choice made inside each evaluation split.
    pub choices_per_evaluation_split: Vec<SplitChoice>,
    /// De-duplication window of repeated activities.
    pub dedupe_window_seconds: u32,
    /// Leads an activity type or category needs to become a feature.
    pub min_feature_leads: usize,
    /// Share of leads held out for testing.
    pub test_fraction: f64,
    /// Evaluation splits.
    pub folds: usize,
    /// Rows used for selection at most.
    pub selection_rows: usize,
    /// The solver and its stopping rule.
    pub solver: Solver,
    /// Random seed.
    pub seed: u64,
}

/// The half-life and C chosen inside one evaluation split.
#[derive(Debug, Clone, Serialize)]
pub struct SplitChoice {
    /// Chosen half-life.
    pub half_life_days: Option<f64>,
    /// Chosen per-type half-lives.
    pub half_life_days_by_type: BTreeMap<String, f64>,
    /// Chosen C.
    pub c: f64,
}

/// The solver and its stopping rule.
#[derive(Debug, Clone, Serialize)]
pub struct Solver {
    /// [`SOLVER`].
    pub name: &'static str,
    /// Iteration limit.
    pub max_iterations: u64,
    /// Gradient tolerance, per training row.
    pub gradient_tolerance_per_row: f64,
}

impl Hyperparameters {
    /// The record of `chosen` (the final fit), the choices of each split
    /// and the run's `settings`.
    pub fn new(chosen: &Choice, per_split: &[Choice], settings: &Settings) -> Hyperparameters {
        Hyperparameters {
            half_life_days: chosen.half_life_days,
            half_life_days_by_type: chosen.half_life_days_by_type.clone(),
            per_type_rounds: settings.per_type_rounds,
            per_type_search: chosen.per_type.clone(),
            c: chosen.c,
            l2_alpha: 1.0 / chosen.c,
            penalty: PENALTY,
            class_weighting: CLASS_WEIGHTING,
            selection: SELECTION,
            half_life_grid: settings.half_lives.clone(),
            c_grid: settings.c_ascending(),
            grid: chosen.grid.clone(),
            choices_per_evaluation_split: per_split
                .iter()
                .map(|c| SplitChoice {
                    half_life_days: c.half_life_days,
                    half_life_days_by_type: c.half_life_days_by_type.clone(),
                    c: c.c,
                })
                .collect(),
            dedupe_window_seconds: settings.dedupe_window_seconds,
            min_feature_leads: settings.min_feature_leads,
            test_fraction: settings.test_fraction,
            folds: settings.folds,
            selection_rows: settings.selection_rows,
            solver: Solver {
                name: SOLVER,
                max_iterations: settings.max_iterations,
                gradient_tolerance_per_row: settings.gradient_tolerance,
            },
            seed: settings.seed,
        }
    }

    /// The section as the model file stores it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("hyper-parameters serialize")
    }
}
