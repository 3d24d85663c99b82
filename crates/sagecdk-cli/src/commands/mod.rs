//! The commands `sagecdk` runs itself, one module each, and the [`Session`] every command of
//! either binary runs in.

mod completions;
mod context;
mod images;
mod init;
mod ls;
mod synth;

use crate::args::{Cli, Command};
use sagecdk_toolkit::{
    ContextLookup, LockedAssembly, Lookups, ProjectConfig, synthesize_with_lookups,
};
use std::io::Write;
use std::process::ExitCode;

/// What a command runs with: the project's configuration (cdk.json and the global options)
/// and how the app's missing context is looked up.
pub struct Session<'a> {
    /// `cdk.json` with the command line's `--app`, `--output`, `--context` and `--lookups`.
    pub config: ProjectConfig,
    lookup: &'a dyn ContextLookup,
}

impl Session<'_> {
    /// Runs the app (or opens the assembly), looking up the context it reports missing unless
    /// `--lookups=false`; the app's output goes to standard error.
    pub fn synth(&self) -> anyhow::Result<LockedAssembly> {
        let lookups = if self.config.no_lookups {
            Lookups::Disabled
        } else {
            Lookups::With(self.lookup)
        };
        Ok(synthesize_with_lookups(
            &self.config,
            log_app_line,
            lookups,
        )?)
    }
}

/// Runs `cli`'s command: those of this crate here, the others with `others`.
pub(crate) fn run(
    cli: Cli,
    lookup: &dyn ContextLookup,
    others: impl FnOnce(&Session<'_>, Command) -> anyhow::Result<ExitCode>,
) -> anyhow::Result<ExitCode> {
    // These make or print things where there may be no project yet: no configuration to read.
    match &cli.command {
        Command::Init(args) => return init::run(args),
        Command::Completions(args) => return completions::run(args),
        _ => {}
    }
    let mut config = ProjectConfig::load(std::env::current_dir()?)?;
    if let Some(app) = cli.app {
        config.app = Some(app);
    }
    if let Some(out) = cli.output {
        config.output = Some(out);
    }
    config.add_context_args(&cli.context)?;
    config.no_lookups = !cli.lookups;
    let session = Session { config, lookup };
    match cli.command {
        Command::Init(args) => init::run(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Synth(args) => synth::run(&session, &args),
        Command::Ls(args) => ls::run(&session, &args),
        Command::Images(args) => images::run(&session, &args),
        Command::Context(args) => context::run(&session.config, &args),
        other => others(&session, other),
    }
}

/// The app's own output goes to standard error as the bytes it printed, keeping standard
/// output for templates.
fn log_app_line(line: &[u8]) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(line).and_then(|()| err.write_all(b"\n"));
}
