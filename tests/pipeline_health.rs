//! Pipeline health over a scripted history, through a real server: 800
//! leads with random activity, a shadow model whose weights are the active
//! model's negated, hand-backs and acceptances, and outcomes drawn (with a
//! fixed seed) from the active model in one window and from the shadow in
//! another. The report must count exactly what the script did, call the
//! active model healthy where outcomes follow it and stale where they
//! follow other weights, and prefer whichever model the outcomes follow.

mod common;

use std::collections::BTreeMap;

use common::*;
use leadscore::pb::v1 as pb;
use leadscore::pb::v1::lead_service_client::LeadServiceClient;
use leadscore::pb::v1::model_service_client::ModelServiceClient;
use tonic::Code;
use tonic::transport::Channel;

const LEADS: usize = 800;
/// Older than the fixture model, so the newest-wins rule keeps the fixture
/// active.
const MIRROR: &str = "20250101T000000Z-mirror";
const DAY_MICROS: i64 = 86_400_000_000;

/// splitmix64: a fixed, dependency-free random stream.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn ts(micros: i64) -> Option<prost_types::Timestamp> {
    let at = leadscore::time::Timestamp::from_micros(micros).unwrap();
    Some(leadscore::grpc::convert::timestamp(at))
}

/// The fixture model with every weight and the intercept negated: its
/// probability is exactly 1 − the active model's.
fn mirror_model() -> leadscore::model::ModelFile {
    let mut m = fixture_model(MIRROR);
    m.intercept = -m.intercept;
    for c in &mut m.coefficients {
        *c = -*c;
    }
    m
}

async fn ingest(c: &mut LeadServiceClient<Channel>, rng: &mut Rng, now: i64) {
    let hot = hot_lead("");
    let upserts = (0..LEADS)
        .filter(|i| i % 5 == 0)
        .map(|i| pb::LeadUpsert {
            lead_id: format!("p{i:03}"),
            profile: hot.profile.clone(),
            bant: hot.bant.clone(),
            update_mask: None,
        })
        .collect();
    c.upsert_leads(pb::UpsertLeadsRequest { leads: upserts })
        .await
        .unwrap();
    let mut events = Vec::new();
    for i in 0..LEADS {
        for e in 0..=rng.below(10) {
            let (kind, _) = WEIGHTS[rng.below(WEIGHTS.len() as u64 - 1) as usize];
            events.push(pb::ActivityEvent {
                event_id: format!("p{i:03}-{e}"),
                lead_id: format!("p{i:03}"),
                r#type: kind.to_owned(),
                occurred_at: ts(now - (rng.unit() * 20.0 * DAY_MICROS as f64) as i64),
            });
        }
    }
    for batch in events.chunks(5_000) {
        c.record_activities(pb::RecordActivitiesRequest {
            events: batch.to_vec(),
        })
        .await
        .unwrap();
    }
}

async fn health(
    c: &mut LeadServiceClient<Channel>,
    from: i64,
    to: i64,
) -> Result<pb::PipelineHealth, tonic::Status> {
    c.get_pipeline_health(pb::GetPipelineHealthRequest {
        from: ts(from),
        to: ts(to),
        ..Default::default()
    })
    .await
    .map(tonic::Response::into_inner)
}

