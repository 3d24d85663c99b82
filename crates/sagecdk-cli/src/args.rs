//! Command-line definitions (clap); the work is done by the commands and the toolkit engine.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Infrastructure as code for Amazon SageMaker: synthesize and deploy CDK cloud assemblies.
#[derive(Debug, Parser)]
#[command(name = "sagecdk", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// The app command (e.g. "cargo run --quiet --example my-app") or a cloud assembly
    /// directory; default: "app" in cdk.json.
    #[arg(short, long, global = true)]
    pub app: Option<String>,
    /// Where the app writes the cloud assembly (default: "output" in cdk.json, else cdk.out).
    #[arg(short, long, global = true)]
    pub output: Option<PathBuf>,
    /// Context values for the app, as KEY=VALUE (repeatable).
    #[arg(short, long = "context", value_name = "KEY=VALUE", global = true)]
    pub context: Vec<String>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Synthesize the app and print the selected stack's template.
    Synth(SynthArgs),
    /// List the stacks of the app.
    Ls(LsArgs),
}

/// Options of `synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Stacks to select (ids, names or paths; `*` wildcards). Default: all.
    pub stacks: Vec<String>,
    /// Print JSON instead of YAML.
    #[arg(long)]
    pub json: bool,
    /// Do not print the template.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Options of `ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Also show each stack's id, name and environment.
    #[arg(short, long)]
    pub long: bool,
}
