//! The webhook deliverer's store calls ([`leadscore_store::webhook_sql`]),
//! each one transaction on the blocking pool like every other store call.

use std::time::Duration;

use leadscore_store::StoreError;
use leadscore_store::db::{Tx, in_tx};
use leadscore_store::webhook_sql::{DeadLetter, Lease, WebhookCursor};

use super::{LiveError, LiveStore};
use crate::time::{Span, Timestamp};

/// A replica's claim on one subscription.
#[derive(Debug, Clone)]
pub struct Claim {
    /// Subscription id.
    pub subscription_id: String,
    /// This replica's holder id.
    pub holder: String,
    /// How long each take or renewal lasts.
    pub ttl: Duration,
}

impl Claim {
    fn lease(&self) -> Lease<'_> {
        let now = Timestamp::now();
        let ttl = Span::micros(i64::try_from(self.ttl.as_micros()).unwrap_or(i64::MAX));
        Lease {
            subscription_id: &self.subscription_id,
            holder: &self.holder,
            now,
            until: now.saturating_add(ttl),
        }
    }
}

/// One subscription as the webhooks API shows it.
#[derive(Debug, Clone, Default)]
pub struct WebhookStatus {
    /// Its row, `None` before its first delivery.
    pub cursor: Option<WebhookCursor>,
    /// The newest change's cursor.
    pub newest: i64,
    /// Changes given up on, in all.
    pub dead_letter_count: i64,
    /// The newest of them, newest first.
    pub dead_letters: Vec<DeadLetter>,
}

impl LiveStore {
    /// Runs `f` in one transaction on the blocking pool, timed as `operation`.
    async fn webhook_tx<R: Send + 'static>(
        &self,
        operation: &'static str,
        mut f: impl FnMut(&mut dyn Tx) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, LiveError> {
        self.read(operation, move |db, _| Ok(in_tx(db, &mut f)?))
            .await
    }

    /// Takes or renews `claim`'s lease: the row, `None` while another
    /// replica holds it.
    pub async fn webhook_lease(&self, claim: &Claim) -> Result<Option<WebhookCursor>, LiveError> {
        let claim = claim.clone();
        self.webhook_tx("webhook_lease", move |tx| {
            tx.take_webhook_lease(&claim.lease())
        })
        .await
    }

    /// Moves the cursor from `from` to `to`; false when the lease was lost
    /// or the cursor moved.
    pub async fn webhook_advance(
        &self,
        claim: &Claim,
        from: i64,
        to: i64,
    ) -> Result<bool, LiveError> {
        let claim = claim.clone();
        self.webhook_tx("webhook_advance", move |tx| {
            tx.advance_webhook(&claim.lease(), from, to)
        })
        .await
    }

    /// Counts a failed attempt at the change after `at`: the attempts so
    /// far, `None` when the lease was lost or the cursor moved.
    pub async fn webhook_failed(
        &self,
        claim: &Claim,
        at: i64,
        error: String,
    ) -> Result<Option<i64>, LiveError> {
        let claim = claim.clone();
        self.webhook_tx("webhook_failed", move |tx| {
            tx.webhook_failed(&claim.lease(), at, &error)
        })
        .await
    }

    /// Gives up on `letter`'s change and moves the cursor past it from
    /// `from`, in one transaction; false when the lease was lost or the
    /// cursor moved (nothing is written then).
    pub async fn webhook_dead_letter(
        &self,
        claim: &Claim,
        from: i64,
        letter: DeadLetter,
    ) -> Result<bool, LiveError> {
        let claim = claim.clone();
        self.webhook_tx("webhook_dead_letter", move |tx| {
            let moved = tx.advance_webhook(&claim.lease(), from, letter.cursor)?;
            if moved {
                tx.insert_dead_letter(&letter)?;
            }
            Ok(moved)
        })
        .await
    }

    /// A subscription's cursor, lag and newest `limit` dead letters.
    pub async fn webhook_status(
        &self,
        id: String,
        limit: usize,
    ) -> Result<WebhookStatus, LiveError> {
        self.webhook_tx("webhook_status", move |tx| {
            let (dead_letter_count, dead_letters) = tx.dead_letters(&id, limit)?;
            Ok(WebhookStatus {
                cursor: tx.webhook_cursor(&id)?,
                newest: tx.last_change()?,
                dead_letter_count,
                dead_letters,
            })
        })
        .await
    }

    /// Sets a subscription's cursor back (or on) to `from`.
    pub async fn webhook_replay(&self, id: String, from: i64) -> Result<(), LiveError> {
        self.webhook_tx("webhook_replay", move |tx| tx.replay_webhook(&id, from))
            .await
    }
}
