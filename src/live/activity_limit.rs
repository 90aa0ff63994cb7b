//! The per-lead activity limit of `RecordActivities`. A stored lead is
//! scored on every activity it has, and a score takes at most
//! [`limits::MAX_ACTIVITIES`] of them; so the event that would take a lead
//! past that is refused (REJECTED, naming the limit) rather than stored
//! and then left out of the score without a word.

use std::collections::HashSet;

use crate::handoff::LeadRecord;
use crate::lead::{Activity, FieldError, limits};
use crate::lead::{EventOutcome, NewEvent};

/// For each of `fresh` (checked events, distinct by lead and event id,
/// sorted by lead id, each with its position in the request): `Recorded`
/// if it fits under its lead's limit, else `Rejected`. `leads` are those
/// events' leads, each with every activity it has stored (read under the
/// lead's lock, so no other writer adds to them meanwhile).
pub fn admit(
    leads: &[(LeadRecord, Vec<Activity>)],
    fresh: &[(usize, NewEvent)],
) -> Vec<EventOutcome> {
    let mut outcomes = vec![EventOutcome::Recorded; fresh.len()];
    for (rec, stored) in leads {
        let from = fresh.partition_point(|(_, e)| e.lead_id() < rec.id.as_str());
        let to = fresh.partition_point(|(_, e)| e.lead_id() <= rec.id.as_str());
        if stored.len() + (to - from) > limits::MAX_ACTIVITIES {
            refuse_past_limit(stored, &fresh[from..to], &mut outcomes[from..to]);
        }
    }
    outcomes
}

/// One lead's `events` near its limit: admitted in request order while
/// there is room; an event the lead already has takes none (it will be a
/// duplicate), and every later new one is refused.
fn refuse_past_limit(
    stored: &[Activity],
    events: &[(usize, NewEvent)],
    outcomes: &mut [EventOutcome],
) {
    let known: HashSet<&str> = stored
        .iter()
        .filter_map(|a| a.event_id.as_deref())
        .collect();
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&k| events[k].0);
    let mut count = stored.len();
    for k in order {
        let (i, e) = &events[k];
        if known.contains(e.event_id()) {
            continue;
        }
        if count < limits::MAX_ACTIVITIES {
            count += 1;
            continue;
        }
        let refused = FieldError::new(
            "lead_id",
            format!(
                "this lead already has {count} stored activities, the limit is {} per lead; \
                 the event was not stored",
                limits::MAX_ACTIVITIES
            ),
        );
        outcomes[k] = EventOutcome::Rejected(refused.within(&format!("events[{i}]")).to_string());
    }
}
