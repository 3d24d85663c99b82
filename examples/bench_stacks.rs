//! Ten independent SageMaker stacks (execution role, model, endpoint configuration, endpoint),
//! without assets to build: the multi-stack app of the deploy benchmark (`scripts/bench-deploy`).
//! `SAGECDK_BENCH_STACKS` changes the number of stacks.
//!
//! `cargo run -p sagecdk --example bench_stacks` (or through `sagecdk synth --app …`).

use sagecdk::prelude::*;

fn main() {
    let count: usize = std::env::var("SAGECDK_BENCH_STACKS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    let app = App::new();
    for i in 1..=count {
        build(&app, &format!("BenchEndpoint{i:02}"));
    }
    app.synth_or_exit();
}

/// One stack named `name`.
fn build(app: &App, name: &str) -> Stack {
    let stack = Stack::new(
        app,
        name,
        StackProps::default().with_env(Environment::new("123456789012", "us-west-2")),
    );
    let role = CfnResource::new(&stack, "Role", "AWS::IAM::Role").with_properties(cfn!({
        "AssumeRolePolicyDocument": {
            "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                           "Principal": {"Service": "sagemaker.amazonaws.com"}}],
            "Version": "2012-10-17"
        }
    }));
    let model = CfnResource::new(&stack, "Model", "AWS::SageMaker::Model").with_properties(cfn!({
        "ExecutionRoleArn": (role.get_att("Arn")),
        "PrimaryContainer": {
            "Image": (fmt_str!("763104351884.dkr.ecr.{}.{}/pytorch-inference:2.3.0-cpu-py311",
                               stack.region(), stack.url_suffix())),
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
    CfnOutput::new(&stack, "EndpointName", endpoint.get_att("EndpointName"));
    stack
}
