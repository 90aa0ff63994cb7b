//! The writes that keep leads live, written once against the store's
//! [`Tx`] for every backend: each locks, reads, lets the domain decide
//! (scoring, qualification, hand-off) and writes what it decided.
//!
//! Each call is one transaction. Leads are locked in id order (a lead's
//! events are written only under its lock), then the round-robin counters,
//! then the stage-change counter: every writer takes locks in that one
//! order, so replicas sharing a PostgreSQL never deadlock, and because the
//! change counter is taken last and held to commit, change cursors are
//! committed in order (a watcher that has seen cursor N has seen
//! everything before it).

use std::collections::{BTreeMap, HashSet};

use leadscore_store::StoreError;
use leadscore_store::db::{Database, Derived, Tx, in_tx};
use leadscore_store::reads::activities_by_lead;

use super::error::LiveError;
use super::state::{self, Log};
use super::sweep;
use crate::features::cutoff::Closing;
use crate::features::{Decay, LeadFeatureState};
use crate::handoff::{self, ChangeKind, LeadRecord, StageChange};
use crate::lead::{EventBatch, EventOutcome, LeadUpsert, NewEvent, UpsertBatch};
use crate::scoring::Scorer;
use crate::time::Timestamp;

/// Name of the counter that numbers stage changes.
const CHANGE_COUNTER: &str = "stage_changes";

/// A hand-off action on one lead.
#[derive(Debug, Clone, PartialEq)]
pub enum HandOffAction {
    /// Give the lead to this owner.
    Assign(String),
    /// The owner (if named, it must be the lead's) accepts the SQL.
    Accept(Option<String>),
    /// Hand the lead back, for this reason.
    Reject(String),
    /// Close the lead: won or lost, at this time.
    Outcome {
        /// Won (else lost).
        won: bool,
        /// When.
        at: Timestamp,
    },
}

/// What a writing operation returns: its value and the kinds of the
/// transitions its committed transaction recorded (taken from the run
/// that committed, so a retried transaction is counted once).
#[derive(Debug, Clone, PartialEq)]
pub struct Committed<T> {
    /// The operation's answer.
    pub value: T,
    /// Transitions recorded, in cursor order.
    pub transitions: Vec<ChangeKind>,
}

/// A locked lead and its stored feature state (`None`: not built yet, or
/// unreadable).
pub(super) type Locked = (LeadRecord, Option<LeadFeatureState>);

/// The leads `ids` (ascending, distinct), each with its stored feature
/// state: the existing ones locked in id order, then the missing ones
/// inserted in id order (a new lead's state is empty, under `decay`). A
/// few statements for a whole batch, and one lock order for every writer.
fn lock_or_create_all(
    tx: &mut dyn Tx,
    ids: &[&str],
    decay: &Decay,
    now: Timestamp,
) -> Result<Vec<Locked>, StoreError> {
    let locked = tx.lock_leads(ids)?;
    let mut existing = with_states(tx, locked)?;
    let mut leads = Vec::with_capacity(ids.len());
    for id in ids {
        leads.push(match existing.remove(*id) {
            Some(lead) => lead,
            None => create(tx, id, decay, now)?,
        });
    }
    Ok(leads)
}

/// `locked` leads with their stored feature states, by id.
pub(super) fn with_states(
    tx: &mut dyn Tx,
    locked: Vec<LeadRecord>,
) -> Result<BTreeMap<String, Locked>, StoreError> {
    let ids: Vec<&str> = locked.iter().map(|l| l.id.as_str()).collect();
    let mut states: BTreeMap<String, Option<LeadFeatureState>> =
        tx.feature_states(&ids)?.into_iter().collect();
    Ok(locked
        .into_iter()
        .map(|rec| {
            let state = states.remove(&rec.id).flatten();
            (rec.id.clone(), (rec, state))
        })
        .collect())
}

/// A new lead `id`, inserted and locked, with the empty state (or, when
/// another writer inserted it first, that one, locked, with its state).
fn create(tx: &mut dyn Tx, id: &str, decay: &Decay, now: Timestamp) -> Result<Locked, StoreError> {
    // The row just inserted is this record, locked until commit: no re-read.
    let fresh = LeadRecord::new(id, now);
    if tx.insert_lead(&fresh)? {
        return Ok((fresh, Some(LeadFeatureState::new(decay.clone()))));
    }
    let rec = tx
        .lock_lead(id)?
        .ok_or_else(|| StoreError::Corrupt(format!("lead {id:?} vanished after insert")))?;
    let state = tx.feature_states(&[id])?.pop().and_then(|(_, s)| s);
    Ok((rec, state))
}

