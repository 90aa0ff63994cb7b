//! Pipeline health: does the score still predict outcomes?
//!
//! The store gathers a window's facts ([`PipelineFacts`]: the closed leads
//! with their predictions as of the outcome (see
//! [`crate::features::cutoff::closed_lead_as_of`]), the
//! funnel of the leads that qualified, hand-backs, overdue follow-ups) and
//! [`assess`] turns them into a [`PipelineHealth`] report with the same
//! metrics the training job reports ([`crate::evaluation`]), a verdict per
//! model in words, and, when a shadow model is named, a comparison of both
//! on the same outcomes.
//!
//! A model looks **stale** when, on at least
//! [`HealthThresholds::min_outcomes`] outcomes it scored, the observed
//! conversion per score decile no longer rises with the score (Spearman
//! rank correlation below [`HealthThresholds::min_rank_correlation`]) or
//! its calibration is off by more than
//! [`HealthThresholds::calibration_margin`] (count-weighted mean gap
//! between predicted and observed conversion over 10 probability bins).

use crate::evaluation::{self, CalibrationBin, Decile};
use crate::time::Timestamp;

/// Outcomes a model must have scored before it is judged (default).
pub const DEFAULT_MIN_OUTCOMES: u64 = 200;
/// Largest tolerated mean calibration gap (default).
pub const DEFAULT_CALIBRATION_MARGIN: f64 = 0.10;
/// Smallest tolerated rank correlation of decile and conversion (default).
pub const DEFAULT_MIN_RANK_CORRELATION: f64 = 0.5;

/// When a model is called stale. Checked: see [`HealthThresholds::new`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HealthThresholds {
    /// Below this many outcomes a model is not judged (too few to tell
    /// noise from drift). Default [`DEFAULT_MIN_OUTCOMES`].
    pub min_outcomes: u64,
    /// Largest tolerated mean |predicted − observed| over calibration bins.
    /// Default [`DEFAULT_CALIBRATION_MARGIN`].
    pub calibration_margin: f64,
    /// Smallest tolerated Spearman correlation of score rank and observed
    /// conversion over the deciles. Default [`DEFAULT_MIN_RANK_CORRELATION`].
    pub min_rank_correlation: f64,
}

impl Default for HealthThresholds {
    fn default() -> Self {
        HealthThresholds {
            min_outcomes: DEFAULT_MIN_OUTCOMES,
            calibration_margin: DEFAULT_CALIBRATION_MARGIN,
            min_rank_correlation: DEFAULT_MIN_RANK_CORRELATION,
        }
    }
}

/// A threshold out of its range: the field and the rule.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ThresholdError {
    /// Field name.
    pub field: &'static str,
    /// The rule it breaks.
    pub reason: &'static str,
}

impl HealthThresholds {
    /// Checked thresholds: `min_outcomes` in 10..=10,000,000,
    /// `calibration_margin` in (0, 1), `min_rank_correlation` in [-1, 1].
    pub fn new(
        min_outcomes: u64,
        calibration_margin: f64,
        min_rank_correlation: f64,
    ) -> Result<HealthThresholds, ThresholdError> {
        if !(10..=10_000_000).contains(&min_outcomes) {
            return Err(ThresholdError {
                field: "min_outcomes",
                reason: "must be between 10 and 10,000,000",
            });
        }
        if !(calibration_margin > 0.0 && calibration_margin < 1.0) {
            return Err(ThresholdError {
                field: "calibration_margin",
                reason: "must be greater than 0 and less than 1",
            });
        }
        if !(-1.0..=1.0).contains(&min_rank_correlation) {
            return Err(ThresholdError {
                field: "min_rank_correlation",
                reason: "must be between -1 and 1",
            });
        }
        Ok(HealthThresholds {
            min_outcomes,
            calibration_margin,
            min_rank_correlation,
        })
    }
}

