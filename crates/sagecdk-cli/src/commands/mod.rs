//! One module per subcommand.

mod bootstrap;
mod deploy;
mod destroy;
mod diff;
mod ls;
mod synth;

use crate::args::{Cli, Command};
use sagecdk_toolkit::ProjectConfig;
use std::process::ExitCode;

pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut config = ProjectConfig::load(std::env::current_dir()?)?;
    if let Some(app) = cli.app {
        config.app = Some(app);
    }
    if let Some(out) = cli.output {
        config.output = Some(out);
    }
    config.add_context_args(&cli.context)?;
    match cli.command {
        Command::Synth(args) => synth::run(&config, &args),
        Command::Ls(args) => ls::run(&config, &args),
        Command::Bootstrap(args) => bootstrap::run(&args),
        Command::Deploy(args) => deploy::run(&config, &args),
        Command::Diff(args) => diff::run(&config, &args),
        Command::Destroy(args) => destroy::run(&config, &args),
    }
}

/// The app's own output goes to standard error, keeping standard output for templates.
pub(crate) fn log_app_line(line: &str) {
    eprintln!("{line}");
}
