//! `WatchStageChanges` under load: every watcher of a process is fed by one
//! reader of the change log, so 200 watchers during 150 writes of 500
//! events keep a real `leadscore serve` small (and it shrinks back when they
//! leave); past the watcher limit a watch is refused with
//! RESOURCE_EXHAUSTED; a watcher that stops reading is ended with ABORTED
//! naming the cursor to resume from, while another receives every change in
//! order.

mod common;

use std::time::Duration;

use common::process::{ServeProcess, fixture_dir};
use common::{TestServer, make_sql};
use leadscore::pb::v1 as pb;
use leadscore::pb::v1::lead_service_client::LeadServiceClient;
use leadscore::server::ServerOptions;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tonic::Code;
use tonic::transport::{Channel, Endpoint};

/// Watchers held open during the writes.
const WATCHERS: usize = 200;
/// Writes, each of [`EVENTS_PER_WRITE`] events.
const WRITES: usize = 150;
/// Events per write.
const EVENTS_PER_WRITE: usize = 500;
/// Leads per write that become SQL (each records a few stage changes).
const HOT_PER_WRITE: usize = 10;
/// Peak server RSS allowed while the watchers are open: the old design (a
/// reader task per watcher, every write waking each onto the blocking pool)
/// grew past 1.4 GB here. README "Limits" documents the same figure.
const PEAK_RSS_MIB: u64 = 160;
/// How far above its start the server's RSS may stay once the watchers
/// left: the store's page cache legitimately holds the data written.
const SETTLED_RSS_SLACK_MIB: u64 = 48;
/// Generous bound of every wait for a condition.
const PATIENCE: Duration = Duration::from_secs(120);

/// Resident set of process `pid`, in MiB (`VmRSS` of /proc/PID/status).
fn rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .expect("VmRSS line");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("VmRSS in kB");
    kib / 1024
}

/// A hot profile for `id` (see [`common::hot_lead`]).
fn hot_upsert(id: &str) -> pb::LeadUpsert {
    let hot = common::hot_lead(id);
    pb::LeadUpsert {
        lead_id: id.to_owned(),
        profile: hot.profile,
        bant: hot.bant,
        update_mask: None,
    }
}

/// Lead ids that become SQL in write `w`.
fn hot_ids(w: usize, per_write: usize) -> Vec<String> {
    (0..per_write)
        .map(|i| format!("hot-{w:04}-{i:03}"))
        .collect()
}

/// Write `w`: the hot leads' events, padded with blog reads of cold leads
/// to `total` events.
fn write_events(w: usize, per_write: usize, total: usize) -> Vec<pb::ActivityEvent> {
    let mut events: Vec<_> = hot_ids(w, per_write)
        .iter()
        .flat_map(|id| common::hot_events(id))
        .collect();
    let at = Some(prost_types::Timestamp {
        seconds: leadscore::time::Timestamp::now().unix_seconds() - 3600,
        nanos: 0,
    });
    let mut i = 0;
    while events.len() < total {
        events.push(pb::ActivityEvent {
            event_id: format!("cold-{w}-{i}"),
            lead_id: format!("cold-{w:04}-{:03}", i / 5),
            r#type: "blog_read".into(),
            occurred_at: at,
        });
        i += 1;
    }
    events
}

/// The newest cursor among the changes of lead `id`.
async fn last_cursor_of(c: &mut LeadServiceClient<Channel>, id: &str) -> i64 {
    let lead = c
        .get_lead(pb::GetLeadRequest { lead_id: id.into() })
        .await
        .unwrap()
        .into_inner();
    let last = lead.history.iter().map(|h| h.cursor).max();
    last.expect("the hot lead recorded changes") as i64
}

