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
use leadscore_store::db::{Database, Tx, in_tx};
use leadscore_store::reads::{activities_by_lead, counted_of};

use super::activity_limit;
use super::error::LiveError;
use crate::handoff::{self, ChangeKind, LeadRecord, StageChange};
use crate::lead::{Activity, EventBatch, EventOutcome, LeadUpsert, NewEvent, UpsertBatch, limits};
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

/// What a sweep did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SweepReport {
    /// Leads re-scored or checked.
    pub leads: usize,
    /// Transitions recorded.
    pub changes: usize,
}

/// The leads `ids` (ascending, distinct), each with every activity it has
/// (oldest first): the existing ones locked in id order, then the missing
/// ones inserted in id order. A few statements for a whole batch, and one
/// lock order for every writer.
fn lock_or_create_all(
    tx: &mut dyn Tx,
    ids: &[&str],
    now: Timestamp,
) -> Result<Vec<(LeadRecord, Vec<Activity>)>, StoreError> {
    let mut existing: BTreeMap<String, LeadRecord> = tx
        .lock_leads(ids)?
        .into_iter()
        .map(|l| (l.id.clone(), l))
        .collect();
    let mut leads = Vec::with_capacity(ids.len());
    for id in ids {
        leads.push(match existing.remove(*id) {
            Some(rec) => rec,
            None => create(tx, id, now)?,
        });
    }
    let mut by_lead = activities_by_lead(tx.activities_of(ids)?);
    Ok(leads
        .into_iter()
        .map(|rec| {
            let all = by_lead.remove(&rec.id).unwrap_or_default();
            (rec, all)
        })
        .collect())
}

/// A new lead `id`, inserted and locked (or, when another writer inserted
/// it first, that one, locked).
fn create(tx: &mut dyn Tx, id: &str, now: Timestamp) -> Result<LeadRecord, StoreError> {
    // The row just inserted is this record, locked until commit: no re-read.
    let fresh = LeadRecord::new(id, now);
    if tx.insert_lead(&fresh)? {
        return Ok(fresh);
    }
    tx.lock_lead(id)?
        .ok_or_else(|| StoreError::Corrupt(format!("lead {id:?} vanished after insert")))
}

