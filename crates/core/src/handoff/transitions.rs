//! The hand-off state machine: assign, accept, hand back, close, and the
//! overdue follow-up. Each checks its precondition, changes the record and
//! appends the transition.

use super::error::HandOffError;
use super::record::{ChangeKind, HandOff, LeadRecord, StageChange};
use super::rescore::{Evidence, apply_score};
use crate::features::cutoff::Closing;
use crate::lead::{Activity, FieldError, check_not_ahead};
use crate::qualification::Stage;
use crate::rules::AssignmentRules;
use crate::scoring::Scorer;
use crate::time::{Span, Timestamp};

/// Gives `rec` to `owner`.
pub fn assign(
    rec: &mut LeadRecord,
    owner: &str,
    reason: String,
    now: Timestamp,
    changes: &mut Vec<StageChange>,
) -> Result<(), HandOffError> {
    if rec.hand_off.closed() {
        return Err(HandOffError::AssignClosed {
            lead_id: rec.id.clone(),
        });
    }
    rec.owner = Some(owner.to_owned());
    rec.updated_at = now;
    changes.push(StageChange::of(rec, ChangeKind::Assigned, reason, now));
    Ok(())
}

/// The owner accepting `rec` when `owner` names who accepts it: the lead's
/// owner, or (for an unassigned lead) the one named.
fn accepting_owner(rec: &LeadRecord, owner: Option<&str>) -> Result<String, HandOffError> {
    match (owner, rec.owner.as_deref()) {
        (Some(o), Some(current)) if o != current => Err(HandOffError::OtherOwner {
            lead_id: rec.id.clone(),
            owner: current.to_owned(),
            claimed: o.to_owned(),
        }),
        (_, Some(current)) => Ok(current.to_owned()),
        (Some(o), None) => Ok(o.to_owned()),
        (None, None) => Err(HandOffError::NoOwner {
            lead_id: rec.id.clone(),
        }),
    }
}

/// The owner accepts an SQL; it gets a follow-up deadline.
pub fn accept(
    rec: &mut LeadRecord,
    owner: Option<&str>,
    rules: &AssignmentRules,
    now: Timestamp,
    changes: &mut Vec<StageChange>,
) -> Result<(), HandOffError> {
    if rec.hand_off != HandOff::Open || rec.stage != Stage::Sql {
        return Err(HandOffError::NotAcceptable {
            lead_id: rec.id.clone(),
            hand_off: rec.hand_off,
            stage: rec.stage,
        });
    }
    rec.owner = Some(accepting_owner(rec, owner)?);
    rec.hand_off = HandOff::Accepted;
    rec.follow_up_due = Some(now.saturating_add(Span::hours(i64::from(rules.follow_up_hours))));
    rec.overdue_notified = false;
    rec.updated_at = now;
    let reason = format!("follow up within {} hours", rules.follow_up_hours);
    changes.push(StageChange::of(rec, ChangeKind::Accepted, reason, now));
    Ok(())
}

/// Hands `rec` back: it returns to nurturing as recycled, and only activity
/// from `now` on counts (the caller passes exactly that activity, or the
/// state recycled at `now`).
pub fn recycle(
    scorer: &Scorer,
    rec: &mut LeadRecord,
    reason: &str,
    since_now: Evidence<'_>,
    now: Timestamp,
    changes: &mut Vec<StageChange>,
) -> Result<(), HandOffError> {
    if rec.hand_off.closed() {
        return Err(HandOffError::RecycleClosed {
            lead_id: rec.id.clone(),
        });
    }
    rec.hand_off = HandOff::Open;
    rec.owner = None;
    rec.follow_up_due = None;
    rec.overdue_notified = false;
    rec.recycled_at = Some(now);
    rec.updated_at = now;
    apply_score(scorer, rec, since_now, now)?;
    changes.push(StageChange::of(
        rec,
        ChangeKind::Recycled,
        reason.to_owned(),
        now,
    ));
    Ok(())
}

/// Closes `rec` as won or lost at `closing.outcome_at`, scored (active and
/// shadow model in force) as of `closing.as_of` with the counted
/// activities before it: the training job's leakage rule
/// ([`crate::features::cutoff`]: just before the outcome, or before its day
/// for a lead with date-only activity), so the prediction judged against
/// the outcome neither sees what happened after it nor decays while the
/// outcome waits to be recorded, and a shadow named since the lead's last
/// re-score is scored too. A state in `counted` must answer for
/// `closing.as_of`.
pub fn close(
    scorer: &Scorer,
    rec: &mut LeadRecord,
    won: bool,
    closing: Closing,
    counted: Evidence<'_>,
    now: Timestamp,
    changes: &mut Vec<StageChange>,
) -> Result<(), HandOffError> {
    if rec.hand_off.closed() {
        return Err(HandOffError::AlreadyClosed {
            lead_id: rec.id.clone(),
            outcome: rec.hand_off,
        });
    }
    apply_score(scorer, rec, counted, closing.as_of)?;
    rec.hand_off = if won { HandOff::Won } else { HandOff::Lost };
    rec.outcome_at = Some(closing.outcome_at);
    rec.follow_up_due = None;
    rec.updated_at = now;
    let kind = if won {
        ChangeKind::Won
    } else {
        ChangeKind::Lost
    };
    let reason = format!("{kind:?}").to_lowercase();
    changes.push(StageChange::of(rec, kind, reason, now));
    Ok(())
}

/// Checks an outcome's time like an activity's: at most
/// [`crate::lead::limits::MAX_FUTURE`] after `now`, and not before the lead existed (its
/// first activity, or its creation when that came first: history imported
/// later has activity older than the store's record of the lead).
pub fn check_outcome_time(
    rec: &LeadRecord,
    at: Timestamp,
    activities: &[Activity],
    now: Timestamp,
) -> Result<(), FieldError> {
    check_not_ahead("occurred_at", at, now, "in the future")?;
    let first_activity = activities.iter().map(|a| a.occurred_at).min();
    let earliest = first_activity.map_or(rec.created_at, |a| a.min(rec.created_at));
    if at < earliest {
        return Err(FieldError::new(
            "occurred_at",
            format!(
                "{at} is before the lead's first activity or creation ({earliest}); an outcome cannot precede the lead"
            ),
        ));
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
    changes.push(StageChange::of(
        rec,
        ChangeKind::FollowUpOverdue,
        reason,
        now,
    ));
}
