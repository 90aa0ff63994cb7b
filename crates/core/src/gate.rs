//! The activation gate (champion / challenger): may a new model file
//! replace the active model?
//!
//! A challenger passes when
//! 1. **its feature spec covers the live data**: of the activities stored
//!    in the window, at least [`MIN_COVERAGE`] are of types it scores, and,
//!    when it has attribute features, at least [`MIN_COVERAGE`] of the
//!    recent leads' attribute keys are keys it scores ([`Coverage`]); and
//! 2. **it is not worse than the active model**: on the outcomes recorded
//!    in the window, each lead scored by both models as of its outcome
//!    ([`crate::features::cutoff::closed_lead_as_of`], the training job's leakage
//!    rule), its AUC is at most [`AUC_MARGIN`] below the active model's.
//!    With fewer than [`MIN_OUTCOMES`] outcomes (or only one class) the
//!    two model cards' held-out test AUCs are compared instead, and when
//!    either card records none, coverage alone decides; the verdict says
//!    which comparison decided ([`Decided`]).
//!
//! Everything here is pure: the service reads the window from its store
//! and keeps the verdicts.

use std::collections::BTreeMap;

use crate::evaluation;
use crate::features::FeatureSpec;
use crate::features::cutoff::closed_lead_as_of;
use crate::lead::ValidLead;
use crate::model::LinearModel;
use crate::pipeline_health::DEFAULT_MIN_OUTCOMES;
use crate::time::{Span, Timestamp};

/// Smallest share of the live data a challenger must score: below half,
/// most of what leads do (or carry) would count for nothing in its score.
pub const MIN_COVERAGE: f64 = 0.5;
/// Outcomes the window must hold before live AUCs are compared: pipeline
/// health's own minimum for judging a model (fewer cannot tell noise from
/// a real difference in AUC).
pub const MIN_OUTCOMES: usize = DEFAULT_MIN_OUTCOMES as usize;
/// How far below the active model's AUC a challenger may be: 0.02 is about
/// the standard error of an AUC on a few hundred outcomes, so a retrain
/// that is only as good is not held back by noise.
pub const AUC_MARGIN: f64 = 0.02;
/// Days of recent data the gate looks at: one quarter, the window pipeline
/// health reports on by default, long enough to hold a sales cycle's outcomes.
pub const WINDOW_DAYS: i64 = 90;
/// Most outcomes read (the newest of the window): bounds the work of one
/// verdict, and 5,000 outcomes measure an AUC to about ±0.01.
pub const MAX_OUTCOMES: usize = 5_000;

/// The gate's window ending at `now`.
pub fn window(now: Timestamp) -> (Timestamp, Timestamp) {
    (now.saturating_sub(Span::days(WINDOW_DAYS)), now)
}

/// What the store holds for the window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveData {
    /// Activities stored in the window, by (normalized) type.
    pub activity_types: BTreeMap<String, u64>,
    /// Leads updated in the window, by attribute key they carry.
    pub attribute_keys: BTreeMap<String, u64>,
    /// Leads closed in the window, each as it stood at its outcome.
    pub outcomes: Vec<ClosedLead>,
}

/// A lead closed in the window.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedLead {
    /// The lead with the activities counted at its outcome.
    pub lead: ValidLead,
    /// When it was won or lost.
    pub outcome_at: Timestamp,
    /// Won (else lost).
    pub won: bool,
}

impl ClosedLead {
    /// The time its features are computed for: the leakage rule, per lead
    /// ([`closed_lead_as_of`]), as its outcome was scored when recorded.
    pub fn as_of(&self) -> Timestamp {
        let times = self.lead.activities.iter().map(|a| a.occurred_at);
        closed_lead_as_of(self.outcome_at, times)
    }
}

/// `known` of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    /// Occurrences the model scores.
    pub known: u64,
    /// All occurrences.
    pub total: u64,
}

impl Share {
    /// `known / total` (`total` is never 0: see [`share`]).
    pub fn ratio(&self) -> f64 {
        self.known as f64 / self.total as f64
    }
}

