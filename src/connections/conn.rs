//! One accepted connection as the server reads it: plaintext or TLS,
//! holding its slot of the connection cap, and failing its reads once the
//! handshake deadline has passed before the HTTP/2 preface arrived.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};
use tokio_rustls::server::TlsStream;
use tonic::transport::server::{Connected, TcpConnectInfo};

use crate::slots::Slot;

/// Length of the HTTP/2 client preface, `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`,
/// the first bytes every gRPC client sends.
pub const PREFACE_LEN: usize = 24;

/// What both transports are.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// The byte stream under HTTP/2.
#[derive(Debug)]
enum Transport {
    /// Plaintext TCP.
    Plain(TcpStream),
    /// TLS over TCP, the handshake done.
    Tls(Box<TlsStream<TcpStream>>),
}

/// An accepted connection.
#[derive(Debug)]
pub struct Conn {
    transport: Transport,
    /// Fires at the handshake deadline; dropped once the preface is in.
    deadline: Option<Pin<Box<Sleep>>>,
    /// Preface bytes still to come.
    preface_left: usize,
    /// Addresses, taken at accept.
    info: TcpConnectInfo,
    /// Given back to the cap when the connection is dropped.
    _slot: Slot,
}

/// The addresses of `tcp`, as tonic reports them to handlers.
pub fn tcp_info(tcp: &TcpStream) -> TcpConnectInfo {
    TcpConnectInfo {
        local_addr: tcp.local_addr().ok(),
        remote_addr: tcp.peer_addr().ok(),
    }
}

impl Conn {
    /// A plaintext connection that must send its preface by `deadline`.
    pub fn plain(tcp: TcpStream, slot: Slot, deadline: Option<Instant>) -> Conn {
        let info = tcp_info(&tcp);
        Conn::new(Transport::Plain(tcp), info, slot, deadline)
    }

    /// A connection whose TLS handshake is done; it must still send its
    /// preface by `deadline`.
    pub fn tls(
        tls: TlsStream<TcpStream>,
        info: TcpConnectInfo,
        slot: Slot,
        deadline: Option<Instant>,
    ) -> Conn {
        Conn::new(Transport::Tls(Box::new(tls)), info, slot, deadline)
    }

    fn new(
        transport: Transport,
        info: TcpConnectInfo,
        slot: Slot,
        deadline: Option<Instant>,
    ) -> Conn {
        Conn {
            transport,
            deadline: deadline.map(|at| Box::pin(tokio::time::sleep_until(at))),
            preface_left: PREFACE_LEN,
            info,
            _slot: slot,
        }
    }

    fn io(&mut self) -> Pin<&mut dyn Io> {
        match &mut self.transport {
            Transport::Plain(tcp) => Pin::new(tcp),
            Transport::Tls(tls) => Pin::new(tls.as_mut()),
        }
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = this.io().poll_read(cx, buf);
        let Some(deadline) = this.deadline.as_mut() else {
            return polled;
        };
        this.preface_left = this
            .preface_left
            .saturating_sub(buf.filled().len() - before);
        if this.preface_left == 0 {
            this.deadline = None;
        } else if polled.is_pending() && deadline.as_mut().poll(cx).is_ready() {
            tracing::debug!(peer = ?this.info.remote_addr, "no HTTP/2 preface before the handshake deadline; closing");
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no HTTP/2 preface within the handshake timeout",
            )));
        }
        polled
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().io().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().io().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        match &self.transport {
            Transport::Plain(tcp) => tcp.is_write_vectored(),
            Transport::Tls(tls) => tls.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().io().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().io().poll_shutdown(cx)
    }
}

impl Connected for Conn {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        self.info.clone()
    }
}
