//! The scoring core: one lead in, the whole answer out.
//!
//! A [`Scorer`] pairs one model with one rules file; each request uses one
//! scorer from start to end, so an answer never mixes versions.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::features::{FeatureVector, LeadFeatureState, StateError};
use crate::lead::{FieldError, Lead, ValidLead};
use crate::model::{Explanation, LinearModel};
use crate::qualification::{ActivityFacts, Behavior, Qualification, qualify};
use crate::rules::{FitAssessment, Rules};
use crate::time::Timestamp;

/// One term of the answer, resolved to names a person can read.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// Feature name (`activity:TYPE`, `attribute:KEY=VALUE`).
    pub feature: String,
    /// Human label ("Demo request (BOFU)").
    pub label: String,
    /// Feature value.
    pub value: f64,
    /// The baseline lead's value of it (0 in the intercept form).
    pub baseline: f64,
    /// Raw-unit weight.
    pub weight: f64,
    /// Contribution to the logit: `weight × (value − baseline)`.
    pub logit: f64,
    /// Contribution in points.
    pub points: i64,
}

/// Everything the service answers about one lead.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadScore {
    /// Caller's lead id.
    pub lead_id: String,
    /// Probability, logit, baseline, intercept, points.
    pub explanation: Explanation,
    /// Non-zero terms with names, largest first.
    pub contributions: Vec<Contribution>,
    /// Activity types the model does not know, with counts.
    pub unscored: Vec<(String, f64)>,
    /// Role, fit points, grade, disqualifiers.
    pub fit: FitAssessment,
    /// Stage and verdicts.
    pub qualification: Qualification,
    /// MQL probability threshold in force.
    pub mql_threshold: f64,
    /// Behavior points at that threshold.
    pub points_threshold: i64,
    /// Model version used.
    pub model_version: String,
    /// Rules version used.
    pub rules_version: String,
    /// Time scored for.
    pub as_of: Timestamp,
}

