//! `sagecdk completions SHELL`: the completion script of the command line, generated from its
//! definition (so it always matches the subcommands and flags).

use crate::args::{Cli, CompletionsArgs};
use clap::CommandFactory;
use std::process::ExitCode;

pub(crate) fn run(args: &CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "sagecdk", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}
