//! Leads kept live: the store ([`leadscore_store`]) plus the scorer that
//! re-scores its leads. Each call takes one scorer snapshot, runs its
//! transaction on the blocking pool, and wakes the change feed.
//!
//! - [`writes`]: the transactions that let the domain decide and store
//!   what it decided; [`state`]: each lead's feature state kept current
//!   in them (the log read only when the state asks) and its due time.
//! - [`feed`]: the change feed, one reader of the change log per process
//!   fanning out to every watcher, woken by this process's writes and, for
//!   writes of other replicas, re-reading the log every [`POLL`].
//! - The periodic sweep is [`LiveStore::sweep`], which a timer calls with
//!   the current time (and tests call directly); its transactions are in
//!   [`sweep`]: only the due leads, after a full pass when the scorer
//!   changed.
//! - [`webhooks`]: the webhook deliverer's cursors, leases and dead
//!   letters.

pub mod error;
pub mod feed;
pub mod import;
pub mod outcomes;
pub mod state;
pub mod sweep;
pub mod webhooks;
pub mod writes;

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::sync::watch;

use leadscore_store::query::{LeadDetail, ListQuery};
use leadscore_store::{Database, FileUse, reads};

use crate::features::Decay;
use crate::handoff::{self, LeadRecord, StageChange};
use crate::lead::{EventBatch, EventOutcome, UpsertBatch};
use crate::metrics::{Metrics, StoreLabels, TransitionLabels};
use crate::pipeline_health::{self, HealthThresholds, PipelineHealth};
use crate::scoring::{LeadScore, Scorer};
use crate::spelling::Spelled;
use crate::time::Timestamp;
use feed::ChangeFeed;
use sweep::SweepReport;
use writes::{Committed, HandOffAction};

pub use error::LiveError;

/// How often the change feed re-reads the log when nothing was written
/// here (for changes recorded by other replicas).
pub const POLL: Duration = Duration::from_millis(500);
/// Leads per sweep transaction (and per step of the full pass, whose log
/// read is of these leads only: its memory bound).
pub const SWEEP_CHUNK: usize = 1_000;

/// The store plus the scorer that keeps it live.
#[derive(Debug)]
pub struct LiveStore {
    /// The database.
    db: Arc<dyn Database>,
    /// Active model and rules; swapped on reload, shared with ScoreLead.
    scorer: Arc<ArcSwap<Scorer>>,
    /// Bumped after every write of this process, to wake the change feed.
    written: watch::Sender<u64>,
    /// The change feed every watcher of this process is served from.
    feed: ChangeFeed,
    /// Store latency metrics, when the metrics endpoint is on.
    metrics: std::sync::OnceLock<Arc<Metrics>>,
}

impl LiveStore {
    /// A book over `db`, scoring with whatever `scorer` holds.
    pub fn new(db: Box<dyn Database>, scorer: Arc<ArcSwap<Scorer>>) -> LiveStore {
        LiveStore {
            db: Arc::from(db),
            scorer,
            written: watch::channel(0).0,
            feed: ChangeFeed::default(),
            metrics: std::sync::OnceLock::new(),
        }
    }

    /// The database it writes (the activation gate reads its window).
    pub fn database(&self) -> Arc<dyn Database> {
        self.db.clone()
    }

    /// Opens the store `url` names to serve it, off the async threads.
    pub async fn open(url: &str, scorer: Arc<ArcSwap<Scorer>>) -> Result<LiveStore, LiveError> {
        LiveStore::open_with(url, FileUse::Serve { create: false }, scorer).await
    }

    /// Like [`LiveStore::open`], a SQLite file used as `use_` says.
    pub async fn open_with(
        url: &str,
        use_: FileUse,
        scorer: Arc<ArcSwap<Scorer>>,
    ) -> Result<LiveStore, LiveError> {
        let url = url.to_owned();
        let db = tokio::task::spawn_blocking(move || leadscore_store::open_with(&url, use_))
            .await
            .map_err(|e| LiveError::Aborted(e.to_string()))??;
        Ok(LiveStore::new(db, scorer))
    }

    /// Records store operation latency into `metrics` from now on.
    pub fn set_metrics(&self, metrics: Arc<Metrics>) {
        let _ = self.metrics.set(metrics);
    }

    /// The scorer handle (shared with `ScoringService`).
    pub fn scorer(&self) -> &Arc<ArcSwap<Scorer>> {
        &self.scorer
    }

