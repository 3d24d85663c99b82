//! Rendering parity: the golden `SeedEnv` stack rebuilt with the typed resources must synthesize
//! to the AWS CDK's template byte for byte.
#![cfg(all(
    feature = "application_auto_scaling",
    feature = "cloudwatch",
    feature = "iam",
    feature = "s3",
    feature = "sagemaker"
))]

use sagecdk_cfn::application_auto_scaling::scalable_target::CfnScalableTargetProps;
use sagecdk_cfn::application_auto_scaling::scaling_policy::{
    PredefinedMetricSpecification, TargetTrackingScalingPolicyConfiguration, policy_type,
};
use sagecdk_cfn::application_auto_scaling::{
    CfnScalableTarget, CfnScalingPolicy, CfnScalingPolicyProps,
};
use sagecdk_cfn::cloudwatch::alarm::{Dimension, comparison_operator, statistic};
use sagecdk_cfn::cloudwatch::{CfnAlarm, CfnAlarmProps};
use sagecdk_cfn::iam::{CfnPolicy, CfnPolicyProps, CfnRole, CfnRoleProps};
use sagecdk_cfn::s3::{CfnBucket, CfnBucketProps};
use sagecdk_cfn::sagemaker::endpoint_config::ProductionVariant;
use sagecdk_cfn::sagemaker::model::ContainerDefinition;
use sagecdk_cfn::sagemaker::{
    CfnEndpoint, CfnEndpointConfig, CfnEndpointConfigProps, CfnEndpointProps, CfnModel,
    CfnModelProps,
};
use sagecdk_core::{
    App, AppProps, ArnComponents, Aws, Construct, DockerImageAssetSource, Environment,
    FileAssetPackaging, FileAssetSource, IndexMap, RemovalPolicy, Stack, StackProps, Str, Value,
    cfn,
};
use std::path::PathBuf;

const IMAGE_HASH: &str = "ce3de9e7f57f21b1165354cd1267582d14be865792f33f4924f6ae96d55d3d07";
const MODEL_HASH: &str = "66ac51d5006eaf7bd98276ec82837ecbf71ee13e8e60543f0143c139d5c2fd39";

fn golden(name: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/cdk-golden/seed/cdk.out");
    std::fs::read_to_string(dir.join(name)).expect("golden file")
}

fn ecr_pull(repo_arn: Str) -> Value {
    cfn!({
        "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
        "Effect": "Allow",
        "Resource": repo_arn
    })
}

fn s3_read(bucket_arn: Str) -> Value {
    cfn!({
        "Action": ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
        "Effect": "Allow",
        "Resource": [(bucket_arn.clone()), (bucket_arn + "/*")]
    })
}

fn auth_token() -> Value {
    cfn!({"Action": "ecr:GetAuthorizationToken", "Effect": "Allow", "Resource": "*"})
}

/// A model with its execution role and the role's default policy, as the L2 builds them.
fn model(stack: &Stack, id: &str, statements: Vec<Value>, props: CfnModelProps) -> CfnModel {
    let scope = Construct::new(stack, id);
    let role_scope = Construct::new(&scope, "Role");
    let role = CfnRole::new(
        &role_scope,
        "Resource",
        CfnRoleProps::new(cfn!({
            "Statement": [{
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"}
            }],
            "Version": "2012-10-17"
        }))
        .with_managed_policy_arns([Str::from("arn:")
            + Aws::partition()
            + ":iam::aws:policy/AmazonSageMakerFullAccess"]),
    );
    let policy_scope = Construct::new(&role_scope, "DefaultPolicy");
    let policy = CfnPolicy::new(
        &policy_scope,
        "Resource",
        CfnPolicyProps::new(
            cfn!({"Statement": statements, "Version": "2012-10-17"}),
            // Replaced below by the logical ID, known only once the resource exists.
            "placeholder",
        )
        .with_roles([role.reference()]),
    );
    policy
        .resource()
        .set_property("PolicyName", policy.resource().logical_id());
    let model = CfnModel::new(
        &scope,
        "Model",
        props.with_execution_role_arn(role.attr_arn()),
    );
    model.node().add_dependency(&role_scope);
    model
}

