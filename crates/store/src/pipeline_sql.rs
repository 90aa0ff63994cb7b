//! The statements behind pipeline health: one window's facts
//! ([`PipelineFacts`]) read in the caller's transaction, so every figure
//! of a report comes from the same snapshot. Written once for both
//! backends, like [`sql_tx`](crate::sql_tx).

use crate::codes::{change_code, hand_off_code};
use crate::db::{Value, time};
use crate::error::StoreError;
use crate::sql_tx::Conn;
use leadscore_core::handoff::{ChangeKind, HandOff};
use leadscore_core::pipeline_health::{Funnel, PipelineFacts, ScoredOutcome};
use leadscore_core::time::Timestamp;

/// Hand-back reasons reported, most frequent first.
const MAX_REASONS: i64 = 20;

fn count<C: Conn>(conn: &mut C, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
    let mut n = 0;
    conn.query(sql, params, &mut |r| {
        n = r.int(0)?.unwrap_or(0);
        Ok(())
    })?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The facts of the window `[from, to)`.
pub fn pipeline_facts<C: Conn>(
    conn: &mut C,
    from: Timestamp,
    to: Timestamp,
) -> Result<PipelineFacts, StoreError> {
    let window = [time(Some(from)), time(Some(to))];
    let in_window = changes_in_window::<C>();
    Ok(PipelineFacts {
        from,
        to,
        outcomes: outcomes(conn, &window)?,
        funnel: funnel(conn, &window)?,
        sqls: count(
            conn,
            &format!("SELECT COUNT(DISTINCT lead_id) {in_window}"),
            &of_kind(from, to, ChangeKind::ToSql),
        )?,
        overdue_announced: count(
            conn,
            &format!("SELECT COUNT(*) {in_window}"),
            &of_kind(from, to, ChangeKind::FollowUpOverdue),
        )?,
        hand_back_reasons: hand_back_reasons(conn, from, to)?,
        overdue_open: overdue_open(conn, to)?,
    })
}

/// The `FROM … WHERE` of one kind of stage change in the window: parameters
/// are [`of_kind`].
fn changes_in_window<C: Conn>() -> String {
    let (p1, p2, p3) = (C::placeholder(1), C::placeholder(2), C::placeholder(3));
    format!("FROM stage_changes WHERE at >= {p1} AND at < {p2} AND kind = {p3}")
}

/// The parameters of [`changes_in_window`].
fn of_kind(from: Timestamp, to: Timestamp, kind: ChangeKind) -> [Value; 3] {
    [
        time(Some(from)),
        time(Some(to)),
        Value::Int(Some(i64::from(change_code(kind)))),
    ]
}

/// Leads with an outcome in the window, with the scores they had.
fn outcomes<C: Conn>(conn: &mut C, window: &[Value]) -> Result<Vec<ScoredOutcome>, StoreError> {
    let (p1, p2) = (C::placeholder(1), C::placeholder(2));
    let mut outcomes = Vec::new();
    let sql = format!(
        "SELECT hand_off, score, model_version, shadow_score, shadow_model_version FROM leads \
         WHERE outcome_at >= {p1} AND outcome_at < {p2}"
    );
    conn.query(&sql, window, &mut |r| {
        outcomes.push(ScoredOutcome {
            won: r.int(0)? == Some(i64::from(hand_off_code(HandOff::Won))),
            probability: r.real(1)?.unwrap_or(0.0) / 100.0,
            model_version: r.text(2)?.unwrap_or_default(),
            shadow: match (r.real(3)?, r.text(4)?) {
                (Some(s), Some(v)) => Some((s / 100.0, v)),
                _ => None,
            },
        });
        Ok(())
    })?;
    Ok(outcomes)
}

/// The funnel of the leads that qualified in the window.
fn funnel<C: Conn>(conn: &mut C, window: &[Value]) -> Result<Funnel, StoreError> {
    let (p1, p2) = (C::placeholder(1), C::placeholder(2));
    let (mql, sql_, accepted, won, lost) = (
        change_code(ChangeKind::ToMql),
        change_code(ChangeKind::ToSql),
        change_code(ChangeKind::Accepted),
        change_code(ChangeKind::Won),
        change_code(ChangeKind::Lost),
    );
    // The cohort: leads that qualified in the window, each from its first
    // qualification in it (`q`). Only steps at or after `q` count, so each
    // step is a subset of the one before (an acceptance of an earlier
    // round, before the lead qualified again, is not this round's).
    let sql = format!(
        "SELECT COUNT(*), COALESCE(SUM(s), 0), COALESCE(SUM(a), 0), COALESCE(SUM(w), 0), \
         COALESCE(SUM(l), 0) FROM (\
           SELECT c.lead_id, \
             MAX(CASE WHEN c.kind = {sql_} THEN 1 ELSE 0 END) AS s, \
             MAX(CASE WHEN c.kind = {accepted} THEN 1 ELSE 0 END) AS a, \
             MAX(CASE WHEN c.kind = {won} THEN 1 ELSE 0 END) AS w, \
             MAX(CASE WHEN c.kind = {lost} THEN 1 ELSE 0 END) AS l \
           FROM stage_changes c JOIN (\
             SELECT lead_id, MIN(at) AS q FROM stage_changes \
             WHERE kind IN ({mql}, {sql_}) AND at >= {p1} AND at < {p2} \
             GROUP BY lead_id) f ON c.lead_id = f.lead_id AND c.at >= f.q \
           GROUP BY c.lead_id) AS cohort"
    );
    let mut funnel = Funnel::default();
    conn.query(&sql, window, &mut |r| {
        let n = |i| -> Result<u64, StoreError> {
            Ok(u64::try_from(r.int(i)?.unwrap_or(0)).unwrap_or(0))
        };
        funnel = Funnel {
            qualified: n(0)?,
            reached_sql: n(1)?,
            accepted: n(2)?,
            won: n(3)?,
            lost: n(4)?,
        };
        Ok(())
    })?;
    Ok(funnel)
}

/// Hand-backs in the window by reason, most frequent first.
fn hand_back_reasons<C: Conn>(
    conn: &mut C,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<(String, u64)>, StoreError> {
    let mut hand_back_reasons = Vec::new();
    let sql = format!(
        "SELECT reason, COUNT(*) {} GROUP BY reason ORDER BY COUNT(*) DESC, reason \
         LIMIT {MAX_REASONS}",
        changes_in_window::<C>()
    );
    conn.query(&sql, &of_kind(from, to, ChangeKind::Recycled), &mut |r| {
        let n = u64::try_from(r.int(1)?.unwrap_or(0)).unwrap_or(0);
        hand_back_reasons.push((r.text(0)?.unwrap_or_default(), n));
        Ok(())
    })?;
    Ok(hand_back_reasons)
}

/// Accepted, still open leads whose follow-up deadline passed before `to`.
fn overdue_open<C: Conn>(conn: &mut C, to: Timestamp) -> Result<u64, StoreError> {
    let (p1, p2) = (C::placeholder(1), C::placeholder(2));
    count(
        conn,
        &format!("SELECT COUNT(*) FROM leads WHERE hand_off = {p1} AND follow_up_due < {p2}"),
        &[
            Value::Int(Some(i64::from(hand_off_code(HandOff::Accepted)))),
            time(Some(to)),
        ],
    )
}
