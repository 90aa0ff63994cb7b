//! The records the lead store keeps and answers with.

use crate::lead::{Bant, Profile};
use crate::qualification::Stage;
use crate::rules::Grade;
use crate::time::Timestamp;

/// Where a lead is in the sales hand-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandOff {
    /// Not accepted by sales (maybe assigned).
    Open,
    /// Accepted by its owner; a follow-up is due.
    Accepted,
    /// Closed as won.
    Won,
    /// Closed as lost.
    Lost,
}

impl HandOff {
    /// Stored code.
    pub fn code(self) -> i16 {
        match self {
            HandOff::Open => 0,
            HandOff::Accepted => 1,
            HandOff::Won => 2,
            HandOff::Lost => 3,
        }
    }

    /// From a stored code.
    pub fn from_code(c: i16) -> Option<HandOff> {
        [
            HandOff::Open,
            HandOff::Accepted,
            HandOff::Won,
            HandOff::Lost,
        ]
        .into_iter()
        .find(|h| h.code() == c)
    }

    /// Won or lost.
    pub fn closed(self) -> bool {
        matches!(self, HandOff::Won | HandOff::Lost)
    }
}

/// Stored code of a stage (its order: nurturing < MQL < SQL).
pub fn stage_code(s: Stage) -> i16 {
    match s {
        Stage::Nurturing => 0,
        Stage::Mql => 1,
        Stage::Sql => 2,
    }
}

/// Stage of a stored code.
pub fn stage_from_code(c: i16) -> Option<Stage> {
    [Stage::Nurturing, Stage::Mql, Stage::Sql]
        .into_iter()
        .find(|s| stage_code(*s) == c)
}

/// The lead as stored: what the caller told us plus the live state.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadRecord {
    /// Caller's lead id.
    pub id: String,
    /// Fit attributes, merged from every upsert.
    pub profile: Profile,
    /// BANT, merged from every upsert.
    pub bant: Bant,
    /// When the store first saw the lead (the training shape's `created_at`).
    pub created_at: Timestamp,
    /// Last change of any kind, for operators.
    pub updated_at: Timestamp,
    /// Stage of the last re-score.
    pub stage: Stage,
    /// Score (0..100) of the last re-score.
    pub score: f64,
    /// Fit grade of the last re-score (a list filter).
    pub grade: Grade,
    /// Why the lead is at its stage, shown in every list row.
    pub stage_reason: String,
    /// `as_of` of the last re-score, so the full answer can be reproduced.
    pub scored_at: Timestamp,
    /// Model that produced the stored score (a changed model triggers re-scores).
    pub model_version: String,
    /// Rules that produced the stored stage.
    pub rules_version: String,
    /// Hand-off state.
    pub hand_off: HandOff,
    /// Sales owner, if assigned.
    pub owner: Option<String>,
    /// Follow-up deadline of an accepted lead.
    pub follow_up_due: Option<Timestamp>,
    /// Whether the overdue follow-up was announced (announced once).
    pub overdue_notified: bool,
    /// Last hand-back; activity before it does not count.
    pub recycled_at: Option<Timestamp>,
    /// When the lead was won or lost.
    pub outcome_at: Option<Timestamp>,
    /// The shadow model's score of the last re-score, if one was named;
    /// stored so pipeline health can compare it with the active model's
    /// on the same outcomes. It never decides a stage.
    pub shadow: Option<ShadowScore>,
}

/// A shadow model's score of a lead.
#[derive(Debug, Clone, PartialEq)]
pub struct ShadowScore {
    /// Score (0..100).
    pub score: f64,
    /// Shadow model version.
    pub model_version: String,
}

impl LeadRecord {
    /// A lead the store has not seen before, unscored.
    pub fn new(id: &str, now: Timestamp) -> LeadRecord {
        LeadRecord {
            id: id.to_owned(),
            profile: Profile::default(),
            bant: Bant::default(),
            created_at: now,
            updated_at: now,
            stage: Stage::Nurturing,
            score: 0.0,
            grade: Grade::D,
            stage_reason: String::new(),
            scored_at: now,
            model_version: String::new(),
            rules_version: String::new(),
            hand_off: HandOff::Open,
            owner: None,
            follow_up_due: None,
            overdue_notified: false,
            recycled_at: None,
            outcome_at: None,
            shadow: None,
        }
    }
}

/// An activity event to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// Caller's event id: with the lead id, the idempotency key (two
    /// sources may number their own leads' events alike).
    pub event_id: String,
    /// Lead it belongs to (created when unknown).
    pub lead_id: String,
    /// Normalized activity type.
    pub activity_type: String,
    /// When it happened.
    pub occurred_at: Timestamp,
}

