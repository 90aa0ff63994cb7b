//! Building the [`EventArena`] from activity rows as they stream in, in
//! bounded memory.
//!
//! Rows are appended in file order to flat columns ([`RawEvents`]: lead
//! index, interned type, time, and a 64-bit hash of the event id — about
//! 22 bytes a row), then grouped by lead with a stable counting sort, one
//! column at a time so at most one column is doubled. Within a lead the
//! file order is kept. Event ids are only compared within a lead (the
//! shared code drops a repeated id), so each lead's id hashes are then
//! renumbered `0, 1, …` in order of appearance (`u32`). Two different ids
//! of one lead would have to share a 64-bit SipHash to be confused: with
//! ~20 events a lead, a chance of about 1e-17 per lead.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use leadscore_core::time::Timestamp;

use super::{EventArena, Lead};

/// The hash of "no event id".
const NO_ID: u64 = 0;

/// Activity rows of known leads in file order.
#[derive(Debug, Default)]
pub struct RawEvents {
    /// Index of the lead in the history.
    lead: Vec<u32>,
    /// Interned activity type.
    types: Vec<u16>,
    /// When it happened.
    at: Vec<Timestamp>,
    /// Hash of the event id ([`NO_ID`] without one); empty when the file
    /// has no event id column.
    ids: Vec<u64>,
}

/// The hash of a (trimmed) event id, never [`NO_ID`].
fn id_hash(id: &str) -> u64 {
    let mut h = DefaultHasher::new();
    id.hash(&mut h);
    h.finish().max(1)
}

impl RawEvents {
    /// Rows appended so far.
    pub fn len(&self) -> usize {
        self.at.len()
    }

    /// Whether no row was appended.
    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    /// Appends a row; `id` is `None` without an event id column, `Some(None)`
    /// for an empty cell.
    pub fn push(&mut self, lead: u32, activity_type: u16, at: Timestamp, id: Option<Option<&str>>) {
        self.lead.push(lead);
        self.types.push(activity_type);
        self.at.push(at);
        if let Some(id) = id {
            self.ids.push(id.map_or(NO_ID, id_hash));
        }
    }

    /// Groups the rows by lead into an arena, setting each lead's range;
    /// also returns the most distinct event ids of one lead.
    pub fn group(self, leads: &mut [Lead]) -> (EventArena, usize) {
        let RawEvents {
            lead,
            types,
            at,
            ids,
        } = self;
        let mut start = vec![0usize; leads.len() + 1];
        for &l in &lead {
            start[l as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let mut cursor = start.clone();
        // Positions fit in u32: the memory estimate refuses more events
        // long before (`super::memory::MAX_EVENTS`).
        let dest: Vec<u32> = lead
            .iter()
            .map(|&l| {
                let d = cursor[l as usize];
                cursor[l as usize] += 1;
                d as u32
            })
            .collect();
        drop(lead);
        drop(cursor);
        let types = scatter(types, &dest, 0);
        let at = scatter(at, &dest, Timestamp::UNIX_EPOCH);
        let ids = scatter(ids, &dest, NO_ID);
        drop(dest);
        for (l, lead) in leads.iter_mut().enumerate() {
            lead.events = start[l]..start[l + 1];
        }
        let (ids, max_ids) = renumber(&ids, leads, at.len());
        (EventArena { types, at, ids }, max_ids)
    }
}

/// `values` moved to positions `dest` (an empty column stays empty).
fn scatter<T: Copy>(values: Vec<T>, dest: &[u32], fill: T) -> Vec<T> {
    if values.is_empty() {
        return values;
    }
    let mut out = vec![fill; values.len()];
    for (v, &d) in values.iter().zip(dest) {
        out[d as usize] = *v;
    }
    out
}

/// Each lead's id hashes as `0, 1, …` in order of appearance (`u32::MAX`
/// for none), and the most distinct ids of a lead; all `u32::MAX` when the
/// file had no event ids.
fn renumber(hashes: &[u64], leads: &[Lead], events: usize) -> (Vec<u32>, usize) {
    if hashes.is_empty() {
        return (vec![u32::MAX; events], 0);
    }
    let mut ids = Vec::with_capacity(events);
    let mut max_ids = 0;
    let mut local: HashMap<u64, u32> = HashMap::new();
    for lead in leads {
        local.clear();
        for &h in &hashes[lead.events.clone()] {
            ids.push(if h == NO_ID {
                u32::MAX
            } else {
                let next = local.len() as u32;
                *local.entry(h).or_insert(next)
            });
        }
        max_ids = max_ids.max(local.len());
    }
    (ids, max_ids)
}
