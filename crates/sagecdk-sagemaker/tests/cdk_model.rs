//! The AWS CDK's `aws-sagemaker-alpha/test/model.test.ts`, ported: each test is named after the
//! CDK case and quotes its title. Where the CDK throws, sagecdk records the error at the
//! construct path and reports it at synthesis; the message text is asserted.
//!
//! Not ported (see the crate docs): a user-defined `ContainerImage` subclass (sagecdk's images
//! are a closed set), `model.connections.addSecurityGroup` after construction (sagecdk takes
//! the groups in `ModelProps::security_groups`), and the `InferenceExecutionMode` cases (a
//! feature of later CDK releases that sagecdk does not have yet).

use sagecdk_assertions::{Match, Template, pattern};
use sagecdk_aws::ec2::{
    Connections, Port, SecurityGroup, SecurityGroupImportOptions, SecurityGroupProps, Vpc,
};
use sagecdk_aws::ecr::Repository;
use sagecdk_core::{App, AppProps, Stack};
use sagecdk_sagemaker::*;

mod common;

use common::cdk::*;

fn test_repo(stack: &Stack) -> Repository {
    Repository::from_repository_name(
        stack,
        "testRepo",
        "123456789012.dkr.ecr.us-west-2.amazonaws.com/mymodel",
    )
}

fn repo_image(stack: &Stack) -> ContainerImage {
    ContainerImage::from_ecr_repository(&Repository::from_repository_name(stack, "Repo", "repo"))
}

/// Props of a model of one container of [`repo_image`].
fn repo_model_props(stack: &Stack) -> ModelProps {
    ModelProps::with_container(ContainerDefinition::new(repo_image(stack)))
}

/// `stack` fails to synthesize with one error at the model `Default/Model` containing `message`.
fn assert_model_error(stack: &Stack, message: &str) {
    assert_synth_error(stack, "Default/Model", message);
}

/// `connections` (of a model without a VPC) has no security groups, and asking for it is the
/// CDK's error at the model.
fn assert_no_network_access(stack: &Stack, connections: Connections) {
    assert!(connections.security_groups().is_empty());
    assert_model_error(
        stack,
        "Cannot manage network access without configuring a VPC",
    );
}

/// The CDK's `ec2.Vpc`: sagecdk has imported VPCs only.
fn vpc() -> Vpc {
    Vpc::from_attributes("vpc-12345", vec!["subnet-1".into(), "subnet-2".into()])
}

// CDK: 'with more than 15 containers, an exception is thrown on synthesis'
#[test]
fn with_more_than_15_containers_an_exception_is_thrown_on_synthesis() {
    let (_app, stack) = cdk_default_stack();
    let repo = test_repo(&stack);
    let containers = (0..16)
        .map(|_| ContainerDefinition::new(ContainerImage::from_ecr_repository(&repo)))
        .collect();
    Model::new(
        &stack,
        "Model",
        ModelProps {
            containers,
            ..ModelProps::default()
        },
    );
    assert_model_error(
        &stack,
        "Cannot have more than 15 containers in inference pipeline",
    );
}

// CDK: 'with no containers, an exception is thrown on synthesis'
#[test]
fn with_no_containers_an_exception_is_thrown_on_synthesis() {
    let (_app, stack) = cdk_default_stack();
    Model::new(&stack, "Model", ModelProps::default());
    assert_model_error(&stack, "Must configure at least 1 container for model");
}

// CDK: 'with 2 identical ContainerDefinitions, each file-based asset is instantiated once'
#[test]
fn with_2_identical_container_definitions_each_file_based_asset_is_instantiated_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = App::with_props(AppProps {
        outdir: Some(dir.path().join("cdk.out")),
        ignore_environment: true,
        ..AppProps::default()
    });
    let stack = default_stack(&app);
    let container = ContainerDefinition::new(ContainerImage::from_asset(test_image()))
        .with_model_data(ModelData::from_asset(test_artifact(
            "valid-artifact.tar.gz",
        )));
    Model::new(
        &stack,
        "Model",
        ModelProps {
            containers: vec![container.clone(), container],
            ..ModelProps::default()
        },
    );
    app.synth().expect("synthesizes");
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("cdk.out/Default.assets.json")).expect("read"),
    )
    .expect("json");
    // The model data asset and the template; one Docker image asset.
    assert_eq!(manifest["files"].as_object().expect("files").len(), 2);
    assert_eq!(
        manifest["dockerImages"]
            .as_object()
            .expect("dockerImages")
            .len(),
        1
    );
}

// CDK: 'set network isolation'
#[test]
fn set_network_isolation() {
    let (_app, stack) = cdk_default_stack();
    Model::new(
        &stack,
        "Model",
        ModelProps {
            network_isolation: true,
            ..repo_model_props(&stack)
        },
    );
    Template::from_stack(&stack).assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({"EnableNetworkIsolation": true}),
    );
}

