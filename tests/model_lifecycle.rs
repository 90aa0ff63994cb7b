//! Model lifecycle: hot swap with no failed or mixed answers, refused files
//! change nothing, pins survive restarts, model cards over gRPC.

mod common;

use std::sync::Arc;

use common::*;
use leadscore::lifecycle::Lifecycle;
use leadscore::pb::v1 as pb;
use leadscore::pb::v1::activate_model_request::Target;
use leadscore::pb::v1::model_service_client::ModelServiceClient;
use leadscore_core::testkit::ModelBuilder;
use tonic::Code;

const V1: &str = "20260601T000000Z-fixture1";
const V2: &str = "20260701T000000Z-fixture2";

/// The fixture model with its logit doubled, so answers tell versions apart.
fn model_v2() -> leadscore::model::ModelFile {
    ModelBuilder::fixture(V2).scaled(2.0).build()
}

async fn models(server: &TestServer) -> ModelServiceClient<tonic::transport::Channel> {
    ModelServiceClient::new(server.channel().await)
}

/// `ListModels` of `server`.
async fn list(server: &TestServer) -> pb::ListModelsResponse {
    models(server)
        .await
        .list_models(pb::ListModelsRequest {})
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn a_new_model_takes_over_under_load_with_no_failed_or_mixed_answers() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let expected_v1 = score_of(&mut client, request(hot_lead("x"))).await.logit;

    let callers: Vec<_> = (0..4)
        .map(|_| {
            let mut client = client.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                loop {
                    let s = client
                        .score_lead(request(hot_lead("x")))
                        .await
                        .expect("no call fails")
                        .into_inner();
                    let s = s.score.unwrap();
                    seen.push((s.model_version.clone(), s.logit));
                    if s.model_version == V2 {
                        return seen;
                    }
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    write_model(server.models.path(), &model_v2());
    server.lifecycle.refresh();
    let mut expected_v2 = None;
    for caller in callers {
        for (version, logit) in caller.await.unwrap() {
            match version.as_str() {
                V1 => assert_eq!(logit, expected_v1, "a v1 answer is computed with v1 only"),
                V2 => assert_eq!(*expected_v2.get_or_insert(logit), logit, "v2 answers agree"),
                other => panic!("unexpected version {other}"),
            }
        }
    }
    assert_ne!(expected_v2.unwrap(), expected_v1);
}

#[tokio::test]
async fn corrupt_and_truncated_files_change_nothing_and_are_listed_as_refused() {
    let server = TestServer::start().await;
    let dir = server.models.path();
    std::fs::write(
        dir.join("20990101T000000Z-garbage0.json"),
        b"\x00\xffnot json",
    )
    .unwrap();
    let full = serde_json::to_vec(&model_v2()).unwrap();
    std::fs::write(dir.join(format!("{V2}.json")), &full[..full.len() / 2]).unwrap();
    let mut wrong = fixture_model("20990202T000000Z-badshape");
    wrong.coefficients.pop();
    write_model(dir, &wrong);
    server.lifecycle.refresh();

    let s = score_of(&mut server.client().await, request(hot_lead("x"))).await;
    assert_eq!(s.model_version, V1);
    let list = list(&server).await;
    assert_eq!(list.active_version, V1);
    let refused: Vec<(&str, &str)> = list
        .models
        .iter()
        .filter(|m| !m.valid)
        .map(|m| (m.file.as_str(), m.refusal.as_str()))
        .collect();
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert!(
        refused
            .iter()
            .any(|(f, r)| f.contains("fixture2") && r.contains("EOF")),
        "{refused:?}"
    );
    assert!(
        refused.iter().any(|(f, r)| f.contains("badshape")
            && r.contains("coefficients has 5 entries for 6 features")),
        "{refused:?}"
    );

    // Completing the truncated file makes it the newest valid model.
    std::fs::write(dir.join(format!("{V2}.json")), &full).unwrap();
    server.lifecycle.refresh();
    let s = score_of(&mut server.client().await, request(hot_lead("x"))).await;
    assert_eq!(s.model_version, V2);
}

#[tokio::test]
async fn a_file_whose_weights_fold_to_infinity_is_listed_invalid_and_v1_keeps_serving() {
    let server = TestServer::start().await;
    // Schema-valid: every number is finite and every scale > 0, but
    // coefficient / scale is infinite and, with a zero mean, the raw
    // intercept NaN. Newer than V1, so if accepted it would serve.
    let mut poisoned = fixture_model("20990101T000000Z-tinyscal");
    poisoned.standardization.scale[0] = 5e-324;
    poisoned.standardization.mean[0] = 0.0;
    write_model(server.models.path(), &poisoned);
    server.lifecycle.refresh();

    let list = list(&server).await;
    assert_eq!(list.active_version, V1);
    let refused = list
        .models
        .iter()
        .find(|m| m.file.contains("tinyscal"))
        .expect("the file is listed");
    assert!(!refused.valid, "{refused:?}");
    assert!(
        refused.refusal.contains(
            "coefficients[0] / standardization.scale[0] (the raw-unit weight) is not finite"
        ),
        "{refused:?}"
    );

    let s = score_of(&mut server.client().await, request(hot_lead("x"))).await;
    assert_eq!(s.model_version, V1);
    assert!(s.logit.is_finite() && s.score > 0.0, "{s:?}");
    // Writes re-score with the same model and still succeed.
    let mut leads =
        leadscore::pb::v1::lead_service_client::LeadServiceClient::new(server.channel().await);
    make_sql(&mut leads, "w1").await;
}

#[tokio::test]
async fn a_broken_rules_file_is_refused_and_a_fixed_one_is_picked_up() {
    let server = TestServer::start().await;
    let rules = server.models.path().join("rules.toml");
    let before = score_of(&mut server.client().await, request(hot_lead("x"))).await;
    std::fs::write(&rules, "[grades]\na = = 1\n").unwrap();
    server.lifecycle.refresh();
    let during = score_of(&mut server.client().await, request(hot_lead("x"))).await;
    assert_eq!(during.rules_version, before.rules_version);
    let text = std::fs::read_to_string(shipped_rules())
        .unwrap()
        .replace("min_bant_met = 2", "min_bant_met = 4");
    std::fs::write(&rules, text).unwrap();
    server.lifecycle.refresh();
    let after = score_of(&mut server.client().await, request(hot_lead("x"))).await;
    assert_ne!(after.rules_version, before.rules_version);
    assert_eq!(
        after.stage(),
        pb::Stage::Mql,
        "3 of 4 BANT no longer makes an SQL"
    );
}

#[tokio::test]
async fn pin_survives_a_restart_and_unpin_serves_the_newest() {
    let server = TestServer::start().await;
    write_model(server.models.path(), &model_v2());
    let mut admin = models(&server).await;
    let pinned = admin
        .activate_model(pb::ActivateModelRequest {
            target: Some(Target::Version(V1.into())),
            force: false,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            pinned.active_version.as_str(),
            pinned.pinned_version.as_str()
        ),
        (V1, V1)
    );

    let restarted = Lifecycle::start(
        server.models.path(),
        &server.models.path().join("rules.toml"),
    )
    .unwrap();
    assert_eq!(
        restarted.scorer().load().model.version(),
        V1,
        "pin survives a restart"
    );
    assert_eq!(restarted.pinned().as_deref(), Some(V1));

    let unpinned = admin
        .activate_model(pb::ActivateModelRequest {
            target: Some(Target::Latest(true)),
            force: false,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            unpinned.active_version.as_str(),
            unpinned.pinned_version.as_str()
        ),
        (V2, "")
    );
    let restarted = Arc::new(
        Lifecycle::start(
            server.models.path(),
            &server.models.path().join("rules.toml"),
        )
        .unwrap(),
    );
    assert_eq!(restarted.scorer().load().model.version(), V2);
}

#[tokio::test]
async fn activation_errors_have_the_right_codes() {
    let server = TestServer::start().await;
    let mut admin = models(&server).await;
    let activate = |target| pb::ActivateModelRequest {
        target,
        force: false,
    };
    let err = admin
        .activate_model(activate(Some(Target::Version(
            "20000101T000000Z-nothere0".into(),
        ))))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound, "{err:?}");
    std::fs::write(
        server.models.path().join("20990101T000000Z-broken00.json"),
        "{",
    )
    .unwrap();
    let err = admin
        .activate_model(activate(Some(Target::Version(
            "20990101T000000Z-broken00".into(),
        ))))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
    let err = admin.activate_model(activate(None)).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().starts_with("target: "), "{}", err.message());
}

#[tokio::test]
async fn the_model_card_shows_raw_weights_points_and_settings() {
    let server = TestServer::start().await;
    let card = models(&server)
        .await
        .get_model(pb::GetModelRequest {
            version: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let summary = card.summary.unwrap();
    assert!(summary.active && summary.valid);
    assert_eq!(summary.version, V1);
    assert_eq!(card.half_life_days, 30.0);
    assert!((card.intercept - -3.0).abs() < 1e-12);
    for (w, (name, weight)) in card.weights.iter().zip(WEIGHTS) {
        assert_eq!(w.feature, format!("activity:{name}"));
        assert!((w.weight - weight).abs() < 1e-12, "{w:?}");
    }
    assert_eq!(card.weights[0].funnel_stage, "bofu");
    assert_eq!(card.weights[5].funnel_stage, "negative");
}

#[tokio::test]
async fn the_model_card_gives_each_activity_its_half_life_and_models_show_prints_it() {
    let server = TestServer::start().await;
    let mut per_type = fixture_model("20260701T000000Z-pertype0");
    let (own, _) = WEIGHTS[0];
    per_type.features.half_life_days_by_type = [(own.to_owned(), 3.0)].into();
    write_model(server.models.path(), &per_type);
    let mut models = models(&server).await;
    // Listing reads the directory: the new file is in the catalog.
    models.list_models(pb::ListModelsRequest {}).await.unwrap();
    let card = models
        .get_model(pb::GetModelRequest {
            version: per_type.version.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(card.half_life_days, 30.0, "the shared one");
    assert_eq!(card.weights[0].feature, format!("activity:{own}"));
    assert_eq!(card.weights[0].half_life_days, 3.0, "its own");
    assert!(card.weights[1..].iter().all(|w| w.half_life_days == 30.0));
    let shown = leadscore::client::render::models::card(&card);
    let row = shown.lines().find(|l| l.contains(own)).unwrap();
    assert!(row.trim_end().ends_with("3 d*"), "{shown}");
}

#[tokio::test]
async fn the_model_looked_up_by_version_is_the_one_serving_not_a_rebuild() {
    let server = TestServer::start().await;
    write_model(server.models.path(), &model_v2());
    // Newest: at start the gate would serve V1 until V2 is judged.
    let lifecycle = Lifecycle::start_with(
        server.models.path(),
        &server.models.path().join("rules.toml"),
        Activation::Newest,
    )
    .unwrap();
    let serving = lifecycle.scorer().load().model.clone();
    assert_eq!(serving.version(), V2);
    // GetModel reads `model(version)`: the catalog's model, built once.
    assert!(Arc::ptr_eq(&lifecycle.model(V2).unwrap(), &serving));
    assert!(Arc::ptr_eq(
        &lifecycle.model(V1).unwrap(),
        &lifecycle.model(V1).unwrap()
    ));
}

#[tokio::test]
async fn metrics_of_another_schema_are_refused_naming_the_field_not_shown_as_auc_0() {
    let server = TestServer::start().await;
    // A trainer that renamed `auc`: newer than V1, so if accepted it would
    // serve and every card would show AUC 0.
    let mut drifted = fixture_model("20990101T000000Z-roc0auc0");
    drifted.metrics = serde_json::json!({
        "roc_auc": 0.83, "log_loss": 0.41, "brier": 0.13, "calibration": []
    });
    write_model(server.models.path(), &drifted);
    let mut recorded = fixture_model("20260801T000000Z-metrics0");
    recorded.metrics = serde_json::json!({
        "auc": 0.83, "log_loss": 0.41, "brier": 0.13, "calibration": [], "lift": []
    });
    write_model(server.models.path(), &recorded);
    server.lifecycle.refresh();

    let list = list(&server).await;
    assert_eq!(list.active_version, "20260801T000000Z-metrics0");
    let refused = list
        .models
        .iter()
        .find(|m| m.file.contains("roc0auc0"))
        .expect("the file is listed");
    assert!(!refused.valid, "{refused:?}");
    assert!(
        refused.refusal.contains("metrics.auc is missing"),
        "{refused:?}"
    );
    let shown = list.models.iter().find(|m| m.active).unwrap();
    assert_eq!((shown.auc, shown.log_loss, shown.brier), (0.83, 0.41, 0.13));
}
