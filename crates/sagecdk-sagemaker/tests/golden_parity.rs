//! With the compatibility flag on, the Rust port of the `parity` reference app
//! (`tests/fixtures/cdk-golden/parity/app.js`) synthesizes the cloud assembly the AWS CDK
//! wrote for it, byte for byte: a KMS key and a role trusted by another account in an
//! environment-specific stack, a model in a VPC, stack tags, and a reference across stacks.

use sagecdk_aws::ec2::Vpc;
use sagecdk_aws::iam::{Principal, Role, RoleProps};
use sagecdk_aws::kms::{Key, KeyProps};
use sagecdk_core::{
    App, AppProps, Assembly, CfnResource, Environment, IndexMap, Stack, StackProps, cfn,
};
use sagecdk_sagemaker::{
    CDK_COMPATIBLE_DEFAULTS, ContainerDefinition, ContainerImage, Model, ModelProps,
};
use std::path::PathBuf;

#[path = "../../../tests/common/golden.rs"]
mod golden;

/// The cloud assembly the AWS CDK wrote for `app.js`.
fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/cdk-golden/parity/cdk.out")
}

/// The context `synth.js` passes, plus the compatibility flag.
fn context() -> IndexMap<String, serde_json::Value> {
    let json = serde_json::json!({
        "aws:cdk:enable-path-metadata": true,
        "aws:cdk:enable-asset-metadata": true,
        "aws:cdk:version-reporting": false,
        "aws:cdk:disable-creation-stack-traces": true,
        "aws:cdk:disable-stack-trace": true,
        "aws:cdk:bundling-stacks": ["**"],
        CDK_COMPATIBLE_DEFAULTS: true
    });
    json.as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `app.js`, in Rust.
fn parity_app() -> App {
    let app = App::with_props(AppProps {
        ignore_environment: true,
        context: context(),
        ..AppProps::default()
    });
    let env = Environment::new("123456789012", "us-west-2");
    let producer = Stack::new(
        &app,
        "Producer",
        StackProps::default()
            .with_env(env.clone())
            .with_tag("team", "ml-platform")
            .with_tag("stage", "prod"),
    );
    let key = Key::new(&producer, "Key", KeyProps::default());
    Role::new(
        &producer,
        "CrossAccountRole",
        RoleProps::new(Principal::account("111122223333")),
    );
    let vpc = Vpc::from_attributes(
        "vpc-0123456789abcdef0",
        vec!["subnet-0123456789abcdef0".into()],
    );
    let image = ContainerImage::from_dlc("pytorch-inference", "2.3.0-cpu-py311");
    Model::new(
        &producer,
        "VpcModel",
        ModelProps {
            vpc: Some(vpc),
            ..ModelProps::with_container(ContainerDefinition::new(image))
        },
    );

    let consumer = Stack::new(&app, "Consumer", StackProps::default().with_env(env));
    let _ = CfnResource::new(&consumer, "Topic", "AWS::SNS::Topic")
        .with_properties(cfn!({"KmsMasterKeyId": (key.key_arn())}));
    app
}

fn assembly() -> Assembly {
    parity_app().assemble().expect("synthesizes")
}

fn assert_same(assembly: &Assembly, name: &str) {
    let ours = assembly
        .file(name)
        .unwrap_or_else(|| panic!("{name} not written"));
    golden::assert_same_as_golden(&golden_dir(), name, ours);
}

/// The key policy names the stack's literal account; the account principal is its root ARN;
/// the model's security group comes before its role and policy.
#[test]
fn producer_template_is_byte_identical() {
    assert_same(&assembly(), "Producer.template.json");
}

#[test]
fn consumer_template_is_byte_identical() {
    assert_same(&assembly(), "Consumer.template.json");
}

/// Stack tags are listed as `{key, value}` after the template file entry.
#[test]
fn producer_metadata_is_byte_identical() {
    assert_same(&assembly(), "Producer.metadata.json");
}

/// The consumer of the first reference across stacks carries the CDK's warning that no
/// reference strength is configured, before its template file entry.
#[test]
fn consumer_metadata_is_byte_identical() {
    assert_same(&assembly(), "Consumer.metadata.json");
}

/// The whole manifest, with the aws-cdk-lib feature-flag report and `minimumCliVersion`.
#[test]
fn manifest_is_byte_identical() {
    assert_same(&assembly(), "manifest.json");
}

#[test]
fn asset_manifests_and_other_files_are_byte_identical() {
    let assembly = assembly();
    for name in [
        "Producer.assets.json",
        "Consumer.assets.json",
        "cdk.out",
        "validation-report.json",
    ] {
        assert_same(&assembly, name);
    }
}