/// Why [`Scorer::score_state`] gave no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoreStateError {
    /// The lead breaks a rule (as [`Scorer::score`] would say).
    #[error(transparent)]
    Field(#[from] FieldError),
    /// The state cannot answer: rebuild it, or score from the log.
    #[error(transparent)]
    State(#[from] StateError),
}

/// The shadow's version and probability on features `x`; a shadow never
/// decides anything, so a non-finite score is left out rather than stored.
fn shadow_score(m: &LinearModel, x: &FeatureVector) -> Option<(String, f64)> {
    let explanation = m.explain(x);
    explanation
        .is_finite()
        .then(|| (m.version().to_owned(), explanation.probability))
}

/// A model and a rules file, used together.
#[derive(Debug, Clone)]
pub struct Scorer {
    /// The model.
    pub model: Arc<LinearModel>,
    /// The rules.
    pub rules: Arc<Rules>,
    /// A second model scoring alongside, to be compared on outcomes before
    /// it is trusted; it never decides a stage.
    pub shadow: Option<Arc<LinearModel>>,
}

impl Scorer {
    /// A scorer of `model` with `rules`, without a shadow.
    pub fn new(model: Arc<LinearModel>, rules: Arc<Rules>) -> Scorer {
        Scorer {
            model,
            rules,
            shadow: None,
        }
    }

    /// The same scorer with `shadow` scoring alongside.
    pub fn with_shadow(mut self, shadow: Option<Arc<LinearModel>>) -> Scorer {
        self.shadow = shadow;
        self
    }

    /// The shadow model's version and probability for `lead` as of
    /// `as_of` (features computed the shadow's way), if there is a shadow.
    pub fn shadow_probability(&self, lead: &ValidLead, as_of: Timestamp) -> Option<(String, f64)> {
        let m = self.shadow.as_ref()?;
        let x = lead.with_feature_input(as_of, |input| m.features().compute(input));
        shadow_score(m, &x)
    }

    /// [`Self::shadow_probability`] from the lead's feature `state` (its
    /// profile `attributes` for the categorical features). A shadow of
    /// another decay than the state's is a [`StateError::DecayMismatch`]:
    /// it needs its own state, or a score from the log.
    pub fn shadow_probability_state(
        &self,
        state: &LeadFeatureState,
        attributes: &BTreeMap<String, String>,
        as_of: Timestamp,
    ) -> Result<Option<(String, f64)>, StateError> {
        let Some(m) = self.shadow.as_ref() else {
            return Ok(None);
        };
        let x = state.features(m.features(), as_of, attributes)?;
        Ok(shadow_score(m, &x))
    }

    /// MQL threshold in force: the rules' override, else the model's.
    pub fn mql_threshold(&self) -> f64 {
        self.rules
            .mql
            .threshold
            .unwrap_or(self.model.file().mql_threshold)
    }

    /// Scores `lead` as of `as_of`. The only refusal is a lead whose
    /// logit is not finite under this model.
    pub fn score(&self, lead: &ValidLead, as_of: Timestamp) -> Result<LeadScore, FieldError> {
        let x = lead.with_feature_input(as_of, |input| self.model.features().compute(input));
        self.answer(lead, x, &**lead, as_of)
    }

    /// [`Self::score`] of a stored lead from its feature `state` instead of
    /// its history: the same answer (features within rounding, see
    /// [`LeadFeatureState::features`]). `lead` gives the id, profile and
    /// BANT; its activities and counts must be empty (the state carries
    /// them), so nothing passed is silently ignored.
    pub fn score_state(
        &self,
        lead: &ValidLead,
        state: &LeadFeatureState,
        as_of: Timestamp,
    ) -> Result<LeadScore, ScoreStateError> {
        if !lead.activities.is_empty() || !lead.activity_counts.is_empty() {
            return Err(FieldError::new(
                "activities",
                "must be empty when scoring from a feature state, which carries them",
            )
            .into());
        }
        let x = state.features(self.model.features(), as_of, &lead.profile.attributes)?;
        Ok(self.answer(lead, x, state, as_of)?)
    }

    /// The answer on `lead` (id, profile, BANT) with features `x`, whose
    /// activity `activity` tells qualification: the one path of
    /// [`Self::score`] and [`Self::score_state`].
    fn answer(
        &self,
        lead: &Lead,
        x: FeatureVector,
        activity: &dyn ActivityFacts,
        as_of: Timestamp,
    ) -> Result<LeadScore, FieldError> {
        let model = &self.model;
        let explanation = model.explain(&x);
        if !explanation.is_finite() {
            // Bounded inputs and checked model files keep every term finite;
            // this is the last line, so no answer or stored score is NaN.
            return Err(FieldError::new(
                "lead",
                format!(
                    "gives a non-finite logit under model {}; check its activity counts",
                    model.version()
                ),
            ));
        }
        let contributions = explanation
            .terms
            .iter()
            .map(|t| self.contribution(t))
            .collect();
        let fit = self.rules.assess_fit(&lead.profile);
        let threshold = self.mql_threshold();
        let behavior = Behavior {
            probability: explanation.probability,
            threshold,
        };
        let qualification = qualify(&self.rules, &lead.bant, activity, &fit, behavior, as_of);
        Ok(LeadScore {
            lead_id: lead.id.clone(),
            explanation,
            contributions,
            unscored: x.unscored,
            fit,
            qualification,
            mql_threshold: threshold,
            points_threshold: model.points_at(threshold),
            model_version: model.version().to_owned(),
            rules_version: self.rules.version.clone(),
            as_of,
        })
    }

    fn contribution(&self, t: &crate::model::Term) -> Contribution {
        Contribution {
            feature: self.model.feature_name(t.feature).to_owned(),
            label: self.model.feature_label(t.feature).to_owned(),
            value: t.value,
            baseline: t.baseline,
            weight: t.weight,
            logit: t.logit,
            points: t.points,
        }
    }
}
