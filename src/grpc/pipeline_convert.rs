//! `GetPipelineHealth` at the edge: the request checked into a window and
//! [`HealthThresholds`], the domain report converted to protobuf.

use super::convert::{time, timestamp};
use crate::evaluation::Decile;
use crate::lead::FieldError;
use crate::pb::v1 as pb;
use crate::pipeline_health::{
    self, DEFAULT_CALIBRATION_MARGIN, DEFAULT_MIN_OUTCOMES, DEFAULT_MIN_RANK_CORRELATION,
    HealthThresholds, ModelHealth, PipelineHealth,
};
use crate::time::{Span, Timestamp};

/// Default window length when `from` is not given: 90 days.
const DEFAULT_WINDOW: Span = Span::days(90);

/// A checked request: window and thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthQuery {
    /// Window start (inclusive).
    pub from: Timestamp,
    /// Window end (exclusive).
    pub to: Timestamp,
    /// When a model is called stale.
    pub thresholds: HealthThresholds,
}

/// Checks a request; errors name the field.
pub fn health_query(r: &pb::GetPipelineHealthRequest) -> Result<HealthQuery, FieldError> {
    let to = match &r.to {
        Some(t) => time("to", t)?,
        None => Timestamp::now(),
    };
    let from = match &r.from {
        Some(t) => time("from", t)?,
        None => to.saturating_sub(DEFAULT_WINDOW),
    };
    if from >= to {
        return Err(FieldError::new("from", "must be before `to`"));
    }
    let thresholds = HealthThresholds::new(
        r.min_outcomes.unwrap_or(DEFAULT_MIN_OUTCOMES),
        r.calibration_margin.unwrap_or(DEFAULT_CALIBRATION_MARGIN),
        r.min_rank_correlation
            .unwrap_or(DEFAULT_MIN_RANK_CORRELATION),
    )
    .map_err(|e| FieldError::new(e.field, e.reason))?;
    Ok(HealthQuery {
        from,
        to,
        thresholds,
    })
}

fn decile(d: &Decile) -> pb::DecileConversion {
    pb::DecileConversion {
        decile: d.decile as u32,
        leads: d.count as u64,
        won: d.won as u64,
        conversion_rate: d.rate,
        lift: d.lift,
        min_probability: d.min_score,
    }
}

fn model_health(m: &ModelHealth) -> pb::ModelHealth {
    pb::ModelHealth {
        model_version: m.model_version.clone(),
        outcomes: m.outcomes,
        won: m.won,
        auc: m.auc,
        log_loss: m.log_loss,
        brier: m.brier,
        calibration: m
            .calibration
            .iter()
            .map(super::convert::calibration_bin)
            .collect(),
        calibration_error: m.calibration_error,
        deciles: m.deciles.iter().map(decile).collect(),
        rank_correlation: m.rank_correlation,
        stale: m.stale,
        findings: m.findings.clone(),
    }
}

/// The report as protobuf.
pub fn pipeline_health(h: &PipelineHealth) -> pb::PipelineHealth {
    let f = &h.funnel;
    pb::PipelineHealth {
        from: Some(timestamp(h.from)),
        to: Some(timestamp(h.to)),
        funnel: Some(pb::Funnel {
            qualified: f.qualified,
            reached_sql: f.reached_sql,
            accepted: f.accepted,
            won: f.won,
            lost: f.lost,
            sql_rate: pipeline_health::rate(f.reached_sql, f.qualified),
            accept_rate: pipeline_health::rate(f.accepted, f.reached_sql),
            win_rate: pipeline_health::rate(f.won, f.closed()),
        }),
        active: Some(model_health(&h.active)),
        shadow: h.shadow.as_ref().map(model_health),
        active_on_shadow_outcomes: h.active_on_shadow_outcomes.as_ref().map(model_health),
        outcomes_other_models: h.outcomes_other_models,
        hand_back: Some(pb::HandBack {
            sqls: h.hand_back.sqls,
            handed_back: h.hand_back.handed_back,
            share: h.hand_back.share,
            reasons: h
                .hand_back
                .reasons
                .iter()
                .map(|(reason, count)| pb::ReasonCount {
                    reason: reason.clone(),
                    count: *count,
                })
                .collect(),
        }),
        overdue_announced: h.overdue_announced,
        overdue_open: h.overdue_open,
        stale: h.stale,
        summary: h.summary.clone(),
    }
}
