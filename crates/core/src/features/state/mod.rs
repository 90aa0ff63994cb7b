//! A lead's feature state: what [`CompiledFeatures::compute`] needs from a
//! lead's whole activity history, kept small and updated one activity at a
//! time, so a lead is scored exactly without reading its history.
//!
//! Decay is multiplicative, so the decayed count of one activity type is
//! a number at a reference time: `S(t) = S(t_ref) · 0.5^((t − t_ref) / h)`.
//! Per activity type (by name, known to the model or not) the state keeps
//! its dedupe chain folded into that number with `t_ref` the newest kept
//! activity, the count of kept activities (the `unscored` count of a type
//! the model does not know), the newest activity (qualification's
//! hand-raise, recycles) and the activities dated after the state's
//! clock. The reference time is always the newest kept activity and every
//! folded weight is of an age ≥ 0, so every factor is in (0, 1]: nothing
//! can overflow, and `0.5^(−x)` is never computed.
//!
//! The state depends only on the spec's [`Decay`] (the shared half-life,
//! the per-type half-lives and the dedupe window), not on its feature
//! list or units: any model with the same decay, active or shadow, scores
//! from the same state; another decay (a per-type half-life changed
//! included) needs a rebuild from the log ([`LeadFeatureState::rebuild`]).
//! Each type's chain is folded at its own rate ([`Decay::of_type`]).
//!
//! # Time
//! The state has a clock (the latest `now` it was given). Activities at or
//! before it are folded; later ones (at most a day ahead: the clock-skew
//! allowance) are pending and count from their time on, when
//! [`LeadFeatureState::features`] is asked about a later time or the clock
//! passes them ([`LeadFeatureState::advance`]). The state answers for any
//! `as_of` at or after its newest folded activity ([`LeadFeatureState::horizon`]).
//!
//! # Cost model
//! With `T` activity types on the lead and `P` pending activities:
//! - [`LeadFeatureState::apply`]: `O(log T + T)` (the clock moves every
//!   type's due pending activities in) — independent of how many
//!   activities the lead has — for an activity at or after the newest kept
//!   one of its type (the common case), any activity without a dedupe
//!   window, and any pending one.
//! - An activity earlier than the newest kept one of its type, with a
//!   dedupe window, can flip which later ones are kept (the chain
//!   cascades): [`Applied::NeedsReplay`] names the type, and
//!   [`LeadFeatureState::rebuild_type`] rebuilds it from that type's
//!   logged activities, `O(k log k)` for `k` of them. Until then the state
//!   refuses to answer ([`StateError::NeedsReplay`]) rather than answer
//!   wrongly.
//! - [`LeadFeatureState::features`]: `O(T + P)`, no history read.
//! - Size: about 90 bytes of JSON per activity type plus 17 per pending
//!   activity (times are microseconds since the epoch).
//!
//! Event ids: the store refuses a repeated event id on one lead, so every
//! activity given to the state is a distinct event; the state does not
//! de-duplicate ids (`compute` counts a repeated id once).

mod apply;
mod chain;
#[cfg(test)]
mod exactness;
mod facts;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{ActivitySums, CompiledFeatures, Decay, FeatureVector};
use crate::time::Timestamp;
use chain::TypeChain;

pub use apply::{Applied, Replay};

/// Why a [`LeadFeatureState`] cannot answer; the store then rebuilds the
/// state (or scores from the log).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StateError {
    /// The state was built under another half-life or dedupe window.
    #[error(
        "the feature state was built for {state:?}, the model needs {model:?}; rebuild it from the log"
    )]
    DecayMismatch {
        /// The state's decay.
        state: Decay,
        /// The model's decay.
        model: Decay,
    },
    /// Activity types (or, when `lead` is set, the whole lead) wait for a
    /// replay from the log.
    #[error("the feature state waits for a replay from the log: {0:?}")]
    NeedsReplay(Replay),
    /// `as_of` is before an activity the state already folded.
    #[error("as_of {as_of} is before the feature state's newest folded activity at {horizon}")]
    BeforeHorizon {
        /// The time asked about.
        as_of: Timestamp,
        /// The state's newest folded activity.
        horizon: Timestamp,
    },
}

