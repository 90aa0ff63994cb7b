//! Time is bounded to the years 0001–9999 (the `google.protobuf.Timestamp`
//! range) at every door, over a real server: a crafted time is
//! INVALID_ARGUMENT naming the field (REJECTED per event in a batch, the
//! rest of the batch recorded), and every answer is finite with
//! contributions that add up to the logit.

mod common;

use std::sync::OnceLock;

use common::*;
use leadscore::pb::v1 as pb;
use leadscore::pb::v1::lead_service_client::LeadServiceClient;
use leadscore::time::Span;
use proptest::prelude::*;
use tonic::Code;

/// `google.protobuf.Timestamp` seconds of 0001-01-01T00:00:00Z.
const MIN_SECONDS: i64 = -62_135_596_800;
/// The poisoned time of the defect report: near i64::MIN microseconds.
const POISON_SECONDS: i64 = -9_223_372_036_854;

fn wire(seconds: i64, nanos: i32) -> prost_types::Timestamp {
    prost_types::Timestamp { seconds, nanos }
}

fn with_activity_at(at: prost_types::Timestamp) -> pb::ScoreLeadRequest {
    let mut lead = hot_lead("t-1");
    lead.activities.push(pb::Activity {
        r#type: "demo_request".into(),
        occurred_at: Some(at),
        ..Default::default()
    });
    lead.activities.push(pb::Activity {
        r#type: "unsubscribe".into(),
        occurred_at: Some(at),
        ..Default::default()
    });
    request(lead)
}

/// Checks a `ScoreLead` answer: finite everywhere, and the explanation adds up.
fn assert_finite_and_adds_up(s: &pb::LeadScore) {
    for v in [
        s.score,
        s.probability,
        s.logit,
        s.intercept,
        s.baseline_logit,
    ] {
        assert!(v.is_finite(), "{s:?}");
    }
    let sum: f64 = s.baseline_logit + s.contributions.iter().map(|c| c.logit).sum::<f64>();
    assert!((sum - s.logit).abs() < 1e-9, "{sum} vs {}", s.logit);
}

#[tokio::test]
async fn a_poisoned_activity_time_is_named_not_scored() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    for (at, why) in [
        (wire(POISON_SECONDS, 0), "outside the supported range"),
        (wire(MIN_SECONDS - 1, 0), "outside the supported range"),
        (wire(253_402_300_800, 0), "outside the supported range"),
        (wire(0, -1), "nanos -1"),
        (wire(0, 1_000_000_000), "nanos 1000000000"),
    ] {
        let err = c
            .score_lead(with_activity_at(at))
            .await
            .expect_err("must be refused");
        assert_eq!(err.code(), Code::InvalidArgument, "{at:?}: {err:?}");
        assert!(
            err.message()
                .starts_with("lead.activities[6].occurred_at: ")
                && err.message().contains(why),
            "{at:?}: {}",
            err.message()
        );
    }
    // The first second of year 1 is a valid (if ancient) time: it decays to nothing.
    let s = score_of(&mut c, with_activity_at(wire(MIN_SECONDS, 0))).await;
    assert_finite_and_adds_up(&s);
    let plain = score_of(&mut c, request(hot_lead("t-1"))).await;
    assert!((s.logit - plain.logit).abs() < 1e-9);
}

#[tokio::test]
async fn an_as_of_out_of_range_is_named() {
    let server = TestServer::start().await;
    let mut req = request(hot_lead("t-2"));
    req.as_of = Some(wire(POISON_SECONDS, 0));
    let err = server.client().await.score_lead(req).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().starts_with("as_of: "), "{}", err.message());
}

fn event(id: &str, lead: &str, at: prost_types::Timestamp) -> pb::ActivityEvent {
    pb::ActivityEvent {
        event_id: id.into(),
        lead_id: lead.into(),
        r#type: "demo_request".into(),
        occurred_at: Some(at),
    }
}

