//! The `--http-listen` listener: HTTP/1.1 and HTTP/2 (hyper), bounded like
//! the gRPC listener.
//!
//! - **Connections** come from [`crate::connections::incoming`]: the same
//!   connection cap (`--max-connections`, counted for this listener on its
//!   own), the same handshake deadline (accept to the first bytes of the
//!   first request, TLS included) and the same TLS settings, with ALPN
//!   offering `http/1.1` beside `h2`.
//! - **Headers** must arrive within the handshake timeout on every request
//!   of an HTTP/1.1 connection (hyper's header read timeout), so an idle
//!   or trickling peer is closed.
//! - **HTTP/2** connections are kept alive by PINGs, as gRPC ones are.
//! - **Bodies** are bounded by [`super::gateway::BodyLimits`].
//!
//! At shutdown the listener closes, each connection finishes the request
//! in flight and closes (server streams end cleanly, see [`super::sse`]).

use std::convert::Infallible;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_stream::{Stream, StreamExt};

use super::gateway::Gateway;
use crate::connections::conn::Conn;

/// Connection-level settings of the HTTP listener.
#[derive(Debug, Clone, Copy)]
pub struct HttpConnections {
    /// Every request's headers must arrive within this.
    pub header_timeout: Duration,
    /// HTTP/2 PING interval.
    pub keepalive_interval: Duration,
    /// An unanswered PING closes the connection after this.
    pub keepalive_timeout: Duration,
}

/// Serves `gateway` on the connections of `incoming` until `stop` turns
/// true, then waits for the open connections to finish.
pub async fn serve(
    incoming: impl Stream<Item = Result<Conn, Infallible>>,
    gateway: Gateway,
    settings: HttpConnections,
    mut stop: watch::Receiver<bool>,
) {
    let builder = builder(settings);
    let mut open = JoinSet::new();
    // Boxed, not pinned on the stack, so it can be dropped below.
    let mut incoming = Box::pin(incoming);
    loop {
        tokio::select! {
            conn = incoming.next() => match conn {
                Some(Ok(conn)) => {
                    open.spawn(connection(conn, builder.clone(), gateway.clone(), stop.clone()));
                }
                None => break,
            },
            Some(_) = open.join_next(), if !open.is_empty() => {}
            () = super::stopped(&mut stop) => break,
        }
    }
    // Dropping the stream stops the accept loop and closes the port.
    drop(incoming);
    while open.join_next().await.is_some() {}
}

fn builder(settings: HttpConnections) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(settings.keepalive_interval)
        .keep_alive_timeout(settings.keepalive_timeout);
    builder
}

/// Serves one connection; at `stop`, lets its request in flight finish.
async fn connection(
    conn: Conn,
    builder: auto::Builder<TokioExecutor>,
    gateway: Gateway,
    mut stop: watch::Receiver<bool>,
) {
    let service = hyper::service::service_fn(move |req| {
        let gateway = gateway.clone();
        async move { Ok::<_, Infallible>(gateway.handle(req).await) }
    });
    let served = builder.serve_connection(TokioIo::new(conn), service);
    tokio::pin!(served);
    let result = tokio::select! {
        result = served.as_mut() => result,
        () = super::stopped(&mut stop) => {
            served.as_mut().graceful_shutdown();
            served.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(error = %e, "HTTP connection ended with an error");
    }
}