// CDK: 'with a VPC' / 'and security groups, no security group is created'
#[test]
fn with_a_vpc_and_security_groups_no_security_group_is_created() {
    let (_app, stack) = cdk_default_stack();
    let vpc = vpc();
    let sg = SecurityGroup::new(&stack, "SG", SecurityGroupProps::new(&vpc));
    Model::new(
        &stack,
        "Model",
        ModelProps {
            vpc: Some(vpc),
            security_groups: vec![sg],
            ..repo_model_props(&stack)
        },
    );
    let template = Template::from_stack(&stack);
    template.assert_has_resource_properties(
        "AWS::EC2::SecurityGroup",
        Match::not(pattern!({"GroupDescription": "Default/Model/SecurityGroup"})),
    );
    template.assert_resource_count_is("AWS::EC2::SecurityGroup", 1);
}

// CDK: 'with a VPC' / 'but no security groups, a security group is created'
#[test]
fn with_a_vpc_but_no_security_groups_a_security_group_is_created() {
    let (_app, stack) = cdk_default_stack();
    Model::new(
        &stack,
        "Model",
        ModelProps {
            vpc: Some(vpc()),
            ..repo_model_props(&stack)
        },
    );
    Template::from_stack(&stack).assert_has_resource_properties(
        "AWS::EC2::SecurityGroup",
        pattern!({"GroupDescription": "Default/Model/SecurityGroup"}),
    );
}

// CDK: 'with a VPC' / 'and both security groups and allowAllOutbound are specified, an exception is thrown'
#[test]
fn with_a_vpc_and_both_security_groups_and_allow_all_outbound_are_specified_an_exception_is_thrown()
{
    let (_app, stack) = cdk_default_stack();
    let vpc = vpc();
    let sg = SecurityGroup::new(&stack, "SG", SecurityGroupProps::new(&vpc));
    Model::new(
        &stack,
        "Model",
        ModelProps {
            vpc: Some(vpc),
            security_groups: vec![sg],
            allow_all_outbound: Some(false),
            ..repo_model_props(&stack)
        },
    );
    assert_model_error(
        &stack,
        "Configure 'allowAllOutbound' directly on the supplied SecurityGroups",
    );
}

// CDK: 'without a VPC' / 'but security groups are specified, an exception is thrown'
#[test]
fn without_a_vpc_but_security_groups_are_specified_an_exception_is_thrown() {
    let (_app, stack) = cdk_default_stack();
    let sg = SecurityGroup::new(&stack, "SG", SecurityGroupProps::new(&vpc()));
    Model::new(
        &stack,
        "Model",
        ModelProps {
            security_groups: vec![sg],
            ..repo_model_props(&stack)
        },
    );
    assert_model_error(
        &stack,
        "Cannot configure 'securityGroups' or 'allowAllOutbound' without configuring a VPC",
    );
}

// CDK: 'without a VPC' / 'but allowAllOutbound is specified, an exception is thrown'
#[test]
fn without_a_vpc_but_allow_all_outbound_is_specified_an_exception_is_thrown() {
    let (_app, stack) = cdk_default_stack();
    Model::new(
        &stack,
        "Model",
        ModelProps {
            allow_all_outbound: Some(false),
            ..repo_model_props(&stack)
        },
    );
    assert_model_error(
        &stack,
        "Cannot configure 'securityGroups' or 'allowAllOutbound' without configuring a VPC",
    );
}

// CDK: 'When accessing Connections object' / 'from a model with no VPC, an exception is thrown'
#[test]
fn when_accessing_connections_object_from_a_model_with_no_vpc_an_exception_is_thrown() {
    let (_app, stack) = cdk_default_stack();
    let model = Model::new(&stack, "Model", repo_model_props(&stack));
    assert_no_network_access(&stack, model.connections());
}

// CDK: 'When accessing Connections object' / 'from an imported model with no security groups specified, an exception is thrown'
#[test]
fn when_accessing_connections_object_from_an_imported_model_with_no_security_groups_specified_an_exception_is_thrown()
 {
    let (_app, stack) = cdk_default_stack();
    let imported = Model::from_model_attributes(
        &stack,
        "Model",
        ModelAttributes::new("arn:aws:sagemaker:us-west-2:123456789012:model/MyModel"),
    );
    assert_no_network_access(&stack, imported.connections());
}

