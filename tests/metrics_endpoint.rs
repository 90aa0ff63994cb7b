//! The Prometheus endpoint is scraped over HTTP and its counters move.

mod common;

use std::sync::Arc;

use common::*;
use leadscore::metrics::Metrics;
use leadscore::server::ServerOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn scrape(addr: std::net::SocketAddr) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut body = String::new();
    stream.read_to_string(&mut body).await.unwrap();
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    body
}

fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(series)
                .and_then(|rest| rest.trim().parse().ok())
        })
        .unwrap_or_else(|| panic!("series {series} missing in:\n{text}"))
}

#[tokio::test]
async fn counters_move_after_calls() {
    let metrics = Arc::new(Metrics::new());
    let server = TestServer::start_with(ServerOptions {
        metrics: Some(metrics.clone()),
        ..Default::default()
    })
    .await;
    server.book.set_metrics(metrics.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics_addr = listener.local_addr().unwrap();
    tokio::spawn(leadscore::metrics::endpoint::serve(
        listener,
        metrics,
        server.lifecycle.clone(),
    ));

    let before = scrape(metrics_addr).await;
    assert!(before.contains("leadscore_active_versions{model_version=\"20260601T000000Z-fixture1\",rules_version=\"sha256:"), "{before}");
    let mut client = server.client().await;
    client.score_lead(request(hot_lead("m1"))).await.unwrap();
    client.score_lead(request(hot_lead("m2"))).await.unwrap();
    client.score_lead(request(hot_lead(""))).await.unwrap_err();
    let batch = leadscore::pb::v1::ScoreLeadsRequest {
        leads: vec![hot_lead("a"), hot_lead("b"), hot_lead("c")],
        as_of: Some(ago(0.0)),
    };
    client.score_leads(batch).await.unwrap();

    let mut leads =
        leadscore::pb::v1::lead_service_client::LeadServiceClient::new(server.channel().await);
    leads
        .list_prioritized_leads(leadscore::pb::v1::ListPrioritizedLeadsRequest::default())
        .await
        .unwrap();
    make_sql(&mut leads, "t1").await;

    let after = scrape(metrics_addr).await;
    assert_eq!(
        value(
            &after,
            "leadscore_store_operation_seconds_count{operation=\"list\"}"
        ),
        1.0
    );
    let ok =
        "leadscore_grpc_calls_total{method=\"/leadscore.v1.ScoringService/ScoreLead\",code=\"OK\"}";
    let bad = "leadscore_grpc_calls_total{method=\"/leadscore.v1.ScoringService/ScoreLead\",code=\"INVALIDARGUMENT\"}";
    assert_eq!(value(&after, ok), 2.0);
    assert_eq!(value(&after, bad), 1.0);
    assert_eq!(value(&after, "leadscore_scores_served_total"), 5.0);
    assert_eq!(
        value(
            &after,
            "leadscore_grpc_call_seconds_count{method=\"/leadscore.v1.ScoringService/ScoreLeads\"}"
        ),
        1.0
    );
    assert_eq!(value(&after, "leadscore_reloads_failed_total"), 0.0);
    assert_eq!(
        value(&after, "leadscore_stage_transitions_total{kind=\"to_sql\"}"),
        1.0,
        "the lead made SQL once"
    );
    assert!(!after.contains("kind=\"accepted\""), "{after}");
}
