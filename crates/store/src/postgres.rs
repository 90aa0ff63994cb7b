//! The shared backend: PostgreSQL (`--db postgres://…`), for several
//! service replicas behind a load balancer.
//!
//! The synchronous `postgres` client (tokio-postgres underneath) runs on
//! the blocking thread pool like SQLite does, so both backends share one
//! transaction code path ([`SqlTx`]) instead of two copies, one of them
//! async. Leads are locked with `SELECT … FOR UPDATE` in id order, so two
//! replicas handling the same lead decide each transition once. A
//! transaction that still fails with a serialization failure or deadlock
//! is run again.

use std::collections::HashMap;
use std::sync::{Condvar, LazyLock, Mutex};

use postgres::types::ToSql;
use postgres::{Client, NoTls, Statement};

use crate::db::{Database, Row, Tx, Value};
use crate::error::StoreError;
use crate::sql_tx::{Conn, SqlTx, Statements};

/// Schema versions, applied in order at open.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_leads.sql")),
    (
        2,
        include_str!("../migrations/postgres/0002_shadow_and_health.sql"),
    ),
    (
        3,
        include_str!("../migrations/postgres/0003_event_ids_per_lead.sql"),
    ),
    (
        4,
        include_str!("../migrations/postgres/0004_feature_state.sql"),
    ),
    (5, include_str!("../migrations/postgres/0005_webhooks.sql")),
    (
        6,
        include_str!("../migrations/postgres/0006_contact_fields.sql"),
    ),
];
/// Advisory lock key that serializes migrations of replicas starting together.
const MIGRATION_LOCK: i64 = 0x6c65_6164_7363_6f72;
/// Attempts of a transaction that hits a serialization failure or deadlock.
const ATTEMPTS: usize = 5;

/// A connection with its prepared statements.
struct Pooled {
    /// The connection.
    client: Client,
    /// Statements prepared on it, by SQL text (a prepare is a round trip).
    statements: HashMap<String, Statement>,
}

/// Idle connections and how many exist.
#[derive(Default)]
struct PoolState {
    /// Ready for use.
    idle: Vec<Pooled>,
    /// Open connections, idle or in use.
    open: usize,
}

/// A PostgreSQL database reached through a small connection pool.
pub struct PostgresDb {
    /// Connection string.
    url: String,
    /// Most connections open at once.
    max: usize,
    /// The pool.
    state: Mutex<PoolState>,
    /// Signalled when a connection is returned.
    returned: Condvar,
}

impl std::fmt::Debug for PostgresDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresDb")
            .field("max", &self.max)
            .finish()
    }
}

impl PostgresDb {
    /// Connects to `url` and migrates; at most `max` connections.
    pub fn open(url: &str, max: usize) -> Result<PostgresDb, StoreError> {
        let db = PostgresDb {
            url: url.to_owned(),
            max: max.max(1),
            state: Mutex::new(PoolState::default()),
            returned: Condvar::new(),
        };
        let mut c = db.acquire()?;
        let result = migrate(&mut c.client);
        db.release(c);
        result?;
        Ok(db)
    }

    fn acquire(&self) -> Result<Pooled, StoreError> {
        let mut state = self.lock();
        loop {
            if let Some(c) = state.idle.pop() {
                return Ok(c);
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return Client::connect(&self.url, NoTls)
                    .map(|client| Pooled {
                        client,
                        statements: HashMap::new(),
                    })
                    .map_err(|e| {
                        self.lock().open -= 1;
                        StoreError::Postgres(e)
                    });
            }
            state = self.returned.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn release(&self, c: Pooled) {
        let mut state = self.lock();
        if c.client.is_closed() {
            state.open -= 1;
            drop(state);
            close_off_runtime(vec![c]);
        } else {
            state.idle.push(c);
        }
        self.returned.notify_one();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A `postgres::Client` owns a small runtime, which must not be dropped on
/// an async thread: connections are closed on a plain thread.
fn close_off_runtime(clients: Vec<Pooled>) {
    if !clients.is_empty() {
        std::thread::spawn(move || drop(clients));
    }
}

impl Drop for PostgresDb {
    fn drop(&mut self) {
        close_off_runtime(std::mem::take(&mut self.lock().idle));
    }
}

fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations \
         (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )?;
    // Every version not applied yet, not only those above the highest:
    // versions are numbered per branch, so one may land after a higher one.
    let applied: Vec<i64> = tx
        .query("SELECT version FROM schema_migrations", &[])?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| !applied.contains(v)) {
        tx.batch_execute(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[version],
        )?;
        tracing::info!(version, "applied PostgreSQL schema migration");
    }
    tx.commit()?;
    Ok(())
}

fn retryable(e: &StoreError) -> bool {
    use postgres::error::SqlState;
    match e {
        StoreError::Postgres(e) => matches!(
            e.code(),
            Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
        ),
        _ => false,
    }
}

impl Database for PostgresDb {
    fn transaction(
        &self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut attempt = 1;
        loop {
            let mut c = self.acquire()?;
            let result = run_once(&mut c, f);
            self.release(c);
            match result {
                Err(e) if attempt < ATTEMPTS && retryable(&e) => {
                    tracing::debug!(error = %e, attempt, "retrying PostgreSQL transaction");
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

fn run_once(
    c: &mut Pooled,
    f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let tx = c.client.transaction()?;
    let mut conn = PgConn {
        tx,
        statements: &mut c.statements,
    };
    f(&mut SqlTx(&mut conn))?;
    conn.tx.commit()?;
    Ok(())
}

/// An open transaction and the connection's statement cache.
struct PgConn<'c> {
    /// The transaction.
    tx: postgres::Transaction<'c>,
    /// Prepared statements of the connection.
    statements: &'c mut HashMap<String, Statement>,
}

impl PgConn<'_> {
    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql)?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

fn boxed(params: &[Value]) -> Vec<Box<dyn ToSql + Sync>> {
    params
        .iter()
        .map(|v| -> Box<dyn ToSql + Sync> {
            match v {
                Value::Int(i) => Box::new(*i),
                Value::Real(r) => Box::new(*r),
                Value::Text(t) => Box::new(t.clone()),
            }
        })
        .collect()
}

impl Row for postgres::Row {
    fn int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn real(&self, i: usize) -> Result<Option<f64>, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn text(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(i)?)
    }
}

impl Conn for &mut PgConn<'_> {
    const FOR_UPDATE: &'static str = " FOR UPDATE";

    fn placeholder(n: usize) -> String {
        format!("${n}")
    }

    fn statements() -> &'static Statements {
        static STATEMENTS: LazyLock<Statements> =
            LazyLock::new(Statements::new::<&'static mut PgConn<'static>>);
        &STATEMENTS
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let stmt = self.statement(sql)?;
        let owned = boxed(params);
        let refs: Vec<&(dyn ToSql + Sync)> = owned.iter().map(|b| b.as_ref()).collect();
        Ok(self.tx.execute(&stmt, &refs)?)
    }

    fn query(
        &mut self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&dyn Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let stmt = self.statement(sql)?;
        let owned = boxed(params);
        let refs: Vec<&(dyn ToSql + Sync)> = owned.iter().map(|b| b.as_ref()).collect();
        for row in self.tx.query(&stmt, &refs)? {
            each(&row)?;
        }
        Ok(())
    }
}
