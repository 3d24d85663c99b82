//! README sample "AutoScaling": the instance count of a production variant scales between its
//! initial count (1) and 3 instances, tracking invocations per instance so that each instance
//! sees at most half of the 30 requests per second it can serve (the default safety factor 0.5:
//! a target of 0.5 × 30 × 60 = 900 invocations per instance per minute).
//!
//! `cargo run -p sagecdk --example autoscaling`.

use sagecdk::prelude::*;

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
    let stack = Stack::new(app, "Autoscaling", StackProps::default());

    let model = Model::new(
        &stack,
        "Model",
        ModelProps::with_container(
            ContainerDefinition::new(ContainerImage::from_asset(format!("{ASSETS}/model-image")))
                .with_model_data(ModelData::from_asset(format!("{ASSETS}/model.tar.gz"))),
        ),
    );

    let variant_name = "my-variant";
    let endpoint_config = EndpointConfig::new(
        &stack,
        "EndpointConfig",
        EndpointConfigProps {
            instance_production_variants: vec![InstanceProductionVariantProps::new(
                &model,
                variant_name,
            )],
            ..EndpointConfigProps::default()
        },
    );
    let endpoint = Endpoint::new(&stack, "Endpoint", EndpointProps::new(&endpoint_config));

    // An unknown variant or invalid limits would be errors at the endpoint's path, reported
    // with all others by synthesis.
    let production_variant = endpoint.find_instance_production_variant(variant_name);
    let instance_count = production_variant.auto_scale_instance_count(EnableScalingProps::max(3));
    instance_count.scale_on_invocations("LimitRPS", InvocationsScalingProps::new(30.0));
    stack
}
