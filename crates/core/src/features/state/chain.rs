//! One activity type of a lead's feature state: its kept activities folded
//! into a decayed sum at the newest kept one (the end of its dedupe
//! chain), and the activities dated after the state's clock, held until
//! time reaches them.

use serde::{Deserialize, Serialize};

use crate::features::TypeDecay;
use crate::time::Timestamp;

/// The folded activities of one type (all at or before the state's clock).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(super) struct Folded {
    /// Σ weight(last_kept − t) over the kept activities t: the decayed
    /// count as of `last_kept`. At least 1 (the newest kept weighs 1), and
    /// every weight is of an age ≥ 0, so it never overflows: no rebase of
    /// the reference time is ever needed.
    #[serde(rename = "s")]
    pub(super) sum: f64,
    /// How many activities were kept (an unknown type's `unscored` count).
    #[serde(rename = "k")]
    pub(super) kept: u64,
    /// The newest kept activity: reference time of `sum` and the activity
    /// the next one is compared with by the dedupe window.
    #[serde(rename = "l")]
    pub(super) last_kept: Timestamp,
    /// The newest folded activity, kept or a repeat (qualification reads
    /// it; a recycle at or before it cannot be applied without a replay).
    #[serde(rename = "n")]
    pub(super) newest: Timestamp,
}

impl Folded {
    /// The chain of one activity at `at`.
    fn first(at: Timestamp) -> Folded {
        Folded {
            sum: 1.0,
            kept: 1,
            last_kept: at,
            newest: at,
        }
    }

    /// Extends the chain by an activity at `at` ≥ `last_kept`: a repeat
    /// inside the dedupe window only moves `newest`; otherwise the sum is
    /// carried forward to `at` and the activity weighs 1. The same chain
    /// rule as `compute` (see [`TypeDecay::is_repeat`]), applied in time order.
    fn extend(&mut self, at: Timestamp, decay: TypeDecay) {
        debug_assert!(
            at >= self.last_kept,
            "out of order: {at} < {}",
            self.last_kept
        );
        self.newest = self.newest.max(at);
        if !decay.is_repeat(self.last_kept, at) {
            self.sum = self.sum * decay.weight(at.since(self.last_kept)) + 1.0;
            self.kept += 1;
            self.last_kept = at;
        }
    }

    /// Adds `at` to the chain `chain` (starting it when empty), in order.
    fn push(chain: &mut Option<Folded>, at: Timestamp, decay: TypeDecay) {
        match chain {
            Some(f) => f.extend(at, decay),
            None => *chain = Some(Folded::first(at)),
        }
    }
}

/// An activity folded before the newest kept one of its type while a
/// dedupe window is in force: it may change which later activities are
/// kept, so the type must be replayed from the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct OutOfOrder;

/// A recycle at or before an activity already folded: the folded sum
/// cannot be split at the recycle time, so the type must be replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FoldedAfterRecycle;

/// One activity type's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct TypeChain {
    /// The activities at or before the state's clock, if any.
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    pub(super) folded: Option<Folded>,
    /// Activities after the state's clock, oldest first. Invariant: every
    /// one is after the clock, so after every folded activity.
    #[serde(rename = "p", default, skip_serializing_if = "Vec::is_empty")]
    pub(super) pending: Vec<Timestamp>,
}

impl TypeChain {
    /// The chain of `sorted` (ascending) activity times: those at or
    /// before `clock` folded, the rest pending.
    pub(super) fn from_sorted(
        sorted: &[Timestamp],
        clock: Timestamp,
        decay: TypeDecay,
    ) -> TypeChain {
        let split = sorted.partition_point(|t| *t <= clock);
        let mut folded = None;
        for &at in &sorted[..split] {
            Folded::push(&mut folded, at, decay);
        }
        TypeChain {
            folded,
            pending: sorted[split..].to_vec(),
        }
    }

    /// Whether the type has no activity at all.
    pub(super) fn is_empty(&self) -> bool {
        self.folded.is_none() && self.pending.is_empty()
    }

    /// Folds an activity at `at` (at or before the clock, so before every
    /// pending one). O(1). In order (at or after the newest kept) it is
    /// exact: a repeat of the last kept one, or a new last kept one after
    /// which no folded activity lies (a folded activity between the last
    /// kept one and `at` is a repeat of it, so `at` is too). Earlier, it is
    /// exact only without a dedupe window, where every activity is kept
    /// whatever its neighbours.
    pub(super) fn fold(&mut self, at: Timestamp, decay: TypeDecay) -> Result<(), OutOfOrder> {
        match &mut self.folded {
            Some(f) if at < f.last_kept => {
                if decay.dedupe_window() > crate::time::Span::ZERO {
                    return Err(OutOfOrder);
                }
                // Age ≥ 0, so the weight is at most 1: no overflow.
                f.sum += decay.weight(f.last_kept.since(at));
                f.kept += 1;
            }
            chain => Folded::push(chain, at, decay),
        }
        Ok(())
    }

    /// Holds an activity dated after the clock, in time order.
    pub(super) fn hold(&mut self, at: Timestamp) {
        let i = self.pending.partition_point(|t| *t <= at);
        self.pending.insert(i, at);
    }

    /// Folds the pending activities at or before `now`: always in order,
    /// since they are after every folded one.
    pub(super) fn advance(&mut self, now: Timestamp, decay: TypeDecay) {
        let due = self.pending.partition_point(|t| *t <= now);
        for at in self.pending.drain(..due) {
            Folded::push(&mut self.folded, at, decay);
        }
    }

    /// The chain as of `as_of` (at or after every folded activity): the
    /// folded part extended by the pending activities up to `as_of`,
    /// without changing the state. O(pending due by `as_of`).
    pub(super) fn as_of(&self, as_of: Timestamp, decay: TypeDecay) -> Option<Folded> {
        let mut chain = self.folded;
        for &at in self.pending.iter().take_while(|t| **t <= as_of) {
            Folded::push(&mut chain, at, decay);
        }
        chain
    }

    /// The newest activity at or before `as_of` (kept or a repeat), given
    /// `as_of` is at or after every folded activity.
    pub(super) fn newest_as_of(&self, as_of: Timestamp) -> Option<Timestamp> {
        let due = self.pending.partition_point(|t| *t <= as_of);
        due.checked_sub(1)
            .map(|i| self.pending[i])
            .or(self.folded.map(|f| f.newest))
    }

    /// Forgets the activities before `at` (a recycle). Refused, with the
    /// chain unchanged, when a folded activity is at or after `at`.
    pub(super) fn recycle(&mut self, at: Timestamp) -> Result<(), FoldedAfterRecycle> {
        if self.folded.is_some_and(|f| f.newest >= at) {
            return Err(FoldedAfterRecycle);
        }
        self.folded = None;
        self.pending.retain(|t| *t >= at);
        Ok(())
    }
}
