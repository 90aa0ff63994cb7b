//! Counted slots: the one mechanism behind every "at most N at once" bound
//! (calls in progress, change watchers, open connections). Taking a slot
//! never waits: when all are held the caller refuses at once, so nothing
//! queues without bound; a slot is given back when its guard is dropped.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use tokio_stream::Stream;

/// At most `max` holders at once.
#[derive(Debug)]
pub struct Slots {
    /// Slots held right now.
    held: AtomicUsize,
    /// Most slots held at once.
    max: usize,
}

impl Slots {
    /// `max` slots, none held.
    pub fn new(max: usize) -> Arc<Slots> {
        Arc::new(Slots {
            held: AtomicUsize::new(0),
            max,
        })
    }

    /// A slot, or `None` when all `max` are held.
    pub fn try_acquire(self: &Arc<Self>) -> Option<Slot> {
        let before = self.held.fetch_add(1, Ordering::AcqRel);
        if before < self.max {
            Some(Slot(self.clone()))
        } else {
            self.held.fetch_sub(1, Ordering::AcqRel);
            None
        }
    }

    /// The limit.
    pub fn max(&self) -> usize {
        self.max
    }
}

/// One held slot; given back when dropped.
#[derive(Debug)]
pub struct Slot(Arc<Slots>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.held.fetch_sub(1, Ordering::AcqRel);
    }
}

pin_project_lite::pin_project! {
    /// A stream that holds a slot for as long as it lives, so a server
    /// stream gives its slot back the moment the call ends or the client
    /// goes away (tonic drops the stream then).
    #[derive(Debug)]
    pub struct Holding<S> {
        #[pin]
        inner: S,
        slot: Slot,
    }
}

impl<S> Holding<S> {
    /// `inner`, holding `slot`.
    pub fn new(inner: S, slot: Slot) -> Holding<S> {
        Holding { inner, slot }
    }
}

impl<S: Stream> Stream for Holding<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        self.project().inner.poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::Slots;

    #[test]
    fn slots_are_refused_past_the_limit_and_come_back_when_dropped() {
        let slots = Slots::new(2);
        let a = slots.try_acquire().unwrap();
        let _b = slots.try_acquire().unwrap();
        assert!(slots.try_acquire().is_none());
        drop(a);
        assert!(slots.try_acquire().is_some());
    }
}
