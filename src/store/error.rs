//! What can go wrong in the lead store, for every backend.

use crate::handoff::HandOffError;
use crate::lead::FieldError;
use crate::quote::quote;

/// Errors of the lead store, and the hand-off refusals it passes on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Input breaks a rule; the path names the field.
    #[error(transparent)]
    InvalidField(#[from] FieldError),
    /// No lead has this id.
    #[error("lead {} not found", quote(.0))]
    NotFound(String),
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
    /// The `--db` URL is not one this build understands.
    #[error("--db {url:?}: {reason}")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// What is wrong and what is accepted.
        reason: String,
    },
    /// The SQLite file must not be used as asked: missing where a store
    /// existed, served by another process, or deleted or replaced while
    /// serving. The message names the file and what to do.
    #[error("{0}")]
    FileUnusable(String),
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error("postgres: {0}")]
    Postgres(#[from] postgres::Error),
    /// A stored value cannot be read back (schema drift, manual edits).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// A store call on the blocking pool panicked or was cancelled.
    #[error("store call did not complete: {0}")]
    Aborted(String),
    /// A score to be written is NaN or infinite; the store never keeps one.
    #[error("refused to store a non-finite value: {0}")]
    NonFinite(String),
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
    /// Writing an export failed.
    #[error("export: {0}")]
    Export(String),
}
