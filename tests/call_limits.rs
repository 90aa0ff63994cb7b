//! Per-call limits: over the concurrency limit, calls are refused at once
//! with RESOURCE_EXHAUSTED (health checks are exempt, permits come back); a
//! call past its deadline (the server's or the client's `grpc-timeout`)
//! ends with DEADLINE_EXCEEDED; a malformed `grpc-timeout` is refused.

mod common;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use leadscore::call_limits::CallLimitsLayer;
use leadscore::server::ServerOptions;
use tokio::sync::Notify;
use tonic::Code;
use tower::{Layer, Service, ServiceExt};

fn req(path: &str) -> http::Request<()> {
    http::Request::builder().uri(path).body(()).unwrap()
}

fn grpc_status(r: &http::Response<tonic::body::Body>) -> Option<String> {
    header(r.headers(), "grpc-status")
}

fn header(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers.get(name).map(|v| v.to_str().unwrap().to_owned())
}

/// A service whose `/slow` calls never finish and whose other calls
/// answer at once.
fn slow_or_fast()
-> impl Service<http::Request<()>, Response = http::Response<tonic::body::Body>, Error = Infallible>
{
    tower::service_fn(|r: http::Request<()>| async move {
        if r.uri().path() == "/slow" {
            std::future::pending::<()>().await;
        }
        Ok::<_, Infallible>(http::Response::new(tonic::body::Body::empty()))
    })
}

#[tokio::test]
async fn a_call_past_the_server_deadline_ends_and_gives_its_permit_back() {
    let mut svc = CallLimitsLayer::new(1, Duration::from_millis(20)).layer(slow_or_fast());
    let late = svc.ready().await.unwrap().call(req("/slow")).await.unwrap();
    assert_eq!(
        grpc_status(&late).as_deref(),
        Some("4"),
        "DEADLINE_EXCEEDED is code 4"
    );
    let fast = svc.ready().await.unwrap().call(req("/fast")).await.unwrap();
    assert_eq!(grpc_status(&fast), None, "the permit came back");
}

#[tokio::test]
async fn a_timeout_too_far_to_represent_means_no_deadline() {
    let mut svc = CallLimitsLayer::new(1, Duration::MAX).layer(slow_or_fast());
    let answer = svc.ready().await.unwrap().call(req("/fast")).await.unwrap();
    assert_eq!(grpc_status(&answer), None);
}

/// (grpc-status, grpc-message) of a call to `path` with `grpc-timeout:
/// value`, under a one-hour server timeout.
async fn with_grpc_timeout(path: &str, value: &str) -> (Option<String>, String) {
    let mut svc = CallLimitsLayer::new(4, Duration::from_secs(3600)).layer(slow_or_fast());
    let call = http::Request::builder()
        .uri(path)
        .header("grpc-timeout", value)
        .body(())
        .unwrap();
    let answer = svc.ready().await.unwrap().call(call).await.unwrap();
    let message = header(answer.headers(), "grpc-message").unwrap_or_default();
    (grpc_status(&answer), message)
}

#[tokio::test]
async fn a_shorter_client_grpc_timeout_wins() {
    let (status, message) = with_grpc_timeout("/slow", "15m").await;
    assert_eq!(status.as_deref(), Some("4"));
    assert!(message.contains("15ms"), "{message}");
}

#[tokio::test]
async fn a_malformed_grpc_timeout_is_an_invalid_argument_naming_the_header() {
    let (status, message) = with_grpc_timeout("/fast", "soon").await;
    assert_eq!(status.as_deref(), Some("3"), "INVALID_ARGUMENT is code 3");
    assert!(message.contains("grpc-timeout"), "{message}");
}

/// Over a real connection: a `ScoreLead` whose request body never comes
/// waits in the handler until the server's deadline ends it.
#[tokio::test]
async fn a_real_server_ends_a_call_stuck_past_its_deadline() {
    let server = TestServer::start_with(ServerOptions {
        request_timeout: Duration::from_millis(100),
        ..Default::default()
    })
    .await;
    let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let (client, connection) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(connection);
    let mut client = client.ready().await.unwrap();
    let headers_only = http::Request::post(format!(
        "http://{}/leadscore.v1.ScoringService/ScoreLead",
        server.addr
    ))
    .header("content-type", "application/grpc")
    .header("te", "trailers")
    .body(())
    .unwrap();
    let (response, _body_never_sent) = client.send_request(headers_only, false).unwrap();
    let response = response.await.unwrap();
    assert_eq!(
        header(response.headers(), "grpc-status").as_deref(),
        Some("4")
    );
    // The server keeps serving.
    server
        .client()
        .await
        .score_lead(request(hot_lead("after")))
        .await
        .unwrap();
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
    let mut svc = CallLimitsLayer::new(1, Duration::from_secs(3600)).layer(inner);
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

/// Peak resident memory (VmHWM) of process `pid`, bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status");
    kib * 1024
}