#[tokio::test]
async fn poisoned_events_are_rejected_one_by_one_and_the_store_keeps_working() {
    let server = TestServer::start().await;
    let mut c = LeadServiceClient::new(server.channel().await);
    let now = leadscore::time::Timestamp::now().unix_seconds();
    let events = vec![
        event("p-1", "poisoned", wire(POISON_SECONDS, 0)),
        // Looks harmless today, wraps 12 s later in the old design.
        event("p-2", "poisoned", wire(now + 12 + POISON_SECONDS, 0)),
        event("g-1", "good", wire(now - 60, 0)),
        event("a-1", "ancient", wire(MIN_SECONDS, 0)),
    ];
    let results = record_of(&mut c, events).await;
    let status = |i: usize| pb::EventStatus::try_from(results[i].status).unwrap();
    for i in [0, 1] {
        assert_eq!(status(i), pb::EventStatus::Rejected, "{:?}", results[i]);
        assert!(
            results[i]
                .reason
                .starts_with(&format!("events[{i}].occurred_at: ")),
            "{:?}",
            results[i]
        );
    }
    assert_eq!(status(2), pb::EventStatus::Recorded);
    assert_eq!(status(3), pb::EventStatus::Recorded);
    let err = c
        .get_lead(pb::GetLeadRequest {
            lead_id: "poisoned".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Code::NotFound,
        "the poisoned lead is never created"
    );

    // Sweeps far ahead (decay to nothing) keep every score finite.
    let later =
        leadscore::time::Timestamp::now().saturating_add(leadscore::time::Span::days(400 * 365));
    server.book.sweep(later).await.unwrap();
    for id in ["good", "ancient"] {
        let lead = c
            .get_lead(pb::GetLeadRequest { lead_id: id.into() })
            .await
            .unwrap()
            .into_inner()
            .lead
            .unwrap();
        assert!(lead.score.as_ref().unwrap().score.is_finite(), "{lead:?}");
        assert_finite_and_adds_up(lead.score.as_ref().unwrap());
    }
}

/// One server and runtime for every property case.
fn shared() -> &'static (tokio::runtime::Runtime, TestServer) {
    static SHARED: OnceLock<(tokio::runtime::Runtime, TestServer)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let server = rt.block_on(TestServer::start());
        (rt, server)
    })
}

/// Either INVALID_ARGUMENT naming `field`, or `Ok`.
fn named_or_ok<T: std::fmt::Debug>(r: Result<T, tonic::Status>, field: &str) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
            assert!(e.message().starts_with(field), "{field}: {}", e.message());
            None
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_timestamp_is_refused_by_name_or_scored_finitely(
        seconds in prop_oneof![any::<i64>(), MIN_SECONDS - 10..MIN_SECONDS + 10, -1_000i64..4_000_000_000],
        nanos in prop_oneof![any::<i32>(), 0..1_000_000_000i32],
        case in 0u32..1_000_000,
    ) {
        let (rt, server) = shared();
        rt.block_on(async {
            let at = wire(seconds, nanos);
            let answer = server.client().await.score_lead(with_activity_at(at)).await;
            if let Some(a) = named_or_ok(answer, "lead.activities[6].occurred_at: ") {
                assert_finite_and_adds_up(&a.into_inner().score.unwrap());
            }
            let lead = format!("prop-{case}");
            let mut c = LeadServiceClient::new(server.channel().await);
            let results = c
                .record_activities(pb::RecordActivitiesRequest {
                    events: vec![event(&format!("{lead}-e"), &lead, at)],
                })
                .await
                .unwrap()
                .into_inner()
                .results;
            let result = &results[0];
            match pb::EventStatus::try_from(result.status).unwrap() {
                pb::EventStatus::Rejected => {
                    assert!(result.reason.starts_with("events[0].occurred_at: "), "{result:?}")
                }
                pb::EventStatus::Recorded | pb::EventStatus::Duplicate => {
                    let stored = c
                        .get_lead(pb::GetLeadRequest { lead_id: lead })
                        .await
                        .unwrap()
                        .into_inner()
                        .lead
                        .unwrap();
                    assert_finite_and_adds_up(stored.score.as_ref().unwrap());
                }
                pb::EventStatus::Unspecified => panic!("{result:?}"),
            }
        });
    }
}