/// Assigns owners to new SQLs, saves the leads with their feature `states`
/// (one per lead) and due times, and numbers and appends the changes: the
/// end of every writing transaction. Returns the kinds of the changes
/// appended.
pub(super) fn finish(
    tx: &mut dyn Tx,
    scorer: &Scorer,
    leads: &mut [LeadRecord],
    states: &[LeadFeatureState],
    mut changes: Vec<StageChange>,
    now: Timestamp,
) -> Result<Vec<ChangeKind>, LiveError> {
    sweep::note_scorer(tx, scorer)?;
    for group in handoff::round_robin_groups(&scorer.rules.assignment, leads) {
        let taken = group.members.len() as i64;
        let first_turn = tx.bump_counter(&group.counter, taken)? - taken;
        group.assign(leads, first_turn, now, &mut changes)?;
    }
    for (rec, state) in leads.iter().zip(states) {
        let due_at = state::due_at(scorer, rec, state, now);
        let derived = Derived {
            state: Some(state),
            due_at,
        };
        tx.update_lead(rec, derived)?;
    }
    if !changes.is_empty() {
        let last = tx.bump_counter(CHANGE_COUNTER, changes.len() as i64)?;
        let first = last - changes.len() as i64 + 1;
        for (i, c) in changes.iter_mut().enumerate() {
            c.cursor = first + i as i64;
        }
        tx.insert_changes(&changes)?;
    }
    Ok(changes.iter().map(|c| c.kind).collect())
}

/// The leads a writing call changed, re-scored, with their states and the
/// stage changes their re-scores recorded: what [`finish`] writes.
#[derive(Default)]
struct Changed {
    leads: Vec<LeadRecord>,
    states: Vec<LeadFeatureState>,
    changes: Vec<StageChange>,
}

impl Changed {
    /// Re-scores `rec`, changed by this call at `now`, from its `state`
    /// (see [`rescore`]) and keeps both for [`Changed::finish`].
    fn rescore(
        &mut self,
        tx: &mut dyn Tx,
        scorer: &Scorer,
        mut rec: LeadRecord,
        mut state: LeadFeatureState,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let log = &Log::PerLead;
        rescore(
            tx,
            log,
            scorer,
            &mut rec,
            &mut state,
            now,
            &mut self.changes,
        )?;
        rec.updated_at = now;
        self.leads.push(rec);
        self.states.push(state);
        Ok(())
    }

    /// Writes the leads and their changes ([`finish`]); the leads as
    /// written and the kinds of the changes.
    fn finish(
        mut self,
        tx: &mut dyn Tx,
        scorer: &Scorer,
        now: Timestamp,
    ) -> Result<(Vec<LeadRecord>, Vec<ChangeKind>), LiveError> {
        let transitions = finish(tx, scorer, &mut self.leads, &self.states, self.changes, now)?;
        Ok((self.leads, transitions))
    }
}

/// Re-scores an open `rec` from its `state` as of `now` (see
/// [`handoff::rescore`]), the state made ready first (a closed lead keeps
/// its score, so its state is left as it is). Stored data passed its
/// checks when it was written; should it still not score (a non-finite
/// logit), the lead keeps its last score and the rest of the batch or
/// sweep goes on.
pub(super) fn rescore(
    tx: &mut dyn Tx,
    log: &Log,
    scorer: &Scorer,
    rec: &mut LeadRecord,
    state: &mut LeadFeatureState,
    now: Timestamp,
    changes: &mut Vec<StageChange>,
) -> Result<(), StoreError> {
    if rec.hand_off.closed() {
        return Ok(());
    }
    state::ready(tx, log, &rec.id, state, now)?;
    let evidence = state::evidence(tx, log, scorer, &rec.id, state)?;
    if let Err(e) = handoff::rescore(scorer, rec, evidence, now, changes) {
        tracing::error!(lead_id = %rec.id, error = %e, "lead not re-scored; it keeps its last score");
    }
    Ok(())
}

