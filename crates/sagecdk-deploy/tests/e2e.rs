//! End to end against the local services of `scripts/services.sh` (moto server for the AWS
//! APIs, a Docker engine, a TLS registry answering for the ECR registry host): bootstrap, deploy
//! a SageMaker model/endpoint config/endpoint with a model tarball and a container image, deploy
//! again unchanged, then change one property.

use sagecdk_assembly::CloudAssembly;
use sagecdk_assets::{Asset, AssetProps, DockerImageAsset, DockerImageAssetOptions, PublishedFile};
use sagecdk_core::{App, AppProps, CfnOutput, CfnResource, Stack, StackProps, cfn};
use sagecdk_deploy::bootstrap::{BootstrapOptions, bootstrap};
use sagecdk_deploy::{AwsEnvironment, DeployOptions, EnvironmentOptions, deploy_stacks};
use std::path::Path;

mod common;

use common::{HINT, moto_endpoint, moto_json, require};

const BUCKET: &str = "cdk-hnb659fds-assets-123456789012-us-west-2";

fn write_model_tarball(path: &Path) {
    let file = std::fs::File::create(path).expect("create tarball");
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let weights = b"sagecdk end-to-end test model weights\n".repeat(8);
    let mut header = tar::Header::new_gnu();
    header.set_size(weights.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, "model.bin", &weights[..])
        .expect("append");
    tar.into_inner()
        .expect("finish tar")
        .finish()
        .expect("finish gzip");
}

fn write_image_context(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let busybox = std::env::var("SAGECDK_TEST_BUSYBOX").unwrap_or_else(|_| "/bin/busybox".into());
    std::fs::copy(&busybox, dir.join("busybox"))
        .unwrap_or_else(|e| panic!("copying {busybox} (busybox-static): {e}: {HINT}"));
    std::fs::write(
        dir.join("Dockerfile"),
        "FROM scratch\nCOPY busybox /bin/busybox\n\
         CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\"]\n",
    )
    .expect("Dockerfile");
}

/// Synthesizes the test app; `instance_count` is the property the update changes.
fn synth(work: &Path, stack_name: &str, variant_weight: u32) -> CloudAssembly {
    let out = work.join(format!("cdk.out.{variant_weight}"));
    let app = App::with_props(AppProps {
        outdir: Some(out.clone()),
        ignore_environment: true,
        ..AppProps::default()
    });
    let stack = Stack::new(&app, stack_name, StackProps::default());
    let image = DockerImageAsset::new(
        &stack,
        "ModelImage",
        DockerImageAssetOptions::new(work.join("image")),
    );
    let data = Asset::new(
        &stack,
        "ModelData",
        AssetProps::new(work.join("model.tar.gz")),
    );
    let model = CfnResource::new(&stack, "Model", "AWS::SageMaker::Model").with_properties(cfn!({
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/sagecdk-e2e-sagemaker",
        "PrimaryContainer": {"Image": (image.image_uri()), "ModelDataUrl": (data.s3_object_url())}
    }));
    let config = CfnResource::new(&stack, "EndpointConfig", "AWS::SageMaker::EndpointConfig")
        .with_properties(cfn!({
            "ProductionVariants": [{
                "InitialInstanceCount": 1,
                "InitialVariantWeight": variant_weight,
                "InstanceType": "ml.m5.large",
                "ModelName": (model.get_att("ModelName")),
                "VariantName": "AllTraffic"
            }]
        }));
    let endpoint = CfnResource::new(&stack, "Endpoint", "AWS::SageMaker::Endpoint")
        .with_properties(cfn!({"EndpointConfigName": (config.get_att("EndpointConfigName"))}));
    CfnOutput::new(&stack, "EndpointName", endpoint.get_att("EndpointName"));
    app.synth().expect("synthesizes");
    CloudAssembly::load(&out).expect("loads")
}

