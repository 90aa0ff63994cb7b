//! Half-lives per activity type, chosen after the shared half-life × C
//! grid on the same validation data, by validation log-loss.
//!
//! Coordinate descent: starting from the best shared half-life (every type
//! at it) and the best C, each activity type in turn tries every other
//! value of the half-life grid (and, once moved, the shared one again)
//! with the others held; the best is taken when it lowers the validation
//! log-loss by more than [`MIN_STANDARD_ERRORS`] standard error of the
//! paired per-lead difference (a smaller gain is noise of one validation
//! sample, and then the simpler shared half-life stays). A round visits every type;
//! the search runs `--per-type-rounds` rounds (default 2), stopping early
//! when a round changes nothing. Each fit is warm-started from the best so
//! far. So at most `rounds × types × grid values` fits are added to the
//! grid's (docs/training.md). A type left at the shared half-life is not
//! in the result; an empty result means the shared half-life validated
//! better or equal, and stays the model's only one.
//!
//! One type's feature depends only on its own half-life (the shared
//! feature code weighs each type at its own rate), so the search computes
//! the design once per grid value and mixes columns; the final fit
//! computes its design with the chosen spec, through the same code.

use std::collections::BTreeMap;

use leadscore_core::evaluation;
use leadscore_core::features::CompiledFeatures;
use leadscore_core::model::linear::logistic;
use ndarray::{Array2, s};
use serde::Serialize;

use crate::design::{self, Candidates};
use crate::error::TrainError;
use crate::fit::{self, Coefs};
use crate::input::{History, Shape};
use crate::progress;
use crate::settings::Settings;

/// A per-type half-life is taken only when it lowers the mean validation
/// log-loss by more than this many standard errors of the paired per-lead
/// difference. Measured on simulated histories of 12,000–20,000 leads: a
/// fixed gain of 1e-4 moved 8 of 13 types of a one-half-life truth (noise);
/// 2 standard errors moved none, not even the two types whose true
/// half-lives were 3 and 60 days (they validated at 1.2 and 1.1); 1 moves
/// those two, and 2 of 13 on the one-half-life truth.
pub const MIN_STANDARD_ERRORS: f64 = 1.0;

/// What the search chose and what it cost.
#[derive(Debug, Clone, Serialize)]
pub struct PerTypeSearch {
    /// The types given their own half-life, in days (empty: none).
    pub half_life_days_by_type: BTreeMap<String, f64>,
    /// Rounds run (fewer than asked when one changed nothing).
    pub rounds: usize,
    /// Fits made, the shared half-life's refit included.
    pub fits: usize,
    /// Validation log-loss and AUC with the shared half-life only.
    pub shared_log_loss: f64,
    /// See `shared_log_loss`.
    pub shared_auc: f64,
    /// Validation log-loss and AUC with the chosen per-type half-lives.
    pub log_loss: f64,
    /// See `log_loss`.
    pub auc: f64,
}

/// The rows and labels the grid was chosen on.
pub struct Validation<'a> {
    /// Rows fitted on.
    pub train: &'a [usize],
    /// Rows scored.
    pub valid: &'a [usize],
    /// Labels of `train`.
    pub y_train: &'a [bool],
    /// Labels of `valid`.
    pub y_valid: &'a [bool],
}

/// The raw designs (train, valid) the search mixes.
struct Columns {
    /// The full design with every type at the shared half-life.
    base: (Array2<f64>, Array2<f64>),
    /// Per grid value: its half-life and the activity columns at it.
    by_value: Vec<(f64, Array2<f64>, Array2<f64>)>,
}

/// A fitted assignment of half-lives and its validation scores.
struct Scored {
    coefs: Coefs,
    /// Per validation lead, its log-loss.
    losses: Vec<f64>,
    log_loss: f64,
    auc: f64,
}

impl Scored {
    /// How much lower `self`'s mean log-loss is than `than`'s, if by more
    /// than [`MIN_STANDARD_ERRORS`] standard errors of the paired
    /// per-lead difference.
    fn gain_over(&self, than: &Scored) -> Option<f64> {
        let n = self.losses.len() as f64;
        let d: Vec<f64> = than
            .losses
            .iter()
            .zip(&self.losses)
            .map(|(a, b)| a - b)
            .collect();
        let mean = d.iter().sum::<f64>() / n;
        let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        (mean > MIN_STANDARD_ERRORS * (var / n).sqrt() && mean > 0.0).then_some(mean)
    }
}

/// Which grid value each activity type uses (`None`: the shared one).
type Assignment = Vec<Option<usize>>;