/// A closed lead as pipeline health sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredOutcome {
    /// Won (else lost).
    pub won: bool,
    /// Active model's probability as of the outcome (scored when it was
    /// recorded, with only the activity before it).
    pub probability: f64,
    /// The model that gave it.
    pub model_version: String,
    /// The shadow's probability and version, likewise, if a shadow was named.
    pub shadow: Option<(f64, String)>,
}

/// How far the leads that qualified in the window got, each counted from
/// its first qualification in the window on, so every step is a subset of
/// the one before: qualified ⊇ reached SQL ⊇ accepted. Outcomes are a
/// branch of their own: a qualified lead may be won or lost at any step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Funnel {
    /// Leads that became MQL (or SQL directly) in the window.
    pub qualified: u64,
    /// Of those, leads that became SQL.
    pub reached_sql: u64,
    /// Of those SQLs, leads sales accepted.
    pub accepted: u64,
    /// Of the qualified leads, leads won (accepted or not).
    pub won: u64,
    /// Of the qualified leads, leads lost (accepted or not).
    pub lost: u64,
}

impl Funnel {
    /// Qualified leads with an outcome: what the win rate is a share of.
    pub fn closed(&self) -> u64 {
        self.won + self.lost
    }
}

/// What the store knows about a window.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineFacts {
    /// Window start (inclusive).
    pub from: Timestamp,
    /// Window end (exclusive); also the time overdue follow-ups are judged at.
    pub to: Timestamp,
    /// Leads with an outcome in the window.
    pub outcomes: Vec<ScoredOutcome>,
    /// The window's qualification funnel.
    pub funnel: Funnel,
    /// Leads that became SQL in the window.
    pub sqls: u64,
    /// Hand-backs in the window, by reason, most frequent first.
    pub hand_back_reasons: Vec<(String, u64)>,
    /// Overdue follow-ups announced in the window.
    pub overdue_announced: u64,
    /// Accepted, still open leads whose follow-up deadline passed before `to`.
    pub overdue_open: u64,
}

/// One model judged on outcomes.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelHealth {
    /// Model version.
    pub model_version: String,
    /// Outcomes it scored.
    pub outcomes: u64,
    /// Of which won.
    pub won: u64,
    /// ROC AUC.
    pub auc: f64,
    /// Mean log-loss.
    pub log_loss: f64,
    /// Brier score.
    pub brier: f64,
    /// Predicted vs observed per probability bin.
    pub calibration: Vec<CalibrationBin>,
    /// Count-weighted mean |predicted − observed| over the bins.
    pub calibration_error: f64,
    /// Conversion per score decile (1 = highest scores).
    pub deciles: Vec<Decile>,
    /// Spearman correlation of score rank and decile conversion (1 =
    /// conversion rises with every decile).
    pub rank_correlation: f64,
    /// Judged stale (never with fewer than the minimum outcomes).
    pub stale: bool,
    /// The verdict in words.
    pub findings: Vec<String>,
}

/// Hand-backs of SQLs in the window.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HandBack {
    /// Leads that became SQL in the window.
    pub sqls: u64,
    /// Hand-backs in the window.
    pub handed_back: u64,
    /// `handed_back / sqls` (0 without SQLs).
    pub share: f64,
    /// By reason, most frequent first.
    pub reasons: Vec<(String, u64)>,
}

/// The report.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineHealth {
    /// Window start.
    pub from: Timestamp,
    /// Window end.
    pub to: Timestamp,
    /// Qualification funnel.
    pub funnel: Funnel,
    /// The active model on the outcomes it scored.
    pub active: ModelHealth,
    /// The shadow model, on the outcomes both it and the active model
    /// scored (when a shadow is named).
    pub shadow: Option<ModelHealth>,
    /// The active model on those same outcomes, for a like-for-like
    /// comparison with [`PipelineHealth::shadow`].
    pub active_on_shadow_outcomes: Option<ModelHealth>,
    /// Outcomes in the window scored by other model versions (left out).
    pub outcomes_other_models: u64,
    /// Hand-backs.
    pub hand_back: HandBack,
    /// Overdue follow-ups announced in the window.
    pub overdue_announced: u64,
    /// Accepted, still open leads past their deadline at the window's end.
    pub overdue_open: u64,
    /// The active model looks stale.
    pub stale: bool,
    /// The report in words.
    pub summary: Vec<String>,
}

