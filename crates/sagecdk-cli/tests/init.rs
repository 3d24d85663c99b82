//! `sagecdk init` end to end: the new project (made inside this repository's directory) builds
//! against this checkout, its snapshot test
//! writes and then checks the template, and `sagecdk synth` runs it through its `cdk.json`. A
//! directory that is not empty is refused and left as it was.

mod common;

use common::{command, text};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `cargo <args>` in the project, with a target directory of its own under this repository's
/// (kept between runs, so only the first builds sagecdk for it).
fn cargo(project: &Path, args: &[&str], update: bool) -> std::process::Output {
    let mut command = Command::new(env!("CARGO"));
    if update {
        command.env("SAGECDK_UPDATE_SNAPSHOTS", "1");
    } else {
        command.env_remove("SAGECDK_UPDATE_SNAPSHOTS");
    }
    command
        .args(args)
        .current_dir(project)
        .env("CARGO_TARGET_DIR", repo().join("target/init-project"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("runs cargo")
}

#[test]
fn a_new_project_builds_tests_and_synthesizes() {
    // Inside this repository's directory (a Cargo workspace), as the README's quick start may
    // put it: the project is a workspace of its own.
    let work = tempfile::tempdir_in(repo().join("target")).expect("tmp");
    let project = work.path().join("my-models");
    let out = command(work.path())
        .arg("init")
        .arg(&project)
        .arg("--sagecdk-path")
        .arg(repo())
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    for file in [
        "Cargo.toml",
        "src/lib.rs",
        "src/main.rs",
        "tests/snapshot.rs",
        "cdk.json",
        ".gitignore",
        ".github/workflows/snapshots.yml",
        "README.md",
    ] {
        assert!(project.join(file).is_file(), "{file} missing");
    }
    // The versions this repository is tested with.
    std::fs::copy(repo().join("Cargo.lock"), project.join("Cargo.lock")).expect("lock");

    // Without a snapshot the test fails, saying how to write it; written, it is checked.
    let snapshot = project.join("snapshots/MyModels.template.json");
    let first = cargo(&project, &["test", "--quiet"], false);
    assert!(!first.status.success());
    assert!(
        text(&first.stdout).contains("SAGECDK_UPDATE_SNAPSHOTS=1"),
        "{}",
        text(&first.stdout)
    );
    let write = cargo(&project, &["test", "--quiet"], true);
    assert!(write.status.success(), "{}", text(&write.stderr));
    // The dev profile's package settings all name packages of the build.
    assert!(
        !text(&write.stderr).contains("did not match any packages"),
        "{}",
        text(&write.stderr)
    );
    let manifest = std::fs::read_to_string(project.join("Cargo.toml")).expect("Cargo.toml");
    assert!(
        manifest.contains("[profile.dev.package.sagecdk-core]\nopt-level = 1"),
        "{manifest}"
    );
    assert!(snapshot.is_file(), "written in update mode");
    let check = cargo(&project, &["test", "--quiet"], false);
    assert!(check.status.success(), "{}", text(&check.stderr));

    // `sagecdk synth` runs the app through cdk.json.
    let out = command(&project)
        .env("CARGO_TARGET_DIR", repo().join("target/init-project"))
        .args(["synth", "--json"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let template: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let types: Vec<&str> = template["Resources"]
        .as_object()
        .expect("resources")
        .values()
        .filter_map(|r| r["Type"].as_str())
        .collect();
    assert!(types.contains(&"AWS::SageMaker::Endpoint"), "{types:?}");

    // Not over an existing project.
    let again = command(work.path())
        .arg("init")
        .arg(&project)
        .output()
        .expect("runs");
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("is not empty"),
        "{}",
        text(&again.stderr)
    );
    assert!(snapshot.is_file());
}