/// Chooses per-type half-lives for a history whose grid chose `shared` and
/// `c` on `v`; `None` when there is nothing to search (the wide shape has
/// no times, no rounds asked, no other grid value, no activity feature).
pub fn search(
    history: &History,
    candidates: &Candidates,
    v: &Validation<'_>,
    shared: Option<f64>,
    c: f64,
    settings: &Settings,
) -> Result<Option<PerTypeSearch>, TrainError> {
    let grid = settings.half_life_grid()?.into_iter().flatten();
    let values: Vec<f64> = grid.filter(|h| Some(*h) != shared).collect();
    let types = candidates.activities.len();
    let timed = matches!(history.shape, Shape::Events);
    if !timed || settings.per_type_rounds == 0 || values.is_empty() || types == 0 {
        return Ok(None);
    }
    let step = progress::start(format!(
        "choosing per-type half-lives ({types} types × {} values, up to {} rounds)",
        values.len(),
        settings.per_type_rounds
    ));
    let cols = columns(history, candidates, v, shared, &values);
    let mut assignment: Assignment = vec![None; types];
    let mut best = scored(&cols, &assignment, v, c, settings, None)?;
    let (shared_log_loss, shared_auc) = (best.log_loss, best.auc);
    let (mut fits, mut rounds) = (1, 0);
    while rounds < settings.per_type_rounds {
        rounds += 1;
        let mut changed = false;
        for j in 0..types {
            let found = best_for_type(&cols, &assignment, j, v, c, settings, &best)?;
            fits += cols.by_value.len();
            if let Some((choice, s)) = found {
                (assignment[j], best, changed) = (choice, s, true);
            }
        }
        if !changed {
            break;
        }
    }
    let by_type: BTreeMap<String, f64> = assignment
        .iter()
        .zip(&candidates.activities)
        .filter_map(|(g, a)| Some((a.activity_type.clone(), cols.by_value[(*g)?].0)))
        .collect();
    step.done(format!(
        "{} of {types} types with their own half-life (validation log-loss {shared_log_loss:.4} → {:.4}, {fits} fits)",
        by_type.len(),
        best.log_loss
    ));
    Ok(Some(PerTypeSearch {
        half_life_days_by_type: by_type,
        rounds,
        fits,
        shared_log_loss,
        shared_auc,
        log_loss: best.log_loss,
        auc: best.auc,
    }))
}

/// The best other half-life of type `j` (the shared one is `None`), if it
/// beats `best` clearly ([`Scored::gain_over`]): one fit per grid value.
fn best_for_type(
    cols: &Columns,
    assignment: &Assignment,
    j: usize,
    v: &Validation<'_>,
    c: f64,
    settings: &Settings,
    best: &Scored,
) -> Result<Option<(Option<usize>, Scored)>, TrainError> {
    let options = std::iter::once(None).chain((0..cols.by_value.len()).map(Some));
    let mut found: Option<(f64, Option<usize>, Scored)> = None;
    for option in options.filter(|o| *o != assignment[j]) {
        let mut trial = assignment.clone();
        trial[j] = option;
        let s = scored(cols, &trial, v, c, settings, Some(&best.coefs))?;
        if let Some(gain) = s.gain_over(best)
            && found.as_ref().is_none_or(|f| gain > f.0)
        {
            found = Some((gain, option, s));
        }
    }
    Ok(found.map(|(_, option, s)| (option, s)))
}

/// The raw designs of `v` at the shared half-life and at each of `values`.
fn columns(
    history: &History,
    candidates: &Candidates,
    v: &Validation<'_>,
    shared: Option<f64>,
    values: &[f64],
) -> Columns {
    let shape = history.shape;
    let design_at = |h: Option<f64>| {
        let compiled = CompiledFeatures::new(candidates.spec(shape, h, &BTreeMap::new()));
        let train = design::features(history, &compiled, v.train);
        (train, design::features(history, &compiled, v.valid))
    };
    let n = candidates.activities.len();
    let activity_columns = |x: Array2<f64>| x.slice(s![.., ..n]).to_owned();
    Columns {
        base: design_at(shared),
        by_value: values
            .iter()
            .map(|&h| {
                let (train, valid) = design_at(Some(h));
                (h, activity_columns(train), activity_columns(valid))
            })
            .collect(),
    }
}

/// Fits `assignment`'s design at `c` (warm-started from `warm`) and
/// scores it on the validation rows.
fn scored(
    cols: &Columns,
    assignment: &Assignment,
    v: &Validation<'_>,
    c: f64,
    settings: &Settings,
    warm: Option<&Coefs>,
) -> Result<Scored, TrainError> {
    let (mut train, mut valid) = cols.base.clone();
    for (j, g) in assignment.iter().enumerate() {
        if let Some(g) = *g {
            let (_, t, w) = &cols.by_value[g];
            train.column_mut(j).assign(&t.column(j));
            valid.column_mut(j).assign(&w.column(j));
        }
    }
    let standardization = design::standardization(&train);
    let z_train = design::standardize(&train, &standardization);
    let z_valid = design::standardize(&valid, &standardization);
    let coefs = fit::fit(&z_train, v.y_train, c, settings.solver(), warm)?;
    let p: Vec<f64> = coefs
        .logits(z_valid.view())
        .iter()
        .map(|&l| logistic(l))
        .collect();
    let losses = p
        .iter()
        .zip(v.y_valid)
        .map(|(&p, &y)| evaluation::row_log_loss(p, y));
    Ok(Scored {
        losses: losses.collect(),
        log_loss: evaluation::log_loss(&p, v.y_valid),
        auc: evaluation::auc(&p, v.y_valid),
        coefs,
    })
}