/// Share `a / b`, 0 when `b` is 0.
pub fn rate(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Average ranks (1-based, ties share their mean rank).
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut out = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let j = i + order[i..]
            .iter()
            .take_while(|&&k| v[k] == v[order[i]])
            .count();
        for &k in &order[i..j] {
            out[k] = (i + j + 1) as f64 / 2.0;
        }
        i = j;
    }
    out
}

/// Spearman rank correlation; 0 when either side is constant.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let (rx, ry) = (ranks(x), ranks(y));
    let n = rx.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = rx.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = ry.iter().map(|b| (b - my).powi(2)).sum();
    if vx == 0.0 || vy == 0.0 {
        0.0
    } else {
        cov / (vx * vy).sqrt()
    }
}

/// Judges one model on `(probability, won)` pairs.
pub fn judge(
    model_version: &str,
    p: &[f64],
    y: &[bool],
    thresholds: &HealthThresholds,
) -> ModelHealth {
    let calibration = evaluation::calibration(p, y);
    let n = p.len() as u64;
    let calibration_error = calibration
        .iter()
        .map(|b| b.count as f64 * (b.predicted_mean - b.observed_rate).abs())
        .sum::<f64>()
        / n.max(1) as f64;
    let deciles = evaluation::lift(p, y);
    // Deciles run from the highest scores down; rising conversion means
    // rate falls as the decile number grows.
    let order: Vec<f64> = deciles.iter().map(|d| -(d.decile as f64)).collect();
    let rates: Vec<f64> = deciles.iter().map(|d| d.rate).collect();
    let rank_correlation = spearman(&order, &rates);
    let mut findings = Vec::new();
    let mut stale = false;
    if n < thresholds.min_outcomes {
        findings.push(format!(
            "only {n} outcomes scored by {model_version} in this window; {} are needed to judge it",
            thresholds.min_outcomes
        ));
    } else {
        if rank_correlation < thresholds.min_rank_correlation {
            stale = true;
            findings.push(format!(
                "observed conversion per score decile no longer rises with the score (rank correlation {rank_correlation:.2}, at least {:.2} expected)",
                thresholds.min_rank_correlation
            ));
        }
        if calibration_error > thresholds.calibration_margin {
            stale = true;
            findings.push(format!(
                "calibration is off: predicted and observed conversion differ by {calibration_error:.3} on average (margin {:.3})",
                thresholds.calibration_margin
            ));
        }
        if !stale {
            findings.push(format!(
                "conversion rises with the score (rank correlation {rank_correlation:.2}) and predictions are within {calibration_error:.3} of observed conversion"
            ));
        }
    }
    ModelHealth {
        model_version: model_version.to_owned(),
        outcomes: n,
        won: y.iter().filter(|w| **w).count() as u64,
        auc: evaluation::auc(p, y),
        log_loss: evaluation::log_loss(p, y),
        brier: evaluation::brier(p, y),
        calibration,
        calibration_error,
        deciles,
        rank_correlation,
        stale,
        findings,
    }
}

