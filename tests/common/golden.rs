//! Comparing synthesized files with the golden ones the AWS CDK wrote (under
//! `tests/fixtures/cdk-golden/`), byte for byte.
//!
//! A test file includes it with `#[path = "../../../tests/common/golden.rs"] mod golden;`.

// Each test file uses its own part of these helpers.
#![allow(dead_code)]

use std::path::Path;

/// The text of the file at `path`, or a panic naming it.
pub(crate) fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Fails unless `ours` is, byte for byte, the file `name` of the golden folder `golden`; the
/// failure names the file and the first line that differs.
pub(crate) fn assert_same_as_golden(golden: &Path, name: &str, ours: &str) {
    let theirs = read(&golden.join(name));
    assert!(
        ours == theirs,
        "{name} differs from the AWS CDK's:\n{}",
        first_difference(ours, &theirs)
    );
}

/// The first line where `ours` and `theirs` differ, or their lengths in lines.
fn first_difference(ours: &str, theirs: &str) -> String {
    for (i, (a, b)) in ours.lines().zip(theirs.lines()).enumerate() {
        if a != b {
            return format!("line {}:\n  ours:   {a}\n  theirs: {b}", i + 1);
        }
    }
    format!(
        "ours {} lines, theirs {} lines",
        ours.lines().count(),
        theirs.lines().count()
    )
}
