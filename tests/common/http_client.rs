//! A plain HTTP/1.1 client (hyper's, one connection per request) for the
//! HTTP/JSON listener: whole answers, and Server-Sent Events read event by
//! event.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;

use super::sockets::PATIENCE;

/// A whole answer.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: http::HeaderMap,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The gRPC code of an error answer (its JSON `code`).
    pub fn code(&self) -> tonic::Code {
        let code = self.json()["code"]
            .as_i64()
            .expect("an error answer has a code");
        tonic::Code::from_i32(code as i32)
    }
}

/// A request to send.
pub struct Request<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// Path and query.
    pub path: &'a str,
    /// Bearer token.
    pub token: Option<&'a str>,
    /// JSON body.
    pub body: Option<String>,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
}

impl<'a> Request<'a> {
    /// `method path`, no token, no body.
    pub fn new(method: &'a str, path: &'a str) -> Request<'a> {
        Request {
            method,
            path,
            token: None,
            body: None,
            headers: Vec::new(),
        }
    }

    /// With a JSON body.
    pub fn json(mut self, body: impl ToString) -> Request<'a> {
        self.body = Some(body.to_string());
        self
    }

    /// With a bearer token.
    pub fn token(mut self, token: &'a str) -> Request<'a> {
        self.token = Some(token);
        self
    }

    /// With one more header.
    pub fn header(mut self, name: &'static str, value: impl ToString) -> Request<'a> {
        self.headers.push((name, value.to_string()));
        self
    }

    /// Sends it; the answer's head and streaming body.
    pub async fn send_streaming(self, addr: SocketAddr) -> (http::response::Parts, Incoming) {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        self.send_on(tcp, addr).await
    }

    /// Sends it on `io` (plain TCP, or TLS), a connection to `addr`.
    pub async fn send_on(
        self,
        io: impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
        addr: SocketAddr,
    ) -> (http::response::Parts, Incoming) {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
            .await
            .unwrap();
        tokio::spawn(conn);
        let mut builder = http::Request::builder()
            .method(self.method)
            .uri(self.path)
            .header(http::header::HOST, addr.to_string());
        if let Some(token) = self.token {
            builder = builder.header(http::header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if self.body.is_some() {
            builder = builder.header(http::header::CONTENT_TYPE, "application/json");
        }
        for (name, value) in self.headers {
            builder = builder.header(name, value);
        }
        let body = Full::new(Bytes::from(self.body.unwrap_or_default()));
        let response =
            tokio::time::timeout(PATIENCE, sender.send_request(builder.body(body).unwrap()))
                .await
                .expect("the server answered in time")
                .unwrap();
        response.into_parts()
    }

    /// Sends it and reads the whole answer.
    pub async fn send(self, addr: SocketAddr) -> Answer {
        let (parts, body) = self.send_streaming(addr).await;
        let body = tokio::time::timeout(PATIENCE, body.collect())
            .await
            .expect("the body came in time")
            .unwrap()
            .to_bytes()
            .to_vec();
        Answer {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        }
    }
}

/// One Server-Sent Event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `id:`, if any.
    pub id: Option<String>,
    /// `event:`, if any.
    pub event: Option<String>,
    /// `data:` as JSON.
    pub data: serde_json::Value,
}

/// An event stream being read.
pub struct Events {
    body: Incoming,
    buf: String,
}

impl Events {
    /// Reads `body` as events.
    pub fn new(body: Incoming) -> Events {
        Events {
            body,
            buf: String::new(),
        }
    }

    /// The next event; `None` once the server has ended the stream
    /// cleanly. Panics on a broken stream or after [`PATIENCE`].
    pub async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                return Some(parse_event(&block));
            }
            let frame = tokio::time::timeout(PATIENCE, self.body.frame())
                .await
                .expect("an event or the end came in time");
            match frame {
                None => return None,
                Some(frame) => {
                    let frame = frame.expect("the stream ended cleanly, not cut");
                    if let Ok(data) = frame.into_data() {
                        self.buf.push_str(std::str::from_utf8(&data).unwrap());
                    }
                }
            }
        }
    }
}

fn parse_event(block: &str) -> Event {
    let mut event = Event {
        id: None,
        event: None,
        data: serde_json::Value::Null,
    };
    for line in block.lines() {
        if let Some(id) = line.strip_prefix("id: ") {
            event.id = Some(id.to_owned());
        } else if let Some(kind) = line.strip_prefix("event: ") {
            event.event = Some(kind.to_owned());
        } else if let Some(data) = line.strip_prefix("data: ") {
            event.data = serde_json::from_str(data).unwrap();
        }
    }
    event
}
