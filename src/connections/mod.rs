//! Accepting connections so that no peer can hold the server's sockets:
//!
//! - **Cap.** At most `max_connections` are open at once, TLS handshakes
//!   included; past it a new connection is closed at once, before a byte
//!   of it is read. Keep the cap below the process's open-file limit
//!   (`ulimit -n`), so the store and the listener always have descriptors.
//! - **Handshake deadline.** A new connection has `handshake_timeout`, from
//!   accept, to finish its TLS handshake (when TLS is on) and send the
//!   HTTP/2 preface; silent and stalled peers are closed then.
//! - **Keep-alive** is tonic's, set in [`crate::server`]: an HTTP/2 PING
//!   every interval, and the connection closed when one is not answered
//!   in time (dead peers, and peers that stopped reading).
//!
//! tonic's own listener has neither a cap nor a preface deadline, so the
//! server accepts here, in a task of its own, runs the TLS handshake
//! itself ([`crate::security::tls`]) and hands each connection to tonic
//! through a channel of one: a hand-over, not a queue.

pub mod conn;

use std::convert::Infallible;
use std::io;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{Stream, StreamExt};

use crate::security::tls::ServerTls;
use crate::slots::{Slot, Slots};
use conn::Conn;

/// Pause after an accept error that is not the peer's doing (such as
/// running out of file descriptors), so the loop does not spin on it.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// How many connections, and how long a new one has to start talking.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections open at once; more are closed at once.
    pub max_connections: usize,
    /// From accept to the end of the HTTP/2 preface (TLS included).
    pub handshake_timeout: Duration,
}

/// The connections accepted on `listener` (TLS when `tls` is set), within
/// `limits`. Dropping the stream stops accepting and closes the listener.
pub fn incoming(
    listener: TcpListener,
    tls: Option<ServerTls>,
    limits: ConnectionLimits,
) -> impl Stream<Item = Result<Conn, Infallible>> {
    let (tx, rx) = mpsc::channel(1);
    let tls = tls.map(TlsAcceptor::from);
    tokio::spawn(accept_loop(listener, tls, limits, tx));
    ReceiverStream::new(rx).map(Ok)
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    limits: ConnectionLimits,
    tx: mpsc::Sender<Conn>,
) {
    let slots = Slots::new(limits.max_connections);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            // The server stopped: returning drops the listener, closing the port.
            () = tx.closed() => return,
        };
        let tcp = match accepted {
            Ok((tcp, _)) => tcp,
            Err(e) => {
                after_accept_error(e).await;
                continue;
            }
        };
        let Some(slot) = slots.try_acquire() else {
            tracing::debug!(peer = ?tcp.peer_addr().ok(), max = slots.max(), "at the connection cap; closing a new connection");
            continue;
        };
        // Small answers must leave at once: without TCP_NODELAY, Nagle's
        // algorithm and the peer's delayed ACK hold a lone reply ~40 ms.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        // A deadline too far for an Instant means none.
        let deadline = Instant::now().checked_add(limits.handshake_timeout);
        match &tls {
            None => {
                if tx.send(Conn::plain(tcp, slot, deadline)).await.is_err() {
                    return;
                }
            }
            Some(acceptor) => {
                tokio::spawn(handshake(acceptor.clone(), tcp, slot, deadline, tx.clone()));
            }
        }
    }
}

/// Waits out an accept error unless the peer caused it.
async fn after_accept_error(e: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionReset, Interrupted, WouldBlock};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | Interrupted | WouldBlock
    ) {
        return;
    }
    tracing::warn!(error = %e, "accepting a connection failed; retrying shortly");
    tokio::time::sleep(ACCEPT_BACKOFF).await;
}

/// The TLS handshake of `tcp`, within `deadline`; the connection goes to
/// the server when it succeeds and is closed otherwise.
async fn handshake(
    acceptor: TlsAcceptor,
    tcp: TcpStream,
    slot: Slot,
    deadline: Option<Instant>,
    tx: mpsc::Sender<Conn>,
) {
    let info = conn::tcp_info(&tcp);
    let accept = acceptor.accept(tcp);
    let done = match deadline {
        Some(at) => tokio::time::timeout_at(at, accept).await,
        None => Ok(accept.await),
    };
    match done {
        Ok(Ok(tls)) => {
            let _ = tx.send(Conn::tls(tls, info, slot, deadline)).await;
        }
        Ok(Err(e)) => tracing::debug!(peer = ?info.remote_addr, error = %e, "TLS handshake failed"),
        Err(_) => tracing::debug!(peer = ?info.remote_addr, "TLS handshake timed out; closing"),
    }
}
