//! Helpers of the `sagecdk` binary's tests (see `tests/common/sagecdk_command.rs`).

// Each test target uses its own part of these helpers.
#![allow(dead_code, unused_imports)]

#[path = "../../../../tests/common/sagecdk_command.rs"]
mod shared;

pub(crate) use shared::*;

/// This package's `sagecdk`.
fn program() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_sagecdk"))
}
