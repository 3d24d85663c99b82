//! A SageMaker real-time endpoint written with the typed CloudFormation resources: an execution
//! role, a model from a deep learning container image and S3 model data, an endpoint
//! configuration, an endpoint, autoscaling on invocations, and an output.
//!
//! Run through the CLI (`sagecdk synth`, see `cdk.json`), or directly:
//! `cargo run -p hello-endpoint`.

use sagecdk::cfn::application_auto_scaling::scaling_policy::{
    PredefinedMetricSpecification, TargetTrackingScalingPolicyConfiguration,
};
use sagecdk::cfn::application_auto_scaling::{
    CfnScalableTarget, CfnScalableTargetProps, CfnScalingPolicy, CfnScalingPolicyProps,
};
use sagecdk::cfn::iam::{CfnRole, CfnRoleProps};
use sagecdk::cfn::sagemaker::endpoint_config::ProductionVariant;
use sagecdk::cfn::sagemaker::model::ContainerDefinition;
use sagecdk::cfn::sagemaker::{
    CfnEndpoint, CfnEndpointConfig, CfnEndpointConfigProps, CfnEndpointProps, CfnModel,
    CfnModelProps,
};
use sagecdk::prelude::*;

fn main() {
    let app = App::new();
    build(&app);
    app.synth_or_exit();
}

/// Defines the stack in `app` (shared with the snapshot tests).
pub(crate) fn build(app: &App) -> Stack {
    let stack = Stack::new(
        app,
        "HelloEndpoint",
        StackProps::default()
            .with_env(Environment::new("123456789012", "us-west-2"))
            .with_description("A SageMaker real-time endpoint"),
    );

    let role = CfnRole::new(
        &stack,
        "ExecutionRole",
        CfnRoleProps::new(cfn!({
            "Statement": [{
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"}
            }],
            "Version": "2012-10-17"
        }))
        .with_managed_policy_arns(vec![fmt_str!(
            "arn:{}:iam::aws:policy/AmazonSageMakerFullAccess",
            Aws::partition()
        )]),
    );

    let image = fmt_str!(
        "763104351884.dkr.ecr.{}.{}/pytorch-inference:2.3.0-cpu-py311",
        stack.region(),
        stack.url_suffix()
    );
    // The GetAtt of the role's ARN already orders the model after the role.
    let model = CfnModel::new(
        &stack,
        "Model",
        CfnModelProps::new()
            .with_execution_role_arn(role.attr_arn())
            .with_primary_container(
                ContainerDefinition::new()
                    .with_image(image)
                    .with_model_data_url("s3://my-models/resnet/model.tar.gz"),
            ),
    );

    let config = CfnEndpointConfig::new(
        &stack,
        "EndpointConfig",
        CfnEndpointConfigProps::new(vec![
            ProductionVariant::new("AllTraffic")
                .with_initial_instance_count(1)
                .with_initial_variant_weight(1)
                .with_instance_type("ml.m5.large")
                .with_model_name(model.attr_model_name()),
        ]),
    );
    let endpoint = CfnEndpoint::new(
        &stack,
        "Endpoint",
        CfnEndpointProps::new(config.attr_endpoint_config_name()),
    );

    let scaling = Construct::new(&stack, "Scaling");
    let target = CfnScalableTarget::new(
        &scaling,
        "Target",
        CfnScalableTargetProps::new(
            4,
            1,
            fmt_str!("endpoint/{}/variant/AllTraffic", endpoint.attr_endpoint_name()),
            "sagemaker:variant:DesiredInstanceCount",
            "sagemaker",
        )
        .with_role_arn(stack.format_arn(
            ArnComponents::new("iam", "role").with_region("").with_resource_name(
                "aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint",
            ),
        )),
    );
    let policy_scope = Construct::new(&scaling, "OnInvocations");
    CfnScalingPolicy::new(
        &policy_scope,
        "Resource",
        CfnScalingPolicyProps::new(policy_scope.unique_id(), "TargetTrackingScaling")
            .with_scaling_target_id(target.reference())
            .with_target_tracking_scaling_policy_configuration(
                TargetTrackingScalingPolicyConfiguration::new(900)
                    .with_predefined_metric_specification(PredefinedMetricSpecification::new(
                        "SageMakerVariantInvocationsPerInstance",
                    )),
            ),
    );

    CfnOutput::new(&stack, "EndpointName", endpoint.attr_endpoint_name())
        .with_description("Invoke this endpoint");
    Tags::of(&stack).add("project", "hello-endpoint");
    stack
}
