//! A SageMaker real-time endpoint written with generic CloudFormation resources: an execution
//! role, a model from a public ECR image and S3 model data, an endpoint configuration, an
//! endpoint, autoscaling on invocations, and an output.
//!
//! Run through the CLI (`sagecdk synth`), or directly: `cargo run -p sagecdk --example hello_endpoint`.

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

    let role_scope = Construct::new(&stack, "ExecutionRole");
    let role = CfnResource::new(&role_scope, "Resource", "AWS::IAM::Role").with_properties(cfn!({
        "AssumeRolePolicyDocument": {
            "Statement": [{
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"}
            }],
            "Version": "2012-10-17"
        },
        "ManagedPolicyArns": [(fmt_str!("arn:{}:iam::aws:policy/AmazonSageMakerFullAccess", Aws::partition()))]
    }));

    let image = fmt_str!(
        "763104351884.dkr.ecr.{}.{}/pytorch-inference:2.3.0-cpu-py311",
        stack.region(),
        stack.url_suffix()
    );
    // The GetAtt of the role's ARN already orders the model after the role.
    let model_scope = Construct::new(&stack, "Model");
    let model = CfnResource::new(&model_scope, "Resource", "AWS::SageMaker::Model")
        .with_properties(cfn!({
            "ExecutionRoleArn": (role.get_att("Arn")),
            "PrimaryContainer": {
                "Image": image,
                "ModelDataUrl": "s3://my-models/resnet/model.tar.gz"
            }
        }));

    let config = CfnResource::new(&stack, "EndpointConfig", "AWS::SageMaker::EndpointConfig")
        .with_properties(cfn!({
            "ProductionVariants": [{
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1,
                "InstanceType": "ml.m5.large",
                "ModelName": (model.get_att("ModelName")),
                "VariantName": "AllTraffic"
            }]
        }));
    let endpoint = CfnResource::new(&stack, "Endpoint", "AWS::SageMaker::Endpoint")
        .with_properties(cfn!({"EndpointConfigName": (config.get_att("EndpointConfigName"))}));

    let scaling = Construct::new(&endpoint, "Scaling");
    let target = CfnResource::new(&scaling, "Target", "AWS::ApplicationAutoScaling::ScalableTarget").with_properties(cfn!({
        "MaxCapacity": 4,
        "MinCapacity": 1,
        "ResourceId": (fmt_str!("endpoint/{}/variant/AllTraffic", endpoint.get_att("EndpointName"))),
        "RoleARN": (stack.format_arn(
            ArnComponents::new("iam", "role")
                .with_region("")
                .with_resource_name("aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"))),
        "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
        "ServiceNamespace": "sagemaker"
    }));
    let policy = Construct::new(&scaling, "OnInvocations");
    CfnResource::new(&policy, "Resource", "AWS::ApplicationAutoScaling::ScalingPolicy").with_properties(cfn!({
        "PolicyName": (policy.unique_id()),
        "PolicyType": "TargetTrackingScaling",
        "ScalingTargetId": (target.reference()),
        "TargetTrackingScalingPolicyConfiguration": {
            "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
            "TargetValue": 900
        }
    }));

    CfnOutput::new(&stack, "EndpointName", endpoint.get_att("EndpointName"))
        .with_description("Invoke this endpoint");
    Tags::of(&stack).add("project", "hello-endpoint");
    stack
}
