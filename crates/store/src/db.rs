//! The seam between the store's callers and a database: a transaction with
//! the handful of statements they need, and the lead row layout both
//! backends share.
//!
//! The reads ([`crate::reads`]) and the service's writes are written once
//! against [`Tx`]; `sqlite` and
//! `postgres` only translate each method into their SQL dialect. Every
//! integer column is a 64-bit integer and every real a double in both
//! databases, so [`Value`] and [`Row`] are the only conversions.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use crate::codes::{
    change_code, change_from_code, hand_off_code, hand_off_from_code, stage_code, stage_from_code,
};
use crate::error::StoreError;
use crate::query::ListQuery;
use crate::webhook_sql::{DeadLetter, Lease, WebhookCursor};
use leadscore_core::features::LeadFeatureState;
use leadscore_core::handoff::{LeadRecord, ShadowScore, StageChange};
use leadscore_core::lead::{Activity, Bant, BantStatus, NewEvent, Profile, ProfileField};
use leadscore_core::pipeline_health::PipelineFacts;
use leadscore_core::rules::Grade;
use leadscore_core::time::Timestamp;

/// One statement parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// 64-bit integer (or NULL).
    Int(Option<i64>),
    /// Double (or NULL).
    Real(Option<f64>),
    /// Text (or NULL).
    Text(Option<String>),
}

/// A result row, read by column index.
pub trait Row {
    /// Integer column.
    fn int(&self, i: usize) -> Result<Option<i64>, StoreError>;
    /// Double column.
    fn real(&self, i: usize) -> Result<Option<f64>, StoreError>;
    /// Text column.
    fn text(&self, i: usize) -> Result<Option<String>, StoreError>;
    /// Time column (microseconds since the epoch), checked into range.
    fn time(&self, i: usize) -> Result<Option<Timestamp>, StoreError> {
        self.int(i)?
            .map(|m| {
                Timestamp::from_micros(m)
                    .map_err(|e| StoreError::Corrupt(format!("time column {i}: {e}")))
            })
            .transpose()
    }
}

/// The columns derived from a lead's events that the live writes keep
/// beside its record, written with it in one statement.
#[derive(Debug, Clone, Copy, Default)]
pub struct Derived<'a> {
    /// The lead's feature state (`None`: cleared, to be rebuilt from the
    /// log). Its JSON names the decay it was built for.
    pub state: Option<&'a LeadFeatureState>,
    /// When the sweep must next re-score the lead (`None`: not before an
    /// event, a hand-off or another scorer); indexed.
    pub due_at: Option<Timestamp>,
}

