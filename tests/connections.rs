//! Connection limits over real sockets: a connection that never sends the
//! HTTP/2 preface, or only part of it, is closed at the handshake deadline;
//! one that never answers keep-alive PINGs is closed; past the connection
//! cap a new connection is closed at once, and once the silent ones are
//! closed a normal call succeeds again. Live clients are kept throughout.

mod common;

use std::time::Duration;

use common::sockets::{PATIENCE, closed_by_server, h2_connection, health_check, still_open};
use common::{TestServer, hot_lead, request};
use leadscore::connections::ConnectionLimits;
use leadscore::pb::v1::scoring_service_client::ScoringServiceClient;
use leadscore::server::ServerOptions;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

async fn server(max_connections: usize, handshake_timeout: Duration) -> TestServer {
    TestServer::start_with(ServerOptions {
        connections: ConnectionLimits {
            max_connections,
            handshake_timeout,
        },
        ..Default::default()
    })
    .await
}

/// A `ScoreLead` over a new channel, or why it failed.
async fn score(server: &TestServer) -> Result<(), String> {
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .connect()
        .await
        .map_err(|e| format!("connect: {e:?}"))?;
    ScoringServiceClient::new(channel)
        .score_lead(request(hot_lead("c1")))
        .await
        .map(drop)
        .map_err(|e| format!("call: {e:?}"))
}

#[tokio::test]
async fn connections_that_never_send_the_preface_are_closed_at_the_handshake_deadline() {
    let server = server(512, Duration::from_millis(300)).await;
    // A real client, connected before the silent ones.
    let live = h2_connection(server.addr).await;
    let mut silent = Vec::new();
    for _ in 0..20 {
        silent.push(TcpStream::connect(server.addr).await.unwrap());
    }
    let mut partial = TcpStream::connect(server.addr).await.unwrap();
    partial.write_all(b"PRI * HTTP/2.0\r\n").await.unwrap();
    for tcp in &mut silent {
        closed_by_server(tcp).await;
    }
    closed_by_server(&mut partial).await;
    // Past the deadline, the client that did send its preface is served.
    assert_eq!(health_check(live, server.addr).await, "0");
    score(&server).await.unwrap();
}

#[tokio::test]
async fn a_peer_that_never_answers_keepalive_pings_is_closed() {
    let server = TestServer::start_with(ServerOptions {
        keepalive_interval: Duration::from_millis(200),
        keepalive_timeout: Duration::from_millis(200),
        ..Default::default()
    })
    .await;
    let live = h2_connection(server.addr).await;
    // The preface and an empty SETTINGS frame, then silence: the
    // handshake is done, but no PING is ever answered.
    let mut mute = TcpStream::connect(server.addr).await.unwrap();
    mute.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .unwrap();
    closed_by_server(&mut mute).await;
    // A client that answers its PINGs is kept.
    assert_eq!(health_check(live, server.addr).await, "0");
}

#[tokio::test]
async fn past_the_connection_cap_new_connections_are_closed_until_the_silent_ones_are() {
    // Long enough for the checks below to run while the silent ones hold
    // every slot, short enough for the test to wait it out.
    let server = server(4, Duration::from_secs(5)).await;
    let mut silent = Vec::new();
    for _ in 0..4 {
        silent.push(TcpStream::connect(server.addr).await.unwrap());
    }
    let mut fifth = TcpStream::connect(server.addr).await.unwrap();
    closed_by_server(&mut fifth).await;
    assert!(
        silent.iter().all(still_open),
        "the fifth was closed while the four held the cap"
    );
    assert!(score(&server).await.is_err(), "no slot for a normal call");
    assert!(silent.iter().all(still_open));

    for tcp in &mut silent {
        closed_by_server(tcp).await;
    }
    // Their slots come back as the server drops them: a call succeeds.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while let Err(e) = score(&server).await {
        assert!(tokio::time::Instant::now() < deadline, "never served: {e}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
