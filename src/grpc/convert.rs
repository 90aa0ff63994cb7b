//! Conversions between `leadscore.v1` messages and domain types.
//!
//! Incoming: structural checks that only the wire format can fail
//! (missing timestamps, out-of-range nanos) with field paths; the domain's
//! own limits are checked by [`crate::lead::Lead::validate`]. Unknown enum
//! values are treated as unspecified, never as errors.

use prost_types::Timestamp as WireTimestamp;

use crate::features::into_normal_name;
use crate::lead::{
    Activity, Bant, BantStatus, FieldError, Lead, Profile, check_attributes, normalize_attributes,
};
use crate::pb::v1 as pb;
use crate::qualification::{Criterion, Stage};
use crate::rules::Grade;
use crate::scoring::{Contribution, LeadScore};
use crate::time::Timestamp;

/// How many strongest positive / negative terms the answer highlights.
const TOP_FACTORS: usize = 3;

/// A wire timestamp to a domain time: years 0001–9999 and nanos in
/// `0..=999,999,999`, as `google.protobuf.Timestamp` documents.
pub fn time(field: impl std::fmt::Display, t: &WireTimestamp) -> Result<Timestamp, FieldError> {
    Timestamp::from_unix(t.seconds, t.nanos)
        .map_err(|e| FieldError::new(field.to_string(), e.to_string()))
}

/// A domain time to a wire timestamp.
pub fn timestamp(at: Timestamp) -> WireTimestamp {
    WireTimestamp {
        seconds: at.unix_seconds(),
        nanos: at.subsec_nanos(),
    }
}

/// A calibration bin (model card and pipeline health).
pub fn calibration_bin(b: &crate::model::CalibrationBin) -> pb::CalibrationBin {
    pb::CalibrationBin {
        lower: b.lower,
        upper: b.upper,
        predicted_mean: b.predicted_mean,
        observed_rate: b.observed_rate,
        count: b.count,
    }
}

/// `as_of` of a request, defaulting to now.
pub fn as_of(t: Option<&WireTimestamp>) -> Result<Timestamp, FieldError> {
    match t {
        Some(t) => time("as_of", t),
        None => Ok(Timestamp::now()),
    }
}

fn bant_status(c: Option<&pb::BantCriterion>) -> BantStatus {
    match c.map(|c| pb::BantStatus::try_from(c.status)) {
        Some(Ok(pb::BantStatus::Yes)) => BantStatus::Yes,
        Some(Ok(pb::BantStatus::No)) => BantStatus::No,
        Some(Ok(pb::BantStatus::Unspecified) | Err(_)) | None => BantStatus::Unknown,
    }
}

/// A request profile to a domain profile (e-mail domain and attribute keys
/// normalized). Paths are relative to the profile.
pub fn profile(p: pb::Profile) -> Result<Profile, FieldError> {
    Ok(Profile {
        job_title: p.job_title,
        seniority: p.seniority,
        department: p.department,
        industry: p.industry,
        country: p.country,
        company_size: p.company_size,
        annual_revenue: p.annual_revenue,
        email_domain: p.email_domain.trim().to_lowercase(),
        display_name: p.display_name,
        company: p.company,
        email: p.email.trim().to_owned(),
        attributes: normalize_attributes("attributes", p.attributes)?,
    })
}

/// Checks an activity's attributes like a profile's. Scoring does not read
/// them, but a request is refused, not half-read, when they break a limit.
fn check_activity_attributes(
    i: usize,
    raw: std::collections::HashMap<String, String>,
) -> Result<(), FieldError> {
    if raw.is_empty() {
        return Ok(());
    }
    let field = format!("activities[{i}].attributes");
    check_attributes(&field, &normalize_attributes(&field, raw)?)
}

/// Request BANT to domain BANT; unknown statuses are unknown.
pub fn bant(b: pb::Bant) -> Bant {
    Bant {
        budget: bant_status(b.budget.as_ref()),
        authority: bant_status(b.authority.as_ref()),
        need: bant_status(b.need.as_ref()),
        timeline: bant_status(b.timeline.as_ref()),
    }
}

