//! One HTTP request, answered: `/openapi.json`, the web console's files
//! ([`super::console`]), or the route's RPC called
//! in process ([`super::grpc_call`]) with the message [`super::request`]
//! builds, its answer as proto3 JSON (or, for a server stream, as
//! Server-Sent Events, [`super::sse`]); any failure as the error JSON of
//! [`super::errors`].

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use prost_reflect::{DynamicMessage, SerializeOptions};
use tokio::sync::watch;
use tonic::Status;
use tonic::body::Body;

use super::console;
use super::errors;
use super::grpc_call::{self, GrpcStack};
use super::request::{self, Parts};
use super::routes::{Found, Route, RouteTable};
use super::sse;

/// Path of the OpenAPI document.
pub const OPENAPI_PATH: &str = "/openapi.json";

/// How much of a request the edge reads, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// Largest request body, bytes (the gRPC message limit).
    pub max_bytes: usize,
    /// The whole body must arrive within this (the per-call deadline).
    pub timeout: Duration,
}

/// The HTTP edge, shared by every connection.
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

struct Inner {
    routes: RouteTable,
    stack: GrpcStack,
    openapi: Bytes,
    limits: BodyLimits,
    stop: watch::Receiver<bool>,
}

impl Gateway {
    /// An edge calling `stack` for `routes`; server streams end when
    /// `stop` turns true.
    pub fn new(
        routes: RouteTable,
        stack: GrpcStack,
        openapi: Bytes,
        limits: BodyLimits,
        stop: watch::Receiver<bool>,
    ) -> Gateway {
        Gateway {
            inner: Arc::new(Inner {
                routes,
                stack,
                openapi,
                limits,
                stop,
            }),
        }
    }

    /// Answers one request; every failure is an error answer.
    pub async fn handle<B>(&self, req: http::Request<B>) -> http::Response<Body>
    where
        B: http_body::Body<Data = Bytes>,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        match self.answer(req).await {
            Ok(response) => response,
            Err(status) => errors::response(&status),
        }
    }

    async fn answer<B>(&self, req: http::Request<B>) -> Result<http::Response<Body>, Status>
    where
        B: http_body::Body<Data = Bytes>,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let (parts, body) = req.into_parts();
        let path = parts.uri.path();
        if path == OPENAPI_PATH && parts.method == http::Method::GET {
            return Ok(json_response(self.inner.openapi.clone()));
        }
        let if_none_match = parts.headers.get(http::header::IF_NONE_MATCH);
        if let Some(page) = console::answer(&parts.method, path, if_none_match) {
            return Ok(page);
        }
        let (route, vars) = match self.inner.routes.find(&parts.method, path) {
            Found::Route(route, vars) => (route, vars),
            Found::NotFound => {
                return Err(Status::not_found(format!(
                    "no route {} {path}; the routes are listed at {OPENAPI_PATH}",
                    parts.method
                )));
            }
            Found::WrongVerb(allowed) => {
                let allowed: Vec<String> = allowed.iter().map(ToString::to_string).collect();
                return Err(Status::unimplemented(format!(
                    "{path} is served for {}, not {}",
                    allowed.join(", "),
                    parts.method
                )));
            }
        };
        let body = self.read_body(body).await?;
        let mut request_parts = Parts {
            path: vars,
            query: parts.uri.query(),
            body: &body,
            overrides: Vec::new(),
        };
        let resume = sse::resume_of(route.method.full_name());
        if let (Some(resume), Some(last)) = (resume, parts.headers.get("last-event-id")) {
            let last = last.to_str().map_err(|_| {
                Status::invalid_argument("header Last-Event-ID is not visible ASCII")
            })?;
            request_parts.overrides.push((
                "header Last-Event-ID",
                resume.after_field.to_owned(),
                last.to_owned(),
            ));
        }
        let message = request::build(route, &request_parts)
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        self.call(route, &parts.headers, &message, resume).await
    }

    /// Calls the route's RPC and turns the answer into HTTP.
    async fn call(
        &self,
        route: &Route,
        headers: &http::HeaderMap,
        message: &DynamicMessage,
        resume: Option<&'static sse::Resume>,
    ) -> Result<http::Response<Body>, Status> {
        use prost::Message;
        let stack = &self.inner.stack;
        let path = route.grpc_path();
        let output = route.method.output();
        if route.method.is_server_streaming() {
            let reply = grpc_call::call(stack, &path, headers, message.encode_to_vec()).await?;
            let id_field = resume.map(|r| r.id_field);
            return Ok(sse::response(
                reply,
                output,
                id_field,
                self.inner.stop.clone(),
            ));
        }
        let answer = grpc_call::unary(stack, &path, headers, message.encode_to_vec()).await?;
        let answer = DynamicMessage::decode(output, answer)
            .map_err(|e| Status::internal(format!("undecodable answer: {e}")))?;
        Ok(json_response(Bytes::from(json(&answer)?)))
    }

    /// The whole request body, within the size limit and the deadline.
    async fn read_body<B>(&self, body: B) -> Result<Bytes, Status>
    where
        B: http_body::Body<Data = Bytes>,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let limits = self.inner.limits;
        let too_big = || {
            Status::resource_exhausted(format!(
                "request body is over the limit of {} bytes",
                limits.max_bytes
            ))
        };
        // A declared length over the limit is refused before any is read,
        // as the gRPC message limit refuses from the length prefix.
        if http_body::Body::size_hint(&body).lower() > limits.max_bytes as u64 {
            return Err(too_big());
        }
        let collect = Limited::new(body, limits.max_bytes).collect();
        match tokio::time::timeout(limits.timeout, collect).await {
            Err(_) => Err(Status::deadline_exceeded(format!(
                "the request body did not arrive within {:?}",
                limits.timeout
            ))),
            Ok(Ok(collected)) => Ok(collected.to_bytes()),
            Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(too_big()),
            Ok(Err(e)) => Err(Status::cancelled(format!(
                "reading the request body failed: {e}"
            ))),
        }
    }
}

/// `message` as proto3 JSON text (the standard mapping: lowerCamelCase
/// names, enum names, RFC 3339 times, 64-bit integers as strings, fields
/// at their default left out).
pub fn json(message: &DynamicMessage) -> Result<String, Status> {
    let mut out = serde_json::Serializer::new(Vec::new());
    message
        .serialize_with_options(&mut out, &SerializeOptions::new())
        .map_err(|e| Status::internal(format!("cannot write the answer as JSON: {e}")))?;
    String::from_utf8(out.into_inner()).map_err(|e| Status::internal(e.to_string()))
}

/// A 200 answer with a JSON body.
fn json_response(body: Bytes) -> http::Response<Body> {
    http::Response::builder()
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Body::new(Full::new(body)))
        .unwrap_or_else(|_| http::Response::new(Body::empty()))
}
