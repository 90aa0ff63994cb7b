//! The transactions of `leadscore import`: history written as it was,
//! not re-decided. A lead keeps its row's creation time and outcome; an
//! event is stored unless the lead has its id already. Nothing is scored
//! here (the import runs without a model): each lead that gained a row
//! or an event has its feature state cleared and is due at once, so the
//! service's next sweep rebuilds it from the log and scores it. A closed
//! lead keeps no score (the sweep does not re-score closed leads).
//!
//! Each call is one transaction, leads locked in id order like every
//! writer, so an import may run beside replicas on one PostgreSQL, and a
//! killed import leaves whole batches: the next run records the rest.

use std::collections::BTreeMap;

use leadscore_store::StoreError;
use leadscore_store::db::{Database, Derived, Tx, in_tx};

use super::error::LiveError;
use crate::handoff::LeadRecord;
use crate::lead::{EventOutcome, NewEvent};
use crate::time::Timestamp;

/// Clears `rec`'s feature state and makes it due at `now`.
fn due_now(tx: &mut dyn Tx, rec: &LeadRecord, now: Timestamp) -> Result<(), StoreError> {
    let derived = Derived {
        state: None,
        due_at: Some(now),
    };
    tx.update_lead(rec, derived)
}

/// Inserts the `leads` (distinct ids) that are not stored yet; for each,
/// whether it was new (an existing lead is left as it is).
pub fn insert_leads(
    db: &dyn Database,
    leads: &[LeadRecord],
    now: Timestamp,
) -> Result<Vec<bool>, LiveError> {
    let mut order: Vec<usize> = (0..leads.len()).collect();
    order.sort_by(|a, b| leads[*a].id.cmp(&leads[*b].id));
    in_tx(db, |tx| {
        let mut new = vec![false; leads.len()];
        for &i in &order {
            if tx.insert_lead(&leads[i])? {
                due_now(tx, &leads[i], now)?;
                new[i] = true;
            }
        }
        Ok::<_, LiveError>(new)
    })
}

/// Stores `events` (distinct by lead and event id) of stored leads; one
/// outcome each, in order: recorded, duplicate (the lead has the id), or
/// rejected when the lead is neither stored nor in the leads file (its
/// creation time is unknown, so it is not made up).
pub fn insert_events(
    db: &dyn Database,
    events: &[NewEvent],
    now: Timestamp,
) -> Result<Vec<EventOutcome>, LiveError> {
    let mut order: Vec<usize> = (0..events.len()).collect();
    let key = |i: &usize| (events[*i].lead_id(), events[*i].event_id());
    order.sort_by(|a, b| key(a).cmp(&key(b)));
    let mut ids: Vec<&str> = order.iter().map(|&i| events[i].lead_id()).collect();
    ids.dedup();
    in_tx(db, |tx| {
        let mut locked: BTreeMap<String, LeadRecord> = tx
            .lock_leads(&ids)?
            .into_iter()
            .map(|l| (l.id.clone(), l))
            .collect();
        let mut outcomes = vec![EventOutcome::Duplicate; events.len()];
        let mut known = Vec::with_capacity(order.len());
        for &i in &order {
            if locked.contains_key(events[i].lead_id()) {
                known.push(i);
            } else {
                outcomes[i] = unknown_lead(events[i].lead_id());
            }
        }
        let batch: Vec<NewEvent> = known.iter().map(|&i| events[i].clone()).collect();
        let inserted = tx.insert_events(&batch, now)?;
        for (&i, new) in known.iter().zip(inserted) {
            if !new {
                continue;
            }
            outcomes[i] = EventOutcome::Recorded;
            if let Some(rec) = locked.remove(events[i].lead_id()) {
                due_now(tx, &rec, now)?;
            }
        }
        Ok::<_, LiveError>(outcomes)
    })
}

fn unknown_lead(id: &str) -> EventOutcome {
    EventOutcome::Rejected(format!(
        "lead_id: no lead {} in the store or the leads file; import its lead row first",
        crate::quote::quote(id)
    ))
}
