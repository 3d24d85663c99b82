//! `sagecdk-engine`: the `sagecdk` command line with the commands that need AWS or Docker —
//! `bootstrap`, `deploy`, `diff`, `destroy`, `run`, `local` — and the app's context lookups
//! with the AWS SDK. It takes the same arguments as `sagecdk` (the definitions are
//! `sagecdk_cli::args`) and runs `sagecdk`'s own commands through `sagecdk_cli` as well, so
//! either program can be called; `sagecdk` hands it the commands it does not run itself.
//!
//! Each command is in `commands`; stack events and messages are shown by `display`; the work
//! is done by `sagecdk-deploy`.

// The command line's edge: it prints what the engine reports.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod commands;
mod display;

use std::process::ExitCode;

/// Parses the command line and runs the command, with context lookups through the AWS SDK.
pub fn main() -> ExitCode {
    let lookups = commands::AwsLookups::default();
    sagecdk_cli::main_with(&lookups, commands::run)
}
