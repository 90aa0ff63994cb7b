//! The activation gate over a real socket: a poor model file dropped into
//! the models directory stays the shadow with its reason in `ListModels`
//! (decided by the cards, or by the live outcomes when there are enough);
//! `ActivateModel` refuses a model that scores too little of the live data
//! unless forced; `--activation newest` serves the newest file at once.

mod common;

use common::*;
use leadscore::model::ModelFile;
use leadscore::pb::v1 as pb;
use leadscore::pb::v1::activate_model_request::Target;
use leadscore::pb::v1::lead_service_client::LeadServiceClient;
use leadscore::pb::v1::model_service_client::ModelServiceClient;
use leadscore::time::{Span, Timestamp};
use leadscore_core::testkit::ModelBuilder;
use tonic::Code;
use tonic::transport::Channel;

const V1: &str = "20260601T000000Z-fixture1";
const GOOD: &str = "20260701T000000Z-good0001";
const POOR: &str = "20260801T000000Z-poor0001";
const BLIND: &str = "20260901T000000Z-blind001";
const DOUBLE: &str = "20261001T000000Z-double01";

/// `file` with card metrics of test AUC `auc`.
fn with_auc(mut file: ModelFile, auc: f64) -> ModelFile {
    file.metrics =
        serde_json::json!({"auc": auc, "log_loss": 0.5, "brier": 0.2, "calibration": []});
    file
}

/// The fixture's mirror (probability 1 − the fixture's): ranks every lead backwards.
fn mirror(version: &str) -> ModelFile {
    ModelBuilder::fixture(version).scaled(-1.0).build()
}

/// A model of activity types the store never sees.
fn blind() -> ModelFile {
    ModelBuilder::new(BLIND, &[("sms_sent", 1.0), ("fax_received", 0.5)])
        .intercept(-2.0)
        .build()
}

async fn models(server: &TestServer) -> ModelServiceClient<Channel> {
    ModelServiceClient::new(server.channel().await)
}

async fn list(server: &TestServer) -> pb::ListModelsResponse {
    let mut c = models(server).await;
    c.list_models(pb::ListModelsRequest {})
        .await
        .unwrap()
        .into_inner()
}

fn summary<'a>(l: &'a pb::ListModelsResponse, version: &str) -> &'a pb::ModelSummary {
    l.models.iter().find(|m| m.version == version).unwrap()
}

fn activate(version: &str, force: bool) -> pb::ActivateModelRequest {
    pb::ActivateModelRequest {
        target: Some(Target::Version(version.into())),
        force,
    }
}

/// `n` leads scored and closed through the API: every third asked for a
/// demo and was won, the others read a blog and were lost.
async fn close_leads(server: &TestServer, n: usize) {
    let mut c = LeadServiceClient::new(server.channel().await);
    let now = Timestamp::now();
    let at = |hours: i64| {
        Some(leadscore::grpc::convert::timestamp(
            now.saturating_sub(Span::hours(hours)),
        ))
    };
    let events = (0..n)
        .map(|i| pb::ActivityEvent {
            event_id: format!("g{i}"),
            lead_id: format!("g{i:04}"),
            r#type: if i % 3 == 0 {
                "demo_request"
            } else {
                "blog_read"
            }
            .into(),
            occurred_at: at(48),
        })
        .collect();
    c.record_activities(pb::RecordActivitiesRequest { events })
        .await
        .unwrap();
    let outcomes = (0..n)
        .map(|i| pb::RecordOutcomeRequest {
            lead_id: format!("g{i:04}"),
            outcome: if i % 3 == 0 {
                pb::Outcome::Won
            } else {
                pb::Outcome::Lost
            }
            .into(),
            occurred_at: at(1),
        })
        .collect();
    let answer = c
        .record_outcomes(pb::RecordOutcomesRequest { outcomes })
        .await
        .unwrap()
        .into_inner();
    assert!(
        answer
            .results
            .iter()
            .all(|r| r.status() == pb::OutcomeStatus::Recorded),
        "{answer:?}"
    );
}

