//! When a stored lead must next be re-scored although no event arrived:
//! the sweep indexes leads by this time and reads only the due ones.
//!
//! Between two of a lead's activities its score moves by decay alone.
//! Each activity term `w_i · ln(1 + S_i(t) / u_i)` is monotone in `t`
//! (the decayed count `S_i` only shrinks; positive terms fall, negative
//! ones rise; with per-type half-lives each `S_i` shrinks at its own
//! type's rate, still monotone, and the bound is per term), so over any stretch of time every term lies between its
//! values at the two ends. That bounds the score over the stretch, and
//! [`search`] splits stretches (bisection) until the bound proves the score
//! stays put or the stretch is [`SEARCH_RESOLUTION`] short: crossings are
//! found from the model, never guessed.
//!
//! [`next_due`] returns the earliest of:
//! - [`DueReason::MqlCrossing`]: the probability crosses the MQL threshold;
//! - [`DueReason::HandRaiseExpires`]: the newest hand-raise leaves the
//!   rules' window;
//! - [`DueReason::PendingActivity`]: an activity dated ahead starts to count;
//! - [`DueReason::ScoreDrift`]: the score (0–100) moves by more than the
//!   tolerance from its value now.
//!
//! # Guarantee
//! For every `t` in `[now, due)` the answer of
//! [`crate::scoring::Scorer::score_state`] at `t` has the stage of the
//! answer at `now` (the stage depends on time only through the behavior
//! and hand-raise verdicts), the same hand-raise verdict, and a score
//! within the tolerance of the score at `now`; `None` means that holds
//! until a new event. The due time is never after the change it
//! announces; it is at most [`SEARCH_RESOLUTION`] before it when the score
//! moves one way (all activity weights of one sign), and may be earlier
//! when positive and negative terms nearly balance at the threshold (the
//! bound cannot tell a near miss from a crossing): then re-scoring finds
//! nothing and the next due time is computed from there. A crossing of a
//! lead that another criterion keeps from MQL is announced too (cheap, and
//! no stage logic is copied here).

mod search;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use crate::features::{LeadFeatureState, StateError};
use crate::qualification::recent_hand_raise;
use crate::scoring::Scorer;
use crate::time::{Span, Timestamp};
use search::{Band, Curve};

/// The score tolerance of [`next_due`] the store is expected to use: a
/// stored score is within half a point (0–100 scale) of the exact one.
pub const DEFAULT_SCORE_TOLERANCE_POINTS: f64 = 0.5;

/// The search stops splitting a stretch this short: a due time found by
/// the search is at most this much before the change it announces.
pub const SEARCH_RESOLUTION: Span = Span::seconds(1);

/// Most score evaluations one search makes (each is one feature vector
/// from the state); past it the search answers the start of the stretch
/// it is in, which is early, never late. 45 halvings span the whole time
/// range at [`SEARCH_RESOLUTION`], so only near-balanced terms get near it.
pub const MAX_SEARCH_EVALUATIONS: usize = 4_096;

/// Why a lead is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueReason {
    /// The probability may cross the MQL threshold.
    MqlCrossing,
    /// The newest hand-raise leaves the rules' window.
    HandRaiseExpires,
    /// An activity dated ahead starts to count.
    PendingActivity,
    /// The score may move by more than the tolerance.
    ScoreDrift,
}

/// When a lead is next due, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// The earliest time re-scoring may find something changed.
    pub at: Timestamp,
    /// What may change then (on a tie, the first in [`DueReason`] order).
    pub reason: DueReason,
}

/// The earliest of the candidate times offered, with its reason.
#[derive(Default)]
struct Earliest(Option<Due>);

impl Earliest {
    fn offer(&mut self, at: Option<Timestamp>, reason: DueReason) {
        if let Some(at) = at
            && self.0.is_none_or(|d| at < d.at)
        {
            self.0 = Some(Due { at, reason });
        }
    }
}

/// When the lead with feature `state` and profile `attributes`, scored by
/// `scorer` at `now`, is next due (see the module docs), with a score
/// tolerance of `tolerance_points` (negative or NaN count as 0, which only
/// makes leads due sooner). An error is the state's: rebuild it first.
pub fn next_due(
    scorer: &Scorer,
    state: &LeadFeatureState,
    attributes: &BTreeMap<String, String>,
    now: Timestamp,
    tolerance_points: f64,
) -> Result<Option<Due>, StateError> {
    let curve = Curve::new(&scorer.model, state, attributes);
    let start = curve.at(now)?;
    let pending = state.next_pending_after(now);
    // Decay alone moves the score until just before the next pending activity.
    let end = pending.map_or(Timestamp::MAX, |p| p.saturating_sub(Span::micros(1)));
    let threshold = scorer.mql_threshold();
    let side = if start.probability >= threshold {
        Band::AtLeast(threshold)
    } else {
        Band::Below(threshold)
    };
    let mut due = Earliest::default();
    due.offer(
        search::earliest_exit(&curve, &side, &start, end)?,
        DueReason::MqlCrossing,
    );
    due.offer(
        hand_raise_expiry(scorer, state, now),
        DueReason::HandRaiseExpires,
    );
    due.offer(pending, DueReason::PendingActivity);
    // The score needs watching only until the lead is due anyway.
    let drift_end = due.0.map_or(end, |d| d.at.min(end));
    let tolerance = tolerance_points.max(0.0);
    let points = start.probability * 100.0;
    let band = Band::Within(points - tolerance, points + tolerance);
    due.offer(
        search::earliest_exit(&curve, &band, &start, drift_end)?,
        DueReason::ScoreDrift,
    );
    Ok(due.0)
}

/// The first instant the newest hand-raise at or before `now` is outside
/// the rules' window, if one is inside it now (`as_of − at ≤ window` holds
/// through `at + window`).
fn hand_raise_expiry(
    scorer: &Scorer,
    state: &LeadFeatureState,
    now: Timestamp,
) -> Option<Timestamp> {
    let sql = &scorer.rules.sql;
    let (_, at) = recent_hand_raise(sql, state, now)?;
    let window = Span::days(i64::from(sql.hand_raise_within_days));
    at.checked_add(window)?.checked_add(Span::micros(1))
}
