//! The live lead and the transitions it goes through. How they are stored
//! (codes, rows) is the lead store's business.

use crate::lead::{Bant, Profile};
use crate::qualification::Stage;
use crate::rules::Grade;
use crate::spelling::Spelled;
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
    /// Won or lost.
    pub fn closed(self) -> bool {
        matches!(self, HandOff::Won | HandOff::Lost)
    }
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

impl Spelled for ChangeKind {
    const KIND: &'static str = "change kind";
    /// Append only: a kind's index here is its code in the store.
    const ALL: &'static [ChangeKind] = &[
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

    /// Snake-case name (metric labels, logs, webhook subscriptions).
    fn as_str(self) -> &'static str {
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
}

crate::spelled_traits!(ChangeKind);

impl ChangeKind {
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
    /// Position in the store's single, gap-free order (1, 2, …); 0 until
    /// the store commits the change.
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

impl StageChange {
    /// The change of `kind` that `rec` (already changed) just went through.
    pub(crate) fn of(rec: &LeadRecord, kind: ChangeKind, reason: String, now: Timestamp) -> Self {
        StageChange {
            cursor: 0,
            lead_id: rec.id.clone(),
            kind,
            stage: rec.stage,
            score: rec.score,
            owner: rec.owner.clone(),
            reason,
            at: now,
        }
    }
}