// CDK: 'When allowing traffic from an imported model with a security group, an S3 egress rule should be present'
#[test]
fn when_allowing_traffic_from_an_imported_model_with_a_security_group_an_s3_egress_rule_should_be_present()
 {
    let (_app, stack) = cdk_default_stack();
    let sg = SecurityGroup::from_id_with(
        &stack,
        "SG",
        "sg-123456789",
        SecurityGroupImportOptions {
            mutable: true,
            allow_all_outbound: false,
        },
    );
    let imported = Model::from_model_attributes(
        &stack,
        "Model",
        ModelAttributes {
            security_groups: vec![sg],
            ..ModelAttributes::new("arn:aws:sagemaker:us-west-2:123456789012:model/MyModel")
        },
    );
    imported.connections().allow_to_any_ipv4(Port::tcp(443));
    Template::from_stack(&stack).assert_has_resource_properties(
        "AWS::EC2::SecurityGroupEgress",
        pattern!({"GroupId": "sg-123456789"}),
    );
}

// CDK: 'When importing a model by ARN, the model name is determined correctly'
#[test]
fn when_importing_a_model_by_arn_the_model_name_is_determined_correctly() {
    let (_app, stack) = cdk_default_stack();
    let model = Model::from_model_arn(
        &stack,
        "Model",
        "arn:aws:sagemaker:us-west-2:123456789012:model/MyModel",
    );
    assert_eq!(model.model_name().as_literal().as_deref(), Some("MyModel"));
}

// CDK: 'When importing a model by name, the ARN is constructed correctly'
#[test]
fn when_importing_a_model_by_name_the_arn_is_constructed_correctly() {
    let app = cdk_app();
    let stack = stack_in(&app, "Default", "123456789012", "us-west-2");
    let model = Model::from_model_name(&stack, "Model", "my-name");
    assert_eq!(
        rendered(&stack, "Arn", model.model_arn()),
        serde_json::json!({"Fn::Join": ["", [
            "arn:", {"Ref": "AWS::Partition"}, ":sagemaker:us-west-2:123456789012:model/my-name"
        ]]})
    );
}

// CDK: 'sagemaker model with deep learning container images with AccountId'
#[test]
fn sagemaker_model_with_deep_learning_container_images_with_account_id() {
    let (_app, stack) = cdk_default_stack();
    Model::new(
        &stack,
        "Model",
        ModelProps::with_container(ContainerDefinition::new(
            ContainerImage::from_dlc_in_account("anyRepositoryName", "anyTag", "anyAwsAccount"),
        )),
    );
    Template::from_stack(&stack).assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({"PrimaryContainer": {"Image": {"Fn::Join": ["", [
            "anyAwsAccount.dkr.ecr.",
            {"Ref": "AWS::Region"},
            ".",
            {"Ref": "AWS::URLSuffix"},
            "/anyRepositoryName:anyTag"
        ]]}}}),
    );
}

// CDK: 'sagemaker model with deep learning container images without AccountId'
#[test]
fn sagemaker_model_with_deep_learning_container_images_without_account_id() {
    let (_app, stack) = cdk_default_stack();
    Model::new(
        &stack,
        "Model",
        ModelProps::with_container(ContainerDefinition::new(ContainerImage::from_dlc(
            "anyRepositoryName",
            "anyTag",
        ))),
    );
    let template = Template::from_stack(&stack);
    template.assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({"PrimaryContainer": {"Image": {"Fn::Join": ["", [
            {"Fn::FindInMap": ["DlcRepositoryAccountMap", {"Ref": "AWS::Region"}, "value"]},
            ".dkr.ecr.",
            {"Ref": "AWS::Region"},
            ".",
            {"Ref": "AWS::URLSuffix"},
            "/anyRepositoryName:anyTag"
        ]]}}}),
    );
    // The CDK's table at the time of the test; sagecdk's has the regions added since too.
    template.assert_has_mapping(
        "DlcRepositoryAccountMap",
        pattern!({
            "ap-east-1": {"value": "871362719292"},
            "ap-northeast-1": {"value": "763104351884"},
            "ap-northeast-2": {"value": "763104351884"},
            "ap-south-1": {"value": "763104351884"},
            "ap-southeast-1": {"value": "763104351884"},
            "ap-southeast-2": {"value": "763104351884"},
            "ca-central-1": {"value": "763104351884"},
            "cn-north-1": {"value": "727897471807"},
            "cn-northwest-1": {"value": "727897471807"},
            "eu-central-1": {"value": "763104351884"},
            "eu-north-1": {"value": "763104351884"},
            "eu-west-1": {"value": "763104351884"},
            "eu-west-2": {"value": "763104351884"},
            "eu-west-3": {"value": "763104351884"},
            "me-south-1": {"value": "217643126080"},
            "sa-east-1": {"value": "763104351884"},
            "us-east-1": {"value": "763104351884"},
            "us-east-2": {"value": "763104351884"},
            "us-west-1": {"value": "763104351884"},
            "us-west-2": {"value": "763104351884"}
        }),
    );
}
