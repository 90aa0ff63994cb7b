//! The `leadscore` command line.

use clap::{Parser, Subcommand};

use crate::client::args::LeadsCommand;
use crate::client::connect::ClientArgs;
use crate::client::{ClientError, commands};
use crate::config::{LogFormat, ServeConfig, StartError};
use crate::dataset;

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
    /// Score a lead from proto3 JSON (a `leadscore.v1.Lead` or a whole
    /// `ScoreLeadRequest`; `-` reads stdin) and show score, reasons and
    /// contributions.
    Score {
        /// JSON file, or `-` for stdin.
        #[arg(long, default_value = "-")]
        file: std::path::PathBuf,
        /// Connection and output settings.
        #[command(flatten)]
        client: Box<ClientArgs>,
    },
    /// Stored leads: the prioritized list, one lead, the sales hand-off
    /// (accept, reject, assign, outcome) and the live stage changes.
    Leads {
        /// What to do.
        #[command(subcommand)]
        command: LeadsCommand,
        /// Your owner name, for `top --mine` and `accept`.
        #[arg(long, env = "LEADSCORE_OWNER", global = true)]
        me: Option<String>,
        /// Connection and output settings.
        #[command(flatten)]
        client: Box<ClientArgs>,
    },
    /// Pipeline health: does the score still predict outcomes? The
    /// funnel, the active (and shadow) model judged on recorded outcomes,
    /// hand-backs, overdue follow-ups, and a stale verdict in words.
    Health {
        /// Window: the last this many days.
        #[arg(long, default_value_t = 90)]
        days: u32,
        /// Connection and output settings.
        #[command(flatten)]
        client: Box<ClientArgs>,
    },
    /// List, inspect, activate and shadow models.
    Models {
        /// What to do.
        #[command(subcommand)]
        command: ModelsCommand,
        /// Connection and output settings.
        #[command(flatten)]
        client: Box<ClientArgs>,
    },
    /// Make a bearer token: prints the token (give it to the caller) and
    /// the entry to append to the tokens file (only its hash is stored).
    NewToken {
        /// Who will hold the token (shown in logs and errors).
        #[arg(long)]
        name: String,
        /// Comma-separated scopes: score, leads:read, leads:write, models:admin,
        /// webhooks:admin.
        #[arg(long, value_delimiter = ',', required = true, value_parser = parse_scope)]
        scopes: Vec<crate::security::scopes::Scope>,
    },
    /// Write the lead store as the training job's input: `leads.csv` and
    /// `activities.csv` in `--out` (each replaced atomically).
    Export {
        /// Lead store: `sqlite://PATH` or `postgres://…`.
        #[arg(long, env = "LEADSCORE_DB", default_value = "sqlite://leadscore.db")]
        db: String,
        /// Directory to write the two files into (created if missing).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Load history in the shape `export` writes (and `leadscore-train`
    /// reads) into the store, keeping creation dates, outcomes and their
    /// times. Idempotent and resumable: a second run records nothing twice.
    #[command(group(clap::ArgGroup::new("files").required(true).multiple(true).args(["leads", "activities"])))]
    Import {
        /// Lead store: `sqlite://PATH` or `postgres://…`.
        #[arg(long, env = "LEADSCORE_DB", default_value = "sqlite://leadscore.db")]
        db: String,
        /// The leads file (`leads.csv` of an export).
        #[arg(long)]
        leads: Option<std::path::PathBuf>,
        /// The activities file (`activities.csv` of an export).
        #[arg(long)]
        activities: Option<std::path::PathBuf>,
    },
    /// Print the OpenAPI 3 document of the HTTP/JSON routes (what
    /// `serve --http-listen` serves at `/openapi.json`; docs/openapi.json).
    Openapi,
}

fn parse_scope(s: &str) -> Result<crate::security::scopes::Scope, crate::spelling::UnknownWord> {
    s.trim().parse()
}

/// `leadscore models …`.
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Every model file, active and pinned marked, refused ones with why.
    List,
    /// A model card (default: the active model).
    Show {
        /// Version to show.
        version: Option<String>,
    },
    /// Pin a version (rollback), or `--latest` to unpin.
    Activate {
        /// Version to pin.
        #[arg(required_unless_present = "latest")]
        version: Option<String>,
        /// Unpin: serve the newest valid model.
        #[arg(long, conflicts_with = "version")]
        latest: bool,
        /// Activate even if the model scores too little of the live data
        /// (the activation gate's coverage check).
        #[arg(long)]
        force: bool,
    },
    /// Name a shadow model (scores alongside, never decides), or `--clear`.
    Shadow {
        /// Version to score alongside the active model.
        #[arg(required_unless_present = "clear")]
        version: Option<String>,
        /// Stop shadow scoring.
        #[arg(long, conflicts_with = "version")]
        clear: bool,
    },
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The service could not start or run.
    #[error(transparent)]
    Start(#[from] StartError),
    /// A client command failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// An import stopped (the batches before it are stored).
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
}

