//! Input bounds on every RPC, over a real socket: ids, owners, reasons,
//! versions and attributes are bounded and named when refused; an error
//! quotes at most a short prefix of what was sent; attribute keys that
//! collide once normalized are refused; lead ids with surrounding
//! whitespace are refused on every RPC that takes one; a page token only
//! resumes the list it was issued for.

mod common;

use common::*;
use leadscore::pb::v1 as pb;
use leadscore::pb::v1::lead_service_client::LeadServiceClient;
use leadscore::pb::v1::model_service_client::ModelServiceClient;
use leadscore::quote::{MAX_QUOTED_BYTES, quote};
use tonic::transport::Channel;
use tonic::{Code, Status};

/// Longest message an error may carry here: two quoted inputs plus text.
const SHORT: usize = 3 * MAX_QUOTED_BYTES + 200;

async fn leads(server: &TestServer) -> LeadServiceClient<Channel> {
    LeadServiceClient::new(server.channel().await).max_decoding_message_size(64 << 20)
}

/// `err` is INVALID_ARGUMENT on `field`, with a short message.
fn refused<T: std::fmt::Debug>(answer: Result<T, Status>, field: &str) -> String {
    let err = answer.expect_err("must be refused");
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    assert!(
        err.message().starts_with(&format!("{field}: ")),
        "expected field {field}, got {:?}",
        err.message()
    );
    assert!(
        err.message().len() <= SHORT,
        "{} bytes of message",
        err.message().len()
    );
    err.message().to_owned()
}

async fn upsert(c: &mut LeadServiceClient<Channel>, id: &str) -> Result<(), Status> {
    c.upsert_leads(pb::UpsertLeadsRequest {
        leads: vec![pb::LeadUpsert {
            lead_id: id.into(),
            ..Default::default()
        }],
    })
    .await
    .map(drop)
}

