//! A production-style SageMaker endpoint with what the AWS CDK's SageMaker library lacks: a
//! model in a VPC whose security group only accepts traffic from the callers' group, volumes
//! encrypted with a customer managed key, two weighted variants (one a canary at weight 0
//! that can be turned on later), step scaling on CPU plus target tracking on invocations and a
//! scheduled night-time minimum, and a 5xx alarm that pages an SNS topic.
//!
//! `cargo run -p sagecdk --example production_endpoint`, or through the CLI:
//! `sagecdk synth --app "cargo run --quiet -p sagecdk --example production_endpoint"`.

use sagecdk::aws::cloudwatch::{AlarmProps, TreatMissingData};
use sagecdk::aws::ec2::{Port, SecurityGroup, SecurityGroupProps, Vpc};
use sagecdk::aws::kms::{Key, KeyProps};
use sagecdk::aws::s3::Bucket;
use sagecdk::aws::sns::{Subscription, Topic, TopicProps};
use sagecdk::prelude::*;
use sagecdk::sagemaker::{
    ContainerDefinition, ContainerImage, Endpoint, EndpointConfig, EndpointConfigProps,
    EndpointProps, InstanceProductionVariantProps, InstanceType, InvocationsScalingProps, Model,
    ModelData, ModelProps, ScalingInterval, ScheduledScalingProps, StepScalingProps,
};

fn main() {
    let app = App::new();
    build(&app);
    app.synth_or_exit();
}

/// Defines the stack in `app` (shared with the snapshot tests).
pub(crate) fn build(app: &App) -> Stack {
    let stack = Stack::new(
        app,
        "ProductionEndpoint",
        StackProps::default()
            .with_env(Environment::new("123456789012", "us-west-2"))
            .with_description("A SageMaker endpoint in a VPC with encryption, scaling and paging"),
    );

    let vpc = Vpc::from_attributes(
        "vpc-0a1b2c3d4e5f67890",
        vec![
            "subnet-0123456789abcdef0".into(),
            "subnet-0fedcba9876543210".into(),
        ],
    );
    let artifacts = Bucket::from_bucket_name(&stack, "Artifacts", "ml-platform-model-artifacts");
    let image = ContainerImage::from_dlc(
        "pytorch-inference",
        "2.3.0-gpu-py311-cu121-ubuntu20.04-sagemaker",
    );
    let container = |key: &str| {
        ContainerDefinition::new(image.clone())
            .with_model_data(ModelData::from_bucket(&artifacts, key))
            .with_environment("SAGEMAKER_PROGRAM", "inference.py")
    };
    let model_props = |key: &str| ModelProps {
        vpc: Some(vpc.clone()),
        network_isolation: true,
        ..ModelProps::with_container(container(key))
    };
    let current = Model::new(&stack, "Current", model_props("ranker/v12/model.tar.gz"));
    let canary = Model::new(&stack, "Canary", model_props("ranker/v13/model.tar.gz"));

    // Only the callers' security group may reach the model containers.
    let callers = SecurityGroup::new(
        &stack,
        "Callers",
        SecurityGroupProps::new(&vpc).with_description("Ranker callers"),
    );
    for model in [&current, &canary] {
        model
            .connections()
            .allow_from_described(&callers, Port::tcp(8080), "ranker callers");
    }

    let key = Key::new(
        &stack,
        "VolumeKey",
        KeyProps {
            description: Some("Ranker endpoint volumes".into()),
            enable_key_rotation: true,
            alias: Some("ranker-endpoint".into()),
            ..KeyProps::default()
        },
    );
    let config = EndpointConfig::new(
        &stack,
        "EndpointConfig",
        EndpointConfigProps {
            instance_production_variants: vec![
                InstanceProductionVariantProps::new(&current, "current")
                    .with_instance_type(InstanceType::G5_XLARGE)
                    .with_instance_count(2),
                // Weight 0: deployed and warm, no traffic until the weight is raised.
                InstanceProductionVariantProps::new(&canary, "canary")
                    .with_instance_type(InstanceType::G5_XLARGE)
                    .with_weight(0.0),
            ],
            kms_key_arn: Some(key.key_arn()),
            ..EndpointConfigProps::default()
        },
    );
    let endpoint = Endpoint::new(
        &stack,
        "Endpoint",
        EndpointProps::new(&config).with_name("ranker"),
    );

    let variant = endpoint.find_instance_production_variant("current");
    let count = variant.auto_scale_instance_count(EnableScalingProps::max(8).with_min(2));
    count.scale_on_invocations(
        "Invocations",
        InvocationsScalingProps {
            max_requests_per_second: 40.0,
            safety_factor: Some(0.6),
            scale_in_cooldown: Some(Duration::from_secs(600)),
            ..InvocationsScalingProps::default()
        },
    );
    count.scale_on_metric(
        "Cpu",
        StepScalingProps {
            cooldown: Some(Duration::from_secs(300)),
            evaluation_periods: Some(3),
            ..StepScalingProps::new(
                variant.metric_cpu_utilization(),
                vec![
                    ScalingInterval::below(15.0, -1.0),
                    ScalingInterval::at_least(75.0, 1.0),
                    ScalingInterval::at_least(90.0, 3.0),
                ],
            )
        },
    );
    count.scale_on_schedule(
        "NightMinimum",
        ScheduledScalingProps {
            schedule: "cron(0 22 * * ? *)".into(),
            min_capacity: Some(2),
            timezone: Some("Europe/Berlin".into()),
            ..ScheduledScalingProps::default()
        },
    );

    let pager = Topic::new(
        &stack,
        "Pager",
        TopicProps {
            display_name: Some("Ranker endpoint alarms".into()),
            ..TopicProps::default()
        },
    );
    pager.add_subscription(Subscription::Email("ml-oncall@example.com".into()));
    let errors = variant.metric_invocation_5xx_errors().create_alarm(
        &stack,
        "ServerErrors",
        AlarmProps {
            threshold: 5.0,
            evaluation_periods: 3,
            datapoints_to_alarm: Some(2),
            treat_missing_data: Some(TreatMissingData::NotBreaching),
            alarm_description: Some("The ranker answers with server errors".into()),
            ..AlarmProps::default()
        },
    );
    errors.add_alarm_action(&pager);
    errors.add_ok_action(&pager);

    CfnOutput::new(&stack, "EndpointName", endpoint.endpoint_name());
    stack
}
