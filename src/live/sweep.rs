//! The sweep's transactions. A sweep reads only the due leads (`due_at <=
//! now`, through the due-time index), re-scores them from their feature
//! state and sets their next due time. When the scorer differs from the
//! one the whole store was last re-scored with (another model, rules or
//! shadow), every lead is due: the full pass goes through all leads in id
//! order, rebuilding from the log every state built for another decay, in
//! chunks (bounded memory), before the due leads are read.

use std::collections::BTreeMap;

use leadscore_store::StoreError;
use leadscore_store::db::{Database, Tx, in_tx};
use leadscore_store::reads::activities_by_lead;

use super::error::LiveError;
use super::state::{self, Log};
use super::writes::{Committed, Locked, finish, rescore, with_states};
use crate::handoff;
use crate::scoring::Scorer;
use crate::time::Timestamp;

/// The mark naming the scorer every lead was last re-scored with.
const SCORED_WITH: &str = "scored_with";

/// What a sweep did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SweepReport {
    /// Leads re-scored or checked.
    pub leads: usize,
    /// Transitions recorded.
    pub changes: usize,
    /// Feature states rebuilt from the log (another decay, or none yet).
    pub rebuilt: usize,
}

impl SweepReport {
    /// Adds `other`'s counts.
    pub fn add(&mut self, other: SweepReport) {
        self.leads += other.leads;
        self.changes += other.changes;
        self.rebuilt += other.rebuilt;
    }
}

/// What the whole store must have been re-scored with for a sweep to read
/// only the due leads: the model, rules and shadow versions.
pub fn scorer_key(scorer: &Scorer) -> String {
    let shadow = scorer.shadow.as_ref().map_or("", |m| m.version());
    format!(
        "model={} rules={} shadow={shadow}",
        scorer.model.version(),
        scorer.rules.version
    )
}

/// The mark while a full pass with the scorer of `key` runs.
fn pending(key: &str) -> String {
    format!("pass:{key}")
}

/// Whether the sweep must first re-score every lead with the scorer of
/// `key`: the mark names another scorer (or a pass not finished, or a
/// write by another scorer since). If so, the mark says a pass with `key`
/// is under way.
pub fn begin_pass(db: &dyn Database, key: &str) -> Result<Committed<bool>, LiveError> {
    in_tx(db, |tx| {
        let needed = tx.mark(SCORED_WITH)?.as_deref() != Some(key);
        if needed {
            tx.set_mark(SCORED_WITH, &pending(key))?;
        }
        Ok(Committed {
            value: needed,
            transitions: Vec::new(),
        })
    })
}

/// Notes that the pass with `key` re-scored every lead, unless a write by
/// another scorer happened during it (it cleared the mark): then the next
/// sweep passes again.
pub fn end_pass(db: &dyn Database, key: &str) -> Result<Committed<()>, LiveError> {
    in_tx(db, |tx| {
        if tx.mark(SCORED_WITH)? == Some(pending(key)) {
            tx.set_mark(SCORED_WITH, key)?;
        }
        Ok(Committed {
            value: (),
            transitions: Vec::new(),
        })
    })
}

/// Called by every writing transaction: a lead scored by a scorer other
/// than the one the mark names (a model rolled back before a sweep saw
/// it, a replica not yet reloaded) clears the mark, so the next sweep
/// re-scores every lead rather than trust leads nobody will see as due.
pub fn note_scorer(tx: &mut dyn Tx, scorer: &Scorer) -> Result<(), StoreError> {
    let key = scorer_key(scorer);
    match tx.mark(SCORED_WITH)? {
        Some(mark) if !mark.is_empty() && mark != key && mark != pending(&key) => {
            tx.set_mark(SCORED_WITH, "")
        }
        _ => Ok(()),
    }
}

/// Re-scores up to `chunk` leads due at `now`, earliest first (locked in
/// id order like every writer), from their states, and announces overdue
/// follow-ups. The report's `leads` below `chunk`: no lead is left due.
pub fn due_chunk(
    db: &dyn Database,
    scorer: &Scorer,
    chunk: usize,
    now: Timestamp,
) -> Result<Committed<SweepReport>, LiveError> {
    in_tx(db, |tx| {
        let mut ids = tx.due_leads(now, chunk)?;
        ids.sort();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let locked = tx.lock_leads(&ids)?;
        let leads = with_states(tx, locked)?;
        resweep(tx, scorer, &Log::PerLead, leads, now)
    })
}

/// The full pass's step: re-scores up to `chunk` leads with ids after
/// `after`, rebuilding from the log (read once for the chunk) the states
/// built for another decay. Returns the last id handled (`None` when there
/// were none) and counts.
pub fn full_chunk(
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
        let leads = with_states(tx, locked)?;
        let log = chunk_log(tx, scorer, &leads, after, &last)?;
        let done = resweep(tx, scorer, &log, leads, now)?;
        Ok(Committed {
            value: (Some(last), done.value),
            transitions: done.transitions,
        })
    })
}

/// The log of the leads in (`after`, `through`], read in one statement
/// when some state must be rebuilt or the shadow has another decay.
fn chunk_log(
    tx: &mut dyn Tx,
    scorer: &Scorer,
    leads: &BTreeMap<String, Locked>,
    after: &str,
    through: &str,
) -> Result<Log, LiveError> {
    let decay = state::decay_of(scorer);
    let shadow_differs = scorer
        .shadow
        .as_ref()
        .is_some_and(|m| *m.features().decay() != decay);
    let rebuilds = leads
        .values()
        .any(|(_, s)| !state::fits(s.as_ref(), &decay));
    if !(shadow_differs || rebuilds) {
        return Ok(Log::PerLead);
    }
    let rows = tx.activities_between(after, through)?;
    Ok(Log::Page(activities_by_lead(rows)))
}

/// Re-scores `leads` as of `now` and announces overdue follow-ups.
fn resweep(
    tx: &mut dyn Tx,
    scorer: &Scorer,
    log: &Log,
    leads: BTreeMap<String, Locked>,
    now: Timestamp,
) -> Result<Committed<SweepReport>, LiveError> {
    let decay = state::decay_of(scorer);
    let mut report = SweepReport::default();
    let mut records = Vec::with_capacity(leads.len());
    let mut states = Vec::with_capacity(leads.len());
    let mut changes = Vec::new();
    for (_, (mut rec, stored)) in leads {
        let (mut st, rebuilt) = state::usable(tx, log, &rec, stored, &decay, now)?;
        report.rebuilt += usize::from(rebuilt);
        handoff::check_overdue(&mut rec, now, &mut changes);
        rescore(tx, log, scorer, &mut rec, &mut st, now, &mut changes)?;
        records.push(rec);
        states.push(st);
    }
    report.leads = records.len();
    report.changes = changes.len();
    let transitions = finish(tx, scorer, &mut records, &states, changes, now)?;
    Ok(Committed {
        value: report,
        transitions,
    })
}
