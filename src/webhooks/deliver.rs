//! One subscription's delivery task: take the lease, read the change log
//! after the delivered cursor in pages of [`PAGE`], send each matching
//! change in cursor order and move the cursor past it only after a 2xx
//! (or once it is dead-lettered). A failure is retried after an
//! exponentially growing delay with jitter, renewing the lease meanwhile;
//! after `max_attempts` the change is dead-lettered and the next one goes.
//! A refused address (SSRF) is never sent to and never dead-lettered: the
//! subscription reports it and retries at the longest delay until the
//! file allows it.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::HeaderName;
use leadscore_store::webhook_sql::DeadLetter;
use tokio::time::Instant;

use super::client::{self, Outcome, Post};
use super::config::{Delivery, Subscription};
use super::payload::Event;
use super::signature;
use crate::handoff::StageChange;
use crate::live::webhooks::Claim;
use crate::live::{LiveError, LiveStore, POLL};
use crate::time::Timestamp;

/// Changes read from the log per store call (the task's memory bound).
pub const PAGE: usize = 100;

/// One subscription's task.
#[derive(Debug)]
pub struct Deliverer {
    /// The store.
    pub book: Arc<LiveStore>,
    /// What to deliver, where.
    pub sub: Arc<Subscription>,
    /// Retry settings.
    pub delivery: Delivery,
    /// Its lease.
    pub claim: Claim,
}

/// What the task does next.
#[derive(Debug)]
enum Next {
    /// Read on at once.
    Go,
    /// Nothing new: wait for a write (or [`POLL`]).
    Idle,
    /// Wait this long (another replica's lease, or a retry's delay).
    Wait(Duration),
}

/// The delay before retry `attempts` (1 = the first retry): the base
/// doubled per attempt, capped, then a random point in its upper half
/// ("equal jitter"), so many failing subscriptions do not retry in step.
pub fn backoff(delivery: &Delivery, attempts: i64, jitter: f64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 31)).unwrap_or(31);
    let full = delivery
        .backoff_base
        .saturating_mul(1 << doublings)
        .min(delivery.backoff_max);
    full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

/// A number in [0, 1) that differs between calls and processes.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_i64(Timestamp::now().as_micros());
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// What the task remembers between steps.
#[derive(Debug, Default)]
struct State {
    /// The lease it holds and the cursor it left, until it must renew.
    held: Option<Held>,
    /// When the failed change may be tried again.
    retry_at: Option<Instant>,
}

#[derive(Debug, Clone, Copy)]
struct Held {
    delivered: i64,
    renew_at: Instant,
}

impl Deliverer {
    /// Delivers until the task is aborted (the subscription was removed
    /// or changed).
    pub async fn run(self) {
        let mut written = self.book.written();
        let mut state = State::default();
        loop {
            written.borrow_and_update();
            let next = match self.step(&mut state).await {
                Ok(next) => next,
                Err(e) => {
                    tracing::error!(subscription = %self.sub.id, error = %e, "webhooks: store call failed; retrying");
                    state.held = None;
                    Next::Wait(POLL)
                }
            };
            match next {
                Next::Go => {}
                Next::Idle => {
                    tokio::select! {
                        _ = written.changed() => {}
                        () = tokio::time::sleep(POLL) => {}
                    }
                }
                Next::Wait(d) => tokio::time::sleep(d).await,
            }
        }
    }

    /// Renewing the lease at a third of its length keeps it while waiting;
    /// a replay is seen at the latest then.
    fn renew_every(&self) -> Duration {
        self.delivery.lease / 3
    }

    /// The cursor to read after, renewing the lease when due; `None`
    /// while another replica holds it.
    async fn cursor(&self, state: &mut State) -> Result<Option<i64>, LiveError> {
        if let Some(h) = state.held.filter(|h| Instant::now() < h.renew_at) {
            return Ok(Some(h.delivered));
        }
        let taken = self.book.webhook_lease(&self.claim).await?;
        state.held = taken.map(|c| self.held(c.delivered));
        Ok(state.held.map(|h| h.delivered))
    }

    /// Held at `delivered`, just written (every holder's write renews).
    fn held(&self, delivered: i64) -> Held {
        Held {
            delivered,
            renew_at: Instant::now() + self.renew_every(),
        }
    }

    async fn step(&self, state: &mut State) -> Result<Next, LiveError> {
        let Some(delivered) = self.cursor(state).await? else {
            return Ok(Next::Wait(self.renew_every().min(POLL)));
        };
        if let Some(at) = state.retry_at {
            let left = at.saturating_duration_since(Instant::now());
            if !left.is_zero() {
                return Ok(Next::Wait(left.min(self.renew_every())));
            }
            state.retry_at = None;
        }
        let page = self.book.changes_after(delivered, PAGE).await?;
        let Some(last) = page.last().map(|c| c.cursor) else {
            return Ok(Next::Idle);
        };
        let mut from = delivered;
        for change in page {
            let Some(event) = self.event(change).await? else {
                continue;
            };
            match self.attempt(from, event).await? {
                Attempted::Passed(to) => {
                    from = to;
                    state.held = Some(self.held(to));
                }
                Attempted::Retry(delay) => {
                    state.retry_at = Some(Instant::now() + delay);
                    return Ok(Next::Go);
                }
                Attempted::Moved => {
                    state.held = None;
                    return Ok(Next::Go);
                }
            }
        }
        // The rest of the page matched nothing: pass it in one write.
        if from < last {
            let moved = self.book.webhook_advance(&self.claim, from, last).await?;
            state.held = moved.then(|| self.held(last));
        }
        Ok(Next::Go)
    }

