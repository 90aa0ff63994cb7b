//! Outbound webhooks: every stage change pushed to the subscribed URLs,
//! signed per the Standard Webhooks specification, at least once and in
//! cursor order per subscription, resumed from the store after any
//! restart (see `docs/webhooks.md`).
//!
//! - [`config`]: the webhooks file (`--webhooks`), validated before any
//!   port is bound and reloaded when it changes ([`crate::reload`]).
//! - [`deliver`]: one task per subscription, built on the store's change
//!   log and the subscription's cursor and lease, not on memory.
//! - [`payload`] (the bodies, the Slack template among them),
//!   [`signature`] (HMAC-SHA256 headers), [`client`] (one bounded HTTP
//!   attempt) and [`ssrf`] (which addresses may be called).

pub mod client;
pub mod config;
pub mod deliver;
pub mod payload;
pub mod signature;
pub mod ssrf;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;

use crate::live::webhooks::Claim;
use crate::live::{LiveError, LiveStore};
use config::{Subscription, WebhookConfig};
use deliver::Deliverer;

/// The subscriptions in force; swapped when the file changes.
pub type SharedWebhooks = Arc<ArcSwap<WebhookConfig>>;

/// This process's lease holder id: the process id and its start time, so
/// a restarted process never mistakes an old lease for its own.
pub fn holder_id() -> String {
    let started = crate::time::Timestamp::now().as_micros();
    format!("pid{}-{started}", std::process::id())
}

/// The running delivery tasks, one per subscription.
struct Tasks {
    book: Arc<LiveStore>,
    holder: String,
    running: HashMap<String, (Arc<Subscription>, tokio::task::AbortHandle)>,
    delivery: config::Delivery,
}

impl Tasks {
    /// Starts, restarts (changed) and stops (removed) tasks to match
    /// `config`. A task stopped mid-attempt loses nothing: its cursor moves
    /// only after a 2xx, and its lease is this process's to take again.
    fn reconcile(&mut self, config: &WebhookConfig) {
        let restart_all = config.delivery != self.delivery;
        self.delivery = config.delivery;
        self.running.retain(|id, (sub, task)| {
            let keep = !restart_all && config.get(id).is_some_and(|now| now == sub);
            if !keep {
                task.abort();
            }
            keep
        });
        for sub in &config.subscriptions {
            if self.running.contains_key(&sub.id) {
                continue;
            }
            let deliverer = Deliverer {
                book: self.book.clone(),
                sub: sub.clone(),
                delivery: config.delivery,
                claim: claim(sub, config, &self.holder),
            };
            let task = tokio::spawn(deliverer.run()).abort_handle();
            self.running.insert(sub.id.clone(), (sub.clone(), task));
        }
    }
}

/// Creates the store row of every subscription in `config` that has none
/// (at the newest change) before the service serves, so that no change
/// written after the start is skipped however late a task first runs.
pub async fn register(
    book: &LiveStore,
    config: &WebhookConfig,
    holder: &str,
) -> Result<(), LiveError> {
    for sub in &config.subscriptions {
        let claim = claim(sub, config, holder);
        book.webhook_lease(&claim).await?;
    }
    Ok(())
}

fn claim(sub: &Subscription, config: &WebhookConfig, holder: &str) -> Claim {
    Claim {
        subscription_id: sub.id.clone(),
        holder: holder.to_owned(),
        ttl: config.delivery.lease,
    }
}

/// Delivers what `shared` subscribes to, and reloads `path` into it every
/// `interval` when it changes. Runs forever.
pub async fn run(
    book: Arc<LiveStore>,
    shared: SharedWebhooks,
    holder: String,
    path: PathBuf,
    interval: Duration,
) {
    let first = shared.load_full();
    let mut tasks = Tasks {
        book,
        holder,
        running: HashMap::new(),
        delivery: first.delivery,
    };
    tasks.reconcile(&first);
    tracing::info!(subscriptions = first.subscriptions.len(), holder = %tasks.holder, "webhooks: delivering");
    crate::reload::watch_file(path, interval, "webhooks", WebhookConfig::load, |config| {
        if **shared.load() != config {
            tracing::info!(
                subscriptions = config.subscriptions.len(),
                "webhooks file reloaded"
            );
            tasks.reconcile(&config);
            shared.store(Arc::new(config));
        }
    })
    .await;
}
