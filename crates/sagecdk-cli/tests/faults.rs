//! The `sagecdk` binary failing clearly: no AWS credentials anywhere.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn golden() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/cdk-golden/seed/cdk.out")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// Every file of a directory tree with its contents.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read");
                files.insert(path, bytes);
            }
        }
    }
    files
}

#[test]
fn deploy_without_credentials_says_how_to_configure_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let assembly = dir.path().join("cdk.out");
    copy_tree(&golden(), &assembly);
    let before = snapshot(&assembly);
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    let config = dir.path().join("aws-config");
    let credentials = dir.path().join("aws-credentials");
    std::fs::write(&config, "").expect("config");
    std::fs::write(&credentials, "").expect("credentials");

    let mut command = Command::new(env!("CARGO_BIN_EXE_sagecdk"));
    command
        .args(["deploy", "SeedAgnostic", "--app"])
        .arg(&assembly)
        .current_dir(dir.path())
        .env_remove("CDK_CONTEXT_JSON")
        .env_remove("CDK_OUTDIR");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            command.env_remove(key);
        }
    }
    let out = command
        .env("HOME", &home)
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-west-2")
        // Should credentials turn up after all, no real service is called.
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("no AWS credentials found"), "{stderr}");
    assert!(
        stderr.contains("AWS_PROFILE") && stderr.contains("AWS_ACCESS_KEY_ID"),
        "{stderr}"
    );
    assert_eq!(snapshot(&assembly), before, "the assembly is unchanged");
}
