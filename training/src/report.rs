//! The human report beside a model: `<version>.md` with SVG charts in
//! `<version>/` (ROC, calibration, lift with its base-rate line, weights
//! per feature kind), the leakage warnings, what the encoding left out,
//! and a profile-lift table
//! (won rate by value of each profile column) for reviewing explicit rules.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use leadscore_core::features::{FeatureSource, FeatureSpec};
use leadscore_core::model::{LinearModel, ModelFile};

use crate::encoding::Dropped;
use crate::error::OutputError;
use crate::evaluate::Evaluation;
use crate::input::History;
use crate::plots::{self, Reference, Series};
use crate::points;
use crate::train::Trained;

/// Values shown per profile column (the most frequent ones).
const PROFILE_VALUES_SHOWN: usize = 12;

/// Writes the report of `trained` (already stamped with `version`).
pub fn write(dir: &Path, version: &str, trained: &Trained) -> Result<PathBuf, OutputError> {
    let images = dir.join(version);
    std::fs::create_dir_all(&images).map_err(|source| OutputError::Write {
        path: images.clone(),
        source,
    })?;
    let e = &trained.evaluation;
    let model = LinearModel::new(trained.file.clone());
    charts(&images, e, &model)?;

    let mut md = String::new();
    summary(&mut md, version, trained, model.file());
    warnings(&mut md, trained);
    test_metrics(&mut md, e);
    mql_threshold(&mut md, version, e, model.file());
    calibration_table(&mut md, e);
    lift_table(&mut md, version, e);
    weights_table(&mut md, version, &model);
    dropped(&mut md, &trained.dropped);
    md.push_str(&profile_lift(&trained.history));
    let path = dir.join(format!("{version}.md"));
    std::fs::write(&path, md).map_err(|source| OutputError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// The SVG charts in `images`: ROC, calibration, lift and weights.
fn charts(images: &Path, e: &Evaluation, model: &LinearModel) -> Result<(), OutputError> {
    plots::unit_lines(
        &images.join("roc.svg"),
        &format!("ROC (AUC {:.3})", e.auc),
        "false-positive rate",
        "true-positive rate",
        &[Series {
            label: "model",
            points: e.roc.clone(),
        }],
    )?;
    let calibration: Vec<(f64, f64)> = e
        .calibration
        .iter()
        .map(|b| (b.predicted_mean, b.observed_rate))
        .collect();
    plots::unit_lines(
        &images.join("calibration.svg"),
        "Calibration (test)",
        "mean predicted probability",
        "observed won rate",
        &[Series {
            label: "model",
            points: calibration,
        }],
    )?;
    let lift: Vec<(String, f64)> = e
        .lift
        .iter()
        .map(|d| (format!("decile {}", d.decile), d.lift))
        .collect();
    let base = format!("base rate {:.3} (lift 1)", e.base_rate);
    plots::bars(
        &images.join("lift.svg"),
        "Lift by score decile (test)",
        "won rate / base rate",
        &lift,
        Some(Reference {
            at: 1.0,
            label: &base,
        }),
    )?;
    weight_charts(images, model)
}

/// One weights chart per feature kind, each with its own axis title:
/// `weights.svg` (activities / counts) and `weights_categories.svg`.
fn weight_charts(images: &Path, model: &LinearModel) -> Result<(), OutputError> {
    let spec = &model.file().features;
    let n_act = spec.activities.len();
    let sorted = |range: std::ops::Range<usize>| {
        let mut w: Vec<(String, f64)> = range
            .map(|i| (feature_label(spec, i), model.weights()[i]))
            .collect();
        w.sort_by(|a, b| b.1.total_cmp(&a.1));
        w
    };
    let activity_axis = match spec.source {
        FeatureSource::Events => "logit per unit of ln(1 + decayed count)",
        FeatureSource::Counts => "logit per unit of ln(1 + count / unit)",
    };
    if n_act > 0 {
        plots::bars(
            &images.join("weights.svg"),
            "Weight per activity feature",
            activity_axis,
            &sorted(0..n_act),
            None,
        )?;
    }
    if !spec.categorical.is_empty() {
        plots::bars(
            &images.join("weights_categories.svg"),
            "Weight per category value",
            "logit when the value is present",
            &sorted(n_act..model.weights().len()),
            None,
        )?;
    }
    Ok(())
}

/// Feature `i` as the report names it: the activity type with the unit of
/// a count column (`total_time (unit 404)`), or `attribute=value`.
fn feature_label(spec: &FeatureSpec, i: usize) -> String {
    match spec.activities.get(i) {
        Some(a) => match a.unit {
            Some(u) if u != 1.0 => format!("{} (unit {u})", a.activity_type),
            _ => a.activity_type.clone(),
        },
        None => {
            let c = &spec.categorical[i - spec.activities.len()];
            format!("{}={}", c.attribute, c.value)
        }
    }
}

/// The title and what the model was trained and evaluated on.
fn summary(md: &mut String, version: &str, trained: &Trained, file: &ModelFile) {
    let e = &trained.evaluation;
    let _ = writeln!(md, "# Lead-scoring model `{version}`\n");
    let _ = writeln!(
        md,
        "- Trained on {} closed leads ({} won); shape: {:?}; {} open leads skipped.",
        trained.history.leads.len(),
        trained.history.won(),
        trained.history.shape,
        trained.history.open_leads
    );
    if let Some(s) = trained.history.sample {
        let _ = writeln!(
            md,
            "- Sample (`--sample-leads {}`, stratified by outcome, `--sample-seed {}`): {} of {} \
             closed leads, {} of {} won; the activities of the other leads were not read.",
            s.leads, s.seed, s.leads, s.of, s.won, s.of_won
        );
    }
    let _ = writeln!(
        md,
        "- Decay half-life: {}{}; L2: C = {:?}.",
        file.features
            .half_life_days
            .map_or("no decay".to_owned(), |d| format!("{d} days")),
        per_type_half_lives(trained),
        trained.hyperparameters.c
    );
    let _ = writeln!(
        md,
        "- Evaluation: {} ({} leads, {} won).",
        e.protocol, e.rows, e.positives
    );
    let _ = writeln!(
        md,
        "- Class weighting: {}.\n",
        crate::train::CLASS_WEIGHTING
    );
}

/// The per-type half-lives in words, after the shared one: which types
/// decay at their own rate and what it bought on validation data.
fn per_type_half_lives(trained: &Trained) -> String {
    let h = &trained.hyperparameters;
    let Some(search) = &h.per_type_search else {
        return String::new();
    };
    if h.half_life_days_by_type.is_empty() {
        return format!(
            " for every type (no per-type half-life validated better: log-loss {:.4})",
            search.shared_log_loss
        );
    }
    let own: Vec<String> = h
        .half_life_days_by_type
        .iter()
        .map(|(t, d)| format!("`{t}` {d} days"))
        .collect();
    format!(
        ", per type: {} (validation log-loss {:.4} → {:.4}, AUC {:.4} → {:.4}; {} fits)",
        own.join(", "),
        search.shared_log_loss,
        search.log_loss,
        search.shared_auc,
        search.auc,
        search.fits
    )
}

/// The leakage warnings, if there are any, and the cutoff rule.
fn warnings(md: &mut String, trained: &Trained) {
    let warnings = trained.leakage.warnings();
    if !warnings.is_empty() {
        let _ = writeln!(md, "## Warnings\n");
        for w in warnings {
            let _ = writeln!(md, "- **Warning**: {w}.");
        }
        md.push('\n');
    }
    let _ = writeln!(md, "Leakage rule: {}.\n", trained.history.cutoff.rule());
}

/// The held-out metrics table.
fn test_metrics(md: &mut String, e: &Evaluation) {
    let _ = writeln!(
        md,
        "## Test metrics\n\n| ROC AUC | log-loss | Brier | base rate |\n|---|---|---|---|\n| {:.4} | {:.4} | {:.4} | {:.4} |\n",
        e.auc, e.log_loss, e.brier, e.base_rate
    );
}

/// The MQL threshold, its precision and recall, the confusion table and
/// the ROC and calibration charts.
fn mql_threshold(md: &mut String, version: &str, e: &Evaluation, file: &ModelFile) {
    let t = &e.threshold;
    let _ = writeln!(
        md,
        "## MQL threshold\n\nProbability **{:.4}** = **{} points** ({}).\n",
        t.threshold, file.points.threshold, t.rule
    );
    let _ = writeln!(
        md,
        "| precision | recall | F1 |\n|---|---|---|\n| {:.3} | {:.3} | {:.3} |\n",
        t.precision, t.recall, t.f1
    );
    let _ = writeln!(
        md,
        "| | flagged MQL | not flagged |\n|---|---|---|\n| **won** | {} | {} |\n| **lost** | {} | {} |\n",
        t.true_positives, t.false_negatives, t.false_positives, t.true_negatives
    );
    let _ = writeln!(
        md,
        "![ROC curve]({version}/roc.svg)\n![Calibration]({version}/calibration.svg)\n"
    );
}

/// Predicted against observed, per probability bin.
fn calibration_table(md: &mut String, e: &Evaluation) {
    let _ = writeln!(
        md,
        "### Calibration (10 bins)\n\n| bin | mean predicted | observed won rate | leads |\n|---|---|---|---|"
    );
    for b in &e.calibration {
        let _ = writeln!(
            md,
            "| {:.1}–{:.1} | {:.3} | {:.3} | {} |",
            b.lower, b.upper, b.predicted_mean, b.observed_rate, b.count
        );
    }
}

/// Won rate and lift per score decile.
fn lift_table(md: &mut String, version: &str, e: &Evaluation) {
    let _ = writeln!(
        md,
        "\n### Lift by decile\n\n![Lift]({version}/lift.svg)\n\n| decile | leads | won | won rate | lift | cumulative capture | lowest score |\n|---|---|---|---|---|---|---|"
    );
    for d in &e.lift {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.3} | {:.2} | {:.3} | {:.3} |",
            d.decile, d.count, d.won, d.rate, d.lift, d.cumulative_capture, d.min_score
        );
    }
}