#[tokio::test]
async fn a_burst_of_large_calls_keeps_the_server_memory_bounded() {
    const BURST: usize = 48;
    let fixture = common::process::fixture_dir();
    let db = format!("sqlite://{}", fixture.path().join("burst.db").display());
    let server = common::process::ServeProcess::spawn_with(
        fixture.path(),
        &db,
        &["--max-concurrent-calls", "2"],
    );
    let pid = server.child.id();
    let client = leadscore::pb::v1::scoring_service_client::ScoringServiceClient::new(
        server.channel().await,
    )
    .max_encoding_message_size(64 << 20)
    .max_decoding_message_size(64 << 20);
    let big = leadscore::pb::v1::ScoreLeadsRequest {
        leads: (0..5_000).map(|i| hot_lead(&format!("b{i}"))).collect(),
        as_of: Some(ago(0.0)),
    };

    let before = peak_rss(pid);
    client.clone().score_leads(big.clone()).await.unwrap();
    let one_call = peak_rss(pid) - before;

    let calls: Vec<_> = (0..BURST)
        .map(|_| {
            let (mut c, r) = (client.clone(), big.clone());
            tokio::spawn(async move { c.score_leads(r).await.map(drop) })
        })
        .collect();
    let mut codes = Vec::new();
    for call in calls {
        codes.push(call.await.unwrap().map_err(|s| s.code()).err());
    }
    let burst = peak_rss(pid) - before;

    let refused = codes
        .iter()
        .filter(|c| **c == Some(Code::ResourceExhausted))
        .count();
    assert!(refused > 0, "the burst met the limit: {codes:?}");
    assert!(
        codes
            .iter()
            .all(|c| c.is_none() || *c == Some(Code::ResourceExhausted)),
        "only OK or RESOURCE_EXHAUSTED: {codes:?}"
    );
    // At most 2 calls run at once, so the peak stays near that of a couple
    // of calls; unbounded, 48 decoded 5,000-lead requests would need ~48x.
    assert!(
        burst <= 4 * one_call + (32 << 20),
        "peak grew {} MiB in the burst vs {} MiB for one call",
        burst >> 20,
        one_call >> 20
    );
    client.clone().score_leads(big).await.unwrap();
}

/// The status of a call to `path` on a real server whose request
/// announces a message of `len` bytes (only the 5-byte prefix is sent: the
/// answer must not wait for the rest).
async fn announced(server: &TestServer, path: &str, len: u32) -> tonic::Status {
    let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let (client, connection) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(connection);
    let mut client = client.ready().await.unwrap();
    let call = http::Request::post(format!("http://{}{path}", server.addr))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .unwrap();
    let (response, mut body) = client.send_request(call, false).unwrap();
    let prefix = [&[0u8][..], &len.to_be_bytes()].concat();
    body.send_data(bytes::Bytes::from(prefix), false).unwrap();
    let response = response.await.unwrap();
    tonic::Status::from_header_map(response.headers()).expect("a trailers-only error answer")
}

/// gRPC's status code table: "Sent or received message was larger than
/// configured limit" is RESOURCE_EXHAUSTED, on every service.
#[tokio::test]
async fn a_message_over_the_limit_is_resource_exhausted_as_grpc_specifies() {
    let server = TestServer::start().await;
    let over = leadscore::server::MAX_MESSAGE_BYTES as u32 + 1;
    for path in [
        "/leadscore.v1.ScoringService/ScoreLeads",
        "/leadscore.v1.LeadService/UpsertLeads",
        "/leadscore.v1.ModelService/GetModel",
    ] {
        let status = announced(&server, path, over).await;
        assert_eq!(status.code(), Code::ResourceExhausted, "{path}: {status:?}");
        assert!(
            status
                .message()
                .contains(&format!("is {over} bytes, the limit is 67108864 bytes")),
            "{path}: {status:?}"
        );
    }
    let health_over = leadscore::grpc::message_limit::MAX_PROTOCOL_MESSAGE_BYTES as u32 + 1;
    let status = announced(&server, "/grpc.health.v1.Health/Check", health_over).await;
    assert_eq!(status.code(), Code::ResourceExhausted, "health: {status:?}");
    // The server keeps serving.
    server
        .client()
        .await
        .score_lead(request(hot_lead("after")))
        .await
        .unwrap();
}
