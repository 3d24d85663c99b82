//! ModelBuilder deployment sample "batch" (`BatchTransformInferenceConfig`), as a stack: the
//! model's batch transform of the test data (one `ml.m5.large`, results under
//! `batch_inference/output`), run by a state machine — start an execution, or let the nightly
//! schedule do it. CloudFormation has no transform-job resource; Step Functions' SageMaker
//! integration runs and follows each job.
//!
//! `cargo run -p sagecdk --example batch_transform`.

use sagecdk::prelude::*;
use sagecdk::sagemaker::SplitType;

fn main() {
    let app = App::new();
    build(&app);
    app.synth_or_exit();
}

/// Defines the stack in `app` (shared with the snapshot tests).
pub(crate) fn build(app: &App) -> Stack {
    let stack = Stack::new(app, "BatchTransform", StackProps::default());
    let data = Bucket::new(&stack, "Data", BucketProps::default());
    let model = Model::new(
        &stack,
        "Model",
        ModelProps::with_container(ContainerDefinition::new(ContainerImage::from_framework(
            ImageQuery::new("xgboost").with_version("1.7-1"),
        ))),
    );
    let mut props = BatchTransformProps::new(
        &model,
        S3Location::in_bucket(&data, "batch_inference/input"),
        S3Location::in_bucket(&data, "batch_inference/output"),
    );
    props.content_type = Some("text/csv".into());
    props.split_type = Some(SplitType::Line);
    props.instance_type = Some(InstanceType::M5_LARGE);
    props.instance_count = Some(1);
    props
        .triggers
        .push(JobTrigger::schedule("cron(0 3 * * ? *)"));
    let job = BatchTransform::new(&stack, "Batch", props);
    CfnOutput::new(&stack, "StateMachineArn", job.state_machine_arn());
    stack
}
