//! A locked lead's derived columns in a write: its feature state, kept
//! current one event at a time, and the time the sweep must next see it.
//!
//! The decisions are the core's ([`LeadFeatureState`] says when it cannot
//! place an event or a recycle without the log, [`next_due`] when a lead
//! can next change); this module reads what they ask for from the log: one
//! activity type of one lead, or the whole lead when its state is missing,
//! was built for another decay, waits for a whole-lead replay, or is asked
//! about a time before its newest folded activity (a clock behind the one
//! that folded it: another replica's, or a past outcome's time).

use std::collections::BTreeMap;

use leadscore_store::StoreError;
use leadscore_store::db::Tx;
use leadscore_store::reads::counted_of;

use crate::due::{DEFAULT_SCORE_TOLERANCE_POINTS, next_due};
use crate::features::{Decay, LeadFeatureState, Replay};
use crate::handoff::{Evidence, HandOff, LeadRecord};
use crate::lead::Activity;
use crate::scoring::Scorer;
use crate::time::{Span, Timestamp};

/// How far (points on 0–100) a stored score may drift from the exact one
/// before the lead is due again: at every sweep, every stored score is
/// within this of the score `ScoreLead` gives as of the sweep.
pub const SCORE_TOLERANCE_POINTS: f64 = DEFAULT_SCORE_TOLERANCE_POINTS;

/// Where a lead's log is read when its state needs it.
#[derive(Debug)]
pub enum Log {
    /// One statement for that lead, when asked.
    PerLead,
    /// Already read for a page of locked leads (the full pass, an outcome).
    Page(BTreeMap<String, Vec<Activity>>),
}

impl Log {
    /// Every logged activity of `lead_id` (recycled or not), oldest first.
    pub fn of(&self, tx: &mut dyn Tx, lead_id: &str) -> Result<Vec<Activity>, StoreError> {
        match self {
            Log::PerLead => Ok(tx
                .activities_of(&[lead_id])?
                .into_iter()
                .map(|(_, a)| a)
                .collect()),
            Log::Page(page) => Ok(page.get(lead_id).cloned().unwrap_or_default()),
        }
    }
}

/// The decay of the model in force: the one every stored state must have.
pub fn decay_of(scorer: &Scorer) -> Decay {
    scorer.model.features().decay().clone()
}

/// Whether `stored` can be kept under `decay` (else it is rebuilt).
pub fn fits(stored: Option<&LeadFeatureState>, decay: &Decay) -> bool {
    stored.is_some_and(|s| s.decay() == decay)
}

/// The state of `rec` under `decay`: `stored`, or, when it is missing or
/// was built for another decay, rebuilt from the log with clock `now`.
/// The flag says it was rebuilt (it then holds every logged event).
pub fn usable(
    tx: &mut dyn Tx,
    log: &Log,
    rec: &LeadRecord,
    stored: Option<LeadFeatureState>,
    decay: &Decay,
    now: Timestamp,
) -> Result<(LeadFeatureState, bool), StoreError> {
    match stored {
        Some(state) if fits(Some(&state), decay) => Ok((state, false)),
        _ => Ok((
            rebuild(tx, log, &rec.id, decay.clone(), rec.recycled_at, now)?,
            true,
        )),
    }
}

/// The state of lead `lead_id` rebuilt from its whole log: activities
/// before `since` (the last recycle) do not count.
fn rebuild(
    tx: &mut dyn Tx,
    log: &Log,
    lead_id: &str,
    decay: Decay,
    since: Option<Timestamp>,
    clock: Timestamp,
) -> Result<LeadFeatureState, StoreError> {
    let all = log.of(tx, lead_id)?;
    let events = all
        .iter()
        .map(|a| (a.activity_type.as_str(), a.occurred_at));
    Ok(LeadFeatureState::rebuild(decay, since, clock, events))
}

/// Reads what `replay` asks for from the log into `state`.
pub fn replay(
    tx: &mut dyn Tx,
    log: &Log,
    lead_id: &str,
    state: &mut LeadFeatureState,
    replay: Replay,
) -> Result<(), StoreError> {
    match replay {
        Replay::Nothing => {}
        Replay::Types(types) => {
            for activity_type in types {
                let times = tx.activity_times(lead_id, &activity_type)?;
                state.rebuild_type(&activity_type, times);
            }
        }
        Replay::Lead => {
            let (decay, since, clock) = (state.decay().clone(), state.since(), state.clock());
            *state = rebuild(tx, log, lead_id, decay, since, clock)?;
        }
    }
    Ok(())
}

/// Makes `state` answer for `as_of`: the replay it waits for, and a
/// rebuild with its clock at `as_of` when `as_of` is before its newest
/// folded activity (later events then wait as pending ones).
pub fn ready(
    tx: &mut dyn Tx,
    log: &Log,
    lead_id: &str,
    state: &mut LeadFeatureState,
    as_of: Timestamp,
) -> Result<(), StoreError> {
    let waiting = state.replay_needed();
    replay(tx, log, lead_id, state, waiting)?;
    if state.horizon().is_some_and(|h| as_of < h) {
        *state = rebuild(
            tx,
            log,
            lead_id,
            state.decay().clone(),
            state.since(),
            as_of,
        )?;
    }
    Ok(())
}

/// What the core scores lead `lead_id` from: its `state`, and its counted
/// history (since the state's recycle) only when the shadow model has
/// another decay (the documented cost of naming such a shadow: one read
/// of the lead's log per re-score).
pub fn evidence<'s>(
    tx: &mut dyn Tx,
    log: &Log,
    scorer: &Scorer,
    lead_id: &str,
    state: &'s LeadFeatureState,
) -> Result<Evidence<'s>, StoreError> {
    let shadow_history = match &scorer.shadow {
        Some(m) if m.features().decay() != state.decay() => {
            Some(counted_of(log.of(tx, lead_id)?, state.since()))
        }
        _ => None,
    };
    Ok(Evidence::State {
        state,
        shadow_history,
    })
}

/// When the sweep must next re-score `rec` (scored at `now` from `state`):
/// the earliest of [`next_due`] (a stage change by decay, the hand-raise
/// window, a pending activity, a score drift past
/// [`SCORE_TOLERANCE_POINTS`]) and the instant after an unannounced
/// follow-up deadline; never at or before `now`, so a sweep moves past
/// every lead it handles. `None` for a closed lead, or when nothing
/// changes before a new event.
pub fn due_at(
    scorer: &Scorer,
    rec: &LeadRecord,
    state: &LeadFeatureState,
    now: Timestamp,
) -> Option<Timestamp> {
    if rec.hand_off.closed() {
        return None;
    }
    let attributes = &rec.profile.attributes;
    let by_score = match next_due(scorer, state, attributes, now, SCORE_TOLERANCE_POINTS) {
        Ok(due) => due.map(|d| d.at),
        Err(e) => {
            // Not expected (the state was made ready): look again next sweep.
            tracing::error!(lead_id = %rec.id, error = %e, "due time unknown; due at the next sweep");
            Some(now)
        }
    };
    let follow_up = match (rec.hand_off, rec.follow_up_due, rec.overdue_notified) {
        // `check_overdue` announces a deadline strictly passed.
        (HandOff::Accepted, Some(due), false) => due.checked_add(Span::micros(1)),
        _ => None,
    };
    let earliest = by_score.into_iter().chain(follow_up).min()?;
    Some(earliest.max(now.saturating_add(Span::micros(1))))
}
