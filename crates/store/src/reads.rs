//! The store's reads, written once against [`Tx`] for every backend: each
//! call is one transaction (one snapshot).

use std::collections::BTreeMap;

use leadscore_core::features::cutoff::closed_lead_as_of;
use leadscore_core::gate::{ClosedLead, LiveData};
use leadscore_core::handoff::{HandOff, LeadRecord, StageChange, scoring_lead};
use leadscore_core::lead::Activity;
use leadscore_core::pipeline_health::PipelineFacts;
use leadscore_core::time::Timestamp;

use crate::db::{Database, Tx, in_tx};
use crate::error::StoreError;
use crate::query::{LeadDetail, ListQuery};

/// Most rows of a list page.
pub const MAX_PAGE_SIZE: usize = 1_000;

/// The activities of `rec` that count (since its last recycle), newest
/// first, all of them (no per-lead limit: live scores come from the
/// feature state, and this is what `ScoreLead` is asked about).
pub fn counted(tx: &mut dyn Tx, rec: &LeadRecord) -> Result<Vec<Activity>, StoreError> {
    tx.activities(&rec.id, rec.recycled_at, usize::MAX)
}

/// Activities as [`Tx::activities_between`] / [`Tx::activities_of`] read
/// them, grouped by lead.
pub fn activities_by_lead(rows: Vec<(String, Activity)>) -> BTreeMap<String, Vec<Activity>> {
    let mut by_lead: BTreeMap<String, Vec<Activity>> = BTreeMap::new();
    for (lead_id, activity) in rows {
        by_lead.entry(lead_id).or_default().push(activity);
    }
    by_lead
}

/// What [`counted`] reads, from all of a lead's activities oldest first:
/// those at or after `since`, newest first.
pub fn counted_of(mut all: Vec<Activity>, since: Option<Timestamp>) -> Vec<Activity> {
    if let Some(since) = since {
        all.retain(|a| a.occurred_at >= since);
    }
    all.reverse();
    all
}

/// One lead with its counted activities and history.
pub fn get_lead(db: &dyn Database, id: &str) -> Result<LeadDetail, StoreError> {
    in_tx(db, |tx| {
        let lead = tx
            .lock_lead(id)?
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        let activities = counted(tx, &lead)?;
        let history = tx.changes(0, Some(id), usize::MAX >> 1)?;
        let state = tx.feature_states(&[id])?.pop().and_then(|(_, s)| s);
        Ok(LeadDetail {
            lead,
            activities,
            history,
            state,
        })
    })
}

/// One page of the prioritized list.
pub fn list(
    db: &dyn Database,
    query: &ListQuery,
    now: Timestamp,
) -> Result<Vec<LeadRecord>, StoreError> {
    in_tx(db, |tx| tx.list(query, now))
}

/// Transitions with a cursor after `after`, oldest first.
pub fn changes_after(
    db: &dyn Database,
    after: i64,
    limit: usize,
) -> Result<Vec<StageChange>, StoreError> {
    in_tx(db, |tx| tx.changes(after, None, limit))
}

/// Cursor of the newest transition, 0 when there is none.
pub fn last_change(db: &dyn Database) -> Result<i64, StoreError> {
    in_tx(db, |tx| tx.last_change())
}

/// Up to `limit` leads with ids after `after`, in id order, each with
/// every activity it ever had (recycled or not), oldest first, ties by
/// event id: one page of the export, read in one transaction.
pub fn export_page(
    db: &dyn Database,
    after: &str,
    limit: usize,
) -> Result<Vec<(LeadRecord, Vec<Activity>)>, StoreError> {
    in_tx(db, |tx| {
        let leads = tx.leads_after(after, limit)?;
        let Some(last) = leads.last() else {
            return Ok(Vec::new());
        };
        let mut by_lead = activities_by_lead(tx.activities_between(after, &last.id)?);
        Ok(leads
            .into_iter()
            .map(|l| {
                let activities = by_lead.remove(&l.id).unwrap_or_default();
                (l, activities)
            })
            .collect())
    })
}

/// Pipeline health's facts of the window `[from, to)`, one snapshot.
pub fn pipeline_facts(
    db: &dyn Database,
    from: Timestamp,
    to: Timestamp,
) -> Result<PipelineFacts, StoreError> {
    in_tx(db, |tx| tx.pipeline_facts(from, to))
}

/// The activation gate's window `[from, to)` as the core judges it: each
/// closed lead (at most `max_closed`, the newest) with the activities it
/// counted at its outcome, one snapshot.
pub fn gate_window(
    db: &dyn Database,
    from: Timestamp,
    to: Timestamp,
    max_closed: usize,
) -> Result<LiveData, StoreError> {
    in_tx(db, |tx| {
        let rows = tx.gate_rows(from, to, max_closed)?;
        let mut ids: Vec<&str> = rows.closed.iter().map(|l| l.id.as_str()).collect();
        ids.sort_unstable();
        let mut by_lead = activities_by_lead(tx.activities_of(&ids)?);
        let outcomes = rows
            .closed
            .iter()
            .filter_map(|rec| {
                let at = rec.outcome_at?;
                let all = by_lead.remove(&rec.id).unwrap_or_default();
                let counted = counted_of(all, rec.recycled_at);
                let times = counted.iter().map(|a| a.occurred_at);
                let as_of = closed_lead_as_of(at, times);
                Some(ClosedLead {
                    lead: scoring_lead(rec, counted, as_of),
                    outcome_at: at,
                    won: rec.hand_off == HandOff::Won,
                })
            })
            .collect();
        Ok(LiveData {
            activity_types: rows.activity_types,
            attribute_keys: rows.attribute_keys,
            outcomes,
        })
    })
}
