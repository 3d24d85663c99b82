//! The commands of the engine, one module each (`sagecdk`'s own are in `sagecdk_cli`).

mod bootstrap;
mod deploy;
mod destroy;
mod diff;
mod local;
mod lookup;
mod run;

use crate::display::{EventLines, ProgressBars};
use sagecdk_assembly::manifest::MissingContext;
use sagecdk_cli::args::{Command, ProgressMode};
use sagecdk_cli::commands::Session;
use sagecdk_deploy::Reporter;
use sagecdk_toolkit::ContextLookup;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

/// Runs a command `sagecdk_cli` does not run itself.
pub(crate) fn run(session: &Session<'_>, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Bootstrap(args) => bootstrap::run(&args),
        Command::Deploy(args) => deploy::run(session, &args),
        Command::Diff(args) => diff::run(session, &args),
        Command::Destroy(args) => destroy::run(session, &args),
        Command::Run(args) => run::run(session, &args),
        Command::Local(args) => local::run(session, &args),
        Command::ContextLookup => lookup::run(),
        other => anyhow::bail!("sagecdk-engine cannot run {other:?} (a sagecdk_cli command)"),
    }
}

/// Context lookups with the AWS SDK (the standard credential chain), on a runtime made at the
/// first lookup.
pub(crate) struct AwsLookups {
    runtime: std::sync::OnceLock<std::io::Result<tokio::runtime::Runtime>>,
    lookups: sagecdk_deploy::lookup::ContextLookups,
}

impl Default for AwsLookups {
    /// Lookups whose warnings are printed on standard error.
    fn default() -> Self {
        AwsLookups {
            runtime: std::sync::OnceLock::new(),
            lookups: sagecdk_deploy::lookup::ContextLookups::default()
                .with_reporter(Arc::new(EventLines::default())),
        }
    }
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
