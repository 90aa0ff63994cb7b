//! The `leadscore` binary; all logic lives in the library.

use clap::Parser;

/// Small-allocation heavy work (every answer is dozens of strings): mimalloc
/// instead of glibc malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
