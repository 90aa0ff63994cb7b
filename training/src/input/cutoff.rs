//! The time a closed lead's features are computed for (the leakage rule),
//! and the guard for day-resolution exports.
//!
//! Normally one microsecond before the outcome
//! ([`leadscore_core::features::outcome_as_of`]). But when every activity
//! time is a midnight (UTC), the export kept only dates: an activity on the
//! outcome day — the onboarding of a won customer — would sit at the
//! start of that day, "before" an outcome at 15:00, and leak the label. So
//! then the cutoff moves to the start of the outcome day: nothing on that
//! day counts. Recorded in the model file's `training` section and in the
//! report.

use leadscore_core::features::outcome_as_of;
use leadscore_core::time::{Span, Timestamp};
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

/// Whether `t` is a midnight (UTC).
fn is_midnight(t: Timestamp) -> bool {
    t.as_micros().rem_euclid(Span::days(1).as_micros()) == 0
}

/// The start (midnight UTC) of `t`'s day.
fn day_start(t: Timestamp) -> Timestamp {
    t.saturating_sub(Span::micros(
        t.as_micros().rem_euclid(Span::days(1).as_micros()),
    ))
}

/// Sets the cutoff of an event-shape history whose activities are read
/// (its leads are as of one microsecond before the outcome): the start of
/// the outcome day when every activity is at midnight.
pub fn apply(history: &mut History) {
    let events = &history.events.at;
    if events.is_empty() || !events.iter().all(|&t| is_midnight(t)) {
        history.cutoff = Cutoff::BeforeOutcome;
        return;
    }
    history.cutoff = Cutoff::BeforeOutcomeDay;
    for lead in &mut history.leads {
        if let Some(at) = lead.outcome_at {
            lead.as_of = outcome_as_of(day_start(at));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_start_and_midnight() {
        let t = Timestamp::parse_rfc3339("2024-03-05T15:30:00Z").unwrap();
        let day = Timestamp::parse_rfc3339("2024-03-05T00:00:00Z").unwrap();
        assert_eq!(day_start(t), day);
        assert_eq!(day_start(day), day);
        assert!(is_midnight(day) && !is_midnight(t));
        let old = Timestamp::parse_rfc3339("1969-12-31T06:00:00Z").unwrap();
        assert_eq!(day_start(old).to_rfc3339(), "1969-12-31T00:00:00Z");
    }
}
