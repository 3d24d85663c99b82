//! One module per subcommand.

mod bootstrap;
mod completions;
mod context;
mod deploy;
mod destroy;
mod diff;
mod images;
mod init;
mod local;
mod ls;
mod run;
mod synth;

use crate::args::{Cli, Command, ProgressMode};
use crate::display::{EventLines, ProgressBars};
use sagecdk_assembly::manifest::MissingContext;
use sagecdk_deploy::Reporter;
use sagecdk_toolkit::{
    ContextLookup, LockedAssembly, Lookups, ProjectConfig, synthesize_with_lookups,
};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // `init` makes a project where there is none yet: no configuration to read.
    if let Command::Init(args) = &cli.command {
        return init::run(args);
    }
    if let Command::Completions(args) = &cli.command {
        return completions::run(args);
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
    match cli.command {
        Command::Init(args) => init::run(&args),
        Command::Synth(args) => synth::run(&config, &args),
        Command::Ls(args) => ls::run(&config, &args),
        Command::Bootstrap(args) => bootstrap::run(&args),
        Command::Deploy(args) => deploy::run(&config, &args),
        Command::Diff(args) => diff::run(&config, &args),
        Command::Destroy(args) => destroy::run(&config, &args),
        Command::Images(args) => images::run(&config, &args),
        Command::Context(args) => context::run(&config, &args),
        Command::Run(args) => run::run(&config, &args),
        Command::Local(args) => local::run(&config, &args),
        Command::Completions(args) => completions::run(&args),
    }
}

/// Runs the app (or opens the assembly), looking up the context it reports missing with the
/// AWS SDK unless `--lookups=false`.
pub(crate) fn synth(config: &ProjectConfig) -> anyhow::Result<LockedAssembly> {
    let aws = AwsLookups::default();
    let lookups = if config.no_lookups {
        Lookups::Disabled
    } else {
        Lookups::With(&aws)
    };
    Ok(synthesize_with_lookups(config, log_app_line, lookups)?)
}

/// Context lookups with the AWS SDK (the standard credential chain), on a runtime made at the
/// first lookup.
#[derive(Default)]
struct AwsLookups {
    runtime: std::sync::OnceLock<std::io::Result<tokio::runtime::Runtime>>,
    lookups: sagecdk_deploy::lookup::ContextLookups,
}

impl ContextLookup for AwsLookups {
    fn lookup(&self, missing: &MissingContext) -> Result<serde_json::Value, String> {
        let runtime = self
            .runtime
            .get_or_init(sagecdk_deploy::runtime)
            .as_ref()
            .map_err(|e| format!("cannot start the async runtime: {e}"))?;
        runtime.block_on(self.lookups.lookup(missing))
    }
}

/// The app's own output goes to standard error as the bytes it printed, keeping standard
/// output for templates.
pub(crate) fn log_app_line(line: &[u8]) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(line).and_then(|()| err.write_all(b"\n"));
}

/// How stack events are shown: the bar on a terminal unless `--progress events`; plain lines
/// when standard error is not a terminal (a bar would not be drawn there at all).
pub(crate) fn display(mode: Option<ProgressMode>) -> Arc<dyn Reporter> {
    if mode != Some(ProgressMode::Events) && std::io::stderr().is_terminal() {
        Arc::new(ProgressBars::new())
    } else {
        Arc::new(EventLines::default())
    }
}

/// The answer to a yes/no question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Answered yes.
    Yes,
    /// Answered anything else.
    No,
    /// The question could not be asked or was not answered; says why.
    NotAsked(&'static str),
}

/// Asks `question` on standard error and reads the answer from standard input, which must be
/// a terminal.
pub(crate) fn ask(question: &str) -> std::io::Result<Answer> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Ok(Answer::NotAsked("standard input is not a terminal"));
    }
    eprint!("{question} ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    if stdin.lock().read_line(&mut answer)? == 0 {
        return Ok(Answer::NotAsked("there was no answer on standard input"));
    }
    Ok(
        if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES") {
            Answer::Yes
        } else {
            Answer::No
        },
    )
}
