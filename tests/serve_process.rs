//! The `leadscore serve` process: configuration refused before binding,
//! health over a real socket, graceful exit on SIGTERM.

mod common;

use std::process::Command;

use common::process::ServeProcess;

use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

fn leadscore() -> Command {
    Command::new(env!("CARGO_BIN_EXE_leadscore"))
}

fn failed_start(args: &[&str]) -> String {
    let out = leadscore().args(args).output().unwrap();
    assert!(!out.status.success());
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn a_broken_rules_file_is_refused_with_file_line_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    common::write_model(
        dir.path(),
        &common::fixture_model("20260601T000000Z-fixture1"),
    );
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        "[grades]\na = 3\nb = 2\nc = 1\n[mql]\nmin_grade = \"Z\"\n",
    )
    .unwrap();
    let err = failed_start(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--models",
        dir.path().to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
    ]);
    assert!(err.contains(&format!("{}:", rules.display())), "{err}");
    assert!(
        err.contains("missing field `sql`") || err.contains("must be A, B, C or D"),
        "{err}"
    );
}

#[test]
fn no_valid_model_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("20260101T000000Z-broken.json"),
        "{\"format\": \"leadscore.model/v1\", ",
    )
    .unwrap();
    let rules = common::shipped_rules();
    let err = failed_start(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--models",
        dir.path().to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
    ]);
    assert!(err.contains("no valid model"), "{err}");
    assert!(
        err.contains("1 file(s) skipped") && err.contains("leadscore-train fit"),
        "{err}"
    );
    assert!(
        err.contains("model file refused"),
        "the refused file is logged: {err}"
    );
}

#[test]
fn a_bad_listen_address_is_refused_by_the_flag_parser() {
    let err = failed_start(&["serve", "--listen", "localhost:port"]);
    assert!(err.contains("--listen"), "{err}");
}

/// Starts the binary on port 0 with the fixture model, a SQLite store in
/// the same temp dir and a fast reload interval.
fn spawn_server() -> (tempfile::TempDir, ServeProcess) {
    let dir = common::process::fixture_dir();
    let db = format!("sqlite://{}", dir.path().join("leads.db").display());
    let server = ServeProcess::spawn_with(dir.path(), &db, &["--reload-interval-ms", "20"]);
    (dir, server)
}

#[tokio::test]
async fn it_serves_health_and_exits_cleanly_on_sigterm() {
    let (_dir, server) = spawn_server();
    let addr = server.addr.clone();
    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = HealthClient::new(channel.clone());
    for service in ["", "leadscore.v1.ScoringService"] {
        let status = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner()
            .status;
        assert_eq!(status, ServingStatus::Serving as i32, "service {service:?}");
    }
    let mut client = leadscore::pb::v1::scoring_service_client::ScoringServiceClient::new(channel);
    let s = common::score_of(&mut client, common::request(common::hot_lead("p1"))).await;
    assert_eq!(s.model_version, "20260601T000000Z-fixture1");

    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let mut server = server;
    let status = tokio::task::spawn_blocking(move || server.child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "exit status {status:?}");
}

#[tokio::test]
async fn the_running_process_picks_up_a_new_model_file_by_itself() {
    let (dir, server) = spawn_server();
    let addr = server.addr.clone();
    let mut client = leadscore::pb::v1::scoring_service_client::ScoringServiceClient::connect(
        format!("http://{addr}"),
    )
    .await
    .unwrap();
    common::write_model(
        dir.path(),
        &common::fixture_model("20260701T000000Z-fixture2"),
    );
    let mut calls = 0;
    loop {
        let s = client
            .score_lead(common::request(common::hot_lead("p1")))
            .await
            .expect("no call fails");
        calls += 1;
        if s.into_inner().score.unwrap().model_version == "20260701T000000Z-fixture2" {
            break;
        }
        assert!(
            calls < 1_000_000,
            "the watcher never picked up the new model"
        );
        tokio::task::yield_now().await;
    }
    drop(server);
}
