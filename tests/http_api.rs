//! The HTTP/JSON listener over a real socket: every unary RPC answers as
//! over gRPC, errors carry grpc-gateway's HTTP status and the gRPC code,
//! bodies and headers are bounded, and the OpenAPI document is the
//! checked-in one. (Stage-change events: tests/http_events.rs.)

mod common;

use common::http_client::Request;
use common::*;
use leadscore::grpc::convert::timestamp;
use leadscore::pb::v1 as pb;
use leadscore::pb::v1::lead_service_client::LeadServiceClient;
use leadscore::pb::v1::model_service_client::ModelServiceClient;
use leadscore::pb::v1::session_service_client::SessionServiceClient;
use leadscore::pb::v1::webhook_service_client::WebhookServiceClient;
use leadscore::server::ServerOptions;
use leadscore::time::{Span, Timestamp};
use prost_reflect::{DynamicMessage, SerializeOptions};
use serde_json::{Value as Json, json};
use tonic::Code;

/// `msg` as proto3 JSON, through the service's own descriptors.
fn to_json<M: prost::Message>(full_name: &str, msg: &M) -> Json {
    let desc = leadscore::pb::descriptor_pool()
        .get_message_by_name(&format!("leadscore.v1.{full_name}"))
        .unwrap();
    let dynamic = DynamicMessage::decode(desc, msg.encode_to_vec().as_slice()).unwrap();
    dynamic
        .serialize_with_options(serde_json::value::Serializer, &SerializeOptions::new())
        .unwrap()
}

/// A gRPC answer as the HTTP edge would write it: the JSON, or the code
/// and message of the error.
fn grpc_answer<M: prost::Message>(
    full_name: &str,
    answer: Result<tonic::Response<M>, tonic::Status>,
) -> Result<Json, (Code, String)> {
    answer
        .map(|r| to_json(full_name, r.get_ref()))
        .map_err(|s| (s.code(), s.message().to_owned()))
}

/// An HTTP answer the same way, checking the status fits the code.
async fn http_answer(server: &TestServer, request: Request<'_>) -> Result<Json, (Code, String)> {
    let answer = request.send(server.http()).await;
    if answer.status == 200 {
        return Ok(answer.json());
    }
    let code = answer.code();
    assert_eq!(
        answer.status,
        leadscore::http::errors::http_status(code).as_u16(),
        "{answer:?}"
    );
    Err((code, answer.json()["message"].as_str().unwrap().to_owned()))
}

/// `value` with every `from` in its strings replaced by `to`, and every
/// RFC 3339 time replaced by `<time>` (the two leads of a write are
/// changed a few milliseconds apart).
fn normalized(value: Json, from: &str, to: &str) -> Json {
    match value {
        Json::String(s) if s.len() >= 20 && s.as_bytes()[10] == b'T' && s.ends_with('Z') => {
            Json::String("<time>".into())
        }
        Json::String(s) => Json::String(s.replace(from, to)),
        Json::Array(a) => Json::Array(a.into_iter().map(|v| normalized(v, from, to)).collect()),
        Json::Object(o) => Json::Object(
            o.into_iter()
                .map(|(k, v)| (k, normalized(v, from, to)))
                .collect(),
        ),
        other => other,
    }
}

/// Asserts a write answered alike for lead `g` over gRPC and `h` over HTTP.
fn assert_alike(rpc: &str, grpc: Result<Json, (Code, String)>, http: Result<Json, (Code, String)>) {
    let norm = |a: Result<Json, (Code, String)>| match a {
        Ok(j) => Ok(normalized(j, "h-", "g-")),
        Err((c, m)) => Err((c, m.replace("h-", "g-"))),
    };
    assert_eq!(norm(http), norm(grpc), "{rpc}");
}

