//! README samples "Model Artifacts": model data from a local `model.tar.gz` ("Asset Model
//! Data", uploaded to the bootstrap bucket at deploy time) and from an object in a bucket of the
//! stack ("S3 Model Data"), each served by a model of its own. Every model's execution role gets
//! read access to its artifacts.
//!
//! `cargo run -p sagecdk --example model_data`.

use sagecdk::aws::s3::{Bucket, BucketProps};
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
    let stack = Stack::new(app, "ModelArtifacts", StackProps::default());
    let image = ContainerImage::from_asset(format!("{ASSETS}/model-image"));

    // Asset model data.
    let asset_data = ModelData::from_asset(format!("{ASSETS}/model.tar.gz"));

    // S3 model data.
    let bucket = Bucket::new(&stack, "MyBucket", BucketProps::default());
    let bucket_data = ModelData::from_bucket(&bucket, "path/to/artifact/file.tar.gz");

    for (id, model_data) in [
        ("AssetModelDataModel", asset_data),
        ("S3ModelDataModel", bucket_data),
    ] {
        Model::new(
            &stack,
            id,
            ModelProps::with_container(
                ContainerDefinition::new(image.clone()).with_model_data(model_data),
            ),
        );
    }
    stack
}