#[tokio::test]
async fn a_huge_lead_id_or_version_is_refused_by_its_limit_not_echoed() {
    let server = TestServer::start().await;
    let mut c = leads(&server).await;
    let huge = "x".repeat(4 << 20);
    let get = c
        .get_lead(pb::GetLeadRequest {
            lead_id: huge.clone(),
        })
        .await;
    let message = refused(get, "lead_id");
    assert!(message.contains("the limit is 128"), "{message}");
    let assign = c
        .assign_lead(pb::AssignLeadRequest {
            lead_id: huge.clone(),
            owner: "ava".into(),
        })
        .await;
    refused(assign, "lead_id");
    let outcome = c
        .record_outcome(pb::RecordOutcomeRequest {
            lead_id: huge,
            outcome: pb::Outcome::Won as i32,
            occurred_at: Some(ago(0.0)),
        })
        .await;
    refused(outcome, "lead_id");

    let mut models = ModelServiceClient::new(server.channel().await);
    let version = "v".repeat(1 << 20);
    let get = models
        .get_model(pb::GetModelRequest {
            version: version.clone(),
        })
        .await;
    refused(get, "version");
    let activate = models
        .activate_model(pb::ActivateModelRequest {
            target: Some(pb::activate_model_request::Target::Version(version)),
            force: false,
        })
        .await;
    refused(activate, "version");
    // A version within the limit that names no model is NOT_FOUND, quoted.
    let err = models
        .get_model(pb::GetModelRequest {
            version: "20990101T000000Z-none".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound, "{err:?}");
    assert!(
        err.message().contains("\"20990101T000000Z-none\""),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_error_quotes_only_a_short_prefix_of_what_was_sent() {
    let server = TestServer::start().await;
    let mut c = leads(&server).await;
    let path = format!("profile.{}", "p".repeat(1 << 20));
    let mask = c
        .upsert_leads(pb::UpsertLeadsRequest {
            leads: vec![pb::LeadUpsert {
                lead_id: "m".into(),
                update_mask: Some(prost_types::FieldMask { paths: vec![path] }),
                ..Default::default()
            }],
        })
        .await;
    let message = refused(mask, "leads[0].update_mask.paths[0]");
    assert!(message.contains("… (1048584 bytes)"), "{message}");

    let key = "k".repeat(1 << 20);
    let mut lead = hot_lead("q1");
    let profile = lead.profile.as_mut().unwrap();
    profile.attributes.insert(key.clone(), "v".into());
    let score = server.client().await.score_lead(request(lead)).await;
    let message = refused(score, &format!("lead.profile.attributes[{}]", quote(&key)));
    assert!(message.contains("the limit is 64"), "{message}");
}

#[tokio::test]
async fn owners_reasons_filters_and_activity_attributes_are_bounded() {
    let server = TestServer::start().await;
    let mut c = leads(&server).await;
    let long = "o".repeat(1 << 20);
    make_sql(&mut c, "s1").await;
    let assign = c
        .assign_lead(pb::AssignLeadRequest {
            lead_id: "s1".into(),
            owner: long.clone(),
        })
        .await;
    refused(assign, "owner");
    let accept = c
        .accept_lead(pb::AcceptLeadRequest {
            lead_id: "s1".into(),
            owner: long.clone(),
        })
        .await;
    refused(accept, "owner");
    let reject = c
        .reject_lead(pb::RejectLeadRequest {
            lead_id: "s1".into(),
            reason: long.clone(),
        })
        .await;
    refused(reject, "reason");
    let list = c
        .list_prioritized_leads(pb::ListPrioritizedLeadsRequest {
            owner: long.clone(),
            ..Default::default()
        })
        .await;
    refused(list, "owner");
    let list = c
        .list_prioritized_leads(pb::ListPrioritizedLeadsRequest {
            country: long,
            ..Default::default()
        })
        .await;
    refused(list, "country");
    // At the limit, each is accepted.
    let at_limit = "o".repeat(256);
    c.reject_lead(pb::RejectLeadRequest {
        lead_id: "s1".into(),
        reason: at_limit.clone(),
    })
    .await
    .unwrap();
    c.assign_lead(pb::AssignLeadRequest {
        lead_id: "s1".into(),
        owner: at_limit,
    })
    .await
    .unwrap();

    let mut lead = hot_lead("a1");
    lead.activities[0].attributes = (0..2_000).map(|i| (format!("k{i}"), "v".into())).collect();
    let score = server.client().await.score_lead(request(lead)).await;
    let message = refused(score, "lead.activities[0].attributes");
    assert!(
        message.contains("has 2000 entries, the limit is 64"),
        "{message}"
    );
    let mut lead = hot_lead("a2");
    lead.activities[1].attributes = [("utm".to_owned(), "v".repeat(257))].into();
    let score = server.client().await.score_lead(request(lead)).await;
    refused(score, "lead.activities[1].attributes[\"utm\"]");
}

#[tokio::test]
async fn attribute_keys_that_collide_once_normalized_are_refused_naming_both() {
    let server = TestServer::start().await;
    let both = || -> std::collections::HashMap<String, String> {
        [
            ("Lead Source".to_owned(), "web".to_owned()),
            ("lead_source".to_owned(), "ads".to_owned()),
        ]
        .into()
    };
    let mut lead = hot_lead("c1");
    lead.profile.as_mut().unwrap().attributes = both();
    let score = server.client().await.score_lead(request(lead)).await;
    let message = refused(score, "lead.profile.attributes");
    assert!(
        message.contains(r#"keys "Lead Source" and "lead_source""#),
        "{message}"
    );
    let mut lead = hot_lead("c2");
    lead.activities[2].attributes = both();
    let score = server.client().await.score_lead(request(lead)).await;
    refused(score, "lead.activities[2].attributes");

    let mut c = leads(&server).await;
    let up = c
        .upsert_leads(pb::UpsertLeadsRequest {
            leads: vec![pb::LeadUpsert {
                lead_id: "c3".into(),
                profile: Some(pb::Profile {
                    attributes: both(),
                    ..Default::default()
                }),
                ..Default::default()
            }],
        })
        .await;
    let message = refused(up, "leads[0].profile.attributes");
    assert!(message.contains("\"lead_source\""), "{message}");
}

#[tokio::test]
async fn a_lead_id_with_surrounding_whitespace_is_refused_on_every_rpc() {
    let server = TestServer::start().await;
    let mut c = leads(&server).await;
    make_sql(&mut c, "WS1").await;
    let id = " WS1 ".to_owned();

    let score = server
        .client()
        .await
        .score_lead(request(hot_lead(&id)))
        .await;
    let message = refused(score, "lead.lead_id");
    assert!(
        message.contains("leading or trailing whitespace"),
        "{message}"
    );
    refused(upsert(&mut c, &id).await, "leads[0].lead_id");
    let mut events = hot_events("WS1");
    events[0].lead_id = id.clone();
    events[0].event_id = "ws-event".into();
    let results = record_of(&mut c, events).await;
    assert_eq!(results[0].status, pb::EventStatus::Rejected as i32);
    assert!(
        results[0].reason.starts_with("events[0].lead_id: "),
        "{:?}",
        results[0]
    );
    refused(
        c.get_lead(pb::GetLeadRequest {
            lead_id: id.clone(),
        })
        .await,
        "lead_id",
    );
    refused(
        c.assign_lead(pb::AssignLeadRequest {
            lead_id: id.clone(),
            owner: "ava".into(),
        })
        .await,
        "lead_id",
    );
    refused(
        c.accept_lead(pb::AcceptLeadRequest {
            lead_id: id.clone(),
            owner: String::new(),
        })
        .await,
        "lead_id",
    );
    refused(
        c.reject_lead(pb::RejectLeadRequest {
            lead_id: id.clone(),
            reason: "not now".into(),
        })
        .await,
        "lead_id",
    );
    refused(
        c.record_outcome(pb::RecordOutcomeRequest {
            lead_id: id,
            outcome: pb::Outcome::Lost as i32,
            occurred_at: Some(ago(0.0)),
        })
        .await,
        "lead_id",
    );
    // Nothing was stored under the untrimmed id, and the real lead is intact.
    let all = c
        .list_prioritized_leads(pb::ListPrioritizedLeadsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .leads;
    let ids: Vec<&str> = all.iter().map(|l| l.lead_id.as_str()).collect();
    assert_eq!(ids, ["WS1"]);
}

#[tokio::test]
async fn a_page_token_only_resumes_the_filters_it_was_issued_for() {
    let server = TestServer::start().await;
    let mut c = leads(&server).await;
    for id in ["p1", "p2", "p3"] {
        upsert(&mut c, id).await.unwrap();
    }
    let nurturing = pb::Stage::Nurturing as i32;
    let list =
        |stages: Vec<i32>, page_size: u32, page_token: String| pb::ListPrioritizedLeadsRequest {
            stages,
            page_size,
            page_token,
            ..Default::default()
        };
    let first = c
        .list_prioritized_leads(list(vec![], 1, String::new()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.leads[0].lead_id, "p1");
    let token = first.next_page_token;
    assert!(!token.is_empty());

    let other = c
        .list_prioritized_leads(list(vec![nurturing], 1, token.clone()))
        .await;
    let message = refused(other, "page_token");
    assert!(message.contains("other filters"), "{message}");
    let other = c
        .list_prioritized_leads(pb::ListPrioritizedLeadsRequest {
            include_closed: true,
            page_token: token.clone(),
            ..Default::default()
        })
        .await;
    refused(other, "page_token");

    // The same filters resume, whatever the page size.
    let rest = c
        .list_prioritized_leads(list(vec![], 10, token))
        .await
        .unwrap()
        .into_inner();
    let ids: Vec<&str> = rest.leads.iter().map(|l| l.lead_id.as_str()).collect();
    assert_eq!(ids, ["p2", "p3"]);

    // A stage set spelled in another order is the same filter.
    let mql = pb::Stage::Mql as i32;
    let first = c
        .list_prioritized_leads(list(vec![nurturing, mql], 1, String::new()))
        .await
        .unwrap()
        .into_inner();
    let next = c
        .list_prioritized_leads(list(vec![mql, nurturing], 1, first.next_page_token))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(next.leads[0].lead_id, "p2");
}
