//! Times every gRPC call and counts it by method and status code.
//!
//! The status comes from the `grpc-status` header of trailers-only
//! responses (errors, which tonic answers that way); a response without it
//! is counted `OK` once its headers are sent.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use tower::{Layer, Service};

use super::{CallLabels, MethodLabels, Metrics};

/// Layer recording call metrics.
#[derive(Debug, Clone)]
pub struct MetricsLayer {
    /// Where to record.
    metrics: Arc<Metrics>,
}

impl MetricsLayer {
    /// A layer recording into `metrics`.
    pub fn new(metrics: Arc<Metrics>) -> MetricsLayer {
        MetricsLayer { metrics }
    }
}

impl<S> Layer<S> for MetricsLayer {
    type Service = Measured<S>;

    fn layer(&self, inner: S) -> Measured<S> {
        Measured {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

/// The service the layer wraps.
#[derive(Debug, Clone)]
pub struct Measured<S> {
    /// The wrapped service.
    inner: S,
    /// Where to record.
    metrics: Arc<Metrics>,
}

/// Name of a numeric gRPC status code.
fn code_name(code: &str) -> String {
    let code: i32 = code.parse().unwrap_or(2);
    format!("{:?}", tonic::Code::from_i32(code)).to_uppercase()
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B, RB> Service<http::Request<B>> for Measured<S>
where
    S: Service<http::Request<B>, Response = http::Response<RB>> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let method = req.uri().path().to_owned();
        let metrics = self.metrics.clone();
        let started = Instant::now();
        let call = self.inner.call(req);
        Box::pin(async move {
            let response = call.await;
            let code = match &response {
                Ok(r) => r
                    .headers()
                    .get("grpc-status")
                    .and_then(|v| v.to_str().ok())
                    .map_or_else(|| "OK".to_owned(), code_name),
                Err(_) => "UNKNOWN".to_owned(),
            };
            metrics
                .latency
                .get_or_create(&MethodLabels {
                    method: method.clone(),
                })
                .observe(started.elapsed().as_secs_f64());
            metrics
                .calls
                .get_or_create(&CallLabels { method, code })
                .inc();
            response
        })
    }
}
