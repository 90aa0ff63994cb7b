//! An activity event on its way into the store, and what became of it.

use crate::time::Timestamp;

/// An activity event to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// Caller's event id: with the lead id, the idempotency key (two
    /// sources may number their own leads' events alike).
    pub event_id: String,
    /// Lead it belongs to (created when unknown).
    pub lead_id: String,
    /// Normalized activity type.
    pub activity_type: String,
    /// When it happened.
    pub occurred_at: Timestamp,
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
