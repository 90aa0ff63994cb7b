//! The earliest time a lead's score may leave a band, by bisection on
//! bounds: over a stretch `[a, b]` with no pending activity, every term of
//! the logit is monotone, so the logit lies between the sum of each
//! term's smaller end and the sum of each term's larger end.

use std::collections::BTreeMap;

use super::{MAX_SEARCH_EVALUATIONS, SEARCH_RESOLUTION};
use crate::features::{LeadFeatureState, StateError};
use crate::model::LinearModel;
use crate::model::linear::logistic;
use crate::time::{Span, Timestamp};

/// How far the scorer's logit may be from a bound's sum by rounding
/// alone, relative to the sum of the terms' magnitudes: the scorer adds
/// the terms in another order, and `n` additions round by at most
/// `n · 1.1e-16` of that sum, so this covers thousands of features.
const LOGIT_ROUNDING: f64 = 1e-12;

/// Where the score must stay for the lead not to be due.
#[derive(Debug, Clone, Copy)]
pub(super) enum Band {
    /// Probability at or above the threshold (an MQL's behavior verdict).
    AtLeast(f64),
    /// Probability below the threshold.
    Below(f64),
    /// Score (`100 · probability`) within these points, inclusive.
    Within(f64, f64),
}

impl Band {
    /// Whether every probability in `[lo, hi]` is inside the band.
    fn holds(&self, lo: f64, hi: f64) -> bool {
        match *self {
            Band::AtLeast(t) => lo >= t,
            Band::Below(t) => hi < t,
            Band::Within(min, max) => lo * 100.0 >= min && hi * 100.0 <= max,
        }
    }
}

/// The lead's score as a function of time, from its feature state.
pub(super) struct Curve<'a> {
    model: &'a LinearModel,
    state: &'a LeadFeatureState,
    attributes: &'a BTreeMap<String, String>,
}

/// The score at one time, with its terms.
#[derive(Debug, Clone)]
pub(super) struct Point {
    /// The time.
    at: Timestamp,
    /// The scorer's probability (the same computation as its answer).
    pub(super) probability: f64,
    /// The scorer's logit.
    logit: f64,
    /// `w_i · x_i` per feature, in feature order.
    terms: Vec<f64>,
}

impl<'a> Curve<'a> {
    /// The curve of `state` with `attributes` under `model`.
    pub(super) fn new(
        model: &'a LinearModel,
        state: &'a LeadFeatureState,
        attributes: &'a BTreeMap<String, String>,
    ) -> Curve<'a> {
        Curve {
            model,
            state,
            attributes,
        }
    }

    /// The score at `at`, computed as the scorer computes it.
    pub(super) fn at(&self, at: Timestamp) -> Result<Point, StateError> {
        let x = self
            .state
            .features(self.model.features(), at, self.attributes)?;
        let e = self.model.explain(&x);
        let weights = self.model.weights();
        Ok(Point {
            at,
            probability: e.probability,
            logit: e.logit,
            terms: x.values.iter().zip(weights).map(|(v, w)| w * v).collect(),
        })
    }

    /// Bounds on the probability over `[a.at, b.at]` (no pending activity
    /// inside): each term between its two ends, widened by rounding, and
    /// never narrower than the two exact ends.
    fn bounds(&self, a: &Point, b: &Point) -> (f64, f64) {
        let intercept = self.model.intercept();
        let (mut lo, mut hi, mut scale) = (intercept, intercept, intercept.abs());
        for (x, y) in a.terms.iter().zip(&b.terms) {
            lo += x.min(*y);
            hi += x.max(*y);
            scale += x.abs().max(y.abs());
        }
        let pad = LOGIT_ROUNDING * scale;
        let lo = (lo - pad).min(a.logit).min(b.logit);
        let hi = (hi + pad).max(a.logit).max(b.logit);
        (logistic(lo), logistic(hi))
    }
}

/// The earliest time in `[start.at, to]` (a stretch without pending
/// activity) at which the score may be outside `band`: never after the
/// first time it is, at most [`SEARCH_RESOLUTION`] before it where the
/// bound is tight; `None` when it provably stays inside.
pub(super) fn earliest_exit(
    curve: &Curve<'_>,
    band: &Band,
    start: &Point,
    to: Timestamp,
) -> Result<Option<Timestamp>, StateError> {
    if !band.holds(start.probability, start.probability) {
        return Ok(Some(start.at));
    }
    if to <= start.at {
        return Ok(None);
    }
    // Stretches still to prove, the earliest on top: everything before
    // the one on top has been proven inside the band.
    let mut stack = vec![(start.clone(), curve.at(to)?)];
    let mut evaluations = 2;
    while let Some((a, b)) = stack.pop() {
        let (lo, hi) = curve.bounds(&a, &b);
        if band.holds(lo, hi) {
            continue;
        }
        let width = b.at.since(a.at);
        if width <= SEARCH_RESOLUTION || evaluations >= MAX_SEARCH_EVALUATIONS {
            return Ok(Some(a.at));
        }
        let mid = curve.at(a.at.saturating_add(Span::micros(width.as_micros() / 2)))?;
        evaluations += 1;
        stack.push((mid.clone(), b));
        stack.push((a, mid));
    }
    Ok(None)
}
