//! Runs the gRPC server: scoring, leads, models, webhooks, health and
//! reflection on one listener,
//! with graceful shutdown; and, with `--http-listen`, the HTTP/JSON edge
//! ([`crate::http`]) on a second one, calling the same service stack.
//!
//! On shutdown the health service first reports `NOT_SERVING` (so load
//! balancers stop sending), then the listener closes and in-flight calls
//! finish, for at most the drain timeout.
//!
//! Every connection passes the connection cap and the handshake deadline
//! ([`crate::connections`]), then TLS (when configured), and is kept alive
//! by HTTP/2 PINGs. Every call passes, in order: the token and scope check
//! when tokens are configured ([`crate::security::auth_layer`]), then the
//! concurrency limit and the per-call deadline ([`crate::call_limits`]).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

use tonic::service::Routes;
use tonic::transport::Server;
use tonic_health::server::HealthReporter;
use tower::ServiceBuilder;
use tower::util::BoxCloneSyncService;

use crate::call_limits::CallLimitsLayer;
use crate::config::StartError;
use crate::connections::{self, ConnectionLimits};
use crate::grpc::lead_service::LeadApi;
use crate::grpc::message_limit::MessageLimitLayer;
use crate::grpc::model_service::ModelApi;
use crate::grpc::scoring_service::ScoringApi;
use crate::grpc::session_service::SessionApi;
use crate::grpc::webhook_service::WebhookApi;
use crate::http::gateway::{BodyLimits, Gateway};
use crate::http::grpc_call::GrpcStack;
use crate::http::listener::HttpConnections;
use crate::lifecycle::Lifecycle;
use crate::live::LiveStore;
use crate::metrics::Metrics;
use crate::metrics::layer::MetricsLayer;
use crate::pb;
use crate::pb::v1::lead_service_server::LeadServiceServer;
use crate::pb::v1::model_service_server::ModelServiceServer;
use crate::pb::v1::scoring_service_server::ScoringServiceServer;
use crate::pb::v1::session_service_server::SessionServiceServer;
use crate::pb::v1::webhook_service_server::WebhookServiceServer;
use crate::security::auth_layer::{AuthLayer, SharedTokens};
use crate::security::tls::ServerTls;

/// Largest request accepted, in bytes (a full 10,000-lead batch fits).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// How the server protects itself and its callers.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// How long in-flight calls get at shutdown.
    pub drain_timeout: Duration,
    /// TLS (and mutual TLS) configuration; `None` serves plaintext.
    pub tls: Option<ServerTls>,
    /// Known bearer tokens; `None` turns authentication off.
    pub tokens: Option<SharedTokens>,
    /// Calls handled at once before RESOURCE_EXHAUSTED.
    pub max_concurrent_calls: usize,
    /// Deadline of each call (a shorter client `grpc-timeout` wins).
    pub request_timeout: Duration,
    /// Where call metrics go; `None` records nothing.
    pub metrics: Option<Arc<Metrics>>,
    /// `WatchStageChanges` streams open at once before RESOURCE_EXHAUSTED.
    pub max_watchers: usize,
    /// Connections open at once, and how soon a new one must talk.
    pub connections: ConnectionLimits,
    /// An HTTP/2 PING is sent on a connection this often.
    pub keepalive_interval: Duration,
    /// A connection whose PING is not answered within this is closed.
    pub keepalive_timeout: Duration,
    /// The webhook subscriptions in force (`--webhooks`), listed by
    /// `WebhookService`; `None` when webhooks are off.
    pub webhooks: Option<crate::webhooks::SharedWebhooks>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            drain_timeout: Duration::from_secs(10),
            tls: None,
            tokens: None,
            max_concurrent_calls: 1024,
            request_timeout: Duration::from_secs(30),
            metrics: None,
            max_watchers: 256,
            connections: ConnectionLimits {
                max_connections: 512,
                handshake_timeout: Duration::from_secs(10),
            },
            keepalive_interval: Duration::from_secs(60),
            keepalive_timeout: Duration::from_secs(20),
            webhooks: None,
        }
    }
}

/// Where the server listens: gRPC always, HTTP/JSON when asked.
#[derive(Debug)]
pub struct Listeners {
    /// The gRPC listener.
    pub grpc: TcpListener,
    /// The HTTP/JSON listener (`--http-listen`), if any.
    pub http: Option<TcpListener>,
}

impl From<TcpListener> for Listeners {
    fn from(grpc: TcpListener) -> Listeners {
        Listeners { grpc, http: None }
    }
}

/// Serves on `listeners` until `shutdown` completes, then drains.
pub async fn run(
    listeners: impl Into<Listeners>,
    lifecycle: Arc<Lifecycle>,
    book: Arc<LiveStore>,
    options: ServerOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let listeners = listeners.into();
    let drain_timeout = options.drain_timeout;
    let (health, health_service) = tonic_health::server::health_reporter();
    report_serving(&health).await;
    // One stack for both listeners: an HTTP call passes the same layers.
    let stack = ServiceBuilder::new()
        .option_layer(options.metrics.clone().map(MetricsLayer::new))
        .option_layer(options.tokens.clone().map(AuthLayer::new))
        .layer(CallLimitsLayer::new(
            options.max_concurrent_calls,
            options.request_timeout,
        ))
        .layer(MessageLimitLayer::new(MAX_MESSAGE_BYTES))
        .service(routes(Routes::new(health_service), lifecycle, book, &options)?.prepare());

    let (stop_tx, stop) = watch::channel(false);
    let draining = Arc::new(Notify::new());
    let signal = announce_shutdown(shutdown, health, draining.clone(), stop_tx);
    let http = match listeners.http {
        Some(listener) => Some(http_edge(
            listener,
            BoxCloneSyncService::new(stack.clone()),
            &options,
            stop,
        )?),
        None => None,
    };
    match listeners.grpc.local_addr() {
        Ok(addr) => tracing::info!(%addr, "serving leadscore.v1"),
        Err(e) => tracing::warn!(error = %e, "serving leadscore.v1 on an unknown address"),
    }
    let incoming = connections::incoming(listeners.grpc, options.tls, options.connections);
    let grpc = Server::builder()
        .http2_keepalive_interval(Some(options.keepalive_interval))
        .http2_keepalive_timeout(Some(options.keepalive_timeout))
        .serve_with_incoming_shutdown(stack, incoming, signal);
    let http = async {
        if let Some(http) = http {
            http.await;
        }
        Ok(())
    };
    let both = async { tokio::try_join!(grpc, http).map(drop) };
    serve_then_drain(both, &draining, drain_timeout).await
}

