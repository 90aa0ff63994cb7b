//! Nurturing → MQL → SQL, with every criterion's verdict named.
//!
//! - **MQL**: not disqualified, behavior probability ≥ the MQL threshold,
//!   and fit grade at least the rules' minimum.
//! - **SQL**: an MQL that also has a hand-raise activity within the rules'
//!   window, authority (decision-maker seniority or BANT authority, when the
//!   rules require it) and the minimum number of BANT criteria met.
//!
//! All six verdicts are always returned, met or not, so a caller can say
//! exactly what a lead lacks; an SQL also says what made it one
//! ([`reason`]).

use std::fmt::Write as _;

use crate::lead::{Bant, BantStatus, Lead};
use crate::rules::{FitAssessment, Rules, SqlRules};
use crate::spelling::Spelled;
use crate::time::{Span, Timestamp};

pub mod reason;

pub use reason::{AuthorityBasis, SqlBasis};

/// Predicted stage of a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Not (yet) qualified.
    Nurturing,
    /// Marketing qualified.
    Mql,
    /// Sales qualified.
    Sql,
}

impl Spelled for Stage {
    const KIND: &'static str = "stage";
    const ALL: &'static [Stage] = &[Stage::Nurturing, Stage::Mql, Stage::Sql];

    /// Lower-case name (webhook subscriptions and payloads).
    fn as_str(self) -> &'static str {
        match self {
            Stage::Nurturing => "nurturing",
            Stage::Mql => "mql",
            Stage::Sql => "sql",
        }
    }
}

crate::spelled_traits!(Stage);

/// A qualification criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Criterion {
    /// No disqualifier matched.
    NotDisqualified,
    /// Behavior probability at or over the MQL threshold.
    BehaviorScore,
    /// Fit grade at least the minimum.
    FitGrade,
    /// Recent hand-raise activity.
    HandRaise,
    /// Decision-maker or BANT authority.
    Authority,
    /// Enough BANT criteria met.
    Bant,
}

/// The verdict on one criterion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Which criterion.
    pub criterion: Criterion,
    /// Whether it is met.
    pub met: bool,
    /// A sentence saying why.
    pub reason: String,
    /// The stage that needs it.
    pub required_for: Stage,
}

/// Stage and verdicts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qualification {
    /// Predicted stage.
    pub stage: Stage,
    /// All verdicts, MQL criteria first.
    pub verdicts: Vec<Verdict>,
    /// What made it an SQL; `None` below SQL.
    pub sql_basis: Option<SqlBasis>,
}

/// What qualification needs from the behavior side.
#[derive(Debug, Clone, Copy)]
pub struct Behavior {
    /// Calibrated conversion probability.
    pub probability: f64,
    /// MQL threshold in force.
    pub threshold: f64,
}

/// A score shown with one decimal, formatted from integer tenths: `{:.1}`
/// of an `f64` takes an exact decimal expansion, a measurable part of every
/// answer. Halves round away from zero.
struct OneDecimal(f64);

impl std::fmt::Display for OneDecimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tenths = (self.0 * 10.0).round();
        if tenths.is_nan() || tenths.abs() >= 1e15 {
            return write!(f, "{:.1}", self.0);
        }
        let tenths = tenths as i64;
        let sign = if tenths < 0 { "-" } else { "" };
        let abs = tenths.unsigned_abs();
        write!(f, "{sign}{}.{}", abs / 10, abs % 10)
    }
}

/// A verdict's sentence in one allocation sized for the longest sentence
/// (`format!` guesses from the template, often too small, and regrows).
fn sentence(args: std::fmt::Arguments<'_>) -> String {
    let mut s = String::with_capacity(96);
    // Writing to a `String` cannot fail.
    let _ = s.write_fmt(args);
    s
}

/// What qualification reads from a lead's activity, answered alike by the
/// full history ([`Lead`]) and by the lead's feature state
/// ([`crate::features::LeadFeatureState`]), so both qualify through the
/// one [`qualify`].
pub trait ActivityFacts {
    /// The newest activity of one of `types` at or before `as_of` (any
    /// activity: repeats and duplicates included), with its type. On a tie
    /// in time the type listed first in `types` wins, so the answer does
    /// not depend on the order activities are stored in.
    fn newest_of<'a>(
        &'a self,
        types: &'a [String],
        as_of: Timestamp,
    ) -> Option<(&'a str, Timestamp)>;
}

impl ActivityFacts for Lead {
    fn newest_of<'a>(
        &'a self,
        types: &'a [String],
        as_of: Timestamp,
    ) -> Option<(&'a str, Timestamp)> {
        self.activities
            .iter()
            .filter(|a| a.occurred_at <= as_of)
            .filter_map(|a| {
                let rank = types.iter().position(|t| *t == a.activity_type)?;
                Some((
                    a.occurred_at,
                    std::cmp::Reverse(rank),
                    a.activity_type.as_str(),
                ))
            })
            .max()
            .map(|(at, _, activity_type)| (activity_type, at))
    }
}

