//! README sample "Inference Pipeline Model": a model of three containers that SageMaker runs
//! in sequence for each request (here: feature preprocessing, a PyTorch classifier from an AWS
//! deep learning container, and postprocessing), each with its own model artifacts in S3.
//!
//! `cargo run -p sagecdk --example inference_pipeline`.

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
    let stack = Stack::new(app, "InferencePipeline", StackProps::default());

    let artifacts = Bucket::from_bucket_name(&stack, "Artifacts", "my-ml-artifacts");
    let preprocessing = Repository::from_repository_name(&stack, "Preprocessing", "preprocessing");
    let postprocessing =
        Repository::from_repository_name(&stack, "Postprocessing", "postprocessing");

    let image1 = ContainerImage::from_ecr_repository_tag(&preprocessing, "1.0");
    let model_data1 = ModelData::from_bucket(&artifacts, "preprocessing/model.tar.gz");
    let image2 = ContainerImage::from_dlc("pytorch-inference", "2.3.0-cpu-py311");
    let model_data2 = ModelData::from_bucket(&artifacts, "classifier/model.tar.gz");
    let image3 = ContainerImage::from_ecr_repository_tag(&postprocessing, "1.0");
    let model_data3 = ModelData::from_bucket(&artifacts, "postprocessing/model.tar.gz");

    Model::new(
        &stack,
        "InferencePipelineModel",
        ModelProps::with_containers(vec![
            ContainerDefinition::new(image1).with_model_data(model_data1),
            ContainerDefinition::new(image2).with_model_data(model_data2),
            ContainerDefinition::new(image3).with_model_data(model_data3),
        ]),
    );
    stack
}
