//! The lookup against the SageMaker Python SDK itself: `tests/sdk_cases.py` asks the SDK
//! (`sagemaker-core` in the repository's `.venv`, installed by `scripts/test`; or the Python
//! named by `SAGECDK_PYTHON`) for thousands of requests, and each answer must be ours — the
//! same URI, or a refusal on both sides. Without a version the expected answer is the SDK's
//! for the latest version by PEP 440 order (the crate documents why).
#![allow(clippy::print_stdout, clippy::print_stderr)] // a program of its own: it prints its results

use sagecdk_images::{ImageQuery, ImageScope};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("SAGECDK_PYTHON") {
        return PathBuf::from(p);
    }
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../.venv/bin/python"
    ))
}

fn query(case: &Value) -> ImageQuery {
    let text = |key: &str| case[key].as_str().map(str::to_string);
    ImageQuery {
        framework: text("framework").unwrap_or_default(),
        version: text("version"),
        scope: text("scope").map(|s| s.parse::<ImageScope>().expect("known scope")),
        instance_type: text("instance_type"),
        py_version: text("py_version"),
        base_framework_version: text("base_framework_version"),
        container_version: text("container_version"),
        serverless: case["serverless"].as_bool().unwrap_or(false),
        ..ImageQuery::default()
    }
}

#[test]
fn the_lookup_answers_as_the_sdk_does() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk_cases.py");
    let python = python();
    let output = Command::new(&python).arg(script).output().unwrap_or_else(|e| {
        panic!(
            "cannot run {} ({e}): scripts/test installs sagemaker-core into .venv; or set SAGECDK_PYTHON",
            python.display()
        )
    });
    assert!(
        output.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let (mut total, mut found, mut refused) = (0, 0, 0);
    let mut mismatches = Vec::new();
    for line in stdout.lines() {
        let case: Value = serde_json::from_str(line).expect("a JSON case");
        let region = case["region"].as_str().expect("region");
        let ours = sagecdk_images::retrieve(&query(&case), region);
        total += 1;
        match (case["uri"].as_str(), &ours) {
            (Some(sdk), Ok(uri)) if sdk == uri => found += 1,
            (None, Err(_)) => refused += 1,
            _ => mismatches.push(format!(
                "{}\n  sdk: {}\n  ours: {:?}",
                line,
                case.get("uri")
                    .or(case.get("error"))
                    .unwrap_or(&Value::Null),
                ours
            )),
        }
    }
    println!("{total} requests: {found} same URI, {refused} refused by both");
    assert!(total > 5000, "only {total} cases");
    assert!(
        mismatches.is_empty(),
        "{} of {total} requests differ from the SDK:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
