//! The `fit` pipeline: load → check → evaluate honestly (with nested
//! hyper-parameter choice) → choose the MQL threshold → refit on all rows.

use leadscore_core::model::ModelFile;
use leadscore_core::time::Timestamp;
use serde_json::json;

use crate::design::Candidates;
use crate::design_export;
use crate::encoding::{self, Dropped};
use crate::error::{DataError, TrainError};
use crate::evaluate::Evaluation;
use crate::fitted::{Fitted, fit_rows};
use crate::hyperparameters::Hyperparameters;
use crate::input::History;
use crate::leakage::{self, Leakage};
use crate::progress;
use crate::score;
use crate::select::{self, Choice};
use crate::settings::Settings;
use crate::split::{self, Fold};
use crate::threshold;

/// Class weighting decision, recorded in every model file.
pub const CLASS_WEIGHTING: &str = "none: every lead weighs 1 so probabilities stay calibrated \
    (the service shows probability x 100); imbalance is handled by choosing the MQL threshold \
    (max F1 or target precision) and by stratified / out-of-time splits";

/// Everything a training run produced, before it is written.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The model file (version and creation time not yet set).
    pub file: ModelFile,
    /// What was chosen, as written in `file.hyperparameters`.
    pub hyperparameters: Hyperparameters,
    /// Held-out evaluation.
    pub evaluation: Evaluation,
    /// Rows of the (first) evaluation split's test part.
    pub test_rows: Vec<usize>,
    /// Probable-leakage flags.
    pub leakage: Leakage,
    /// Columns and levels the encoding left out.
    pub dropped: Dropped,
    /// The history it was trained on.
    pub history: History,
}

/// Runs the whole pipeline on a loaded history.
pub fn train(history: History, settings: &Settings) -> Result<Trained, TrainError> {
    settings.validate()?;
    check_outcomes(&history, settings)?;
    let (candidates, dropped) = candidates(&history, settings)?;
    let y = history.labels();
    let all: Vec<usize> = (0..history.leads.len()).collect();
    let times = history.outcome_times();
    let (protocol, folds) = evaluation_splits(&all, &y, times.as_deref(), settings);
    let pooled = evaluate_splits(&history, &candidates, &folds, &y, settings)?;
    let (mql_threshold, rule) = threshold::choose(&pooled.p, &pooled.y, settings.target_precision);
    let evaluation = Evaluation::new(&protocol, &pooled.p, &pooled.y, mql_threshold, &rule);

    let final_choice = if pooled.choices.len() == 1 {
        pooled.choices[0].clone()
    } else {
        select::select(&history, &candidates, &all, settings)?
    };
    let fitted = final_fit(&history, &candidates, &final_choice, &all, settings)?;
    let tested: Vec<usize> = folds.iter().flat_map(|f| f.test.iter().copied()).collect();
    let leakage = leakage::check(&history, &fitted.spec, &tested, evaluation.auc);
    let mut file = fitted.file(mql_threshold);
    let hyperparameters = Hyperparameters::new(&final_choice, &pooled.choices, settings);
    file.hyperparameters = hyperparameters.to_json();
    file.metrics = serde_json::to_value(&evaluation).expect("metrics serialize");
    file.training = training_summary(&history, times.as_deref(), &leakage, &dropped);
    Ok(Trained {
        file,
        hyperparameters,
        evaluation,
        test_rows: folds[0].test.clone(),
        leakage,
        dropped,
        history,
    })
}

/// Refuses a history with too few won or lost leads to learn from.
fn check_outcomes(history: &History, settings: &Settings) -> Result<(), TrainError> {
    let won = history.won();
    let lost = history.leads.len() - won;
    if won < settings.min_per_class || lost < settings.min_per_class {
        return Err(DataError::TooFewOutcomes {
            won,
            lost,
            min: settings.min_per_class,
        }
        .into());
    }
    Ok(())
}

