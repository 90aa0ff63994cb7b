//! One gRPC call made in process, through the same service stack the gRPC
//! listener serves (metrics, tokens and scopes, per-call limits, message
//! limit, the services): the HTTP edge adds no second copy of any check.
//!
//! The request is framed as gRPC on the wire frames it (one uncompressed
//! length-prefixed message); the answer's messages are read back from its
//! body the same way, and its status from the trailers (or, for an error
//! answered at once, from the headers).

use std::convert::Infallible;

use bytes::{Buf, Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use tonic::Status;
use tonic::body::Body;
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;

/// The gRPC service stack, as the HTTP edge calls it.
pub type GrpcStack = BoxCloneSyncService<http::Request<Body>, http::Response<Body>, Infallible>;

/// Request headers passed through to the gRPC call unchanged: the bearer
/// token (checked by the same layer) and a client deadline.
const FORWARDED: [&str; 2] = ["authorization", "grpc-timeout"];

/// Bytes before each gRPC message: compressed flag, big-endian length.
const PREFIX_BYTES: usize = 5;

/// A call's answer: its messages as they arrive, then its status.
pub struct Reply {
    body: Body,
    buf: BytesMut,
    /// Set once the status has been read.
    ended: bool,
}

/// Calls `path` (`/package.Service/Method`) with one encoded message.
/// `Err` when the call failed before answering any message.
pub async fn call(
    stack: &GrpcStack,
    path: &str,
    headers: &http::HeaderMap,
    message: Vec<u8>,
) -> Result<Reply, Status> {
    let mut framed = Vec::with_capacity(PREFIX_BYTES + message.len());
    framed.push(0);
    let len = u32::try_from(message.len())
        .map_err(|_| Status::resource_exhausted("request message is over 4 GiB"))?;
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(&message);
    let mut request = http::Request::post(path)
        .header(http::header::CONTENT_TYPE, "application/grpc")
        .header(http::header::TE, "trailers")
        .body(Body::new(Full::new(Bytes::from(framed))))
        .map_err(|e| Status::internal(format!("cannot build the call: {e}")))?;
    for name in FORWARDED {
        for value in headers.get_all(name) {
            request.headers_mut().append(name, value.clone());
        }
    }
    let Ok(response) = stack.clone().oneshot(request).await;
    let (parts, body) = response.into_parts();
    if let Some(status) = Status::from_header_map(&parts.headers)
        && status.code() != tonic::Code::Ok
    {
        return Err(status);
    }
    Ok(Reply {
        body,
        buf: BytesMut::new(),
        ended: false,
    })
}

/// Calls a unary RPC: its one answer message.
pub async fn unary(
    stack: &GrpcStack,
    path: &str,
    headers: &http::HeaderMap,
    message: Vec<u8>,
) -> Result<Bytes, Status> {
    let mut reply = call(stack, path, headers, message).await?;
    let answer = reply
        .message()
        .await?
        .ok_or_else(|| Status::internal("the call ended without an answer"))?;
    while reply.message().await?.is_some() {}
    Ok(answer)
}

impl Reply {
    /// The next message; `None` once the call has ended OK, `Err` with
    /// its status when it ended otherwise.
    pub async fn message(&mut self) -> Result<Option<Bytes>, Status> {
        loop {
            if let Some(message) = self.take_message()? {
                return Ok(Some(message));
            }
            if self.ended {
                return Ok(None);
            }
            match self.body.frame().await {
                None => return self.end(None),
                Some(Err(status)) => return Err(status),
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => self.buf.extend_from_slice(&data),
                    Err(frame) => {
                        let trailers = frame.into_trailers().ok();
                        return self.end(trailers.and_then(|t| Status::from_header_map(&t)));
                    }
                },
            }
        }
    }

    fn end(&mut self, status: Option<Status>) -> Result<Option<Bytes>, Status> {
        self.ended = true;
        if !self.buf.is_empty() {
            return Err(Status::internal("the answer ended inside a message"));
        }
        match status {
            Some(status) if status.code() != tonic::Code::Ok => Err(status),
            Some(_) => Ok(None),
            None => Err(Status::internal("the answer ended without a status")),
        }
    }

    /// A whole message from the buffer, if one is there.
    fn take_message(&mut self) -> Result<Option<Bytes>, Status> {
        if self.buf.len() < PREFIX_BYTES {
            return Ok(None);
        }
        let [flag, a, b, c, d] = [
            self.buf[0],
            self.buf[1],
            self.buf[2],
            self.buf[3],
            self.buf[4],
        ];
        if flag != 0 {
            return Err(Status::internal(
                "the answer is compressed, which was not asked for",
            ));
        }
        let len = u32::from_be_bytes([a, b, c, d]) as usize;
        if self.buf.len() < PREFIX_BYTES + len {
            return Ok(None);
        }
        self.buf.advance(PREFIX_BYTES);
        Ok(Some(self.buf.split_to(len).freeze()))
    }
}
