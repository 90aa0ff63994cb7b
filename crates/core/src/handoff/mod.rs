//! The sales hand-off of a live lead, as pure functions over a
//! [`LeadRecord`]: re-scoring ([`rescore`]), the state machine (assign,
//! accept, hand back, close, overdue follow-up: [`transitions`]) and
//! round-robin assignment of new SQLs ([`assignment`]).
//!
//! Every transition is appended to a `changes` list; the caller (the lead
//! store) holds the lead's lock, persists the record and numbers the
//! changes. A refusal is a [`HandOffError`] naming the precondition.

pub mod assignment;
pub mod error;
pub mod record;
pub mod rescore;
pub mod transitions;

#[cfg(test)]
mod tests;

pub use assignment::{TurnGroup, needs_owner, owner_group, round_robin_groups};
pub use error::HandOffError;
pub use record::{ChangeKind, HandOff, LeadRecord, ShadowScore, StageChange};
pub use rescore::{Evidence, rescore, scoring_lead};
pub use transitions::{accept, assign, check_outcome_time, check_overdue, close, recycle};
