//! Helpers of `sagecdk-engine`'s tests, which run through `sagecdk` (see
//! `tests/common/sagecdk_command.rs`).

// Each test target uses its own part of these helpers.
#![allow(dead_code, unused_imports)]

#[path = "../../../../tests/common/sagecdk_command.rs"]
mod shared;

pub(crate) use shared::*;
use std::path::PathBuf;

/// `sagecdk` as a user runs it: the `sagecdk` program built beside this package's engine,
/// which hands the engine's commands (and context lookups) to this build of `sagecdk-engine`.
/// `cargo test --workspace` (and so the test command) builds `sagecdk` before any test runs.
pub(crate) fn sagecdk_program() -> PathBuf {
    let engine = PathBuf::from(env!("CARGO_BIN_EXE_sagecdk-engine"));
    let program = engine.with_file_name(format!("sagecdk{}", std::env::consts::EXE_SUFFIX));
    assert!(
        program.is_file(),
        "{} is not built: run the tests with `cargo test --workspace` (or build it with \
         `cargo build -p sagecdk-cli` first)",
        program.display()
    );
    program
}

/// [`sagecdk_program`] with this build of the engine.
fn program() -> std::process::Command {
    let mut command = std::process::Command::new(sagecdk_program());
    command.env("SAGECDK_ENGINE", env!("CARGO_BIN_EXE_sagecdk-engine"));
    command
}
