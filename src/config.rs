//! Service configuration: flags and environment, validated (model and
//! rules loaded) before any port is bound.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::model::{RegistryError, load_newest};
use crate::rules::{Rules, RulesError};
use crate::scoring::Scorer;

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
    /// No model could be loaded.
    #[error(transparent)]
    Model(#[from] RegistryError),
    /// The rules file is unusable.
    #[error(transparent)]
    Rules(#[from] RulesError),
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
    pub fn load_scorer(&self) -> Result<Scorer, StartError> {
        let rules = Rules::load(&self.rules)?;
        let model = load_newest(&self.models)?;
        Ok(Scorer::new(Arc::new(model), Arc::new(rules)))
    }

    /// Drain timeout as a duration.
    pub fn drain_timeout(&self) -> Duration {
        Duration::from_secs(self.drain_timeout_secs)
    }
}
