//! README sample "Single Container Model": one container whose image is built from a local
//! Dockerfile directory and whose model data is a local `model.tar.gz`, both published as
//! assets at deploy time.
//!
//! `cargo run -p sagecdk --example single_container_model`, or through the CLI:
//! `sagecdk synth --app "cargo run --quiet -p sagecdk --example single_container_model"`.

use sagecdk::prelude::*;
use sagecdk::sagemaker::{ContainerDefinition, ContainerImage, Model, ModelData, ModelProps};

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
    let stack = Stack::new(app, "SingleContainerModel", StackProps::default());

    let image = ContainerImage::from_asset(format!("{ASSETS}/model-image"));
    let model_data = ModelData::from_asset(format!("{ASSETS}/model.tar.gz"));

    Model::new(
        &stack,
        "PrimaryContainerModel",
        ModelProps::with_container(ContainerDefinition::new(image).with_model_data(model_data)),
    );
    stack
}
