//! `RecordOutcomes`: many leads closed in one transaction, each answered
//! on its own. Every lead is locked in id order (like every writer), each
//! outcome is decided as `RecordOutcome` decides it ([`writes::act`]), and
//! a refused one (no such lead, already closed, a time before the lead)
//! is answered with its reason while the others are recorded.

use std::collections::BTreeMap;

use leadscore_store::StoreError;
use leadscore_store::db::{Database, in_tx};

use super::error::LiveError;
use super::writes::{self, Committed, HandOffAction, finish, with_states};
use crate::handoff::LeadRecord;
use crate::lead::{NewOutcome, OutcomeBatch};
use crate::scoring::Scorer;
use crate::time::Timestamp;

/// What became of one outcome: the lead after it, or why it was refused.
pub type OutcomeResult = Result<LeadRecord, String>;

/// Records `batch` in one transaction; one result per entry, in order.
pub fn record_outcomes(
    db: &dyn Database,
    scorer: &Scorer,
    batch: OutcomeBatch,
    now: Timestamp,
) -> Result<Committed<Vec<OutcomeResult>>, LiveError> {
    let entries = batch.into_entries();
    // Refused entries answered now; the others are filled in below.
    let mut results: Vec<OutcomeResult> = entries
        .iter()
        .map(|e| {
            Err(e
                .as_ref()
                .err()
                .map(ToString::to_string)
                .unwrap_or_default())
        })
        .collect();
    // Lead id -> its entry's place; ids are distinct (the batch refuses repeats).
    let wanted: BTreeMap<&str, (usize, &NewOutcome)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.as_ref().ok().map(|o| (o.lead_id.as_str(), (i, o))))
        .collect();
    let ids: Vec<&str> = wanted.keys().copied().collect();
    let (closed, transitions) = in_tx(db, |tx| {
        let locked = tx.lock_leads(&ids)?;
        let mut locked = with_states(tx, locked)?;
        let (mut leads, mut places, mut states, mut changes) = (vec![], vec![], vec![], vec![]);
        let mut refused = Vec::new();
        for (id, (i, o)) in &wanted {
            let Some((rec, stored)) = locked.remove(*id) else {
                refused.push((*i, StoreError::NotFound((*id).to_owned()).to_string()));
                continue;
            };
            let action = HandOffAction::Outcome {
                won: o.won,
                at: o.at,
            };
            match writes::act(tx, scorer, rec, stored, &action, now) {
                Ok(([rec], st, mut c)) => {
                    leads.push(rec);
                    places.push(*i);
                    states.push(st);
                    changes.append(&mut c);
                }
                Err(e @ (LiveError::HandOff(_) | LiveError::InvalidField(_))) => {
                    refused.push((*i, e.to_string()));
                }
                Err(e) => return Err(e),
            }
        }
        let transitions = finish(tx, scorer, &mut leads, &states, changes, now)?;
        let closed: Vec<(usize, OutcomeResult)> = places
            .into_iter()
            .zip(leads.into_iter().map(Ok))
            .chain(refused.into_iter().map(|(i, why)| (i, Err(why))))
            .collect();
        Ok::<_, LiveError>((closed, transitions))
    })?;
    for (i, result) in closed {
        results[i] = result;
    }
    Ok(Committed {
        value: results,
        transitions,
    })
}
