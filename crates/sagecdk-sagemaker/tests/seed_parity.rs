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

/// Without the compatibility flag the differences from the AWS CDK's template are exactly the
/// documented improvements.
#[test]
fn default_mode_differs_only_by_the_documented_improvements() {
    use sagecdk_assertions::{Match, Template, pattern};
    let app = App::for_tests();
    // Same program, from the seed folder's assets (absolute paths keep the test independent of
    // the working directory; construct ids use the same relative strings).
    let stack = improved_seed_stack(&app);
    let template = Template::from_stack(&stack);
    let t = template.as_json();
    // 1. Roles carry no AmazonSageMakerFullAccess.
    template.assert_all_resources_properties(
        "AWS::IAM::Role",
        pattern!({"ManagedPolicyArns": Match::absent()}),
    );
    // 2. Logs and metrics permissions come first in each default policy.
    template.assert_all_resources_properties(
        "AWS::IAM::Policy",
        pattern!({"PolicyDocument": {"Statement": Match::array_with(vec![pattern!({
            "Action": ["cloudwatch:PutMetricData", "logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": "*"
        })])}}),
    );
    // 3. Models depend on their role's policy only (no DependsOn the GetAtt already implies).
    for (id, model) in template.find_resources("AWS::SageMaker::Model", Match::any_value()) {
        let deps = model["DependsOn"]
            .as_array()
            .unwrap_or_else(|| panic!("{id} has DependsOn"));
        assert_eq!(deps.len(), 1, "{id}");
        assert!(
            deps[0]
                .as_str()
                .unwrap_or_default()
                .contains("DefaultPolicy"),
            "{id}"
        );
    }
    // 4. The default instance type is not burstable.
    template.assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({"ProductionVariants": [Match::object_like(pattern!({"VariantName": "modelA"})), Match::object_like(pattern!({"InstanceType": "ml.m5.large", "VariantName": "variantB"}))]}),
    );
    assert_eq!(t["Resources"].as_object().map(|r| r.len()), Some(15));
}

fn improved_seed_stack(app: &App) -> sagecdk_core::Stack {
    use sagecdk_aws::cloudwatch::AlarmProps;
    use sagecdk_aws::ecr::Repository;
    use sagecdk_aws::s3::Bucket;
    use sagecdk_core::{Environment, Stack, StackProps};
    use sagecdk_sagemaker::*;
    let assets = seed_dir().join("assets");
    let stack = Stack::new(
        app,
        "SeedEnv",
        StackProps::default().with_env(Environment::new("123456789012", "us-west-2")),
    );
    let image = ContainerImage::from_asset_with(
        sagecdk_assets::DockerImageAssetOptions::new(assets.join("model-image")),
        "assets/model-image",
    );
    let repository = Repository::from_repository_name(&stack, "Repository", "repo");
    let ecr_image = ContainerImage::from_ecr_repository(&repository, "tag");
    let dlc_image = ContainerImage::from_dlc(
        "huggingface-pytorch-training",
        "1.13.1-transformers4.26.0-gpu-py39-cu117-ubuntu20.04",
        None,
    );
    let model_data =
        ModelData::from_asset(assets.join("model.tar.gz").to_string_lossy().into_owned());
    let bucket = Bucket::new(&stack, "MyBucket");
    let bucket_data = ModelData::from_bucket(&bucket, "path/to/artifact/file.tar.gz");
    let primary = Model::new(
        &stack,
        "PrimaryContainerModel",
        ModelProps::with_container(
            ContainerDefinition::new(image.clone()).with_model_data(model_data.clone()),
        ),
    );
    let pipeline = Model::new(
        &stack,
        "InferencePipelineModel",
        ModelProps {
            containers: vec![
                ContainerDefinition::new(image).with_model_data(model_data),
                ContainerDefinition::new(ecr_image.clone()).with_model_data(bucket_data.clone()),
                ContainerDefinition::new(dlc_image),
            ],
            ..ModelProps::default()
        },
    );
    Model::new(
        &stack,
        "ContainerModel",
        ModelProps {
            containers: vec![ContainerDefinition::new(ecr_image).with_model_data(bucket_data)],
            network_isolation: true,
            ..ModelProps::default()
        },
    );
    let endpoint_config = EndpointConfig::new(
        &stack,
        "EndpointConfig",
        EndpointConfigProps {
            instance_production_variants: vec![
                InstanceProductionVariantProps::new(&primary, "modelA")
                    .with_weight(2.0)
                    .with_instance_type(InstanceType::M5_LARGE),
                InstanceProductionVariantProps::new(&pipeline, "variantB").with_weight(1.0),
            ],
            ..EndpointConfigProps::default()
        },
    );
    let endpoint = Endpoint::new(
        &stack,
        "Endpoint",
        EndpointProps {
            endpoint_config,
            endpoint_name: None,
        },
    );
    let variant = endpoint
        .find_instance_production_variant("modelA")
        .expect("variant");
    variant
        .auto_scale_instance_count(None, Some(3))
        .expect("scalable")
        .scale_on_invocations(
            "LimitRPS",
            InvocationsScalingProps {
                max_requests_per_second: 30.0,
                ..Default::default()
            },
        );
    variant.metric_model_latency().create_alarm(
        &stack,
        "ModelLatencyAlarm",
        AlarmProps {
            threshold: 100000.0,
            evaluation_periods: 3,
            ..Default::default()
        },
    );
    stack
}