/// Weight and points of every feature, activities then categories.
fn weights_table(md: &mut String, version: &str, model: &LinearModel) {
    let file = model.file();
    let spec = &file.features;
    let mut charts = String::new();
    if !spec.activities.is_empty() {
        let _ = writeln!(charts, "![Weights]({version}/weights.svg)");
    }
    if !spec.categorical.is_empty() {
        let _ = writeln!(
            charts,
            "![Category weights]({version}/weights_categories.svg)"
        );
    }
    let _ = writeln!(
        md,
        "\n## Weights and points\n\n{charts}\nPoints per logit: {:.2}; points are counted from the average training lead (the baseline, 0 points; \
         baseline logit {:.4}, probability {:.4}), so a lead with less than average is below 0. \
         Points are for one fresh activity (a count column: one unit, its median positive value, so `ln(1 + x / unit)` = ln 2), \
         or for a category value being present.\n\n| feature | kind | raw weight | points |\n|---|---|---|---|",
        file.points.per_logit,
        model.baseline_logit(),
        leadscore_core::model::linear::logistic(model.baseline_logit())
    );
    for i in 0..model.weights().len() {
        let kind = match spec.activities.get(i) {
            Some(a) => a.funnel_stage.label(),
            None => "category",
        };
        let _ = writeln!(
            md,
            "| {} | {kind} | {:+.4} | {} |",
            feature_label(spec, i),
            model.weights()[i],
            points::of_feature(model, i)
        );
    }
}

