//! The human report beside a model: `<version>.md` with SVG charts in
//! `<version>/` (ROC, calibration, lift, weights) and a profile-lift table
//! (won rate by value of each profile column) for reviewing explicit rules.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use leadscore_core::features::normalize_category;
use leadscore_core::model::{LinearModel, ModelFile};

use crate::encoding::Dropped;
use crate::error::OutputError;
use crate::evaluate::Evaluation;
use crate::input::History;
use crate::plots::{self, Series};
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
    plots::bars(
        &images.join("lift.svg"),
        "Lift by score decile (test)",
        "won rate / base rate",
        &lift,
    )?;
    let mut weights: Vec<(String, f64)> = model
        .weights()
        .iter()
        .enumerate()
        .map(|(i, w)| (model.feature_name(i).to_owned(), *w))
        .collect();
    weights.sort_by(|a, b| b.1.total_cmp(&a.1));
    plots::bars(
        &images.join("weights.svg"),
        "Weight per feature (logit per unit of ln(1+count))",
        "raw-unit weight",
        &weights,
    )?;
    Ok(())
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
    let _ = writeln!(
        md,
        "- Decay half-life: {}; L2: C = {:?}.",
        file.features
            .half_life_days
            .map_or("no decay".to_owned(), |d| format!("{d} days")),
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
    let _ = writeln!(
        md,
        "\n## Weights and points\n\n![Weights]({version}/weights.svg)\n\nPoints per logit: {:.2}; a lead with no activity starts at the intercept (0 points).\n\n| feature | funnel stage | raw weight | points for one fresh activity |\n|---|---|---|---|",
        file.points.per_logit
    );
    for (i, a) in file.features.activities.iter().enumerate() {
        let _ = writeln!(
            md,
            "| {} | {} | {:+.4} | {} |",
            a.activity_type,
            a.funnel_stage.label(),
            model.weights()[i],
            file.points
                .per_activity
                .get(&a.activity_type)
                .copied()
                .unwrap_or(0)
        );
    }
    let n_act = file.features.activities.len();
    for (i, c) in file.features.categorical.iter().enumerate() {
        let w = model.weights()[n_act + i];
        let _ = writeln!(
            md,
            "| {}={} | category | {:+.4} | {} |",
            c.attribute,
            c.value,
            w,
            (w * file.points.per_logit).round() as i64
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
    if !d.rare_activities.is_empty() {
        let _ = writeln!(md, "- Rare activity types / count columns: {}.", list(&d.rare_activities));
    }
    if !d.constant_columns.is_empty() {
        let _ = writeln!(md, "- Constant count columns: {}.", list(&d.constant_columns));
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
            if more > 0 { format!(", … {more} more") } else { String::new() }
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
    for column in &history.profile_columns {
        let mut groups: HashMap<String, (usize, usize)> = HashMap::new();
        for lead in &history.leads {
            let value = lead
                .attributes
                .get(column)
                .and_then(|v| normalize_category(v))
                .unwrap_or_else(|| "(missing)".into());
            let g = groups.entry(value).or_default();
            g.0 += 1;
            g.1 += usize::from(lead.won);
        }
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
