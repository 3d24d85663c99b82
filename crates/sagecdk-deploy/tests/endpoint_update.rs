//! An endpoint updated in place, end to end against the local AWS stand-in (moto): an
//! asynchronous endpoint with data capture, built with the SageMaker constructs, is deployed,
//! then its instance count changes and it is deployed again. Read back with the SageMaker API:
//! the endpoint keeps its name (updated, not replaced) and a new endpoint configuration holds
//! the new count.
//!
//! What the local stand-in does not do, and so is not read back: switching the endpoint to the
//! new configuration (its DescribeEndpoint keeps naming the first one after the update), the
//! update's traffic shifting (blue/green, rolling) and Application Auto Scaling. Those are
//! tested on the template (`sagecdk-sagemaker`'s `endpoint_update` and `async_and_capture`
//! tests).

use sagecdk_assembly::CloudAssembly;
use sagecdk_aws::s3::{Bucket, BucketProps};
use sagecdk_core::CfnOutput;
use sagecdk_deploy::{DeployOptions, deploy_stacks};
use sagecdk_sagemaker::*;
use serde_json::Value as Json;
use std::path::Path;

mod common;

use common::{bootstrapped_environment, moto_endpoint, moto_json, physical_name, synth_stack};

/// The app with `instances` instances behind the endpoint, synthesized into `work`.
fn synth(work: &Path, stack_name: &str, instances: u32) -> CloudAssembly {
    synth_stack(
        &work.join(format!("cdk.out.{instances}")),
        stack_name,
        |stack| {
            let results = Bucket::new(stack, "Results", BucketProps::default());
            let model = Model::new(
                stack,
                "Model",
                ModelProps::with_container(ContainerDefinition::new(ContainerImage::from_dlc(
                    "pytorch-inference",
                    "2.3.0-cpu-py311",
                ))),
            );
            let config = EndpointConfig::new(
                stack,
                "Config",
                EndpointConfigProps {
                    instance_production_variants: vec![
                        InstanceProductionVariantProps::new(&model, "AllTraffic")
                            .with_instance_count(instances),
                    ],
                    async_inference: Some(AsyncInferenceProps::new(S3Location::in_bucket(
                        &results, "outputs",
                    ))),
                    data_capture: Some(DataCaptureProps::new(S3Location::in_bucket(
                        &results, "capture",
                    ))),
                    ..EndpointConfigProps::default()
                },
            );
            let endpoint = Endpoint::new(stack, "Endpoint", EndpointProps::new(&config));
            CfnOutput::new(stack, "EndpointName", endpoint.endpoint_name());
        },
    )
}

/// A SageMaker `Describe…` answer from the local stand-in.
fn describe(endpoint: &str, what: &str, key: &str, name: &str) -> Json {
    let (status, text) = moto_json(
        endpoint,
        &format!("SageMaker.Describe{what}"),
        "sagemaker",
        &format!("{{\"{key}\":\"{name}\"}}"),
    );
    assert_eq!(status, 200, "Describe{what} {name}: {text}");
    serde_json::from_str(&text).expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_configuration_updates_the_endpoint_in_place() {
    let endpoint = moto_endpoint();
    let env = bootstrapped_environment().await;
    let work = tempfile::tempdir().expect("tmp");
    let stack_name = format!("SageCdkEndpointUpdate{}", std::process::id());
    let options = DeployOptions::default();

    let first = synth(work.path(), &stack_name, 1);
    deploy_stacks(&first, &first.stacks().expect("stacks"), &options)
        .await
        .expect("first deploy");
    let name = physical_name(&env, &stack_name, "AWS::SageMaker::Endpoint").await;
    let before = describe(&endpoint, "Endpoint", "EndpointName", &name);
    let first_config = before["EndpointConfigName"]
        .as_str()
        .expect("configuration name")
        .to_string();
    let config = describe(
        &endpoint,
        "EndpointConfig",
        "EndpointConfigName",
        &first_config,
    );
    assert_eq!(config["ProductionVariants"][0]["InitialInstanceCount"], 1);

    let second = synth(work.path(), &stack_name, 2);
    deploy_stacks(&second, &second.stacks().expect("stacks"), &options)
        .await
        .expect("update deploy");
    // The same endpoint, by the same name (updated in place, not replaced), and a new
    // configuration with two instances, the asynchronous inference and the data capture.
    assert_eq!(
        physical_name(&env, &stack_name, "AWS::SageMaker::Endpoint").await,
        name
    );
    let second_config = physical_name(&env, &stack_name, "AWS::SageMaker::EndpointConfig").await;
    assert_ne!(second_config, first_config, "a new configuration");
    // The local stand-in updates the endpoint resource without switching it to the new
    // configuration (its DescribeEndpoint still names the first one), so where the endpoint
    // points is not read back here; CloudFormation's update calls UpdateEndpoint with the new
    // configuration name the template gives it.
    describe(&endpoint, "Endpoint", "EndpointName", &name);
    let config = describe(
        &endpoint,
        "EndpointConfig",
        "EndpointConfigName",
        &second_config,
    );
    assert_eq!(config["DataCaptureConfig"]["InitialSamplingPercentage"], 20);
    assert_eq!(config["ProductionVariants"][0]["InitialInstanceCount"], 2);
}
