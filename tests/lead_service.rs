//! `LeadService` over a real socket: ingest, get, list, hand-off, the
//! change feed resumed from a cursor, and bad input named by field.

mod common;

use common::{hot_events as events, make_sql};

use leadscore::pb::v1 as pb;
use leadscore::pb::v1::lead_service_client::LeadServiceClient;
use tonic::Code;
use tonic::transport::Channel;

async fn client(server: &common::TestServer) -> LeadServiceClient<Channel> {
    LeadServiceClient::new(server.channel().await)
}

fn assert_invalid(status: tonic::Status, code: Code, field: &str) {
    assert_eq!(status.code(), code, "{status:?}");
    assert!(status.message().contains(field), "{status:?} names {field}");
}

#[tokio::test]
async fn a_lead_goes_from_events_to_sql_to_accepted_and_the_feed_resumes() {
    let server = common::TestServer::start().await;
    let mut c = client(&server).await;
    make_sql(&mut c, "g1").await;
    let lead = common::get_lead(&mut c, "g1").await.lead.unwrap();
    assert_eq!(lead.stage, pb::Stage::Sql as i32);
    let score = lead.score.unwrap();
    assert_eq!(score.stage, pb::Stage::Sql as i32);
    assert_eq!(
        lead.owner, "ava",
        "US is ava and ben's territory, ava first"
    );

    let page = c
        .list_prioritized_leads(pb::ListPrioritizedLeadsRequest {
            stages: vec![pb::Stage::Sql as i32],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.leads.len(), 1);
    assert!(!page.leads[0].stage_reason.is_empty());

    let accepted = c
        .accept_lead(pb::AcceptLeadRequest {
            lead_id: "g1".into(),
            owner: "ava".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .lead
        .unwrap();
    assert_eq!(accepted.status, pb::HandOffStatus::Accepted as i32);
    assert!(accepted.follow_up_due.is_some());

    let mut feed = c
        .watch_stage_changes(pb::WatchStageChangesRequest {
            after_cursor: 0,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut kinds = Vec::new();
    for _ in 0..3 {
        kinds.push(feed.message().await.unwrap().unwrap());
    }
    let k: Vec<i32> = kinds.iter().map(|c| c.kind).collect();
    use pb::StageChangeKind as K;
    assert_eq!(k, [K::ToSql as i32, K::Assigned as i32, K::Accepted as i32]);
    drop(feed);
    // Reconnect after the second change: the third comes again, then new ones live.
    let mut feed = c
        .watch_stage_changes(pb::WatchStageChangesRequest {
            after_cursor: kinds[1].cursor,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        feed.message().await.unwrap().unwrap().cursor,
        kinds[2].cursor
    );
    // From the newest: nothing already recorded, only what comes next.
    let mut from_now = c
        .watch_stage_changes(pb::WatchStageChangesRequest {
            from_newest: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let both = pb::WatchStageChangesRequest {
        after_cursor: 1,
        from_newest: true,
    };
    let refused = c.watch_stage_changes(both).await.unwrap_err();
    assert_invalid(refused, Code::InvalidArgument, "from_newest");
    c.record_outcome(pb::RecordOutcomeRequest {
        lead_id: "g1".into(),
        outcome: pb::Outcome::Won as i32,
        occurred_at: Some(prost_types::Timestamp {
            seconds: leadscore::time::Timestamp::now().unix_seconds(),
            nanos: 0,
        }),
    })
    .await
    .unwrap();
    assert_eq!(feed.message().await.unwrap().unwrap().kind, K::Won as i32);
    assert_eq!(
        from_now.message().await.unwrap().unwrap().kind,
        K::Won as i32
    );
}

#[tokio::test]
async fn bad_input_is_named_by_field() {
    let server = common::TestServer::start().await;
    let mut c = client(&server).await;
    let err = c
        .list_prioritized_leads(pb::ListPrioritizedLeadsRequest {
            stages: vec![42],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_invalid(err, Code::InvalidArgument, "stages[0]");
    let err = c
        .list_prioritized_leads(pb::ListPrioritizedLeadsRequest {
            page_token: "not-a-token".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_invalid(err, Code::InvalidArgument, "page_token");
    let err = c
        .list_prioritized_leads(pb::ListPrioritizedLeadsRequest {
            page_size: 1001,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_invalid(err, Code::InvalidArgument, "page_size");
    make_sql(&mut c, "b1").await;
    let err = c
        .reject_lead(pb::RejectLeadRequest {
            lead_id: "b1".into(),
            reason: " ".into(),
        })
        .await
        .unwrap_err();
    assert_invalid(err, Code::InvalidArgument, "reason");
    c.upsert_leads(pb::UpsertLeadsRequest {
        leads: vec![pb::LeadUpsert {
            lead_id: "cold".into(),
            ..Default::default()
        }],
    })
    .await
    .unwrap();
    let err = c
        .accept_lead(pb::AcceptLeadRequest {
            lead_id: "cold".into(),
            owner: "ava".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
    let err = c
        .get_lead(pb::GetLeadRequest {
            lead_id: "nobody".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound, "{err:?}");
    let err = c
        .upsert_leads(pb::UpsertLeadsRequest {
            leads: vec![pb::LeadUpsert {
                lead_id: "m".into(),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["profile.shoe_size".into()],
                }),
                ..Default::default()
            }],
        })
        .await
        .unwrap_err();
    assert_invalid(err, Code::InvalidArgument, "leads[0].update_mask.paths[0]");

    let mut batch = events("e1");
    batch[1].occurred_at = None;
    batch[2].r#type.clear();
    let results = c
        .record_activities(pb::RecordActivitiesRequest { events: batch })
        .await
        .unwrap()
        .into_inner()
        .results;
    let status: Vec<i32> = results.iter().map(|r| r.status).collect();
    let (ok, bad) = (
        pb::EventStatus::Recorded as i32,
        pb::EventStatus::Rejected as i32,
    );
    assert_eq!(status, [ok, bad, bad, ok, ok, ok]);
    assert!(
        results[1].reason.starts_with("events[1].occurred_at"),
        "{:?}",
        results[1]
    );
    assert!(
        results[2].reason.starts_with("events[2].type"),
        "{:?}",
        results[2]
    );
}

#[tokio::test]
async fn an_event_id_reused_by_another_lead_is_recorded_and_a_duplicate_says_why() {
    let server = common::TestServer::start().await;
    let mut c = client(&server).await;
    let mut batch = events("r1");
    let mut theirs = events("r2");
    for (mine, other) in batch.iter().zip(&mut theirs) {
        other.event_id.clone_from(&mine.event_id);
    }
    batch.extend(theirs);
    let results = c
        .record_activities(pb::RecordActivitiesRequest {
            events: batch.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .results;
    common::assert_all_recorded(&results);
    for lead in ["r1", "r2"] {
        let got = common::get_lead(&mut c, lead).await;
        assert_eq!(got.lead.unwrap().lead_id, lead);
    }
    let again = c
        .record_activities(pb::RecordActivitiesRequest { events: batch })
        .await
        .unwrap()
        .into_inner()
        .results;
    for r in &again {
        assert_eq!(r.status, pb::EventStatus::Duplicate as i32, "{r:?}");
        assert!(r.reason.contains("already has an event"), "{r:?}");
    }
}

fn outcome(lead: &str, won: bool, seconds: i64) -> pb::RecordOutcomeRequest {
    let outcome = if won {
        pb::Outcome::Won
    } else {
        pb::Outcome::Lost
    };
    pb::RecordOutcomeRequest {
        lead_id: lead.into(),
        outcome: outcome as i32,
        occurred_at: Some(prost_types::Timestamp { seconds, nanos: 0 }),
    }
}

#[tokio::test]
async fn record_outcomes_answers_each_entry_and_records_the_rest() {
    let server = common::TestServer::start().await;
    let mut c = client(&server).await;
    for lead in ["o1", "o2", "o3"] {
        let batch = pb::RecordActivitiesRequest {
            events: events(lead),
        };
        common::assert_all_recorded(
            &c.record_activities(batch)
                .await
                .unwrap()
                .into_inner()
                .results,
        );
    }
    let now = leadscore::time::Timestamp::now().unix_seconds();
    c.record_outcome(outcome("o3", true, now)).await.unwrap();
    let request = pb::RecordOutcomesRequest {
        outcomes: vec![
            outcome("o1", true, now),
            outcome("o2", false, now),
            outcome("o3", false, now),
            outcome("nobody", true, now),
            outcome("o1", false, now),
            pb::RecordOutcomeRequest {
                occurred_at: None,
                ..outcome("o4", true, now)
            },
        ],
    };
    let results = c
        .record_outcomes(request)
        .await
        .unwrap()
        .into_inner()
        .results;
    let status: Vec<i32> = results.iter().map(|r| r.status).collect();
    let (ok, no) = (
        pb::OutcomeStatus::Recorded as i32,
        pb::OutcomeStatus::Rejected as i32,
    );
    assert_eq!(status, [ok, ok, no, no, no, no], "{results:?}");
    let ids: Vec<&str> = results.iter().map(|r| r.lead_id.as_str()).collect();
    assert_eq!(ids, ["o1", "o2", "o3", "nobody", "o1", "o4"]);
    let won = results[0].lead.as_ref().unwrap();
    assert_eq!(won.status, pb::HandOffStatus::Won as i32);
    assert_eq!(
        results[1].lead.as_ref().unwrap().status,
        pb::HandOffStatus::Lost as i32
    );
    assert!(
        results[2].reason.contains("already has an outcome"),
        "{:?}",
        results[2]
    );
    assert!(results[3].reason.contains("nobody"), "{:?}", results[3]);
    assert!(
        results[4].reason.contains("outcomes[4].lead_id"),
        "{:?}",
        results[4]
    );
    assert!(
        results[5].reason.contains("outcomes[5].occurred_at"),
        "{:?}",
        results[5]
    );
    let stored = common::get_lead(&mut c, "o3").await.lead.unwrap();
    assert_eq!(
        stored.status,
        pb::HandOffStatus::Won as i32,
        "a refused entry changes nothing"
    );

    let too_many = pb::RecordOutcomesRequest {
        outcomes: vec![outcome("o1", true, now); leadscore::lead::limits::MAX_OUTCOMES + 1],
    };
    assert_invalid(
        c.record_outcomes(too_many).await.unwrap_err(),
        Code::InvalidArgument,
        "outcomes",
    );
}
