//! The time a closed lead's features are computed for (the leakage rule),
//! and the guard for day-resolution exports.
//!
//! The rule is the core's ([`leadscore_core::features::cutoff`]), shared
//! with the live service. Normally one microsecond before the outcome
//! ([`leadscore_core::features::outcome_as_of`]). But when every activity
//! time is a midnight (UTC), the export kept only dates: an activity on the
//! outcome day — the onboarding of a won customer — would sit at the
//! start of that day, "before" an outcome at 15:00, and leak the label. So
//! then the cutoff moves to the start of the outcome day: nothing on that
//! day counts. Recorded in the model file's `training` section and in the
//! report.

use leadscore_core::features::cutoff::Resolution;
use serde::Serialize;

use super::History;

/// Where the features of a closed lead stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cutoff {
    /// The wide shape: counts carry no time.
    NoTimes,
    /// One microsecond before the outcome.
    BeforeOutcome,
    /// Activity times are whole days: one microsecond before the start of
    /// the outcome's day (UTC).
    BeforeOutcomeDay,
}

impl Cutoff {
    /// The rule in words, as the model file and the report state it.
    pub fn rule(self) -> &'static str {
        match self {
            Cutoff::NoTimes => {
                "wide shape: counts as exported (no times); open leads are not training rows"
            }
            Cutoff::BeforeOutcome => {
                "features as of outcome_at - 1 microsecond; open leads are not training rows"
            }
            Cutoff::BeforeOutcomeDay => {
                "activity times are whole days (all at midnight UTC), so features are as of the \
                 start of the outcome day - 1 microsecond: activity on the outcome day is not \
                 counted; open leads are not training rows"
            }
        }
    }
}

/// Sets the cutoff of an event-shape history whose activities are read
/// (its leads are as of one microsecond before the outcome): the start of
/// the outcome day when every activity of the export is at midnight. The
/// rule is the core's ([`Resolution`]), the one the live service applies
/// per lead; the export decides as a whole (one file, one resolution).
pub fn apply(history: &mut History) {
    let resolution = Resolution::of(history.events.at.iter().copied());
    history.cutoff = match resolution {
        Resolution::Instants => Cutoff::BeforeOutcome,
        Resolution::Days => Cutoff::BeforeOutcomeDay,
    };
    if resolution == Resolution::Days {
        for lead in &mut history.leads {
            if let Some(at) = lead.outcome_at {
                lead.as_of = resolution.outcome_as_of(at);
            }
        }
    }
}