/// The share of `counts` whose key `knows`; `None` without any.
fn share(counts: &BTreeMap<String, u64>, knows: impl Fn(&str) -> bool) -> Option<Share> {
    let total: u64 = counts.values().sum();
    let known = counts
        .iter()
        .filter(|(k, _)| knows(k))
        .map(|(_, n)| n)
        .sum();
    (total > 0).then_some(Share { known, total })
}

/// How much of the live data a model's features see.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coverage {
    /// Stored activities of types it scores; `None`: none in the window.
    pub activities: Option<Share>,
    /// Recent leads' attribute keys it scores; `None`: none, or a model
    /// without attribute features (it never claimed to use them).
    pub attributes: Option<Share>,
}

impl Coverage {
    /// The coverage of `spec` on `live`.
    pub fn of(spec: &FeatureSpec, live: &LiveData) -> Coverage {
        let activities = share(&live.activity_types, |t| {
            spec.activities.iter().any(|a| a.activity_type == t)
        });
        let attributes = match spec.categorical.is_empty() {
            true => None,
            false => share(&live.attribute_keys, |k| {
                spec.categorical.iter().any(|c| c.attribute == k)
            }),
        };
        Coverage {
            activities,
            attributes,
        }
    }

    /// The lower of the two shares (`None`: nothing to measure).
    pub fn lowest(&self) -> Option<f64> {
        [self.activities, self.attributes]
            .into_iter()
            .flatten()
            .map(|s| s.ratio())
            .reduce(f64::min)
    }

    /// At least [`MIN_COVERAGE`] (vacuously when the window is empty).
    pub fn passes(&self) -> bool {
        self.lowest().is_none_or(|c| c >= MIN_COVERAGE)
    }

    /// The figures in words.
    pub fn describe(&self) -> String {
        let part = |what: &str, s: Option<Share>| {
            s.map(|s| {
                format!(
                    "{:.1} % of {what} ({} of {})",
                    100.0 * s.ratio(),
                    s.known,
                    s.total
                )
            })
        };
        let parts: Vec<String> = [
            part("the window's stored activities", self.activities),
            part("recent leads' attribute keys", self.attributes),
        ]
        .into_iter()
        .flatten()
        .collect();
        if parts.is_empty() {
            return format!(
                "no activity or attribute in the last {WINDOW_DAYS} days to check coverage against"
            );
        }
        format!(
            "scores {} (minimum {:.0} %)",
            parts.join(" and "),
            100.0 * MIN_COVERAGE
        )
    }
}

/// Which comparison decided a verdict.
#[derive(Debug, Clone, PartialEq)]
pub enum Decided {
    /// The coverage check failed; nothing was compared.
    Coverage,
    /// AUCs on the window's outcomes.
    Outcomes {
        /// Outcomes compared.
        count: usize,
        /// The challenger's AUC.
        challenger: f64,
        /// The active model's AUC.
        active: f64,
    },
    /// Held-out test AUCs of the two model cards.
    Cards {
        /// Outcomes the window held (fewer than [`MIN_OUTCOMES`]).
        outcomes: usize,
        /// The challenger's test AUC.
        challenger: f64,
        /// The active model's test AUC.
        active: f64,
    },
    /// Too few outcomes and a card without test metrics: coverage alone.
    CoverageOnly {
        /// Outcomes the window held.
        outcomes: usize,
    },
}

impl Decided {
    /// A short name: `coverage`, `outcomes`, `cards`, `coverage only`.
    pub fn name(&self) -> &'static str {
        match self {
            Decided::Coverage => "coverage",
            Decided::Outcomes { .. } => "outcomes",
            Decided::Cards { .. } => "cards",
            Decided::CoverageOnly { .. } => "coverage only",
        }
    }

    /// (challenger, active) AUCs, when AUCs were compared.
    pub fn aucs(&self) -> Option<(f64, f64)> {
        match *self {
            Decided::Outcomes {
                challenger, active, ..
            }
            | Decided::Cards {
                challenger, active, ..
            } => Some((challenger, active)),
            Decided::Coverage | Decided::CoverageOnly { .. } => None,
        }
    }
}