/// `health` and every other service, with their message limits.
fn routes(
    health: Routes,
    lifecycle: Arc<Lifecycle>,
    book: Arc<LiveStore>,
    options: &ServerOptions,
) -> Result<Routes, StartError> {
    // Both reflection versions: grpcurl speaks v1, many clients still v1alpha.
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let scoring =
        ScoringServiceServer::new(ScoringApi::new(lifecycle.scorer(), options.metrics.clone()))
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let webhooks =
        WebhookServiceServer::new(WebhookApi::new(book.clone(), options.webhooks.clone()));
    let leads = LeadServiceServer::new(LeadApi::new(book, options.max_watchers))
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let session = SessionServiceServer::new(SessionApi::new(lifecycle.scorer()));
    let models = ModelServiceServer::new(ModelApi::new(lifecycle))
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    Ok(health
        .add_service(reflection().build_v1()?)
        .add_service(reflection().build_v1alpha()?)
        .add_service(scoring)
        .add_service(leads)
        .add_service(session)
        .add_service(models)
        .add_service(webhooks))
}

/// The HTTP/JSON edge on `listener`, calling `stack`; completes once it
/// has stopped (at `stop`) and its connections are closed.
fn http_edge(
    listener: TcpListener,
    stack: GrpcStack,
    options: &ServerOptions,
    stop: watch::Receiver<bool>,
) -> Result<impl Future<Output = ()> + use<>, StartError> {
    let routes = crate::http::route_table()?;
    let openapi = crate::http::openapi::document(pb::descriptor_pool(), &routes);
    let limits = BodyLimits {
        max_bytes: MAX_MESSAGE_BYTES,
        timeout: options.request_timeout,
    };
    let gateway = Gateway::new(routes, stack, openapi.into(), limits, stop.clone());
    match listener.local_addr() {
        Ok(addr) => tracing::info!(%addr, "serving HTTP/JSON"),
        Err(e) => tracing::warn!(error = %e, "serving HTTP/JSON on an unknown address"),
    }
    let tls = options.tls.as_ref().map(crate::security::tls::with_http1);
    let incoming = connections::incoming(listener, tls, options.connections);
    let settings = HttpConnections {
        header_timeout: options.connections.handshake_timeout,
        keepalive_interval: options.keepalive_interval,
        keepalive_timeout: options.keepalive_timeout,
    };
    Ok(crate::http::listener::serve(
        incoming, gateway, settings, stop,
    ))
}

/// Reports every leadscore service SERVING.
async fn report_serving(health: &HealthReporter) {
    health
        .set_serving::<ScoringServiceServer<ScoringApi>>()
        .await;
    health.set_serving::<LeadServiceServer<LeadApi>>().await;
    health.set_serving::<ModelServiceServer<ModelApi>>().await;
    health
        .set_serving::<SessionServiceServer<SessionApi>>()
        .await;
    health
        .set_serving::<WebhookServiceServer<WebhookApi>>()
        .await;
}

/// Completes after `shutdown`, once every service (and the server as a
/// whole) reports NOT_SERVING, and then wakes `draining`.
async fn announce_shutdown(
    shutdown: impl Future<Output = ()>,
    health: HealthReporter,
    draining: Arc<Notify>,
    stop_http: watch::Sender<bool>,
) {
    shutdown.await;
    tracing::info!("shutting down: health NOT_SERVING, draining in-flight calls");
    health
        .set_not_serving::<ScoringServiceServer<ScoringApi>>()
        .await;
    health.set_not_serving::<LeadServiceServer<LeadApi>>().await;
    health
        .set_not_serving::<ModelServiceServer<ModelApi>>()
        .await;
    health
        .set_not_serving::<SessionServiceServer<SessionApi>>()
        .await;
    health
        .set_not_serving::<WebhookServiceServer<WebhookApi>>()
        .await;
    health
        .set_service_status("", tonic_health::ServingStatus::NotServing)
        .await;
    // The HTTP listener closes and its event streams end (no receiver
    // when it is off, which is fine).
    let _ = stop_http.send(true);
    draining.notify_one();
}

/// Runs `server` until it ends or `draining` is woken, then gives the
/// in-flight calls at most `drain_timeout`.
async fn serve_then_drain(
    server: impl Future<Output = Result<(), tonic::transport::Error>>,
    draining: &Notify,
    drain_timeout: Duration,
) -> Result<(), StartError> {
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => return Ok(result?),
        () = draining.notified() => {}
    }
    match tokio::time::timeout(drain_timeout, server).await {
        Ok(result) => result?,
        Err(_) => tracing::warn!(?drain_timeout, "drain timed out; closing remaining calls"),
    }
    tracing::info!("stopped");
    Ok(())
}

/// Completes on SIGINT or SIGTERM.
pub async fn termination_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
