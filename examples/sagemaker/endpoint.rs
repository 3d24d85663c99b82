//! README sample "Endpoint": a real-time endpoint deployed from an endpoint configuration;
//! clients call it through the SageMaker Runtime `InvokeEndpoint` API with the name in the
//! stack's output.
//!
//! `cargo run -p sagecdk --example endpoint`.

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
    let stack = Stack::new(app, "RealTimeEndpoint", StackProps::default());

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
                "AllTraffic",
            )],
            ..EndpointConfigProps::default()
        },
    );

    let endpoint = Endpoint::new(&stack, "Endpoint", EndpointProps::new(&endpoint_config));
    CfnOutput::new(&stack, "EndpointName", endpoint.endpoint_name())
        .with_description("The endpoint to invoke");
    stack
}