#[tokio::test]
async fn every_unary_rpc_answers_over_http_as_over_grpc() {
    let webhooks = leadscore::webhooks::config::WebhookConfig::parse(
        "[[subscription]]\nid = \"crm\"\nurl = \"https://crm.example/hook\"\n\
         secret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n",
    )
    .unwrap();
    let server = TestServer::start_with_http(ServerOptions {
        webhooks: Some(std::sync::Arc::new(arc_swap::ArcSwap::from_pointee(
            webhooks,
        ))),
        ..Default::default()
    })
    .await;
    let mut covered = scoring_rpcs(&server).await;
    covered.extend(lead_writes(&server).await);
    covered.extend(batch_writes(&server).await);
    covered.extend(lead_reads(&server).await);
    covered.extend(model_rpcs(&server).await);
    covered.extend(webhook_rpcs(&server).await);
    let unary: Vec<String> = leadscore::http::route_table()
        .unwrap()
        .routes()
        .iter()
        .filter(|r| !r.method.is_server_streaming())
        .map(|r| r.method.name().to_owned())
        .collect();
    for name in &unary {
        assert!(covered.contains(&name.as_str()), "{name} is not compared");
    }
    server.stop().await;
}

async fn scoring_rpcs(server: &TestServer) -> Vec<&'static str> {
    let mut client = server.client().await;
    let one = request(hot_lead("s-1"));
    let grpc = grpc_answer("ScoreLeadResponse", client.score_lead(one.clone()).await);
    let http = http_answer(
        server,
        Request::new("POST", "/v1/leads:score").json(to_json("ScoreLeadRequest", &one)),
    )
    .await;
    assert_eq!(http, grpc, "ScoreLead");
    assert!(
        http.unwrap()["score"]["behaviorPoints"].is_string(),
        "sint64 as a string"
    );
    let batch = pb::ScoreLeadsRequest {
        leads: vec![hot_lead("s-2"), hot_lead("s-3")],
        as_of: Some(ago(0.0)),
    };
    let grpc = grpc_answer(
        "ScoreLeadsResponse",
        client.score_leads(batch.clone()).await,
    );
    let http = http_answer(
        server,
        Request::new("POST", "/v1/leads:batchScore").json(to_json("ScoreLeadsRequest", &batch)),
    )
    .await;
    assert_eq!(http, grpc, "ScoreLeads");
    vec!["ScoreLead", "ScoreLeads"]
}

/// Lead `g-1` is changed over gRPC, lead `h-1` the same way over HTTP.
async fn lead_writes(server: &TestServer) -> Vec<&'static str> {
    let mut c = LeadServiceClient::new(server.channel().await);
    let upsert = |id: &str| {
        let hot = hot_lead(id);
        pb::UpsertLeadsRequest {
            leads: vec![pb::LeadUpsert {
                lead_id: id.into(),
                profile: hot.profile,
                bant: hot.bant,
                update_mask: None,
            }],
        }
    };
    let g = grpc_answer("UpsertLeadsResponse", c.upsert_leads(upsert("g-1")).await);
    let h = Request::new("POST", "/v1/leads:batchUpsert")
        .json(to_json("UpsertLeadsRequest", &upsert("h-1")));
    assert_alike("UpsertLeads", g, http_answer(server, h).await);

    let events = |id: &str| pb::RecordActivitiesRequest {
        events: hot_events(id),
    };
    let g = grpc_answer(
        "RecordActivitiesResponse",
        c.record_activities(events("g-1")).await,
    );
    let h = Request::new("POST", "/v1/activities:batchRecord")
        .json(to_json("RecordActivitiesRequest", &events("h-1")));
    assert_alike("RecordActivities", g, http_answer(server, h).await);

    let assign = |id: &str| pb::AssignLeadRequest {
        lead_id: id.into(),
        owner: "ann".into(),
    };
    let g = grpc_answer("HandOffResponse", c.assign_lead(assign("g-1")).await);
    let h = Request::new("POST", "/v1/leads/h-1:assign").json(json!({"owner": "ann"}));
    assert_alike("AssignLead", g, http_answer(server, h).await);

    let accept = |id: &str| pb::AcceptLeadRequest {
        lead_id: id.into(),
        owner: String::new(),
    };
    let g = grpc_answer("HandOffResponse", c.accept_lead(accept("g-1")).await);
    let h = Request::new("POST", "/v1/leads/h-1:accept").json(json!({}));
    assert_alike("AcceptLead", g, http_answer(server, h).await);

    let reject = |id: &str| pb::RejectLeadRequest {
        lead_id: id.into(),
        reason: "no budget".into(),
    };
    let g = grpc_answer("HandOffResponse", c.reject_lead(reject("g-1")).await);
    let h = Request::new("POST", "/v1/leads/h-1:reject").json(json!({"reason": "no budget"}));
    assert_alike("RejectLead", g, http_answer(server, h).await);

    let at = prost_types::Timestamp::from(std::time::SystemTime::now());
    let outcome = |id: &str| pb::RecordOutcomeRequest {
        lead_id: id.into(),
        outcome: pb::Outcome::Won.into(),
        occurred_at: Some(at),
    };
    let g = grpc_answer("HandOffResponse", c.record_outcome(outcome("g-1")).await);
    let h = Request::new("POST", "/v1/leads/h-1:recordOutcome")
        .json(to_json("RecordOutcomeRequest", &outcome("h-1")));
    assert_alike("RecordOutcome", g, http_answer(server, h).await);
    vec![
        "UpsertLeads",
        "RecordActivities",
        "AssignLead",
        "AcceptLead",
        "RejectLead",
        "RecordOutcome",
    ]
}

