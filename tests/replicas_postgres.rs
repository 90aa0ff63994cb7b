//! Two `leadscore serve` processes on one PostgreSQL database (a fresh
//! one, see `common::postgres`): concurrent activity for the same leads
//! through both records each stage transition exactly once, both feeds
//! show the same gap-free log, and both list the same priorities.

mod common;

use std::collections::BTreeMap;

use common::process::{ServeProcess, fixture_dir};
use leadscore::pb::v1 as pb;
use leadscore::pb::v1::lead_service_client::LeadServiceClient;
use pb::StageChangeKind as K;
use tokio::task::JoinSet;
use tonic::transport::Channel;

/// Leads both replicas work on.
const LEADS: usize = 12;

/// The hot lead's activities for `lead`, now-relative; replica `side`
/// (0 or 1) sends every other one, under its own event ids.
fn events(lead: &str, side: usize) -> Vec<pb::ActivityEvent> {
    common::hot_events(lead)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == side)
        .map(|(i, e)| pb::ActivityEvent {
            event_id: format!("{lead}-{side}-{i}"),
            ..e
        })
        .collect()
}

/// The first `n` changes of a replica's feed from cursor 0.
async fn feed(mut c: LeadServiceClient<Channel>, n: usize) -> Vec<pb::StageChange> {
    let mut stream = c
        .watch_stage_changes(pb::WatchStageChangesRequest {
            after_cursor: 0,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        out.push(stream.message().await.unwrap().expect("feed ended"));
    }
    out
}

async fn list(c: &mut LeadServiceClient<Channel>) -> pb::ListPrioritizedLeadsResponse {
    c.list_prioritized_leads(pb::ListPrioritizedLeadsRequest {
        page_size: 1_000,
        ..Default::default()
    })
    .await
    .unwrap()
    .into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_record_each_transition_once() {
    let Some((_fresh, url)) = common::postgres::fresh_database().await else {
        return;
    };
    let fixture = fixture_dir();
    let replicas = [
        ServeProcess::spawn(fixture.path(), &url),
        ServeProcess::spawn(fixture.path(), &url),
    ];
    let mut clients = Vec::new();
    for r in &replicas {
        clients.push(r.leads().await);
    }
    let ids: Vec<String> = (0..LEADS).map(|i| format!("r{i:02}")).collect();

    // Profiles through replica 0, then every lead's activity through both at once.
    let hot = |id: &String| {
        let h = common::hot_lead(id);
        pb::LeadUpsert {
            lead_id: id.clone(),
            profile: h.profile,
            bant: h.bant,
            update_mask: None,
        }
    };
    clients[0]
        .upsert_leads(pb::UpsertLeadsRequest {
            leads: ids.iter().map(hot).collect(),
        })
        .await
        .unwrap();
    let mut calls = JoinSet::new();
    for id in &ids {
        for (side, client) in clients.iter().enumerate() {
            let (mut c, events) = (client.clone(), events(id, side));
            calls.spawn(async move {
                c.record_activities(pb::RecordActivitiesRequest { events })
                    .await
                    .unwrap()
                    .into_inner()
            });
        }
    }
    while let Some(answer) = calls.join_next().await {
        let recorded = pb::EventStatus::Recorded as i32;
        assert!(answer.unwrap().results.iter().all(|r| r.status == recorded));
    }

    // The store's history of every lead, read through replica 1.
    let mut history: BTreeMap<String, Vec<pb::StageChange>> = BTreeMap::new();
    for id in &ids {
        let got = common::get_lead(&mut clients[1], id).await;
        assert_eq!(got.lead.unwrap().stage, pb::Stage::Sql as i32, "lead {id}");
        history.insert(id.clone(), got.history);
    }
    let total: usize = history.values().map(Vec::len).sum();

    // Both feeds: the same gap-free log, each transition once per lead.
    let (a, b) = tokio::join!(
        feed(clients[0].clone(), total),
        feed(clients[1].clone(), total)
    );
    assert_eq!(a, b, "the replicas' feeds differ");
    let cursors: Vec<u64> = a.iter().map(|c| c.cursor).collect();
    assert_eq!(
        cursors,
        (1..=total as u64).collect::<Vec<_>>(),
        "gaps in the log"
    );
    for id in &ids {
        let of_lead: Vec<&pb::StageChange> = a.iter().filter(|c| &c.lead_id == id).collect();
        let kinds: Vec<i32> = of_lead.iter().map(|c| c.kind).collect();
        let count = |k: K| kinds.iter().filter(|x| **x == k as i32).count();
        assert_eq!(count(K::ToSql), 1, "lead {id}: {kinds:?}");
        assert_eq!(count(K::Assigned), 1, "lead {id}: {kinds:?}");
        assert!(count(K::ToMql) <= 1, "lead {id}: {kinds:?}");
        let stored: Vec<&pb::StageChange> = history[id].iter().collect();
        assert_eq!(
            of_lead, stored,
            "lead {id}: feed and GetLead history differ"
        );
    }

    // Both replicas list the same priorities.
    let (first, second) = (list(&mut clients[0]).await, list(&mut clients[1]).await);
    assert_eq!(first.leads.len(), LEADS);
    assert_eq!(first, second);
}
