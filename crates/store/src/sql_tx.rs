//! [`Tx`] for any SQL connection: the statements are written once, and a
//! backend only supplies its placeholder spelling, its row-lock clause and
//! how to run a statement ([`Conn`]).

use std::collections::HashSet;

use crate::db::{
    CHANGE_COLUMNS, Derived, LEAD_COLUMNS, Row, Tx, Value, WebhookTx, decode_change, decode_lead,
    encode_change, encode_lead, time,
};
use crate::error::StoreError;
use crate::list_sql::list_statement;
use crate::query::ListQuery;
use crate::webhook_sql::{self, DeadLetter, Lease, WebhookCursor};
use leadscore_core::features::LeadFeatureState;
use leadscore_core::handoff::{LeadRecord, StageChange};
use leadscore_core::lead::Activity;
use leadscore_core::lead::NewEvent;
use leadscore_core::pipeline_health::PipelineFacts;
use leadscore_core::time::Timestamp;

/// Events per multi-row `INSERT` (5 parameters each, far below both
/// databases' parameter limits).
const EVENT_CHUNK: usize = 500;

/// Lead ids per `IN (…)` list of [`Tx::lock_leads`] and
/// [`Tx::activities_of`]; a shorter list repeats its last id, so each
/// dialect prepares one statement of each.
const ID_CHUNK: usize = 200;

/// A connection inside an open transaction.
pub trait Conn {
    /// The n-th (1-based) parameter placeholder.
    fn placeholder(n: usize) -> String;
    /// Appended to a `SELECT` to lock its rows until commit ("" if the
    /// transaction already excludes other writers).
    const FOR_UPDATE: &'static str;
    /// This dialect's [`Statements`], built once (see [`Statements::new`]).
    fn statements() -> &'static Statements;
    /// Runs a statement; rows affected.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError>;
    /// Runs a query, calling `each` per row.
    fn query(
        &mut self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&dyn Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
}

/// The statements run once or more per lead, spelled once per dialect:
/// formatting them on every call was a tenth of a `RecordActivities`
/// profile.
#[derive(Debug)]
pub struct Statements {
    /// [`Tx::lock_lead`].
    lock_lead: String,
    /// [`Tx::insert_lead`].
    insert_lead: String,
    /// [`Tx::update_lead`].
    update_lead: String,
    /// [`Tx::activities`].
    activities: String,
    /// [`Tx::insert_events`] of a full chunk of [`EVENT_CHUNK`] events.
    insert_event_chunk: String,
    /// [`Tx::lock_leads`] of [`ID_CHUNK`] ids.
    lock_leads: String,
    /// [`Tx::activities_of`] of [`ID_CHUNK`] ids.
    activities_of: String,
    /// [`Tx::feature_states`] of [`ID_CHUNK`] ids.
    feature_states: String,
    /// [`Tx::due_leads`].
    due_leads: String,
    /// [`Tx::activity_times`].
    activity_times: String,
}

impl Statements {
    /// The statements in `C`'s dialect.
    pub fn new<C: Conn>() -> Statements {
        let sets: Vec<String> = LEAD_COLUMNS
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, c)| format!("{c} = {}", C::placeholder(i + 1)))
            .collect();
        Statements {
            lock_lead: format!(
                "SELECT {} FROM leads WHERE lead_id = {}{}",
                LEAD_COLUMNS.join(", "),
                C::placeholder(1),
                C::FOR_UPDATE
            ),
            insert_lead: format!(
                "INSERT INTO leads ({}) VALUES ({}) ON CONFLICT (lead_id) DO NOTHING",
                LEAD_COLUMNS.join(", "),
                placeholders::<C>(1, LEAD_COLUMNS.len())
            ),
            update_lead: format!(
                "UPDATE leads SET {}, feature_state = {}, due_at = {} WHERE lead_id = {}",
                sets.join(", "),
                C::placeholder(LEAD_COLUMNS.len() + 1),
                C::placeholder(LEAD_COLUMNS.len() + 2),
                C::placeholder(1)
            ),
            activities: format!(
                "SELECT activity_type, occurred_at, event_id FROM activities \
                 WHERE lead_id = {} AND occurred_at >= {} ORDER BY occurred_at DESC, event_id DESC \
                 LIMIT {}",
                C::placeholder(1),
                C::placeholder(2),
                C::placeholder(3)
            ),
            insert_event_chunk: insert_events_sql::<C>(EVENT_CHUNK),
            lock_leads: format!(
                "SELECT {} FROM leads WHERE lead_id IN ({}) ORDER BY lead_id{}",
                LEAD_COLUMNS.join(", "),
                placeholders::<C>(1, ID_CHUNK),
                C::FOR_UPDATE
            ),
            activities_of: format!(
                "SELECT lead_id, activity_type, occurred_at, event_id FROM activities \
                 WHERE lead_id IN ({}) ORDER BY lead_id, occurred_at, event_id",
                placeholders::<C>(1, ID_CHUNK)
            ),
            feature_states: format!(
                "SELECT lead_id, feature_state FROM leads WHERE lead_id IN ({}) ORDER BY lead_id",
                placeholders::<C>(1, ID_CHUNK)
            ),
            due_leads: format!(
                "SELECT lead_id FROM leads WHERE due_at IS NOT NULL AND due_at <= {} \
                 ORDER BY due_at, lead_id LIMIT {}",
                C::placeholder(1),
                C::placeholder(2)
            ),
            activity_times: format!(
                "SELECT occurred_at FROM activities WHERE lead_id = {} AND activity_type = {} \
                 ORDER BY occurred_at",
                C::placeholder(1),
                C::placeholder(2)
            ),
        }
    }
}

