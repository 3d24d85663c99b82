//! The helpers of the command line's tests, shared by `sagecdk-cli` and `sagecdk-engine` (each
//! includes this file and says which program runs, with `program()`): the command itself, its
//! output as text, the golden seed assembly, and directory trees (copies and snapshots).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "tree.rs"]
mod tree;

pub(crate) use tree::{copy_tree, snapshot};

/// The cloud assembly the AWS CDK wrote for the seed app.
pub(crate) fn golden() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/cdk-golden/seed/cdk.out")
}

/// A copy of the golden assembly's files in `dir/golden`, for stand-in apps to copy from
/// (other tests lock the shared one while they read it).
pub(crate) fn private_golden(dir: &Path) -> PathBuf {
    let copy = dir.join("golden");
    std::fs::create_dir_all(&copy).expect("dir");
    for entry in std::fs::read_dir(golden()).expect("golden").flatten() {
        let path = entry.path();
        if path.is_file() && path.extension().is_none_or(|e| e != "lock") {
            std::fs::copy(&path, copy.join(entry.file_name())).expect("copy");
        }
    }
    copy
}

/// The `sagecdk` command run in `dir`, without the context and output directory a CDK CLI
/// around this test might have set.
pub(crate) fn command(dir: &Path) -> Command {
    let mut command = super::program();
    command
        .current_dir(dir)
        .env_remove("CDK_CONTEXT_JSON")
        .env_remove("CDK_OUTDIR");
    command
}

/// `sagecdk <args>` run in `dir` to the end.
pub(crate) fn sagecdk(dir: &Path, args: &[&str]) -> Output {
    command(dir).args(args).output().expect("runs")
}

/// [`command`] without any of the caller's `AWS_*` settings.
pub(crate) fn command_without_aws(dir: &Path) -> Command {
    let mut command = command(dir);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            command.env_remove(key);
        }
    }
    command
}

/// Output bytes as text (invalid UTF-8 replaced).
pub(crate) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
