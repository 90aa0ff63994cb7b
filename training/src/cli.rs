//! Command line of `leadscore-train`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::error::TrainError;
use crate::evaluate::{self, EvaluateArgs};
use crate::input::InputArgs;
use crate::output;
use crate::progress;
use crate::settings::Settings;
use crate::simulate::{self, SimulateArgs};
use crate::train;

/// Trains leadscore models from CRM / marketing history.
#[derive(Debug, Parser)]
#[command(name = "leadscore-train", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fit a model, evaluate it honestly and write `<out>/<version>.json` plus a report.
    Fit(FitArgs),
    /// Print the metrics of an existing model on (newer) history.
    Evaluate(EvaluateArgs),
    /// Write a synthetic event-shape history drawn from known true weights.
    Simulate(SimulateArgs),
}

/// Flags of `fit`.
#[derive(Debug, Clone, Args)]
pub struct FitArgs {
    /// Training history.
    #[command(flatten)]
    pub input: InputArgs,
    /// Hyper-parameters and limits.
    #[command(flatten)]
    pub settings: Settings,
    /// Directory receiving the model file and its report.
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), TrainError> {
    match cli.command {
        Command::Fit(args) => fit(&args),
        Command::Evaluate(args) => evaluate::run(&args),
        Command::Simulate(args) => simulate::run(&args),
    }
}

/// `fit`: train, write, summarize.
fn fit(args: &FitArgs) -> Result<(), TrainError> {
    args.settings.validate()?;
    let total = progress::start("training");
    let history = args.input.load()?;
    let mut trained = train::train(history, &args.settings)?;
    let written = output::write(&args.out, &mut trained)?;
    eprintln!("{}", trained.evaluation.to_text());
    for warning in trained.leakage.warnings() {
        eprintln!("warning: {warning}");
    }
    total.done(format!(
        "model {} written to {} (report {})",
        written.version,
        written.model.display(),
        written.report.display()
    ));
    eprint!("{}", progress::summary());
    println!("{}", written.model.display());
    Ok(())
}
