//! The time side of what a feature is: the decay weight of an activity and
//! the dedupe chain rule that drops rapid repeats of one type.
//!
//! [`super::CompiledFeatures::compute`] (the full history) and
//! [`super::LeadFeatureState`] (one lead's running state) both weigh and
//! debounce through this one [`Decay`], so the two cannot drift apart.
//! Each activity type decays at its own rate ([`Decay::of_type`]): the
//! spec's per-type half-life where it has one, else the shared one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::FeatureSpec;
use crate::time::{Span, Timestamp};

/// Half-lives (shared and per activity type) and dedupe window of a
/// [`FeatureSpec`]. Two specs with equal `Decay` give every activity the
/// same weight and keep the same repeats, so a [`super::LeadFeatureState`]
/// built under one serves the other (units and feature lists may differ);
/// a change of any half-life, per-type ones included, needs a rebuild.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "DecayParams", into = "DecayParams")]
pub struct Decay {
    /// Shared half-life rounded to the microsecond; `None`: no decay.
    half_life: Option<Span>,
    /// Per-type half-lives, only those that differ from the shared one
    /// (so a map that repeats it is the same decay, needing no rebuild).
    by_type: BTreeMap<String, Span>,
    /// The decay of a type without its own half-life (derived).
    shared: TypeDecay,
}

/// How one activity type decays and debounces: its rate and the dedupe
/// window (shared by every type). The one place weights are computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TypeDecay {
    /// ln(2) / half-life in microseconds, or 0 for no decay.
    rate: f64,
    /// Repeats of a type closer than this to the last kept one are dropped.
    dedupe_window: Span,
}

/// What a [`Decay`] is stored as: the rates are derived again on reading.
/// Without per-type half-lives it is the form stored before they existed,
/// so stored states of such models stay valid.
#[derive(Serialize, Deserialize)]
struct DecayParams {
    #[serde(rename = "h")]
    half_life: Option<Span>,
    #[serde(rename = "b", default, skip_serializing_if = "BTreeMap::is_empty")]
    by_type: BTreeMap<String, Span>,
    #[serde(rename = "w")]
    dedupe_window: Span,
}

impl From<DecayParams> for Decay {
    fn from(p: DecayParams) -> Decay {
        Decay::new(p.half_life, p.by_type, p.dedupe_window)
    }
}

impl From<Decay> for DecayParams {
    fn from(d: Decay) -> DecayParams {
        DecayParams {
            half_life: d.half_life,
            dedupe_window: d.shared.dedupe_window,
            by_type: d.by_type,
        }
    }
}

impl TypeDecay {
    /// The decay of `half_life` (`None`: no decay) with `dedupe_window`.
    fn new(half_life: Option<Span>, dedupe_window: Span) -> TypeDecay {
        // At least a microsecond: a half-life that rounds to zero would
        // make the rate infinite and the weight of age 0 NaN.
        let micros = |h: Span| h.as_micros().max(1) as f64;
        TypeDecay {
            rate: half_life.map_or(0.0, |h| std::f64::consts::LN_2 / micros(h)),
            dedupe_window,
        }
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

    /// The dedupe window.
    pub fn dedupe_window(&self) -> Span {
        self.dedupe_window
    }
}

impl Decay {
    /// The decay of the shared `half_life` (`None`: no decay), the
    /// per-type half-lives `by_type` and `dedupe_window`. Model validation
    /// keeps half-lives > 0.
    pub fn new(
        half_life: Option<Span>,
        mut by_type: BTreeMap<String, Span>,
        dedupe_window: Span,
    ) -> Decay {
        by_type.retain(|_, h| Some(*h) != half_life);
        Decay {
            half_life,
            by_type,
            shared: TypeDecay::new(half_life, dedupe_window),
        }
    }

    /// The decay `spec` describes.
    pub fn of(spec: &FeatureSpec) -> Decay {
        let by_type = spec
            .half_life_days_by_type
            .iter()
            .map(|(t, d)| (t.clone(), Span::from_days_f64(*d)))
            .collect();
        Decay::new(
            spec.half_life_days.map(Span::from_days_f64),
            by_type,
            Span::seconds(i64::from(spec.dedupe_window_seconds)),
        )
    }

    /// The shared half-life, if activities without their own decay.
    pub fn half_life(&self) -> Option<Span> {
        self.half_life
    }

    /// The half-life of `activity_type`: its own, else the shared one.
    pub fn half_life_of(&self, activity_type: &str) -> Option<Span> {
        self.by_type.get(activity_type).copied().or(self.half_life)
    }

    /// How `activity_type` decays: at its own half-life, else the shared one.
    pub fn of_type(&self, activity_type: &str) -> TypeDecay {
        match self.by_type.get(activity_type) {
            Some(h) => TypeDecay::new(Some(*h), self.shared.dedupe_window),
            None => self.shared,
        }
    }

    /// The dedupe window (shared by every type).
    pub fn dedupe_window(&self) -> Span {
        self.shared.dedupe_window
    }

    /// [`TypeDecay::is_repeat`]: the window is the same for every type.
    pub fn is_repeat(&self, last_kept: Timestamp, at: Timestamp) -> bool {
        self.shared.is_repeat(last_kept, at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decay(by_type: &[(&str, i64)]) -> Decay {
        let by_type = by_type
            .iter()
            .map(|(t, d)| ((*t).to_owned(), Span::days(*d)))
            .collect();
        Decay::new(Some(Span::days(30)), by_type, Span::seconds(60))
    }

    #[test]
    fn each_type_decays_at_its_own_half_life_and_the_rest_at_the_shared_one() {
        let d = decay(&[("web_visit", 3)]);
        let half = |t: &str, days: i64| d.of_type(t).weight(Span::days(days));
        assert!((half("web_visit", 3) - 0.5).abs() < 1e-12);
        assert!((half("email_click", 30) - 0.5).abs() < 1e-12);
        assert_eq!(d.half_life_of("web_visit"), Some(Span::days(3)));
        assert_eq!(d.half_life_of("email_click"), Some(Span::days(30)));
    }

    #[test]
    fn a_per_type_half_life_equal_to_the_shared_one_is_the_same_decay() {
        assert_eq!(decay(&[("web_visit", 30)]), decay(&[]));
        assert_ne!(decay(&[("web_visit", 3)]), decay(&[]));
    }

    #[test]
    fn the_stored_form_without_per_type_half_lives_is_the_old_one() {
        let json = serde_json::to_string(&decay(&[])).unwrap();
        assert!(!json.contains("\"b\""), "{json}");
        let d = decay(&[("web_visit", 3)]);
        let back: Decay = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn a_half_life_rounding_to_zero_still_weighs_a_fresh_activity_one() {
        let d = Decay::new(Some(Span::ZERO), BTreeMap::new(), Span::ZERO);
        assert_eq!(d.of_type("x").weight(Span::ZERO), 1.0);
    }
}
