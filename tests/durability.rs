//! An acknowledged `RecordActivities` batch survives `kill -9`: batches go
//! to a real `leadscore serve` process (SQLite file) from concurrent
//! senders, the process is SIGKILLed once some batches are acknowledged
//! while others are outstanding, and a restart on the same file must hold
//! every acknowledged event exactly once, and every other batch entirely or
//! not at all (one transaction per batch).
//!
//! No sleeps: the kill is triggered by counting acknowledgements.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::process::{ServeProcess, fixture_dir};
use leadscore::pb::v1 as pb;
use tokio::sync::mpsc;

/// Concurrent senders.
const SENDERS: usize = 4;
/// Events per batch.
const BATCH: usize = 200;
/// Leads the events are spread over (each batch touches all of them).
const LEADS: usize = 25;
/// Acknowledged batches after which the process is killed.
const KILL_AFTER: usize = 12;
/// Upper bound of batches sent, should the kill never come.
const MAX_BATCHES: usize = 400;

/// Batch `b`'s events, with ids unique across batches.
fn batch(b: usize) -> Vec<pb::ActivityEvent> {
    let now = leadscore::time::Timestamp::now().unix_seconds();
    let types = common::WEIGHTS;
    (0..BATCH)
        .map(|i| pb::ActivityEvent {
            event_id: format!("b{b:04}-e{i:04}"),
            lead_id: format!("lead-{:02}", i % LEADS),
            r#type: types[i % types.len()].0.to_owned(),
            occurred_at: Some(prost_types::Timestamp {
                seconds: now - (b * BATCH + i) as i64,
                nanos: 0,
            }),
        })
        .collect()
}

/// What became of one sent batch.
#[derive(Debug)]
struct Sent {
    /// Batch number.
    batch: usize,
    /// Whether the server answered, with every event recorded.
    acknowledged: bool,
}

async fn sender(
    mut client: leadscore::pb::v1::lead_service_client::LeadServiceClient<
        tonic::transport::Channel,
    >,
    next: Arc<AtomicUsize>,
    report: mpsc::UnboundedSender<Sent>,
) {
    loop {
        let b = next.fetch_add(1, Ordering::SeqCst);
        if b >= MAX_BATCHES {
            return;
        }
        let answer = client
            .record_activities(pb::RecordActivitiesRequest { events: batch(b) })
            .await;
        let acknowledged = match answer {
            Ok(r) => {
                let results = r.into_inner().results;
                assert_eq!(results.len(), BATCH);
                for r in &results {
                    assert_eq!(r.status, pb::EventStatus::Recorded as i32, "{r:?}");
                }
                true
            }
            Err(_) => false,
        };
        if report
            .send(Sent {
                batch: b,
                acknowledged,
            })
            .is_err()
            || !acknowledged
        {
            return;
        }
    }
}

/// Re-sends batch `b` and returns how many of its events were duplicates
/// (the rest must be newly recorded).
async fn resend(
    client: &mut leadscore::pb::v1::lead_service_client::LeadServiceClient<
        tonic::transport::Channel,
    >,
    b: usize,
) -> usize {
    let results = client
        .record_activities(pb::RecordActivitiesRequest { events: batch(b) })
        .await
        .unwrap()
        .into_inner()
        .results;
    let duplicate = pb::EventStatus::Duplicate as i32;
    let recorded = pb::EventStatus::Recorded as i32;
    assert!(
        results
            .iter()
            .all(|r| r.status == duplicate || r.status == recorded)
    );
    results.iter().filter(|r| r.status == duplicate).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_batches_survive_sigkill_exactly_once() {
    let fixture = fixture_dir();
    let db = format!("sqlite://{}", fixture.path().join("leads.db").display());
    let mut server = ServeProcess::spawn(fixture.path(), &db);

    let next = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut senders = Vec::new();
    for _ in 0..SENDERS {
        let client = server.leads().await;
        senders.push(tokio::spawn(sender(client, next.clone(), tx.clone())));
    }
    drop(tx);

    // Kill once KILL_AFTER batches are acknowledged; the other senders
    // have calls outstanding (each sends its next batch at once).
    let mut sent: BTreeMap<usize, bool> = BTreeMap::new();
    while sent.values().filter(|a| **a).count() < KILL_AFTER {
        let s = rx.recv().await.expect("senders stopped before the kill");
        assert!(s.acknowledged, "a call failed before the kill: {s:?}");
        sent.insert(s.batch, true);
    }
    server.kill();
    while let Some(s) = rx.recv().await {
        sent.insert(s.batch, s.acknowledged);
    }
    for s in senders {
        s.await.unwrap();
    }
    let started = next.load(Ordering::SeqCst).min(MAX_BATCHES);
    let acknowledged: Vec<usize> = sent.iter().filter(|(_, a)| **a).map(|(b, _)| *b).collect();
    assert!(acknowledged.len() >= KILL_AFTER);
    assert!(
        started > acknowledged.len(),
        "no batch was outstanding at the kill ({started} started)"
    );

    let server = ServeProcess::spawn(fixture.path(), &db);
    let mut client = server.leads().await;
    for &b in &acknowledged {
        assert_eq!(
            resend(&mut client, b).await,
            BATCH,
            "acknowledged batch {b} is not entirely stored"
        );
    }
    // Batches cut off by the kill: all or nothing; now stored once.
    let (mut cut_off, mut stored_unacknowledged) = (0, 0);
    for b in (0..started).filter(|b| !acknowledged.contains(b)) {
        let duplicates = resend(&mut client, b).await;
        assert!(
            duplicates == 0 || duplicates == BATCH,
            "batch {b} is half stored: {duplicates} of {BATCH} events"
        );
        cut_off += 1;
        stored_unacknowledged += usize::from(duplicates == BATCH);
        assert_eq!(resend(&mut client, b).await, BATCH);
    }
    assert!(cut_off > 0);
    eprintln!(
        "{} batches acknowledged before the kill, {cut_off} outstanding \
         ({stored_unacknowledged} of them committed, unanswered)",
        acknowledged.len()
    );
}
