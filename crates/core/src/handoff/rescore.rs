//! A live lead's score: the lead a score is computed on, and the record
//! updated with the answer.

use super::record::{ChangeKind, LeadRecord, ShadowScore, StageChange};
use crate::features::LeadFeatureState;
use crate::lead::{Activity, Lead, ValidLead};
use crate::scoring::{LeadScore, ScoreStateError, Scorer};
use crate::time::Timestamp;

/// What a live lead's activity is read from when it is scored.
#[derive(Debug, Clone)]
pub enum Evidence<'a> {
    /// Its counted activities (any order): the lead `ScoreLead` is asked
    /// about.
    History(Vec<Activity>),
    /// Its feature state, able to answer for the time scored (replays
    /// done): the same answer without reading the history
    /// ([`Scorer::score_state`]).
    State {
        /// The state.
        state: &'a LeadFeatureState,
        /// The counted activities, read only when the shadow model has
        /// another decay than the state (it cannot be scored from it).
        shadow_history: Option<Vec<Activity>>,
    },
}

impl Evidence<'_> {
    /// The scorer's answer and the shadow's score of `rec` as of `as_of`.
    fn score(
        self,
        scorer: &Scorer,
        rec: &LeadRecord,
        as_of: Timestamp,
    ) -> Result<(LeadScore, Option<(String, f64)>), ScoreStateError> {
        match self {
            Evidence::History(activities) => {
                let lead = scoring_lead(rec, activities, as_of);
                let score = scorer.score(&lead, as_of)?;
                Ok((score, scorer.shadow_probability(&lead, as_of)))
            }
            Evidence::State {
                state,
                shadow_history,
            } => {
                let score =
                    scorer.score_state(&scoring_lead(rec, Vec::new(), as_of), state, as_of)?;
                let shadow = match shadow_history {
                    Some(activities) => {
                        let lead = scoring_lead(rec, activities, as_of);
                        scorer.shadow_probability(&lead, as_of)
                    }
                    None => {
                        scorer.shadow_probability_state(state, &rec.profile.attributes, as_of)?
                    }
                };
                Ok((score, shadow))
            }
        }
    }
}

/// The lead `ScoreLead` would be asked about as of `as_of`: profile, BANT
/// and the counted activities up to `as_of`. Later ones count for nothing
/// in a score as of `as_of`; leaving them out also keeps the answer of a
/// closed lead (scored as of its outcome) reproducible.
/// The store checked every part of it when it was written, so it is
/// valid without checking again.
pub fn scoring_lead(
    rec: &LeadRecord,
    mut activities: Vec<Activity>,
    as_of: Timestamp,
) -> ValidLead {
    activities.retain(|a| a.occurred_at <= as_of);
    ValidLead::stored(Lead {
        id: rec.id.clone(),
        profile: rec.profile.clone(),
        bant: rec.bant.clone(),
        activities,
        activity_counts: Vec::new(),
    })
}

/// Scores `rec` from `evidence` as of `as_of`, stores the answer's stage,
/// score and grade on it, and returns the answer. On an error `rec` is
/// unchanged.
pub(crate) fn apply_score(
    scorer: &Scorer,
    rec: &mut LeadRecord,
    evidence: Evidence<'_>,
    as_of: Timestamp,
) -> Result<LeadScore, ScoreStateError> {
    let (score, shadow) = evidence.score(scorer, rec, as_of)?;
    rec.shadow = shadow.map(|(model_version, p)| ShadowScore {
        score: p * 100.0,
        model_version,
    });
    rec.stage = score.qualification.stage;
    rec.score = score.explanation.probability * 100.0;
    rec.grade = score.fit.grade;
    rec.stage_reason = score.qualification.stage_reason();
    rec.scored_at = as_of;
    rec.model_version.clone_from(&score.model_version);
    rec.rules_version.clone_from(&score.rules_version);
    Ok(score)
}

/// Re-scores an open `rec`; a changed stage is a transition. A closed lead
/// keeps the score [`super::close`] gave it: that is the prediction
/// pipeline health judges against the outcome. An `Err` leaves `rec` with
/// its last score.
pub fn rescore(
    scorer: &Scorer,
    rec: &mut LeadRecord,
    evidence: Evidence<'_>,
    now: Timestamp,
    changes: &mut Vec<StageChange>,
) -> Result<(), ScoreStateError> {
    if rec.hand_off.closed() {
        return Ok(());
    }
    let before = rec.stage;
    apply_score(scorer, rec, evidence, now)?;
    if rec.stage != before {
        let kind = ChangeKind::to_stage(rec.stage);
        changes.push(StageChange::of(rec, kind, rec.stage_reason.clone(), now));
    }
    Ok(())
}
