//! The records the lead store keeps and answers with, besides the live
//! lead itself ([`crate::handoff`]), and the codes it stores them as.

use crate::handoff::{ChangeKind, HandOff, LeadRecord, StageChange};
use crate::lead::Activity;
use crate::qualification::Stage;
use crate::rules::Grade;
use crate::time::Timestamp;

/// Stored code of a hand-off state.
pub fn hand_off_code(h: HandOff) -> i16 {
    match h {
        HandOff::Open => 0,
        HandOff::Accepted => 1,
        HandOff::Won => 2,
        HandOff::Lost => 3,
    }
}

/// Hand-off state of a stored code.
pub fn hand_off_from_code(c: i16) -> Option<HandOff> {
    [
        HandOff::Open,
        HandOff::Accepted,
        HandOff::Won,
        HandOff::Lost,
    ]
    .into_iter()
    .find(|h| hand_off_code(*h) == c)
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

/// Every change kind, in stored-code order (a kind's code is its index:
/// append only).
const CHANGE_CODES: [ChangeKind; 9] = [
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

/// Stored code of a change kind.
pub fn change_code(k: ChangeKind) -> i16 {
    CHANGE_CODES.iter().position(|c| *c == k).unwrap_or(0) as i16
}

/// Change kind of a stored code.
pub fn change_from_code(c: i16) -> Option<ChangeKind> {
    usize::try_from(c)
        .ok()
        .and_then(|i| CHANGE_CODES.get(i).copied())
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
    pub activities: Vec<Activity>,
    /// Every transition of the lead, oldest first.
    pub history: Vec<StageChange>,
}
