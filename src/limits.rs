//! Back-pressure: at most N calls are handled at once; call N+1 is refused
//! at once with `RESOURCE_EXHAUSTED` instead of queueing without bound, so
//! memory stays bounded under a burst and clients know to back off.
//!
//! A permit is held until the handler has produced its response (for unary
//! calls, the whole handler; for server streams, until the stream starts, so
//! long-lived watchers do not starve other calls). Health checks are exempt.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::Semaphore;
use tonic::Status;
use tower::{Layer, Service};

/// Layer limiting concurrent calls.
#[derive(Debug, Clone)]
pub struct ConcurrencyLayer {
    /// Permits, one per call in progress.
    permits: Arc<Semaphore>,
    /// The limit, for the error message.
    limit: usize,
}

impl ConcurrencyLayer {
    /// At most `limit` calls at once.
    pub fn new(limit: usize) -> ConcurrencyLayer {
        ConcurrencyLayer {
            permits: Arc::new(Semaphore::new(limit)),
            limit,
        }
    }
}

impl<S> Layer<S> for ConcurrencyLayer {
    type Service = Concurrency<S>;

    fn layer(&self, inner: S) -> Concurrency<S> {
        Concurrency {
            inner,
            permits: self.permits.clone(),
            limit: self.limit,
        }
    }
}

/// The service the layer wraps.
#[derive(Debug, Clone)]
pub struct Concurrency<S> {
    /// The wrapped service.
    inner: S,
    /// Shared permits.
    permits: Arc<Semaphore>,
    /// The limit.
    limit: usize,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B> Service<http::Request<B>> for Concurrency<S>
where
    S: Service<http::Request<B>, Response = http::Response<tonic::body::Body>> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        if req.uri().path().starts_with("/grpc.health.v1.") {
            return Box::pin(self.inner.call(req));
        }
        match self.permits.clone().try_acquire_owned() {
            Ok(permit) => {
                let call = self.inner.call(req);
                Box::pin(async move {
                    let response = call.await;
                    drop(permit);
                    response
                })
            }
            Err(_) => {
                let status = Status::resource_exhausted(format!(
                    "server is at its limit of {} concurrent calls; retry with backoff",
                    self.limit
                ));
                Box::pin(async move { Ok(status.into_http()) })
            }
        }
    }
}
