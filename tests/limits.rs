//! Back-pressure: over the concurrency limit, calls are refused at once
//! with RESOURCE_EXHAUSTED; health checks are exempt; permits come back.

mod common;

use std::convert::Infallible;
use std::sync::Arc;

use common::*;
use leadscore::limits::ConcurrencyLayer;
use leadscore::server::ServerOptions;
use tokio::sync::Notify;
use tonic::Code;
use tower::{Layer, Service, ServiceExt};

fn req(path: &str) -> http::Request<()> {
    http::Request::builder().uri(path).body(()).unwrap()
}

fn grpc_status(r: &http::Response<tonic::body::Body>) -> Option<String> {
    r.headers()
        .get("grpc-status")
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_call_over_the_limit_is_refused_and_the_permit_returns() {
    let gate = Arc::new(Notify::new());
    let inner = {
        let gate = gate.clone();
        tower::service_fn(move |r: http::Request<()>| {
            let gate = gate.clone();
            async move {
                if !r.uri().path().starts_with("/grpc.health") {
                    gate.notified().await;
                }
                Ok::<_, Infallible>(http::Response::new(tonic::body::Body::empty()))
            }
        })
    };
    let mut svc = ConcurrencyLayer::new(1).layer(inner);
    let score = "/leadscore.v1.ScoringService/ScoreLead";

    let first = svc.ready().await.unwrap().call(req(score));
    let refused = svc.ready().await.unwrap().call(req(score)).await.unwrap();
    assert_eq!(
        grpc_status(&refused).as_deref(),
        Some("8"),
        "RESOURCE_EXHAUSTED is code 8"
    );
    let health = svc
        .ready()
        .await
        .unwrap()
        .call(req("/grpc.health.v1.Health/Check"))
        .await
        .unwrap();
    assert_eq!(grpc_status(&health), None, "health is exempt");

    gate.notify_one();
    assert_eq!(grpc_status(&first.await.unwrap()), None);
    let again = svc.ready().await.unwrap().call(req(score));
    gate.notify_one();
    assert_eq!(
        grpc_status(&again.await.unwrap()),
        None,
        "the permit came back"
    );
}

#[tokio::test]
async fn a_real_server_at_its_limit_answers_resource_exhausted() {
    let server = TestServer::start_with(ServerOptions {
        max_concurrent_calls: 0,
        ..Default::default()
    })
    .await;
    let err = server
        .client()
        .await
        .score_lead(request(hot_lead("x")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);
    assert!(
        err.message().contains("retry with backoff"),
        "{}",
        err.message()
    );
}
