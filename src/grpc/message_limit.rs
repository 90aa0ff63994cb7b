//! The request message size limit, answered with the code gRPC specifies.
//!
//! gRPC's status code table (`doc/statuscodes.md` in grpc/grpc: "Sent or
//! received message was larger than configured limit") makes an oversized
//! message RESOURCE_EXHAUSTED, and lists OUT_OF_RANGE among the codes a
//! gRPC library never generates; tonic's own check answers OUT_OF_RANGE.
//! This layer reads the 5-byte prefix (compressed flag, big-endian length)
//! of each message as the request body streams in, and fails the body with
//! RESOURCE_EXHAUSTED as soon as a prefix announces more than the limit,
//! before any of that message is buffered. tonic's limits are set to the
//! same values and stay as a backstop this layer always reaches first.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tonic::Status;
use tonic::body::Body;
use tower::{Layer, Service};

/// Largest message of the health and reflection services: tonic's
/// default, kept because health checks skip the concurrency limit.
pub const MAX_PROTOCOL_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// Bytes of the prefix before each gRPC message.
const PREFIX_BYTES: usize = 5;

/// Layer applying the limit to every call's request body.
#[derive(Debug, Clone, Copy)]
pub struct MessageLimitLayer {
    /// Largest `leadscore.v1` message.
    max: usize,
}

impl MessageLimitLayer {
    /// `leadscore.v1` messages up to `max` bytes; other services' up to
    /// [`MAX_PROTOCOL_MESSAGE_BYTES`].
    pub fn new(max: usize) -> MessageLimitLayer {
        MessageLimitLayer { max }
    }

    fn limit_for(&self, path: &str) -> usize {
        if path.starts_with("/leadscore.v1.") {
            self.max
        } else {
            MAX_PROTOCOL_MESSAGE_BYTES
        }
    }
}

impl<S> Layer<S> for MessageLimitLayer {
    type Service = MessageLimit<S>;

    fn layer(&self, inner: S) -> MessageLimit<S> {
        MessageLimit {
            inner,
            layer: *self,
        }
    }
}

/// The service the layer wraps.
#[derive(Debug, Clone)]
pub struct MessageLimit<S> {
    /// The wrapped service.
    inner: S,
    /// The limits.
    layer: MessageLimitLayer,
}

impl<S> Service<http::Request<Body>> for MessageLimit<S>
where
    S: Service<http::Request<Body>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<Body>) -> S::Future {
        let max = self.layer.limit_for(req.uri().path());
        self.inner.call(req.map(|body| {
            Body::new(Limited {
                inner: body,
                max,
                framing: Framing::default(),
            })
        }))
    }
}

/// Where the reader is in the stream of length-prefixed messages.
#[derive(Debug, Default)]
struct Framing {
    /// The prefix being read.
    prefix: [u8; PREFIX_BYTES],
    /// Bytes of `prefix` read so far.
    have: usize,
    /// Bytes of the current message still to come.
    body_left: usize,
}

impl Framing {
    /// Reads `chunk`; `Err(length)` of the first message over `max`.
    fn feed(&mut self, mut chunk: &[u8], max: usize) -> Result<(), usize> {
        while !chunk.is_empty() {
            if self.body_left > 0 {
                let n = self.body_left.min(chunk.len());
                self.body_left -= n;
                chunk = &chunk[n..];
                continue;
            }
            let n = (PREFIX_BYTES - self.have).min(chunk.len());
            self.prefix[self.have..self.have + n].copy_from_slice(&chunk[..n]);
            self.have += n;
            chunk = &chunk[n..];
            if self.have == PREFIX_BYTES {
                let [_, a, b, c, d] = self.prefix;
                let len = u32::from_be_bytes([a, b, c, d]) as usize;
                if len > max {
                    return Err(len);
                }
                self.have = 0;
                self.body_left = len;
            }
        }
        Ok(())
    }
}

/// A request body that fails once a message over `max` is announced.
struct Limited {
    /// The body as received.
    inner: Body,
    /// Largest message, bytes.
    max: usize,
    /// Position in the message stream.
    framing: Framing,
}

impl http_body::Body for Limited {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = self.get_mut();
        let frame = ready!(Pin::new(&mut this.inner).poll_frame(cx));
        if let Some(data) = frame.as_ref().and_then(|f| f.as_ref().ok()?.data_ref())
            && let Err(len) = this.framing.feed(data, this.max)
        {
            return Poll::Ready(Some(Err(Status::resource_exhausted(format!(
                "request message is {len} bytes, the limit is {} bytes",
                this.max
            )))));
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix(len: u32) -> Vec<u8> {
        [&[0u8][..], &len.to_be_bytes()].concat()
    }

    #[test]
    fn a_prefix_split_across_chunks_is_read_whole() {
        let mut f = Framing::default();
        let p = prefix(11);
        assert_eq!(f.feed(&p[..2], 10), Ok(()));
        assert_eq!(f.feed(&p[2..], 10), Err(11));
    }

    #[test]
    fn messages_within_the_limit_pass_and_the_next_prefix_is_found() {
        let mut f = Framing::default();
        let stream = [
            prefix(3),
            b"abc".to_vec(),
            prefix(0),
            prefix(4),
            b"ab".to_vec(),
        ]
        .concat();
        assert_eq!(f.feed(&stream, 4), Ok(()));
        assert_eq!(f.feed(b"cd", 4), Ok(()));
        assert_eq!(f.feed(&prefix(5), 4), Err(5));
    }
}
