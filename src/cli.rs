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
    Serve(ServeConfig),
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
        Command::Serve(config) => {
            init_logging(config.log_format);
            let options = config.server_options()?;
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