/// Qualifies a lead with `bant`, whose activity `activity` tells.
pub fn qualify(
    rules: &Rules,
    bant: &Bant,
    activity: &dyn ActivityFacts,
    fit: &FitAssessment,
    behavior: Behavior,
    as_of: Timestamp,
) -> Qualification {
    let hand = recent_hand_raise(&rules.sql, activity, as_of);
    let verdicts = vec![
        not_disqualified(fit),
        behavior_score(behavior),
        fit_grade(rules, fit),
        hand_raise(&rules.sql, hand),
        authority(&rules.sql, bant, fit),
        bant_met(&rules.sql, bant),
    ];
    let stage = stage_of(&verdicts);
    let sql_basis = match (stage, hand) {
        (Stage::Sql, Some(hand_raise)) => Some(SqlBasis::of(hand_raise, bant, fit)),
        _ => None,
    };
    Qualification {
        stage,
        verdicts,
        sql_basis,
    }
}

/// MQL: no disqualifier matched.
fn not_disqualified(fit: &FitAssessment) -> Verdict {
    let disqualified = !fit.disqualified_by.is_empty();
    Verdict {
        criterion: Criterion::NotDisqualified,
        met: !disqualified,
        reason: if disqualified {
            sentence(format_args!(
                "disqualified: {}",
                fit.disqualified_by.join("; ")
            ))
        } else {
            "no disqualifier applies".to_owned()
        },
        required_for: Stage::Mql,
    }
}

/// MQL: behavior probability at or over the threshold.
fn behavior_score(behavior: Behavior) -> Verdict {
    let (p, t) = (
        OneDecimal(behavior.probability * 100.0),
        OneDecimal(behavior.threshold * 100.0),
    );
    let met = behavior.probability >= behavior.threshold;
    Verdict {
        criterion: Criterion::BehaviorScore,
        met,
        reason: sentence(format_args!(
            "behavior score {p} is {} the MQL threshold {t}",
            if met { "at or above" } else { "below" }
        )),
        required_for: Stage::Mql,
    }
}

/// MQL: fit grade at least the rules' minimum.
fn fit_grade(rules: &Rules, fit: &FitAssessment) -> Verdict {
    let min = rules.mql.min_grade;
    let met = fit.grade.at_least(min);
    Verdict {
        criterion: Criterion::FitGrade,
        met,
        reason: sentence(format_args!(
            "fit grade {} ({} points) is {} the minimum {min}",
            fit.grade,
            fit.points,
            if met { "at least" } else { "below" }
        )),
        required_for: Stage::Mql,
    }
}

/// The newest hand-raise activity at or before `as_of` (type and time),
/// if it is within the rules' window.
pub fn recent_hand_raise<'a>(
    sql: &'a SqlRules,
    activity: &'a dyn ActivityFacts,
    as_of: Timestamp,
) -> Option<(&'a str, Timestamp)> {
    let window = Span::days(i64::from(sql.hand_raise_within_days));
    activity
        .newest_of(&sql.hand_raise_types, as_of)
        .filter(|(_, at)| as_of.since(*at) <= window)
}

/// SQL: the newest hand-raise activity within the window, not after the
/// time scored ([`recent_hand_raise`]).
fn hand_raise(sql: &SqlRules, hand_raise: Option<(&str, Timestamp)>) -> Verdict {
    Verdict {
        criterion: Criterion::HandRaise,
        met: hand_raise.is_some(),
        reason: match hand_raise {
            Some((activity_type, _)) => sentence(format_args!(
                "{activity_type} within the last {} days",
                sql.hand_raise_within_days
            )),
            None => sentence(format_args!(
                "no {} in the last {} days",
                sql.hand_raise_types.join(" or "),
                sql.hand_raise_within_days
            )),
        },
        required_for: Stage::Sql,
    }
}

/// SQL: a decision-maker or BANT authority, when the rules require it.
fn authority(sql: &SqlRules, bant: &Bant, fit: &FitAssessment) -> Verdict {
    let bant_authority = bant.authority == BantStatus::Yes;
    Verdict {
        criterion: Criterion::Authority,
        met: !sql.require_authority || fit.role.decision_maker || bant_authority,
        reason: if fit.role.decision_maker {
            sentence(format_args!(
                "seniority {} is a decision-maker",
                fit.role.seniority
            ))
        } else if bant_authority {
            "BANT authority confirmed".to_owned()
        } else if !sql.require_authority {
            "authority not required by the rules".to_owned()
        } else {
            sentence(format_args!(
                "seniority {} is not a decision-maker and BANT authority is not confirmed",
                fit.role.seniority
            ))
        },
        required_for: Stage::Sql,
    }
}

/// SQL: enough BANT criteria met.
fn bant_met(sql: &SqlRules, bant: &Bant) -> Verdict {
    let met = bant.met();
    Verdict {
        criterion: Criterion::Bant,
        met: met >= sql.min_bant_met,
        reason: sentence(format_args!(
            "{met} of 4 BANT criteria met, {} required",
            sql.min_bant_met
        )),
        required_for: Stage::Sql,
    }
}

/// SQL when every verdict is met, else MQL when every MQL verdict is.
fn stage_of(verdicts: &[Verdict]) -> Stage {
    let mql = verdicts
        .iter()
        .filter(|v| v.required_for == Stage::Mql)
        .all(|v| v.met);
    let sql = mql && verdicts.iter().all(|v| v.met);
    if sql {
        Stage::Sql
    } else if mql {
        Stage::Mql
    } else {
        Stage::Nurturing
    }
}

#[cfg(test)]
mod tests;