/// Inbound events and batch outcomes answer the same over both.
async fn batch_writes(server: &TestServer) -> Vec<&'static str> {
    let mut c = LeadServiceClient::new(server.channel().await);
    let ingest = |id: &str| pb::IngestEventsRequest {
        source: "crm".into(),
        event: None,
        events: hot_events(id),
    };
    let g = grpc_answer(
        "RecordActivitiesResponse",
        c.ingest_events(ingest("g-2")).await,
    );
    let h = Request::new("POST", "/v1/events:ingest")
        .json(to_json("IngestEventsRequest", &ingest("h-2")));
    assert_alike("IngestEvents", g, http_answer(server, h).await);

    let at = prost_types::Timestamp::from(std::time::SystemTime::now());
    let outcomes = |id: &str| pb::RecordOutcomesRequest {
        outcomes: vec![pb::RecordOutcomeRequest {
            lead_id: id.into(),
            outcome: pb::Outcome::Lost.into(),
            occurred_at: Some(at),
        }],
    };
    let g = grpc_answer(
        "RecordOutcomesResponse",
        c.record_outcomes(outcomes("g-2")).await,
    );
    let h = Request::new("POST", "/v1/leads:recordOutcomes")
        .json(to_json("RecordOutcomesRequest", &outcomes("h-2")));
    assert_alike("RecordOutcomes", g, http_answer(server, h).await);
    vec!["IngestEvents", "RecordOutcomes"]
}

/// Reads answer the same thing over both.
async fn lead_reads(server: &TestServer) -> Vec<&'static str> {
    let mut c = LeadServiceClient::new(server.channel().await);
    make_sql(&mut c, "r-1").await;
    let get = pb::GetLeadRequest {
        lead_id: "r-1".into(),
    };
    let grpc = grpc_answer("GetLeadResponse", c.get_lead(get).await);
    let http = http_answer(server, Request::new("GET", "/v1/leads/r-1")).await;
    assert_eq!(http, grpc, "GetLead");
    let http = http.unwrap();
    assert_eq!(http["lead"]["stage"], "STAGE_SQL", "enums as names");
    assert!(
        http["history"][0]["cursor"].is_string(),
        "uint64 as a string"
    );

    let list = pb::ListPrioritizedLeadsRequest {
        stages: vec![pb::Stage::Sql.into(), pb::Stage::Mql.into()],
        page_size: 50,
        ..Default::default()
    };
    let grpc = grpc_answer(
        "ListPrioritizedLeadsResponse",
        c.list_prioritized_leads(list).await,
    );
    let path = "/v1/leads?stages=STAGE_SQL&stages=STAGE_MQL&pageSize=50";
    assert_eq!(
        http_answer(server, Request::new("GET", path)).await,
        grpc,
        "ListPrioritizedLeads"
    );

    let to = Timestamp::now();
    let health = pb::GetPipelineHealthRequest {
        from: Some(timestamp(to.saturating_sub(Span::days(30)))),
        to: Some(timestamp(to)),
        min_outcomes: Some(10),
        ..Default::default()
    };
    let query = to_json("GetPipelineHealthRequest", &health);
    let path = format!(
        "/v1/pipelineHealth?from={}&to={}&min_outcomes=10",
        query["from"].as_str().unwrap(),
        query["to"].as_str().unwrap()
    );
    let grpc = grpc_answer("PipelineHealth", c.get_pipeline_health(health).await);
    assert_eq!(
        http_answer(server, Request::new("GET", &path)).await,
        grpc,
        "GetPipelineHealth"
    );
    vec!["GetLead", "ListPrioritizedLeads", "GetPipelineHealth"]
}

