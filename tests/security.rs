//! Tokens and scopes over a real socket: every RPC against every scope,
//! over gRPC and over HTTP/JSON.

mod common;

use std::sync::Arc;

use arc_swap::ArcSwap;
use common::*;
use leadscore::security::scopes::Scope;
use leadscore::security::tokens::{TokenSet, generate};
use leadscore::server::ServerOptions;
use prost::Message;
use tonic::Code;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

/// The scope each RPC needs, by method name. Every method of every
/// leadscore.v1 service must appear here (checked against the descriptors).
const EXPECTED: &[(&str, &str)] = &[
    ("ScoreLead", "score"),
    ("ScoreLeads", "score"),
    ("UpsertLeads", "leads:write"),
    ("RecordActivities", "leads:write"),
    ("IngestEvents", "leads:write"),
    ("GetLead", "leads:read"),
    ("ListPrioritizedLeads", "leads:read"),
    ("AssignLead", "leads:write"),
    ("AcceptLead", "leads:write"),
    ("RejectLead", "leads:write"),
    ("RecordOutcome", "leads:write"),
    ("RecordOutcomes", "leads:write"),
    ("WatchStageChanges", "leads:read"),
    ("ListModels", "any"),
    ("GetModel", "any"),
    ("ActivateModel", "models:admin"),
    ("SetShadowModel", "models:admin"),
    ("GetPipelineHealth", "leads:read"),
    ("GetSession", "any"),
    ("ListWebhookSubscriptions", "webhooks:admin"),
    ("ReplayWebhook", "webhooks:admin"),
];

const SCOPES: &[(&str, Scope)] = &[
    ("score", Scope::Score),
    ("leads:read", Scope::LeadsRead),
    ("leads:write", Scope::LeadsWrite),
    ("models:admin", Scope::ModelsAdmin),
    ("webhooks:admin", Scope::WebhooksAdmin),
];

/// Sends an empty message (all defaults) and reports only the status.
#[derive(Default, Clone)]
struct EmptyCodec;
struct EmptyEncoder;
struct AnyDecoder;
impl Encoder for EmptyEncoder {
    type Item = ();
    type Error = tonic::Status;
    fn encode(&mut self, _: (), _: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        Ok(())
    }
}
impl Decoder for AnyDecoder {
    type Item = ();
    type Error = tonic::Status;
    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<()>, tonic::Status> {
        bytes::Buf::advance(buf, bytes::Buf::remaining(buf));
        Ok(Some(()))
    }
}
impl Codec for EmptyCodec {
    type Encode = ();
    type Decode = ();
    type Encoder = EmptyEncoder;
    type Decoder = AnyDecoder;
    fn encoder(&mut self) -> EmptyEncoder {
        EmptyEncoder
    }
    fn decoder(&mut self) -> AnyDecoder {
        AnyDecoder
    }
}

/// (path, server-streaming) of every leadscore.v1 method.
fn methods() -> Vec<(String, String, bool)> {
    let set = prost_types::FileDescriptorSet::decode(leadscore::pb::FILE_DESCRIPTOR_SET).unwrap();
    let mut out = Vec::new();
    for file in set.file {
        for service in &file.service {
            for m in &service.method {
                let path = format!("/{}.{}/{}", file.package(), service.name(), m.name());
                out.push((path, m.name().to_owned(), m.server_streaming()));
            }
        }
    }
    out
}

