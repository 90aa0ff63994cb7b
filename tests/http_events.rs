//! Stage changes over HTTP as Server-Sent Events: one event per change,
//! `id:` its cursor, resumed right after `Last-Event-ID` without a gap,
//! bounded by the same `--max-watchers` slots as gRPC watchers, and ended
//! cleanly at shutdown.

mod common;

use common::http_client::{Events, Request};
use common::*;
use leadscore::pb::v1 as pb;
use leadscore::pb::v1::lead_service_client::LeadServiceClient;
use leadscore::server::ServerOptions;
use serde_json::json;

/// Opens the stage-change stream; `last` is sent as `Last-Event-ID`.
async fn watch(server: &TestServer, query: &str, last: Option<&str>) -> (u16, Events) {
    let path = format!("/v1/stageChanges:watch{query}");
    let mut request = Request::new("GET", &path).header("accept", "text/event-stream");
    if let Some(last) = last {
        request = request.header("last-event-id", last);
    }
    let (parts, body) = request.send_streaming(server.http()).await;
    (parts.status.as_u16(), Events::new(body))
}

#[tokio::test]
async fn stage_changes_stream_as_events_and_resume_after_the_last_id_without_a_gap() {
    let server = TestServer::start_with_http(ServerOptions::default()).await;
    let mut c = LeadServiceClient::new(server.channel().await);
    make_sql(&mut c, "w-1").await;
    make_sql(&mut c, "w-2").await;
    let (status, mut first) = watch(&server, "", None).await;
    assert_eq!(status, 200);
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(first.next().await.unwrap());
    }
    for (i, event) in seen.iter().enumerate() {
        assert_eq!(
            event.id.as_deref(),
            Some((i + 1).to_string().as_str()),
            "{seen:?}"
        );
        assert_eq!(
            event.data["cursor"],
            json!((i + 1).to_string()),
            "the id is the cursor"
        );
        assert_eq!(event.event, None);
    }
    drop(first);

    // A reconnect names the first event; the query's cursor is overridden.
    let (_, mut resumed) = watch(&server, "?afterCursor=0", seen[0].id.as_deref()).await;
    assert_eq!(
        resumed.next().await.unwrap(),
        seen[1],
        "right after the last seen"
    );
    assert_eq!(resumed.next().await.unwrap(), seen[2], "no gap");
    let recorded = history_len(&mut c, "w-1").await + history_len(&mut c, "w-2").await;
    let mut last = seen[2].clone();
    while last.id != Some(recorded.to_string()) {
        last = resumed.next().await.unwrap();
    }
    c.assign_lead(pb::AssignLeadRequest {
        lead_id: "w-1".into(),
        owner: "ann".into(),
    })
    .await
    .unwrap();
    let live = resumed.next().await.unwrap();
    assert_eq!(
        live.id,
        Some((recorded + 1).to_string()),
        "live changes follow"
    );
    assert_eq!(live.data["kind"], "STAGE_CHANGE_KIND_ASSIGNED");

    let (status, _) = watch(&server, "", Some("ten")).await;
    assert_eq!(status, 400, "a Last-Event-ID that is no cursor");
    server.stop().await;
}

/// How many stage changes `id` has had.
async fn history_len(c: &mut LeadServiceClient<tonic::transport::Channel>, id: &str) -> usize {
    let lead = pb::GetLeadRequest { lead_id: id.into() };
    c.get_lead(lead).await.unwrap().into_inner().history.len()
}

#[tokio::test]
async fn http_and_grpc_watchers_share_the_max_watchers_budget() {
    let server = TestServer::start_with_http(ServerOptions {
        max_watchers: 1,
        ..Default::default()
    })
    .await;
    let (status, open) = watch(&server, "", None).await;
    assert_eq!(status, 200);
    let refused = Request::new("GET", "/v1/stageChanges:watch")
        .send(server.http())
        .await;
    assert_eq!(
        (refused.status, refused.code()),
        (429, tonic::Code::ResourceExhausted)
    );
    assert!(
        refused.json()["message"]
            .as_str()
            .unwrap()
            .contains("--max-watchers")
    );
    let mut c = LeadServiceClient::new(server.channel().await);
    let grpc = c
        .watch_stage_changes(pb::WatchStageChangesRequest {
            after_cursor: 0,
            ..Default::default()
        })
        .await;
    assert_eq!(grpc.unwrap_err().code(), tonic::Code::ResourceExhausted);
    drop(open);
    let deadline = tokio::time::Instant::now() + sockets::PATIENCE;
    loop {
        let (status, _events) = watch(&server, "", None).await;
        if status == 200 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the slot was never given back"
        );
        tokio::task::yield_now().await;
    }
    server.stop().await;
}

#[tokio::test]
async fn an_open_event_stream_ends_cleanly_at_shutdown() {
    let server = TestServer::start_with_http(ServerOptions::default()).await;
    let mut c = LeadServiceClient::new(server.channel().await);
    make_sql(&mut c, "s-1").await;
    let (_, mut events) = watch(&server, "", None).await;
    assert!(events.next().await.is_some());
    let stopping = tokio::spawn(server.stop());
    // Reads the rest of the backlog, then the clean end (a cut stream panics).
    while events.next().await.is_some() {}
    stopping.await.unwrap();
}