#[tokio::test]
async fn a_poor_model_file_stays_the_shadow_with_the_reason_in_list_models() {
    let server = TestServer::start().await;
    // A card with metrics against a fixture without: coverage alone decides.
    write_model(
        server.models.path(),
        &with_auc(ModelBuilder::fixture(GOOD).build(), 0.80),
    );
    server.lifecycle.refresh();
    let l = list(&server).await;
    assert_eq!(l.active_version, GOOD);
    let gate = summary(&l, GOOD).gate.clone().unwrap();
    assert!(
        gate.passed && gate.decided_by == "coverage only",
        "{gate:?}"
    );
    assert_eq!(gate.against_version, V1);

    write_model(server.models.path(), &with_auc(mirror(POOR), 0.55));
    server.lifecycle.refresh();
    let l = list(&server).await;
    assert_eq!(l.active_version, GOOD, "the poor file does not serve");
    assert_eq!(l.shadow_version, POOR, "it scores alongside as the shadow");
    let poor = summary(&l, POOR);
    assert!(poor.shadow && !poor.active);
    let gate = poor.gate.clone().unwrap();
    assert!(!gate.passed);
    assert_eq!(gate.decided_by, "cards");
    assert_eq!((gate.challenger_auc, gate.active_auc), (0.55, 0.80));
    assert!(
        gate.reason.contains("model cards decided")
            && gate
                .reason
                .contains(&format!("worse than the active model {GOOD}")),
        "{}",
        gate.reason
    );
    // Scores still come from the active model.
    let s = score_of(&mut server.client().await, request(hot_lead("p-1"))).await;
    assert_eq!(s.model_version, GOOD);
    // A restart does not serve the held-back file as the newest.
    let rules = server.models.path().join("rules.toml");
    let again = leadscore::lifecycle::Lifecycle::start(server.models.path(), &rules).unwrap();
    assert_eq!(again.scorer().load().model.version(), GOOD);
}

#[tokio::test]
async fn with_enough_recent_outcomes_the_live_auc_decides() {
    let server = TestServer::start().await;
    close_leads(&server, 240).await;
    write_model(server.models.path(), &mirror(POOR));
    server.lifecycle.refresh();
    let l = list(&server).await;
    assert_eq!(l.active_version, V1);
    let gate = summary(&l, POOR).gate.clone().unwrap();
    assert!(!gate.passed, "{gate:?}");
    assert_eq!((gate.decided_by.as_str(), gate.outcomes), ("outcomes", 240));
    assert!(
        gate.active_auc > 0.99 && gate.challenger_auc < 0.01,
        "{gate:?}"
    );
    assert_eq!(gate.activity_coverage, 1.0);

    // A retrain as good as the active model passes on the same outcomes.
    write_model(
        server.models.path(),
        &ModelBuilder::fixture(DOUBLE).scaled(2.0).build(),
    );
    server.lifecycle.refresh();
    assert_eq!(list(&server).await.active_version, DOUBLE);
}

#[tokio::test]
async fn activating_a_model_blind_to_the_live_data_is_refused_unless_forced() {
    let server = TestServer::start().await;
    close_leads(&server, 30).await;
    write_model(server.models.path(), &blind());
    server.lifecycle.refresh();
    let l = list(&server).await;
    assert_eq!(l.active_version, V1);
    let gate = summary(&l, BLIND).gate.clone().unwrap();
    assert_eq!((gate.passed, gate.decided_by.as_str()), (false, "coverage"));
    assert_eq!(gate.activity_coverage, 0.0);

    let mut c = models(&server).await;
    let err = c.activate_model(activate(BLIND, false)).await.unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(
        err.message()
            .contains("0.0 % of the window's stored activities (0 of 30)")
            && err.message().contains("minimum 50 %")
            && err.message().contains("set force"),
        "{}",
        err.message()
    );
    assert_eq!(list(&server).await.active_version, V1, "nothing changed");

    let done = c
        .activate_model(activate(BLIND, true))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (done.active_version.as_str(), done.pinned_version.as_str()),
        (BLIND, BLIND)
    );
}

#[tokio::test]
async fn activation_newest_serves_the_newest_file_at_once() {
    let server = TestServer::start_with_activation(Activation::Newest).await;
    close_leads(&server, 30).await;
    write_model(server.models.path(), &blind());
    server.lifecycle.refresh();
    let l = list(&server).await;
    assert_eq!(l.active_version, BLIND);
    assert!(
        l.models.iter().all(|m| m.gate.is_none()),
        "no verdicts without the gate"
    );
}
