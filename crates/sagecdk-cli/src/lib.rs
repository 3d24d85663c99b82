//! The `sagecdk` command-line tool, in two binaries that take the same command line:
//!
//! - `sagecdk` (this crate) runs what needs neither AWS nor Docker: `init`, `synth`, `ls`,
//!   `context`, `images`, `completions`. It has no async runtime, AWS SDK or Docker client, so
//!   a fresh clone builds it, and prints its first template, in seconds.
//! - `sagecdk-engine` (the `sagecdk-engine` crate) runs everything, also `bootstrap`,
//!   `deploy`, `diff`, `destroy`, `run`, `local` and the context lookups. `sagecdk` hands those
//!   commands to it ([`engine`]): the same arguments, the same process (`exec`), so signals and
//!   exit codes are the engine's own.
//!
//! The argument definitions are in [`args`], each command of this crate in `commands`, the
//! synthesis in `sagecdk-toolkit`. Templates are printed as YAML by `sagecdk_toolkit::to_yaml`:
//! key order kept, and strings a YAML 1.1 parser would read as other types quoted
//! (`"2012-10-17"`, `"yes"`), as the AWS CDK CLI prints them.

// The command line's edge: it prints what the toolkit reports.
#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod args;
pub mod commands;
pub mod engine;

use clap::Parser;
use std::process::ExitCode;

/// `sagecdk`'s `main`: runs its own commands, hands the others to the engine, and maps
/// failures to exit code 1.
pub fn main() -> ExitCode {
    main_with(&engine::EngineLookups, |_, _| engine::hand_over())
}

/// A `main` for a binary of the command line: parses the arguments, runs the commands of this
/// crate (the app's missing context found by `lookup` unless `--lookups=false`) and the others
/// with `others`, and prints a failure as `Error: …` with exit code 1.
pub fn main_with(
    lookup: &dyn sagecdk_toolkit::ContextLookup,
    others: impl FnOnce(&commands::Session<'_>, args::Command) -> anyhow::Result<ExitCode>,
) -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli, lookup, others) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Error: {}", error_text(&e));
            ExitCode::FAILURE
        }
    }
}

/// An error with the causes its own message does not already include, each said once.
pub fn error_text(error: &anyhow::Error) -> String {
    let error: &(dyn std::error::Error + Send + Sync + 'static) = error.as_ref();
    sagecdk_assembly::error_text::cause_chain(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_are_said_once() {
        let io = std::io::Error::other("disk full");
        let err = sagecdk_assembly::AssemblyError::Io {
            path: "cdk.out/manifest.json".into(),
            source: io,
        };
        assert_eq!(
            error_text(&anyhow::Error::new(err).context("writing the assembly")),
            "writing the assembly: cdk.out/manifest.json: disk full"
        );
    }
}
