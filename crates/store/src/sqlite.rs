//! The embedded backend: one SQLite file (`--db sqlite://PATH`).
//!
//! rusqlite with the `bundled` SQLite, so a fresh machine needs no system
//! library and every build runs the same SQLite. The file is in WAL mode
//! with `synchronous = FULL`: a commit returns only once the WAL is
//! fsynced, so an acknowledged batch survives `kill -9` and power loss.
//! One connection serves all calls (SQLite has one writer anyway); a whole
//! batch is one `BEGIN IMMEDIATE` transaction, which is what makes tens of
//! thousands of durable events per second possible. The file itself (one
//! serving process, never re-created empty, deleted or replaced while
//! serving) is guarded by [`sqlite_file`](crate::sqlite_file).

use std::path::Path;
use std::sync::{LazyLock, Mutex};

use rusqlite::config::DbConfig;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::db::{Database, Row, Tx, Value};
use crate::error::StoreError;
use crate::sql_tx::{Conn, SqlTx, Statements};
use crate::sqlite_file::{FileUse, StoreFile};

/// Schema versions, applied in order at open.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_leads.sql")),
    (
        2,
        include_str!("../migrations/sqlite/0002_shadow_and_health.sql"),
    ),
    (
        3,
        include_str!("../migrations/sqlite/0003_event_ids_per_lead.sql"),
    ),
    (
        4,
        include_str!("../migrations/sqlite/0004_feature_state.sql"),
    ),
    (5, include_str!("../migrations/sqlite/0005_webhooks.sql")),
    (
        6,
        include_str!("../migrations/sqlite/0006_contact_fields.sql"),
    ),
];

/// A SQLite file.
#[derive(Debug)]
pub struct SqliteDb {
    /// The one connection; its mutex serializes transactions. Declared
    /// before `file`, so it is closed before the lock file is released.
    conn: Mutex<Connection>,
    /// The file's lock and identity, checked before every commit.
    file: StoreFile,
}

impl SqliteDb {
    /// Opens and migrates the file at `path`, used as `use_` says (which
    /// also decides whether a missing file may be created).
    pub fn open(path: &Path, use_: FileUse) -> Result<SqliteDb, StoreError> {
        let (file, conn) = StoreFile::open(path, use_, |create| connect(path, create))?;
        Ok(SqliteDb {
            conn: Mutex::new(conn),
            file,
        })
    }
}

/// The tuned, migrated connection to `path`; the file is created only if
/// `create`.
fn connect(path: &Path, create: bool) -> Result<Connection, StoreError> {
    let mut flags = OpenFlags::default();
    if !create {
        flags.remove(OpenFlags::SQLITE_OPEN_CREATE);
    }
    let mut conn = Connection::open_with_flags(path, flags)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // 64 MiB of page cache (SQLite's default is 2 MiB): at a million
    // leads the priority index alone is ~40 MiB, and every re-score
    // moves a lead in it; a small cache re-reads its pages from the OS
    // for every lead. Checkpoints every 64 MiB of WAL instead of 4 MiB,
    // so an index page rewritten by many commits is copied back once.
    conn.pragma_update(None, "cache_size", -65_536)?;
    conn.pragma_update(None, "wal_autocheckpoint", 16_384)?;
    conn.set_prepared_statement_cache_capacity(64);
    // Plans never depend on bound values: without this, a statement with
    // a range on a bound parameter is re-prepared whenever the value
    // changes (every lead's activity read was re-prepared).
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    migrate(&mut conn)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations \
         (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    )?;
    // Every version not applied yet, not only those above the highest:
    // versions are numbered per branch, so one may land after a higher one.
    let applied: Vec<i64> = tx
        .prepare("SELECT version FROM schema_migrations")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| !applied.contains(v)) {
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, unixepoch())",
            [version],
        )?;
        tracing::info!(version, "applied SQLite schema migration");
    }
    tx.commit()?;
    Ok(())
}

impl Database for SqliteDb {
    fn transaction(
        &self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| StoreError::Corrupt("a SQLite call panicked earlier".into()))?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        f(&mut SqlTx(SqliteConn(&tx)))?;
        // Reads too: an answer from a file that is gone would be just as
        // lost at the next start as a write into it.
        self.file.check()?;
        tx.commit()?;
        Ok(())
    }
}

/// A transaction of the connection.
struct SqliteConn<'t>(&'t rusqlite::Transaction<'t>);

fn to_sql(v: &Value) -> SqlValue {
    match v {
        Value::Int(Some(i)) => SqlValue::Integer(*i),
        Value::Real(Some(r)) => SqlValue::Real(*r),
        Value::Text(Some(t)) => SqlValue::Text(t.clone()),
        Value::Int(None) | Value::Real(None) | Value::Text(None) => SqlValue::Null,
    }
}

impl Row for rusqlite::Row<'_> {
    fn int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.get(i)?)
    }
    fn real(&self, i: usize) -> Result<Option<f64>, StoreError> {
        Ok(self.get(i)?)
    }
    fn text(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(self.get(i)?)
    }
}

impl Conn for SqliteConn<'_> {
    const FOR_UPDATE: &'static str = "";

    fn placeholder(n: usize) -> String {
        format!("?{n}")
    }

    fn statements() -> &'static Statements {
        static STATEMENTS: LazyLock<Statements> =
            LazyLock::new(Statements::new::<SqliteConn<'static>>);
        &STATEMENTS
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let mut stmt = self.0.prepare_cached(sql)?;
        let n = stmt.execute(rusqlite::params_from_iter(params.iter().map(to_sql)))?;
        Ok(n as u64)
    }

    fn query(
        &mut self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&dyn Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.0.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter().map(to_sql)))?;
        while let Some(row) = rows.next()? {
            each(row)?;
        }
        Ok(())
    }
}