/// The features the encoding keeps ([`encoding`]), at least one, and
/// what it left out.
fn candidates(history: &History, settings: &Settings) -> Result<(Candidates, Dropped), TrainError> {
    let (activities, categorical, dropped) =
        encoding::candidates(history, settings.min_feature_leads);
    if activities.is_empty() && categorical.is_empty() {
        return Err(DataError::NoFeatures {
            min: settings.min_feature_leads,
        }
        .into());
    }
    let candidates = Candidates {
        activities,
        categorical,
        dedupe_window_seconds: settings.dedupe_window_seconds,
    };
    Ok((candidates, dropped))
}

/// The evaluation protocol in words and its splits: out of time when every
/// lead has an outcome time, else stratified cross-validation.
fn evaluation_splits(
    all: &[usize],
    y: &[bool],
    times: Option<&[Timestamp]>,
    settings: &Settings,
) -> (String, Vec<Fold>) {
    match times {
        Some(t) => (
            format!(
                "out-of-time test on the newest {:.0} % of closed leads",
                settings.test_fraction * 100.0
            ),
            vec![split::out_of_time(all, t, settings.test_fraction)],
        ),
        None => (
            format!("stratified {}-fold cross-validation", settings.folds),
            split::stratified(all, y, settings.folds, settings.seed),
        ),
    }
}

/// Held-out predictions of every evaluation split, pooled.
struct Pooled {
    /// Predicted probabilities of the test rows, split after split.
    p: Vec<f64>,
    /// Their labels, in the same order.
    y: Vec<bool>,
    /// The hyper-parameters chosen on each split's training part.
    choices: Vec<Choice>,
}

/// Chooses hyper-parameters and fits on each split's training part, then
/// predicts its test part (the first split's design is exported on request).
fn evaluate_splits(
    history: &History,
    candidates: &Candidates,
    folds: &[Fold],
    y: &[bool],
    settings: &Settings,
) -> Result<Pooled, TrainError> {
    let mut pooled = Pooled {
        p: Vec::new(),
        y: Vec::new(),
        choices: Vec::new(),
    };
    for (i, fold) in folds.iter().enumerate() {
        let step = progress::start(format!("evaluation split {} of {}", i + 1, folds.len()));
        let choice = select::select(history, candidates, &fold.train, settings)?;
        let fitted = fit_rows(history, candidates, &choice, &fold.train, settings)?;
        let p = score::predict(history, &fitted.scorer(), &fold.test);
        if i == 0
            && let Some(dir) = &settings.export_design
        {
            design_export::write(dir, history, &fitted, &fold.test, choice.c, &p, settings)?;
        }
        pooled.y.extend(fold.test.iter().map(|&r| y[r]));
        pooled.p.extend(p);
        step.done(format!(
            "{} train / {} test leads",
            fold.train.len(),
            fold.test.len()
        ));
        pooled.choices.push(choice);
    }
    Ok(pooled)
}

/// The model fitted on every closed lead with the final choice.
fn final_fit(
    history: &History,
    candidates: &Candidates,
    choice: &Choice,
    all: &[usize],
    settings: &Settings,
) -> Result<Fitted, TrainError> {
    let step = progress::start(format!("final fit on all {} closed leads", all.len()));
    let fitted = fit_rows(history, candidates, choice, all, settings)?;
    step.done(format!(
        "{} features",
        fitted.spec.activities.len() + fitted.spec.categorical.len()
    ));
    Ok(fitted)
}

/// The `training` section of the model file.
fn training_summary(
    history: &History,
    times: Option<&[Timestamp]>,
    leakage: &Leakage,
    dropped: &Dropped,
) -> serde_json::Value {
    let range = times.and_then(|t| Some((t.iter().min()?, t.iter().max()?)));
    json!({
        "shape": history.shape,
        "rows": history.leads.len(),
        "positives": history.won(),
        "open_leads_skipped": history.open_leads,
        "sample": history.sample,
        "activities_used": history.events.at.len(),
        "activities_skipped": history.skipped_activities,
        "outcome_date_range": range.map(|(a, b)| json!({"from": a.to_rfc3339(), "to": b.to_rfc3339()})),
        "leakage_rule": history.cutoff.rule(),
        "leakage": leakage,
        "encoding": dropped,
        "inputs": history.sources,
    })
}
