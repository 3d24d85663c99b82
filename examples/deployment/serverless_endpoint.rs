//! ModelBuilder deployment sample "serverless" (`ServerlessInferenceConfig`), as a stack: a
//! serverless endpoint with provisioned concurrency scaled on its utilization. Its update
//! (`update_endpoint=True` with a new `ServerlessInferenceConfig`) is the same program deployed
//! with other settings, such as `sagecdk deploy -c memorySizeMb=6144`: the configuration is
//! replaced and the endpoint moves to it in place, keeping its name.
//!
//! `cargo run -p sagecdk --example serverless_endpoint`.

use sagecdk::prelude::*;

fn main() {
    let app = App::new();
    build(&app);
    app.synth_or_exit();
}

/// Defines the stack in `app` (shared with the snapshot tests).
pub(crate) fn build(app: &App) -> Stack {
    let stack = Stack::new(app, "ServerlessEndpoint", StackProps::default());
    let model = Model::new(
        &stack,
        "Model",
        ModelProps::with_container(ContainerDefinition::new(ContainerImage::from_dlc(
            "pytorch-inference",
            "2.3.0-cpu-py311",
        ))),
    );
    let memory_mb = stack
        .node()
        .try_get_context("memorySizeMb")
        .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
        .map_or(4096, |m| u32::try_from(m).unwrap_or(u32::MAX));
    let mut variant = ServerlessProductionVariantProps::new(&model, "AllTraffic", memory_mb, 20);
    variant.provisioned_concurrency = Some(2);
    let config = EndpointConfig::new(
        &stack,
        "Config",
        EndpointConfigProps {
            serverless_production_variant: Some(variant),
            ..EndpointConfigProps::default()
        },
    );
    let endpoint = Endpoint::new(&stack, "Endpoint", EndpointProps::new(&config));
    endpoint
        .auto_scale_provisioned_concurrency(EnableScalingProps::max(10).with_min(2))
        .scale_on_provisioned_concurrency_utilization("Utilization", 0.7);
    CfnOutput::new(&stack, "EndpointName", endpoint.endpoint_name());
    stack
}
