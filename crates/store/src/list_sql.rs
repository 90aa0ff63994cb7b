//! The one SQL statement behind `ListPrioritizedLeads`, for both dialects.
//!
//! Priority is `(rank_stage, rank_score, lead_id)` ascending, where
//! `rank_stage` puts SQL first and `rank_score` is the negated score: one
//! index serves the order, and the page cursor is a row-value comparison on
//! the same three columns, so a page never repeats or skips a row that
//! stays put.

use crate::codes::hand_off_code;
use crate::db::{LEAD_COLUMNS, Value, rank_stage, time};
use crate::query::ListQuery;
use leadscore_core::handoff::HandOff;
use leadscore_core::time::Timestamp;

/// SQL text and parameters; `placeholder(n)` spells the n-th (1-based).
pub fn list_statement(
    q: &ListQuery,
    now: Timestamp,
    placeholder: impl Fn(usize) -> String,
) -> (String, Vec<Value>) {
    let mut params: Vec<Value> = Vec::new();
    let mut arg = |v: Value| {
        params.push(v);
        placeholder(params.len())
    };
    let mut conditions: Vec<String> = Vec::new();
    if let Some(k) = &q.after {
        conditions.push(format!(
            "(rank_stage, rank_score, lead_id) > ({}, {}, {})",
            arg(Value::Int(Some(rank_stage(k.stage)))),
            arg(Value::Real(Some(-k.score))),
            arg(Value::Text(Some(k.lead_id.clone())))
        ));
    }
    if !q.stages.is_empty() {
        let list: Vec<String> = q
            .stages
            .iter()
            .map(|s| arg(Value::Int(Some(rank_stage(*s)))))
            .collect();
        // On `rank_stage` (not `stage`), so the priority index seeks to the
        // stages instead of scanning the others.
        conditions.push(format!("rank_stage IN ({})", list.join(", ")));
    }
    if q.min_score > 0.0 {
        conditions.push(format!("score >= {}", arg(Value::Real(Some(q.min_score)))));
    }
    if !q.grades.is_empty() {
        let list: Vec<String> = q
            .grades
            .iter()
            .map(|g| arg(Value::Text(Some(g.to_string()))))
            .collect();
        conditions.push(format!("grade IN ({})", list.join(", ")));
    }
    if let Some(o) = &q.owner {
        conditions.push(format!("owner = {}", arg(Value::Text(Some(o.clone())))));
    }
    if let Some(c) = &q.country {
        conditions.push(format!("country = {}", arg(Value::Text(Some(c.clone())))));
    }
    if q.overdue_only {
        conditions.push(format!(
            "hand_off = {} AND follow_up_due < {}",
            arg(Value::Int(Some(i64::from(hand_off_code(
                HandOff::Accepted
            ))))),
            arg(time(Some(now)))
        ));
    }
    if !q.include_closed {
        conditions.push(format!(
            "hand_off IN ({}, {})",
            arg(Value::Int(Some(i64::from(hand_off_code(HandOff::Open))))),
            arg(Value::Int(Some(i64::from(hand_off_code(
                HandOff::Accepted
            )))))
        ));
    }
    let limit = arg(Value::Int(Some(q.page_size as i64)));
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT {} FROM leads{filter} ORDER BY rank_stage, rank_score, lead_id LIMIT {limit}",
        LEAD_COLUMNS.join(", ")
    );
    (sql, params)
}