#[tokio::test]
async fn a_scripted_history_gives_exact_counts_and_flags_the_model_outcomes_disagree_with() {
    let server = TestServer::start().await;
    write_model(server.models.path(), &mirror_model());
    let mut models = ModelServiceClient::new(server.channel().await);
    let set = models
        .set_shadow_model(pb::SetShadowModelRequest {
            target: Some(pb::set_shadow_model_request::Target::Version(MIRROR.into())),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(set.shadow_version, MIRROR);
    let listed = models
        .list_models(pb::ListModelsRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.shadow_version, MIRROR);
    assert!(
        listed
            .models
            .iter()
            .any(|m| m.version == MIRROR && m.shadow && !m.active)
    );

    let mut c = LeadServiceClient::new(server.channel().await)
        .max_decoding_message_size(64 << 20)
        .max_encoding_message_size(64 << 20);
    let now = leadscore::time::Timestamp::now().as_micros();
    let mut rng = Rng(7);
    ingest(&mut c, &mut rng, now).await;

    // Hand-offs on the first SQLs (by id): three handed back, four accepted.
    let mut sqls: Vec<(String, String)> = c
        .list_prioritized_leads(pb::ListPrioritizedLeadsRequest {
            stages: vec![pb::Stage::Sql.into()],
            page_size: 1_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .leads
        .into_iter()
        .map(|l| (l.lead_id, l.owner))
        .collect();
    sqls.sort();
    assert!(sqls.len() >= 10, "the script needs SQLs: {}", sqls.len());
    let reasons = [
        "no budget this year",
        "no budget this year",
        "wrong contact",
    ];
    for ((id, _), reason) in sqls.iter().zip(reasons) {
        c.reject_lead(pb::RejectLeadRequest {
            lead_id: id.clone(),
            reason: reason.into(),
        })
        .await
        .unwrap();
    }
    let accepted: Vec<&str> = sqls[3..7].iter().map(|(id, _)| id.as_str()).collect();
    for (id, owner) in &sqls[3..7] {
        c.accept_lead(pb::AcceptLeadRequest {
            lead_id: id.clone(),
            owner: owner.clone(),
        })
        .await
        .unwrap();
    }
    // Two accepted leads stay open (their follow-ups fall due); every other
    // lead gets an outcome: the even ones 20 days ago, drawn from the
    // active model's probability, the odd ones 5 days ago, drawn from the
    // shadow's (the negated weights).
    let open: Vec<&str> = accepted[..2].to_vec();
    let (mut qualified, mut reached_sql, mut won_qualified, mut lost_qualified) = (0, 0, 0, 0);
    let mut closed = [0u64; 2];
    for i in 0..LEADS {
        let id = format!("p{i:03}");
        let got = c
            .get_lead(pb::GetLeadRequest {
                lead_id: id.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        let lead = got.lead.unwrap();
        let kinds: Vec<i32> = got.history.iter().map(|h| h.kind).collect();
        let is_qualified = kinds.contains(&(pb::StageChangeKind::ToMql as i32))
            || kinds.contains(&(pb::StageChangeKind::ToSql as i32));
        qualified += u64::from(is_qualified);
        reached_sql += u64::from(kinds.contains(&(pb::StageChangeKind::ToSql as i32)));
        if open.contains(&id.as_str()) {
            continue;
        }
        assert_eq!(lead.shadow_model_version, MIRROR);
        let p_active = lead.score.as_ref().unwrap().probability;
        assert!((lead.shadow_score / 100.0 - (1.0 - p_active)).abs() < 1e-9);
        let group = i % 2;
        let p = if group == 0 { p_active } else { 1.0 - p_active };
        let won = rng.unit() < p;
        if is_qualified {
            won_qualified += u64::from(won);
            lost_qualified += u64::from(!won);
        }
        let at = if group == 0 {
            now - 20 * DAY_MICROS
        } else {
            now - 5 * DAY_MICROS
        };
        closed[group] += 1;
        c.record_outcome(pb::RecordOutcomeRequest {
            lead_id: id,
            outcome: if won {
                pb::Outcome::Won
            } else {
                pb::Outcome::Lost
            }
            .into(),
            occurred_at: ts(at),
        })
        .await
        .unwrap();
    }

    // Window 1: outcomes that followed the active model.
    let w1 = health(&mut c, now - 30 * DAY_MICROS, now - 10 * DAY_MICROS)
        .await
        .unwrap();
    let active = w1.active.unwrap();
    assert_eq!(active.outcomes, closed[0]);
    assert_eq!(active.model_version, "20260601T000000Z-fixture1");
    assert!(!active.stale, "{:?}", active.findings);
    assert!(!w1.stale, "{:?}", w1.summary);
    assert!(active.auc > 0.7, "AUC {}", active.auc);
    assert_eq!(active.deciles.len(), 10);
    let shadow = w1.shadow.unwrap();
    assert_eq!(shadow.outcomes, closed[0], "the same outcomes");
    assert!(shadow.stale, "{:?}", shadow.findings);
    assert!(
        w1.summary
            .iter()
            .any(|s| s.contains("keep the active model")),
        "{:?}",
        w1.summary
    );
    assert_eq!(
        w1.funnel.unwrap().qualified,
        0,
        "nobody qualified back then"
    );

    // Window 2: outcomes drawn from other weights; the funnel of today.
    let w2 = health(&mut c, now - 10 * DAY_MICROS, now + 3 * DAY_MICROS)
        .await
        .unwrap();
    let active = w2.active.unwrap();
    assert_eq!(active.outcomes, closed[1]);
    assert!(w2.stale && active.stale, "{:?}", w2.summary);
    assert!(
        active
            .findings
            .iter()
            .any(|f| f.contains("no longer rises with the score")),
        "{:?}",
        active.findings
    );
    assert!(
        active
            .findings
            .iter()
            .any(|f| f.contains("calibration is off"))
    );
    assert!(!w2.shadow.unwrap().stale);
    assert!(
        w2.summary
            .iter()
            .any(|s| s.contains(&format!("consider ActivateModel({MIRROR})"))),
        "{:?}",
        w2.summary
    );
    let funnel = w2.funnel.unwrap();
    assert_eq!(
        (
            funnel.qualified,
            funnel.reached_sql,
            funnel.accepted,
            funnel.won,
            funnel.lost
        ),
        (qualified, reached_sql, 4, won_qualified, lost_qualified)
    );
    let hand_back = w2.hand_back.unwrap();
    assert_eq!(hand_back.sqls, reached_sql);
    assert_eq!(hand_back.handed_back, 3);
    assert!((hand_back.share - 3.0 / reached_sql as f64).abs() < 1e-12);
    let reasons: BTreeMap<String, u64> = hand_back
        .reasons
        .iter()
        .map(|r| (r.reason.clone(), r.count))
        .collect();
    assert_eq!(
        reasons,
        BTreeMap::from([
            ("no budget this year".to_owned(), 2),
            ("wrong contact".to_owned(), 1)
        ])
    );
    assert_eq!(hand_back.reasons[0].reason, "no budget this year");
    assert_eq!(
        w2.overdue_open, 2,
        "two accepted leads are past 48 hours at `to`"
    );

    // Bad windows and thresholds are named by field.
    let err = health(&mut c, now, now - 1).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().starts_with("from:"), "{err:?}");
    let err = c
        .get_pipeline_health(pb::GetPipelineHealthRequest {
            calibration_margin: Some(0.0),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().starts_with("calibration_margin:"), "{err:?}");
}

#[tokio::test]
async fn the_shadow_choice_survives_a_restart_and_is_promoted_by_activation() {
    let server = TestServer::start().await;
    write_model(server.models.path(), &mirror_model());
    let mut models = ModelServiceClient::new(server.channel().await);
    let err = models
        .set_shadow_model(pb::SetShadowModelRequest {
            target: Some(pb::set_shadow_model_request::Target::Version(
                "20260601T000000Z-fixture1".into(),
            )),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "the active model");
    let err = models
        .set_shadow_model(pb::SetShadowModelRequest {
            target: Some(pb::set_shadow_model_request::Target::Version("nope".into())),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    models
        .set_shadow_model(pb::SetShadowModelRequest {
            target: Some(pb::set_shadow_model_request::Target::Version(MIRROR.into())),
        })
        .await
        .unwrap();

    let restarted = leadscore::lifecycle::Lifecycle::start(
        server.models.path(),
        &server.models.path().join("rules.toml"),
    )
    .unwrap();
    assert_eq!(restarted.shadow().as_deref(), Some(MIRROR));
    let scorer = restarted.scorer().load_full();
    assert_eq!(scorer.shadow.as_ref().unwrap().version(), MIRROR);
    assert_eq!(scorer.model.version(), "20260601T000000Z-fixture1");

    // Activating the shadow's version promotes it: the shadow is cleared.
    let done = models
        .activate_model(pb::ActivateModelRequest {
            target: Some(pb::activate_model_request::Target::Version(MIRROR.into())),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.active_version, MIRROR);
    assert_eq!(done.shadow_version, "");
    assert!(server.lifecycle.scorer().load().shadow.is_none());
}
