//! ModelBuilder deployment sample "asynchronous inference" (`AsyncInferenceConfig`), as a stack:
//! requests are queued and results written to a bucket of the app, successes and failures are
//! announced on topics, a fifth of the invocations is captured for monitoring, and the endpoint
//! scales with its queue — down to zero instances when the queue is empty.
//!
//! Its update (`update_endpoint=True` with a new output path) is the same program deployed
//! with another output prefix: `sagecdk deploy -c outputPrefix=update_output_prefix`. The
//! configuration is replaced and the endpoint moves to it in place, keeping its name.
//!
//! `cargo run -p sagecdk --example async_endpoint`.

use sagecdk::prelude::*;

fn main() {
    let app = App::new();
    build(&app);
    app.synth_or_exit();
}

/// Defines the stack in `app` (shared with the snapshot tests).
pub(crate) fn build(app: &App) -> Stack {
    let stack = Stack::new(app, "AsyncEndpoint", StackProps::default());
    let output_prefix = stack
        .node()
        .try_get_context("outputPrefix")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "outputs".to_string());
    let results = Bucket::new(&stack, "Results", BucketProps::default());
    let done = Topic::new(&stack, "Done", TopicProps::default());
    let failed = Topic::new(&stack, "Failed", TopicProps::default());

    let model = Model::new(
        &stack,
        "Model",
        ModelProps::with_container(ContainerDefinition::new(ContainerImage::from_dlc(
            "pytorch-inference",
            "2.3.0-cpu-py311",
        ))),
    );
    let config = EndpointConfig::new(
        &stack,
        "Config",
        EndpointConfigProps {
            instance_production_variants: vec![
                InstanceProductionVariantProps::new(&model, "AllTraffic")
                    .with_instance_type(InstanceType::M5_XLARGE),
            ],
            async_inference: Some(
                AsyncInferenceProps::new(S3Location::in_bucket(&results, output_prefix))
                    .with_failure(S3Location::in_bucket(&results, "failures"))
                    .with_success_topic(&done)
                    .with_error_topic(&failed)
                    .with_max_concurrent_invocations_per_instance(4),
            ),
            data_capture: Some(DataCaptureProps::new(S3Location::in_bucket(
                &results, "capture",
            ))),
            ..EndpointConfigProps::default()
        },
    );
    let endpoint = Endpoint::new(&stack, "Endpoint", EndpointProps::new(&config));
    endpoint
        .find_instance_production_variant("AllTraffic")
        .auto_scale_instance_count(EnableScalingProps::max(4).with_min(0))
        .scale_on_backlog("Backlog", BacklogScalingProps::new(5.0));

    CfnOutput::new(&stack, "EndpointName", endpoint.endpoint_name());
    CfnOutput::new(&stack, "ResultsBucket", results.bucket_name());
    stack
}
