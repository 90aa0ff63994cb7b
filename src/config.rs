//! Service configuration: flags and environment, validated (model and
//! rules loaded) before any port is bound.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::lifecycle::{Lifecycle, LifecycleError};

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Plain,
    /// One JSON object per line, for log collectors.
    Json,
}

/// `leadscore serve` settings.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "LEADSCORE_LISTEN", default_value = "127.0.0.1:50051")]
    pub listen: SocketAddr,
    /// Directory of model files; the newest valid one is served.
    #[arg(long, env = "LEADSCORE_MODELS", default_value = "models")]
    pub models: PathBuf,
    /// Rules file (TOML).
    #[arg(long, env = "LEADSCORE_RULES", default_value = "config/rules.toml")]
    pub rules: PathBuf,
    /// Milliseconds between rescans of the models directory and rules file.
    #[arg(long, env = "LEADSCORE_RELOAD_INTERVAL_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(10..))]
    pub reload_interval_ms: u64,
    /// Lead store: `sqlite://PATH` (embedded file) or `postgres://…` (shared
    /// by several replicas).
    #[arg(long, env = "LEADSCORE_DB", default_value = "sqlite://leadscore.db")]
    pub db: String,
    /// Seconds between re-score sweeps of every stored lead (decay, overdue
    /// follow-ups); a changed model or rules file triggers one at once.
    #[arg(long, env = "LEADSCORE_SWEEP_INTERVAL_SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub sweep_interval_secs: u64,
    /// Seconds in-flight calls get to finish after SIGTERM/SIGINT.
    #[arg(long, env = "LEADSCORE_DRAIN_TIMEOUT_SECS", default_value_t = 10)]
    pub drain_timeout_secs: u64,
    /// Log format.
    #[arg(long, env = "LEADSCORE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Plain)]
    pub log_format: LogFormat,
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The model or rules could not be loaded.
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// The lead store could not be opened or migrated.
    #[error("lead store: {0}")]
    Store(#[from] crate::store::StoreError),
    /// The listen address could not be bound.
    #[error(
        "cannot listen on {addr}: {source} (is another process using it? choose another with --listen)"
    )]
    Bind {
        /// Address.
        addr: SocketAddr,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The gRPC server failed.
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// Reflection could not be built from the descriptors.
    #[error("cannot build reflection service: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
}

impl ServeConfig {
    /// Loads the model and rules this configuration names.
    pub fn load_lifecycle(&self) -> Result<Lifecycle, StartError> {
        Ok(Lifecycle::start(&self.models, &self.rules)?)
    }

    /// Reload interval as a duration.
    pub fn reload_interval(&self) -> Duration {
        Duration::from_millis(self.reload_interval_ms)
    }

    /// Sweep interval as a duration.
    pub fn sweep_interval(&self) -> Duration {
        Duration::from_secs(self.sweep_interval_secs)
    }

    /// Drain timeout as a duration.
    pub fn drain_timeout(&self) -> Duration {
        Duration::from_secs(self.drain_timeout_secs)
    }
}