/// Assigns owners to new SQLs, saves the leads and numbers and appends the
/// changes: the end of every writing transaction. Returns the kinds of the
/// changes appended.
fn finish(
    tx: &mut dyn Tx,
    scorer: &Scorer,
    leads: &mut [LeadRecord],
    mut changes: Vec<StageChange>,
    now: Timestamp,
) -> Result<Vec<ChangeKind>, LiveError> {
    for group in handoff::round_robin_groups(&scorer.rules.assignment, leads) {
        let taken = group.members.len() as i64;
        let first_turn = tx.bump_counter(&group.counter, taken)? - taken;
        group.assign(leads, first_turn, now, &mut changes)?;
    }
    for rec in leads.iter() {
        tx.update_lead(rec)?;
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

/// Re-scores `rec` (see [`handoff::rescore`]). Stored data passed its
/// checks when it was written; should it still not score (a non-finite
/// logit), the lead keeps its last score and the rest of the batch or
/// sweep goes on.
fn rescore(
    scorer: &Scorer,
    rec: &mut LeadRecord,
    activities: Vec<Activity>,
    now: Timestamp,
    changes: &mut Vec<StageChange>,
) {
    if let Err(e) = handoff::rescore(scorer, rec, activities, now, changes) {
        tracing::error!(lead_id = %rec.id, error = %e, "lead not re-scored; it keeps its last score");
    }
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

/// Stores `fresh` (see [`activity_limit::admit`]) under its leads' locks,
/// so a lead's activities are counted exactly against its limit, and
/// re-scores the leads that gained an event. The outcome of each event
/// and the transitions.
fn record_fresh(
    tx: &mut dyn Tx,
    scorer: &Scorer,
    fresh: &[(usize, NewEvent)],
    now: Timestamp,
) -> Result<(Vec<EventOutcome>, Vec<ChangeKind>), LiveError> {
    let mut ids: Vec<&str> = fresh.iter().map(|(_, e)| e.lead_id()).collect();
    ids.dedup();
    let locked = lock_or_create_all(tx, &ids, now)?;
    let mut outcomes = activity_limit::admit(&locked, fresh);
    let admitted: Vec<NewEvent> = fresh
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| **o == EventOutcome::Recorded)
        .map(|((_, e), _)| e.clone())
        .collect();
    let mut inserted = tx.insert_events(&admitted, now)?.into_iter();
    let mut added: BTreeMap<&str, Vec<Activity>> = BTreeMap::new();
    for ((_, e), outcome) in fresh.iter().zip(&mut outcomes) {
        if *outcome != EventOutcome::Recorded {
            continue;
        }
        if inserted.next() != Some(true) {
            *outcome = EventOutcome::Duplicate;
            continue;
        }
        added.entry(e.lead_id()).or_default().push(e.to_activity());
    }
    let mut leads = Vec::with_capacity(added.len());
    let mut changes = Vec::new();
    for (mut rec, mut all) in locked {
        let Some(new) = added.remove(rec.id.as_str()) else {
            continue;
        };
        // In the order a re-read would give: oldest first, ties by event id.
        all.extend(new);
        all.sort_by(|a, b| (a.occurred_at, &a.event_id).cmp(&(b.occurred_at, &b.event_id)));
        let activities = counted_of(all, rec.recycled_at);
        rescore(scorer, &mut rec, activities, now, &mut changes);
        rec.updated_at = now;
        leads.push(rec);
    }
    let transitions = finish(tx, scorer, &mut leads, changes, now)?;
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
    let (leads, transitions) = in_tx(db, |tx| {
        let mut leads = Vec::with_capacity(ids.len());
        let mut changes = Vec::new();
        for (mut rec, all) in lock_or_create_all(tx, &ids, now)? {
            for u in by_id.get(rec.id.as_str()).into_iter().flatten() {
                u.apply(&mut rec.profile, &mut rec.bant);
            }
            let activities = counted_of(all, rec.recycled_at);
            rescore(scorer, &mut rec, activities, now, &mut changes);
            rec.updated_at = now;
            leads.push(rec);
        }
        let transitions = finish(tx, scorer, &mut leads, changes, now)?;
        Ok::<_, LiveError>((leads, transitions))
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
        let mut rec = tx
            .lock_lead(id)?
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        let mut changes = Vec::new();
        match action {
            HandOffAction::Assign(owner) => handoff::assign(
                &mut rec,
                owner,
                "assigned by hand".into(),
                now,
                &mut changes,
            )?,
            HandOffAction::Accept(owner) => handoff::accept(
                &mut rec,
                owner.as_deref(),
                &scorer.rules.assignment,
                now,
                &mut changes,
            )?,
            HandOffAction::Reject(reason) => {
                let since = tx.activities(id, Some(now), limits::MAX_ACTIVITIES)?;
                handoff::recycle(scorer, &mut rec, reason, since, now, &mut changes)?
            }
            HandOffAction::Outcome { won, at } => {
                let all: Vec<Activity> = tx
                    .activities_of(&[id])?
                    .into_iter()
                    .map(|(_, a)| a)
                    .collect();
                handoff::check_outcome_time(&rec, *at, &all, now)?;
                let activities = counted_of(all, rec.recycled_at);
                handoff::close(scorer, &mut rec, *won, *at, activities, now, &mut changes)?
            }
        }
        let mut leads = [rec];
        let transitions = finish(tx, scorer, &mut leads, changes, now)?;
        let [value] = leads;
        Ok(Committed { value, transitions })
    })
}

/// Re-scores up to `chunk` leads with ids after `after` as of `now`
/// (decay, changed model or rules) and announces overdue follow-ups.
/// Returns the last id handled (`None` when there were none) and counts.
pub fn sweep_chunk(
    db: &dyn Database,
    scorer: &Scorer,
    after: &str,
    chunk: usize,
    now: Timestamp,
) -> Result<Committed<(Option<String>, SweepReport)>, LiveError> {
    in_tx(db, |tx| {
        let locked = tx.lock_leads_after(after, chunk)?;
        let Some(last) = locked.last().map(|l| l.id.clone()) else {
            return Ok(Committed {
                value: (None, SweepReport::default()),
                transitions: Vec::new(),
            });
        };
        let mut by_lead = activities_by_lead(tx.activities_between(after, &last)?);
        let mut leads = Vec::with_capacity(locked.len());
        let mut changes = Vec::new();
        for mut rec in locked {
            handoff::check_overdue(&mut rec, now, &mut changes);
            if !rec.hand_off.closed() {
                let all = by_lead.remove(&rec.id).unwrap_or_default();
                let activities = counted_of(all, rec.recycled_at);
                rescore(scorer, &mut rec, activities, now, &mut changes);
            }
            leads.push(rec);
        }
        let report = SweepReport {
            leads: leads.len(),
            changes: changes.len(),
        };
        let transitions = finish(tx, scorer, &mut leads, changes, now)?;
        Ok(Committed {
            value: (Some(last), report),
            transitions,
        })
    })
}
