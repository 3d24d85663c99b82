//! Deploys the cloud assembly AWS CDK itself produced for the SageMaker examples
//! (`tests/fixtures/cdk-golden/seed/cdk.out`: `SeedEnv` for aws://123456789012/us-west-2 and
//! the environment-agnostic `SeedAgnostic`) to the local services of `scripts/services.sh`,
//! checks the SageMaker resources, the model tarball and the image, then destroys both stacks.
//!
//! The assembly is copied and changed only where the local services require it (unique stack
//! names, and the inference pipeline model as a single-container model since moto cannot
//! create pipelines; see `adjusted_assembly`); asset hashes, object keys and image tags stay as
//! AWS CDK wrote them.

use sagecdk_assembly::CloudAssembly;
use sagecdk_assembly::assets::AssetManifest;
use sagecdk_deploy::{
    AwsEnvironment, DeployOptions, DestroyOptions, deploy_stacks, destroy_order, destroy_stacks,
};
use serde_json::Value;
use std::path::{Path, PathBuf};

mod common;

#[path = "../../../tests/common/tree.rs"]
mod tree;

use common::{HINT, moto_endpoint, moto_json, require};
use tree::copy_tree;

const BUCKET: &str = "cdk-hnb659fds-assets-123456789012-us-west-2";
const TARBALL: &str = "66ac51d5006eaf7bd98276ec82837ecbf71ee13e8e60543f0143c139d5c2fd39";
const IMAGE: &str = "ce3de9e7f57f21b1165354cd1267582d14be865792f33f4924f6ae96d55d3d07";

fn golden() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/cdk-golden/seed/cdk.out")
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).expect("json")).expect("write");
}

/// Copies the golden assembly into `dir` with the changes the local services need.
fn adjusted_assembly(dir: &Path, suffix: &str) -> CloudAssembly {
    copy_tree(&golden(), dir);
    // Unique stack names (`stackName` in the manifest; artifact ids unchanged): the local
    // services are shared by concurrent test runs. AWS CDK writes `stackName` itself when a
    // stack's name differs from its id.
    let manifest_path = dir.join("manifest.json");
    let mut manifest = read_json(&manifest_path);
    for id in ["SeedEnv", "SeedAgnostic"] {
        manifest["artifacts"][id]["properties"]["stackName"] = Value::from(format!("{id}{suffix}"));
    }
    write_json(&manifest_path, &manifest);
    // moto's CloudFormation support for AWS::SageMaker::Model reads only `PrimaryContainer`
    // (a model with `Containers`, an inference pipeline, fails with a server error when the
    // stack's resources are listed): the pipeline model keeps its first container as its
    // primary one. The asset references in it are unchanged.
    for id in ["SeedEnv", "SeedAgnostic"] {
        let path = dir.join(format!("{id}.template.json"));
        let mut template = read_json(&path);
        let resources = template["Resources"].as_object_mut().expect("resources");
        let mut pipelines = 0;
        for resource in resources.values_mut() {
            let properties = &mut resource["Properties"];
            if let Some(containers) = properties
                .as_object_mut()
                .and_then(|p| p.remove("Containers"))
            {
                properties["PrimaryContainer"] = containers[0].clone();
                pipelines += 1;
            }
        }
        assert_eq!(pipelines, 1, "{id}: one inference pipeline model");
        write_json(&path, &template);
        rehash_template(dir, id);
    }
    // The image asset is already `FROM scratch` (no base image to pull offline).
    let dockerfile =
        std::fs::read_to_string(dir.join(format!("asset.{IMAGE}/Dockerfile"))).expect("read");
    assert!(dockerfile.starts_with("FROM scratch\n"), "{dockerfile}");
    CloudAssembly::load(dir).expect("loads")
}

/// Gives the changed template of stack `id` its own content hash (asset id, object key and the
/// manifest's template URL), so an object left by an earlier run under the golden hash is never
/// taken for it.
fn rehash_template(dir: &Path, id: &str) {
    use sha2::{Digest, Sha256};
    let manifest_path = dir.join(format!("{id}.assets.json"));
    let manifest = read_json(&manifest_path);
    let template = format!("{id}.template.json");
    let old = manifest["files"]
        .as_object()
        .expect("files")
        .iter()
        .find(|(_, asset)| asset["source"]["path"] == template.as_str())
        .map(|(hash, _)| hash.clone())
        .expect("template asset");
    let bytes = std::fs::read(dir.join(&template)).expect("template");
    let new: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    for file in [format!("{id}.assets.json"), "manifest.json".to_string()] {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, text.replace(&old, &new)).expect("write");
    }
}

