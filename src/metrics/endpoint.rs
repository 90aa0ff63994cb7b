//! `GET /metrics` over HTTP/1.1 on its own listener (axum).

use std::sync::Arc;

use axum::routing::get;
use tokio::net::TcpListener;

use super::Metrics;
use crate::lifecycle::Lifecycle;

/// Serves `/metrics` on `listener` until the process ends.
pub async fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    lifecycle: Arc<Lifecycle>,
) -> std::io::Result<()> {
    let app = axum::Router::new().route(
        "/metrics",
        get(move || {
            let (metrics, lifecycle) = (metrics.clone(), lifecycle.clone());
            async move {
                (
                    [(
                        http::header::CONTENT_TYPE,
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )],
                    metrics.render(&lifecycle),
                )
            }
        }),
    );
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving metrics");
    }
    axum::serve(listener, app).await
}