/// 2,000 events of each fixture type for `lead`, two minutes apart (past
/// the dedupe window), ending a minute ago.
fn flood(lead: &str) -> Vec<pb::ActivityEvent> {
    let now = leadscore::time::Timestamp::now().unix_seconds();
    WEIGHTS
        .iter()
        .flat_map(|(kind, _)| {
            (0..2_000).map(move |i| pb::ActivityEvent {
                event_id: format!("{kind}-{i}"),
                lead_id: lead.into(),
                r#type: (*kind).into(),
                occurred_at: Some(wire(now - 60 - 120 * i, 0)),
            })
        })
        .collect()
}

#[tokio::test]
async fn a_score_that_would_overflow_is_never_stored_and_the_batch_goes_on() {
    let server = TestServer::start().await;
    let mut c = LeadServiceClient::new(server.channel().await)
        .max_encoding_message_size(64 << 20)
        .max_decoding_message_size(64 << 20);
    let events = flood("over");
    for batch in events.chunks(6_000) {
        c.record_activities(pb::RecordActivitiesRequest {
            events: batch.to_vec(),
        })
        .await
        .unwrap();
    }
    let before = c
        .get_lead(pb::GetLeadRequest {
            lead_id: "over".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .lead
        .unwrap();
    // Raw weights as large as a model file may hold (weight × points per
    // logit still finite): each term is finite, their sum is not.
    let mut huge = fixture_model("20260602T000000Z-huge0001");
    huge.standardization.mean.fill(0.0);
    for (c, s) in huge
        .coefficients
        .iter_mut()
        .zip(&huge.standardization.scale)
    {
        *c = 5e306 * s;
    }
    write_model(server.models.path(), &huge);
    server.lifecycle.refresh();
    let now = leadscore::time::Timestamp::now().unix_seconds();
    let results = c
        .record_activities(pb::RecordActivitiesRequest {
            events: vec![
                event("over-late", "over", wire(now - 1, 0)),
                pb::ActivityEvent {
                    r#type: "blog_read".into(),
                    ..event("calm-1", "calm", wire(now - 1, 0))
                },
            ],
        })
        .await
        .unwrap()
        .into_inner()
        .results;
    assert_all_recorded(&results);
    let over = c
        .get_lead(pb::GetLeadRequest {
            lead_id: "over".into(),
        })
        .await;
    let err = over.expect_err("the live answer cannot be built under this model");
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
    assert!(err.message().contains("non-finite"), "{}", err.message());
    let listed = c
        .list_prioritized_leads(pb::ListPrioritizedLeadsRequest {
            page_size: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .leads;
    let score_of = |id: &str| listed.iter().find(|l| l.lead_id == id).unwrap().score;
    assert_eq!(
        score_of("over"),
        before.score.unwrap().score,
        "keeps its last score"
    );
    assert!(score_of("calm").is_finite());
}

#[tokio::test]
async fn an_outcome_dated_before_the_lead_or_in_the_future_is_refused() {
    let server = TestServer::start().await;
    let mut c = LeadServiceClient::new(server.channel().await);
    c.record_activities(pb::RecordActivitiesRequest {
        events: hot_events("o-1"),
    })
    .await
    .unwrap();
    // Wire seconds of the real clock moved by a span.
    let now = leadscore::time::Timestamp::now();
    let at = |span: Span| now.saturating_add(span).unix_seconds();
    let first_activity = at(Span::days(-20));
    let outcome = |seconds: i64| pb::RecordOutcomeRequest {
        lead_id: "o-1".into(),
        outcome: pb::Outcome::Won.into(),
        occurred_at: Some(wire(seconds, 0)),
    };
    for (seconds, why) in [
        (63_072_000, "before the lead's first activity"),
        (first_activity - 1, "before the lead's first activity"),
        (at(Span::days(2)), "days in the future"),
        (at(Span::days(2 * 365)), "days in the future"),
        (253_402_300_799, "days in the future"),
        (POISON_SECONDS, "outside the supported range"),
    ] {
        let err = c.record_outcome(outcome(seconds)).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{seconds}: {err:?}");
        assert!(
            err.message().starts_with("occurred_at: ") && err.message().contains(why),
            "{seconds}: {}",
            err.message()
        );
    }
    let lead = c
        .record_outcome(outcome(first_activity + 60))
        .await
        .unwrap()
        .into_inner()
        .lead
        .unwrap();
    assert_eq!(lead.status, pb::HandOffStatus::Won as i32);
}
