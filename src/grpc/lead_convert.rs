//! Conversions between `LeadService` messages and the store's types.

use crate::features::{Decay, FunnelStage};
use crate::handoff::{ChangeKind, HandOff, LeadRecord, StageChange};
use crate::lead::{Activity, Bant, BantStatus, FieldError, Profile, check_len, limits};
use crate::lead::{EventOutcome, NewEvent, NewOutcome, derived_event_id};
use crate::lead::{FieldPath, LeadUpsert};
use crate::pb::v1 as pb;
use crate::qualification::Stage;
use crate::rules::Grade;
use crate::store::query::ListQuery;
use crate::store::reads::MAX_PAGE_SIZE;
use crate::time::{Span, Timestamp};

use super::convert::{self, time, timestamp};
use super::page_token::{self, Filters};

/// Page size when the request leaves it 0.
const DEFAULT_PAGE_SIZE: usize = 50;

/// A request upsert, checked; paths are relative to the upsert.
pub fn upsert(u: pb::LeadUpsert) -> Result<LeadUpsert, FieldError> {
    let mask = match u.update_mask {
        Some(m) if !m.paths.is_empty() => Some(
            m.paths
                .iter()
                .enumerate()
                .map(|(j, p)| FieldPath::parse(&format!("update_mask.paths[{j}]"), p))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        _ => None,
    };
    let profile =
        convert::profile(u.profile.unwrap_or_default()).map_err(|e| e.within("profile"))?;
    let bant = convert::bant(u.bant.unwrap_or_default());
    LeadUpsert::new(u.lead_id, profile, bant, mask)
}

/// A request event, checked against `now`; paths are relative to the event.
pub fn event(e: pb::ActivityEvent, now: Timestamp) -> Result<NewEvent, FieldError> {
    let at = e
        .occurred_at
        .as_ref()
        .ok_or_else(|| FieldError::new("occurred_at", "is required"))?;
    let at = time("occurred_at", at)?;
    NewEvent::parse(e.event_id, e.lead_id, e.r#type, at, now)
}

/// One event's result.
/// `e` with its event id derived from `source` and the event when it has
/// none ([`derived_event_id`]); an event whose time does not convert is
/// left as it is, for [`event`] to refuse by field.
pub fn with_derived_id(source: &str, mut e: pb::ActivityEvent) -> pb::ActivityEvent {
    if e.event_id.is_empty()
        && let Some(Ok(at)) = e.occurred_at.as_ref().map(|t| time("occurred_at", t))
    {
        e.event_id = derived_event_id(source, &e.lead_id, &e.r#type, at);
    }
    e
}

/// One `RecordOutcome` request as an outcome to record (the lead id is
/// checked where it is used: by the hand-off, or by the batch).
pub fn outcome(r: pb::RecordOutcomeRequest) -> Result<NewOutcome, FieldError> {
    let won = match pb::Outcome::try_from(r.outcome) {
        Ok(pb::Outcome::Won) => true,
        Ok(pb::Outcome::Lost) => false,
        Ok(pb::Outcome::Unspecified) | Err(_) => {
            return Err(FieldError::new(
                "outcome",
                "must be OUTCOME_WON or OUTCOME_LOST",
            ));
        }
    };
    let at = r
        .occurred_at
        .as_ref()
        .ok_or_else(|| FieldError::new("occurred_at", "is required"))
        .and_then(|t| convert::time("occurred_at", t))?;
    Ok(NewOutcome {
        lead_id: r.lead_id,
        won,
        at,
    })
}

/// One entry of a `RecordOutcomes` answer.
pub fn outcome_result(lead_id: String, result: Result<LeadRecord, String>) -> pb::OutcomeResult {
    match result {
        Ok(lead) => pb::OutcomeResult {
            lead_id,
            status: pb::OutcomeStatus::Recorded as i32,
            reason: String::new(),
            lead: Some(stored_lead(&lead, None)),
        },
        Err(reason) => pb::OutcomeResult {
            lead_id,
            status: pb::OutcomeStatus::Rejected as i32,
            reason,
            lead: None,
        },
    }
}

pub fn event_result(event_id: String, outcome: EventOutcome) -> pb::EventResult {
    let (status, reason) = match outcome {
        EventOutcome::Recorded => (pb::EventStatus::Recorded, String::new()),
        EventOutcome::Duplicate => (
            pb::EventStatus::Duplicate,
            EventOutcome::DUPLICATE_REASON.to_owned(),
        ),
        EventOutcome::Rejected(r) => (pb::EventStatus::Rejected, r),
    };
    pb::EventResult {
        event_id,
        status: status.into(),
        reason,
    }
}

fn bant_criterion(s: BantStatus) -> Option<pb::BantCriterion> {
    let status = match s {
        BantStatus::Unknown => return None,
        BantStatus::Yes => pb::BantStatus::Yes,
        BantStatus::No => pb::BantStatus::No,
    };
    Some(pb::BantCriterion {
        status: status.into(),
        value: String::new(),
    })
}

/// Most activities a lead's timeline lists (newest first).
pub const MAX_TIMELINE: usize = 500;

/// The newest [`MAX_TIMELINE`] of `activities` as timeline entries, each
/// weighted by `decay` (each at its type's half-life) as of `as_of`.
pub fn timeline(
    activities: &[Activity],
    decay: &Decay,
    as_of: Timestamp,
) -> Vec<pb::TimelineActivity> {
    let mut newest: Vec<&Activity> = activities.iter().collect();
    newest.sort_by_key(|a| std::cmp::Reverse(a.occurred_at));
    newest
        .into_iter()
        .take(MAX_TIMELINE)
        .map(|a| pb::TimelineActivity {
            r#type: a.activity_type.clone(),
            occurred_at: Some(timestamp(a.occurred_at)),
            funnel_stage: FunnelStage::of(&a.activity_type).label().to_owned(),
            // An activity after `as_of` (a closed lead's later ones are not
            // here) would weigh over 1: clamp its age at zero.
            decay_weight: decay
                .of_type(&a.activity_type)
                .weight(as_of.since(a.occurred_at).max(Span::ZERO)),
        })
        .collect()
}

/// A domain profile as its message.
pub fn profile(p: &Profile) -> pb::Profile {
    pb::Profile {
        job_title: p.job_title.clone(),
        seniority: p.seniority.clone(),
        department: p.department.clone(),
        industry: p.industry.clone(),
        country: p.country.clone(),
        company_size: p.company_size,
        annual_revenue: p.annual_revenue,
        email_domain: p.email_domain.clone(),
        display_name: p.display_name.clone(),
        company: p.company.clone(),
        email: p.email.clone(),
        attributes: p.attributes.clone().into_iter().collect(),
    }
}

/// Domain BANT as its message (unknown: no criterion).
pub fn bant(b: &Bant) -> pb::Bant {
    pb::Bant {
        budget: bant_criterion(b.budget),
        authority: bant_criterion(b.authority),
        need: bant_criterion(b.need),
        timeline: bant_criterion(b.timeline),
    }
}

fn hand_off(h: HandOff) -> pb::HandOffStatus {
    match h {
        HandOff::Open => pb::HandOffStatus::Open,
        HandOff::Accepted => pb::HandOffStatus::Accepted,
        HandOff::Won => pb::HandOffStatus::Won,
        HandOff::Lost => pb::HandOffStatus::Lost,
    }
}

/// A stored lead; `score` only where the full answer was computed.
pub fn stored_lead(l: &LeadRecord, score: Option<pb::LeadScore>) -> pb::StoredLead {
    pb::StoredLead {
        lead_id: l.id.clone(),
        profile: Some(profile(&l.profile)),
        bant: Some(bant(&l.bant)),
        score,
        stage: convert::stage(l.stage).into(),
        stage_reason: l.stage_reason.clone(),
        status: hand_off(l.hand_off).into(),
        owner: l.owner.clone().unwrap_or_default(),
        follow_up_due: l.follow_up_due.map(timestamp),
        recycled_at: l.recycled_at.map(timestamp),
        created_at: Some(timestamp(l.created_at)),
        outcome_at: l.outcome_at.map(timestamp),
        shadow_score: l.shadow.as_ref().map_or(0.0, |s| s.score),
        shadow_model_version: l
            .shadow
            .as_ref()
            .map(|s| s.model_version.clone())
            .unwrap_or_default(),
    }
}

/// A list row.
pub fn prioritized(l: &LeadRecord) -> pb::PrioritizedLead {
    pb::PrioritizedLead {
        lead_id: l.id.clone(),
        stage: convert::stage(l.stage).into(),
        score: l.score,
        fit_grade: convert::grade(l.grade).into(),
        stage_reason: l.stage_reason.clone(),
        status: hand_off(l.hand_off).into(),
        owner: l.owner.clone().unwrap_or_default(),
        country: l.profile.country.clone(),
        follow_up_due: l.follow_up_due.map(timestamp),
        display_name: l.profile.display_name.clone(),
        company: l.profile.company.clone(),
        email: l.profile.email.clone(),
    }
}

fn kind(k: ChangeKind) -> pb::StageChangeKind {
    match k {
        ChangeKind::ToNurturing => pb::StageChangeKind::ToNurturing,
        ChangeKind::ToMql => pb::StageChangeKind::ToMql,
        ChangeKind::ToSql => pb::StageChangeKind::ToSql,
        ChangeKind::Assigned => pb::StageChangeKind::Assigned,
        ChangeKind::Accepted => pb::StageChangeKind::Accepted,
        ChangeKind::Recycled => pb::StageChangeKind::Recycled,
        ChangeKind::FollowUpOverdue => pb::StageChangeKind::FollowUpOverdue,
        ChangeKind::Won => pb::StageChangeKind::Won,
        ChangeKind::Lost => pb::StageChangeKind::Lost,
    }
}

/// A recorded transition.
pub fn stage_change(c: &StageChange) -> pb::StageChange {
    pb::StageChange {
        cursor: u64::try_from(c.cursor).unwrap_or_default(),
        lead_id: c.lead_id.clone(),
        kind: kind(c.kind).into(),
        stage: convert::stage(c.stage).into(),
        score: c.score,
        owner: c.owner.clone().unwrap_or_default(),
        reason: c.reason.clone(),
        at: Some(timestamp(c.at)),
    }
}

fn stage_filter(field: &str, v: i32) -> Result<Stage, FieldError> {
    match pb::Stage::try_from(v) {
        Ok(pb::Stage::Nurturing) => Ok(Stage::Nurturing),
        Ok(pb::Stage::Mql) => Ok(Stage::Mql),
        Ok(pb::Stage::Sql) => Ok(Stage::Sql),
        Ok(pb::Stage::Unspecified) | Err(_) => Err(FieldError::new(
            field,
            format!("unknown stage {v}; use STAGE_NURTURING, STAGE_MQL or STAGE_SQL"),
        )),
    }
}

fn grade_filter(field: &str, v: i32) -> Result<Grade, FieldError> {
    match pb::FitGrade::try_from(v) {
        Ok(pb::FitGrade::A) => Ok(Grade::A),
        Ok(pb::FitGrade::B) => Ok(Grade::B),
        Ok(pb::FitGrade::C) => Ok(Grade::C),
        Ok(pb::FitGrade::D) => Ok(Grade::D),
        Ok(pb::FitGrade::Unspecified) | Err(_) => Err(FieldError::new(
            field,
            format!("unknown grade {v}; use FIT_GRADE_A … FIT_GRADE_D"),
        )),
    }
}

/// An optional string filter, bounded like the profile string it matches.
fn text_filter(field: &str, s: String) -> Result<Option<String>, FieldError> {
    check_len(field, &s, limits::MAX_STRING_BYTES)?;
    Ok((!s.is_empty()).then_some(s))
}

/// The list request as a query.
pub fn list_query(r: pb::ListPrioritizedLeadsRequest) -> Result<ListQuery, FieldError> {
    let stages = r
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| stage_filter(&format!("stages[{i}]"), *s))
        .collect::<Result<_, _>>()?;
    let grades = r
        .grades
        .iter()
        .enumerate()
        .map(|(i, g)| grade_filter(&format!("grades[{i}]"), *g))
        .collect::<Result<_, _>>()?;
    if !(0.0..=100.0).contains(&r.min_score) {
        return Err(FieldError::new(
            "min_score",
            format!("must be between 0 and 100, got {}", r.min_score),
        ));
    }
    let page_size = match r.page_size as usize {
        0 => DEFAULT_PAGE_SIZE,
        n if n > MAX_PAGE_SIZE => {
            return Err(FieldError::new(
                "page_size",
                format!("is {n}, the limit is {MAX_PAGE_SIZE}"),
            ));
        }
        n => n,
    };
    let mut query = ListQuery {
        stages,
        min_score: r.min_score,
        grades,
        owner: text_filter("owner", r.owner)?,
        country: text_filter("country", r.country)?,
        overdue_only: r.overdue_only,
        include_closed: r.include_closed,
        page_size,
        after: None,
    };
    if !r.page_token.is_empty() {
        query.after = Some(page_token::decode(&r.page_token, &Filters::of(&query))?);
    }
    Ok(query)
}
