//! The live lead: re-scoring and the hand-off rules, as pure functions on
//! a [`LeadRecord`]. Every function appends the transitions it causes to
//! `changes` (cursors are assigned when the transaction commits them); the
//! caller holds the lead's row lock, so each transition is decided once.

use super::error::StoreError;
use super::record::{ChangeKind, HandOff, LeadRecord, ShadowScore, StageChange};
use crate::features::outcome_as_of;
use crate::lead::{Activity, FieldError, Lead, limits};
use crate::qualification::{Qualification, Stage};
use crate::quote::quote;
use crate::rules::AssignmentRules;
use crate::scoring::{LeadScore, Scorer};
use crate::time::{Span, Timestamp};

/// The lead `ScoreLead` would be asked about as of `as_of`: profile, BANT
/// and the counted activities up to `as_of`. Later ones count for nothing
/// in a score as of `as_of`; leaving them out also keeps the answer of a
/// closed lead (scored as of its outcome) reproducible.
pub fn scoring_lead(rec: &LeadRecord, mut activities: Vec<Activity>, as_of: Timestamp) -> Lead {
    activities.retain(|a| a.occurred_at <= as_of);
    Lead {
        id: rec.id.clone(),
        profile: rec.profile.clone(),
        bant: rec.bant.clone(),
        activities,
        activity_counts: Vec::new(),
    }
}

/// Why a lead is at its stage: the unmet criteria of the next stage.
pub fn stage_reason(q: &Qualification) -> String {
    let next = match q.stage {
        Stage::Sql => return "all MQL and SQL criteria met".to_owned(),
        Stage::Mql => Stage::Sql,
        Stage::Nurturing => Stage::Mql,
    };
    let unmet: Vec<&str> = q
        .verdicts
        .iter()
        .filter(|v| v.required_for == next && !v.met)
        .map(|v| v.reason.as_str())
        .collect();
    unmet.join("; ")
}

fn change(rec: &LeadRecord, kind: ChangeKind, reason: String, now: Timestamp) -> StageChange {
    StageChange {
        cursor: 0,
        lead_id: rec.id.clone(),
        kind,
        stage: rec.stage,
        score: rec.score,
        owner: rec.owner.clone(),
        reason,
        at: now,
    }
}

/// Scores `rec` with its counted `activities` as of `now`, stores the
/// answer's stage, score and grade on it, and returns the answer.
fn apply_score(
    scorer: &Scorer,
    rec: &mut LeadRecord,
    activities: Vec<Activity>,
    now: Timestamp,
) -> Result<LeadScore, StoreError> {
    let lead = scoring_lead(rec, activities, now);
    let score = scorer.score(&lead, now)?;
    rec.shadow = scorer
        .shadow_probability(&lead, now)
        .map(|(model_version, p)| ShadowScore {
            score: p * 100.0,
            model_version,
        });
    rec.stage = score.qualification.stage;
    rec.score = score.explanation.probability * 100.0;
    rec.grade = score.fit.grade;
    rec.stage_reason = stage_reason(&score.qualification);
    rec.scored_at = now;
    rec.model_version.clone_from(&score.model_version);
    rec.rules_version.clone_from(&score.rules_version);
    Ok(score)
}

/// Re-scores an open `rec`; a changed stage is a transition. A closed lead
/// keeps the score [`close`] gave it: that is the prediction pipeline
/// health judges against the outcome.
pub fn rescore(
    scorer: &Scorer,
    rec: &mut LeadRecord,
    activities: Vec<Activity>,
    now: Timestamp,
    changes: &mut Vec<StageChange>,
) -> Result<(), StoreError> {
    if rec.hand_off.closed() {
        return Ok(());
    }
    let before = rec.stage;
    if let Err(e) = apply_score(scorer, rec, activities, now) {
        // Stored data passed its checks when it was written; should it still
        // not score (a non-finite logit), the lead keeps its last score and
        // the rest of the batch or sweep goes on.
        tracing::error!(lead_id = %rec.id, error = %e, "lead not re-scored; it keeps its last score");
        return Ok(());
    }
    if rec.stage != before {
        changes.push(change(
            rec,
            ChangeKind::to_stage(rec.stage),
            rec.stage_reason.clone(),
            now,
        ));
    }
    Ok(())
}

/// Whether the assignment rules should give `rec` an owner: an open,
/// unassigned SQL.
pub fn needs_owner(rec: &LeadRecord) -> bool {
    rec.stage == Stage::Sql && rec.owner.is_none() && rec.hand_off == HandOff::Open
}

/// The round-robin group that owns `rec` under `rules`: its counter name
/// and owners; `None` when nobody does.
pub fn owner_group<'r>(
    rules: &'r AssignmentRules,
    rec: &LeadRecord,
) -> Option<(String, &'r [String])> {
    let country = rec.profile.country.trim().to_lowercase();
    let territory = rules
        .territories
        .iter()
        .enumerate()
        .find(|(_, t)| !t.owners.is_empty() && t.countries.contains(&country));
    match territory {
        Some((i, t)) => Some((format!("round_robin:territory:{i}"), &t.owners)),
        None if !rules.default_owners.is_empty() => {
            Some(("round_robin:default".to_owned(), &rules.default_owners))
        }
        None => None,
    }
}

/// Gives `rec` to `owner`.
pub fn assign(
    rec: &mut LeadRecord,
    owner: &str,
    reason: String,
    now: Timestamp,
    changes: &mut Vec<StageChange>,
) -> Result<(), StoreError> {
    if rec.hand_off.closed() {
        return Err(StoreError::FailedPrecondition(format!(
            "lead {} is closed; a closed lead cannot be assigned",
            quote(&rec.id)
        )));
    }
    rec.owner = Some(owner.to_owned());
    rec.updated_at = now;
    changes.push(change(rec, ChangeKind::Assigned, reason, now));
    Ok(())
}

