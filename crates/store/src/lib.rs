//! Persistence of leadscore: leads, activity events, live scores and
//! stages, the sales hand-off and the stage-change log, behind one
//! interface with two real backends. The store keeps what the domain
//! ([`leadscore_core`]) decided; it decides no business rule and sees no
//! RPC type.
//!
//! - [`db`]: the [`Database`] / [`db::Tx`] seam and the row codec;
//!   [`codes`]: how enums are stored; [`query`]: what reads take and
//!   answer with; [`reads`]: the reads, written once against the seam.
//! - [`webhook_sql`]: each webhook subscription's delivered cursor, lease
//!   and dead letters.
//! - [`export`]: the store as the training job's CSV input;
//!   [`pipeline_sql`]: the facts pipeline health judges.
//! - Backends: [`sqlite`] (an embedded file, the default, guarded by
//!   [`sqlite_file`]) and [`postgres`] (shared by several replicas). Both
//!   run the same statements ([`sql_tx`], [`list_sql`]) and versioned
//!   migrations from `migrations/`, applied at open.
//!
//! Crates: `rusqlite` (bundled SQLite: nothing to install, the fastest path
//! to durable batched writes) and the synchronous `postgres` client, so
//! both backends share one blocking code path instead of a sync and an
//! async copy; `sqlx` would have cost far more compile time for the same
//! statements.

pub mod codes;
pub mod db;
pub mod error;
pub mod export;
pub mod list_sql;
pub mod pipeline_sql;
pub mod postgres;
pub mod query;
pub mod reads;
pub mod sql_tx;
pub mod sqlite;
pub mod sqlite_file;
pub mod webhook_sql;

use std::path::Path;

pub use error::StoreError;
pub use sqlite_file::FileUse;

pub use db::Database;

/// Connections a PostgreSQL store keeps open at most.
const POSTGRES_CONNECTIONS: usize = 16;

/// Opens the store a `--db` URL names to serve it (see [`open_with`]).
pub fn open(url: &str) -> Result<Box<dyn Database>, StoreError> {
    open_with(url, FileUse::Serve { create: false })
}

/// Opens the store a `--db` URL names: `sqlite://PATH` (relative or, with a
/// third slash, absolute), used as `use_` says, or `postgres://…` /
/// `postgresql://…` (which `use_` does not concern).
pub fn open_with(url: &str, use_: FileUse) -> Result<Box<dyn Database>, StoreError> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(StoreError::BadUrl {
                url: url.to_owned(),
                reason: "names no file; use sqlite://leadscore.db".into(),
            });
        }
        return Ok(Box::new(sqlite::SqliteDb::open(Path::new(path), use_)?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Box::new(postgres::PostgresDb::open(
            url,
            POSTGRES_CONNECTIONS,
        )?));
    }
    Err(StoreError::BadUrl {
        url: url.to_owned(),
        reason: "must start with sqlite:// or postgres://".into(),
    })
}
