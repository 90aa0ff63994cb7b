//! The web console over a real socket: its files with their content
//! types, the security policy and cache headers, `/` redirecting to it,
//! and `GetSession` telling the page what the token may do.

mod common;

use std::sync::Arc;

use arc_swap::ArcSwap;
use common::TestServer;
use common::http_client::Request;
use leadscore::security::scopes::Scope;
use leadscore::security::tokens::{TokenSet, generate};
use leadscore::server::ServerOptions;

#[tokio::test]
async fn console_files_are_served_with_their_types_policy_and_cache_headers() {
    let server = TestServer::start_with_http(ServerOptions::default()).await;
    let root = Request::new("GET", "/").send(server.http()).await;
    assert_eq!(root.status, 302);
    assert_eq!(root.headers["location"], "/console/");
    for (path, content_type) in [
        ("/console/", "text/html; charset=utf-8"),
        ("/console/index.html", "text/html; charset=utf-8"),
        ("/console/app.js", "text/javascript; charset=utf-8"),
        ("/console/charts.js", "text/javascript; charset=utf-8"),
        ("/console/app.css", "text/css; charset=utf-8"),
    ] {
        let a = Request::new("GET", path).send(server.http()).await;
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(a.headers["content-type"], content_type, "{path}");
        let csp = a.headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(a.headers["x-content-type-options"], "nosniff");
        assert_eq!(a.headers["cache-control"], "no-cache");
        assert!(!a.body.is_empty(), "{path}");
        // Revalidation with the ETag costs no body.
        let etag = a.headers["etag"].to_str().unwrap().to_owned();
        let mut again = Request::new("GET", path);
        again.headers.push(("if-none-match", etag));
        let again = again.send(server.http()).await;
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty());
    }
    let missing = Request::new("GET", "/console/nothing.js")
        .send(server.http())
        .await;
    assert_eq!(missing.status, 404);
    // The API is still the transcoder's.
    let api = Request::new("GET", "/v1/models").send(server.http()).await;
    assert_eq!(api.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn the_session_names_the_token_its_scopes_and_the_hand_back_reasons() {
    let (reader, entry) = generate("viewer", &[Scope::LeadsRead]).unwrap();
    let tokens = TokenSet::parse("tokens.toml", &entry).unwrap();
    let server = TestServer::start_with_http(ServerOptions {
        tokens: Some(Arc::new(ArcSwap::from_pointee(tokens))),
        ..Default::default()
    })
    .await;
    let anonymous = Request::new("GET", "/v1/session").send(server.http()).await;
    assert_eq!(anonymous.status, 401);
    let session = Request::new("GET", "/v1/session")
        .token(&reader)
        .send(server.http())
        .await
        .json();
    assert_eq!(session["tokenName"], "viewer");
    assert_eq!(session["scopes"], serde_json::json!(["leads:read"]));
    assert_eq!(session["authentication"], true);
    let reasons = session["handBackReasons"].as_array().unwrap();
    assert_eq!(reasons[0], "No budget this year", "{session}");
    // The console itself needs no token: it only signs in.
    let page = Request::new("GET", "/console/").send(server.http()).await;
    assert_eq!(page.status, 200);
    server.stop().await;

    let open = TestServer::start_with_http(ServerOptions::default()).await;
    let session = Request::new("GET", "/v1/session")
        .send(open.http())
        .await
        .json();
    assert_eq!(
        session["authentication"],
        serde_json::Value::Null,
        "false is left out"
    );
    assert_eq!(session["scopes"].as_array().unwrap().len(), 4);
    open.stop().await;
}