/// A request lead to a domain lead. Paths are relative to the lead.
pub fn lead(l: pb::Lead) -> Result<Lead, FieldError> {
    let profile = profile(l.profile.unwrap_or_default()).map_err(|e| e.within("profile"))?;
    let bant = bant(l.bant.unwrap_or_default());
    let activities = l
        .activities
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let occurred_at = a
                .occurred_at
                .as_ref()
                .ok_or_else(|| {
                    FieldError::new(format!("activities[{i}].occurred_at"), "is required")
                })
                .and_then(|t| time(format_args!("activities[{i}].occurred_at"), t))?;
            check_activity_attributes(i, a.attributes)?;
            Ok(Activity {
                activity_type: into_normal_name(a.r#type),
                occurred_at,
                event_id: (!a.event_id.is_empty()).then_some(a.event_id),
            })
        })
        .collect::<Result<_, FieldError>>()?;
    let mut activity_counts: Vec<(String, f64)> = l
        .activity_counts
        .into_iter()
        .map(|(t, c)| (into_normal_name(t), c))
        .collect();
    activity_counts.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Lead {
        id: l.lead_id,
        profile,
        bant,
        activities,
        activity_counts,
    })
}

/// A domain stage to its enum.
pub fn stage(s: Stage) -> pb::Stage {
    match s {
        Stage::Nurturing => pb::Stage::Nurturing,
        Stage::Mql => pb::Stage::Mql,
        Stage::Sql => pb::Stage::Sql,
    }
}

/// A domain grade to its enum.
pub fn grade(g: Grade) -> pb::FitGrade {
    match g {
        Grade::A => pb::FitGrade::A,
        Grade::B => pb::FitGrade::B,
        Grade::C => pb::FitGrade::C,
        Grade::D => pb::FitGrade::D,
    }
}

fn criterion(c: Criterion) -> pb::Criterion {
    match c {
        Criterion::NotDisqualified => pb::Criterion::NotDisqualified,
        Criterion::BehaviorScore => pb::Criterion::BehaviorScore,
        Criterion::FitGrade => pb::Criterion::FitGrade,
        Criterion::HandRaise => pb::Criterion::HandRaise,
        Criterion::Authority => pb::Criterion::Authority,
        Criterion::Bant => pb::Criterion::Bant,
    }
}

fn contribution(c: Contribution) -> pb::Contribution {
    pb::Contribution {
        feature: c.feature,
        label: c.label,
        value: c.value,
        weight: c.weight,
        logit: c.logit,
        points: c.points,
    }
}

/// A domain score to its answer message (moving its strings, not copying).
pub fn lead_score(s: LeadScore) -> pb::LeadScore {
    let e = s.explanation;
    let contributions: Vec<pb::Contribution> =
        s.contributions.into_iter().map(contribution).collect();
    let top = |positive: bool| {
        contributions
            .iter()
            .filter(|c| (c.logit > 0.0) == positive)
            .take(TOP_FACTORS)
            .cloned()
            .collect()
    };
    pb::LeadScore {
        probability: e.probability,
        score: e.probability * 100.0,
        logit: e.logit,
        intercept: e.intercept,
        top_positive: top(true),
        top_negative: top(false),
        contributions,
        behavior_points: e.points,
        points_threshold: s.points_threshold,
        unscored: s
            .unscored
            .into_iter()
            .map(|(t, n)| pb::UnscoredActivity {
                r#type: t,
                count: n.round() as u64,
            })
            .collect(),
        fit_points: s.fit.points,
        fit_grade: grade(s.fit.grade).into(),
        fit_rules: s
            .fit
            .hits
            .into_iter()
            .map(|(rule, points)| pb::FitRuleHit { rule, points })
            .collect(),
        seniority: s.fit.role.seniority,
        decision_maker: s.fit.role.decision_maker,
        disqualified: !s.fit.disqualified_by.is_empty(),
        stage: stage(s.qualification.stage).into(),
        verdicts: s
            .qualification
            .verdicts
            .into_iter()
            .map(|v| pb::Verdict {
                criterion: criterion(v.criterion).into(),
                met: v.met,
                reason: v.reason,
                required_for: stage(v.required_for).into(),
            })
            .collect(),
        mql_threshold: s.mql_threshold,
        model_version: s.model_version,
        rules_version: s.rules_version,
        as_of: Some(timestamp(s.as_of)),
        lead_id: s.lead_id,
    }
}
