//! Pipeline health over a scripted history, through a real server: 800
//! leads with random activity, a shadow model whose weights are the active
//! model's negated, hand-backs and acceptances, and outcomes drawn (with a
//! fixed seed) from the active model's prediction as of the outcome in one
//! window and from the shadow's in another. The report must count exactly what the script did, call the
//! active model healthy where outcomes follow it and stale where they
//! follow other weights, and prefer whichever model the outcomes follow.

mod common;

use std::collections::BTreeMap;

use common::*;
use leadscore::pb::v1 as pb;
use leadscore::pb::v1::lead_service_client::LeadServiceClient;
use leadscore::pb::v1::model_service_client::ModelServiceClient;
use leadscore::time::{Span, Timestamp};
use leadscore_core::testkit::ModelBuilder;
use tonic::Code;
use tonic::transport::Channel;

const LEADS: usize = 800;
/// Older than the fixture model, so the newest-wins rule keeps the fixture
/// active.
const MIRROR: &str = "20250101T000000Z-mirror";

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

/// `days` days after `t` (negative: before).
fn days_from(t: Timestamp, days: i64) -> Timestamp {
    t.saturating_add(Span::days(days))
}

fn ts(at: Timestamp) -> Option<prost_types::Timestamp> {
    Some(leadscore::grpc::convert::timestamp(at))
}

/// The fixture model with every weight and the intercept negated: its
/// probability is exactly 1 − the active model's.
fn mirror_model() -> leadscore::model::ModelFile {
    ModelBuilder::fixture(MIRROR).scaled(-1.0).build()
}

