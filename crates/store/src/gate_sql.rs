//! The statements behind the activation gate: what the store holds for a
//! window (activity types, attribute keys, closed leads), read in the
//! caller's transaction. Written once for both backends, like
//! [`sql_tx`](crate::sql_tx).
//!
//! The activity count scans the window's activities (no index on their
//! time: every write would pay for one); it runs once per new model file.

use std::collections::BTreeMap;

use crate::db::{LEAD_COLUMNS, Value, decode_lead, time};
use crate::error::StoreError;
use crate::sql_tx::Conn;
use leadscore_core::handoff::LeadRecord;
use leadscore_core::time::Timestamp;

/// The raw window: counts and closed leads without their activities.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GateRows {
    /// Activities that occurred in the window, by type.
    pub activity_types: BTreeMap<String, u64>,
    /// Leads updated in the window, by attribute key.
    pub attribute_keys: BTreeMap<String, u64>,
    /// Leads closed in the window, newest outcome first.
    pub closed: Vec<LeadRecord>,
}

/// The window `[from, to)`, at most `max_closed` closed leads.
pub fn gate_rows<C: Conn>(
    conn: &mut C,
    from: Timestamp,
    to: Timestamp,
    max_closed: usize,
) -> Result<GateRows, StoreError> {
    let (p1, p2, p3) = (C::placeholder(1), C::placeholder(2), C::placeholder(3));
    let window = [time(Some(from)), time(Some(to))];
    let mut rows = GateRows::default();
    conn.query(
        &format!(
            "SELECT activity_type, COUNT(*) FROM activities \
             WHERE occurred_at >= {p1} AND occurred_at < {p2} GROUP BY activity_type"
        ),
        &window,
        &mut |r| {
            let n = u64::try_from(r.int(1)?.unwrap_or(0)).unwrap_or(0);
            rows.activity_types
                .insert(r.text(0)?.unwrap_or_default(), n);
            Ok(())
        },
    )?;
    // Distinct maps with their counts, not rows: most leads share a few shapes.
    conn.query(
        &format!(
            "SELECT attributes, COUNT(*) FROM leads \
             WHERE updated_at >= {p1} AND updated_at < {p2} AND attributes <> '{{}}' GROUP BY attributes"
        ),
        &window,
        &mut |r| {
            let text = r.text(0)?.unwrap_or_default();
            let n = u64::try_from(r.int(1)?.unwrap_or(0)).unwrap_or(0);
            let map: BTreeMap<String, String> = serde_json::from_str(&text)
                .map_err(|e| StoreError::Corrupt(format!("leads.attributes: {e}")))?;
            for key in map.into_keys() {
                *rows.attribute_keys.entry(key).or_default() += n;
            }
            Ok(())
        },
    )?;
    let limit = Value::Int(Some(i64::try_from(max_closed).unwrap_or(i64::MAX)));
    conn.query(
        &format!(
            "SELECT {} FROM leads WHERE outcome_at >= {p1} AND outcome_at < {p2} \
             ORDER BY outcome_at DESC, lead_id LIMIT {p3}",
            LEAD_COLUMNS.join(", ")
        ),
        &[window[0].clone(), window[1].clone(), limit],
        &mut |r| {
            rows.closed.push(decode_lead(r)?);
            Ok(())
        },
    )?;
    Ok(rows)
}
