//! What can go wrong in the lead store, for every backend.

use leadscore_core::quote::quote;

/// Errors of the lead store, for every backend.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No lead has this id.
    #[error("lead {} not found", quote(.0))]
    NotFound(String),
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
    /// The caller's closure refused, and its transaction was rolled back
    /// ([`crate::db::in_tx`] hands the caller its own error instead).
    #[error("the transaction was rolled back by its caller")]
    RolledBack,
    /// A stored value cannot be read back (schema drift, manual edits).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// A score to be written is NaN or infinite; the store never keeps one.
    #[error("refused to store a non-finite value: {0}")]
    NonFinite(String),
    /// Writing an export failed.
    #[error("export: {0}")]
    Export(String),
}