/// Every lead's (type, time) activities, recorded before the outcome the
/// script gives it later: the even leads' 20 to 40 days ago (outcome 20
/// days ago), the odd leads' 5 to 25 days ago (outcome 5 days ago).
type Script = BTreeMap<String, Vec<(&'static str, Timestamp)>>;

async fn ingest(c: &mut LeadServiceClient<Channel>, rng: &mut Rng, now: Timestamp) -> Script {
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
    let mut script = Script::new();
    for i in 0..LEADS {
        let latest = days_from(now, -outcome_days_ago(i));
        for e in 0..=rng.below(10) {
            let (kind, _) = WEIGHTS[rng.below(WEIGHTS.len() as u64 - 1) as usize];
            let before = (rng.unit() * Span::days(20).as_micros() as f64) as i64;
            let at = latest.saturating_sub(Span::micros(before));
            script
                .entry(format!("p{i:03}"))
                .or_default()
                .push((kind, at));
            events.push(pb::ActivityEvent {
                event_id: format!("p{i:03}-{e}"),
                lead_id: format!("p{i:03}"),
                r#type: kind.to_owned(),
                occurred_at: ts(at),
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
    script
}

/// When lead `i`'s outcome happened: 20 days ago (even), 5 days ago (odd).
fn outcome_days_ago(i: usize) -> i64 {
    if i.is_multiple_of(2) { 20 } else { 5 }
}

async fn health(
    c: &mut LeadServiceClient<Channel>,
    from: Timestamp,
    to: Timestamp,
) -> Result<pb::PipelineHealth, tonic::Status> {
    c.get_pipeline_health(pb::GetPipelineHealthRequest {
        from: ts(from),
        to: ts(to),
        ..Default::default()
    })
    .await
    .map(tonic::Response::into_inner)
}

/// The points a model's calibration table predicted in all: each bin's
/// lead count times its mean prediction, on 0–100.
fn predicted_points(health: &pb::ModelHealth) -> f64 {
    health
        .calibration
        .iter()
        .map(|b| b.count as f64 * b.predicted_mean * 100.0)
        .sum()
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
    let now = Timestamp::now();
    let mut rng = Rng(7);
    let script = ingest(&mut c, &mut rng, now).await;
    let mut scoring = server.client().await;

    // Hand-offs on the first SQLs (by id): three handed back, four accepted.
    let sqls = pb::ListPrioritizedLeadsRequest {
        stages: vec![pb::Stage::Sql.into()],
        page_size: 1_000,
        ..Default::default()
    };
    let mut sqls: Vec<(String, String)> = prioritized(&mut c, sqls)
        .await
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
        let got = get_lead(&mut c, &id).await;
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
        // Outcomes are drawn from the prediction as of the outcome, which
        // is what pipeline health judges them against.
        let group = i % 2;
        let at = days_from(now, -outcome_days_ago(i));
        let as_of = ts(leadscore::features::outcome_as_of(at));
        let p_then = score_as_of(&mut scoring, &script[&id], as_of).await / 100.0;
        let p = if group == 0 { p_then } else { 1.0 - p_then };
        let won = rng.unit() < p;
        if is_qualified {
            won_qualified += u64::from(won);
            lost_qualified += u64::from(!won);
        }
        closed[group] += 1;
        outcome(&mut c, &id, won, at).await;
    }

    // Window 1: outcomes that followed the active model.
    let w1 = health(&mut c, days_from(now, -30), days_from(now, -10))
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
    let w2 = health(&mut c, days_from(now, -10), days_from(now, 3))
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
    let err = health(&mut c, now, now.saturating_sub(Span::micros(1)))
        .await
        .unwrap_err();
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
            force: false,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.active_version, MIRROR);
    assert_eq!(done.shadow_version, "");
    assert!(server.lifecycle.scorer().load().shadow.is_none());
}

/// The leads `ListPrioritizedLeads` answers for `request`.
async fn prioritized(
    c: &mut LeadServiceClient<Channel>,
    request: pb::ListPrioritizedLeadsRequest,
) -> Vec<pb::PrioritizedLead> {
    let page = c.list_prioritized_leads(request).await.unwrap();
    page.into_inner().leads
}

async fn lead_client(server: &TestServer) -> LeadServiceClient<Channel> {
    LeadServiceClient::new(server.channel().await)
}

async fn outcome(c: &mut LeadServiceClient<Channel>, id: &str, won: bool, at: Timestamp) {
    c.record_outcome(pb::RecordOutcomeRequest {
        lead_id: id.into(),
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

async fn record(c: &mut LeadServiceClient<Channel>, id: &str, events: &[(&str, &str, Timestamp)]) {
    let events = events
        .iter()
        .map(|(event_id, kind, at)| pb::ActivityEvent {
            event_id: (*event_id).to_owned(),
            lead_id: id.to_owned(),
            r#type: (*kind).to_owned(),
            occurred_at: ts(*at),
        })
        .collect();
    assert_all_recorded(&record_of(c, events).await);
}

/// A lead with the hot profile and activity but no BANT: an MQL, never an SQL.
async fn make_mql(c: &mut LeadServiceClient<Channel>, id: &str) {
    make_hot(c, id, None).await;
}

async fn stage_of(c: &mut LeadServiceClient<Channel>, id: &str) -> i32 {
    get_lead(c, id).await.lead.unwrap().stage
}

#[tokio::test]
async fn the_funnel_of_a_scripted_cohort_is_exact_and_each_rate_is_a_share_of_the_step_before() {
    let server = TestServer::start().await;
    let mut c = lead_client(&server).await;
    // "pre" became an SQL before the window and is accepted and handed
    // back inside it; it qualifies again in the window (new intent), so it
    // belongs to the cohort, but its acceptance was of the earlier round.
    make_sql(&mut c, "pre").await;
    let from = Timestamp::now();
    c.accept_lead(pb::AcceptLeadRequest {
        lead_id: "pre".into(),
        owner: String::new(),
    })
    .await
    .unwrap();
    c.reject_lead(pb::RejectLeadRequest {
        lead_id: "pre".into(),
        reason: "wrong contact".into(),
    })
    .await
    .unwrap();
    let now = Timestamp::now();
    record(
        &mut c,
        "pre",
        &[
            ("pre-again-0", "demo_request", now),
            ("pre-again-1", "contact_sales", now),
            ("pre-again-2", "pricing_page_view", now),
        ],
    )
    .await;
    assert_eq!(stage_of(&mut c, "pre").await, pb::Stage::Sql as i32);

    for id in ["s1", "s2", "s3", "s4"] {
        make_sql(&mut c, id).await;
    }
    for id in ["m1", "m2"] {
        make_mql(&mut c, id).await;
        assert_eq!(stage_of(&mut c, id).await, pb::Stage::Mql as i32);
    }
    // Never qualified: outside the cohort whatever its outcome.
    record(&mut c, "n1", &[("n1-0", "blog_read", now)]).await;
    for id in ["s1", "s2"] {
        c.accept_lead(pb::AcceptLeadRequest {
            lead_id: id.into(),
            owner: String::new(),
        })
        .await
        .unwrap();
    }
    let at = Timestamp::now();
    // Won: s1 (accepted), s3, s4 (SQLs closed without acceptance), m2 (an
    // MQL); lost: s2 (accepted), m1, pre. Open: none of the cohort.
    for (id, won) in [
        ("s1", true),
        ("s2", false),
        ("s3", true),
        ("s4", true),
        ("m1", false),
        ("m2", true),
        ("pre", false),
        ("n1", true),
    ] {
        outcome(&mut c, id, won, at).await;
    }

    let report = health(&mut c, from, days_from(at, 1)).await.unwrap();
    let f = report.funnel.unwrap();
    assert_eq!(
        (f.qualified, f.reached_sql, f.accepted, f.won, f.lost),
        (7, 5, 2, 4, 3),
        "{f:?}"
    );
    assert!((f.sql_rate - 5.0 / 7.0).abs() < 1e-12, "{f:?}");
    assert!((f.accept_rate - 2.0 / 5.0).abs() < 1e-12, "{f:?}");
    // Won is a share of the cohort's closed leads (won + lost), the step
    // before it: qualified leads may close without being accepted.
    assert!((f.win_rate - 4.0 / 7.0).abs() < 1e-12, "{f:?}");
    for rate in [f.sql_rate, f.accept_rate, f.win_rate] {
        assert!((0.0..=1.0).contains(&rate), "{f:?}");
    }
    let text =
        leadscore::client::render::health::health(&report, leadscore::client::words::Zone::Utc);
    assert!(
        text.contains(
            "funnel: qualified 7 -> SQL 5 (71%) -> accepted 2 (40%); outcomes: won 4 (57% of 7 closed), lost 3"
        ),
        "{text}"
    );
}

/// `ScoreLead`'s score (0..100) of a lead with `activities` as of `as_of`.
async fn score_as_of(
    scoring: &mut leadscore::pb::v1::scoring_service_client::ScoringServiceClient<Channel>,
    activities: &[(&str, Timestamp)],
    as_of: Option<prost_types::Timestamp>,
) -> f64 {
    let lead = pb::Lead {
        lead_id: "expected".into(),
        activities: activities
            .iter()
            .map(|(kind, at)| pb::Activity {
                r#type: (*kind).to_owned(),
                occurred_at: ts(*at),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let request = pb::ScoreLeadRequest {
        lead: Some(lead),
        as_of,
    };
    score_of(scoring, request).await.probability * 100.0
}

#[tokio::test]
async fn an_outcome_is_scored_as_of_its_time_without_later_activity_or_decay() {
    let server = TestServer::start().await;
    let mut c = lead_client(&server).await;
    let now = Timestamp::now();
    let outcome_at = days_from(now, -20);
    // "late": one blog read before the outcome, strong intent only after it.
    record(
        &mut c,
        "late",
        &[
            ("late-0", "blog_read", days_from(now, -30)),
            ("late-1", "demo_request", days_from(now, -10)),
            ("late-2", "contact_sales", days_from(now, -1)),
            ("late-3", "pricing_page_view", now),
        ],
    )
    .await;
    // "decayed": all activity just before the outcome, recorded 20 days later.
    record(
        &mut c,
        "decayed",
        &[
            ("decayed-0", "demo_request", days_from(outcome_at, -1)),
            ("decayed-1", "pricing_page_view", days_from(outcome_at, -2)),
        ],
    )
    .await;
    outcome(&mut c, "late", true, outcome_at).await;
    outcome(&mut c, "decayed", false, outcome_at).await;
    // A later sweep (more decay) leaves closed leads alone.
    server.book.sweep(days_from(now, 30)).await.unwrap();

    let as_of = ts(leadscore::features::outcome_as_of(outcome_at));
    let mut scoring = server.client().await;
    let want_late = score_as_of(&mut scoring, &[("blog_read", days_from(now, -30))], as_of).await;
    let want_decayed = score_as_of(
        &mut scoring,
        &[
            ("demo_request", days_from(outcome_at, -1)),
            ("pricing_page_view", days_from(outcome_at, -2)),
        ],
        as_of,
    )
    .await;

    let closed = pb::ListPrioritizedLeadsRequest {
        include_closed: true,
        page_size: 10,
        ..Default::default()
    };
    let closed: BTreeMap<String, f64> = prioritized(&mut c, closed)
        .await
        .into_iter()
        .map(|l| (l.lead_id, l.score))
        .collect();
    assert!(
        (closed["late"] - want_late).abs() < 1e-9,
        "{closed:?} {want_late}"
    );
    assert!(
        (closed["decayed"] - want_decayed).abs() < 1e-9,
        "{closed:?} {want_decayed}"
    );
    // GetLead shows the same answer, as of the outcome.
    let got = get_lead(&mut c, "late").await.lead.unwrap();
    let score = got.score.unwrap();
    assert_eq!(score.as_of, as_of);
    assert!((score.probability * 100.0 - want_late).abs() < 1e-9);
    // Pipeline health judges exactly those predictions.
    let report = health(&mut c, days_from(outcome_at, -1), now)
        .await
        .unwrap();
    let active = report.active.unwrap();
    assert_eq!(active.outcomes, 2);
    let predicted = predicted_points(&active);
    assert!((predicted - (want_late + want_decayed)).abs() < 1e-9);
}

#[tokio::test]
async fn an_outcome_recorded_before_the_sweep_that_follows_naming_a_shadow_gets_its_score() {
    let server = TestServer::start().await;
    write_model(server.models.path(), &mirror_model());
    let mut c = lead_client(&server).await;
    make_sql(&mut c, "early").await;
    // The shadow is named after the lead was last scored, and no sweep has
    // reached the lead when its outcome is recorded.
    ModelServiceClient::new(server.channel().await)
        .set_shadow_model(pb::SetShadowModelRequest {
            target: Some(pb::set_shadow_model_request::Target::Version(MIRROR.into())),
        })
        .await
        .unwrap();
    let at = Timestamp::now();
    outcome(&mut c, "early", true, at).await;

    let lead = get_lead(&mut c, "early").await.lead.unwrap();
    assert_eq!(lead.shadow_model_version, MIRROR);
    let p = lead.score.unwrap().probability;
    assert!(
        (lead.shadow_score / 100.0 - (1.0 - p)).abs() < 1e-9,
        "the mirror's score of the same lead as of the same time"
    );
    let report = health(&mut c, days_from(at, -1), days_from(at, 1))
        .await
        .unwrap();
    assert_eq!(report.shadow.unwrap().outcomes, 1);
    assert_eq!(report.active_on_shadow_outcomes.unwrap().outcomes, 1);
}

#[tokio::test]
async fn with_no_outcomes_the_report_says_nothing_is_judged_yet_and_how_many_are_needed() {
    let server = TestServer::start().await;
    write_model(server.models.path(), &mirror_model());
    ModelServiceClient::new(server.channel().await)
        .set_shadow_model(pb::SetShadowModelRequest {
            target: Some(pb::set_shadow_model_request::Target::Version(MIRROR.into())),
        })
        .await
        .unwrap();
    let mut c = lead_client(&server).await;
    let now = Timestamp::now();
    let report = health(&mut c, days_from(now, -1), now).await.unwrap();
    let summary = report.summary.join("\n");
    assert!(
        summary.contains("nothing to judge yet") && summary.contains("200 are needed"),
        "{summary}"
    );
    assert!(
        !summary.contains("holds up") && !summary.contains("AUC"),
        "{summary}"
    );
    let text =
        leadscore::client::render::health::health(&report, leadscore::client::words::Zone::Utc);
    assert!(
        !text.contains("log-loss") && !text.contains("AUC"),
        "no metrics of nothing: {text}"
    );
    assert!(text.contains("no outcomes in this window"), "{text}");
}

#[tokio::test]
async fn a_lead_with_date_only_activity_is_judged_without_its_outcome_day() {
    let server = TestServer::start().await;
    let mut c = lead_client(&server).await;
    // Every activity at midnight UTC: the source kept only dates. The demo
    // request on the outcome day (an onboarding call) is dated "before" an
    // outcome at 15:00 that day, and must not count.
    let day = Span::days(1).as_micros();
    let midnight = |t: Timestamp| Timestamp::from_micros(t.as_micros().div_euclid(day) * day);
    let outcome_day = midnight(days_from(Timestamp::now(), -20)).unwrap();
    let outcome_at = outcome_day.saturating_add(Span::hours(15));
    let before = days_from(outcome_day, -10);
    record(
        &mut c,
        "dated",
        &[
            ("dated-0", "blog_read", before),
            ("dated-1", "demo_request", outcome_day),
        ],
    )
    .await;
    outcome(&mut c, "dated", true, outcome_at).await;

    let as_of = outcome_day.saturating_sub(Span::micros(1));
    let mut scoring = server.client().await;
    let want = score_as_of(&mut scoring, &[("blog_read", before)], ts(as_of)).await;
    let leaky = score_as_of(
        &mut scoring,
        &[("blog_read", before), ("demo_request", outcome_day)],
        ts(leadscore::features::outcome_as_of(outcome_at)),
    )
    .await;
    assert!(want + 1.0 < leaky, "the outcome day's demo request matters");
    let got = get_lead(&mut c, "dated").await.lead.unwrap();
    let score = got.score.unwrap();
    assert_eq!(score.as_of, ts(as_of), "scored before the outcome's day");
    assert!((score.probability * 100.0 - want).abs() < 1e-9);
    // Pipeline health judges that prediction.
    let report = health(&mut c, days_from(outcome_at, -1), days_from(outcome_at, 1))
        .await
        .unwrap();
    let active = report.active.unwrap();
    assert_eq!(active.outcomes, 1);
    let predicted = predicted_points(&active);
    assert!((predicted - want).abs() < 1e-9, "{predicted} vs {want}");
}
