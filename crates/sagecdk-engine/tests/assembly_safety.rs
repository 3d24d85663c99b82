//! The `sagecdk` binary never replaces what is not a cloud assembly, never takes an old or
//! unknown assembly for the one the app should have written, and never reads an assembly that
//! another process is rewriting.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::{sagecdk, snapshot, text};

/// A stand-in app writing a one-stack assembly with `description` in its template.
fn app(description: &str) -> String {
    format!(
        "mkdir -p \"$CDK_OUTDIR\" && \
         printf '%s' '{{\"version\":\"55.0.0\",\"artifacts\":{{\"S\":{{\"type\":\"aws:cloudformation:stack\",\
\"environment\":\"aws://unknown-account/unknown-region\",\"properties\":{{\"templateFile\":\"S.template.json\"}}}}}}}}' \
         > \"$CDK_OUTDIR/manifest.json\" && \
         printf '%s' '{{\"Description\":\"{description}\",\"Resources\":{{}}}}' > \"$CDK_OUTDIR/S.template.json\""
    )
}

/// A project directory: a git repository, a crate, a README.
fn project(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    std::fs::create_dir_all(dir.join(".git/objects")).expect("mkdir");
    std::fs::write(dir.join(".git/HEAD"), "ref: refs/heads/main\n").expect("write");
    std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"infra\"\n").expect("write");
    std::fs::create_dir_all(dir.join("src")).expect("mkdir");
    std::fs::write(dir.join("src/main.rs"), "fn main() {}\n").expect("write");
    snapshot(dir)
}

#[test]
fn an_output_directory_that_is_not_an_assembly_is_refused_and_kept() {
    let dir = tempfile::tempdir().expect("tmp");
    let before = project(dir.path());
    let app = app("one");
    for args in [
        vec!["ls", "-o", ".", "--app", &app],
        vec!["synth", "--output", ".", "--app", &app],
        vec!["synth", "-o", "src", "--app", &app],
        vec!["synth", "-o", "Cargo.toml", "--app", &app],
        vec!["synth", "-o", "..", "--app", &app],
    ] {
        let out = sagecdk(dir.path(), &args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("not a cloud assembly")
                || err.contains("is a file, not a directory")
                || err.contains("holds the current directory"),
            "{args:?}: {err}"
        );
        assert_eq!(snapshot(dir.path()), before, "{args:?} changed the project");
    }
    // The same through cdk.json.
    std::fs::write(
        dir.path().join("cdk.json"),
        serde_json::json!({"app": app, "output": "."}).to_string(),
    )
    .expect("write");
    let before = snapshot(dir.path());
    let out = sagecdk(dir.path(), &["ls"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(snapshot(dir.path()), before);
    let siblings: Vec<_> = std::fs::read_dir(dir.path().parent().expect("parent"))
        .expect("ls")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".staging-"))
        .collect();
    assert!(siblings.is_empty(), "no staging directory left behind");
}

#[test]
fn an_assembly_directory_is_replaced_keeping_what_is_not_the_assemblys() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = sagecdk(dir.path(), &["synth", "--quiet", "--app", &app("one")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::write(dir.path().join("cdk.out/outputs.json"), "{}").expect("write");
    let out = sagecdk(dir.path(), &["synth", "S", "--json", "--app", &app("two")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("\"Description\": \"two\""));
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("cdk.out"))
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["S.template.json", "manifest.json", "outputs.json"]);
}

#[test]
fn an_app_that_writes_nothing_does_not_get_the_old_assembly() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = sagecdk(dir.path(), &["synth", "--quiet", "--app", &app("old")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for command in ["ls", "synth"] {
        let out = sagecdk(dir.path(), &[command, "--app", "echo built"]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains("succeeded but wrote no cloud assembly")
                && err.contains("from an earlier run"),
            "{err}"
        );
        assert!(out.stdout.is_empty(), "nothing listed");
    }
}

#[test]
fn an_assembly_of_a_future_schema_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let future = app("x").replace("55.0.0", "77.0.0");
    let out = sagecdk(dir.path(), &["ls", "--app", &future]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("schema version 77.0.0 is newer than this sagecdk reads (up to 55.x.x)"),
        "{err}"
    );
    // An existing assembly directory given as --app too.
    let out = sagecdk(dir.path(), &["ls", "--app", "cdk.out"]);
    assert!(text(&out.stderr).contains("newer than this sagecdk reads"));
}

#[test]
fn an_assembly_being_read_is_not_rewritten() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = sagecdk(dir.path(), &["synth", "--quiet", "--app", &app("one")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Another process (as a deploy of this assembly would) holds a read lock.
    let mut reader = Command::new("sleep").arg("30").spawn().expect("spawn");
    let lock = dir
        .path()
        .join(format!("cdk.out/read.{}.1.lock", reader.id()));
    std::fs::write(&lock, reader.id().to_string()).expect("write");
    let out = sagecdk(dir.path(), &["synth", "--quiet", "--app", &app("two")]);
    let _ = reader.kill();
    let _ = reader.wait();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "another process (PID {}) is reading from",
            reader.id()
        )),
        "{err}"
    );
    let template =
        std::fs::read_to_string(dir.path().join("cdk.out/S.template.json")).expect("read");
    assert!(template.contains("one"), "{template}");
    // Once the reader is gone, its stale lock is no obstacle.
    let out = sagecdk(dir.path(), &["synth", "--quiet", "--app", &app("two")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn an_app_printing_bytes_that_are_not_utf8_is_passed_through() {
    let dir = tempfile::tempdir().expect("tmp");
    let noisy = format!(
        "printf 'caf\\351 \\377\\n'; for i in $(seq 1 2000); do echo log line $i; done; {}",
        app("bytes")
    );
    let out = sagecdk(dir.path(), &["synth", "S", "--json", "--app", &noisy]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        out.stderr.starts_with(b"caf\xe9 \xff\n"),
        "bytes passed as printed"
    );
    assert!(text(&out.stderr).contains("log line 2000"));
    assert!(text(&out.stdout).contains("bytes"));
}

#[test]
fn an_unreadable_assembly_is_reported_once() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir(dir.path().join("asm")).expect("mkdir");
    std::fs::write(
        dir.path().join("asm/manifest.json"),
        "{\"version\": \"55.0.0\",",
    )
    .expect("w");
    let out = sagecdk(dir.path(), &["ls", "--app", "asm"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("invalid cloud assembly file"), "{err}");
    assert_eq!(
        err.matches("EOF while parsing").count(),
        1,
        "said once: {err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}
