//! Why a lead is at its stage, in one line for people: below SQL, the
//! unmet criteria of the next stage; an SQL, the criteria that made it
//! ("demo request on 2026-06-01 09:30 UTC, vp (decision-maker), BANT 3/4").
//!
//! The hand-raise is named with its absolute time, not its age: the line
//! is stored with the lead and shown long after the score was taken, when
//! "2 h ago" would be false.

use super::{Qualification, Stage};
use crate::lead::{Bant, BantStatus};
use crate::rules::FitAssessment;
use crate::time::Timestamp;

/// What made a lead an SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlBasis {
    /// The newest hand-raise activity's type (e.g. `demo_request`).
    pub hand_raise: String,
    /// When it happened.
    pub at: Timestamp,
    /// Where its authority comes from.
    pub authority: AuthorityBasis,
    /// BANT criteria known to be met (of 4).
    pub bant_met: usize,
}

/// Where an SQL's authority comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorityBasis {
    /// A decision-maker seniority (lower case, as the rules name it).
    DecisionMaker(String),
    /// BANT authority confirmed.
    Bant,
    /// Neither, and the rules do not require it.
    NotRequired,
}

impl SqlBasis {
    /// The basis of an SQL whose newest hand-raise is `hand_raise`.
    pub(super) fn of(hand_raise: (&str, Timestamp), bant: &Bant, fit: &FitAssessment) -> SqlBasis {
        let authority = if fit.role.decision_maker {
            AuthorityBasis::DecisionMaker(fit.role.seniority.clone())
        } else if bant.authority == BantStatus::Yes {
            AuthorityBasis::Bant
        } else {
            AuthorityBasis::NotRequired
        };
        SqlBasis {
            hand_raise: hand_raise.0.to_owned(),
            at: hand_raise.1,
            authority,
            bant_met: bant.met(),
        }
    }
}

impl std::fmt::Display for SqlBasis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} on {}",
            self.hand_raise.replace('_', " "),
            minute_utc(self.at)
        )?;
        match &self.authority {
            AuthorityBasis::DecisionMaker(seniority) => {
                write!(f, ", {} (decision-maker)", seniority.replace('_', " "))?;
            }
            AuthorityBasis::Bant => f.write_str(", BANT authority")?,
            AuthorityBasis::NotRequired => {}
        }
        write!(f, ", BANT {}/4", self.bant_met)
    }
}

/// `2026-06-01 09:30 UTC`: to the minute, as people read a time.
fn minute_utc(t: Timestamp) -> String {
    match chrono::DateTime::from_timestamp_micros(t.as_micros()) {
        Some(t) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        // Unreachable: every Timestamp is within chrono's range.
        None => t.to_rfc3339(),
    }
}

impl Qualification {
    /// Why the lead is at its stage: an SQL's basis, else the unmet
    /// criteria of the next stage, joined with "; ".
    pub fn stage_reason(&self) -> String {
        // `qualify` names the basis of every SQL, and only of an SQL.
        if let Some(basis) = &self.sql_basis {
            return basis.to_string();
        }
        let next = match self.stage {
            Stage::Sql | Stage::Mql => Stage::Sql,
            Stage::Nurturing => Stage::Mql,
        };
        let unmet: Vec<&str> = self
            .verdicts
            .iter()
            .filter(|v| v.required_for == next && !v.met)
            .map(|v| v.reason.as_str())
            .collect();
        unmet.join("; ")
    }
}