/// A lead's feature state under one [`Decay`] (see the module docs). Stored
/// as one compact JSON value per lead (short field names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadFeatureState {
    /// The decay the sums were folded under.
    #[serde(rename = "d")]
    decay: Decay,
    /// The latest `now` given: activities at or before it are folded.
    #[serde(rename = "c")]
    clock: Timestamp,
    /// The last recycle: activities before it do not count.
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    since: Option<Timestamp>,
    /// Per activity type (normalized name), its chain.
    #[serde(rename = "t", default, skip_serializing_if = "BTreeMap::is_empty")]
    types: BTreeMap<String, TypeChain>,
    /// Pre-aggregated counts, as the lead gave them (undecayed).
    #[serde(rename = "n", default, skip_serializing_if = "Vec::is_empty")]
    counts: Vec<(String, f64)>,
    /// Types that wait for [`LeadFeatureState::rebuild_type`].
    #[serde(rename = "x", default, skip_serializing_if = "BTreeSet::is_empty")]
    stale: BTreeSet<String>,
    /// Whether the whole lead waits for [`LeadFeatureState::rebuild`].
    #[serde(rename = "z", default, skip_serializing_if = "std::ops::Not::not")]
    stale_lead: bool,
}

impl LeadFeatureState {
    /// The state of a lead without activities, under `decay`.
    pub fn new(decay: Decay) -> LeadFeatureState {
        LeadFeatureState {
            decay,
            clock: Timestamp::MIN,
            since: None,
            types: BTreeMap::new(),
            counts: Vec::new(),
            stale: BTreeSet::new(),
            stale_lead: false,
        }
    }

    /// The decay the state was built under.
    pub fn decay(&self) -> &Decay {
        &self.decay
    }

    /// The latest `now` the state was given.
    pub fn clock(&self) -> Timestamp {
        self.clock
    }

    /// The last recycle, before which activities do not count.
    pub fn since(&self) -> Option<Timestamp> {
        self.since
    }

    /// Sets the lead's pre-aggregated counts (type, total), added
    /// undecayed like [`super::FeatureInput::counts`].
    pub fn set_counts(&mut self, counts: Vec<(String, f64)>) {
        self.counts = counts;
    }

    /// The newest folded activity: the state answers for any `as_of` at or
    /// after it (`None`: for any time).
    pub fn horizon(&self) -> Option<Timestamp> {
        self.types
            .values()
            .filter_map(|c| c.folded.map(|f| f.newest))
            .max()
    }

    /// The first pending activity after `t`: when the score next steps
    /// without a new event.
    pub fn next_pending_after(&self, t: Timestamp) -> Option<Timestamp> {
        self.types
            .values()
            .filter_map(|c| c.pending.iter().find(|p| **p > t).copied())
            .min()
    }

    /// What must be replayed before the state answers again.
    pub fn replay_needed(&self) -> Replay {
        if self.stale_lead {
            Replay::Lead
        } else if self.stale.is_empty() {
            Replay::Nothing
        } else {
            Replay::Types(self.stale.iter().cloned().collect())
        }
    }

    /// Refuses a state built under another decay than `features`', one
    /// waiting for a replay, and an `as_of` before the horizon.
    pub fn check(&self, features: &CompiledFeatures, as_of: Timestamp) -> Result<(), StateError> {
        if self.decay != *features.decay() {
            return Err(StateError::DecayMismatch {
                state: self.decay.clone(),
                model: features.decay().clone(),
            });
        }
        match self.replay_needed() {
            Replay::Nothing => {}
            replay => return Err(StateError::NeedsReplay(replay)),
        }
        match self.horizon() {
            Some(horizon) if as_of < horizon => Err(StateError::BeforeHorizon { as_of, horizon }),
            _ => Ok(()),
        }
    }

    /// The feature vector of the lead as of `as_of` with its profile
    /// `attributes`: what [`CompiledFeatures::compute`] gives on the lead's
    /// whole (counted) history, within floating-point rounding (1e-9
    /// relative, far less in practice), including `unscored`.
    pub fn features(
        &self,
        features: &CompiledFeatures,
        as_of: Timestamp,
        attributes: &BTreeMap<String, String>,
    ) -> Result<FeatureVector, StateError> {
        self.check(features, as_of)?;
        let mut sums = ActivitySums::empty(features);
        for (activity_type, chain) in &self.types {
            let type_decay = self.decay.of_type(activity_type);
            let Some(f) = chain.as_of(as_of, type_decay) else {
                continue;
            };
            match features.activity_index(activity_type) {
                // `as_of` ≥ the horizon ≥ `last_kept`: the age is ≥ 0.
                Some(i) => sums.decayed[i] = f.sum * type_decay.weight(as_of.since(f.last_kept)),
                None => {
                    sums.unscored.insert(activity_type.clone(), f.kept as f64);
                }
            }
        }
        let counts = self.counts.iter().map(|(t, c)| (t.as_str(), *c));
        Ok(features.finish(sums, counts, attributes))
    }
}