/// Records events durably in one transaction; one outcome per event, in
/// order. `Err` entries are events the edge refused: each is answered
/// `REJECTED` with its reason, and the rest is recorded.
pub fn record_activities(
    db: &dyn Database,
    scorer: &Scorer,
    batch: EventBatch,
    now: Timestamp,
) -> Result<Committed<Vec<EventOutcome>>, LiveError> {
    let events = batch.into_entries();
    let mut outcomes = Vec::with_capacity(events.len());
    let mut fresh: Vec<(usize, NewEvent)> = Vec::new();
    // Event ids are unique per lead: two sources may number their own
    // leads' events alike.
    let mut seen: HashSet<(String, String)> = HashSet::new();
    for (i, e) in events.into_iter().enumerate() {
        match e {
            Err(f) => outcomes.push(EventOutcome::Rejected(f.to_string())),
            Ok(e) if !seen.insert((e.lead_id().to_owned(), e.event_id().to_owned())) => {
                outcomes.push(EventOutcome::Duplicate)
            }
            Ok(e) => {
                outcomes.push(EventOutcome::Recorded);
                fresh.push((i, e));
            }
        }
    }
    // One lock order for every writer: leads by id, then their events.
    fresh.sort_by(|a, b| (a.1.lead_id(), a.1.event_id()).cmp(&(b.1.lead_id(), b.1.event_id())));
    let (stored, transitions) = in_tx(db, |tx| record_fresh(tx, scorer, &fresh, now))?;
    for ((i, _), outcome) in fresh.iter().zip(stored) {
        outcomes[*i] = outcome;
    }
    Ok(Committed {
        value: outcomes,
        transitions,
    })
}

/// Stores `fresh` under its leads' locks and re-scores the leads that
/// gained an event, each new event folded into the lead's feature state
/// (the log is read only for what the state cannot place alone). The
/// outcome of each event and the transitions.
fn record_fresh(
    tx: &mut dyn Tx,
    scorer: &Scorer,
    fresh: &[(usize, NewEvent)],
    now: Timestamp,
) -> Result<(Vec<EventOutcome>, Vec<ChangeKind>), LiveError> {
    let mut ids: Vec<&str> = fresh.iter().map(|(_, e)| e.lead_id()).collect();
    ids.dedup();
    let decay = state::decay_of(scorer);
    let locked = lock_or_create_all(tx, &ids, &decay, now)?;
    let events: Vec<NewEvent> = fresh.iter().map(|(_, e)| e.clone()).collect();
    let inserted = tx.insert_events(&events, now)?;
    let mut outcomes = Vec::with_capacity(fresh.len());
    let mut added: BTreeMap<&str, Vec<(&str, Timestamp)>> = BTreeMap::new();
    for ((_, e), new) in fresh.iter().zip(inserted) {
        if !new {
            outcomes.push(EventOutcome::Duplicate);
            continue;
        }
        outcomes.push(EventOutcome::Recorded);
        let event = (e.activity_type(), e.occurred_at());
        added.entry(e.lead_id()).or_default().push(event);
    }
    let mut changed = Changed::default();
    for (rec, stored) in locked {
        let Some(new) = added.remove(rec.id.as_str()) else {
            continue;
        };
        let (mut st, rebuilt) = state::usable(tx, &Log::PerLead, &rec, stored, &decay, now)?;
        // A state rebuilt from the log already holds the new events.
        for (activity_type, at) in new.into_iter().filter(|_| !rebuilt) {
            // A replay it asks for is read once per lead, by `rescore`.
            let _ = st.apply(activity_type, at, now);
        }
        changed.rescore(tx, scorer, rec, st, now)?;
    }
    let (_, transitions) = changed.finish(tx, scorer, now)?;
    Ok((outcomes, transitions))
}

