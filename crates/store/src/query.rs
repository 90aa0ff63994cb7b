//! What the store's reads take and answer with, besides the live lead
//! itself ([`leadscore_core::handoff::LeadRecord`]).

use leadscore_core::features::LeadFeatureState;
use leadscore_core::handoff::{LeadRecord, StageChange};
use leadscore_core::lead::Activity;
use leadscore_core::qualification::Stage;
use leadscore_core::rules::Grade;

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
    /// Its stored feature state (`None`: not built yet), derived from
    /// its events: for checks that it equals a rebuild from the log.
    pub state: Option<LeadFeatureState>,
}
