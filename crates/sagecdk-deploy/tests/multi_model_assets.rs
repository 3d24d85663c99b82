//! Local models of a multi-model container shipped with a deploy, end to end against the local
//! AWS stand-in (moto): after a deploy the model's prefix holds exactly the set's objects,
//! byte for byte, and the deployed model reads its data from that prefix (SageMaker
//! `DescribeModel`); a set with one model changed is a new prefix holding exactly the new set,
//! where the unchanged model is copied within the bucket, not uploaded again.

use sagecdk_assembly::CloudAssembly;
use sagecdk_deploy::assets::{AssetPublisher, PublishOptions, stack_asset_manifests};
use sagecdk_deploy::{AwsEnvironment, DeployOptions, deploy_stacks};
use sagecdk_sagemaker::*;
use std::path::Path;

mod common;

use common::{bootstrapped_environment, moto_endpoint, moto_json, physical_name, synth_stack};

const BUCKET: &str = "cdk-hnb659fds-assets-123456789012-us-west-2";

/// The app serving `models` (name → file under `work`), synthesized into `work/<out>`.
fn synth(work: &Path, out: &str, stack_name: &str, models: &[(&str, &str)]) -> CloudAssembly {
    synth_stack(&work.join(out), stack_name, |stack| {
        let models: Vec<(String, String)> = models
            .iter()
            .map(|(name, file)| (name.to_string(), work.join(file).display().to_string()))
            .collect();
        Model::new(
            stack,
            "Tenants",
            ModelProps::with_container(
                ContainerDefinition::new(ContainerImage::from_dlc(
                    "pytorch-inference",
                    "2.3.0-cpu-py311",
                ))
                .with_multi_model(ModelData::from_multi_model_assets(models)),
            ),
        );
    })
}

/// The keys and contents under `prefix` of the staging bucket.
async fn objects_under(s3: &aws_sdk_s3::Client, prefix: &str) -> Vec<(String, Vec<u8>)> {
    let listed = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix(prefix)
        .send()
        .await
        .expect("ListObjectsV2");
    let mut objects = Vec::new();
    for o in listed.contents() {
        let key = o.key().expect("key").to_string();
        let body = s3
            .get_object()
            .bucket(BUCKET)
            .key(&key)
            .send()
            .await
            .expect("GetObject")
            .body
            .collect()
            .await
            .expect("body")
            .into_bytes()
            .to_vec();
        objects.push((key.strip_prefix(prefix).expect("under").to_string(), body));
    }
    objects.sort();
    objects
}

