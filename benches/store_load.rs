//! The lead store benchmark (`benches/store.sh` runs it): for SQLite and,
//! when `LEADSCORE_BENCH_POSTGRES_URL` names a server, PostgreSQL, each on
//! a fresh store:
//!
//! 1. starts the real `leadscore serve` on loopback and loads `LEADS` leads
//!    through `RecordActivities` (`EVENTS_PER_LEAD` events each, all of a
//!    lead's events in the same call, `BATCH` events per call, `CONNS`
//!    client connections): sustained events/s, every call acknowledged only
//!    once durably committed;
//! 2. times `LIST_CALLS` first pages of `ListPrioritizedLeads`, unfiltered
//!    and filtered: p50 / p99;
//! 3. reads the server's VmRSS / VmHWM from `/proc`;
//! 4. stops the server, opens the same store in-process
//!    ([`leadscore::live::LiveStore`], same model and rules) and times one
//!    re-score sweep of every lead, one day later (so every score decays).
//!
//! Prints one JSON object per backend on stdout (progress on stderr).

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use leadscore::grpc::convert::timestamp;
use leadscore::pb::v1 as pb;
use leadscore::time::{Span, Timestamp};
use serde_json::json;
use support::common;
use support::common::process::ServeProcess;

/// Activity times are spread over this many days before the load starts.
const HISTORY_DAYS: i64 = 90;
/// List calls before the timed ones (connection and caches warm).
const LIST_WARMUP: usize = 20;
/// Score floor of the filtered list case (leads loaded from events alone
/// have no profile, so they all stay nurturing; about one in forty scores
/// this much).
const LIST_MIN_SCORE: f64 = 50.0;

/// The load and its shape, from the environment.
#[derive(Debug, Clone)]
struct Load {
    /// Leads created (`LEADS`).
    leads: usize,
    /// Events per lead (`EVENTS_PER_LEAD`).
    events_per_lead: usize,
    /// Events per `RecordActivities` call (`BATCH`, at most 10,000).
    batch: usize,
    /// Concurrent client connections (`CONNS`).
    conns: usize,
    /// Timed `ListPrioritizedLeads` calls per case (`LIST_CALLS`).
    list_calls: usize,
}

fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a whole number")),
        Err(_) => default,
    }
}

impl Load {
    fn from_env() -> Load {
        let load = Load {
            leads: env_usize("LEADS", 1_000_000),
            events_per_lead: env_usize("EVENTS_PER_LEAD", 3).max(1),
            batch: env_usize("BATCH", 9_999),
            conns: env_usize("CONNS", 4).max(1),
            list_calls: env_usize("LIST_CALLS", 1_000).max(1),
        };
        assert!(
            load.batch >= load.events_per_lead && load.batch <= 10_000,
            "BATCH must be between EVENTS_PER_LEAD and 10,000"
        );
        load
    }

    /// Leads per call (their events are never split between calls).
    fn leads_per_call(&self) -> usize {
        self.batch / self.events_per_lead
    }

    fn calls(&self) -> usize {
        self.leads.div_ceil(self.leads_per_call())
    }
}

/// The `k`-th event of lead `i`: activity types cycle over the benchmark
/// model's 30 (one lead in eight also asked for a demo recently, so a
/// share of leads scores high), times spread over [`HISTORY_DAYS`].
fn event(i: usize, k: usize, start: Timestamp) -> pb::ActivityEvent {
    let types = &*support::TYPES;
    let (kind, ago) = if i.is_multiple_of(8) && k == 0 {
        ("demo_request", Span::days(i as i64 % 3 + 1))
    } else {
        let n = i * 7 + k * 13;
        let history = Span::days(HISTORY_DAYS).as_micros();
        let ago = Span::micros((n as i64 * 7_919_000_003) % history);
        (types[n % types.len()], ago)
    };
    pb::ActivityEvent {
        event_id: format!("ev-{i:08}-{k}"),
        lead_id: format!("lead-{i:08}"),
        r#type: kind.to_owned(),
        occurred_at: Some(timestamp(start.saturating_sub(ago))),
    }
}

