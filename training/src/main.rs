//! `leadscore-train`: see `leadscore_train::cli` and docs/training.md.

use clap::Parser;

/// See training/Cargo.toml: the fit's per-evaluation vectors.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = leadscore_train::cli::Cli::parse();
    match leadscore_train::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
