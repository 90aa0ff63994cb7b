//! Honest evaluation: metrics of held-out predictions, and the `evaluate`
//! subcommand that checks an existing model against other data. The
//! metrics themselves are the service's ([`leadscore_core::evaluation`]), so
//! the test report and the live pipeline health compute them one way.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use leadscore_core::evaluation;
use leadscore_core::model::{LinearModel, ModelFile};
use serde::Serialize;

pub mod presence;

use crate::error::{OutputError, TrainError};
use crate::input::InputArgs;
use crate::score;
use crate::threshold::{self, ThresholdMetrics};

/// Metrics of predictions `p` against outcomes.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// How the predictions were obtained (split protocol or "existing model").
    pub protocol: String,
    /// Leads evaluated.
    pub rows: usize,
    /// Won leads among them.
    pub positives: usize,
    /// Won share.
    pub base_rate: f64,
    /// ROC AUC.
    pub auc: f64,
    /// Mean log-loss.
    pub log_loss: f64,
    /// Brier score.
    pub brier: f64,
    /// 10-bin calibration table.
    pub calibration: Vec<evaluation::CalibrationBin>,
    /// Lift by decile.
    pub lift: Vec<evaluation::Decile>,
    /// Precision / recall / confusion at the MQL threshold.
    pub threshold: ThresholdMetrics,
    /// ROC curve points (for the report, not stored).
    #[serde(skip)]
    pub roc: Vec<(f64, f64)>,
}

impl Evaluation {
    /// Evaluates `p` against `y` at `threshold`.
    pub fn new(protocol: &str, p: &[f64], y: &[bool], threshold: f64, rule: &str) -> Evaluation {
        let positives = y.iter().filter(|v| **v).count();
        Evaluation {
            protocol: protocol.to_owned(),
            rows: y.len(),
            positives,
            base_rate: positives as f64 / y.len().max(1) as f64,
            auc: evaluation::auc(p, y),
            log_loss: evaluation::log_loss(p, y),
            brier: evaluation::brier(p, y),
            calibration: evaluation::calibration(p, y),
            lift: evaluation::lift(p, y),
            threshold: threshold::at(p, y, threshold, rule),
            roc: evaluation::roc_curve(p, y),
        }
    }

    /// Plain-text summary for terminals.
    pub fn to_text(&self) -> String {
        let t = &self.threshold;
        let mut s = format!(
            "{} on {} leads ({} won, base rate {:.3})\n  ROC AUC {:.4}   log-loss {:.4}   Brier {:.4}\n  \
             MQL threshold {:.4} ({}): precision {:.3}, recall {:.3}, F1 {:.3}; \
             TP {} FP {} TN {} FN {}\n  calibration (predicted → observed, n):",
            self.protocol,
            self.rows,
            self.positives,
            self.base_rate,
            self.auc,
            self.log_loss,
            self.brier,
            t.threshold,
            t.rule,
            t.precision,
            t.recall,
            t.f1,
            t.true_positives,
            t.false_positives,
            t.true_negatives,
            t.false_negatives
        );
        for b in &self.calibration {
            let _ = write!(
                s,
                "\n    {:.1}-{:.1}: {:.3} → {:.3} ({})",
                b.lower, b.upper, b.predicted_mean, b.observed_rate, b.count
            );
        }
        s.push_str("\n  lift by decile:");
        for d in &self.lift {
            let _ = write!(
                s,
                "\n    {:>2}: rate {:.3}, lift {:.2}, cumulative capture {:.3}",
                d.decile, d.rate, d.lift, d.cumulative_capture
            );
        }
        s
    }
}

/// Flags of `leadscore-train evaluate`.
#[derive(Debug, Clone, Args)]
pub struct EvaluateArgs {
    /// Model file to evaluate (`models/<version>.json`).
    #[arg(long)]
    pub model: PathBuf,
    /// The history to evaluate on.
    #[command(flatten)]
    pub input: InputArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Scores every closed lead of the input with the model, as the service
/// would, and prints the metrics at the model's MQL threshold (warning on
/// stderr when the data has few or none of the model's features).
pub fn run(args: &EvaluateArgs) -> Result<(), TrainError> {
    let file = ModelFile::load(&args.model).map_err(OutputError::from)?;
    let model = LinearModel::new(file);
    let history = args.input.load()?;
    if let Some(warning) = presence::Presence::of(&history, &model).warning() {
        eprintln!("warning: {warning}");
    }
    let rows: Vec<usize> = (0..history.leads.len()).collect();
    let p = score::predict(&history, &model, &rows);
    let protocol = format!("model {}", model.version());
    let evaluation = Evaluation::new(
        &protocol,
        &p,
        &history.labels(),
        model.file().mql_threshold,
        "model's MQL threshold",
    );
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&evaluation).expect("metrics serialize")
        );
    } else {
        println!("{}", evaluation.to_text());
    }
    Ok(())
}