fn request(load: &Load, call: usize, start: Timestamp) -> pb::RecordActivitiesRequest {
    let per = load.leads_per_call();
    let leads = call * per..((call + 1) * per).min(load.leads);
    pb::RecordActivitiesRequest {
        events: leads
            .flat_map(|i| (0..load.events_per_lead).map(move |k| event(i, k, start)))
            .collect(),
    }
}

/// p50 and p99 of `samples`, in milliseconds.
fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 * q) as usize).min(samples.len() - 1);
        samples[i].as_secs_f64() * 1e3
    };
    (at(0.50), at(0.99))
}

/// Loads every lead; events/s and call latency p50 / p99 (ms).
async fn record(server: &ServeProcess, load: &Load) -> serde_json::Value {
    let start = Timestamp::now();
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let began = Instant::now();
    // A JoinSet: dropped (run interrupted), it stops the workers.
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..load.conns {
        let mut client = server.leads().await;
        let (next, done, load) = (next.clone(), done.clone(), load.clone());
        workers.spawn(async move {
            let mut latencies = Vec::new();
            let mut events = 0;
            loop {
                let call = next.fetch_add(1, Ordering::Relaxed);
                if call >= load.calls() {
                    return (latencies, events);
                }
                let req = request(&load, call, start);
                let sent = req.events.len();
                let t = Instant::now();
                let results = client
                    .record_activities(req)
                    .await
                    .unwrap_or_else(|e| panic!("RecordActivities call {call} failed: {e}"))
                    .into_inner()
                    .results;
                latencies.push(t.elapsed());
                let recorded = results
                    .iter()
                    .filter(|r| r.status == pb::EventStatus::Recorded as i32)
                    .count();
                assert_eq!(recorded, sent, "call {call}: not every event was recorded");
                events += sent;
                let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                if finished.is_multiple_of(20) {
                    eprintln!("   {finished}/{} calls", load.calls());
                }
            }
        });
    }
    let (mut latencies, mut events) = (Vec::new(), 0);
    while let Some(w) = workers.join_next().await {
        let (l, e) = w.expect("a load worker panicked");
        latencies.extend(l);
        events += e;
    }
    let secs = began.elapsed().as_secs_f64();
    let (p50, p99) = percentiles(latencies);
    json!({
        "events": events,
        "seconds": secs,
        "events_per_sec": events as f64 / secs,
        "call_p50_ms": p50,
        "call_p99_ms": p99,
    })
}

/// p50 / p99 (ms) of first pages of `query`, and the rows of the last.
async fn list(
    server: &ServeProcess,
    load: &Load,
    query: pb::ListPrioritizedLeadsRequest,
) -> serde_json::Value {
    let mut client = server.leads().await;
    let mut latencies = Vec::with_capacity(load.list_calls);
    let mut rows = 0;
    for n in 0..LIST_WARMUP + load.list_calls {
        let t = Instant::now();
        let page = client
            .list_prioritized_leads(query.clone())
            .await
            .unwrap_or_else(|e| panic!("ListPrioritizedLeads failed: {e}"))
            .into_inner();
        if n >= LIST_WARMUP {
            latencies.push(t.elapsed());
        }
        rows = page.leads.len();
    }
    let (p50, p99) = percentiles(latencies);
    json!({ "p50_ms": p50, "p99_ms": p99, "rows": rows })
}

/// VmRSS and VmHWM of process `pid`, in MiB.
fn memory(pid: u32) -> serde_json::Value {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("reading /proc/{pid}/status: {e}"));
    let kib = |key: &str| -> f64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/status"))
    };
    json!({ "rss_mib": kib("VmRSS:") / 1024.0, "hwm_mib": kib("VmHWM:") / 1024.0 })
}

