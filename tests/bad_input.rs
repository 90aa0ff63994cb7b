//! Every kind of bad input gets INVALID_ARGUMENT naming the field, and the
//! server keeps serving.

mod common;

use common::*;
use leadscore::pb::v1 as pb;
use tonic::Code;

async fn rejected(server: &TestServer, req: pb::ScoreLeadRequest, field: &str) {
    let err = server
        .client()
        .await
        .score_lead(req)
        .await
        .expect_err("must be rejected");
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    assert!(
        err.message().starts_with(&format!("{field}: ")),
        "expected field {field}, got {:?}",
        err.message()
    );
}

fn with(f: impl FnOnce(&mut pb::Lead)) -> pb::ScoreLeadRequest {
    let mut lead = hot_lead("bad-1");
    f(&mut lead);
    request(lead)
}

fn profile(l: &mut pb::Lead) -> &mut pb::Profile {
    l.profile.as_mut().unwrap()
}

#[tokio::test]
async fn each_bad_field_is_named_and_the_server_keeps_serving() {
    let server = TestServer::start().await;
    rejected(
        &server,
        pb::ScoreLeadRequest {
            lead: None,
            as_of: None,
        },
        "lead",
    )
    .await;
    rejected(&server, with(|l| l.lead_id.clear()), "lead.lead_id").await;
    rejected(
        &server,
        with(|l| l.lead_id = "x".repeat(129)),
        "lead.lead_id",
    )
    .await;
    rejected(
        &server,
        with(|l| l.activities[2].r#type.clear()),
        "lead.activities[2].type",
    )
    .await;
    rejected(
        &server,
        with(|l| l.activities[1].occurred_at = None),
        "lead.activities[1].occurred_at",
    )
    .await;
    rejected(
        &server,
        with(|l| l.activities[0].occurred_at = Some(ago(-1.5))),
        "lead.activities[0].occurred_at",
    )
    .await;
    rejected(
        &server,
        with(|l| profile(l).company_size = Some(f64::NAN)),
        "lead.profile.company_size",
    )
    .await;
    rejected(
        &server,
        with(|l| profile(l).annual_revenue = Some(-1.0)),
        "lead.profile.annual_revenue",
    )
    .await;
    rejected(
        &server,
        with(|l| profile(l).job_title = "t".repeat(257)),
        "lead.profile.job_title",
    )
    .await;
    rejected(
        &server,
        with(|l| {
            profile(l).attributes.insert("k".into(), "v".repeat(300));
        }),
        "lead.profile.attributes[\"k\"]",
    )
    .await;
    rejected(
        &server,
        with(|l| {
            l.activity_counts.insert("blog_read".into(), f64::INFINITY);
        }),
        "lead.activity_counts[\"blog_read\"]",
    )
    .await;
    rejected(
        &server,
        with(|l| l.activities = (0..100_001).map(|_| activity("blog_read", 1.0)).collect()),
        "lead.activities",
    )
    .await;
    let mut bad_time = request(hot_lead("t"));
    bad_time.as_of = Some(prost_types::Timestamp {
        seconds: 0,
        nanos: -1,
    });
    rejected(&server, bad_time, "as_of").await;

    // An activity up to one day ahead of as_of is clock skew, not an error.
    let ok = server
        .client()
        .await
        .score_lead(with(|l| l.activities[0].occurred_at = Some(ago(-0.5))))
        .await;
    assert!(ok.is_ok(), "{ok:?}");
    server.stop().await;
}

#[tokio::test]
async fn a_batch_over_the_limit_or_with_a_bad_lead_names_it() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let small = |id: &str| pb::Lead {
        lead_id: id.into(),
        ..Default::default()
    };
    let over = pb::ScoreLeadsRequest {
        leads: (0..10_001).map(|i| small(&i.to_string())).collect(),
        as_of: None,
    };
    let err = client.score_leads(over).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(
        err.message()
            .starts_with("leads: has 10001 leads, the limit is 10000"),
        "{}",
        err.message()
    );

    let mut leads: Vec<pb::Lead> = (0..5).map(|i| hot_lead(&i.to_string())).collect();
    leads[3].activities[4].r#type.clear();
    let err = client
        .score_leads(pb::ScoreLeadsRequest {
            leads,
            as_of: Some(ago(0.0)),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(
        err.message().starts_with("leads[3].activities[4].type: "),
        "{}",
        err.message()
    );

    let full = pb::ScoreLeadsRequest {
        leads: (0..10_000).map(|i| small(&i.to_string())).collect(),
        as_of: None,
    };
    assert_eq!(
        client
            .score_leads(full)
            .await
            .unwrap()
            .into_inner()
            .scores
            .len(),
        10_000
    );
}

/// Sends hand-made protobuf bytes, which a typed client cannot produce.
async fn raw_score_lead(server: &TestServer, body: Vec<u8>) -> tonic::Status {
    use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

    #[derive(Default)]
    struct RawCodec;
    struct RawEncoder;
    struct NoDecoder;
    impl Encoder for RawEncoder {
        type Item = Vec<u8>;
        type Error = tonic::Status;
        fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
            bytes::BufMut::put_slice(dst, &item);
            Ok(())
        }
    }
    impl Decoder for NoDecoder {
        type Item = ();
        type Error = tonic::Status;
        fn decode(&mut self, _: &mut DecodeBuf<'_>) -> Result<Option<()>, tonic::Status> {
            Ok(Some(()))
        }
    }
    impl Codec for RawCodec {
        type Encode = Vec<u8>;
        type Decode = ();
        type Encoder = RawEncoder;
        type Decoder = NoDecoder;
        fn encoder(&mut self) -> RawEncoder {
            RawEncoder
        }
        fn decoder(&mut self) -> NoDecoder {
            NoDecoder
        }
    }
    let mut grpc = tonic::client::Grpc::new(server.channel().await);
    grpc.ready().await.unwrap();
    let path = http::uri::PathAndQuery::from_static("/leadscore.v1.ScoringService/ScoreLead");
    grpc.unary(tonic::Request::new(body), path, RawCodec)
        .await
        .unwrap_err()
}

#[tokio::test]
async fn a_non_utf8_string_is_invalid_argument_naming_the_field() {
    let server = TestServer::start().await;
    // ScoreLeadRequest.lead (field 1) { Lead.profile (field 2) { Profile.job_title (field 1) = 0xff 0xfe } }
    let title = [0x0a, 0x02, 0xff, 0xfe];
    let profile = [&[0x12, title.len() as u8][..], &title].concat();
    let body = [&[0x0a, profile.len() as u8][..], &profile].concat();
    let err = raw_score_lead(&server, body).await;
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    assert!(
        err.message().contains("Profile.job_title"),
        "{}",
        err.message()
    );
    let still = server
        .client()
        .await
        .score_lead(request(hot_lead("after")))
        .await;
    assert!(still.is_ok());
}