/// A stored feature state; one that does not decode is `None` (derived
/// data: the caller rebuilds it from the log), and logged.
fn decode_state(lead_id: &str, json: Option<String>) -> Option<LeadFeatureState> {
    let json = json?;
    match serde_json::from_str(&json) {
        Ok(state) => Some(state),
        Err(e) => {
            tracing::warn!(lead_id, error = %e, "stored feature state unreadable; rebuilt from the log");
            None
        }
    }
}

/// The derived columns' values, in the order `update_lead` binds them.
fn encode_derived(derived: Derived<'_>) -> Result<[Value; 2], StoreError> {
    let state = derived
        .state
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("leads.feature_state: {e}")))?;
    Ok([Value::Text(state), time(derived.due_at)])
}

/// Inserts `n` events, returning the lead and event ids of those that
/// were new (an event id is unique per lead).
fn insert_events_sql<C: Conn>(n: usize) -> String {
    let rows: Vec<String> = (0..n)
        .map(|i| format!("({})", placeholders::<C>(i * 5 + 1, 5)))
        .collect();
    format!(
        "INSERT INTO activities (event_id, lead_id, activity_type, occurred_at, recorded_at) \
         VALUES {} ON CONFLICT (lead_id, event_id) DO NOTHING RETURNING lead_id, event_id",
        rows.join(", ")
    )
}

/// `ids` in [`ID_CHUNK`]-long parameter lists, the last padded with its
/// last id (`IN` ignores the repeats).
fn id_chunks(ids: &[&str]) -> impl Iterator<Item = Vec<Value>> {
    ids.chunks(ID_CHUNK).map(|chunk| {
        let last = chunk[chunk.len() - 1];
        chunk
            .iter()
            .chain(std::iter::repeat_n(&last, ID_CHUNK - chunk.len()))
            .map(|id| Value::Text(Some((*id).to_owned())))
            .collect()
    })
}

/// An activity row selected as `lead_id, activity_type, occurred_at, event_id`.
fn lead_activity(r: &dyn Row) -> Result<(String, Activity), StoreError> {
    let activity = Activity {
        activity_type: r.text(1)?.unwrap_or_default(),
        occurred_at: r
            .time(2)?
            .ok_or_else(|| StoreError::Corrupt("activities.occurred_at is NULL".into()))?,
        event_id: r.text(3)?,
    };
    Ok((r.text(0)?.unwrap_or_default(), activity))
}

/// A [`Tx`] over a [`Conn`].
#[derive(Debug)]
pub struct SqlTx<C>(pub C);

fn placeholders<C: Conn>(from: usize, n: usize) -> String {
    (from..from + n)
        .map(C::placeholder)
        .collect::<Vec<_>>()
        .join(", ")
}

fn limit(n: usize) -> Value {
    Value::Int(Some(i64::try_from(n).unwrap_or(i64::MAX)))
}

