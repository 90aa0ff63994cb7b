//! The time side of what a feature is: the decay weight of an activity and
//! the dedupe chain rule that drops rapid repeats of one type.
//!
//! [`super::CompiledFeatures::compute`] (the full history) and
//! [`super::LeadFeatureState`] (one lead's running state) both weigh and
//! debounce through this one [`Decay`], so the two cannot drift apart.

use serde::{Deserialize, Serialize};

use super::FeatureSpec;
use crate::time::{Span, Timestamp};

/// Half-life and dedupe window of a [`FeatureSpec`], with the decay rate
/// derived from them. Two specs with equal `Decay` give every activity
/// the same weight and keep the same repeats, so a [`super::LeadFeatureState`]
/// built under one serves the other (units and feature lists may differ).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(from = "DecayParams", into = "DecayParams")]
pub struct Decay {
    /// Half-life rounded to the microsecond; `None`: no decay.
    half_life: Option<Span>,
    /// Repeats of a type closer than this to the last kept one are dropped.
    dedupe_window: Span,
    /// ln(2) / half-life in microseconds, or 0 for no decay (derived).
    rate: f64,
}

/// What a [`Decay`] is stored as: the rate is derived again on reading.
#[derive(Serialize, Deserialize)]
struct DecayParams {
    #[serde(rename = "h")]
    half_life: Option<Span>,
    #[serde(rename = "w")]
    dedupe_window: Span,
}

impl From<DecayParams> for Decay {
    fn from(p: DecayParams) -> Decay {
        Decay::new(p.half_life, p.dedupe_window)
    }
}

impl From<Decay> for DecayParams {
    fn from(d: Decay) -> DecayParams {
        DecayParams {
            half_life: d.half_life,
            dedupe_window: d.dedupe_window,
        }
    }
}

impl Decay {
    /// The decay of `half_life` (`None`: no decay) and `dedupe_window`.
    /// Model validation keeps half-lives > 0.
    pub fn new(half_life: Option<Span>, dedupe_window: Span) -> Decay {
        let rate = half_life.map_or(0.0, |h| std::f64::consts::LN_2 / h.as_micros() as f64);
        Decay {
            half_life,
            dedupe_window,
            rate,
        }
    }

    /// The decay `spec` describes.
    pub fn of(spec: &FeatureSpec) -> Decay {
        Decay::new(
            spec.half_life_days.map(Span::from_days_f64),
            Span::seconds(i64::from(spec.dedupe_window_seconds)),
        )
    }

    /// The half-life, if activities decay.
    pub fn half_life(&self) -> Option<Span> {
        self.half_life
    }

    /// The dedupe window.
    pub fn dedupe_window(&self) -> Span {
        self.dedupe_window
    }

    /// `0.5^(age / half_life)`, 1 without decay. For `age >= 0` the weight
    /// is in [0, 1]: never infinite (callers only pass ages ≥ 0).
    pub fn weight(&self, age: Span) -> f64 {
        (-self.rate * age.as_micros() as f64).exp()
    }

    /// Whether an activity at `at` repeats the last kept one of its type,
    /// at `last_kept` (≤ `at`), and so does not count: the chain rule of
    /// the dedupe window.
    pub fn is_repeat(&self, last_kept: Timestamp, at: Timestamp) -> bool {
        at.since(last_kept) < self.dedupe_window
    }
}