async fn stack_resources(env: &AwsEnvironment, stack: &str) -> Vec<(String, String, String)> {
    let cfn = AwsEnvironment::cloudformation(env.base_config());
    let out = cfn
        .list_stack_resources()
        .stack_name(stack)
        .send()
        .await
        .expect("ListStackResources");
    out.stack_resource_summaries()
        .iter()
        .map(|r| {
            (
                r.resource_type().unwrap_or_default().to_string(),
                r.physical_resource_id().unwrap_or_default().to_string(),
                r.resource_status()
                    .map(|s| s.as_str())
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

fn physical_id(resources: &[(String, String, String)], ty: &str) -> String {
    let (_, id, status) = resources
        .iter()
        .find(|(t, _, _)| t == ty)
        .unwrap_or_else(|| panic!("no {ty} in {resources:?}"));
    assert!(status.ends_with("_COMPLETE"), "{ty}: {status}");
    id.clone()
}

fn sagemaker_name(id: &str) -> String {
    // Physical ids of SageMaker resources are ARNs (…:model/<name>) or names.
    id.rsplit('/').next().unwrap_or(id).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_deploy_redeploy_update() {
    let endpoint = moto_endpoint();
    let docker_host = require("DOCKER_HOST");
    let registry = require("SAGECDK_TEST_REGISTRY");
    let registry_ca = require("SAGECDK_TEST_REGISTRY_CA");
    if let Err(e) = sagecdk_deploy::assets::connect_docker().await {
        panic!("Docker engine at {docker_host}: {e}: {HINT}");
    }

    // Bootstrap (idempotent: a second run finds no changes).
    let env = AwsEnvironment::resolve(
        &EnvironmentOptions::default(),
        "aws://unknown-account/unknown-region",
    )
    .await
    .expect("environment");
    assert_eq!(env.account, "123456789012");
    assert_eq!(env.region, "us-west-2");
    bootstrap(&env, &BootstrapOptions::default())
        .await
        .expect("bootstrap");
    let again = bootstrap(&env, &BootstrapOptions::default())
        .await
        .expect("bootstrap again");
    assert!(again.result.no_op, "bootstrap again changes nothing");
    // (The local service leaves stack outputs of change-set deployments empty: check the
    // resources themselves.)
    AwsEnvironment::s3(env.base_config())
        .head_bucket()
        .bucket(BUCKET)
        .send()
        .await
        .expect("staging bucket");
    aws_sdk_ecr::Client::new(env.base_config())
        .describe_repositories()
        .repository_names("cdk-hnb659fds-container-assets-123456789012-us-west-2")
        .send()
        .await
        .expect("container assets repository");
    let version = env
        .check_bootstrap_version(env.base_config(), 6, None)
        .await
        .expect("bootstrap version");
    assert!(version >= 6);

    // A small app: model tarball + image built FROM scratch with busybox.
    let work = tempfile::tempdir().expect("tmp");
    write_model_tarball(&work.path().join("model.tar.gz"));
    write_image_context(&work.path().join("image"));
    let stack_name = format!("SageCdkE2e{}", std::process::id());
    let assembly = synth(work.path(), &stack_name, 1);
    let stacks = assembly.stacks().expect("stacks");
    let options = DeployOptions::default();

    let first = deploy_stacks(&assembly, &stacks, &options)
        .await
        .expect("first deploy");
    assert!(!first[0].no_op);
    assert!(first[0].stack_arn.is_some());

    // The SageMaker resources exist (through the stack and the SageMaker API).
    let resources = stack_resources(&env, &stack_name).await;
    let model = sagemaker_name(&physical_id(&resources, "AWS::SageMaker::Model"));
    let config = sagemaker_name(&physical_id(&resources, "AWS::SageMaker::EndpointConfig"));
    let ep = sagemaker_name(&physical_id(&resources, "AWS::SageMaker::Endpoint"));
    for (target, body) in [
        (
            "SageMaker.DescribeModel",
            format!("{{\"ModelName\":\"{model}\"}}"),
        ),
        (
            "SageMaker.DescribeEndpointConfig",
            format!("{{\"EndpointConfigName\":\"{config}\"}}"),
        ),
        (
            "SageMaker.DescribeEndpoint",
            format!("{{\"EndpointName\":\"{ep}\"}}"),
        ),
    ] {
        let (status, text) = moto_json(&endpoint, target, "sagemaker", &body);
        assert_eq!(status, 200, "{target}: {text}");
    }

    // The tarball is in the staging bucket under the asset's key.
    let manifest: sagecdk_assembly::assets::AssetManifest = assembly
        .read_file(&format!("{stack_name}.assets.json"))
        .expect("asset manifest");
    let tarball = manifest
        .files
        .values()
        .find(|f| f.source.path.as_deref().is_some_and(|p| p.ends_with(".gz")))
        .expect("tarball asset");
    let key = &tarball
        .destinations
        .values()
        .next()
        .expect("destination")
        .object_key;
    let s3 = AwsEnvironment::s3(env.base_config());
    let object = s3
        .get_object()
        .bucket(BUCKET)
        .key(key)
        .send()
        .await
        .expect("tarball uploaded");
    assert_eq!(object.content_type(), Some("application/gzip"));
    let bytes = object.body.collect().await.expect("body").into_bytes();
    assert_eq!(
        &bytes[..],
        &std::fs::read(work.path().join("model.tar.gz")).expect("read")[..]
    );

    // The image manifest is in the registry.
    let image = manifest.docker_images.values().next().expect("image asset");
    let dest = image.destinations.values().next().expect("destination");
    let repo = dest
        .repository_name
        .replace("${AWS::AccountId}", "123456789012")
        .replace("${AWS::Region}", "us-west-2");
    let curl = std::process::Command::new("curl")
        .args([
            "-sf",
            "--cacert",
            &registry_ca,
            "-u",
            "AWS:123456789012-auth-token",
        ])
        .args([
            "-H",
            "Accept: application/vnd.docker.distribution.manifest.v2+json",
        ])
        .arg(format!(
            "https://{registry}/v2/{repo}/manifests/{}",
            dest.image_tag
        ))
        .output()
        .expect("curl");
    assert!(
        curl.status.success(),
        "image manifest not in the registry: {}",
        String::from_utf8_lossy(&curl.stderr)
    );
    assert!(String::from_utf8_lossy(&curl.stdout).contains("schemaVersion"));

    // Unchanged: no change set is executed.
    let cfn = AwsEnvironment::cloudformation(env.base_config());
    let events_before = cfn
        .describe_stack_events()
        .stack_name(&stack_name)
        .send()
        .await
        .expect("events")
        .stack_events()
        .len();
    let second = deploy_stacks(&assembly, &stacks, &options)
        .await
        .expect("second deploy");
    assert!(second[0].no_op, "unchanged deploy is skipped");
    let events_after = cfn
        .describe_stack_events()
        .stack_name(&stack_name)
        .send()
        .await
        .expect("events")
        .stack_events()
        .len();
    assert_eq!(events_before, events_after);

    // One property changed: an UPDATE.
    let changed = synth(work.path(), &stack_name, 2);
    let changed_stacks = changed.stacks().expect("stacks");
    let third = deploy_stacks(&changed, &changed_stacks, &options)
        .await
        .expect("update deploy");
    assert!(!third[0].no_op);
    let stack = cfn
        .describe_stacks()
        .stack_name(&stack_name)
        .send()
        .await
        .expect("describe");
    assert_eq!(
        stack.stacks()[0].stack_status().map(|s| s.as_str()),
        Some("UPDATE_COMPLETE")
    );
}