impl<C: Conn> SqlTx<C> {
    fn leads(&mut self, sql: &str, params: &[Value]) -> Result<Vec<LeadRecord>, StoreError> {
        let mut out = Vec::new();
        self.0.query(sql, params, &mut |r| {
            out.push(decode_lead(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// Leads after `after` in id order, at most `max`, with `lock` (a
    /// row-lock clause or "") appended.
    fn leads_from(
        &mut self,
        after: &str,
        max: usize,
        lock: &str,
    ) -> Result<Vec<LeadRecord>, StoreError> {
        let sql = format!(
            "SELECT {} FROM leads WHERE lead_id > {} ORDER BY lead_id LIMIT {}{lock}",
            LEAD_COLUMNS.join(", "),
            C::placeholder(1),
            C::placeholder(2)
        );
        self.leads(&sql, &[Value::Text(Some(after.to_owned())), limit(max)])
    }
}

impl<C: Conn> Tx for SqlTx<C> {
    fn lock_lead(&mut self, id: &str) -> Result<Option<LeadRecord>, StoreError> {
        let sql = &C::statements().lock_lead;
        Ok(self.leads(sql, &[Value::Text(Some(id.to_owned()))])?.pop())
    }

    fn lock_leads(&mut self, ids: &[&str]) -> Result<Vec<LeadRecord>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for params in id_chunks(ids) {
            out.extend(self.leads(&C::statements().lock_leads, &params)?);
        }
        Ok(out)
    }

    fn activities_of(&mut self, ids: &[&str]) -> Result<Vec<(String, Activity)>, StoreError> {
        let mut out = Vec::new();
        for params in id_chunks(ids) {
            self.0
                .query(&C::statements().activities_of, &params, &mut |r| {
                    out.push(lead_activity(r)?);
                    Ok(())
                })?;
        }
        Ok(out)
    }

    fn insert_lead(&mut self, lead: &LeadRecord) -> Result<bool, StoreError> {
        let sql = &C::statements().insert_lead;
        Ok(self.0.execute(sql, &encode_lead(lead)?)? == 1)
    }

    fn update_lead(&mut self, lead: &LeadRecord, derived: Derived<'_>) -> Result<(), StoreError> {
        let mut params = encode_lead(lead)?;
        params.extend(encode_derived(derived)?);
        self.0.execute(&C::statements().update_lead, &params)?;
        Ok(())
    }

    fn feature_states(
        &mut self,
        ids: &[&str],
    ) -> Result<Vec<(String, Option<LeadFeatureState>)>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for params in id_chunks(ids) {
            self.0
                .query(&C::statements().feature_states, &params, &mut |r| {
                    let id = r.text(0)?.unwrap_or_default();
                    let state = decode_state(&id, r.text(1)?);
                    out.push((id, state));
                    Ok(())
                })?;
        }
        Ok(out)
    }

    fn due_leads(&mut self, now: Timestamp, max: usize) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        let params = [time(Some(now)), limit(max)];
        self.0
            .query(&C::statements().due_leads, &params, &mut |r| {
                out.push(r.text(0)?.unwrap_or_default());
                Ok(())
            })?;
        Ok(out)
    }

    fn activity_times(
        &mut self,
        lead_id: &str,
        activity_type: &str,
    ) -> Result<Vec<Timestamp>, StoreError> {
        let params = [
            Value::Text(Some(lead_id.to_owned())),
            Value::Text(Some(activity_type.to_owned())),
        ];
        let mut out = Vec::new();
        self.0
            .query(&C::statements().activity_times, &params, &mut |r| {
                let at = r.time(0)?;
                out.push(
                    at.ok_or_else(|| StoreError::Corrupt("activities.occurred_at is NULL".into()))?,
                );
                Ok(())
            })?;
        Ok(out)
    }

    fn mark(&mut self, name: &str) -> Result<Option<String>, StoreError> {
        let sql = format!(
            "SELECT value FROM live_marks WHERE name = {}",
            C::placeholder(1)
        );
        let mut value = None;
        self.0
            .query(&sql, &[Value::Text(Some(name.to_owned()))], &mut |r| {
                value = r.text(0)?;
                Ok(())
            })?;
        Ok(value)
    }

    fn set_mark(&mut self, name: &str, value: &str) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO live_marks (name, value) VALUES ({}, {}) ON CONFLICT (name) \
             DO UPDATE SET value = excluded.value",
            C::placeholder(1),
            C::placeholder(2)
        );
        let params = [
            Value::Text(Some(name.to_owned())),
            Value::Text(Some(value.to_owned())),
        ];
        self.0.execute(&sql, &params)?;
        Ok(())
    }

