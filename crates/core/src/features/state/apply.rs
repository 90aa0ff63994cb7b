//! Changing a [`LeadFeatureState`]: one activity, the clock, a recycle, and
//! the replays from the log that the rare inexact cases ask for.

use std::collections::BTreeMap;

use super::LeadFeatureState;
use super::chain::TypeChain;
use crate::features::Decay;
use crate::time::Timestamp;

/// What [`LeadFeatureState::apply`] did with an activity.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "NeedsReplay asks the caller to rebuild a type from the log"]
pub enum Applied {
    /// Folded in exactly: counted, or a repeat inside the dedupe window.
    Folded,
    /// Dated after the clock: held, it counts from its time on.
    Pending,
    /// Before the lead's last recycle: it does not count.
    BeforeRecycle,
    /// Not applied, because only the log can place it: earlier than the
    /// newest kept activity of its type with a dedupe window, it may
    /// change which later activities of the type are kept
    /// ([`Replay::Types`] with its type; rebuild that type from its logged
    /// activities, this one included), or the state already waits for a
    /// replay. The state refuses to answer until the replay is done.
    NeedsReplay(Replay),
}

/// What must be read from the log before a state answers again.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a replay that is not done leaves the state refusing to answer"]
pub enum Replay {
    /// Nothing: the state is exact.
    Nothing,
    /// These activity types: [`LeadFeatureState::rebuild_type`] each.
    Types(Vec<String>),
    /// The whole lead: [`LeadFeatureState::rebuild`].
    Lead,
}

impl LeadFeatureState {
    /// The state of a lead whose counted activities are `events` (type,
    /// time; in any order; those before `since` are skipped), as of clock
    /// `now`, under `decay`: one pass, then a sort per type (`O(n log n)`,
    /// linear on the time-ordered rows a log gives). Counts start empty
    /// ([`Self::set_counts`]).
    pub fn rebuild<'a>(
        decay: Decay,
        since: Option<Timestamp>,
        now: Timestamp,
        events: impl IntoIterator<Item = (&'a str, Timestamp)>,
    ) -> LeadFeatureState {
        let mut by_type: BTreeMap<&str, Vec<Timestamp>> = BTreeMap::new();
        for (activity_type, at) in events {
            if since.is_none_or(|s| at >= s) {
                by_type.entry(activity_type).or_default().push(at);
            }
        }
        let mut state = LeadFeatureState::new(decay);
        state.clock = now;
        state.since = since;
        for (activity_type, mut times) in by_type {
            times.sort_unstable();
            let type_decay = state.decay.of_type(activity_type);
            let chain = TypeChain::from_sorted(&times, now, type_decay);
            state.types.insert(activity_type.to_owned(), chain);
        }
        state
    }

    /// Rebuilds one activity type from `times`, all of the lead's logged
    /// activities of that type (any order; those before the last recycle
    /// are skipped), after [`Applied::NeedsReplay`] or [`Replay::Types`].
    pub fn rebuild_type(
        &mut self,
        activity_type: &str,
        times: impl IntoIterator<Item = Timestamp>,
    ) {
        let since = self.since;
        let mut times: Vec<Timestamp> = times
            .into_iter()
            .filter(|at| since.is_none_or(|s| *at >= s))
            .collect();
        times.sort_unstable();
        let type_decay = self.decay.of_type(activity_type);
        let chain = TypeChain::from_sorted(&times, self.clock, type_decay);
        if chain.is_empty() {
            self.types.remove(activity_type);
        } else {
            self.types.insert(activity_type.to_owned(), chain);
        }
        self.stale.remove(activity_type);
    }

    /// Applies one activity of `activity_type` at `at`, received at `now`
    /// (the clock moves to `now` if later, folding what became due). The
    /// activity is a distinct event (the store refuses repeated ids).
    pub fn apply(&mut self, activity_type: &str, at: Timestamp, now: Timestamp) -> Applied {
        let outcome = self.place(activity_type, at);
        self.advance(now);
        match outcome {
            // Held past the old clock, folded by the new one (in order).
            Applied::Pending if at <= self.clock => Applied::Folded,
            outcome => outcome,
        }
    }

    /// [`Self::apply`] without moving the clock.
    fn place(&mut self, activity_type: &str, at: Timestamp) -> Applied {
        if self.since.is_some_and(|s| at < s) {
            return Applied::BeforeRecycle;
        }
        let needs_replay = || Applied::NeedsReplay(Replay::Types(vec![activity_type.to_owned()]));
        if self.stale_lead {
            return Applied::NeedsReplay(Replay::Lead);
        }
        if self.stale.contains(activity_type) {
            return needs_replay();
        }
        let type_decay = self.decay.of_type(activity_type);
        let chain = self.types.entry(activity_type.to_owned()).or_default();
        if at > self.clock {
            chain.hold(at);
            return Applied::Pending;
        }
        match chain.fold(at, type_decay) {
            Ok(()) => Applied::Folded,
            Err(_) => {
                self.stale.insert(activity_type.to_owned());
                needs_replay()
            }
        }
    }

    /// Moves the clock to `now` if later, folding the pending activities
    /// it reaches (the stored form then carries them folded). Never needed
    /// for exactness: [`Self::features`] counts due pending activities.
    pub fn advance(&mut self, now: Timestamp) {
        if now <= self.clock {
            return;
        }
        self.clock = now;
        for (activity_type, chain) in &mut self.types {
            chain.advance(now, self.decay.of_type(activity_type));
        }
    }

    /// The lead was recycled at `at`: activities before `at` stop counting
    /// (the store's `recycled_at` filter). Exact without the log when
    /// nothing folded is at or after `at` (a recycle at `now` after the
    /// state's activities); otherwise the types (or, for a recycle earlier
    /// than the last one, the whole lead) wait for a replay.
    pub fn recycle(&mut self, at: Timestamp) -> Replay {
        if self.since.is_some_and(|s| at < s) {
            // Activities in [at, since) were dropped: only the log has them.
            self.since = Some(at);
            self.stale_lead = true;
            return Replay::Lead;
        }
        self.since = Some(at);
        let mut stale = Vec::new();
        self.types.retain(|activity_type, chain| {
            if chain.recycle(at).is_err() {
                stale.push(activity_type.clone());
            }
            !chain.is_empty()
        });
        self.stale.extend(stale);
        self.replay_needed()
    }
}