fn seed_env(app: &App) -> Stack {
    let stack = Stack::new(
        app,
        "SeedEnv",
        StackProps {
            env: Some(Environment::new("123456789012", "us-west-2")),
            ..StackProps::default()
        },
    );
    let image = stack.add_docker_image_asset(DockerImageAssetSource {
        source_hash: IMAGE_HASH.into(),
        directory_name: format!("asset.{IMAGE_HASH}"),
        display_name: Some(
            "PrimaryContainerModel/ModelImage51135ba7a1af3a1c7f9b8ba7c9d9a96a".into(),
        ),
        ..DockerImageAssetSource::default()
    });
    let _repository = Construct::new(&stack, "Repository");
    let ecr_image =
        stack.account() + ".dkr.ecr." + stack.region() + "." + stack.url_suffix() + "/repo:tag";
    let repo_arn =
        stack.format_arn(ArnComponents::new("ecr", "repository").with_resource_name("repo"));
    let asset_repo_arn = stack.format_arn(
        ArnComponents::new("ecr", "repository").with_resource_name(image.repository_name.clone()),
    );
    let model_data = stack.add_file_asset(FileAssetSource {
        source_hash: MODEL_HASH.into(),
        file_name: format!("asset.{MODEL_HASH}.tar.gz"),
        packaging: FileAssetPackaging::File,
        display_name: Some(
            "PrimaryContainerModel/ModelData1df82ca2f78835c73aafb5dfdab7a0a4".into(),
        ),
    });
    let bucket_scope = Construct::new(&stack, "MyBucket");
    let bucket = CfnBucket::new(&bucket_scope, "Resource", CfnBucketProps::new());
    bucket
        .resource()
        .apply_removal_policy(RemovalPolicy::Retain);
    let bucket_data = Str::from("https://s3.")
        + stack.region()
        + "."
        + stack.url_suffix()
        + "/"
        + bucket.reference()
        + "/path/to/artifact/file.tar.gz";
    let asset_bucket_arn = stack.format_arn(
        ArnComponents::new("s3", "")
            .with_region("")
            .with_account("")
            .with_resource_name(model_data.bucket_name.clone())
            .with_separator(""),
    );

    let primary = model(
        &stack,
        "PrimaryContainerModel",
        vec![
            ecr_pull(asset_repo_arn.clone()),
            auth_token(),
            s3_read(asset_bucket_arn.clone()),
        ],
        CfnModelProps::new().with_primary_container(
            ContainerDefinition::new()
                .with_image(image.image_uri.clone())
                .with_model_data_url(model_data.http_url.clone()),
        ),
    );
    let dlc_account = Str::from("763104351884");
    let dlc_image = dlc_account.clone()
        + ".dkr.ecr."
        + stack.region()
        + "."
        + stack.url_suffix()
        + "/huggingface-pytorch-training:1.13.1-transformers4.26.0-gpu-py39-cu117-ubuntu20.04";
    let dlc_arn = stack.format_arn(
        ArnComponents::new("ecr", "repository")
            .with_account(dlc_account)
            .with_resource_name("huggingface-pytorch-training"),
    );
    let bucket_arn = bucket.attr_arn();
    let pipeline = model(
        &stack,
        "InferencePipelineModel",
        vec![
            ecr_pull(asset_repo_arn),
            auth_token(),
            s3_read(asset_bucket_arn),
            ecr_pull(repo_arn.clone()),
            s3_read(bucket_arn.clone()),
            ecr_pull(dlc_arn),
        ],
        CfnModelProps::new().with_containers([
            ContainerDefinition::new()
                .with_image(image.image_uri)
                .with_model_data_url(model_data.http_url),
            ContainerDefinition::new()
                .with_image(ecr_image.clone())
                .with_model_data_url(bucket_data.clone()),
            ContainerDefinition::new().with_image(dlc_image),
        ]),
    );
    model(
        &stack,
        "ContainerModel",
        vec![ecr_pull(repo_arn), auth_token(), s3_read(bucket_arn)],
        CfnModelProps::new()
            .with_enable_network_isolation(true)
            .with_primary_container(
                ContainerDefinition::new()
                    .with_image(ecr_image)
                    .with_model_data_url(bucket_data),
            ),
    );

    let config_scope = Construct::new(&stack, "EndpointConfig");
    let config = CfnEndpointConfig::new(
        &config_scope,
        "EndpointConfig",
        CfnEndpointConfigProps::new([
            ProductionVariant::new("modelA")
                .with_initial_instance_count(1)
                .with_initial_variant_weight(2)
                .with_instance_type("ml.m5.large")
                .with_model_name(primary.attr_model_name()),
            ProductionVariant::new("variantB")
                .with_initial_instance_count(1)
                .with_initial_variant_weight(1)
                .with_instance_type("ml.t2.medium")
                .with_model_name(pipeline.attr_model_name()),
        ]),
    );
    let endpoint_scope = Construct::new(&stack, "Endpoint");
    let endpoint = CfnEndpoint::new(
        &endpoint_scope,
        "Endpoint",
        CfnEndpointProps::new(config.attr_endpoint_config_name()),
    );

    let count = Construct::new(&endpoint_scope, "InstanceCount");
    let target_scope = Construct::new(&count, "Target");
    let _role = Construct::new(&endpoint_scope, "ScalingRole");
    let target = CfnScalableTarget::new(
        &target_scope,
        "Resource",
        CfnScalableTargetProps::new(
            3,
            1,
            Str::from("endpoint/") + endpoint.attr_endpoint_name() + "/variant/modelA",
            "sagemaker:variant:DesiredInstanceCount",
            "sagemaker",
        )
        .with_role_arn(stack.format_arn(
            ArnComponents::new("iam", "role").with_region("").with_resource_name(
                "aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint",
            ),
        )),
    );
    let limit = Construct::new(&target_scope, "LimitRPS");
    CfnScalingPolicy::new(
        &limit,
        "Resource",
        CfnScalingPolicyProps::new(limit.unique_id(), policy_type::TARGET_TRACKING_SCALING)
            .with_scaling_target_id(target.reference())
            .with_target_tracking_scaling_policy_configuration(
                TargetTrackingScalingPolicyConfiguration::new(900)
                    .with_predefined_metric_specification(PredefinedMetricSpecification::new(
                        "SageMakerVariantInvocationsPerInstance",
                    )),
            ),
    );

    let alarm = Construct::new(&stack, "ModelLatencyAlarm");
    CfnAlarm::new(
        &alarm,
        "Resource",
        CfnAlarmProps::new()
            .with_comparison_operator(comparison_operator::GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
            .with_dimensions([
                Dimension::new("EndpointName", endpoint.attr_endpoint_name()),
                Dimension::new("VariantName", "modelA"),
            ])
            .with_evaluation_periods(3)
            .with_metric_name("ModelLatency")
            .with_namespace("AWS/SageMaker")
            .with_period(300)
            .with_statistic(statistic::AVERAGE)
            .with_threshold(100000),
    );
    stack
}

fn assert_same(name: &str, ours: &str) {
    let theirs = golden(name);
    if ours != theirs {
        for (i, (x, y)) in ours.lines().zip(theirs.lines()).enumerate() {
            assert_eq!(
                x,
                y,
                "{name} differs from AWS CDK's output at line {}",
                i + 1
            );
        }
        panic!("{name}: lengths differ");
    }
}

#[test]
fn typed_seed_env_template_is_byte_identical() {
    let app = App::with_props(AppProps {
        ignore_environment: true,
        context: IndexMap::from([(
            "aws:cdk:enable-path-metadata".to_string(),
            serde_json::json!(true),
        )]),
        ..AppProps::default()
    });
    seed_env(&app);
    let assembly = app
        .assemble()
        .expect("synthesizes without validation errors");
    assert_same(
        "SeedEnv.template.json",
        assembly.file("SeedEnv.template.json").expect("template"),
    );
    assert_same(
        "SeedEnv.assets.json",
        assembly.file("SeedEnv.assets.json").expect("assets"),
    );
}
