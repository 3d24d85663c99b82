//! The `sagecdk` command-line tool. `main.rs` only calls [`main`]; the argument definitions are in
//! [`args`], each command in `commands`, and the engine in `sagecdk-toolkit`.
//!
//! Templates are printed as YAML by `sagecdk_toolkit::to_yaml`: key order kept, and strings a
//! YAML 1.1 parser would read as other types quoted (`"2012-10-17"`, `"yes"`), as the AWS CDK
//! CLI prints them.

// The command line's edge: it prints what the engine reports.
#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod args;
mod commands;
mod display;

use clap::Parser;
use std::process::ExitCode;

/// Parses the command line, runs the command and maps failures to exit code 1.
pub fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Error: {}", error_text(&e));
            ExitCode::FAILURE
        }
    }
}

/// An error with the causes its own message does not already include, each said once (the
/// deploy engine's rendering of a cause chain, used for every error the command reports).
fn error_text(error: &anyhow::Error) -> String {
    let error: &(dyn std::error::Error + Send + Sync + 'static) = error.as_ref();
    sagecdk_deploy::error::cause_chain(error)
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
