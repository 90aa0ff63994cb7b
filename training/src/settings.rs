//! Hyper-parameters and limits of `fit`, with documented defaults, checked
//! before any work starts.

use std::path::PathBuf;

use clap::Args;

use crate::error::DataError;
use crate::fit::Solver;

/// Most rounds of the per-type half-life search: each round costs up to
/// types × half-life values fits, and coordinate descent on a grid
/// settles within a few.
pub const MAX_PER_TYPE_ROUNDS: usize = 10;

/// Settings of a training run.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Refuse to train with fewer won (or lost) closed leads than this.
    #[arg(long, default_value_t = 40)]
    pub min_per_class: usize,
    /// Half-life grid in days; `none` means no decay (event shape only).
    #[arg(long, value_delimiter = ',', default_value = "none,7,14,30,60,90,180")]
    pub half_lives: Vec<String>,
    /// Rounds of the per-type half-life search after the shared grid
    /// (coordinate descent over activity types on the grid's values; each
    /// round fits at most types × half-life values); 0: one shared
    /// half-life for every type.
    #[arg(long, default_value_t = 2)]
    pub per_type_rounds: usize,
    /// Grid of inverse L2 strengths C (scikit-learn's C; linfa alpha = 1/C).
    #[arg(long, value_delimiter = ',', default_value = "0.001,0.01,0.1,1,10")]
    pub c_grid: Vec<f64>,
    /// Repeats of one activity type closer than this many seconds count once.
    #[arg(long, default_value_t = 60)]
    pub dedupe_window_seconds: u32,
    /// A feature is used only if at least this many leads have it.
    #[arg(long, default_value_t = 20)]
    pub min_feature_leads: usize,
    /// Share of closed leads (newest by outcome time) held out for the test.
    #[arg(long, default_value_t = 0.2)]
    pub test_fraction: f64,
    /// Folds of the stratified cross-validation (inputs without timestamps).
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Hyper-parameters are chosen on a random subset of at most this many rows.
    #[arg(long, default_value_t = 200_000)]
    pub selection_rows: usize,
    /// L-BFGS iteration cap per fit.
    #[arg(long, default_value_t = 1000)]
    pub max_iterations: u64,
    /// Gradient-norm tolerance per training row.
    #[arg(long, default_value_t = 1e-7)]
    pub gradient_tolerance: f64,
    /// MQL threshold: the lowest reaching this test precision (default: maximize F1).
    #[arg(long)]
    pub target_precision: Option<f64>,
    /// Seed of every random split.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also write the standardized design matrix of the (first) evaluation
    /// split, its labels and the chosen C to this directory as CSV / JSON.
    #[arg(long)]
    pub export_design: Option<PathBuf>,
}

impl Settings {
    /// The half-life grid as numbers (`None` = no decay).
    pub fn half_life_grid(&self) -> Result<Vec<Option<f64>>, DataError> {
        self.half_lives
            .iter()
            .map(|h| match h.trim().to_ascii_lowercase().as_str() {
                "none" | "inf" | "0" => Ok(None),
                v => match v.parse::<f64>() {
                    Ok(d) if d.is_finite() && d > 0.0 => Ok(Some(d)),
                    _ => Err(DataError::Setting(format!(
                        "--half-lives: {h:?} is not a positive number of days or `none`"
                    ))),
                },
            })
            .collect()
    }

    /// Checks every setting; the first problem is returned.
    pub fn validate(&self) -> Result<(), DataError> {
        let bad = |m: &str| Err(DataError::Setting(m.to_owned()));
        self.half_life_grid()?;
        if self.half_lives.is_empty() || self.c_grid.is_empty() {
            return bad("--half-lives and --c-grid need at least one value each");
        }
        if self.per_type_rounds > MAX_PER_TYPE_ROUNDS {
            return Err(DataError::Setting(format!(
                "--per-type-rounds must be at most {MAX_PER_TYPE_ROUNDS}"
            )));
        }
        if self.c_grid.iter().any(|c| !(c.is_finite() && *c > 0.0)) {
            return bad("--c-grid values must be finite and > 0");
        }
        if !(self.test_fraction > 0.0 && self.test_fraction < 0.9) {
            return bad("--test-fraction must be in (0, 0.9)");
        }
        if self.folds < 2 {
            return bad("--folds must be at least 2");
        }
        if self.min_per_class < 2 {
            return bad("--min-per-class must be at least 2");
        }
        if self.selection_rows < 100 {
            return bad("--selection-rows must be at least 100");
        }
        if self.max_iterations == 0
            || !(self.gradient_tolerance.is_finite() && self.gradient_tolerance > 0.0)
        {
            return bad("--max-iterations and --gradient-tolerance must be > 0");
        }
        if let Some(p) = self.target_precision
            && !(p > 0.0 && p <= 1.0)
        {
            return bad("--target-precision must be in (0, 1]");
        }
        Ok(())
    }

    /// The optimizer settings.
    pub fn solver(&self) -> Solver {
        Solver {
            max_iterations: self.max_iterations,
            gradient_tolerance: self.gradient_tolerance,
        }
    }

    /// The C grid in ascending order (strongest penalty first, for warm starts).
    pub fn c_ascending(&self) -> Vec<f64> {
        let mut cs = self.c_grid.clone();
        cs.sort_by(f64::total_cmp);
        cs.dedup();
        cs
    }
}