/// Times one sweep of the whole store, in-process, as the server's timer
/// would run it a day after the load.
async fn sweep(db_url: &str) -> serde_json::Value {
    let scorer = Arc::new(ArcSwap::from_pointee(support::scorer()));
    let book = leadscore::live::LiveStore::open(db_url, scorer)
        .await
        .unwrap_or_else(|e| panic!("reopening the store: {e}"));
    let began = Instant::now();
    let report = book
        .sweep(leadscore::time::Timestamp::now().saturating_add(leadscore::time::Span::days(1)))
        .await
        .unwrap_or_else(|e| panic!("sweep failed: {e}"));
    let secs = began.elapsed().as_secs_f64();
    json!({
        "seconds": secs,
        "leads": report.leads,
        "changes": report.changes,
        "leads_per_sec": report.leads as f64 / secs,
    })
}

/// Runs every measurement on the store `db_url` names.
async fn bench(backend: &str, db_url: &str, load: &Load) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("temp dir");
    support::write_model(dir.path()).expect("writing the model");
    std::fs::copy(support::shipped_rules(), dir.path().join("rules.toml")).expect("copying rules");
    let mut server = ServeProcess::spawn_with(
        dir.path(),
        db_url,
        // No timer sweep while measuring (the first, at start, finds nothing).
        &["--sweep-interval-secs", "86400"],
    );
    eprintln!(
        "== {backend}: RecordActivities, {} leads × {} events, {} calls on {} connections",
        load.leads,
        load.events_per_lead,
        load.calls(),
        load.conns
    );
    let recorded = record(&server, load).await;
    eprintln!("   {recorded}");
    let after_load = memory(server.child.id());
    eprintln!("== {backend}: ListPrioritizedLeads first pages");
    let default_page = list(&server, load, pb::ListPrioritizedLeadsRequest::default()).await;
    let filtered = list(
        &server,
        load,
        pb::ListPrioritizedLeadsRequest {
            stages: vec![pb::Stage::Nurturing as i32],
            min_score: LIST_MIN_SCORE,
            page_size: 100,
            ..Default::default()
        },
    )
    .await;
    eprintln!("   default {default_page}, filtered {filtered}");
    let after_list = memory(server.child.id());
    server.kill();
    eprintln!("== {backend}: re-score sweep (in-process)");
    let swept = sweep(db_url).await;
    eprintln!("   {swept}");
    json!({
        "backend": backend,
        "leads": load.leads,
        "events_per_lead": load.events_per_lead,
        "batch": load.batch,
        "conns": load.conns,
        "list_calls": load.list_calls,
        "list_min_score": LIST_MIN_SCORE,
        "record": recorded,
        "memory_after_load": after_load,
        "memory_after_list": after_list,
        "list_default": default_page,
        "list_filtered": filtered,
        "sweep": swept,
    })
}

#[tokio::main]
async fn main() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    // Interrupted, the run is dropped: servers killed, files and the
    // PostgreSQL database removed.
    let stopped = tokio::select! {
        () = run() => None,
        _ = tokio::signal::ctrl_c() => Some("interrupted"),
        _ = term.recv() => Some("terminated"),
    };
    if let Some(why) = stopped {
        eprintln!("== {why}; cleaned up");
        std::process::exit(130);
    }
}

/// SQLite, then PostgreSQL when configured; one JSON line each on stdout.
async fn run() {
    let load = Load::from_env();
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite://{}", dir.path().join("leads.db").display());
    println!("{}", bench("SQLite", &sqlite, &load).await);
    match std::env::var("LEADSCORE_BENCH_POSTGRES_URL") {
        Ok(admin) => {
            let (fresh, url) =
                tokio::task::spawn_blocking(move || common::postgres::create_database(&admin))
                    .await
                    .expect("creating the benchmark database");
            println!("{}", bench("PostgreSQL", &url, &load).await);
            drop(fresh);
        }
        Err(_) => eprintln!(
            "== PostgreSQL skipped: set LEADSCORE_BENCH_POSTGRES_URL to a server whose role \
             may create databases (a fresh one is created and dropped)"
        ),
    }
}
