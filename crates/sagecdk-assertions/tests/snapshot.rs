//! Golden-file snapshots.

use std::fs;

use sagecdk_assertions::snapshot::{Snapshot, SnapshotOutcome, assert_snapshot, render_json};
use sagecdk_assertions::{SnapshotError, Template, assert_template_snapshot};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const HASH_1: &str = "66ac51d5a3e8d1d4a09e5f3e2ba5b2d0a8f1c3e4b5a6978877665544332211ff";
const HASH_2: &str = "ce3de9e7b1d6c5b4a3928170f0e1d2c3b4a5968778695a4b3c2d1e0f11223344";

fn stack(hash: &str) -> Value {
    json!({
        "Resources": {
            "Model": {
                "Type": "AWS::SageMaker::Model",
                "Properties": {
                    "PrimaryContainer": {
                        "Image": { "Fn::Sub": format!("${{AWS::AccountId}}.dkr.ecr.${{AWS::Region}}.${{AWS::URLSuffix}}/cdk-hnb659fds-container-assets-${{AWS::AccountId}}-${{AWS::Region}}:{hash}") },
                        "ModelDataUrl": { "Fn::Sub": format!("s3://cdk-hnb659fds-assets-${{AWS::AccountId}}-${{AWS::Region}}/{hash}.gz") }
                    }
                }
            }
        }
    })
}

#[test]
fn missing_snapshot_explains_how_to_create_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let err = Snapshot::new(dir.path())
        .update(false)
        .check("seed", &json!({}))
        .expect_err("missing");
    let path = dir.path().join("seed.json");
    assert!(
        matches!(&err, SnapshotError::Missing { name, path: p } if name == "seed" && *p == path)
    );
    assert_eq!(
        err.to_string(),
        format!(
            "Snapshot 'seed' does not exist: {} was not found.\nRun the test with SAGECDK_UPDATE_SNAPSHOTS=1 to create it.",
            path.display()
        )
    );
    assert!(!path.exists(), "nothing is written outside update mode");
    Ok(())
}

#[test]
fn update_mode_creates_then_matches() -> TestResult {
    let dir = tempfile::tempdir()?;
    let snapshots = Snapshot::new(dir.path().join("nested")).update(true);
    let value = json!({ "b": 1, "a": [1, { "c": null }] });
    assert_eq!(snapshots.check("t", &value)?, SnapshotOutcome::Created);
    let stored = fs::read_to_string(dir.path().join("nested/t.json"))?;
    // pretty, key order kept, trailing newline
    assert_eq!(
        stored,
        "{\n  \"b\": 1,\n  \"a\": [\n    1,\n    {\n      \"c\": null\n    }\n  ]\n}\n"
    );
    assert_eq!(stored, render_json(&value)?);
    assert_eq!(snapshots.check("t", &value)?, SnapshotOutcome::Matched);
    let strict = Snapshot::new(dir.path().join("nested")).update(false);
    assert_eq!(strict.check("t", &value)?, SnapshotOutcome::Matched);
    Ok(())
}

#[test]
fn mismatch_shows_a_unified_diff() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("stack.json");
    Snapshot::new(dir.path())
        .update(true)
        .check("stack", &json!({ "a": 1, "b": 2, "c": 3 }))?;
    let err = Snapshot::new(dir.path())
        .update(false)
        .check("stack", &json!({ "a": 1, "b": 20, "c": 3 }))
        .expect_err("mismatch");
    let SnapshotError::Mismatch { diff, .. } = &err else {
        panic!("unexpected error {err}");
    };
    let expected_diff = format!(
        "--- {} (stored)\n+++ current\n@@ -1,5 +1,5 @@\n {{\n   \"a\": 1,\n-  \"b\": 2,\n+  \"b\": 20,\n   \"c\": 3\n }}\n",
        path.display()
    );
    assert_eq!(diff, &expected_diff);
    assert_eq!(
        err.to_string(),
        format!(
            "Snapshot 'stack' does not match {}:\n\n{expected_diff}\nRun the test with SAGECDK_UPDATE_SNAPSHOTS=1 to accept the new output.",
            path.display()
        )
    );
    // update mode rewrites the file
    let outcome = Snapshot::new(dir.path())
        .update(true)
        .check("stack", &json!({ "a": 1, "b": 20, "c": 3 }))?;
    assert_eq!(outcome, SnapshotOutcome::Updated);
    assert!(fs::read_to_string(&path)?.contains("\"b\": 20"));
    Ok(())
}

#[test]
fn windows_line_endings_are_tolerated() -> TestResult {
    let dir = tempfile::tempdir()?;
    fs::write(dir.path().join("crlf.json"), "{\r\n  \"a\": 1\r\n}\r\n")?;
    assert_eq!(
        Snapshot::new(dir.path())
            .update(false)
            .check("crlf", &json!({ "a": 1 }))?,
        SnapshotOutcome::Matched
    );
    Ok(())
}

#[test]
fn redaction_makes_snapshots_independent_of_asset_hashes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let snapshots = Snapshot::new(dir.path()).redact_asset_hashes(true);
    assert_eq!(
        snapshots
            .clone()
            .update(true)
            .check("redacted", &stack(HASH_1))?,
        SnapshotOutcome::Created
    );
    let stored = fs::read_to_string(dir.path().join("redacted.json"))?;
    assert!(!stored.contains(HASH_1), "{stored}");
    assert!(
        stored.contains(
            "cdk-hnb659fds-container-assets-${AWS::AccountId}-${AWS::Region}:[ASSET_HASH_1]"
        ),
        "{stored}"
    );
    assert!(stored.contains("/[ASSET_HASH_1].gz"), "{stored}");
    // a different asset hash still matches
    assert_eq!(
        snapshots.update(false).check("redacted", &stack(HASH_2))?,
        SnapshotOutcome::Matched
    );
    // ...but not without redaction
    let err = Snapshot::new(dir.path())
        .update(false)
        .check("redacted", &stack(HASH_2))
        .expect_err("hash differs");
    assert!(err.to_string().contains(HASH_2), "{err}");
    Ok(())
}

#[test]
fn templates_can_be_snapshotted_directly() -> TestResult {
    let dir = tempfile::tempdir()?;
    let template = Template::from_json(stack(HASH_1));
    let snapshots = Snapshot::new(dir.path()).update(true);
    snapshots.check("template", &template)?;
    assert_eq!(
        fs::read_to_string(dir.path().join("template.json"))?,
        render_json(template.as_json())?
    );
    Ok(())
}

#[test]
fn free_function_and_macro() -> TestResult {
    let dir = tempfile::tempdir()?;
    fs::write(dir.path().join("f.json"), "{}\n")?;
    assert_snapshot(dir.path(), "f", &json!({}));
    assert_template_snapshot!("m", &json!({ "x": 1 }), dir = dir.path(), update = true);
    // trailing commas are accepted
    assert_template_snapshot!("m", &json!({ "x": 1 }), dir = dir.path(),);
    assert_eq!(
        fs::read_to_string(dir.path().join("m.json"))?,
        "{\n  \"x\": 1\n}\n"
    );
    Ok(())
}

#[test]
#[should_panic(expected = "Snapshot 'absent' does not exist")]
fn assert_snapshot_panics_on_missing_files() {
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    Snapshot::new(dir.path())
        .update(false)
        .assert_matches("absent", &json!({}));
}

/// A committed golden file, compared with the default directory
/// (`tests/snapshots/`) and redaction of asset hashes.
#[test]
fn committed_golden_file() {
    assert_template_snapshot!(
        "redacted-model",
        &Template::from_json(stack(HASH_2)),
        redact_asset_hashes = true
    );
}
