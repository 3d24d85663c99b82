//! README sample "Network Isolation": a model whose containers can make no outbound network
//! calls (`EnableNetworkIsolation`); SageMaker still downloads the model data for them.
//!
//! `cargo run -p sagecdk --example network_isolation`.

use sagecdk::aws::ecr::Repository;
use sagecdk::aws::s3::Bucket;
use sagecdk::prelude::*;
use sagecdk::sagemaker::{ContainerDefinition, ContainerImage, Model, ModelData, ModelProps};

fn main() {
    let app = App::new();
    build(&app);
    app.synth_or_exit();
}

/// Defines the stack in `app` (shared with the snapshot tests).
pub(crate) fn build(app: &App) -> Stack {
    let stack = Stack::new(app, "NetworkIsolation", StackProps::default());

    let repository = Repository::from_repository_name(&stack, "Repository", "repo");
    let image = ContainerImage::from_ecr_repository_tag(&repository, "tag");
    let artifacts = Bucket::from_bucket_name(&stack, "Artifacts", "my-ml-artifacts");
    let model_data = ModelData::from_bucket(&artifacts, "path/to/artifact/file.tar.gz");

    Model::new(
        &stack,
        "ContainerModel",
        ModelProps {
            containers: vec![ContainerDefinition::new(image).with_model_data(model_data)],
            network_isolation: true,
            ..ModelProps::default()
        },
    );
    stack
}