/// Reads a feed watched after cursor `from`, checking every cursor follows
/// the one before (in order, nothing missed, nothing twice) and publishing
/// the last one, until it reaches `target`. Returns the last cursor read.
async fn follow(
    mut feed: tonic::Streaming<pb::StageChange>,
    from: i64,
    mut target: watch::Receiver<i64>,
    seen: watch::Sender<i64>,
) -> i64 {
    let mut last = from;
    loop {
        if last >= *target.borrow_and_update() {
            return last;
        }
        tokio::select! {
            change = feed.message() => {
                let change = change.unwrap().expect("the feed ended early");
                let cursor = change.cursor as i64;
                assert_eq!(cursor, last + 1, "cursors follow one another");
                last = cursor;
                seen.send_replace(last);
            }
            changed = target.changed() => changed.unwrap(),
        }
    }
}

/// Waits (bounded) until `seen` reaches `cursor`.
async fn reached(seen: &mut watch::Receiver<i64>, cursor: i64) {
    tokio::time::timeout(PATIENCE, seen.wait_for(|s| *s >= cursor))
        .await
        .expect("the watcher kept up")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_watchers_during_heavy_writes_keep_the_server_small() {
    let fixture = fixture_dir();
    let db = format!("sqlite://{}", fixture.path().join("leads.db").display());
    let server = ServeProcess::spawn(fixture.path(), &db);
    let pid = server.child.id();
    let mut c = server.leads().await;
    let hot: Vec<_> = (0..WRITES)
        .flat_map(|w| hot_ids(w, HOT_PER_WRITE))
        .map(|id| hot_upsert(&id))
        .collect();
    c.upsert_leads(pb::UpsertLeadsRequest { leads: hot })
        .await
        .unwrap();
    let start = rss_mib(pid);

    // Ten connections of twenty streams each, as a fleet of consumers would.
    let (target_tx, target) = watch::channel(i64::MAX);
    let mut watchers = JoinSet::new();
    let mut progress = Vec::new();
    for _ in 0..WATCHERS / 20 {
        let channel = server.channel().await;
        for _ in 0..20 {
            let feed = LeadServiceClient::new(channel.clone())
                .watch_stage_changes(pb::WatchStageChangesRequest {
                    after_cursor: 0,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            let (seen_tx, seen) = watch::channel(0);
            progress.push(seen);
            watchers.spawn(follow(feed, 0, target.clone(), seen_tx));
        }
    }

    let mut peak = start;
    for w in 0..WRITES {
        let events = write_events(w, HOT_PER_WRITE, EVENTS_PER_WRITE);
        c.record_activities(pb::RecordActivitiesRequest { events })
            .await
            .unwrap();
        peak = peak.max(rss_mib(pid));
    }
    let last_hot = hot_ids(WRITES - 1, HOT_PER_WRITE).pop().unwrap();
    let last = last_cursor_of(&mut c, &last_hot).await;
    for seen in &mut progress {
        reached(seen, last).await;
        peak = peak.max(rss_mib(pid));
    }
    target_tx.send_replace(last);
    while let Some(read) = watchers.join_next().await {
        assert_eq!(read.unwrap(), last, "every watcher read every change");
    }
    assert!(
        peak < PEAK_RSS_MIB,
        "server RSS peaked at {peak} MiB (started at {start} MiB) with {WATCHERS} watchers"
    );

    // The watchers are gone: the server gives their memory back.
    drop(progress);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut now = rss_mib(pid);
    while now > start + SETTLED_RSS_SLACK_MIB && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        now = rss_mib(pid);
    }
    assert!(
        now <= start + SETTLED_RSS_SLACK_MIB,
        "server RSS stayed at {now} MiB after the watchers left (started at {start} MiB, peak {peak} MiB)"
    );
}

#[tokio::test]
async fn past_the_watcher_limit_a_watch_is_refused_until_one_leaves() {
    let server = TestServer::start_with(ServerOptions {
        max_watchers: 3,
        ..Default::default()
    })
    .await;
    let mut c = LeadServiceClient::new(server.channel().await);
    let watch = pb::WatchStageChangesRequest {
        after_cursor: 0,
        ..Default::default()
    };
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(c.watch_stage_changes(watch).await.unwrap().into_inner());
    }
    let refused = c.watch_stage_changes(watch).await.unwrap_err();
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    assert!(
        refused.message().contains("limit of 3 change watchers"),
        "{refused:?}"
    );
    // Other calls are not limited by it.
    make_sql(&mut c, "w1").await;

    // A watcher leaves: its slot comes back once the server sees it go.
    drop(open.pop());
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        match c.watch_stage_changes(watch).await {
            Ok(feed) => {
                open.push(feed.into_inner());
                break;
            }
            Err(e) if e.code() == Code::ResourceExhausted => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "the slot never came back"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    let first = open[2].message().await.unwrap().unwrap();
    assert_eq!(first.cursor, 1, "the new watcher reads from its cursor");
}

/// A channel whose HTTP/2 windows are small, so that a stream it stops
/// reading pushes back on the server after a few hundred changes.
async fn narrow_channel(server: &TestServer) -> Channel {
    Endpoint::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .initial_stream_window_size(65_535)
        .initial_connection_window_size(65_535)
        .connect()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_that_stops_reading_is_told_to_resume_while_another_gets_every_change() {
    const ROUNDS: usize = 8;
    const LEADS_PER_ROUND: usize = 500;
    let server = TestServer::start().await;
    let mut c = LeadServiceClient::new(server.channel().await)
        .max_decoding_message_size(64 << 20)
        .max_encoding_message_size(64 << 20);
    let watch = pb::WatchStageChangesRequest {
        after_cursor: 0,
        ..Default::default()
    };
    let mut stalled = LeadServiceClient::new(narrow_channel(&server).await)
        .watch_stage_changes(watch)
        .await
        .unwrap()
        .into_inner();
    let reader = c.watch_stage_changes(watch).await.unwrap().into_inner();
    let (target_tx, target) = watch::channel(i64::MAX);
    let (seen_tx, mut seen) = watch::channel(0);
    let follower = tokio::spawn(follow(reader, 0, target.clone(), seen_tx));

    // Rounds of new SQLs, each far smaller than the feed's window, each
    // waiting for the reading watcher, so only the stalled one falls behind.
    let mut last = 0;
    for round in 0..ROUNDS {
        let ids = hot_ids(round, LEADS_PER_ROUND);
        let leads = ids.iter().map(|id| hot_upsert(id)).collect();
        c.upsert_leads(pb::UpsertLeadsRequest { leads })
            .await
            .unwrap();
        let events = ids.iter().flat_map(|id| common::hot_events(id)).collect();
        c.record_activities(pb::RecordActivitiesRequest { events })
            .await
            .unwrap();
        last = last_cursor_of(&mut c, ids.last().unwrap()).await;
        reached(&mut seen, last).await;
    }
    assert!(
        last > leadscore::live::feed::WINDOW as i64 * 3 / 2,
        "{last} changes overflow the feed's window"
    );
    target_tx.send_replace(last);
    assert_eq!(follower.await.unwrap(), last, "the reader got every change");

    // The stalled watcher gets what was queued for it, in order, then is
    // told where to resume.
    let mut got = 0;
    let ended = loop {
        match stalled.message().await {
            Ok(Some(change)) => {
                assert_eq!(change.cursor as i64, got + 1);
                got += 1;
            }
            Ok(None) => panic!("the feed ended without saying why"),
            Err(status) => break status,
        }
    };
    assert_eq!(ended.code(), Code::Aborted, "{ended:?}");
    assert!(
        ended.message().contains(&format!("after_cursor = {got} ")),
        "{ended:?}"
    );
    assert!(got < last / 2, "it stopped long before the end ({got})");
    // Resuming there, far behind the window, it catches up from the store
    // and joins the live feed: every change once, in order.
    let resumed = c
        .watch_stage_changes(pb::WatchStageChangesRequest {
            after_cursor: got as u64,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let (seen_tx, _seen) = watch::channel(got);
    assert_eq!(follow(resumed, got, target, seen_tx).await, last);
}
