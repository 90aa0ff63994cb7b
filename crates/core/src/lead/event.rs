//! An activity event on its way into the store, and what became of it.

use super::{Activity, FieldError, check_lead_id, check_len, check_not_ahead, limits};
use crate::features::into_normal_name;
use crate::time::Timestamp;

/// Prefix of a derived event id ([`derived_event_id`]): no caller's id
/// is mistaken for one by accident.
pub const DERIVED_ID_PREFIX: &str = "d:";

/// The event id of an event its source sent without one: `d:` and the
/// first 32 hex digits (128 bits) of SHA-256 over the source, the lead
/// id, the normalized activity type and the time in microseconds since
/// the epoch, each followed by a 0x1F byte. The same event sent again
/// (a retried webhook, an import run twice) gets the same id, so it is
/// recorded once; two events of one lead, type and microsecond from one
/// source are one event.
pub fn derived_event_id(
    source: &str,
    lead_id: &str,
    activity_type: &str,
    occurred_at: Timestamp,
) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let micros = occurred_at.as_micros().to_string();
    let normal = crate::features::normalize_name(activity_type);
    for part in [source, lead_id, &normal, &micros] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    let digest = h.finalize();
    format!("{DERIVED_ID_PREFIX}{}", &crate::hex::encode(&digest)[..32])
}

/// An activity event to record, checked: a lead id by its rule, a
/// non-empty event id and type within [`limits::MAX_STRING_BYTES`], the
/// type normalized, and a time at most [`limits::MAX_FUTURE`] after the
/// clock it was checked against. Only [`NewEvent::parse`] builds one.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    event_id: String,
    lead_id: String,
    activity_type: String,
    occurred_at: Timestamp,
}

impl NewEvent {
    /// Checks one event against `now`; errors name the field inside the
    /// event (`occurred_at`), which [`EventBatch`] prefixes with its place.
    pub fn parse(
        event_id: String,
        lead_id: String,
        activity_type: String,
        occurred_at: Timestamp,
        now: Timestamp,
    ) -> Result<NewEvent, FieldError> {
        let activity_type = into_normal_name(activity_type);
        check_lead_id("lead_id", &lead_id)?;
        for (field, value) in [("event_id", &event_id), ("type", &activity_type)] {
            if value.trim().is_empty() {
                return Err(FieldError::new(field, "is required"));
            }
            check_len(field, value, limits::MAX_STRING_BYTES)?;
        }
        check_not_ahead("occurred_at", occurred_at, now, "in the future")?;
        Ok(NewEvent {
            event_id,
            lead_id,
            activity_type,
            occurred_at,
        })
    }

    /// Caller's event id: with the lead id, the idempotency key (two
    /// sources may number their own leads' events alike).
    pub fn event_id(&self) -> &str {
        &self.event_id
    }

    /// Lead it belongs to (created when unknown).
    pub fn lead_id(&self) -> &str {
        &self.lead_id
    }

    /// Normalized activity type.
    pub fn activity_type(&self) -> &str {
        &self.activity_type
    }

    /// When it happened.
    pub fn occurred_at(&self) -> Timestamp {
        self.occurred_at
    }

    /// The event as a lead's activity.
    pub fn to_activity(&self) -> Activity {
        Activity {
            activity_type: self.activity_type.clone(),
            occurred_at: self.occurred_at,
            event_id: Some(self.event_id.clone()),
        }
    }
}

/// One `RecordActivities` batch: at most [`limits::MAX_EVENTS`] entries,
/// each a checked event or why it was refused (refused events are answered
/// one by one; the rest of the batch is still recorded).
#[derive(Debug, Clone, PartialEq)]
pub struct EventBatch(Vec<Result<NewEvent, FieldError>>);

impl EventBatch {
    /// Refuses more than [`limits::MAX_EVENTS`] entries before parsing
    /// any, then parses each with `parse`; a refusal is named by the
    /// entry's place (`events[2].occurred_at`).
    pub fn parse<T>(
        raw: Vec<T>,
        mut parse: impl FnMut(T) -> Result<NewEvent, FieldError>,
    ) -> Result<EventBatch, FieldError> {
        check_batch_len("events", "events", raw.len(), limits::MAX_EVENTS)?;
        let entries = raw
            .into_iter()
            .enumerate()
            .map(|(i, r)| parse(r).map_err(|e| e.within(&format!("events[{i}]"))))
            .collect();
        Ok(EventBatch(entries))
    }

    /// The entries, in request order.
    pub fn into_entries(self) -> Vec<Result<NewEvent, FieldError>> {
        self.0
    }
}

/// Refuses a batch field of more than `max` entries.
pub(super) fn check_batch_len(
    field: &str,
    what: &str,
    len: usize,
    max: usize,
) -> Result<(), FieldError> {
    if len > max {
        return Err(FieldError::new(
            field,
            format!("has {len} {what}, the limit is {max} per call"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derived_id_depends_on_every_part_and_on_the_type_only_once_normalized() {
        let t = Timestamp::from_micros(1_780_000_000_000_000).unwrap();
        let id = derived_event_id("pixel", "L1", "Page View", t);
        assert_eq!(id, derived_event_id("pixel", "L1", "page_view", t));
        assert!(id.starts_with(DERIVED_ID_PREFIX) && id.len() == 34);
        let later = Timestamp::from_micros(t.as_micros() + 1).unwrap();
        for other in [
            derived_event_id("form", "L1", "page_view", t),
            derived_event_id("pixel", "L2", "page_view", t),
            derived_event_id("pixel", "L1", "email_open", t),
            derived_event_id("pixel", "L1", "page_view", later),
        ] {
            assert_ne!(id, other);
        }
    }
}

/// What happened to one event of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventOutcome {
    /// Stored by this call.
    Recorded,
    /// The lead has an event with this id already (stored before, or
    /// earlier in this batch); nothing changed.
    Duplicate,
    /// Malformed, or over a limit; nothing stored. The reason names the
    /// field.
    Rejected(String),
}

impl EventOutcome {
    /// Why an event is [`EventOutcome::Duplicate`], told to the caller.
    pub const DUPLICATE_REASON: &str = "this lead already has an event with this id (recorded \
                                        before, or earlier in this batch); nothing was changed";
}