/// What the encoding left out ([`crate::encoding`]).
fn dropped(md: &mut String, d: &Dropped) {
    let _ = writeln!(
        md,
        "\n## Left out by the encoding\n\nA feature needs at least {} leads with it, and a category level as many without it.\n",
        d.min_leads
    );
    let list = |v: &[String]| v.join(", ");
    if d.rare_activities.is_empty()
        && d.constant_columns.is_empty()
        && d.shared_levels.is_empty()
        && d.rare_levels.is_empty()
    {
        let _ = writeln!(md, "Nothing was left out.");
    }
    if !d.rare_activities.is_empty() {
        let _ = writeln!(
            md,
            "- Rare activity types / count columns: {}.",
            list(&d.rare_activities)
        );
    }
    if !d.constant_columns.is_empty() {
        let _ = writeln!(
            md,
            "- Constant count columns: {}.",
            list(&d.constant_columns)
        );
    }
    for s in &d.shared_levels {
        let _ = writeln!(
            md,
            "- `{}={}`: shared by {} leads, only {} without it (near-constant; dropped).",
            s.column, s.value, s.leads, s.without
        );
    }
    for r in &d.rare_levels {
        let more = r.levels.saturating_sub(r.examples.len());
        let _ = writeln!(
            md,
            "- `{}`: {} rare levels on {} leads count as not answered ({}{}).",
            r.column,
            r.levels,
            r.leads,
            r.examples.join(", "),
            if more > 0 {
                format!(", … {more} more")
            } else {
                String::new()
            }
        );
    }
}

/// Won rate by value of each profile column (all closed leads).
fn profile_lift(history: &History) -> String {
    let base = history.won() as f64 / history.leads.len().max(1) as f64;
    let mut md = format!(
        "\n## Profile lift\n\nWon rate by value of each profile column over all {} closed leads (base rate {:.3}); \
         the {PROFILE_VALUES_SHOWN} most frequent values per column. Use it to review the explicit rules.\n",
        history.leads.len(),
        base
    );
    for values in &history.attributes.columns {
        let column = &values.key;
        let (names, of_lead) = values.levels();
        let mut counts = vec![(0usize, 0usize); names.len() + 1];
        for (lead, level) in history.leads.iter().zip(of_lead) {
            // The last slot holds the leads without a value.
            let g = &mut counts[(level as usize).min(names.len())];
            g.0 += 1;
            g.1 += usize::from(lead.won);
        }
        let groups: HashMap<String, (usize, usize)> = names
            .into_iter()
            .chain(["(missing)".to_owned()])
            .zip(counts)
            .filter(|(_, (n, _))| *n > 0)
            .collect();
        let mut groups: Vec<(String, (usize, usize))> = groups.into_iter().collect();
        groups.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
        let _ = writeln!(
            md,
            "\n### {column}\n\n| value | leads | won | won rate | lift |\n|---|---|---|---|---|"
        );
        for (value, (n, won)) in groups.iter().take(PROFILE_VALUES_SHOWN) {
            let rate = *won as f64 / *n as f64;
            let _ = writeln!(
                md,
                "| {value} | {n} | {won} | {rate:.3} | {:.2} |",
                if base > 0.0 { rate / base } else { 0.0 }
            );
        }
        if groups.len() > PROFILE_VALUES_SHOWN {
            let _ = writeln!(
                md,
                "| … {} more values | | | | |",
                groups.len() - PROFILE_VALUES_SHOWN
            );
        }
    }
    md
}
