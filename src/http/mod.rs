//! HTTP/JSON for every RPC, generated from the `google.api.http` rules of
//! `proto/leadscore/v1` (no handler written per RPC).
//!
//! A request is matched to its RPC's route ([`routes`]), turned into the
//! RPC's protobuf request message ([`request`]), and sent in process
//! through the very service stack the gRPC listener serves
//! ([`grpc_call`]): tokens and scopes, per-call limits, the message limit,
//! metrics and the handlers are the gRPC ones, not a copy. The answer is
//! its proto3 JSON ([`gateway`]), a server stream is Server-Sent Events
//! ([`sse`]), an error is grpc-gateway's status and JSON ([`errors`]).
//! [`openapi`] writes the OpenAPI 3 document from the same rules, and
//! [`listener`] serves it all on `--http-listen`, beside the web console's
//! static files ([`console`]), which call these same routes.
//!
//! The transcoder is our own, over the descriptor set the binary embeds
//! (prost-reflect implements the proto3 JSON mapping): the crates.io
//! transcoders proxy to a gRPC upstream over the network or generate
//! their own router, where the point here is one in-process stack; see
//! docs/http.md.

pub mod console;
pub mod errors;
pub mod gateway;
pub mod grpc_call;
pub mod listener;
pub mod openapi;
pub mod request;
pub mod routes;
pub mod sse;

use routes::{RouteError, RouteTable};

/// Completes once `stop` turns true (or its sender is gone: the server
/// is stopping either way).
async fn stopped(stop: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}

/// The routes of the embedded descriptors, checked (every rule
/// understood, every resumable stream's fields present).
pub fn route_table() -> Result<RouteTable, RouteError> {
    let pool = crate::pb::descriptor_pool();
    sse::check(pool).map_err(|reason| RouteError {
        method: "server streams".into(),
        reason,
    })?;
    RouteTable::from_pool(pool)
}

/// The OpenAPI document of the embedded descriptors.
pub fn openapi_document() -> Result<String, RouteError> {
    Ok(openapi::document(
        crate::pb::descriptor_pool(),
        &route_table()?,
    ))
}