    fn insert_events(
        &mut self,
        events: &[NewEvent],
        recorded_at: Timestamp,
    ) -> Result<Vec<bool>, StoreError> {
        let mut inserted: HashSet<(String, String)> = HashSet::with_capacity(events.len());
        for chunk in events.chunks(EVENT_CHUNK) {
            let partial;
            let sql = if chunk.len() == EVENT_CHUNK {
                &C::statements().insert_event_chunk
            } else {
                partial = insert_events_sql::<C>(chunk.len());
                &partial
            };
            let params: Vec<Value> = chunk
                .iter()
                .flat_map(|e| {
                    [
                        Value::Text(Some(e.event_id().to_owned())),
                        Value::Text(Some(e.lead_id().to_owned())),
                        Value::Text(Some(e.activity_type().to_owned())),
                        time(Some(e.occurred_at())),
                        time(Some(recorded_at)),
                    ]
                })
                .collect();
            self.0.query(sql, &params, &mut |r| {
                inserted.insert((
                    r.text(0)?.unwrap_or_default(),
                    r.text(1)?.unwrap_or_default(),
                ));
                Ok(())
            })?;
        }
        Ok(events
            .iter()
            .map(|e| inserted.contains(&(e.lead_id().to_owned(), e.event_id().to_owned())))
            .collect())
    }