/// Physical ids of the stack's resources of type `ty`, all `*_COMPLETE`.
async fn physical_ids(env: &AwsEnvironment, stack: &str, ty: &str) -> Vec<String> {
    let out = AwsEnvironment::cloudformation(env.base_config())
        .list_stack_resources()
        .stack_name(stack)
        .send()
        .await
        .expect("ListStackResources");
    out.stack_resource_summaries()
        .iter()
        .filter(|r| r.resource_type() == Some(ty))
        .map(|r| {
            let status = r.resource_status().map(|s| s.as_str()).unwrap_or_default();
            assert!(status.ends_with("_COMPLETE"), "{ty}: {status}");
            let id = r.physical_resource_id().unwrap_or_default();
            // Physical ids of SageMaker resources are ARNs (…:model/<name>) or names.
            id.rsplit('/').next().unwrap_or(id).to_string()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploys_the_aws_cdk_golden_assembly() {
    let endpoint = moto_endpoint();
    let docker_host = require("DOCKER_HOST");
    let registry = require("SAGECDK_TEST_REGISTRY");
    let registry_ca = require("SAGECDK_TEST_REGISTRY_CA");
    if let Err(e) = sagecdk_deploy::assets::connect_docker().await {
        panic!("Docker engine at {docker_host}: {e}: {HINT}");
    }
    let env = common::bootstrapped_environment().await;

    let work = tempfile::tempdir().expect("tmp");
    let suffix = std::process::id().to_string();
    let assembly = adjusted_assembly(&work.path().join("cdk.out"), &suffix);
    let stacks = assembly.stacks().expect("stacks");
    let results = deploy_stacks(&assembly, &stacks, &DeployOptions::default())
        .await
        .expect("deploys the AWS CDK assembly");
    assert_eq!(results.len(), 2);

    for id in ["SeedEnv", "SeedAgnostic"] {
        let stack_name = format!("{id}{suffix}");
        let result = results
            .iter()
            .find(|r| r.stack_name == stack_name)
            .unwrap_or_else(|| panic!("{stack_name} deployed: {results:?}"));
        assert!(!result.no_op && result.stack_arn.is_some(), "{result:?}");
        let models = physical_ids(&env, &stack_name, "AWS::SageMaker::Model").await;
        assert_eq!(models.len(), 3, "{stack_name}: {models:?}");
        let configs = physical_ids(&env, &stack_name, "AWS::SageMaker::EndpointConfig").await;
        let endpoints = physical_ids(&env, &stack_name, "AWS::SageMaker::Endpoint").await;
        assert_eq!((configs.len(), endpoints.len()), (1, 1), "{stack_name}");
        let mut calls: Vec<(&str, String)> = models
            .iter()
            .map(|m| {
                (
                    "SageMaker.DescribeModel",
                    format!("{{\"ModelName\":\"{m}\"}}"),
                )
            })
            .collect();
        calls.push((
            "SageMaker.DescribeEndpointConfig",
            format!("{{\"EndpointConfigName\":\"{}\"}}", configs[0]),
        ));
        calls.push((
            "SageMaker.DescribeEndpoint",
            format!("{{\"EndpointName\":\"{}\"}}", endpoints[0]),
        ));
        for (target, body) in calls {
            let (status, text) = moto_json(&endpoint, target, "sagemaker", &body);
            assert_eq!(status, 200, "{stack_name} {target}: {text}");
        }
        // The models point at the published assets.
        let described = models
            .iter()
            .map(|m| {
                let (_, text) = moto_json(
                    &endpoint,
                    "SageMaker.DescribeModel",
                    "sagemaker",
                    &format!("{{\"ModelName\":\"{m}\"}}"),
                );
                text
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            described.contains(&format!("{BUCKET}/{TARBALL}.gz"))
                && described.contains(&format!(
                    "cdk-hnb659fds-container-assets-123456789012-us-west-2:{IMAGE}"
                )),
            "{stack_name}: {described}"
        );
    }

    // The tarball is in the staging bucket under the key AWS CDK chose (`<hash>.gz`).
    let manifest: AssetManifest = assembly.read_file("SeedEnv.assets.json").expect("assets");
    let tarball = &manifest.files[TARBALL];
    let key = &tarball
        .destinations
        .values()
        .next()
        .expect("dest")
        .object_key;
    assert_eq!(key, &format!("{TARBALL}.gz"));
    let object = AwsEnvironment::s3(env.base_config())
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
        &std::fs::read(assembly.dir().join(format!("asset.{TARBALL}.tar.gz"))).expect("read")[..]
    );

    // The image is in the registry under the tag AWS CDK chose.
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
            "https://{registry}/v2/cdk-hnb659fds-container-assets-123456789012-us-west-2/manifests/{IMAGE}"
        ))
        .output()
        .expect("curl");
    assert!(
        curl.status.success() && String::from_utf8_lossy(&curl.stdout).contains("schemaVersion"),
        "image manifest not in the registry: {}",
        String::from_utf8_lossy(&curl.stderr)
    );

    // Unchanged: both stacks are skipped.
    let again = deploy_stacks(&assembly, &stacks, &DeployOptions::default())
        .await
        .expect("redeploys");
    assert!(again.iter().all(|r| r.no_op), "{again:?}");

    // Destroy both; the stacks are gone.
    destroy_stacks(&destroy_order(&stacks, &stacks), &DestroyOptions::default())
        .await
        .expect("destroys");
    let cfn = AwsEnvironment::cloudformation(env.base_config());
    for id in ["SeedEnv", "SeedAgnostic"] {
        let stack_name = format!("{id}{suffix}");
        let status = cfn
            .describe_stacks()
            .stack_name(&stack_name)
            .send()
            .await
            .ok()
            .and_then(|o| o.stacks().first().and_then(|s| s.stack_status().cloned()));
        assert!(
            status.is_none()
                || status == Some(aws_sdk_cloudformation::types::StackStatus::DeleteComplete),
            "{stack_name}: {status:?}"
        );
    }
}
