//! The `leadscore` binary; all logic lives in the library.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = leadscore::cli::Cli::parse();
    match leadscore::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("leadscore: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
