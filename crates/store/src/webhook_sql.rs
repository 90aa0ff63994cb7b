//! The webhook deliverer's rows (`webhook_cursors`, `webhook_dead_letters`)
//! and their statements, written once for both dialects.
//!
//! A subscription's row holds the cursor of the last stage change passed
//! and the lease of the replica delivering it. The lease is taken with one
//! conditional `UPDATE` (free, expired, or already ours), so of several
//! replicas on one PostgreSQL exactly one delivers a subscription at a
//! time; every later write is conditional on still holding it and on the
//! cursor being where the holder left it, so a replay or a takeover is
//! noticed at the next write instead of being overwritten.

use crate::db::{Row, Value, time};
use crate::error::StoreError;
use crate::sql_tx::Conn;
use leadscore_core::time::Timestamp;

/// One subscription's delivery state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WebhookCursor {
    /// Subscription id (the webhooks file's `id`).
    pub subscription_id: String,
    /// Cursor of the last change passed (delivered, filtered out or
    /// dead-lettered).
    pub delivered: i64,
    /// Replica holding the lease, if any.
    pub lease_holder: Option<String>,
    /// When that lease ends.
    pub lease_until: Option<Timestamp>,
    /// Failed attempts at the change after `delivered`.
    pub attempts: i64,
    /// The newest failure, if the last attempt failed.
    pub last_error: Option<String>,
    /// When it failed.
    pub last_error_at: Option<Timestamp>,
}

/// A change given up on.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// Subscription id.
    pub subscription_id: String,
    /// Cursor of the change.
    pub cursor: i64,
    /// Attempts made.
    pub attempts: i64,
    /// The last attempt's error.
    pub last_error: String,
    /// When it was given up on.
    pub at: Timestamp,
}

/// Who asks for (or holds) a subscription's lease, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct Lease<'a> {
    /// Subscription id.
    pub subscription_id: &'a str,
    /// This replica's holder id.
    pub holder: &'a str,
    /// The time now.
    pub now: Timestamp,
    /// The lease's new end.
    pub until: Timestamp,
}

const CURSOR_COLUMNS: &str =
    "subscription_id, delivered, lease_holder, lease_until, attempts, last_error, last_error_at";

fn text(s: &str) -> Value {
    Value::Text(Some(s.to_owned()))
}

fn int(v: i64) -> Value {
    Value::Int(Some(v))
}

fn decode_cursor(r: &dyn Row) -> Result<WebhookCursor, StoreError> {
    let required = |v: Option<i64>, c: &str| {
        v.ok_or_else(|| StoreError::Corrupt(format!("webhook_cursors.{c} is NULL")))
    };
    Ok(WebhookCursor {
        subscription_id: r.text(0)?.unwrap_or_default(),
        delivered: required(r.int(1)?, "delivered")?,
        lease_holder: r.text(2)?,
        lease_until: r.time(3)?,
        attempts: required(r.int(4)?, "attempts")?,
        last_error: r.text(5)?,
        last_error_at: r.time(6)?,
    })
}

fn cursors<C: Conn>(
    conn: &mut C,
    sql: &str,
    params: &[Value],
) -> Result<Vec<WebhookCursor>, StoreError> {
    let mut out = Vec::new();
    conn.query(sql, params, &mut |r| {
        out.push(decode_cursor(r)?);
        Ok(())
    })?;
    Ok(out)
}

/// The lease of `l.subscription_id` for `l.holder` if it is free, expired
/// or already theirs, with the row (created at the newest change: a new
/// subscription starts from now; the `WHERE true` is SQLite's way to tell
/// the upsert's `ON` from a join's); `None` while another replica holds it.
pub fn take_lease<C: Conn>(
    conn: &mut C,
    l: &Lease<'_>,
) -> Result<Option<WebhookCursor>, StoreError> {
    let p = C::placeholder;
    conn.execute(
        &format!(
            "INSERT INTO webhook_cursors (subscription_id, delivered, attempts) \
             SELECT {}, COALESCE(MAX(seq), 0), 0 FROM stage_changes WHERE true \
             ON CONFLICT (subscription_id) DO NOTHING",
            p(1)
        ),
        &[text(l.subscription_id)],
    )?;
    let (id, holder, now, until) = (p(1), p(2), p(3), p(4));
    let sql = format!(
        "UPDATE webhook_cursors SET lease_holder = {holder}, lease_until = {until} \
         WHERE subscription_id = {id} \
         AND (lease_holder IS NULL OR lease_holder = {holder} OR lease_until <= {now}) \
         RETURNING {CURSOR_COLUMNS}"
    );
    let params = [
        text(l.subscription_id),
        text(l.holder),
        time(Some(l.now)),
        time(Some(l.until)),
    ];
    Ok(cursors(conn, &sql, &params)?.pop())
}

/// The `WHERE` of a holder's write: its lease, at the cursor it read.
fn held<C: Conn>() -> String {
    format!(
        "subscription_id = {} AND lease_holder = {} AND delivered = {}",
        C::placeholder(1),
        C::placeholder(2),
        C::placeholder(3)
    )
}