/// Creates or updates leads; returns them, re-scored, in request order.
pub fn upsert_leads(
    db: &dyn Database,
    scorer: &Scorer,
    batch: &UpsertBatch,
    now: Timestamp,
) -> Result<Committed<Vec<LeadRecord>>, LiveError> {
    let upserts = batch.updates();
    let mut by_id: BTreeMap<&str, Vec<&LeadUpsert>> = BTreeMap::new();
    for u in upserts {
        by_id.entry(u.lead_id()).or_default().push(u);
    }
    let ids: Vec<&str> = by_id.keys().copied().collect();
    let decay = state::decay_of(scorer);
    let (leads, transitions) = in_tx(db, |tx| {
        let mut changed = Changed::default();
        for (mut rec, stored) in lock_or_create_all(tx, &ids, &decay, now)? {
            for u in by_id.get(rec.id.as_str()).into_iter().flatten() {
                u.apply(&mut rec.profile, &mut rec.bant);
            }
            let (st, _) = state::usable(tx, &Log::PerLead, &rec, stored, &decay, now)?;
            changed.rescore(tx, scorer, rec, st, now)?;
        }
        changed.finish(tx, scorer, now)
    })?;
    let by_id: BTreeMap<&str, &LeadRecord> = leads.iter().map(|l| (l.id.as_str(), l)).collect();
    Ok(Committed {
        value: upserts
            .iter()
            .filter_map(|u| by_id.get(u.lead_id()).map(|l| (*l).clone()))
            .collect(),
        transitions,
    })
}

/// Applies a hand-off action; returns the lead after it.
pub fn hand_off(
    db: &dyn Database,
    scorer: &Scorer,
    id: &str,
    action: &HandOffAction,
    now: Timestamp,
) -> Result<Committed<LeadRecord>, LiveError> {
    in_tx(db, |tx| {
        let rec = tx
            .lock_lead(id)?
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        let stored = tx.feature_states(&[id])?.pop().and_then(|(_, s)| s);
        let (mut leads, state, changes) = act(tx, scorer, rec, stored, action, now)?;
        let transitions = finish(tx, scorer, &mut leads, &[state], changes, now)?;
        let [value] = leads;
        Ok(Committed { value, transitions })
    })
}

/// The hand-off `action` on the locked `rec` (stored state `stored`): the
/// lead after it, its state and the transitions.
pub(super) fn act(
    tx: &mut dyn Tx,
    scorer: &Scorer,
    mut rec: LeadRecord,
    stored: Option<LeadFeatureState>,
    action: &HandOffAction,
    now: Timestamp,
) -> Result<([LeadRecord; 1], LeadFeatureState, Vec<StageChange>), LiveError> {
    let decay = state::decay_of(scorer);
    let mut changes = Vec::new();
    let log = match action {
        // The outcome's time is checked against the whole log: read once.
        HandOffAction::Outcome { .. } => {
            Log::Page(activities_by_lead(tx.activities_of(&[rec.id.as_str()])?))
        }
        _ => Log::PerLead,
    };
    let (mut st, _) = state::usable(tx, &log, &rec, stored, &decay, now)?;
    match action {
        HandOffAction::Assign(owner) => {
            let reason = "assigned by hand".into();
            handoff::assign(&mut rec, owner, reason, now, &mut changes)?;
            state::ready(tx, &log, &rec.id, &mut st, now)?;
        }
        HandOffAction::Accept(owner) => {
            let rules = &scorer.rules.assignment;
            handoff::accept(&mut rec, owner.as_deref(), rules, now, &mut changes)?;
            state::ready(tx, &log, &rec.id, &mut st, now)?;
        }
        HandOffAction::Reject(reason) => {
            let replay = st.recycle(now);
            state::replay(tx, &log, &rec.id, &mut st, replay)?;
            state::ready(tx, &log, &rec.id, &mut st, now)?;
            let since_now = state::evidence(tx, &log, scorer, &rec.id, &st)?;
            handoff::recycle(scorer, &mut rec, reason, since_now, now, &mut changes)?
        }
        HandOffAction::Outcome { won, at } => {
            let all = log.of(tx, &rec.id)?;
            handoff::check_outcome_time(&rec, *at, &all, now)?;
            // The leakage rule per lead: date-only activity cuts at the day.
            let since = rec.recycled_at;
            let counted = all.iter().map(|a| a.occurred_at);
            let closing = Closing::of_lead(*at, counted.filter(|t| since.is_none_or(|s| *t >= s)));
            state::ready(tx, &log, &rec.id, &mut st, closing.as_of)?;
            let counted = state::evidence(tx, &log, scorer, &rec.id, &st)?;
            handoff::close(scorer, &mut rec, *won, closing, counted, now, &mut changes)?
        }
    }
    Ok(([rec], st, changes))
}