    /// The change as delivered, `None` when this subscription does not
    /// want it (the grade filter reads the lead as it is now).
    async fn event(&self, change: StageChange) -> Result<Option<Event>, LiveError> {
        let s = &self.sub;
        let wanted = s.kinds.contains(&change.kind)
            && s.stages
                .as_ref()
                .is_none_or(|st| st.contains(&change.stage))
            && s.owners
                .as_ref()
                .is_none_or(|o| change.owner.as_ref().is_some_and(|w| o.contains(w)));
        if !wanted {
            return Ok(None);
        }
        let (detail, score, _decay) = self.book.get_lead(change.lead_id.clone()).await?;
        if s.grades
            .as_ref()
            .is_some_and(|g| !g.contains(&detail.lead.grade))
        {
            return Ok(None);
        }
        Ok(Some(Event::new(change, detail.lead, &score)))
    }

    /// Sends `event` once and records what happened.
    async fn attempt(&self, from: i64, event: Event) -> Result<Attempted, LiveError> {
        let at = event.change.cursor;
        let outcome = client::send(self.post(&event)).await;
        let claim = &self.claim;
        let refused = matches!(outcome, Outcome::Refused(_));
        let error = match outcome {
            Outcome::Delivered => {
                return Ok(match self.book.webhook_advance(claim, from, at).await? {
                    true => Attempted::Passed(at),
                    false => Attempted::Moved,
                });
            }
            Outcome::Failed(e) | Outcome::Refused(e) => e,
        };
        tracing::warn!(subscription = %self.sub.id, cursor = at, error = %error, "webhooks: delivery failed");
        let Some(attempts) = self.book.webhook_failed(claim, from, error.clone()).await? else {
            return Ok(Attempted::Moved);
        };
        if refused {
            return Ok(Attempted::Retry(self.delivery.backoff_max));
        }
        if attempts < i64::from(self.delivery.max_attempts) {
            return Ok(Attempted::Retry(backoff(
                &self.delivery,
                attempts,
                jitter(),
            )));
        }
        tracing::error!(subscription = %self.sub.id, cursor = at, attempts, "webhooks: dead-lettered");
        let letter = DeadLetter {
            subscription_id: self.sub.id.clone(),
            cursor: at,
            attempts,
            last_error: error,
            at: Timestamp::now(),
        };
        Ok(
            match self.book.webhook_dead_letter(claim, from, letter).await? {
                true => Attempted::Passed(at),
                false => Attempted::Moved,
            },
        )
    }

    /// The request of one attempt: a fresh timestamp, the stable id.
    fn post(&self, event: &Event) -> Post<'_> {
        let body = Bytes::from(event.body(self.sub.template));
        let mut headers = Vec::new();
        if let Some(key) = &self.sub.secret {
            let id = signature::message_id(&self.sub.id, event.change.cursor);
            let ts = Timestamp::now().unix_seconds();
            let sig = signature::sign(key, &id, ts, &body);
            headers.push((HeaderName::from_static("webhook-id"), id));
            headers.push((HeaderName::from_static("webhook-timestamp"), ts.to_string()));
            headers.push((HeaderName::from_static("webhook-signature"), sig));
        }
        Post {
            target: &self.sub.target,
            allow_private: self.sub.allow_private,
            headers,
            body,
            timeout: self.delivery.timeout,
        }
    }
}

/// How one change's attempt ended for the task.
#[derive(Debug)]
enum Attempted {
    /// Passed (delivered or dead-lettered): the cursor is now this.
    Passed(i64),
    /// Try it again after this delay.
    Retry(Duration),
    /// The lease was lost or the cursor moved (a replay): read again.
    Moved,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_up_to_the_cap_and_jitter_keeps_its_upper_half() {
        let d = Delivery {
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(1_000),
            ..Delivery::default()
        };
        let full: Vec<u128> = (1..=6).map(|a| backoff(&d, a, 1.0).as_millis()).collect();
        assert_eq!(full, [100, 200, 400, 800, 1_000, 1_000]);
        assert_eq!(backoff(&d, 3, 0.0).as_millis(), 200);
        assert_eq!(backoff(&d, i64::MAX, 1.0).as_millis(), 1_000);
        let j = jitter();
        assert!((0.0..1.0).contains(&j));
    }
}
