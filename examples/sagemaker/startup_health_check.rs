//! README sample "Container Startup Health Check Timeout": a production variant whose
//! container gets five minutes (60 s to 1 h allowed) to pass its first health check, for models
//! that take long to load.
//!
//! `cargo run -p sagecdk --example startup_health_check`.

use sagecdk::prelude::*;
use sagecdk::sagemaker::{
    ContainerDefinition, ContainerImage, EndpointConfig, EndpointConfigProps,
    InstanceProductionVariantProps, Model, ModelData, ModelProps,
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
    let stack = Stack::new(app, "StartupHealthCheck", StackProps::default());

    let model = Model::new(
        &stack,
        "Model",
        ModelProps::with_container(
            ContainerDefinition::new(ContainerImage::from_asset(format!("{ASSETS}/model-image")))
                .with_model_data(ModelData::from_asset(format!("{ASSETS}/model.tar.gz"))),
        ),
    );

    EndpointConfig::new(
        &stack,
        "EndpointConfig",
        EndpointConfigProps {
            instance_production_variants: vec![InstanceProductionVariantProps {
                container_startup_health_check_timeout: Some(Duration::from_secs(5 * 60)),
                ..InstanceProductionVariantProps::new(&model, "my-variant")
            }],
            ..EndpointConfigProps::default()
        },
    );
    stack
}
