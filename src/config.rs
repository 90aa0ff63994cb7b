//! Service configuration: flags and environment, validated (model and
//! rules loaded) before any port is bound.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;

use crate::connections::ConnectionLimits;
use crate::lifecycle::{Lifecycle, LifecycleError};
use crate::security::tls;
use crate::security::tokens::TokenSet;
use crate::server::ServerOptions;
use crate::webhooks::config::WebhookConfig;

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
    /// Start a new, empty SQLite store where `PATH.lock` shows that one
    /// existed but PATH is missing (a deliberate reset; a first run needs
    /// no flag). No environment variable: left set in a deployment, it
    /// would replace a lost store with an empty one at every restart.
    #[arg(long)]
    pub create: bool,
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
    /// PEM certificate chain; with `--tls-key`, serves TLS.
    #[arg(long, env = "LEADSCORE_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `--tls-cert`.
    #[arg(long, env = "LEADSCORE_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// PEM CA; clients must present a certificate it signed (mutual TLS).
    #[arg(long, env = "LEADSCORE_TLS_CLIENT_CA", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,
    /// Bearer tokens file (TOML of hashes and scopes); reloaded when it
    /// changes. Without it every caller is allowed.
    #[arg(long, env = "LEADSCORE_TOKENS")]
    pub tokens: Option<PathBuf>,
    /// Allow a non-loopback `--listen` without TLS and tokens.
    #[arg(long, env = "LEADSCORE_ALLOW_INSECURE_REMOTE")]
    pub allow_insecure_remote: bool,
    /// Calls handled at once; more are refused with RESOURCE_EXHAUSTED.
    #[arg(long, env = "LEADSCORE_MAX_CONCURRENT_CALLS", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_concurrent_calls: u64,
    /// Address of the HTTP/JSON listener (every RPC transcoded per the
    /// proto's `google.api.http` rules, `/openapi.json`); off when unset.
    #[arg(long, env = "LEADSCORE_HTTP_LISTEN")]
    pub http_listen: Option<SocketAddr>,
    /// Address of the Prometheus `/metrics` endpoint (off when unset).
    #[arg(long, env = "LEADSCORE_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// `WatchStageChanges` streams open at once; more are refused with
    /// RESOURCE_EXHAUSTED.
    #[arg(long, env = "LEADSCORE_MAX_WATCHERS", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_watchers: u64,
    /// Connections open at once (TLS handshakes included); more are closed
    /// at once. Keep it below the open-file limit (`ulimit -n`).
    #[arg(long, env = "LEADSCORE_MAX_CONNECTIONS", default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: u64,
    /// Seconds a new connection has to finish its TLS handshake and send
    /// the HTTP/2 preface; a silent or stalled one is closed then.
    #[arg(long, env = "LEADSCORE_HANDSHAKE_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub handshake_timeout_secs: u64,
    /// Seconds between HTTP/2 PINGs on a connection.
    #[arg(long, env = "LEADSCORE_KEEPALIVE_INTERVAL_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub keepalive_interval_secs: u64,
    /// Seconds a PING may go unanswered before the connection is closed.
    #[arg(long, env = "LEADSCORE_KEEPALIVE_TIMEOUT_SECS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub keepalive_timeout_secs: u64,
    /// Webhooks file (TOML: subscriptions and delivery settings, see
    /// docs/webhooks.md); reloaded when it changes. Off when unset.
    #[arg(long, env = "LEADSCORE_WEBHOOKS")]
    pub webhooks: Option<PathBuf>,
    /// Deadline of each call, in seconds.
    #[arg(long, env = "LEADSCORE_REQUEST_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout_secs: u64,
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The model or rules could not be loaded.
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// The lead store could not be opened or migrated.
    #[error("lead store: {0}")]
    Store(#[from] crate::live::LiveError),
    /// The listen address could not be bound.
    #[error(
        "cannot listen on {addr}: {source} (is another process using it? choose another address)"
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
    /// A non-loopback address without TLS and tokens.
    #[error(
        "refusing to serve {0} without TLS and tokens: set --tls-cert/--tls-key and --tokens, \
         listen on a loopback address, or pass --allow-insecure-remote"
    )]
    InsecureRemote(SocketAddr),
    /// TLS files unusable.
    #[error(transparent)]
    Tls(#[from] crate::security::tls::TlsError),
    /// No random bytes for a new token.
    #[error("cannot generate a token (reading /dev/urandom): {0}")]
    TokenGeneration(std::io::Error),
    /// Tokens file unusable.
    #[error(transparent)]
    Tokens(#[from] crate::security::tokens::TokensError),
    /// Two listeners were given one address.
    #[error("--{first} and --{second} are both {addr}; give each listener its own port")]
    SameAddress {
        /// The first flag.
        first: &'static str,
        /// The second flag.
        second: &'static str,
        /// The shared address.
        addr: SocketAddr,
    },
    /// The proto's HTTP rules cannot be served.
    #[error(transparent)]
    HttpRoutes(#[from] crate::http::routes::RouteError),
    /// The webhooks file is unusable.
    #[error(transparent)]
    Webhooks(#[from] crate::webhooks::config::WebhooksError),
    /// Reflection could not be built from the descriptors.
    #[error("cannot build reflection service: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
}

impl ServeConfig {
    /// Checks the security settings and loads TLS files, tokens and the
    /// webhooks file.
    pub fn server_options(&self) -> Result<ServerOptions, StartError> {
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(tls::server_config(
                cert,
                key,
                self.tls_client_ca.as_deref(),
            )?),
            _ => None,
        };
        let tokens = match &self.tokens {
            Some(path) => Some(Arc::new(ArcSwap::from_pointee(TokenSet::load(path)?))),
            None => None,
        };
        let secured = tls.is_some() && tokens.is_some();
        for addr in std::iter::once(self.listen).chain(self.http_listen) {
            if !addr.ip().is_loopback() && !secured && !self.allow_insecure_remote {
                return Err(StartError::InsecureRemote(addr));
            }
        }
        self.check_distinct_addresses()?;
        if self.http_listen.is_some() {
            crate::http::route_table()?;
        }
        let webhooks = match &self.webhooks {
            Some(path) => Some(Arc::new(ArcSwap::from_pointee(WebhookConfig::load(path)?))),
            None => None,
        };
        Ok(ServerOptions {
            drain_timeout: Duration::from_secs(self.drain_timeout_secs),
            tls,
            tokens,
            max_concurrent_calls: usize::try_from(self.max_concurrent_calls).unwrap_or(usize::MAX),
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            metrics: None,
            max_watchers: usize::try_from(self.max_watchers).unwrap_or(usize::MAX),
            connections: ConnectionLimits {
                max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
                handshake_timeout: Duration::from_secs(self.handshake_timeout_secs),
            },
            keepalive_interval: Duration::from_secs(self.keepalive_interval_secs),
            keepalive_timeout: Duration::from_secs(self.keepalive_timeout_secs),
            webhooks,
        })
    }

    /// No two listeners on one address (port 0 picks a free port each).
    fn check_distinct_addresses(&self) -> Result<(), StartError> {
        let listeners = [
            ("listen", Some(self.listen)),
            ("http-listen", self.http_listen),
            ("metrics-listen", self.metrics_listen),
        ];
        for (i, (first, a)) in listeners.iter().enumerate() {
            for (second, b) in &listeners[i + 1..] {
                if let (Some(a), Some(b)) = (a, b)
                    && a == b
                    && a.port() != 0
                {
                    return Err(StartError::SameAddress {
                        first,
                        second,
                        addr: *a,
                    });
                }
            }
        }
        Ok(())
    }

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
}