    /// Runs a reading operation on the blocking pool, timing it.
    async fn read<R: Send + 'static>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&dyn Database, &Scorer) -> Result<R, LiveError> + Send + 'static,
    ) -> Result<R, LiveError> {
        let db = self.db.clone();
        let scorer = self.scorer.load_full();
        let started = std::time::Instant::now();
        let out = tokio::task::spawn_blocking(move || f(db.as_ref(), &scorer))
            .await
            .map_err(|e| LiveError::Aborted(e.to_string()))?;
        if let Some(m) = self.metrics.get() {
            let labels = StoreLabels {
                operation: operation.to_owned(),
            };
            m.store_latency
                .get_or_create(&labels)
                .observe(started.elapsed().as_secs_f64());
        }
        out
    }

    /// Runs a writing operation: counts the transitions it committed and
    /// wakes the change feed.
    async fn write<R: Send + 'static>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&dyn Database, &Scorer) -> Result<Committed<R>, LiveError> + Send + 'static,
    ) -> Result<R, LiveError> {
        let out = self.read(operation, f).await;
        self.written.send_modify(|n| *n += 1);
        let committed = out?;
        if let Some(m) = self.metrics.get() {
            for kind in &committed.transitions {
                let labels = TransitionLabels {
                    kind: kind.as_str().to_owned(),
                };
                m.stage_transitions.get_or_create(&labels).inc();
            }
        }
        Ok(committed.value)
    }

    /// Records a batch of events (see [`writes::record_activities`]).
    pub async fn record_activities(
        &self,
        batch: EventBatch,
        now: Timestamp,
    ) -> Result<Vec<EventOutcome>, LiveError> {
        self.write("record_activities", move |db, s| {
            writes::record_activities(db, s, batch, now)
        })
        .await
    }

    /// Creates or updates leads (see [`writes::upsert_leads`]).
    pub async fn upsert_leads(
        &self,
        batch: UpsertBatch,
        now: Timestamp,
    ) -> Result<Vec<LeadRecord>, LiveError> {
        self.write("upsert_leads", move |db, s| {
            writes::upsert_leads(db, s, &batch, now)
        })
        .await
    }

    /// One lead, its full score answer (as `ScoreLead` gives it as of the
    /// last re-score; for a closed lead, as of its outcome) and its history,
    /// with the decay of the model that scored it (for a timeline's weights).
    pub async fn get_lead(&self, id: String) -> Result<(LeadDetail, LeadScore, Decay), LiveError> {
        self.read("get_lead", move |db, scorer| {
            let detail = reads::get_lead(db, &id)?;
            let as_of = detail.lead.scored_at;
            let activities = detail.activities.clone();
            let lead = handoff::scoring_lead(&detail.lead, activities, as_of);
            // Stored data passed its checks; a refusal now is the model's
            // (a non-finite score), not the caller's.
            let score = scorer
                .score(&lead, as_of)
                .map_err(|e| LiveError::Unscorable {
                    lead_id: detail.lead.id.clone(),
                    reason: e.reason,
                })?;
            Ok((detail, score, scorer.model.features().decay().clone()))
        })
        .await
    }

    /// One page of the prioritized list.
    pub async fn list(
        &self,
        query: ListQuery,
        now: Timestamp,
    ) -> Result<Vec<LeadRecord>, LiveError> {
        self.read("list", move |db, _| Ok(reads::list(db, &query, now)?))
            .await
    }

    /// Applies a hand-off action.
    pub async fn hand_off(
        &self,
        id: String,
        action: HandOffAction,
        now: Timestamp,
    ) -> Result<LeadRecord, LiveError> {
        self.write("hand_off", move |db, s| {
            writes::hand_off(db, s, &id, &action, now)
        })
        .await
    }

    /// Records a batch of outcomes (see [`outcomes::record_outcomes`]).
    pub async fn record_outcomes(
        &self,
        batch: crate::lead::OutcomeBatch,
        now: Timestamp,
    ) -> Result<Vec<outcomes::OutcomeResult>, LiveError> {
        self.write("record_outcomes", move |db, s| {
            outcomes::record_outcomes(db, s, batch, now)
        })
        .await
    }

    /// Pipeline health of the window `[from, to)`: the active model (and
    /// the shadow, if named) judged on the outcomes they scored.
    pub async fn pipeline_health(
        &self,
        from: Timestamp,
        to: Timestamp,
        thresholds: HealthThresholds,
    ) -> Result<PipelineHealth, LiveError> {
        self.read("pipeline_health", move |db, scorer| {
            let facts = reads::pipeline_facts(db, from, to)?;
            let shadow = scorer.shadow.as_ref().map(|m| m.version());
            Ok(pipeline_health::assess(
                &facts,
                scorer.model.version(),
                shadow,
                &thresholds,
            ))
        })
        .await
    }

    /// Changes after `after`, at most `limit`.
    pub async fn changes_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<StageChange>, LiveError> {
        self.read("changes_after", move |db, _| {
            Ok(reads::changes_after(db, after, limit)?)
        })
        .await
    }

    /// Re-scores the leads due at `now` (decay: a stage change, the
    /// hand-raise window, a pending activity, a score drift past
    /// [`state::SCORE_TOLERANCE_POINTS`]; an overdue follow-up) and
    /// announces overdue follow-ups, one chunk per transaction. First, when
    /// the scorer is not the one the whole store was last re-scored with,
    /// every lead is re-scored ([`LiveStore::full_pass`]).
    pub async fn sweep(&self, now: Timestamp) -> Result<SweepReport, LiveError> {
        let key = sweep::scorer_key(&self.scorer.load());
        let mut total = SweepReport::default();
        let begin = key.clone();
        if self
            .write("sweep", move |db, _| sweep::begin_pass(db, &begin))
            .await?
        {
            total = self.full_pass(now).await?;
            // The key read before the pass: a scorer swapped during it
            // makes the next sweep pass again.
            self.write("sweep", move |db, _| sweep::end_pass(db, &key))
                .await?;
        }
        loop {
            let report = self
                .write("sweep", move |db, s| {
                    sweep::due_chunk(db, s, SWEEP_CHUNK, now)
                })
                .await?;
            total.add(report);
            if report.leads < SWEEP_CHUNK {
                return Ok(total);
            }
        }
    }

    /// Re-scores every lead as of `now` in id order, one chunk per
    /// transaction, rebuilding from the log each feature state built for
    /// another decay (a model change): progress and a summary in the log.
    pub async fn full_pass(&self, now: Timestamp) -> Result<SweepReport, LiveError> {
        let started = std::time::Instant::now();
        let mut total = SweepReport::default();
        let mut after = String::new();
        loop {
            let from = after.clone();
            let (last, report) = self
                .write("sweep", move |db, s| {
                    sweep::full_chunk(db, s, &from, SWEEP_CHUNK, now)
                })
                .await?;
            total.add(report);
            let Some(last) = last else { break };
            tracing::info!(
                leads = total.leads,
                rebuilt = total.rebuilt,
                through = %last,
                "re-score pass: progress"
            );
            after = last;
        }
        tracing::info!(
            leads = total.leads,
            rebuilt = total.rebuilt,
            changes = total.changes,
            seconds = started.elapsed().as_secs_f64(),
            "re-score pass of every lead done (another model, rules or shadow)"
        );
        Ok(total)
    }

    /// Cursor of the newest change, 0 when there is none.
    pub async fn last_change(&self) -> Result<i64, LiveError> {
        self.read("last_change", |db, _| Ok(reads::last_change(db)?))
            .await
    }

    /// The change feed of this process.
    pub(crate) fn feed(&self) -> &ChangeFeed {
        &self.feed
    }

    /// Changes on every write of this process.
    pub(crate) fn written(&self) -> watch::Receiver<u64> {
        self.written.subscribe()
    }

    /// Sweeps every `every`, and at once when the model or rules change,
    /// with the time `clock` gives, forever.
    pub async fn sweep_every(self: Arc<Self>, every: Duration, clock: fn() -> Timestamp) {
        let mut timer = tokio::time::interval(every);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut check = tokio::time::interval(POLL);
        let mut swept_with = self.scorer.load_full();
        loop {
            tokio::select! {
                _ = timer.tick() => {}
                _ = check.tick() => {
                    if Arc::ptr_eq(&self.scorer.load_full(), &swept_with) {
                        continue;
                    }
                }
            }
            swept_with = self.scorer.load_full();
            match self.sweep(clock()).await {
                Ok(r) => tracing::info!(
                    leads = r.leads,
                    changes = r.changes,
                    rebuilt = r.rebuilt,
                    "re-score sweep done"
                ),
                Err(e) => tracing::error!(error = %e, "re-score sweep failed"),
            }
        }
    }
}