async fn model_rpcs(server: &TestServer) -> Vec<&'static str> {
    let mut c = ModelServiceClient::new(server.channel().await);
    let grpc = grpc_answer(
        "ListModelsResponse",
        c.list_models(pb::ListModelsRequest {}).await,
    );
    assert_eq!(
        http_answer(server, Request::new("GET", "/v1/models")).await,
        grpc,
        "ListModels"
    );
    let version = "20260601T000000Z-fixture1";
    let get = |v: &str| pb::GetModelRequest { version: v.into() };
    let grpc = grpc_answer("ModelCard", c.get_model(get(version)).await);
    let path = format!("/v1/models/{version}");
    assert_eq!(
        http_answer(server, Request::new("GET", &path)).await,
        grpc,
        "GetModel"
    );
    let grpc = grpc_answer("ModelCard", c.get_model(get("")).await);
    assert_eq!(
        http_answer(server, Request::new("GET", "/v1/models:active")).await,
        grpc,
        "GetModel (active)"
    );

    let pin = pb::ActivateModelRequest {
        target: Some(pb::activate_model_request::Target::Version(version.into())),
    };
    let grpc = grpc_answer("ActivateModelResponse", c.activate_model(pin).await);
    let http = Request::new("POST", "/v1/models:activate").json(json!({"version": version}));
    assert_eq!(http_answer(server, http).await, grpc, "ActivateModel");
    let clear = pb::SetShadowModelRequest {
        target: Some(pb::set_shadow_model_request::Target::Clear(true)),
    };
    let grpc = grpc_answer("SetShadowModelResponse", c.set_shadow_model(clear).await);
    let http = Request::new("POST", "/v1/models:setShadow").json(json!({"clear": true}));
    assert_eq!(http_answer(server, http).await, grpc, "SetShadowModel");
    let mut s = SessionServiceClient::new(server.channel().await);
    let grpc = grpc_answer("Session", s.get_session(pb::GetSessionRequest {}).await);
    let http = http_answer(server, Request::new("GET", "/v1/session")).await;
    assert_eq!(http, grpc, "GetSession");
    vec![
        "ListModels",
        "GetModel",
        "ActivateModel",
        "SetShadowModel",
        "GetSession",
    ]
}

/// Asserts `request` fails with `code` (and its grpc-gateway status),
/// with a message containing `says`.
async fn assert_refused(server: &TestServer, request: Request<'_>, code: Code, says: &str) {
    let what = format!("{} {}", request.method, request.path);
    match http_answer(server, request).await {
        Err((c, message)) => {
            assert_eq!(c, code, "{what}: {message}");
            assert!(
                message.contains(says),
                "{what}: {message:?} should say {says:?}"
            );
        }
        Ok(json) => panic!("{what} answered {json}"),
    }
}

