//! The `sagecdk` command-line tool. `main.rs` only calls [`main`]; the argument definitions are in
//! [`args`], each command in `commands`, and the engine in `sagecdk-toolkit`.
//!
//! Templates are printed as YAML with `serde_norway`, the maintained fork of the deprecated
//! `serde_yaml`: same API and output, it keeps the key order of `serde_json`'s ordered maps, and
//! quotes strings YAML would otherwise read as other types (`"2012-10-17"`, `"true"`).

pub mod args;
mod commands;

use clap::Parser;
use std::process::ExitCode;

/// Parses the command line, runs the command and maps failures to exit code 1.
pub fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
