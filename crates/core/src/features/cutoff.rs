//! The time a closed lead's features are computed for (the leakage rule),
//! one rule for the training job and the live service.
//!
//! Normally one microsecond before the outcome ([`outcome_as_of`]): nothing
//! at or after the outcome counts. But when activity times carry only
//! dates (every one at midnight UTC, [`Resolution::Days`]), an activity on
//! the outcome day — the onboarding of a won customer — sits at the start
//! of that day, "before" an outcome at 15:00, and would leak the label.
//! Then the cutoff is the start of the outcome day: nothing on that day
//! counts ([`Resolution::outcome_as_of`]).
//!
//! Who decides the resolution: training, over the whole export (one file,
//! one resolution; every row is cut the same way). The live service has no
//! export: its leads mix sources (a CRM import of dates, a tracker's
//! instants), so it decides per lead, from that lead's activities before
//! its outcome ([`closed_lead_as_of`]). Per lead errs only towards leaving
//! out one day: a lead whose every activity with real times happens to fall
//! exactly on a midnight loses its outcome day's activity, never gains any.

use super::outcome_as_of;
use crate::time::{Span, Timestamp};

/// The resolution of a set of activity times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Times of day are known (or there is no activity).
    Instants,
    /// Every time is a midnight (UTC): only dates are known.
    Days,
}

impl Resolution {
    /// [`Resolution::Days`] when there is at least one time and every one
    /// is a midnight (UTC), else [`Resolution::Instants`].
    pub fn of(times: impl IntoIterator<Item = Timestamp>) -> Resolution {
        let mut any = false;
        for t in times {
            if !is_midnight(t) {
                return Resolution::Instants;
            }
            any = true;
        }
        if any {
            Resolution::Days
        } else {
            Resolution::Instants
        }
    }

    /// The features' time of a lead closed at `outcome_at` whose activity
    /// times have this resolution: [`outcome_as_of`] of the outcome, or of
    /// the start of its day for [`Resolution::Days`].
    pub fn outcome_as_of(self, outcome_at: Timestamp) -> Timestamp {
        match self {
            Resolution::Instants => outcome_as_of(outcome_at),
            Resolution::Days => outcome_as_of(day_start(outcome_at)),
        }
    }
}

/// The features' time of a live lead closed at `outcome_at` with activities
/// at `activity_times` (any order; those at or after the outcome do not
/// decide, as they never count): the per-lead rule of the module docs.
pub fn closed_lead_as_of(
    outcome_at: Timestamp,
    activity_times: impl IntoIterator<Item = Timestamp>,
) -> Timestamp {
    let before = activity_times.into_iter().filter(|t| *t < outcome_at);
    Resolution::of(before).outcome_as_of(outcome_at)
}

/// A live lead's outcome and the time its features are computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closing {
    /// When it was won or lost.
    pub outcome_at: Timestamp,
    /// [`closed_lead_as_of`] of the outcome and the lead's activities.
    pub as_of: Timestamp,
}

impl Closing {
    /// The closing at `outcome_at` of a lead with activities at
    /// `activity_times` (see [`closed_lead_as_of`]).
    pub fn of_lead(
        outcome_at: Timestamp,
        activity_times: impl IntoIterator<Item = Timestamp>,
    ) -> Closing {
        Closing {
            outcome_at,
            as_of: closed_lead_as_of(outcome_at, activity_times),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> Timestamp {
        Timestamp::parse_rfc3339(rfc3339).unwrap()
    }

    #[test]
    fn day_start_and_midnight() {
        let t = at("2024-03-05T15:30:00Z");
        let day = at("2024-03-05T00:00:00Z");
        assert_eq!(day_start(t), day);
        assert_eq!(day_start(day), day);
        assert!(is_midnight(day) && !is_midnight(t));
        let old = at("1969-12-31T06:00:00Z");
        assert_eq!(day_start(old).to_rfc3339(), "1969-12-31T00:00:00Z");
    }

    #[test]
    fn date_only_activities_cut_a_closed_lead_at_the_start_of_its_outcome_day() {
        let outcome = at("2024-03-05T15:00:00Z");
        let dates = [at("2024-03-01T00:00:00Z"), at("2024-03-05T00:00:00Z")];
        let day_before = at("2024-03-04T23:59:59.999999Z");
        assert_eq!(Resolution::of(dates), Resolution::Days);
        assert_eq!(closed_lead_as_of(outcome, dates), day_before);
        // A time of day before the outcome: instants, cut just before it.
        let mixed = [dates[0], at("2024-03-05T09:12:00Z")];
        assert_eq!(closed_lead_as_of(outcome, mixed), outcome_as_of(outcome));
        // Later activity never counts, so it does not decide.
        let later = [dates[0], at("2024-03-06T09:12:00Z")];
        assert_eq!(closed_lead_as_of(outcome, later), day_before);
        // No activity: the plain rule.
        assert_eq!(closed_lead_as_of(outcome, []), outcome_as_of(outcome));
    }
}