/// What happened to one event of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventOutcome {
    /// Stored by this call.
    Recorded,
    /// The lead has an event with this id already (stored before, or
    /// earlier in this batch); nothing changed.
    Duplicate,
    /// Malformed, or over a limit; nothing stored. The reason names the
    /// field.
    Rejected(String),
}

impl EventOutcome {
    /// Why an event is [`EventOutcome::Duplicate`], told to the caller.
    pub const DUPLICATE_REASON: &str = "this lead already has an event with this id (recorded \
                                        before, or earlier in this batch); nothing was changed";
}

/// Kinds of stage change a watcher is told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// Fell back to nurturing.
    ToNurturing,
    /// Became marketing qualified.
    ToMql,
    /// Became sales qualified.
    ToSql,
    /// Given to an owner.
    Assigned,
    /// Accepted by its owner.
    Accepted,
    /// Handed back by sales.
    Recycled,
    /// An accepted lead's follow-up deadline passed.
    FollowUpOverdue,
    /// Closed as won.
    Won,
    /// Closed as lost.
    Lost,
}

impl ChangeKind {
    /// Every kind, in code order.
    pub const ALL: [ChangeKind; 9] = [
        ChangeKind::ToNurturing,
        ChangeKind::ToMql,
        ChangeKind::ToSql,
        ChangeKind::Assigned,
        ChangeKind::Accepted,
        ChangeKind::Recycled,
        ChangeKind::FollowUpOverdue,
        ChangeKind::Won,
        ChangeKind::Lost,
    ];

    /// Stored code.
    pub fn code(self) -> i16 {
        ChangeKind::ALL.iter().position(|k| *k == self).unwrap_or(0) as i16
    }

    /// From a stored code.
    pub fn from_code(c: i16) -> Option<ChangeKind> {
        usize::try_from(c)
            .ok()
            .and_then(|i| ChangeKind::ALL.get(i).copied())
    }

    /// Snake-case name (metric labels, logs).
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::ToNurturing => "to_nurturing",
            ChangeKind::ToMql => "to_mql",
            ChangeKind::ToSql => "to_sql",
            ChangeKind::Assigned => "assigned",
            ChangeKind::Accepted => "accepted",
            ChangeKind::Recycled => "recycled",
            ChangeKind::FollowUpOverdue => "follow_up_overdue",
            ChangeKind::Won => "won",
            ChangeKind::Lost => "lost",
        }
    }

    /// The change into `stage`.
    pub fn to_stage(stage: Stage) -> ChangeKind {
        match stage {
            Stage::Nurturing => ChangeKind::ToNurturing,
            Stage::Mql => ChangeKind::ToMql,
            Stage::Sql => ChangeKind::ToSql,
        }
    }
}

/// One recorded transition.
#[derive(Debug, Clone, PartialEq)]
pub struct StageChange {
    /// Position in the store's single, gap-free order (1, 2, …).
    pub cursor: i64,
    /// Lead it happened to.
    pub lead_id: String,
    /// What happened.
    pub kind: ChangeKind,
    /// Stage after the change.
    pub stage: Stage,
    /// Score after the change.
    pub score: f64,
    /// Owner after the change.
    pub owner: Option<String>,
    /// Why: stage reason, hand-back reason, assignment rule.
    pub reason: String,
    /// When it was recorded.
    pub at: Timestamp,
}

/// Position after which a list page starts (the last row of the previous page).
#[derive(Debug, Clone, PartialEq)]
pub struct PageKey {
    /// Stage of that row.
    pub stage: Stage,
    /// Score of that row.
    pub score: f64,
    /// Lead id of that row (the tie-breaker).
    pub lead_id: String,
}

/// Filters and page of `ListPrioritizedLeads`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListQuery {
    /// Only these stages (empty: all).
    pub stages: Vec<Stage>,
    /// Only scores at least this.
    pub min_score: f64,
    /// Only these grades (empty: all).
    pub grades: Vec<Grade>,
    /// Only this owner.
    pub owner: Option<String>,
    /// Only this country.
    pub country: Option<String>,
    /// Only accepted leads past their follow-up deadline.
    pub overdue_only: bool,
    /// Also won / lost leads.
    pub include_closed: bool,
    /// Rows per page.
    pub page_size: usize,
    /// Resume after this row.
    pub after: Option<PageKey>,
}

/// A lead with everything `GetLead` shows besides the score.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadDetail {
    /// The record.
    pub lead: LeadRecord,
    /// Activities that count (since the last recycle), to reproduce the score.
    pub activities: Vec<crate::lead::Activity>,
    /// Every transition of the lead, oldest first.
    pub history: Vec<StageChange>,
}
