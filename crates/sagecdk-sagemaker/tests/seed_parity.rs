//! With CDK-compatible defaults, the Rust port of the seed app synthesizes the same cloud
//! assembly as the AWS CDK: templates, asset manifests, the stack artifacts of `manifest.json`
//! and the staged assets, byte for byte.

use sagecdk_core::App;
use std::path::{Path, PathBuf};

#[allow(dead_code)]
#[path = "../../../examples/seed.rs"]
mod seed;

fn seed_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/cdk-golden/seed")
}

/// Runs the app in a child process from the seed folder (asset paths are relative to it),
/// with the context the reference was synthesized with.
fn synthesize_seed(outdir: &Path) {
    let context = serde_json::json!({
        "aws:cdk:enable-path-metadata": true,
        "aws:cdk:enable-asset-metadata": true,
        "aws:cdk:version-reporting": false,
        "aws:cdk:disable-creation-stack-traces": true,
        "aws:cdk:bundling-stacks": ["**"],
        "@sagecdk/sagemaker:cdkCompatibleDefaults": true,
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

fn read(p: PathBuf) -> String {
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

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

#[test]
fn seed_assembly_is_byte_identical_to_aws_cdk() {
    let dir = std::env::temp_dir().join(format!("sagecdk-seed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    synthesize_seed(&dir);
    let golden = seed_dir().join("cdk.out");
    for stack in ["SeedAgnostic", "SeedEnv"] {
        for kind in ["template", "assets"] {
            let name = format!("{stack}.{kind}.json");
            let (ours, theirs) = (read(dir.join(&name)), read(golden.join(&name)));
            assert!(
                ours == theirs,
                "{name} differs:\n{}",
                first_difference(&ours, &theirs)
            );
        }
    }
    let ours: serde_json::Value =
        serde_json::from_str(&read(dir.join("manifest.json"))).expect("json");
    let theirs: serde_json::Value =
        serde_json::from_str(&read(golden.join("manifest.json"))).expect("json");
    for id in [
        "SeedAgnostic.assets",
        "SeedAgnostic",
        "SeedEnv.assets",
        "SeedEnv",
    ] {
        assert_eq!(
            ours["artifacts"][id], theirs["artifacts"][id],
            "manifest artifact {id}"
        );
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