/// Prints a client command's answer.
fn emit(answer: Result<String, ClientError>) -> Result<(), CliError> {
    print!("{}", answer?);
    Ok(())
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

/// `leadscore export`: progress on stderr every 10,000 leads, then a summary.
async fn export(db: String, out: std::path::PathBuf) -> Result<(), StartError> {
    use crate::live::LiveError;
    let summary = tokio::task::spawn_blocking(move || {
        let store = crate::store::open_with(&db, crate::store::FileUse::Read)?;
        let mut reported = 0;
        let summary = crate::store::export::export(store.as_ref(), &out, &mut |done| {
            if done.leads >= reported + 10_000 {
                reported = done.leads;
                eprintln!(
                    "exported {} leads, {} activities…",
                    done.leads, done.activities
                );
            }
        })?;
        Ok::<_, LiveError>((summary, out))
    })
    .await
    .map_err(|e| LiveError::Aborted(e.to_string()))??;
    let (summary, out) = summary;
    eprintln!(
        "wrote {} leads to {} and {} activities to {}",
        summary.leads,
        out.join(dataset::leads::FILE).display(),
        summary.activities,
        out.join(dataset::activities::FILE).display()
    );
    Ok(())
}

/// Progress lines of `import`: one per this many rows read.
const IMPORT_PROGRESS_ROWS: usize = 100_000;

/// `leadscore import`: progress on stderr, then each file's summary and
/// its first refusals.
async fn import(
    db: String,
    leads: Option<std::path::PathBuf>,
    activities: Option<std::path::PathBuf>,
) -> Result<(), CliError> {
    use crate::import::{FileSummary, Files, ImportError};
    let summary = tokio::task::spawn_blocking(move || {
        let file_use = crate::store::FileUse::Serve { create: false };
        let store = crate::store::open_with(&db, file_use).map_err(crate::live::LiveError::from)?;
        let files = Files {
            leads: leads.as_deref(),
            activities: activities.as_deref(),
        };
        let mut shown = 0;
        let mut progress = |path: &std::path::Path, done: &FileSummary| {
            if done.read / IMPORT_PROGRESS_ROWS != shown / IMPORT_PROGRESS_ROWS {
                eprintln!("{}: {done}…", path.display());
            }
            shown = done.read;
        };
        let now = crate::time::Timestamp::now();
        crate::import::import(store.as_ref(), files, now, &mut progress)
            .map(|s| (s, files_named(&files)))
    })
    .await
    .map_err(|e| ImportError::Store(crate::live::LiveError::Aborted(e.to_string())))??;
    let (summary, names) = summary;
    for (name, file) in names.iter().zip([&summary.leads, &summary.activities]) {
        let Some(name) = name else { continue };
        eprintln!("{name}: {file}");
        for reason in &file.first_reasons {
            eprintln!("  rejected: {reason}");
        }
    }
    Ok(())
}

fn files_named(files: &crate::import::Files<'_>) -> [Option<String>; 2] {
    [files.leads, files.activities].map(|p| p.map(|p| p.display().to_string()))
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Score { file, client } => emit(commands::score(&client, &file).await),
        Command::Leads {
            command,
            me,
            client,
        } => emit(crate::client::leads::run(&client, me.as_deref(), command).await),
        Command::Models {
            command: ModelsCommand::List,
            client,
        } => emit(commands::list_models(&client).await),
        Command::Models {
            command: ModelsCommand::Show { version },
            client,
        } => emit(commands::show_model(&client, version.as_deref()).await),
        Command::Models {
            command: ModelsCommand::Activate { version, force, .. },
            client,
        } => emit(commands::activate(&client, version.as_deref(), force).await),
        Command::Models {
            command: ModelsCommand::Shadow { version, .. },
            client,
        } => emit(commands::shadow(&client, version.as_deref()).await),
        Command::Health { days, client } => emit(commands::health(&client, days).await),
        Command::NewToken { name, scopes } => {
            let (token, entry) = crate::security::tokens::generate(&name, &scopes)
                .map_err(StartError::TokenGeneration)?;
            println!("token: {token}\n\n# append to the tokens file:\n{entry}");
            Ok(())
        }
        Command::Export { db, out } => Ok(export(db, out).await?),
        Command::Import {
            db,
            leads,
            activities,
        } => import(db, leads, activities).await,
        Command::Openapi => {
            print!(
                "{}",
                crate::http::openapi_document().map_err(StartError::from)?
            );
            Ok(())
        }
        Command::Serve(config) => Ok(serve(*config).await?),
    }
}

/// `leadscore serve`: everything validated before the port is bound.
async fn serve(config: ServeConfig) -> Result<(), StartError> {
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
    let file_use = crate::store::FileUse::Serve {
        create: config.create,
    };
    let book = crate::live::LiveStore::open_with(&config.db, file_use, lifecycle.scorer()).await?;
    let book = std::sync::Arc::new(book);
    // Before the first rescan, so no new file is judged without the store.
    let (l, db) = (lifecycle.clone(), book.database());
    if let Err(e) = tokio::task::spawn_blocking(move || l.attach_store(db)).await {
        tracing::error!(error = %e, "attaching the store to the activation gate failed");
    }
    tokio::spawn(crate::lifecycle::watch(
        lifecycle.clone(),
        config.reload_interval(),
    ));
    tokio::spawn(
        book.clone()
            .sweep_every(config.sweep_interval(), crate::time::Timestamp::now),
    );
    if let (Some(path), Some(webhooks)) = (&config.webhooks, &options.webhooks) {
        let holder = crate::webhooks::holder_id();
        crate::webhooks::register(&book, &webhooks.load(), &holder).await?;
        tokio::spawn(crate::webhooks::run(
            book.clone(),
            webhooks.clone(),
            holder,
            path.clone(),
            config.reload_interval(),
        ));
    }
    if let Some(addr) = config.metrics_listen {
        let metrics = std::sync::Arc::new(crate::metrics::Metrics::new());
        let listener = bind(addr).await?;
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
    let http = match config.http_listen {
        Some(addr) => Some(bind(addr).await?),
        None => None,
    };
    let listeners = crate::server::Listeners {
        grpc: bind(config.listen).await?,
        http,
    };
    crate::server::run(
        listeners,
        lifecycle,
        book,
        options,
        crate::server::termination_signal(),
    )
    .await
}

/// A listener on `addr`.
async fn bind(addr: std::net::SocketAddr) -> Result<tokio::net::TcpListener, StartError> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { addr, source })
}
