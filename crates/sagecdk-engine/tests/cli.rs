//! The commands of `sagecdk-engine` that need no AWS account to fail clearly.

mod common;

use common::{golden, sagecdk, text};

#[test]
fn destroy_without_a_terminal_refuses_unless_forced() {
    let dir = tempfile::tempdir().expect("tmp");
    let app = golden();
    let app = app.to_str().expect("utf8");
    // Standard input is not a terminal here: nothing may be deleted without --force.
    let out = sagecdk(dir.path(), &["destroy", "SeedEnv", "--app", app]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("refusing to destroy without confirmation")
            && err.contains("Are you sure you want to delete: SeedEnv (y/n)?")
            && err.contains("--force"),
        "{err}"
    );
    assert!(!err.contains("destroying..."), "{err}");

    let missing = sagecdk(dir.path(), &["diff", "Nope", "--app", app]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing.stderr).contains("no stack matches 'Nope'"),
        "{}",
        text(&missing.stderr)
    );
}
