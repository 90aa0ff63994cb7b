//! The scoring core: one lead in, the whole answer out.
//!
//! A [`Scorer`] pairs one model with one rules file; each request uses one
//! scorer from start to end, so an answer never mixes versions.

use std::sync::Arc;

use crate::lead::{FieldError, ValidLead};
use crate::model::{Explanation, LinearModel};
use crate::qualification::{Behavior, Qualification, qualify};
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
    /// Raw-unit weight.
    pub weight: f64,
    /// Contribution to the logit.
    pub logit: f64,
    /// Contribution in points.
    pub points: i64,
}

/// Everything the service answers about one lead.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadScore {
    /// Caller's lead id.
    pub lead_id: String,
    /// Probability, logit, intercept, points.
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
        let explanation = m.explain(&x);
        // A shadow never decides anything: a non-finite score is left out
        // rather than stored.
        explanation
            .is_finite()
            .then(|| (m.version().to_owned(), explanation.probability))
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
        let model = &self.model;
        let x = lead.with_feature_input(as_of, |input| model.features().compute(input));
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
        let qualification = qualify(&self.rules, lead, &fit, behavior, as_of);
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
            weight: t.weight,
            logit: t.logit,
            points: t.points,
        }
    }
}
