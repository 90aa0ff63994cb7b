//! Prometheus metrics on their own port.
//!
//! - [`Metrics`]: the registry and every series the service exports.
//! - [`layer`]: the tower layer timing every gRPC call by method and code.
//! - [`endpoint`]: the HTTP listener serving `GET /metrics`.
//!
//! Labels never carry tokens or personal data: only method names, status
//! codes, store operations and versions.

pub mod endpoint;
pub mod layer;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::lifecycle::Lifecycle;

/// Labels of a finished call.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct CallLabels {
    /// `/package.Service/Method`.
    pub method: String,
    /// gRPC status code name (`OK`, `INVALID_ARGUMENT`, …).
    pub code: String,
}

/// Labels naming a method only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct MethodLabels {
    /// `/package.Service/Method`.
    pub method: String,
}

/// Labels of the version info metric.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct VersionLabels {
    /// Active model version.
    pub model_version: String,
    /// Active rules version.
    pub rules_version: String,
}

/// Labels of a store operation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct StoreLabels {
    /// Operation name.
    pub operation: String,
}

/// Labels of a stage transition.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct TransitionLabels {
    /// Kind (`to_mql`, `to_sql`, `accepted`, `recycled`, …).
    pub kind: String,
}

/// Every series the service exports.
#[derive(Debug)]
pub struct Metrics {
    /// Where the series are registered.
    registry: Registry,
    /// Calls by method and status code.
    pub calls: Family<CallLabels, Counter>,
    /// Call latency by method, seconds.
    pub latency: Family<MethodLabels, Histogram>,
    /// Leads scored (a batch counts each lead).
    pub scores_served: Counter,
    /// Store operation latency, seconds.
    pub store_latency: Family<StoreLabels, Histogram>,
    /// Stage transitions this process committed, by kind (each replica
    /// counts its own, so the sum over replicas is the store's total).
    pub stage_transitions: Family<TransitionLabels, Counter>,
    /// Active model and rules versions (value 1 for the active pair).
    versions: Family<VersionLabels, Gauge>,
    /// Model and rules reloads that succeeded.
    reloads_ok: Counter,
    /// Model or rules files refused during reloads.
    reloads_failed: Counter,
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 2.0, 18))
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Registers every series.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("leadscore");
        let calls = Family::<CallLabels, Counter>::default();
        let latency = Family::<MethodLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let scores_served = Counter::default();
        let store_latency = Family::<StoreLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let stage_transitions = Family::<TransitionLabels, Counter>::default();
        let versions = Family::<VersionLabels, Gauge>::default();
        let reloads_ok = Counter::default();
        let reloads_failed = Counter::default();
        registry.register(
            "grpc_calls",
            "gRPC calls by method and status code",
            calls.clone(),
        );
        registry.register(
            "grpc_call_seconds",
            "gRPC call latency by method",
            latency.clone(),
        );
        registry.register("scores_served", "Leads scored", scores_served.clone());
        registry.register(
            "store_operation_seconds",
            "Lead store operation latency",
            store_latency.clone(),
        );
        registry.register(
            "stage_transitions",
            "Stage transitions committed by this process, by kind",
            stage_transitions.clone(),
        );
        registry.register(
            "active_versions",
            "Active model and rules versions (1 = active)",
            versions.clone(),
        );
        registry.register(
            "reloads_ok",
            "Model and rules changes applied",
            reloads_ok.clone(),
        );
        registry.register(
            "reloads_failed",
            "Model or rules files refused",
            reloads_failed.clone(),
        );
        Metrics {
            registry,
            calls,
            latency,
            scores_served,
            store_latency,
            stage_transitions,
            versions,
            reloads_ok,
            reloads_failed,
        }
    }

    /// The text exposition of every series; versions and reload counts
    /// are read from `lifecycle` now.
    pub fn render(&self, lifecycle: &Lifecycle) -> String {
        let scorer = lifecycle.scorer().load_full();
        self.versions.clear();
        let labels = VersionLabels {
            model_version: scorer.model.version().to_owned(),
            rules_version: scorer.rules.version.clone(),
        };
        self.versions.get_or_create(&labels).set(1);
        let (ok, failed) = lifecycle.reload_counts();
        self.reloads_ok
            .inner()
            .store(ok, std::sync::atomic::Ordering::Relaxed);
        self.reloads_failed
            .inner()
            .store(failed, std::sync::atomic::Ordering::Relaxed);
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "cannot encode metrics");
        }
        out
    }
}