async fn call(server: &TestServer, path: &str, streaming: bool, token: Option<&str>) -> Code {
    let mut grpc = tonic::client::Grpc::new(server.channel().await);
    grpc.ready().await.unwrap();
    let mut req = tonic::Request::new(());
    if let Some(t) = token {
        req.metadata_mut()
            .insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    let path: http::uri::PathAndQuery = path.parse().unwrap();
    let result = if streaming {
        grpc.server_streaming(req, path, EmptyCodec).await.map(drop)
    } else {
        grpc.unary(req, path, EmptyCodec).await.map(drop)
    };
    result.err().map_or(Code::Ok, |s| s.code())
}

fn token_set(entries: &[String]) -> TokenSet {
    TokenSet::parse("tokens.toml", &entries.concat()).unwrap()
}

#[tokio::test]
async fn every_rpc_against_every_scope() {
    let mut tokens = Vec::new();
    let mut entries = Vec::new();
    for (name, scope) in SCOPES {
        let (token, entry) = generate(name, &[*scope]).unwrap();
        tokens.push((*name, token));
        entries.push(entry);
    }
    let shared = Arc::new(ArcSwap::from_pointee(token_set(&entries)));
    let server = TestServer::start_with(ServerOptions {
        tokens: Some(shared),
        ..Default::default()
    })
    .await;

    let methods = methods();
    for (_, name, _) in &methods {
        assert!(
            EXPECTED.iter().any(|(m, _)| m == name),
            "RPC {name} has no row in the scope table"
        );
    }
    for (path, name, streaming) in &methods {
        let needed = EXPECTED.iter().find(|(m, _)| m == name).unwrap().1;
        assert_eq!(
            call(&server, path, *streaming, None).await,
            Code::Unauthenticated,
            "{path} without token"
        );
        assert_eq!(
            call(&server, path, *streaming, Some("not-a-token")).await,
            Code::Unauthenticated,
            "{path} bad token"
        );
        for (scope, token) in &tokens {
            let code = call(&server, path, *streaming, Some(token)).await;
            if needed == "any" || needed == *scope {
                assert!(
                    !matches!(code, Code::Unauthenticated | Code::PermissionDenied),
                    "{path} with scope {scope} must pass the check, got {code:?}"
                );
            } else {
                assert_eq!(code, Code::PermissionDenied, "{path} with scope {scope}");
            }
        }
    }
    let health = "/grpc.health.v1.Health/Check";
    assert_eq!(
        call(&server, health, false, None).await,
        Code::Ok,
        "health stays open"
    );
}

/// An HTTP call of `route` (path variables filled in, an empty JSON body
/// where it takes one); its gRPC code (OK for a success).
async fn http_call(
    server: &TestServer,
    route: &leadscore::http::routes::Route,
    token: Option<&str>,
) -> Code {
    let mut path = route.template.text.clone();
    for field in route.path_fields() {
        path = path.replace(&format!("{{{field}}}"), "x");
    }
    let mut request = common::http_client::Request::new(route.verb.as_str(), &path);
    if !matches!(route.body, leadscore::http::routes::BodyRule::None) {
        request = request.json("{}");
    }
    if let Some(token) = token {
        request = request.token(token);
    }
    let (parts, body) = request.send_streaming(server.http()).await;
    if parts.status == 200 {
        drop(body);
        return Code::Ok;
    }
    let body = http_body_util::BodyExt::collect(body)
        .await
        .unwrap()
        .to_bytes();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let code = Code::from_i32(json["code"].as_i64().unwrap() as i32);
    assert_eq!(
        parts.status.as_u16(),
        leadscore::http::errors::http_status(code).as_u16()
    );
    code
}

#[tokio::test]
async fn every_http_route_against_every_scope() {
    let mut tokens = Vec::new();
    let mut entries = Vec::new();
    for (name, scope) in SCOPES {
        let (token, entry) = generate(name, &[*scope]).unwrap();
        tokens.push((*name, token));
        entries.push(entry);
    }
    let shared = Arc::new(ArcSwap::from_pointee(token_set(&entries)));
    let server = TestServer::start_with_http(ServerOptions {
        tokens: Some(shared),
        ..Default::default()
    })
    .await;
    let table = leadscore::http::route_table().unwrap();
    for (_, name, _) in methods() {
        assert!(
            table.routes().iter().any(|r| r.method.name() == name),
            "RPC {name} has no HTTP route"
        );
    }
    for route in table.routes() {
        let what = format!("{} {}", route.verb, route.template.text);
        let needed = EXPECTED
            .iter()
            .find(|(m, _)| *m == route.method.name())
            .unwrap()
            .1;
        assert_eq!(
            http_call(&server, route, None).await,
            Code::Unauthenticated,
            "{what} without token"
        );
        assert_eq!(
            http_call(&server, route, Some("not-a-token")).await,
            Code::Unauthenticated,
            "{what} bad token"
        );
        for (scope, token) in &tokens {
            let code = http_call(&server, route, Some(token)).await;
            if needed == "any" || needed == *scope {
                assert!(
                    !matches!(code, Code::Unauthenticated | Code::PermissionDenied),
                    "{what} with scope {scope} must pass the check, got {code:?}"
                );
            } else {
                assert_eq!(code, Code::PermissionDenied, "{what} with scope {scope}");
            }
        }
    }
    let openapi = common::http_client::Request::new("GET", "/openapi.json")
        .send(server.http())
        .await;
    assert_eq!(openapi.status, 200, "the OpenAPI document stays open");
    server.stop().await;
}

#[tokio::test]
async fn rotating_the_tokens_file_takes_effect_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.toml");
    let (old, old_entry) = generate("old", &[Scope::Score]).unwrap();
    let (new, new_entry) = generate("new", &[Scope::Score]).unwrap();
    std::fs::write(&path, &old_entry).unwrap();
    let shared = Arc::new(ArcSwap::from_pointee(TokenSet::load(&path).unwrap()));
    let server = TestServer::start_with(ServerOptions {
        tokens: Some(shared.clone()),
        ..Default::default()
    })
    .await;
    let path_rpc = "/leadscore.v1.ScoringService/ScoreLead";
    assert_eq!(
        call(&server, path_rpc, false, Some(&old)).await,
        Code::InvalidArgument,
        "old token passes auth"
    );

    std::fs::write(&path, format!("# rotated\n{new_entry}")).unwrap();
    tokio::spawn(leadscore::security::tokens::watch(
        path.clone(),
        shared,
        std::time::Duration::from_millis(10),
    ));
    loop {
        if call(&server, path_rpc, false, Some(&new)).await == Code::InvalidArgument {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(
        call(&server, path_rpc, false, Some(&old)).await,
        Code::Unauthenticated,
        "old token revoked"
    );
}

#[test]
fn a_malformed_tokens_file_is_refused() {
    for (text, expected) in [
        (
            "[[tokens]]\nname = \"a\"\nsha256 = \"xyz\"\nscopes = [\"score\"]\n",
            "64 hex digits",
        ),
        (
            "[[tokens]]\nname = \"a\"\nsha256 = \"00\"\nscopes = [\"everything\"]\n",
            "unknown variant",
        ),
    ] {
        let err = TokenSet::parse("t.toml", text).unwrap_err().to_string();
        assert!(err.contains(expected), "{err}");
    }
}