/// The report for `facts`, judging `active_version` and, if named,
/// `shadow_version`.
pub fn assess(
    facts: &PipelineFacts,
    active_version: &str,
    shadow_version: Option<&str>,
    thresholds: &HealthThresholds,
) -> PipelineHealth {
    let scored: Vec<&ScoredOutcome> = facts
        .outcomes
        .iter()
        .filter(|o| o.model_version == active_version)
        .collect();
    let p: Vec<f64> = scored.iter().map(|o| o.probability).collect();
    let y: Vec<bool> = scored.iter().map(|o| o.won).collect();
    let active = judge(active_version, &p, &y, thresholds);
    let mut summary = vec![verdict(&active, thresholds)];
    if active.stale {
        summary.push(
            "Retrain on recent outcomes: `leadscore export`, then `leadscore-train fit`; name the new model as shadow to compare before activating it.".to_owned(),
        );
    }

    let (shadow, active_on_shadow_outcomes) = match shadow_version {
        None => (None, None),
        Some(sv) => {
            let both: Vec<(f64, f64, bool)> = scored
                .iter()
                .filter_map(|o| match &o.shadow {
                    Some((sp, v)) if v == sv => Some((o.probability, *sp, o.won)),
                    _ => None,
                })
                .collect();
            let y: Vec<bool> = both.iter().map(|t| t.2).collect();
            let pa: Vec<f64> = both.iter().map(|t| t.0).collect();
            let ps: Vec<f64> = both.iter().map(|t| t.1).collect();
            let a = judge(active_version, &pa, &y, thresholds);
            let s = judge(sv, &ps, &y, thresholds);
            summary.push(compare(&a, &s, thresholds));
            (Some(s), Some(a))
        }
    };

    let handed_back: u64 = facts.hand_back_reasons.iter().map(|(_, n)| n).sum();
    let hand_back = HandBack {
        sqls: facts.sqls,
        handed_back,
        share: rate(handed_back, facts.sqls),
        reasons: facts.hand_back_reasons.clone(),
    };
    if handed_back > 0 {
        let top = &hand_back.reasons[0];
        summary.push(format!(
            "Sales handed back {handed_back} lead(s), {:.0}% of the {} SQLs of the window; most often: {:?} ({}).",
            hand_back.share * 100.0,
            facts.sqls,
            top.0,
            top.1
        ));
    }
    if facts.overdue_open > 0 {
        summary.push(format!(
            "{} accepted lead(s) are past their follow-up deadline.",
            facts.overdue_open
        ));
    }
    PipelineHealth {
        from: facts.from,
        to: facts.to,
        funnel: facts.funnel,
        stale: active.stale,
        active,
        shadow,
        active_on_shadow_outcomes,
        outcomes_other_models: (facts.outcomes.len() - scored.len()) as u64,
        hand_back,
        overdue_announced: facts.overdue_announced,
        overdue_open: facts.overdue_open,
        summary,
    }
}

/// The active model's verdict in words: judged only on at least
/// [`HealthThresholds::min_outcomes`] outcomes; metrics of fewer are shown
/// as such, and of none not at all.
fn verdict(m: &ModelHealth, t: &HealthThresholds) -> String {
    let (version, n, findings) = (&m.model_version, m.outcomes, m.findings.join("; "));
    if n == 0 {
        return format!("Model {version}: nothing to judge yet: {findings}.");
    }
    if n < t.min_outcomes {
        return format!(
            "Model {version}: too few outcomes to judge yet (AUC {:.3} on {n} so far): {findings}.",
            m.auc
        );
    }
    let verdict = if m.stale { "looks stale" } else { "holds up" };
    format!(
        "Model {version} {verdict} on {n} outcomes (AUC {:.3}): {findings}.",
        m.auc
    )
}