/// The `multi-model/<hash>/` prefix of a model data URL.
fn prefix_of(url: &str) -> String {
    let start = url.find("multi-model/").expect("multi-model prefix");
    url[start..].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deploy_ships_exactly_the_set_and_copies_unchanged_models() {
    let endpoint = moto_endpoint();
    let env = bootstrapped_environment().await;
    let s3 = AwsEnvironment::s3(env.base_config());
    let work = tempfile::tempdir().expect("tmp");
    // Contents unique to this run, so that nothing is in the bucket from an earlier one.
    let run = format!("{}-{:?}", std::process::id(), std::time::SystemTime::now());
    let models = [
        ("a.tar.gz", format!("model a {run}")),
        ("b.tar.gz", format!("model b {run}")),
        ("b2.tar.gz", format!("model b, retrained {run}")),
    ];
    for (file, content) in &models {
        std::fs::write(work.path().join(file), content).expect("write model");
    }
    let stack_name = format!("SageCdkMultiModel{}", std::process::id());

    let first = synth(
        work.path(),
        "out.1",
        &stack_name,
        &[
            ("tenant-a.tar.gz", "a.tar.gz"),
            ("team/tenant-b.tar.gz", "b.tar.gz"),
        ],
    );
    deploy_stacks(
        &first,
        &first.stacks().expect("stacks"),
        &DeployOptions::default(),
    )
    .await
    .expect("deploys");
    // The deployed model reads the prefix, which holds exactly the set.
    let cfn = AwsEnvironment::cloudformation(env.base_config());
    let model_name = physical_name(&env, &stack_name, "AWS::SageMaker::Model").await;
    let (status, text) = moto_json(
        &endpoint,
        "SageMaker.DescribeModel",
        "sagemaker",
        &format!("{{\"ModelName\":\"{model_name}\"}}"),
    );
    assert_eq!(status, 200, "{text}");
    let model: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let url = model["PrimaryContainer"]["ModelDataUrl"]
        .as_str()
        .expect("ModelDataUrl")
        .to_string();
    assert!(
        url.starts_with(&format!("s3://{BUCKET}/multi-model/")),
        "{url}"
    );
    assert_eq!(model["PrimaryContainer"]["Mode"], "MultiModel");
    let first_prefix = prefix_of(&url);
    assert_eq!(
        objects_under(&s3, &first_prefix).await,
        [
            (
                "team/tenant-b.tar.gz".to_string(),
                models[1].1.clone().into_bytes()
            ),
            (
                "tenant-a.tar.gz".to_string(),
                models[0].1.clone().into_bytes()
            ),
        ]
    );

    // Model b retrained: a new prefix with exactly the new set; a is copied, b uploaded once.
    let second = synth(
        work.path(),
        "out.2",
        &stack_name,
        &[
            ("tenant-a.tar.gz", "a.tar.gz"),
            ("team/tenant-b.tar.gz", "b2.tar.gz"),
        ],
    );
    let stacks = second.stacks().expect("stacks");
    let manifests =
        stack_asset_manifests(&second, &stacks[0].other_dependencies).expect("asset manifests");
    let publisher = std::sync::Arc::new(
        AssetPublisher::new(second.dir(), PublishOptions::default(), false).expect("publisher"),
    );
    publisher
        .publish_manifest(&env, &manifests[0].manifest, "")
        .await
        .expect("publishes");
    let report = publisher.report();
    // Uploaded: the retrained model and the template; found: model a; copied: both models
    // into the new prefix.
    assert_eq!(
        (report.published, report.already_published, report.copied),
        (2, 1, 2),
        "{report:?}"
    );
    let template =
        std::fs::read_to_string(second.dir().join(format!("{stack_name}.template.json")))
            .expect("template");
    // `multi-model/<sha256 of the set>/`.
    let second_prefix = {
        let start = template.find("/multi-model/").expect("prefix in template") + 1;
        template[start..start + "multi-model/".len() + 65].to_string()
    };
    assert_ne!(second_prefix, first_prefix);
    assert_eq!(
        objects_under(&s3, &second_prefix).await,
        [
            (
                "team/tenant-b.tar.gz".to_string(),
                models[2].1.clone().into_bytes()
            ),
            (
                "tenant-a.tar.gz".to_string(),
                models[0].1.clone().into_bytes()
            ),
        ]
    );
    // The first deploy's prefix is left as it was, for the running model and a rollback.
    assert_eq!(objects_under(&s3, &first_prefix).await.len(), 2);

    // Deploying the second version moves the stack's model to the new prefix.
    deploy_stacks(&second, &stacks, &DeployOptions::default())
        .await
        .expect("update deploys");
    let replaced = physical_name(&env, &stack_name, "AWS::SageMaker::Model").await;
    assert_ne!(replaced, model_name, "a new model");
    let (status, text) = moto_json(
        &endpoint,
        "SageMaker.DescribeModel",
        "sagemaker",
        &format!("{{\"ModelName\":\"{replaced}\"}}"),
    );
    assert_eq!(status, 200, "{text}");
    let model: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let url = model["PrimaryContainer"]["ModelDataUrl"]
        .as_str()
        .expect("ModelDataUrl");
    assert_eq!(prefix_of(url), second_prefix);
    cfn.delete_stack()
        .stack_name(&stack_name)
        .send()
        .await
        .expect("DeleteStack");
}
