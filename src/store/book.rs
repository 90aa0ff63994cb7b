//! The async face of the store: each call takes one scorer snapshot, runs
//! its transaction on the blocking pool, and wakes the change feed.
//!
//! Watchers are served by [`super::feed`]: one reader of the change log
//! per process, woken by this process's writes and, for writes of other
//! replicas, re-reading the log every [`POLL`]. The periodic sweep is
//! [`LeadBook::sweep`], which a timer calls with the current time (and
//! tests call directly).

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::sync::watch;

use super::db::Database;
use super::error::StoreError;
use super::feed::ChangeFeed;
use super::ops::{self, Committed, HandOffAction, SweepReport};
use super::record::{EventOutcome, LeadDetail, ListQuery, NewEvent};
use super::sqlite_file::FileUse;
use super::upsert::LeadUpsert;
use crate::handoff::{self, LeadRecord, StageChange};
use crate::lead::FieldError;
use crate::metrics::{Metrics, StoreLabels, TransitionLabels};
use crate::pipeline_health::{self, HealthThresholds, PipelineHealth};
use crate::scoring::{LeadScore, Scorer};
use crate::time::Timestamp;

/// How often the change feed re-reads the log when nothing was written
/// here (for changes recorded by other replicas).
pub const POLL: Duration = Duration::from_millis(500);
/// Leads per sweep transaction.
const SWEEP_CHUNK: usize = 1_000;

/// The store plus the scorer that keeps it live.
#[derive(Debug)]
pub struct LeadBook {
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

impl LeadBook {
    /// A book over `db`, scoring with whatever `scorer` holds.
    pub fn new(db: Box<dyn Database>, scorer: Arc<ArcSwap<Scorer>>) -> LeadBook {
        LeadBook {
            db: Arc::from(db),
            scorer,
            written: watch::channel(0).0,
            feed: ChangeFeed::default(),
            metrics: std::sync::OnceLock::new(),
        }
    }

    /// Opens the store `url` names to serve it, off the async threads.
    pub async fn open(url: &str, scorer: Arc<ArcSwap<Scorer>>) -> Result<LeadBook, StoreError> {
        LeadBook::open_with(url, FileUse::Serve { create: false }, scorer).await
    }

    /// Like [`LeadBook::open`], a SQLite file used as `use_` says.
    pub async fn open_with(
        url: &str,
        use_: FileUse,
        scorer: Arc<ArcSwap<Scorer>>,
    ) -> Result<LeadBook, StoreError> {
        let url = url.to_owned();
        let db = tokio::task::spawn_blocking(move || super::open_with(&url, use_))
            .await
            .map_err(|e| StoreError::Aborted(e.to_string()))??;
        Ok(LeadBook::new(db, scorer))
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
        f: impl FnOnce(&dyn Database, &Scorer) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let db = self.db.clone();
        let scorer = self.scorer.load_full();
        let started = std::time::Instant::now();
        let out = tokio::task::spawn_blocking(move || f(db.as_ref(), &scorer))
            .await
            .map_err(|e| StoreError::Aborted(e.to_string()))?;
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
        f: impl FnOnce(&dyn Database, &Scorer) -> Result<Committed<R>, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let out = self.read(operation, f).await;
        self.written.send_modify(|n| *n += 1);
        let committed = out?;
        if let Some(m) = self.metrics.get() {
            for kind in &committed.transitions {
                let labels = TransitionLabels {
                    kind: kind.name().to_owned(),
                };
                m.stage_transitions.get_or_create(&labels).inc();
            }
        }
        Ok(committed.value)
    }

    /// Records a batch of events (see [`ops::record_activities`]).
    pub async fn record_activities(
        &self,
        events: Vec<Result<NewEvent, FieldError>>,
        now: Timestamp,
    ) -> Result<Vec<EventOutcome>, StoreError> {
        self.write("record_activities", move |db, s| {
            ops::record_activities(db, s, events, now)
        })
        .await
    }

    /// Creates or updates leads (see [`ops::upsert_leads`]).
    pub async fn upsert_leads(
        &self,
        upserts: Vec<LeadUpsert>,
        now: Timestamp,
    ) -> Result<Vec<LeadRecord>, StoreError> {
        self.write("upsert_leads", move |db, s| {
            ops::upsert_leads(db, s, &upserts, now)
        })
        .await
    }

    /// One lead, its full score answer (as `ScoreLead` gives it as of the
    /// last re-score; for a closed lead, as of its outcome) and its history.
    pub async fn get_lead(&self, id: String) -> Result<(LeadDetail, LeadScore), StoreError> {
        self.read("get_lead", move |db, scorer| {
            let detail = ops::get_lead(db, &id)?;
            let as_of = detail.lead.scored_at;
            let activities = detail.activities.clone();
            let lead = handoff::scoring_lead(&detail.lead, activities, as_of);
            // Stored data passed its checks; a refusal now is the model's
            // (a non-finite score), not the caller's.
            let score = scorer
                .score(&lead, as_of)
                .map_err(|e| StoreError::Unscorable {
                    lead_id: detail.lead.id.clone(),
                    reason: e.reason,
                })?;
            Ok((detail, score))
        })
        .await
    }

    /// One page of the prioritized list.
    pub async fn list(
        &self,
        query: ListQuery,
        now: Timestamp,
    ) -> Result<Vec<LeadRecord>, StoreError> {
        self.read("list", move |db, _| ops::list(db, &query, now))
            .await
    }

    /// Applies a hand-off action.
    pub async fn hand_off(
        &self,
        id: String,
        action: HandOffAction,
        now: Timestamp,
    ) -> Result<LeadRecord, StoreError> {
        self.write("hand_off", move |db, s| {
            ops::hand_off(db, s, &id, &action, now)
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
    ) -> Result<PipelineHealth, StoreError> {
        self.read("pipeline_health", move |db, scorer| {
            let facts = ops::pipeline_facts(db, from, to)?;
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
    ) -> Result<Vec<StageChange>, StoreError> {
        self.read("changes_after", move |db, _| {
            ops::changes_after(db, after, limit)
        })
        .await
    }

    /// Re-scores every lead as of `now` (decay, model or rules changes) and
    /// announces overdue follow-ups, one chunk per transaction.
    pub async fn sweep(&self, now: Timestamp) -> Result<SweepReport, StoreError> {
        let mut total = SweepReport::default();
        let mut after = String::new();
        loop {
            let from = after.clone();
            let (last, report) = self
                .write("sweep", move |db, s| {
                    ops::sweep_chunk(db, s, &from, SWEEP_CHUNK, now)
                })
                .await?;
            total.leads += report.leads;
            total.changes += report.changes;
            match last {
                Some(last) => after = last,
                None => return Ok(total),
            }
        }
    }

    /// Cursor of the newest change, 0 when there is none.
    pub async fn last_change(&self) -> Result<i64, StoreError> {
        self.read("last_change", |db, _| ops::last_change(db)).await
    }

    /// The change feed of this process.
    pub(super) fn feed(&self) -> &ChangeFeed {
        &self.feed
    }

    /// Changes on every write of this process.
    pub(super) fn written(&self) -> watch::Receiver<u64> {
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
                Ok(r) => {
                    tracing::info!(leads = r.leads, changes = r.changes, "re-score sweep done")
                }
                Err(e) => tracing::error!(error = %e, "re-score sweep failed"),
            }
        }
    }
}
