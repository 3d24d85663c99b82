//! README sample "Endpoint Configuration": two production variants, model A with traffic
//! weight 2 and model B with weight 1, so SageMaker sends two thirds of the requests to A and
//! one third to B — here the scoring model's current version (a local tarball) against a new
//! version stored in S3.
//!
//! `cargo run -p sagecdk --example weighted_variants`.

use sagecdk::aws::s3::Bucket;
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
    let stack = Stack::new(app, "WeightedVariants", StackProps::default());

    let image = ContainerImage::from_asset(format!("{ASSETS}/model-image"));
    let model_a = Model::new(
        &stack,
        "ModelA",
        ModelProps::with_container(
            ContainerDefinition::new(image.clone())
                .with_model_data(ModelData::from_asset(format!("{ASSETS}/model.tar.gz"))),
        ),
    );
    let artifacts = Bucket::from_bucket_name(&stack, "Artifacts", "my-ml-artifacts");
    let model_b = Model::new(
        &stack,
        "ModelB",
        ModelProps::with_container(
            ContainerDefinition::new(image)
                .with_model_data(ModelData::from_bucket(&artifacts, "scorer/v2/model.tar.gz")),
        ),
    );

    EndpointConfig::new(
        &stack,
        "EndpointConfig",
        EndpointConfigProps {
            instance_production_variants: vec![
                InstanceProductionVariantProps::new(&model_a, "modelA").with_weight(2.0),
                InstanceProductionVariantProps::new(&model_b, "variantB").with_weight(1.0),
            ],
            ..EndpointConfigProps::default()
        },
    );
    stack
}