/// Shadow versus active on the same outcomes, in words.
fn compare(active: &ModelHealth, shadow: &ModelHealth, t: &HealthThresholds) -> String {
    if shadow.outcomes == 0 {
        return format!(
            "Nothing to compare yet: no outcome of this window was scored by both shadow {} and active {}; {} are needed to choose.",
            shadow.model_version, active.model_version, t.min_outcomes
        );
    }
    let head = format!(
        "On the same {} outcomes, shadow {} has AUC {:.3} and log-loss {:.3}; active {} has AUC {:.3} and log-loss {:.3}",
        shadow.outcomes,
        shadow.model_version,
        shadow.auc,
        shadow.log_loss,
        active.model_version,
        active.auc,
        active.log_loss
    );
    if shadow.outcomes < t.min_outcomes {
        return format!("{head}: too few outcomes to choose yet.");
    }
    if shadow.log_loss < active.log_loss && shadow.auc >= active.auc && !shadow.stale {
        format!(
            "{head}: the shadow predicts better; consider ActivateModel({}).",
            shadow.model_version
        )
    } else {
        format!("{head}: keep the active model.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_is_one_for_rising_and_minus_one_for_falling() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert!((spearman(&x, &[0.1, 0.2, 0.3, 0.9]) - 1.0).abs() < 1e-12);
        assert!((spearman(&x, &[0.9, 0.3, 0.2, 0.1]) + 1.0).abs() < 1e-12);
        assert_eq!(spearman(&x, &[0.5; 4]), 0.0);
    }

    #[test]
    fn thresholds_are_checked_by_field() {
        assert!(HealthThresholds::new(200, 0.1, 0.5).is_ok());
        assert_eq!(
            HealthThresholds::new(5, 0.1, 0.5).unwrap_err().field,
            "min_outcomes"
        );
        assert_eq!(
            HealthThresholds::new(200, 0.0, 0.5).unwrap_err().field,
            "calibration_margin"
        );
        assert_eq!(
            HealthThresholds::new(200, 0.1, 1.5).unwrap_err().field,
            "min_rank_correlation"
        );
    }

    fn outcomes(p: &[f64], won: impl Fn(usize, f64) -> bool) -> Vec<ScoredOutcome> {
        p.iter()
            .enumerate()
            .map(|(i, &p)| ScoredOutcome {
                won: won(i, p),
                probability: p,
                model_version: "m1".into(),
                shadow: Some((1.0 - p, "m2".into())),
            })
            .collect()
    }

    /// A window's facts with these outcomes and nothing else.
    fn facts(outcomes: Vec<ScoredOutcome>) -> PipelineFacts {
        PipelineFacts {
            from: Timestamp::UNIX_EPOCH,
            to: Timestamp::UNIX_EPOCH,
            outcomes,
            funnel: Funnel::default(),
            sqls: 0,
            hand_back_reasons: Vec::new(),
            overdue_announced: 0,
            overdue_open: 0,
        }
    }

    #[test]
    fn a_model_whose_ranking_inverted_is_stale_and_its_mirror_is_preferred() {
        // 1,000 leads with probabilities spread over (0, 1); outcomes follow
        // the mirror image: won exactly when 1 - p is high.
        let p: Vec<f64> = (0..1000).map(|i| (i as f64 + 0.5) / 1000.0).collect();
        let facts = facts(outcomes(&p, |i, _| i % 10 < (10 - i / 100)));
        let h = assess(&facts, "m1", Some("m2"), &HealthThresholds::default());
        assert!(h.stale && h.active.stale, "{:?}", h.summary);
        assert!(h.active.rank_correlation < -0.9);
        let shadow = h.shadow.unwrap();
        assert!(!shadow.stale, "{:?}", shadow.findings);
        assert!(
            h.summary
                .iter()
                .any(|s| s.contains("consider ActivateModel(m2)"))
        );
    }

    #[test]
    fn no_outcomes_is_nothing_to_judge_and_says_how_many_are_needed() {
        let h = assess(
            &facts(Vec::new()),
            "m1",
            Some("m2"),
            &HealthThresholds::default(),
        );
        assert!(!h.stale);
        assert_eq!(
            h.summary[0],
            "Model m1: nothing to judge yet: only 0 outcomes scored by m1 in this window; 200 are needed to judge it."
        );
        assert!(
            h.summary[1].starts_with("Nothing to compare yet") && h.summary[1].contains("200"),
            "{:?}",
            h.summary
        );
        assert!(
            !h.summary.iter().any(|s| s.contains("AUC")),
            "{:?}",
            h.summary
        );
    }

    #[test]
    fn too_few_outcomes_are_not_judged() {
        let p = [0.9, 0.1, 0.8];
        let facts = facts(outcomes(&p, |_, p| p < 0.5));
        let h = assess(&facts, "m1", None, &HealthThresholds::default());
        assert!(!h.stale);
        assert!(h.active.findings[0].contains("only 3 outcomes"));
        assert!(
            h.summary[0].contains("too few outcomes to judge yet")
                && !h.summary[0].contains("holds up"),
            "{:?}",
            h.summary
        );
    }
}
