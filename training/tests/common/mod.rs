//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::Path;

use leadscore_train::cli::{Cli, Command, FitArgs};
use leadscore_train::error::TrainError;

/// Parses a `leadscore-train` command line.
pub fn cli(args: &[&str]) -> Cli {
    let mut argv = vec!["leadscore-train"];
    argv.extend_from_slice(args);
    clap::Parser::try_parse_from(argv).expect("valid command line")
}

/// The `fit` flags of a command line.
pub fn fit_args(args: &[&str]) -> FitArgs {
    let mut argv = vec!["fit"];
    argv.extend_from_slice(args);
    match cli(&argv).command {
        Command::Fit(a) => a,
        _ => unreachable!(),
    }
}

/// The flags of a wide-shape run on `wide` (ids in column `id`, labels in
/// `label`) writing models to `out`; more flags can be appended.
pub fn wide_flags<'a>(wide: &'a str, label: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "--wide",
        wide,
        "--id-column",
        "id",
        "--label-column",
        label,
        "--out",
        out,
    ]
}

/// Runs `fit` with `flags` and returns its error message.
pub fn fit_error(flags: &[&str]) -> String {
    let mut argv = vec!["fit"];
    argv.extend_from_slice(flags);
    error_of(&argv)
}

/// Runs a command line and returns its error message.
pub fn error_of(args: &[&str]) -> String {
    let result: Result<(), TrainError> = leadscore_train::cli::run(cli(args));
    result.expect_err("the command must fail").to_string()
}

/// Writes `content` to `dir/name` and returns the path as a string.
pub fn write(dir: &Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.display().to_string()
}
