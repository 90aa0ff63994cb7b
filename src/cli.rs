//! The `leadscore` command line.

use clap::{Parser, Subcommand};

use crate::config::{LogFormat, ServeConfig, StartError};

/// leadscore: explainable, decaying, learned lead scores over gRPC.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gRPC service.
    Serve(Box<ServeConfig>),
    /// Make a bearer token: prints the token (give it to the caller) and
    /// the entry to append to the tokens file (only its hash is stored).
    NewToken {
        /// Who will hold the token (shown in logs and errors).
        #[arg(long)]
        name: String,
        /// Comma-separated scopes: score, leads:read, leads:write, models:admin.
        #[arg(long, value_delimiter = ',', required = true, value_parser = parse_scope)]
        scopes: Vec<crate::security::scopes::Scope>,
    },
}

fn parse_scope(s: &str) -> Result<crate::security::scopes::Scope, String> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_owned())).map_err(|_| {
        format!("unknown scope {s:?}; use score, leads:read, leads:write or models:admin")
    })
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    match format {
        LogFormat::Plain => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> Result<(), StartError> {
    match cli.command {
        Command::NewToken { name, scopes } => {
            let (token, entry) = crate::security::tokens::generate(&name, &scopes)
                .map_err(StartError::TokenGeneration)?;
            println!("token: {token}\n\n# append to the tokens file:\n{entry}");
            Ok(())
        }
        Command::Serve(config) => {
            init_logging(config.log_format);
            let mut options = config.server_options()?;
            if let (Some(path), Some(tokens)) = (&config.tokens, &options.tokens) {
                tokio::spawn(crate::security::tokens::watch(
                    path.clone(),
                    tokens.clone(),
                    config.reload_interval(),
                ));
            }
            let lifecycle = std::sync::Arc::new(config.load_lifecycle()?);
            let scorer = lifecycle.scorer().load_full();
            tracing::info!(
                model = scorer.model.version(),
                rules = %scorer.rules.version,
                pinned = ?lifecycle.pinned(),
                "loaded model and rules"
            );
            tokio::spawn(crate::lifecycle::watch(
                lifecycle.clone(),
                config.reload_interval(),
            ));
            let book = std::sync::Arc::new(
                crate::store::LeadBook::open(&config.db, lifecycle.scorer()).await?,
            );
            tokio::spawn(
                book.clone()
                    .sweep_every(config.sweep_interval(), crate::grpc::convert::now),
            );
            if let Some(addr) = config.metrics_listen {
                let metrics = std::sync::Arc::new(crate::metrics::Metrics::new());
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|source| StartError::Bind { addr, source })?;
                let endpoint =
                    crate::metrics::endpoint::serve(listener, metrics.clone(), lifecycle.clone());
                tokio::spawn(async move {
                    if let Err(e) = endpoint.await {
                        tracing::error!(error = %e, "metrics endpoint failed");
                    }
                });
                book.set_metrics(metrics.clone());
                options.metrics = Some(metrics);
            }
            let listener =
                tokio::net::TcpListener::bind(config.listen)
                    .await
                    .map_err(|source| StartError::Bind {
                        addr: config.listen,
                        source,
                    })?;
            crate::server::run(
                listener,
                lifecycle,
                book,
                options,
                crate::server::termination_signal(),
            )
            .await
        }
    }
}