/// Moves the cursor from `from` to `to` (the changes up to `to` are
/// passed), clears the failures and renews the lease; false when the
/// lease was lost or the cursor moved (a replay): read it again.
pub fn advance<C: Conn>(
    conn: &mut C,
    l: &Lease<'_>,
    from: i64,
    to: i64,
) -> Result<bool, StoreError> {
    let sql = format!(
        "UPDATE webhook_cursors SET delivered = {}, attempts = 0, last_error = NULL, \
         last_error_at = NULL, lease_until = {} WHERE {}",
        C::placeholder(4),
        C::placeholder(5),
        held::<C>()
    );
    let params = [
        text(l.subscription_id),
        text(l.holder),
        int(from),
        int(to),
        time(Some(l.until)),
    ];
    Ok(conn.execute(&sql, &params)? == 1)
}

/// Counts a failed attempt at the change after `at` and renews the lease:
/// the attempts so far, `None` when the lease was lost or the cursor moved.
pub fn failed<C: Conn>(
    conn: &mut C,
    l: &Lease<'_>,
    at: i64,
    error: &str,
) -> Result<Option<i64>, StoreError> {
    let sql = format!(
        "UPDATE webhook_cursors SET attempts = attempts + 1, last_error = {}, \
         last_error_at = {}, lease_until = {} WHERE {} RETURNING attempts",
        C::placeholder(4),
        C::placeholder(5),
        C::placeholder(6),
        held::<C>()
    );
    let params = [
        text(l.subscription_id),
        text(l.holder),
        int(at),
        text(error),
        time(Some(l.now)),
        time(Some(l.until)),
    ];
    let mut attempts = None;
    conn.query(&sql, &params, &mut |r| {
        attempts = r.int(0)?;
        Ok(())
    })?;
    Ok(attempts)
}

/// Records a change given up on (once per subscription and cursor).
pub fn insert_dead_letter<C: Conn>(conn: &mut C, d: &DeadLetter) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO webhook_dead_letters (subscription_id, seq, attempts, last_error, at) \
         VALUES ({}, {}, {}, {}, {}) ON CONFLICT (subscription_id, seq) DO NOTHING",
        C::placeholder(1),
        C::placeholder(2),
        C::placeholder(3),
        C::placeholder(4),
        C::placeholder(5)
    );
    let params = [
        text(&d.subscription_id),
        int(d.cursor),
        int(d.attempts),
        text(&d.last_error),
        time(Some(d.at)),
    ];
    conn.execute(&sql, &params)?;
    Ok(())
}

/// A subscription's row, if it was ever delivered.
pub fn cursor<C: Conn>(conn: &mut C, id: &str) -> Result<Option<WebhookCursor>, StoreError> {
    let sql = format!(
        "SELECT {CURSOR_COLUMNS} FROM webhook_cursors WHERE subscription_id = {}",
        C::placeholder(1)
    );
    Ok(cursors(conn, &sql, &[text(id)])?.pop())
}

/// How many changes a subscription gave up on, and the newest `limit` of
/// them, newest first.
pub fn dead_letters<C: Conn>(
    conn: &mut C,
    id: &str,
    limit: usize,
) -> Result<(i64, Vec<DeadLetter>), StoreError> {
    let mut total = 0;
    conn.query(
        &format!(
            "SELECT COUNT(*) FROM webhook_dead_letters WHERE subscription_id = {}",
            C::placeholder(1)
        ),
        &[text(id)],
        &mut |r| {
            total = r.int(0)?.unwrap_or(0);
            Ok(())
        },
    )?;
    let sql = format!(
        "SELECT seq, attempts, last_error, at FROM webhook_dead_letters \
         WHERE subscription_id = {} ORDER BY seq DESC LIMIT {}",
        C::placeholder(1),
        C::placeholder(2)
    );
    let mut out = Vec::new();
    let max = i64::try_from(limit).unwrap_or(i64::MAX);
    conn.query(&sql, &[text(id), int(max)], &mut |r| {
        out.push(DeadLetter {
            subscription_id: id.to_owned(),
            cursor: r.int(0)?.unwrap_or(0),
            attempts: r.int(1)?.unwrap_or(0),
            last_error: r.text(2)?.unwrap_or_default(),
            at: r
                .time(3)?
                .ok_or_else(|| StoreError::Corrupt("webhook_dead_letters.at is NULL".into()))?,
        });
        Ok(())
    })?;
    Ok((total, out))
}

/// Sets a subscription's cursor to `from` (the next change delivered is
/// the one after it) and clears its failures; the holder notices at its
/// next write.
pub fn replay<C: Conn>(conn: &mut C, id: &str, from: i64) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO webhook_cursors (subscription_id, delivered, attempts) VALUES ({}, {}, 0) \
         ON CONFLICT (subscription_id) DO UPDATE SET delivered = excluded.delivered, \
         attempts = 0, last_error = NULL, last_error_at = NULL",
        C::placeholder(1),
        C::placeholder(2)
    );
    conn.execute(&sql, &[text(id), int(from)])?;
    Ok(())
}
