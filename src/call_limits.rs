//! Per-call limits: how many calls run at once, and how long each may take.
//!
//! - **Concurrency.** At most N calls are handled at once; call N+1 is
//!   refused at once with `RESOURCE_EXHAUSTED` instead of queueing without
//!   bound, so memory stays bounded under a burst and clients know to back
//!   off. A permit is held until the handler has produced its response (for
//!   unary calls, the whole handler; for server streams, until the stream
//!   starts, so long-lived watchers do not starve other calls). Health
//!   checks are exempt.
//! - **Deadline.** A call that has not produced its response within the
//!   server's request timeout, or the client's shorter `grpc-timeout`, ends
//!   with `DEADLINE_EXCEEDED`. A malformed `grpc-timeout` is refused with
//!   `INVALID_ARGUMENT` naming the header.
//!
//! Both are one layer with one unboxed future, because they sit on every
//! call and most calls (a lead scored) finish on their first poll: the
//! permit is one shared counter, and the deadline's timer is armed only
//! when a call has to wait. A timer per call, a boxed future per layer and
//! a semaphore's lock on release each showed in the profile of a
//! `ScoreLead` load; the layer does less per call and answers the right
//! codes, though CPU per call did not move measurably (figures in
//! docs/benchmarks.md).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};
use tonic::Status;
use tower::{Layer, Service};

use crate::quote::quote;
use crate::slots::{Slot, Slots};

/// Layer applying [`CallLimits`] to every call.
#[derive(Debug, Clone)]
pub struct CallLimitsLayer {
    /// Shared by every connection's copy of the service.
    shared: Arc<Shared>,
}

/// What every copy of the service shares.
#[derive(Debug)]
struct Shared {
    /// One permit per call in progress.
    permits: Arc<Slots>,
    /// Longest a call may take when the client asks for no shorter.
    timeout: Duration,
}

impl CallLimitsLayer {
    /// At most `max_concurrent` calls at once, each within `timeout`.
    pub fn new(max_concurrent: usize, timeout: Duration) -> CallLimitsLayer {
        CallLimitsLayer {
            shared: Arc::new(Shared {
                permits: Slots::new(max_concurrent),
                timeout,
            }),
        }
    }
}

impl<S> Layer<S> for CallLimitsLayer {
    type Service = CallLimits<S>;

    fn layer(&self, inner: S) -> CallLimits<S> {
        CallLimits {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// The service the layer wraps.
#[derive(Debug, Clone)]
pub struct CallLimits<S> {
    /// The wrapped service.
    inner: S,
    /// Permit count and limits.
    shared: Arc<Shared>,
}

impl<S, B> Service<http::Request<B>> for CallLimits<S>
where
    S: Service<http::Request<B>, Response = http::Response<tonic::body::Body>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = LimitedCall<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let timeout = match client_timeout(req.headers()) {
            Ok(Some(asked)) => asked.min(self.shared.timeout),
            Ok(None) => self.shared.timeout,
            Err(status) => return LimitedCall::refused(status),
        };
        let permit = if req.uri().path().starts_with("/grpc.health.v1.") {
            None
        } else {
            match self.shared.permits.try_acquire() {
                Some(permit) => Some(permit),
                None => {
                    return LimitedCall::refused(Status::resource_exhausted(format!(
                        "server is at its limit of {} concurrent calls; retry with backoff",
                        self.shared.permits.max()
                    )));
                }
            }
        };
        LimitedCall::Running {
            deadline: Deadline {
                at: Instant::now().checked_add(timeout),
                timeout,
                timer: None,
            },
            permit,
            inner: self.inner.call(req),
        }
    }
}

/// When a call must have answered by; the timer exists only once the
/// call has had to wait.
#[derive(Debug)]
struct Deadline {
    /// The instant the answer is due; `None` when the timeout reaches
    /// past what an `Instant` can hold (the call never expires).
    at: Option<Instant>,
    /// The timeout it came from, for the error message.
    timeout: Duration,
    /// Armed on the first poll that finds the call not finished.
    timer: Option<Pin<Box<Sleep>>>,
}

impl Deadline {
    fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(at) = self.at else {
            return Poll::Pending;
        };
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
        timer.as_mut().poll(cx)
    }
}

