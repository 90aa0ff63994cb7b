//! What can go wrong keeping leads live: the store's failures, and the
//! domain's refusals of what a caller asked.

use leadscore_store::StoreError;

use crate::handoff::HandOffError;
use crate::lead::FieldError;

/// Errors of [`super::LiveStore`] and its change feed.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The store failed (or has no such lead).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Input breaks a rule; the path names the field.
    #[error(transparent)]
    InvalidField(#[from] FieldError),
    /// The lead is not in a state that allows the hand-off action (e.g.
    /// accepting a lead that is not SQL).
    #[error(transparent)]
    HandOff(#[from] HandOffError),
    /// A stored lead the active model cannot score (a non-finite score):
    /// the model's fault, not the caller's.
    #[error("lead {lead_id:?} cannot be scored by the active model: {reason}")]
    Unscorable {
        /// The lead.
        lead_id: String,
        /// Why it does not score.
        reason: String,
    },
    /// A watcher fell so far behind the change feed that the changes it
    /// has not taken are no longer in memory; it must watch again from
    /// `cursor`, the last change it was sent.
    #[error(
        "this watcher fell more than {window} changes behind the change feed and was ended; \
         watch again with after_cursor = {cursor} to resume without a gap",
        window = super::feed::WINDOW
    )]
    FellBehind {
        /// The last cursor sent to the watcher.
        cursor: i64,
    },
    /// A store call on the blocking pool panicked or was cancelled.
    #[error("store call did not complete: {0}")]
    Aborted(String),
}
