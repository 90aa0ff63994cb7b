//! ScoringService over a real socket: qualification, decay, disqualifiers,
//! explanations that add up, batch order.

mod common;

use common::*;
use leadscore::grpc::convert::timestamp;
use leadscore::pb::v1 as pb;
use leadscore::time::Span;
use leadscore_core::testkit;

fn verdict(s: &pb::LeadScore, c: pb::Criterion) -> &pb::Verdict {
    s.verdicts
        .iter()
        .find(|v| v.criterion == c as i32)
        .expect("every criterion has a verdict")
}

async fn score(server: &TestServer, req: pb::ScoreLeadRequest) -> pb::LeadScore {
    score_of(&mut server.client().await, req).await
}

#[tokio::test]
async fn recent_bofu_intent_vp_and_bant_is_sql() {
    let server = TestServer::start().await;
    let s = score(&server, request(hot_lead("hot-1"))).await;
    assert_eq!(s.stage(), pb::Stage::Sql, "verdicts: {:#?}", s.verdicts);
    assert!(s.verdicts.iter().all(|v| v.met));
    assert_eq!(s.fit_grade(), pb::FitGrade::A);
    assert_eq!(s.seniority, "vp");
    assert!(s.decision_maker);
    assert!(s.score > 50.0);
    assert_eq!(s.model_version, "20260601T000000Z-fixture1");
    assert!(s.rules_version.starts_with("sha256:"));
    assert_eq!(s.top_positive[0].feature, "activity:demo_request");
    server.stop().await;
}

#[tokio::test]
async fn the_same_lead_two_years_later_has_decayed_to_nurturing() {
    let server = TestServer::start().await;
    let mut req = request(hot_lead("hot-1"));
    req.as_of = Some(timestamp(testkit::ahead(Span::days(730))));
    let s = score(&server, req).await;
    assert_eq!(s.stage(), pb::Stage::Nurturing);
    assert!(s.score < 5.0, "decayed score {}", s.score);
    assert!(!verdict(&s, pb::Criterion::BehaviorScore).met);
    let hand_raise = verdict(&s, pb::Criterion::HandRaise);
    assert!(!hand_raise.met);
    assert!(
        hand_raise
            .reason
            .contains("no demo_request or contact_sales or free_trial in the last 30 days")
    );
}

#[tokio::test]
async fn a_student_is_never_mql_whatever_the_activity() {
    let server = TestServer::start().await;
    let mut lead = hot_lead("student-1");
    lead.profile.as_mut().unwrap().job_title = "Graduate Student".into();
    lead.activities = (0..200)
        .map(|i| {
            activity(
                ["demo_request", "contact_sales", "pricing_page_view"][i % 3],
                i as f64 * 0.1,
            )
        })
        .collect();
    let s = score(&server, request(lead)).await;
    assert!(s.score > 90.0, "behavior alone would qualify: {}", s.score);
    assert!(s.disqualified);
    assert_eq!(s.stage(), pb::Stage::Nurturing);
    assert_eq!(s.fit_grade(), pb::FitGrade::D);
    let v = verdict(&s, pb::Criterion::NotDisqualified);
    assert!(!v.met);
    assert!(v.reason.contains("Students do not buy"), "{}", v.reason);
}

#[tokio::test]
async fn contributions_add_up_to_the_logit_that_produced_the_score() {
    let server = TestServer::start().await;
    let mut lead = hot_lead("sum-1");
    lead.activities.push(activity("unsubscribe", 1.0));
    lead.activities.push(activity("mystery_event", 1.0));
    lead.activity_counts.insert("Blog Read".into(), 4.0);
    let s = score(&server, request(lead)).await;
    let sum: f64 = s.baseline_logit + s.contributions.iter().map(|c| c.logit).sum::<f64>();
    assert!((sum - s.logit).abs() < 1e-9, "{sum} vs {}", s.logit);
    assert!((1.0 / (1.0 + (-s.logit).exp()) - s.probability).abs() < 1e-12);
    assert!((s.probability * 100.0 - s.score).abs() < 1e-12);
    for c in &s.contributions {
        assert!(
            (c.weight * (c.value - c.baseline) - c.logit).abs() < 1e-12,
            "{c:?}"
        );
    }
    assert_eq!(
        s.behavior_points,
        s.contributions.iter().map(|c| c.points).sum::<i64>()
    );
    assert_eq!(s.top_negative[0].feature, "activity:unsubscribe");
    assert_eq!(
        s.unscored,
        vec![pb::UnscoredActivity {
            r#type: "mystery_event".into(),
            count: 1
        }]
    );
    // The expected logit, from the fixture's raw weights and a 30-day half-life.
    let decayed = |days: &[f64]| days.iter().map(|d| 0.5f64.powf(d / 30.0)).sum::<f64>();
    let expected = -3.0
        + 2.0 * (1.0 + decayed(&[2.0])).ln()
        + 1.0 * (1.0 + decayed(&[3.0, 5.0])).ln()
        + 0.8 * (1.0 + decayed(&[10.0, 20.0])).ln()
        + 0.3 * (1.0 + decayed(&[1.0]) + 4.0).ln()
        - 2.0 * (1.0 + decayed(&[1.0])).ln();
    assert!(
        (s.logit - expected).abs() < 1e-9,
        "{} vs {expected}",
        s.logit
    );
    // Measured from the fixture's average lead.
    let weights = WEIGHTS.iter().map(|(_, w)| w);
    let expected_baseline: f64 = -3.0
        + weights
            .zip(testkit::FIXTURE_BASELINE)
            .map(|(w, b)| w * b)
            .sum::<f64>();
    assert!((s.baseline_logit - expected_baseline).abs() < 1e-9);
    assert!((s.baseline_probability - 1.0 / (1.0 + (-expected_baseline).exp())).abs() < 1e-12);
    assert_eq!(s.explanation_form(), pb::ExplanationForm::Baseline);
}

#[tokio::test]
async fn a_batch_is_answered_in_request_order() {
    let server = TestServer::start().await;
    let ids: Vec<String> = (0..300).map(|i| format!("lead-{i:03}")).collect();
    let leads = ids.iter().enumerate().map(|(i, id)| {
        let mut l = hot_lead(id);
        l.activities.truncate(i % 6);
        l
    });
    let req = pb::ScoreLeadsRequest {
        leads: leads.collect(),
        as_of: Some(ago(0.0)),
    };
    let scores = server
        .client()
        .await
        .score_leads(req)
        .await
        .unwrap()
        .into_inner()
        .scores;
    let got: Vec<&str> = scores.iter().map(|s| s.lead_id.as_str()).collect();
    assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        scores[5].score > scores[0].score,
        "more activity scores higher"
    );
}

#[tokio::test]
async fn unknown_enum_values_are_not_errors() {
    let server = TestServer::start().await;
    let mut lead = hot_lead("enum-1");
    lead.bant.as_mut().unwrap().budget = Some(pb::BantCriterion {
        status: 42,
        value: "?".into(),
    });
    let s = score(&server, request(lead)).await;
    assert_eq!(
        verdict(&s, pb::Criterion::Bant).reason,
        "2 of 4 BANT criteria met, 2 required"
    );
}
