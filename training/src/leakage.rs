//! Probable-leakage flags: a feature that on its own ranks the test leads
//! almost perfectly, or a model that does, is more likely filled in after
//! the outcome (a sales tag, a quality score) than a real signal.
//!
//! Each feature's values over the test leads (the pooled folds without
//! timestamps) are ranked against the labels; `max(AUC, 1 − AUC)` above
//! [`SINGLE_FEATURE_AUC_LIMIT`] flags it, and a model test AUC above
//! [`MODEL_AUC_LIMIT`] flags the model, naming its strongest single
//! features. The flags go to the fit summary, the report and the model
//! file's `training.leakage` section, with the cutoff rule in force.

use leadscore_core::evaluation;
use leadscore_core::features::{CompiledFeatures, FeatureSpec};
use serde::Serialize;

use crate::design;
use crate::input::History;
use crate::input::cutoff::Cutoff;

/// A single feature ranking the test set better than this is flagged.
pub const SINGLE_FEATURE_AUC_LIMIT: f64 = 0.95;
/// A model ranking the test set better than this is flagged.
pub const MODEL_AUC_LIMIT: f64 = 0.98;
/// Strongest single features named when the model is flagged.
pub const STRONGEST_NAMED: usize = 3;

/// One feature and how well it ranks the test leads alone.
#[derive(Debug, Clone, Serialize)]
pub struct SingleFeature {
    /// Input column: the activity type / count column or the attribute.
    pub column: String,
    /// The feature (`column` or `attribute=value`).
    pub feature: String,
    /// `max(AUC, 1 − AUC)` of the feature's values on the test leads.
    pub auc: f64,
}

/// What the leakage checks found.
#[derive(Debug, Clone, Serialize)]
pub struct Leakage {
    /// Where features stop ([`Cutoff::rule`] says it in words).
    pub cutoff: Cutoff,
    /// [`SINGLE_FEATURE_AUC_LIMIT`].
    pub single_feature_auc_limit: f64,
    /// [`MODEL_AUC_LIMIT`].
    pub model_auc_limit: f64,
    /// Features above the single-feature limit, strongest first.
    pub flagged_features: Vec<SingleFeature>,
    /// Whether the model's test AUC is above its limit.
    pub model_flagged: bool,
    /// The strongest single features, strongest first.
    pub strongest: Vec<SingleFeature>,
}

/// Checks the features of `spec` on the test leads `rows` and the model's
/// test AUC.
pub fn check(history: &History, spec: &FeatureSpec, rows: &[usize], model_auc: f64) -> Leakage {
    let compiled = CompiledFeatures::new(spec.clone());
    let x = design::features(history, &compiled, rows);
    let y: Vec<bool> = rows.iter().map(|&r| history.leads[r].won).collect();
    let columns = spec
        .activities
        .iter()
        .map(|a| (a.activity_type.clone(), a.activity_type.clone()))
        .chain(
            spec.categorical
                .iter()
                .map(|c| (c.attribute.clone(), format!("{}={}", c.attribute, c.value))),
        );
    let mut singles: Vec<SingleFeature> = columns
        .zip(x.columns())
        .map(|((column, feature), values)| {
            let auc = evaluation::auc(&values.to_vec(), &y);
            SingleFeature {
                column,
                feature,
                auc: auc.max(1.0 - auc),
            }
        })
        .collect();
    singles.sort_by(|a, b| b.auc.total_cmp(&a.auc));
    Leakage {
        cutoff: history.cutoff,
        single_feature_auc_limit: SINGLE_FEATURE_AUC_LIMIT,
        model_auc_limit: MODEL_AUC_LIMIT,
        flagged_features: singles
            .iter()
            .filter(|s| s.auc > SINGLE_FEATURE_AUC_LIMIT)
            .cloned()
            .collect(),
        model_flagged: model_auc > MODEL_AUC_LIMIT,
        strongest: singles.into_iter().take(STRONGEST_NAMED).collect(),
    }
}

impl Leakage {
    /// The warnings, one line each (none when nothing is suspicious).
    pub fn warnings(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if self.cutoff == Cutoff::BeforeOutcomeDay {
            lines.push(format!("day-resolution timestamps: {}", self.cutoff.rule()));
        }
        let named = |features: &[SingleFeature]| {
            features
                .iter()
                .map(|s| format!("{} (column {:?}, AUC {:.3})", s.feature, s.column, s.auc))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !self.flagged_features.is_empty() {
            lines.push(format!(
                "probable leakage: on its own each of these features ranks the test leads with AUC above {}: {}; \
                 check that the columns are known before the outcome, else pass them in --exclude-columns",
                self.single_feature_auc_limit,
                named(&self.flagged_features)
            ));
        }
        if self.model_flagged {
            lines.push(format!(
                "probable leakage: the model's test AUC is above {}, which real lead data rarely allows; \
                 strongest single features: {}",
                self.model_auc_limit,
                named(&self.strongest)
            ));
        }
        lines
    }
}
