//! With CDK-compatible defaults, the Rust port of the seed app synthesizes the same cloud
//! assembly as the AWS CDK: templates, asset manifests, metadata, `manifest.json` and the
//! staged assets, byte for byte (`tree.json` names sagecdk's construct types, not the CDK's).
#![allow(clippy::print_stdout, clippy::print_stderr)] // a program of its own: it prints its results

use sagecdk_core::App;
use std::path::{Path, PathBuf};

#[allow(dead_code)]
#[path = "../../../examples/seed.rs"]
mod seed;

#[path = "../../../tests/common/golden.rs"]
mod golden;

use golden::{assert_same_as_golden, read};

fn seed_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/cdk-golden/seed")
}

/// Runs the app in a child process from the seed folder (asset paths are relative to it),
/// with the context the reference was synthesized with, and the CDK-compatible defaults on or
/// off.
fn synthesize_seed(outdir: &Path, compatible: bool) {
    let context = serde_json::json!({
        "aws:cdk:enable-path-metadata": true,
        "aws:cdk:enable-asset-metadata": true,
        "aws:cdk:version-reporting": false,
        "aws:cdk:disable-creation-stack-traces": true,
        "aws:cdk:bundling-stacks": ["**"],
        "@sagecdk/sagemaker:cdkCompatibleDefaults": compatible,
        // Fingerprints are checked here, not the cache.
        "sagecdk:fingerprintCache": false
    });
    let out = std::process::Command::new(std::env::current_exe().expect("exe"))
        .args([
            "--exact",
            "child_synthesizes_the_seed_app",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SAGECDK_SEED_CHILD", "1")
        .env("CDK_CONTEXT_JSON", context.to_string())
        .env("CDK_OUTDIR", outdir)
        .current_dir(seed_dir())
        .output()
        .expect("child runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("SEED-OK"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn child_synthesizes_the_seed_app() {
    if std::env::var("SAGECDK_SEED_CHILD").is_err() {
        return;
    }
    let app = App::new();
    seed::build(&app);
    match app.synth() {
        Ok(_) => println!("SEED-OK"),
        Err(e) => println!("SEED-ERR {e}"),
    }
}

#[test]
fn seed_assembly_is_byte_identical_to_aws_cdk() {
    let dir = std::env::temp_dir().join(format!("sagecdk-seed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    synthesize_seed(&dir, true);
    let golden = seed_dir().join("cdk.out");
    for stack in ["SeedAgnostic", "SeedEnv"] {
        for kind in ["template", "assets", "metadata"] {
            let name = format!("{stack}.{kind}.json");
            assert_same_as_golden(&golden, &name, &read(&dir.join(&name)));
        }
    }
    // The whole manifest, with the aws-cdk-lib feature flag report and minimumCliVersion.
    for name in ["manifest.json", "cdk.out", "validation-report.json"] {
        assert_same_as_golden(&golden, name, &read(&dir.join(name)));
    }
    for staged in [
        "asset.66ac51d5006eaf7bd98276ec82837ecbf71ee13e8e60543f0143c139d5c2fd39.tar.gz",
        "asset.ce3de9e7f57f21b1165354cd1267582d14be865792f33f4924f6ae96d55d3d07/Dockerfile",
        "asset.ce3de9e7f57f21b1165354cd1267582d14be865792f33f4924f6ae96d55d3d07/serve",
    ] {
        assert_eq!(
            std::fs::read(dir.join(staged)).expect("ours"),
            std::fs::read(golden.join(staged)).expect("theirs"),
            "{staged}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Without the compatibility flag the differences from the AWS CDK's templates are exactly the
/// documented improvements.
#[test]
fn default_mode_differs_only_by_the_documented_improvements() {
    use sagecdk_assertions::{Match, Template, pattern};
    let dir = std::env::temp_dir().join(format!("sagecdk-seed-default-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    synthesize_seed(&dir, false);
    for stack in ["SeedAgnostic", "SeedEnv"] {
        let name = format!("{stack}.template.json");
        let ours: serde_json::Value = serde_json::from_str(&read(&dir.join(&name))).expect("json");
        let theirs: serde_json::Value =
            serde_json::from_str(&read(&seed_dir().join("cdk.out").join(&name))).expect("json");
        let template = Template::from_json(ours.clone());
        // 1. Roles carry no AmazonSageMakerFullAccess.
        template.assert_all_resources_properties(
            "AWS::IAM::Role",
            pattern!({"ManagedPolicyArns": Match::absent()}),
        );
        // 2. Each default policy starts with the logs and metrics permissions.
        let logs = serde_json::json!({
            "Action": ["cloudwatch:PutMetricData", "logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": "*"
        });
        // 3. Models depend on their role's policy only.
        // 4. The default instance type is ml.m5.large.
        // Apply exactly these changes to the AWS CDK's template: the result must be ours.
        let mut expected = theirs.clone();
        let resources = expected["Resources"].as_object_mut().expect("resources");
        for (_, r) in resources.iter_mut() {
            match r["Type"].as_str() {
                Some("AWS::IAM::Role") => {
                    r["Properties"]
                        .as_object_mut()
                        .expect("props")
                        .shift_remove("ManagedPolicyArns");
                }
                Some("AWS::IAM::Policy") => {
                    let statements = r["Properties"]["PolicyDocument"]["Statement"]
                        .as_array_mut()
                        .expect("statements");
                    statements.insert(0, logs.clone());
                }
                Some("AWS::SageMaker::Model") => {
                    let deps = r["DependsOn"].as_array_mut().expect("deps");
                    deps.retain(|d| d.as_str().is_some_and(|d| d.contains("DefaultPolicy")));
                }
                Some("AWS::SageMaker::EndpointConfig") => {
                    r["Properties"]["ProductionVariants"][1]["InstanceType"] =
                        serde_json::json!("ml.m5.large");
                }
                _ => {}
            }
        }
        assert_eq!(
            ours, expected,
            "{stack}: only the documented improvements differ"
        );
        sagecdk_assertions::snapshot::Snapshot::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../snapshots"
        ))
        .assert_matches(&format!("seed.{stack}.template"), &ours);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