/// The owner accepts an SQL; it gets a follow-up deadline.
pub fn accept(
    rec: &mut LeadRecord,
    owner: Option<&str>,
    rules: &AssignmentRules,
    now: Timestamp,
    changes: &mut Vec<StageChange>,
) -> Result<(), StoreError> {
    if rec.hand_off != HandOff::Open || rec.stage != Stage::Sql {
        let state = match rec.hand_off {
            HandOff::Open => format!("{:?}", rec.stage).to_uppercase(),
            other => format!("{other:?}").to_lowercase(),
        };
        return Err(StoreError::FailedPrecondition(format!(
            "lead {} is {state}; only an open SQL can be accepted",
            quote(&rec.id)
        )));
    }
    match (owner, rec.owner.as_deref()) {
        (Some(o), Some(current)) if o != current => {
            return Err(StoreError::FailedPrecondition(format!(
                "lead {} is assigned to {}, not {}",
                quote(&rec.id),
                quote(current),
                quote(o)
            )));
        }
        (Some(o), None) => rec.owner = Some(o.to_owned()),
        (None, None) => {
            return Err(StoreError::FailedPrecondition(format!(
                "lead {} has no owner; assign it or name the owner accepting it",
                quote(&rec.id)
            )));
        }
        _ => {}
    }
    rec.hand_off = HandOff::Accepted;
    rec.follow_up_due = Some(now.saturating_add(Span::hours(i64::from(rules.follow_up_hours))));
    rec.overdue_notified = false;
    rec.updated_at = now;
    let reason = format!("follow up within {} hours", rules.follow_up_hours);
    changes.push(change(rec, ChangeKind::Accepted, reason, now));
    Ok(())
}

/// Hands `rec` back: it returns to nurturing as recycled, and only activity
/// from `now` on counts (the caller passes exactly that activity).
pub fn recycle(
    scorer: &Scorer,
    rec: &mut LeadRecord,
    reason: &str,
    activities_since_now: Vec<Activity>,
    now: Timestamp,
    changes: &mut Vec<StageChange>,
) -> Result<(), StoreError> {
    if rec.hand_off.closed() {
        return Err(StoreError::FailedPrecondition(format!(
            "lead {} is closed; a closed lead cannot be handed back",
            quote(&rec.id)
        )));
    }
    rec.hand_off = HandOff::Open;
    rec.owner = None;
    rec.follow_up_due = None;
    rec.overdue_notified = false;
    rec.recycled_at = Some(now);
    rec.updated_at = now;
    apply_score(scorer, rec, activities_since_now, now)?;
    changes.push(change(rec, ChangeKind::Recycled, reason.to_owned(), now));
    Ok(())
}

/// Closes `rec` as won or lost at `at`, scored (active and shadow model in
/// force) as of the outcome with the counted `activities` before it: the
/// training job's leakage rule ([`outcome_as_of`]), so the prediction
/// judged against the outcome neither sees what happened after it nor
/// decays while the outcome waits to be recorded, and a shadow named since
/// the lead's last re-score is scored too.
pub fn close(
    scorer: &Scorer,
    rec: &mut LeadRecord,
    won: bool,
    at: Timestamp,
    activities: Vec<Activity>,
    now: Timestamp,
    changes: &mut Vec<StageChange>,
) -> Result<(), StoreError> {
    if rec.hand_off.closed() {
        return Err(StoreError::FailedPrecondition(format!(
            "lead {:?} already has an outcome ({:?})",
            rec.id, rec.hand_off
        )));
    }
    apply_score(scorer, rec, activities, outcome_as_of(at))?;
    rec.hand_off = if won { HandOff::Won } else { HandOff::Lost };
    rec.outcome_at = Some(at);
    rec.follow_up_due = None;
    rec.updated_at = now;
    let kind = if won {
        ChangeKind::Won
    } else {
        ChangeKind::Lost
    };
    changes.push(change(rec, kind, format!("{kind:?}").to_lowercase(), now));
    Ok(())
}

/// Checks an outcome's time like an activity's: at most
/// [`limits::MAX_FUTURE`] after `now`, and not before the lead existed (its
/// first activity, or its creation when that came first: history imported
/// later has activity older than the store's record of the lead).
pub fn check_outcome_time(
    rec: &LeadRecord,
    at: Timestamp,
    activities: &[Activity],
    now: Timestamp,
) -> Result<(), StoreError> {
    if at > now.saturating_add(limits::MAX_FUTURE) {
        let days = at.since(now).as_days_f64();
        return Err(FieldError::new(
            "occurred_at",
            format!("is {days:.1} days in the future; at most 1 day of clock skew is accepted"),
        )
        .into());
    }
    let first_activity = activities.iter().map(|a| a.occurred_at).min();
    let earliest = first_activity.map_or(rec.created_at, |a| a.min(rec.created_at));
    if at < earliest {
        return Err(FieldError::new(
            "occurred_at",
            format!(
                "{at} is before the lead's first activity or creation ({earliest}); an outcome cannot precede the lead"
            ),
        )
        .into());
    }
    Ok(())
}

/// Announces, once, an accepted lead whose follow-up deadline has passed.
pub fn check_overdue(rec: &mut LeadRecord, now: Timestamp, changes: &mut Vec<StageChange>) {
    let due = match (rec.hand_off, rec.follow_up_due) {
        (HandOff::Accepted, Some(due)) if due < now && !rec.overdue_notified => due,
        _ => return,
    };
    rec.overdue_notified = true;
    let hours = now.since(due).whole_hours();
    let reason = format!("follow-up was due {hours} hour(s) ago");
    changes.push(change(rec, ChangeKind::FollowUpOverdue, reason, now));
}