/// The gate's answer about one challenger.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The challenger may become active.
    pub passed: bool,
    /// The version it was compared with.
    pub against: String,
    /// Its coverage of the live data.
    pub coverage: Coverage,
    /// What decided.
    pub decided: Decided,
    /// The verdict in words, figures included.
    pub reason: String,
}

/// Judges `challenger` against the `active` model on `live`.
pub fn judge(challenger: &LinearModel, active: &LinearModel, live: &LiveData) -> Verdict {
    let coverage = Coverage::of(&challenger.file().features, live);
    let against = active.version().to_owned();
    if !coverage.passes() {
        return Verdict {
            passed: false,
            reason: format!("coverage too low: {}", coverage.describe()),
            against,
            coverage,
            decided: Decided::Coverage,
        };
    }
    let decided = compare(challenger, active, &live.outcomes);
    let passed = decided.aucs().is_none_or(|(c, a)| c >= a - AUC_MARGIN);
    let reason = format!(
        "{}; {}",
        coverage.describe(),
        comparison_text(&decided, passed, &against)
    );
    Verdict {
        passed,
        against,
        coverage,
        decided,
        reason,
    }
}

/// The comparison of the two models: live AUCs when the window holds
/// enough outcomes of both classes, else the cards' test AUCs, else none.
fn compare(challenger: &LinearModel, active: &LinearModel, outcomes: &[ClosedLead]) -> Decided {
    let y: Vec<bool> = outcomes.iter().map(|o| o.won).collect();
    let won = y.iter().filter(|w| **w).count();
    if outcomes.len() >= MIN_OUTCOMES && won > 0 && won < y.len() {
        return Decided::Outcomes {
            count: outcomes.len(),
            challenger: evaluation::auc(&probabilities(challenger, outcomes), &y),
            active: evaluation::auc(&probabilities(active, outcomes), &y),
        };
    }
    let card_auc = |m: &LinearModel| m.file().headline_metrics().ok().flatten().map(|h| h.auc);
    match (card_auc(challenger), card_auc(active)) {
        (Some(challenger), Some(active)) => Decided::Cards {
            outcomes: outcomes.len(),
            challenger,
            active,
        },
        _ => Decided::CoverageOnly {
            outcomes: outcomes.len(),
        },
    }
}

/// `model`'s probability of each outcome, as of the outcome.
fn probabilities(model: &LinearModel, outcomes: &[ClosedLead]) -> Vec<f64> {
    outcomes
        .iter()
        .map(|o| {
            let as_of = o.as_of();
            let x = o
                .lead
                .with_feature_input(as_of, |input| model.features().compute(input));
            model.explain(&x).probability
        })
        .collect()
}

/// The comparison in words.
fn comparison_text(decided: &Decided, passed: bool, against: &str) -> String {
    let verdict = if passed {
        "not worse than"
    } else {
        "worse than"
    };
    match decided {
        Decided::Outcomes {
            count,
            challenger,
            active,
        } => format!(
            "on {count} outcomes of the last {WINDOW_DAYS} days its AUC {challenger:.4} is {verdict} \
             the active model {against}'s {active:.4} (margin {AUC_MARGIN})"
        ),
        Decided::Cards {
            outcomes,
            challenger,
            active,
        } => format!(
            "only {outcomes} outcomes in the last {WINDOW_DAYS} days (minimum {MIN_OUTCOMES}), so the \
             model cards decided: its test AUC {challenger:.4} is {verdict} the active model \
             {against}'s {active:.4} (margin {AUC_MARGIN})"
        ),
        Decided::CoverageOnly { outcomes } => format!(
            "only {outcomes} outcomes in the last {WINDOW_DAYS} days (minimum {MIN_OUTCOMES}) and a \
             model card without test metrics, so coverage alone decided"
        ),
        Decided::Coverage => String::new(),
    }
}

#[cfg(test)]
mod tests;