pin_project_lite::pin_project! {
    /// A call under the limits: running, or answered by the layer itself.
    #[project = LimitedCallProj]
    pub enum LimitedCall<F> {
        /// The handler runs, holding its permit until it answers.
        Running {
            #[pin]
            inner: F,
            deadline: Deadline,
            permit: Option<Slot>,
        },
        /// Refused before reaching the handler.
        Refused {
            status: Option<Status>,
        },
    }
}

impl<F> LimitedCall<F> {
    fn refused(status: Status) -> LimitedCall<F> {
        LimitedCall::Refused {
            status: Some(status),
        }
    }
}

impl<F, E> Future for LimitedCall<F>
where
    F: Future<Output = Result<http::Response<tonic::body::Body>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        match self.project() {
            LimitedCallProj::Running {
                inner,
                deadline,
                permit,
            } => {
                if let Poll::Ready(response) = inner.poll(cx) {
                    permit.take();
                    return Poll::Ready(response);
                }
                if deadline.poll_expired(cx).is_pending() {
                    return Poll::Pending;
                }
                permit.take();
                let status = Status::deadline_exceeded(format!(
                    "the call did not finish within its deadline of {:?}",
                    deadline.timeout
                ));
                Poll::Ready(Ok(status.into_http()))
            }
            LimitedCallProj::Refused { status } => {
                let status = status
                    .take()
                    .unwrap_or_else(|| Status::internal("call polled after it was answered"));
                Poll::Ready(Ok(status.into_http()))
            }
        }
    }
}

/// The client's deadline from `grpc-timeout` (gRPC over HTTP/2: at most
/// 8 digits, then a unit: `H`ours, `M`inutes, `S`econds, `m`illis,
/// `u` micros or `n`anos).
fn client_timeout(headers: &http::HeaderMap) -> Result<Option<Duration>, Status> {
    let Some(value) = headers.get("grpc-timeout") else {
        return Ok(None);
    };
    let malformed = || {
        Status::invalid_argument(format!(
            "header grpc-timeout {} is not 1 to 8 digits followed by H, M, S, m, u or n",
            quote(&String::from_utf8_lossy(value.as_bytes()))
        ))
    };
    let bytes = value.as_bytes();
    let (unit, digits) = bytes.split_last().ok_or_else(malformed)?;
    if digits.is_empty() || digits.len() > 8 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(malformed());
    }
    let n = digits
        .iter()
        .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
    let timeout = match unit {
        b'H' => Duration::from_secs(n * 3600),
        b'M' => Duration::from_secs(n * 60),
        b'S' => Duration::from_secs(n),
        b'm' => Duration::from_millis(n),
        b'u' => Duration::from_micros(n),
        b'n' => Duration::from_nanos(n),
        _ => return Err(malformed()),
    };
    Ok(Some(timeout))
}

#[cfg(test)]
mod tests {
    use super::client_timeout;
    use std::time::Duration;

    fn parse(value: &str) -> Result<Option<Duration>, tonic::Code> {
        let mut headers = http::HeaderMap::new();
        headers.insert("grpc-timeout", value.parse().unwrap());
        client_timeout(&headers).map_err(|s| s.code())
    }

    #[test]
    fn grpc_timeout_units() {
        assert_eq!(parse("2H"), Ok(Some(Duration::from_secs(7200))));
        assert_eq!(parse("3M"), Ok(Some(Duration::from_secs(180))));
        assert_eq!(
            parse("99999999S"),
            Ok(Some(Duration::from_secs(99_999_999)))
        );
        assert_eq!(parse("250m"), Ok(Some(Duration::from_millis(250))));
        assert_eq!(parse("7u"), Ok(Some(Duration::from_micros(7))));
        assert_eq!(parse("1n"), Ok(Some(Duration::from_nanos(1))));
        assert_eq!(client_timeout(&http::HeaderMap::new()).ok(), Some(None));
    }

    #[test]
    fn malformed_grpc_timeouts_are_invalid_arguments() {
        for bad in [
            "",
            "S",
            "10",
            "10s",
            "123456789S",
            "-1S",
            "1.5S",
            " 1S",
            "1 S",
        ] {
            assert_eq!(parse(bad), Err(tonic::Code::InvalidArgument), "{bad:?}");
        }
    }
}