#[tokio::test]
async fn errors_carry_the_grpc_gateway_status_and_the_grpc_code() {
    let server = TestServer::start_with_http(ServerOptions::default()).await;
    let mut client = server.client().await;
    let bad = pb::ScoreLeadRequest {
        lead: Some(pb::Lead::default()),
        as_of: None,
    };
    let grpc = client.score_lead(bad.clone()).await.unwrap_err();
    let http = Request::new("POST", "/v1/leads:score").json(to_json("ScoreLeadRequest", &bad));
    assert_refused(&server, http, Code::InvalidArgument, grpc.message()).await;
    assert!(grpc.message().contains("lead_id"), "{grpc:?}");

    assert_refused(
        &server,
        Request::new("GET", "/v1/leads/nobody"),
        Code::NotFound,
        "nobody",
    )
    .await;
    let mut leads = LeadServiceClient::new(server.channel().await);
    let cold = pb::UpsertLeadsRequest {
        leads: vec![pb::LeadUpsert {
            lead_id: "cold".into(),
            ..Default::default()
        }],
    };
    leads.upsert_leads(cold).await.unwrap();
    let accept = Request::new("POST", "/v1/leads/cold:accept").json(json!({"owner": "ann"}));
    assert_refused(
        &server,
        accept,
        Code::FailedPrecondition,
        "only an open SQL",
    )
    .await;

    assert_refused(
        &server,
        Request::new("GET", "/v1/leads:score"),
        Code::Unimplemented,
        "POST",
    )
    .await;
    assert_refused(
        &server,
        Request::new("GET", "/v2/nothing"),
        Code::NotFound,
        "/openapi.json",
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn malformed_requests_are_invalid_arguments_naming_the_part() {
    let server = TestServer::start_with_http(ServerOptions::default()).await;
    let cases = [
        (
            Request::new("POST", "/v1/leads:score").json("{\"lead\": "),
            "request body: ",
        ),
        (
            Request::new("POST", "/v1/leads:score").json(json!({"lead": {"leadId": 5}})),
            "request body: ",
        ),
        (
            Request::new("POST", "/v1/leads:score").json(json!({"nope": 1})),
            "nope",
        ),
        (
            Request::new("GET", "/v1/leads?pageSize=x"),
            "query parameter pageSize",
        ),
        (
            Request::new("GET", "/v1/leads?colour=red"),
            "query parameter colour",
        ),
        (
            Request::new("GET", "/v1/leads?owner=a&owner=b"),
            "given 2 times",
        ),
        (
            Request::new("GET", "/v1/leads?stages=STAGE_PURPLE"),
            "query parameter stages",
        ),
        (
            Request::new("GET", "/v1/leads/x?lead_id=y"),
            "taken from the path",
        ),
        (
            Request::new("POST", "/v1/leads:score?asOf=x").json("{}"),
            "taken from the request body",
        ),
        (
            Request::new("GET", "/v1/leads/x").json("{}"),
            "takes no request body",
        ),
        (
            Request::new("POST", "/v1/leads/a:assign").json(json!({"leadId": "b", "owner": "o"})),
            "different values",
        ),
    ];
    for (request, says) in cases {
        assert_refused(&server, request, Code::InvalidArgument, says).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn a_body_over_the_message_limit_is_refused_from_its_length() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = TestServer::start_with_http(ServerOptions::default()).await;
    let mut tcp = tokio::net::TcpStream::connect(server.http()).await.unwrap();
    let over = leadscore::server::MAX_MESSAGE_BYTES + 1;
    let head = format!(
        "POST /v1/leads:score HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {over}\r\nconnection: close\r\n\r\n{{"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(sockets::PATIENCE, tcp.read_to_string(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    assert!(answer.contains("\"code\":8"), "{answer}");
    assert!(
        answer.contains(&format!("limit of {} bytes", over - 1)),
        "{answer}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_headers_is_closed() {
    use tokio::io::AsyncWriteExt;
    let mut options = ServerOptions::default();
    options.connections.handshake_timeout = std::time::Duration::from_millis(200);
    let server = TestServer::start_with_http(options).await;
    let mut tcp = tokio::net::TcpStream::connect(server.http()).await.unwrap();
    tcp.write_all(b"GET /v1/models HTTP/1.1\r\nhost: somewhere.example\r\n")
        .await
        .unwrap();
    sockets::closed_by_server(&mut tcp).await;
    server.stop().await;
}

#[tokio::test]
async fn the_checked_in_openapi_document_is_what_the_binary_generates_and_serves() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .arg("openapi")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.json");
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == String::from_utf8(out.stdout).unwrap(),
        "docs/openapi.json is stale: regenerate it with `cargo run -- openapi > docs/openapi.json`"
    );
    let server = TestServer::start_with_http(ServerOptions::default()).await;
    let served = Request::new("GET", "/openapi.json")
        .send(server.http())
        .await;
    assert_eq!(served.status, 200);
    assert_eq!(String::from_utf8(served.body).unwrap(), checked_in);
    server.stop().await;
}

#[test]
fn http_listen_is_checked_before_any_port_is_bound() {
    let dir = common::process::fixture_dir();
    let db = format!("sqlite://{}", dir.path().join("leads.db").display());
    let refused = |extra: &[&str]| {
        common::process::ServeProcess::try_spawn_with(dir.path(), &db, extra)
            .err()
            .expect("the start is refused")
    };
    let log = refused(&["--http-listen", "0.0.0.0:0"]);
    assert!(
        log.contains("refusing to serve 0.0.0.0:0 without TLS and tokens"),
        "{log}"
    );
    assert!(!log.contains("serving"), "nothing was served: {log}");
    // Port 0 is a fresh port for each listener, so this one serves.
    let extra = [
        "--http-listen",
        "127.0.0.1:0",
        "--metrics-listen",
        "127.0.0.1:0",
    ];
    let serving = common::process::ServeProcess::spawn_with(dir.path(), &db, &extra);
    assert!(
        serving
            .startup_log
            .iter()
            .any(|l| l.contains("serving HTTP/JSON")),
        "{:?}",
        serving.startup_log
    );
    drop(serving);
    let log = refused(&[
        "--http-listen",
        "127.0.0.1:9",
        "--metrics-listen",
        "127.0.0.1:9",
    ]);
    assert!(
        log.contains("--http-listen and --metrics-listen are both 127.0.0.1:9"),
        "{log}"
    );
}

async fn webhook_rpcs(server: &TestServer) -> Vec<&'static str> {
    let mut c = WebhookServiceClient::new(server.channel().await);
    let replay = |id: &str| pb::ReplayWebhookRequest {
        subscription_id: id.into(),
        from_cursor: 0,
    };
    let grpc = grpc_answer(
        "ReplayWebhookResponse",
        c.replay_webhook(replay("crm")).await,
    );
    let http = Request::new("POST", "/v1/webhooks/crm:replay").json(json!({"fromCursor": "0"}));
    assert_eq!(http_answer(server, http).await, grpc, "ReplayWebhook");
    let grpc = grpc_answer(
        "ReplayWebhookResponse",
        c.replay_webhook(replay("nope")).await,
    );
    assert_eq!(grpc.clone().unwrap_err().0, Code::NotFound);
    let http = Request::new("POST", "/v1/webhooks/nope:replay").json(json!({}));
    assert_eq!(
        http_answer(server, http).await,
        grpc,
        "ReplayWebhook (unknown)"
    );
    let list = pb::ListWebhookSubscriptionsRequest::default();
    let grpc = grpc_answer(
        "ListWebhookSubscriptionsResponse",
        c.list_webhook_subscriptions(list).await,
    );
    let http = http_answer(server, Request::new("GET", "/v1/webhooks")).await;
    assert_eq!(http, grpc, "ListWebhookSubscriptions");
    let listed = http.unwrap();
    assert_eq!(
        listed["subscriptions"][0]["url"],
        "https://crm.example/hook"
    );
    assert!(
        !listed.to_string().contains("whsec_"),
        "the secret is never shown"
    );
    let bad = Request::new("GET", "/v1/webhooks?deadLetterLimit=101");
    let (code, message) = http_answer(server, bad).await.unwrap_err();
    assert_eq!(code, Code::InvalidArgument);
    assert!(message.starts_with("dead_letter_limit: "), "{message}");
    vec!["ReplayWebhook", "ListWebhookSubscriptions"]
}