    fn activities_between(
        &mut self,
        after: &str,
        through: &str,
    ) -> Result<Vec<(String, Activity)>, StoreError> {
        let sql = format!(
            "SELECT lead_id, activity_type, occurred_at, event_id FROM activities \
             WHERE lead_id > {} AND lead_id <= {} ORDER BY lead_id, occurred_at, event_id",
            C::placeholder(1),
            C::placeholder(2)
        );
        let params = [
            Value::Text(Some(after.to_owned())),
            Value::Text(Some(through.to_owned())),
        ];
        let mut out = Vec::new();
        self.0.query(&sql, &params, &mut |r| {
            out.push(lead_activity(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    fn activities(
        &mut self,
        lead_id: &str,
        since: Option<Timestamp>,
        max: usize,
    ) -> Result<Vec<Activity>, StoreError> {
        let sql = &C::statements().activities;
        let params = [
            Value::Text(Some(lead_id.to_owned())),
            time(Some(since.unwrap_or(Timestamp::MIN))),
            limit(max),
        ];
        let mut out = Vec::new();
        self.0.query(sql, &params, &mut |r| {
            out.push(Activity {
                activity_type: r.text(0)?.unwrap_or_default(),
                occurred_at: r
                    .time(1)?
                    .ok_or_else(|| StoreError::Corrupt("activities.occurred_at is NULL".into()))?,
                event_id: r.text(2)?,
            });
            Ok(())
        })?;
        Ok(out)
    }

    fn bump_counter(&mut self, name: &str, by: i64) -> Result<i64, StoreError> {
        let sql = format!(
            "INSERT INTO counters (name, value) VALUES ({}, {}) ON CONFLICT (name) \
             DO UPDATE SET value = counters.value + excluded.value RETURNING value",
            C::placeholder(1),
            C::placeholder(2)
        );
        let mut value = None;
        self.0.query(
            &sql,
            &[Value::Text(Some(name.to_owned())), Value::Int(Some(by))],
            &mut |r| {
                value = r.int(0)?;
                Ok(())
            },
        )?;
        value.ok_or_else(|| StoreError::Corrupt(format!("counter {name:?} returned nothing")))
    }

    fn insert_changes(&mut self, changes: &[StageChange]) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO stage_changes ({CHANGE_COLUMNS}) VALUES ({})",
            placeholders::<C>(1, 8)
        );
        for c in changes {
            self.0.execute(&sql, &encode_change(c))?;
        }
        Ok(())
    }

    fn changes(
        &mut self,
        after: i64,
        lead_id: Option<&str>,
        max: usize,
    ) -> Result<Vec<StageChange>, StoreError> {
        let (filter, params) = match lead_id {
            Some(id) => (
                format!(
                    "seq > {} AND lead_id = {}",
                    C::placeholder(1),
                    C::placeholder(3)
                ),
                vec![
                    Value::Int(Some(after)),
                    limit(max),
                    Value::Text(Some(id.to_owned())),
                ],
            ),
            None => (
                format!("seq > {}", C::placeholder(1)),
                vec![Value::Int(Some(after)), limit(max)],
            ),
        };
        let sql = format!(
            "SELECT {CHANGE_COLUMNS} FROM stage_changes WHERE {filter} ORDER BY seq LIMIT {}",
            C::placeholder(2)
        );
        let mut out = Vec::new();
        self.0.query(&sql, &params, &mut |r| {
            out.push(decode_change(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    fn last_change(&mut self) -> Result<i64, StoreError> {
        let mut last = None;
        self.0.query(
            "SELECT COALESCE(MAX(seq), 0) FROM stage_changes",
            &[],
            &mut |r| {
                last = r.int(0)?;
                Ok(())
            },
        )?;
        last.ok_or_else(|| StoreError::Corrupt("the newest stage change has no cursor".into()))
    }

    fn list(&mut self, query: &ListQuery, now: Timestamp) -> Result<Vec<LeadRecord>, StoreError> {
        let (sql, params) = list_statement(query, now, C::placeholder);
        self.leads(&sql, &params)
    }

    fn pipeline_facts(
        &mut self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<PipelineFacts, StoreError> {
        crate::pipeline_sql::pipeline_facts(&mut self.0, from, to)
    }

    fn attribute_keys(&mut self) -> Result<Vec<String>, StoreError> {
        let mut keys = std::collections::BTreeSet::new();
        // Distinct maps, not rows: most leads share a few shapes.
        self.0.query(
            "SELECT DISTINCT attributes FROM leads WHERE attributes <> '{}'",
            &[],
            &mut |r| {
                let text = r.text(0)?.unwrap_or_default();
                let map: std::collections::BTreeMap<String, String> =
                    serde_json::from_str(&text)
                        .map_err(|e| StoreError::Corrupt(format!("leads.attributes: {e}")))?;
                keys.extend(map.into_keys());
                Ok(())
            },
        )?;
        Ok(keys.into_iter().collect())
    }

    fn leads_after(&mut self, after: &str, max: usize) -> Result<Vec<LeadRecord>, StoreError> {
        self.leads_from(after, max, "")
    }

    fn lock_leads_after(&mut self, after: &str, max: usize) -> Result<Vec<LeadRecord>, StoreError> {
        self.leads_from(after, max, C::FOR_UPDATE)
    }
}

impl<C: Conn> WebhookTx for SqlTx<C> {
    fn take_webhook_lease(&mut self, l: &Lease<'_>) -> Result<Option<WebhookCursor>, StoreError> {
        webhook_sql::take_lease(&mut self.0, l)
    }

    fn advance_webhook(&mut self, l: &Lease<'_>, from: i64, to: i64) -> Result<bool, StoreError> {
        webhook_sql::advance(&mut self.0, l, from, to)
    }

    fn webhook_failed(
        &mut self,
        l: &Lease<'_>,
        at: i64,
        error: &str,
    ) -> Result<Option<i64>, StoreError> {
        webhook_sql::failed(&mut self.0, l, at, error)
    }

    fn insert_dead_letter(&mut self, d: &DeadLetter) -> Result<(), StoreError> {
        webhook_sql::insert_dead_letter(&mut self.0, d)
    }

    fn webhook_cursor(&mut self, id: &str) -> Result<Option<WebhookCursor>, StoreError> {
        webhook_sql::cursor(&mut self.0, id)
    }

    fn dead_letters(
        &mut self,
        id: &str,
        limit: usize,
    ) -> Result<(i64, Vec<DeadLetter>), StoreError> {
        webhook_sql::dead_letters(&mut self.0, id, limit)
    }

    fn replay_webhook(&mut self, id: &str, from: i64) -> Result<(), StoreError> {
        webhook_sql::replay(&mut self.0, id, from)
    }
}
