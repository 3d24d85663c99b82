//! README sample "Metrics": a CloudWatch alarm on a production variant's model latency,
//! raised when the average latency reaches 100,000 µs (0.1 s) in 3 consecutive 5-minute periods.
//!
//! `cargo run -p sagecdk --example metrics_alarm`.

use sagecdk::aws::cloudwatch::AlarmProps;
use sagecdk::prelude::*;
use sagecdk::sagemaker::{
    ContainerDefinition, ContainerImage, Endpoint, EndpointConfig, EndpointConfigProps,
    EndpointProps, InstanceProductionVariantProps, Model, ModelData, ModelProps,
};

/// The Dockerfile directory (a small scoring server) and the model tarball it serves, located
/// from the crate so the program runs from any directory.
const ASSETS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/sagemaker/assets"
);

fn main() {
    let app = App::new();
    build(&app);
    app.synth_or_exit();
}

/// Defines the stack in `app` (shared with the snapshot tests).
pub(crate) fn build(app: &App) -> Stack {
    let stack = Stack::new(app, "EndpointMetrics", StackProps::default());

    let model = Model::new(
        &stack,
        "Model",
        ModelProps::with_container(
            ContainerDefinition::new(ContainerImage::from_asset(format!("{ASSETS}/model-image")))
                .with_model_data(ModelData::from_asset(format!("{ASSETS}/model.tar.gz"))),
        ),
    );
    let endpoint_config = EndpointConfig::new(
        &stack,
        "EndpointConfig",
        EndpointConfigProps {
            instance_production_variants: vec![InstanceProductionVariantProps::new(
                &model,
                "my-variant",
            )],
            ..EndpointConfigProps::default()
        },
    );

    let endpoint = Endpoint::new(&stack, "Endpoint", EndpointProps::new(&endpoint_config));
    // An unknown variant name would be an error at the endpoint's path, reported by synthesis.
    let production_variant = endpoint.find_instance_production_variant("my-variant");
    production_variant.metric_model_latency().create_alarm(
        &stack,
        "ModelLatencyAlarm",
        AlarmProps::new(100_000.0, 3),
    );
    stack
}