/// One database transaction. Every method runs inside it; nothing is
/// visible to others before the closure given to [`Database::transaction`]
/// returns `Ok`.
pub trait Tx: WebhookTx {
    /// The lead, locked against concurrent writers until commit.
    fn lock_lead(&mut self, id: &str) -> Result<Option<LeadRecord>, StoreError>;
    /// The leads among `ids` (ascending, distinct) that exist, locked until
    /// commit, in id order: a few statements for a whole batch.
    fn lock_leads(&mut self, ids: &[&str]) -> Result<Vec<LeadRecord>, StoreError>;
    /// Inserts a lead unless one with its id exists; whether it inserted.
    fn insert_lead(&mut self, lead: &LeadRecord) -> Result<bool, StoreError>;
    /// Overwrites a lead's row, with its derived columns.
    fn update_lead(&mut self, lead: &LeadRecord, derived: Derived<'_>) -> Result<(), StoreError>;
    /// The stored feature states of the leads among `ids` (ascending,
    /// distinct) that exist, in id order. A state that does not decode (a
    /// format of another version) reads as `None`, logged: it is derived
    /// data, rebuilt from the log.
    fn feature_states(
        &mut self,
        ids: &[&str],
    ) -> Result<Vec<(String, Option<LeadFeatureState>)>, StoreError>;
    /// Ids of the leads due at `now` (`due_at <= now`), earliest first,
    /// at most `limit`, through the due-time index. Not locked: lock them
    /// with [`Tx::lock_leads`], in id order like every writer.
    fn due_leads(&mut self, now: Timestamp, limit: usize) -> Result<Vec<String>, StoreError>;
    /// The times of every logged activity of one type of a lead (recycled
    /// or not), oldest first: a feature state's replay of that type.
    fn activity_times(
        &mut self,
        lead_id: &str,
        activity_type: &str,
    ) -> Result<Vec<Timestamp>, StoreError>;
    /// A named mark's value, if set.
    fn mark(&mut self, name: &str) -> Result<Option<String>, StoreError>;
    /// Sets a named mark.
    fn set_mark(&mut self, name: &str, value: &str) -> Result<(), StoreError>;
    /// Inserts events, distinct by (lead id, event id); for each, whether
    /// it was new (an event id is unique per lead).
    fn insert_events(
        &mut self,
        events: &[NewEvent],
        recorded_at: Timestamp,
    ) -> Result<Vec<bool>, StoreError>;
    /// A lead's activities at or after `since`, newest first, at most `limit`.
    fn activities(
        &mut self,
        lead_id: &str,
        since: Option<Timestamp>,
        limit: usize,
    ) -> Result<Vec<Activity>, StoreError>;
    /// Adds `by` to a named counter (created at 0) and returns the new
    /// value; the counter stays locked until commit.
    fn bump_counter(&mut self, name: &str, by: i64) -> Result<i64, StoreError>;
    /// Appends transitions (cursors already assigned).
    fn insert_changes(&mut self, changes: &[StageChange]) -> Result<(), StoreError>;
    /// Transitions after `after`, optionally of one lead, oldest first.
    fn changes(
        &mut self,
        after: i64,
        lead_id: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StageChange>, StoreError>;
    /// Cursor of the newest transition, 0 when there is none.
    fn last_change(&mut self) -> Result<i64, StoreError>;
    /// Rows of a prioritized list page (see [`list_sql`](crate::list_sql)).
    fn list(&mut self, query: &ListQuery, now: Timestamp) -> Result<Vec<LeadRecord>, StoreError>;
    /// Pipeline health's facts of the window `[from, to)`.
    fn pipeline_facts(
        &mut self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<PipelineFacts, StoreError>;
    /// Every attribute key any lead has, sorted and distinct (the
    /// export's attribute columns).
    fn attribute_keys(&mut self) -> Result<Vec<String>, StoreError>;
    /// Leads with ids greater than `after`, in id order, at most `limit`.
    fn leads_after(&mut self, after: &str, limit: usize) -> Result<Vec<LeadRecord>, StoreError>;
    /// Every activity (recycled or not) of the leads `ids` (ascending,
    /// distinct), with its lead id: by lead id, then oldest first, ties by
    /// event id. A few statements for a whole batch.
    fn activities_of(&mut self, ids: &[&str]) -> Result<Vec<(String, Activity)>, StoreError>;
    /// Like [`Tx::leads_after`], each lead locked until commit (sweep).
    fn lock_leads_after(
        &mut self,
        after: &str,
        limit: usize,
    ) -> Result<Vec<LeadRecord>, StoreError>;
    /// Every activity (recycled or not) of the leads with ids in
    /// (`after`, `through`], with its lead id: by lead id, then oldest
    /// first, ties by event id. One statement for a page of leads (export,
    /// sweep).
    fn activities_between(
        &mut self,
        after: &str,
        through: &str,
    ) -> Result<Vec<(String, Activity)>, StoreError>;
}

/// The webhook deliverer's statements (see [`crate::webhook_sql`]).
pub trait WebhookTx {
    /// [`webhook_sql::take_lease`](crate::webhook_sql::take_lease).
    fn take_webhook_lease(&mut self, l: &Lease<'_>) -> Result<Option<WebhookCursor>, StoreError>;
    /// [`webhook_sql::advance`](crate::webhook_sql::advance).
    fn advance_webhook(&mut self, l: &Lease<'_>, from: i64, to: i64) -> Result<bool, StoreError>;
    /// [`webhook_sql::failed`](crate::webhook_sql::failed).
    fn webhook_failed(
        &mut self,
        l: &Lease<'_>,
        at: i64,
        error: &str,
    ) -> Result<Option<i64>, StoreError>;
    /// [`webhook_sql::insert_dead_letter`](crate::webhook_sql::insert_dead_letter).
    fn insert_dead_letter(&mut self, d: &DeadLetter) -> Result<(), StoreError>;
    /// [`webhook_sql::cursor`](crate::webhook_sql::cursor).
    fn webhook_cursor(&mut self, id: &str) -> Result<Option<WebhookCursor>, StoreError>;
    /// [`webhook_sql::dead_letters`](crate::webhook_sql::dead_letters).
    fn dead_letters(
        &mut self,
        id: &str,
        limit: usize,
    ) -> Result<(i64, Vec<DeadLetter>), StoreError>;
    /// [`webhook_sql::replay`](crate::webhook_sql::replay).
    fn replay_webhook(&mut self, id: &str, from: i64) -> Result<(), StoreError>;
}

/// A database that runs transactions.
pub trait Database: Send + Sync + std::fmt::Debug {
    /// Runs `f` in one transaction, committed when it returns `Ok`. A
    /// backend may run `f` again after a serialization failure.
    fn transaction(
        &self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
}

/// Runs `f` in one transaction and returns its value. `f` may fail with
/// its own error type (a caller's refusal rolls the transaction back just
/// like a store failure), so callers above the store keep their errors typed.
pub fn in_tx<R, E: From<StoreError>>(
    db: &dyn Database,
    mut f: impl FnMut(&mut dyn Tx) -> Result<R, E>,
) -> Result<R, E> {
    let mut out = None;
    let mut refused = None;
    let run = db.transaction(&mut |tx| match f(tx) {
        Ok(value) => {
            out = Some(value);
            Ok(())
        }
        Err(e) => {
            refused = Some(e);
            Err(StoreError::RolledBack)
        }
    });
    if let Some(e) = refused {
        return Err(e);
    }
    run?;
    out.ok_or_else(|| StoreError::Corrupt("transaction produced no result".into()).into())
}

/// Columns of the `leads` table, in [`encode_lead`] order: the id, the
/// profile's fields ([`ProfileField::ALL`]), then [`RECORD_COLUMNS`].
/// [`decode_lead`] reads each column by name, at its place here.
pub static LEAD_COLUMNS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    std::iter::once("lead_id")
        .chain(ProfileField::names())
        .chain(RECORD_COLUMNS)
        .collect()
});

/// Columns of the `leads` table after the profile's fields.
const RECORD_COLUMNS: [&str; 24] = [
    "attributes",
    "bant_budget",
    "bant_authority",
    "bant_need",
    "bant_timeline",
    "created_at",
    "updated_at",
    "stage",
    "score",
    "grade",
    "stage_reason",
    "scored_at",
    "model_version",
    "rules_version",
    "hand_off",
    "owner",
    "follow_up_due",
    "overdue_notified",
    "recycled_at",
    "outcome_at",
    "rank_stage",
    "rank_score",
    "shadow_score",
    "shadow_model_version",
];

/// `rank_stage` of a record: SQL first in ascending order.
pub fn rank_stage(stage: leadscore_core::qualification::Stage) -> i64 {
    2 - i64::from(stage_code(stage))
}

fn bant_code(s: BantStatus) -> i64 {
    match s {
        BantStatus::Unknown => 0,
        BantStatus::Yes => 1,
        BantStatus::No => 2,
    }
}

fn bant_from(c: Option<i64>) -> BantStatus {
    match c {
        Some(1) => BantStatus::Yes,
        Some(2) => BantStatus::No,
        _ => BantStatus::Unknown,
    }
}

fn text(s: &str) -> Value {
    Value::Text(Some(s.to_owned()))
}

/// A time parameter (microseconds since the epoch).
pub fn time(t: Option<Timestamp>) -> Value {
    Value::Int(t.map(Timestamp::as_micros))
}

/// A score parameter: the store never writes NaN or infinity.
fn finite(column: &str, v: f64) -> Result<Value, StoreError> {
    if v.is_finite() {
        Ok(Value::Real(Some(v)))
    } else {
        Err(StoreError::NonFinite(format!("leads.{column} = {v}")))
    }
}

fn profile_value(f: ProfileField, p: &Profile) -> Value {
    match f {
        ProfileField::Text(t) => text(t.get(p)),
        ProfileField::Number(n) => Value::Real(n.get(p)),
    }
}

/// The row values of a lead, in [`LEAD_COLUMNS`] order; a non-finite
/// score is refused.
pub fn encode_lead(l: &LeadRecord) -> Result<Vec<Value>, StoreError> {
    let p = &l.profile;
    let attributes = serde_json::to_string(&p.attributes).unwrap_or_else(|_| "{}".into());
    let shadow_score = match &l.shadow {
        Some(s) => finite("shadow_score", s.score)?,
        None => Value::Real(None),
    };
    let mut row = vec![text(&l.id)];
    row.extend(ProfileField::ALL.map(|f| profile_value(f, p)));
    row.extend([
        Value::Text(Some(attributes)),
        Value::Int(Some(bant_code(l.bant.budget))),
        Value::Int(Some(bant_code(l.bant.authority))),
        Value::Int(Some(bant_code(l.bant.need))),
        Value::Int(Some(bant_code(l.bant.timeline))),
        time(Some(l.created_at)),
        time(Some(l.updated_at)),
        Value::Int(Some(i64::from(stage_code(l.stage)))),
        finite("score", l.score)?,
        Value::Text(Some(l.grade.to_string())),
        text(&l.stage_reason),
        time(Some(l.scored_at)),
        text(&l.model_version),
        text(&l.rules_version),
        Value::Int(Some(i64::from(hand_off_code(l.hand_off)))),
        Value::Text(l.owner.clone()),
        time(l.follow_up_due),
        Value::Int(Some(i64::from(l.overdue_notified))),
        time(l.recycled_at),
        time(l.outcome_at),
        Value::Int(Some(rank_stage(l.stage))),
        Value::Real(Some(-l.score)),
        shadow_score,
        Value::Text(l.shadow.as_ref().map(|s| s.model_version.clone())),
    ]);
    Ok(row)
}

fn required<T>(v: Option<T>, column: &str) -> Result<T, StoreError> {
    v.ok_or_else(|| StoreError::Corrupt(format!("leads.{column} is NULL")))
}

/// A `leads` row read by column name, each at its place in [`LEAD_COLUMNS`]:
/// the column order is written down once, not as positions here.
struct LeadRow<'a>(&'a dyn Row);

impl LeadRow<'_> {
    fn index(column: &str) -> Result<usize, StoreError> {
        LEAD_COLUMNS
            .iter()
            .position(|c| *c == column)
            .ok_or_else(|| StoreError::Corrupt(format!("leads has no column {column}")))
    }

    fn int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        self.0.int(Self::index(column)?)
    }

    fn real(&self, column: &str) -> Result<Option<f64>, StoreError> {
        self.0.real(Self::index(column)?)
    }

    fn text(&self, column: &str) -> Result<Option<String>, StoreError> {
        self.0.text(Self::index(column)?)
    }

    /// A text column, NULL read as empty.
    fn string(&self, column: &str) -> Result<String, StoreError> {
        Ok(self.text(column)?.unwrap_or_default())
    }

    fn time(&self, column: &str) -> Result<Option<Timestamp>, StoreError> {
        self.0.time(Self::index(column)?)
    }

    /// A time column that must not be NULL.
    fn required_time(&self, column: &str) -> Result<Timestamp, StoreError> {
        required(self.time(column)?, column)
    }

    fn profile(&self) -> Result<Profile, StoreError> {
        let attributes: BTreeMap<String, String> =
            serde_json::from_str(&self.string("attributes")?)
                .map_err(|e| StoreError::Corrupt(format!("leads.attributes: {e}")))?;
        let mut profile = Profile {
            attributes,
            ..Profile::default()
        };
        for f in ProfileField::ALL {
            match f {
                ProfileField::Text(t) => t.set(&mut profile, self.string(f.name())?),
                ProfileField::Number(n) => n.set(&mut profile, self.real(f.name())?),
            }
        }
        Ok(profile)
    }

    fn bant(&self) -> Result<Bant, StoreError> {
        Ok(Bant {
            budget: bant_from(self.int("bant_budget")?),
            authority: bant_from(self.int("bant_authority")?),
            need: bant_from(self.int("bant_need")?),
            timeline: bant_from(self.int("bant_timeline")?),
        })
    }

    fn shadow(&self) -> Result<Option<ShadowScore>, StoreError> {
        Ok(
            match (
                self.real("shadow_score")?,
                self.text("shadow_model_version")?,
            ) {
                (Some(score), Some(model_version)) => Some(ShadowScore {
                    score,
                    model_version,
                }),
                _ => None,
            },
        )
    }
}

/// A lead from a row selected with [`LEAD_COLUMNS`].
pub fn decode_lead(r: &dyn Row) -> Result<LeadRecord, StoreError> {
    let r = LeadRow(r);
    let stage_c = required(r.int("stage")?, "stage")?;
    let stage = i16::try_from(stage_c)
        .ok()
        .and_then(stage_from_code)
        .ok_or_else(|| StoreError::Corrupt(format!("leads.stage {stage_c}")))?;
    let grade_s = r.string("grade")?;
    let grade = Grade::parse(&grade_s)
        .ok_or_else(|| StoreError::Corrupt(format!("leads.grade {grade_s:?}")))?;
    let hand_c = required(r.int("hand_off")?, "hand_off")?;
    let hand_off = i16::try_from(hand_c)
        .ok()
        .and_then(hand_off_from_code)
        .ok_or_else(|| StoreError::Corrupt(format!("leads.hand_off {hand_c}")))?;
    Ok(LeadRecord {
        id: r.string("lead_id")?,
        profile: r.profile()?,
        bant: r.bant()?,
        created_at: r.required_time("created_at")?,
        updated_at: r.required_time("updated_at")?,
        stage,
        score: required(r.real("score")?, "score")?,
        grade,
        stage_reason: r.string("stage_reason")?,
        scored_at: r.required_time("scored_at")?,
        model_version: r.string("model_version")?,
        rules_version: r.string("rules_version")?,
        hand_off,
        owner: r.text("owner")?,
        follow_up_due: r.time("follow_up_due")?,
        overdue_notified: r.int("overdue_notified")? == Some(1),
        recycled_at: r.time("recycled_at")?,
        outcome_at: r.time("outcome_at")?,
        shadow: r.shadow()?,
    })
}

/// Columns of the `stage_changes` table, in [`decode_change`] order.
pub const CHANGE_COLUMNS: &str = "seq, lead_id, kind, stage, score, owner, reason, at";

/// The row values of a change, in [`CHANGE_COLUMNS`] order.
pub fn encode_change(c: &StageChange) -> Vec<Value> {
    vec![
        Value::Int(Some(c.cursor)),
        text(&c.lead_id),
        Value::Int(Some(i64::from(change_code(c.kind)))),
        Value::Int(Some(i64::from(stage_code(c.stage)))),
        Value::Real(Some(c.score)),
        Value::Text(c.owner.clone()),
        text(&c.reason),
        time(Some(c.at)),
    ]
}

/// A change from a row selected with [`CHANGE_COLUMNS`].
pub fn decode_change(r: &dyn Row) -> Result<StageChange, StoreError> {
    let kind_c = required(r.int(2)?, "kind")?;
    let kind = i16::try_from(kind_c)
        .ok()
        .and_then(change_from_code)
        .ok_or_else(|| StoreError::Corrupt(format!("stage_changes.kind {kind_c}")))?;
    let stage_c = required(r.int(3)?, "stage")?;
    let stage = i16::try_from(stage_c)
        .ok()
        .and_then(stage_from_code)
        .ok_or_else(|| StoreError::Corrupt(format!("stage_changes.stage {stage_c}")))?;
    Ok(StageChange {
        cursor: required(r.int(0)?, "seq")?,
        lead_id: r.text(1)?.unwrap_or_default(),
        kind,
        stage,
        score: required(r.real(4)?, "score")?,
        owner: r.text(5)?,
        reason: r.text(6)?.unwrap_or_default(),
        at: required(r.time(7)?, "at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadscore_core::handoff::HandOff;
    use leadscore_core::qualification::Stage;

    /// Encoded values read back as a database would return them.
    struct Values(Vec<Value>);

    impl Row for Values {
        fn int(&self, i: usize) -> Result<Option<i64>, StoreError> {
            match &self.0[i] {
                Value::Int(v) => Ok(*v),
                other => Err(StoreError::Corrupt(format!("{i}: {other:?}"))),
            }
        }
        fn real(&self, i: usize) -> Result<Option<f64>, StoreError> {
            match &self.0[i] {
                Value::Real(v) => Ok(*v),
                other => Err(StoreError::Corrupt(format!("{i}: {other:?}"))),
            }
        }
        fn text(&self, i: usize) -> Result<Option<String>, StoreError> {
            match &self.0[i] {
                Value::Text(v) => Ok(v.clone()),
                other => Err(StoreError::Corrupt(format!("{i}: {other:?}"))),
            }
        }
    }

    /// A lead whose every stored field differs from its default.
    fn full_lead() -> LeadRecord {
        let at = |s| Timestamp::from_unix(s, 0).unwrap();
        let mut lead = LeadRecord::new("L1", at(1));
        for (i, f) in ProfileField::ALL.into_iter().enumerate() {
            match f {
                ProfileField::Text(t) => t.set(&mut lead.profile, format!("v{i}")),
                ProfileField::Number(n) => n.set(&mut lead.profile, Some(i as f64 + 0.5)),
            }
        }
        lead.profile
            .attributes
            .insert("source".into(), "ads".into());
        lead.bant = Bant {
            budget: BantStatus::Yes,
            authority: BantStatus::No,
            need: BantStatus::Yes,
            timeline: BantStatus::No,
        };
        lead.updated_at = at(2);
        lead.stage = Stage::Sql;
        lead.score = 71.5;
        lead.grade = Grade::B;
        lead.stage_reason = "why".into();
        lead.scored_at = at(3);
        lead.model_version = "m1".into();
        lead.rules_version = "r1".into();
        lead.hand_off = HandOff::Accepted;
        lead.owner = Some("ana".into());
        lead.follow_up_due = Some(at(4));
        lead.overdue_notified = true;
        lead.recycled_at = Some(at(5));
        lead.outcome_at = Some(at(6));
        lead.shadow = Some(ShadowScore {
            score: 12.5,
            model_version: "m2".into(),
        });
        lead
    }

    #[test]
    fn a_lead_reads_back_as_written_column_by_column() {
        let lead = full_lead();
        let row = encode_lead(&lead).unwrap();
        assert_eq!(row.len(), LEAD_COLUMNS.len());
        assert_eq!(decode_lead(&Values(row)).unwrap(), lead);
    }

    #[test]
    fn the_leads_columns_keep_their_names_and_order() {
        // The schema's column names: both backends' tables have them.
        #[rustfmt::skip]
        let expected = [
            "lead_id", "job_title", "seniority", "department", "industry", "country",
            "company_size", "annual_revenue", "email_domain", "display_name", "company", "email",
            "attributes", "bant_budget",
            "bant_authority", "bant_need", "bant_timeline", "created_at", "updated_at", "stage",
            "score", "grade", "stage_reason", "scored_at", "model_version", "rules_version",
            "hand_off", "owner", "follow_up_due", "overdue_notified", "recycled_at", "outcome_at",
            "rank_stage", "rank_score", "shadow_score", "shadow_model_version",
        ];
        assert_eq!(*LEAD_COLUMNS, expected);
    }

    #[test]
    fn a_non_finite_score_is_never_encoded() {
        let mut lead = LeadRecord::new("L1", Timestamp::UNIX_EPOCH);
        assert!(encode_lead(&lead).is_ok());
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            lead.score = bad;
            assert!(matches!(encode_lead(&lead), Err(StoreError::NonFinite(_))));
            lead.score = 1.0;
            lead.shadow = Some(ShadowScore {
                score: bad,
                model_version: "m".into(),
            });
            assert!(matches!(encode_lead(&lead), Err(StoreError::NonFinite(_))));
            lead.shadow = None;
        }
    }
}
