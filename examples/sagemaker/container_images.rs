//! README samples "Container Images": an image built from a local Dockerfile directory
//! ("Asset Image"), an image in an existing ECR repository ("ECR Image") and an AWS deep
//! learning container ("DLC Image"), each used by a model of its own. Every model's execution
//! role gets pull access to its image's repository.
//!
//! `cargo run -p sagecdk --example container_images`.

use sagecdk::aws::ecr::Repository;
use sagecdk::prelude::*;
use sagecdk::sagemaker::{ContainerDefinition, ContainerImage, Model, ModelProps};

/// The Dockerfile directory, located from the crate so the program runs from any directory.
const MODEL_IMAGE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/sagemaker/assets/model-image"
);

fn main() {
    let app = App::new();
    build(&app);
    app.synth_or_exit();
}

/// Defines the stack in `app` (shared with the snapshot tests).
pub(crate) fn build(app: &App) -> Stack {
    let stack = Stack::new(app, "ContainerImages", StackProps::default());

    // Asset image: built and pushed to the bootstrap ECR repository at deploy time.
    let asset_image = ContainerImage::from_asset(MODEL_IMAGE);

    // ECR image: a tag of an existing repository in the stack's account and region.
    let repository = Repository::from_repository_name(&stack, "Repository", "repo");
    let ecr_image = ContainerImage::from_ecr_repository_tag(&repository, "tag");

    // DLC image: the registry account is looked up by region when the stack is deployed.
    let repository_name = "huggingface-pytorch-training";
    let tag = "1.13.1-transformers4.26.0-gpu-py39-cu117-ubuntu20.04";
    let dlc_image = ContainerImage::from_dlc(repository_name, tag);

    for (id, image) in [
        ("AssetImageModel", asset_image),
        ("EcrImageModel", ecr_image),
        ("DlcImageModel", dlc_image),
    ] {
        Model::new(
            &stack,
            id,
            ModelProps::with_container(ContainerDefinition::new(image)),
        );
    }
    stack
}
