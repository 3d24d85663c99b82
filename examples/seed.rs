//! The SageMaker construct library README examples as one app — the Rust mirror of the AWS
//! CDK app whose cloud assembly is the parity reference (`tests/fixtures/cdk-golden/seed`).
//!
//! Run from that folder (asset paths are relative to it):
//! `sagecdk synth --app "cargo run --quiet -p sagecdk-sagemaker --example seed"`; add
//! `-c @sagecdk/sagemaker:cdkCompatibleDefaults=true` for the AWS CDK's defaults, which make
//! the cloud assembly byte-identical to the reference.

use sagecdk_aws::cloudwatch::AlarmProps;
use sagecdk_aws::ecr::Repository;
use sagecdk_aws::s3::{Bucket, BucketProps};
use sagecdk_core::{App, Environment, Stack, StackProps};
use sagecdk_sagemaker::{
    ContainerDefinition, ContainerImage, EnableScalingProps, Endpoint, EndpointConfig,
    EndpointConfigProps, EndpointProps, InstanceProductionVariantProps, InstanceType,
    InvocationsScalingProps, Model, ModelData, ModelProps,
};

fn main() {
    let app = App::new();
    build(&app);
    app.synth_or_exit();
}

/// Both stacks of the reference app.
pub(crate) fn build(app: &App) {
    seed_stack(app, "SeedAgnostic", None);
    seed_stack(
        app,
        "SeedEnv",
        Some(Environment::new("123456789012", "us-west-2")),
    );
}

fn seed_stack(app: &App, id: &str, env: Option<Environment>) -> Stack {
    let stack = Stack::new(
        app,
        id,
        StackProps {
            env,
            ..StackProps::default()
        },
    );

    // Container images: asset, ECR repository, deep learning container.
    let image = ContainerImage::from_asset("assets/model-image");
    let repository = Repository::from_repository_name(&stack, "Repository", "repo");
    let ecr_image = ContainerImage::from_ecr_repository_tag(&repository, "tag");
    let dlc_image = ContainerImage::from_dlc(
        "huggingface-pytorch-training",
        "1.13.1-transformers4.26.0-gpu-py39-cu117-ubuntu20.04",
    );

    // Model artifacts: asset tarball, S3 object.
    let model_data = ModelData::from_asset("assets/model.tar.gz");
    let bucket = Bucket::new(&stack, "MyBucket", BucketProps::default());
    let bucket_data = ModelData::from_bucket(&bucket, "path/to/artifact/file.tar.gz");

    // Single container model.
    let primary = Model::new(
        &stack,
        "PrimaryContainerModel",
        ModelProps::with_container(
            ContainerDefinition::new(image.clone()).with_model_data(model_data.clone()),
        ),
    );

    // Inference pipeline model.
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

    // Network isolation.
    Model::new(
        &stack,
        "ContainerModel",
        ModelProps {
            containers: vec![ContainerDefinition::new(ecr_image).with_model_data(bucket_data)],
            network_isolation: true,
            ..ModelProps::default()
        },
    );

    // Endpoint configuration with two weighted variants, and the endpoint.
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
    let endpoint = Endpoint::new(&stack, "Endpoint", EndpointProps::new(&endpoint_config));

    // Autoscaling on invocations.
    let variant = endpoint.find_instance_production_variant("modelA");
    variant
        .auto_scale_instance_count(EnableScalingProps::max(3))
        .scale_on_invocations(
            "LimitRPS",
            InvocationsScalingProps {
                max_requests_per_second: 30.0,
                ..InvocationsScalingProps::default()
            },
        );
    // Metrics and an alarm.
    variant.metric_model_latency().create_alarm(
        &stack,
        "ModelLatencyAlarm",
        AlarmProps {
            threshold: 100000.0,
            evaluation_periods: 3,
            ..AlarmProps::default()
        },
    );
    stack
}
