//! ModelBuilder's ModelTrainer handshake (`ModelBuilder(model=model_trainer)`) as two stacks:
//! `TrainXgboost` trains XGBoost on the CSV data under `train/` and `validation/` (a
//! `TrainingJob`, run by its state machine); `ServeXgboost` deploys what the newest completed
//! job trained — its artifacts and the inference image matching its training image, both looked
//! up from the job — behind a real-time endpoint, and batch-transforms the data under
//! `batch/input/` of its own bucket with it whenever new objects arrive there.
//!
//! ```text
//! sagecdk deploy TrainXgboost                       # the data bucket and the training job
//! sagecdk run TrainXgboost/Train --wait             # one training run, followed to the end
//! sagecdk deploy -c serve=true ServeXgboost         # looks the newest job up, deploys it
//! sagecdk run ServeXgboost/Batch --wait             # a batch transform with the trained model
//! ```
//!
//! The lookups need the stacks' account and region: `CDK_DEFAULT_ACCOUNT` and the region of
//! the credentials (or `CDK_DEFAULT_REGION`). The serving stack is only defined with `-c
//! serve=true`: before a job has completed there is nothing to look up.

use sagecdk::prelude::*;
use sagecdk::sagemaker::{JobTrigger, SplitType};

fn main() {
    let app = App::new();
    let serve = app
        .node()
        .try_get_context("serve")
        .is_some_and(|v| v == "true" || v == true);
    build(&app, Environment::from_cli_defaults(), serve);
    app.synth_or_exit();
}

/// Defines the training stack, and with `serve` the serving stack, in `app` (shared with the
/// snapshot tests).
pub(crate) fn build(app: &App, env: Environment, serve: bool) -> Vec<Stack> {
    let training = Stack::new(
        app,
        "TrainXgboost",
        StackProps::default().with_env(env.clone()),
    );
    let data = Bucket::new(
        &training,
        "Data",
        BucketProps {
            event_bridge_enabled: true,
            ..BucketProps::default()
        },
    );
    let image = ContainerImage::from_framework(
        ImageQuery::new("xgboost")
            .with_version("1.7-1")
            .with_scope(ImageScope::Training),
    );
    let mut props = TrainingJobProps::new(
        image,
        vec![
            TrainingChannel::new("train", S3Location::in_bucket(&data, "train"))
                .with_content_type("text/csv"),
            TrainingChannel::new("validation", S3Location::in_bucket(&data, "validation"))
                .with_content_type("text/csv"),
        ],
        S3Location::in_bucket(&data, "models"),
    )
    .with_hyperparameter("objective", "reg:squarederror")
    .with_hyperparameter("num_round", "100")
    .with_hyperparameter("max_depth", "5");
    props.instance_type = Some(InstanceType::M5_XLARGE);
    props.max_runtime = Some(Duration::from_secs(2 * 3600));
    let train = TrainingJob::new(&training, "Train", props);
    CfnOutput::new(&training, "TrainStateMachineArn", train.state_machine_arn());
    let mut stacks = vec![training];
    if !serve {
        return stacks;
    }

    let serving = Stack::new(app, "ServeXgboost", StackProps::default().with_env(env));
    let data = Bucket::new(
        &serving,
        "BatchData",
        BucketProps {
            event_bridge_enabled: true,
            ..BucketProps::default()
        },
    );
    let trained = train.job_name_prefix();
    let model = Model::new(
        &serving,
        "Model",
        ModelProps::with_container(
            ContainerDefinition::new(ContainerImage::from_latest_training_job(trained))
                .with_model_data(ModelData::from_latest_training_job(trained)),
        ),
    );
    let config = EndpointConfig::new(
        &serving,
        "Config",
        EndpointConfigProps {
            instance_production_variants: vec![
                InstanceProductionVariantProps::new(&model, "AllTraffic")
                    .with_instance_type(InstanceType::M5_LARGE),
            ],
            ..EndpointConfigProps::default()
        },
    );
    let endpoint = Endpoint::new(&serving, "Endpoint", EndpointProps::new(&config));
    CfnOutput::new(&serving, "EndpointName", endpoint.endpoint_name());
    let input = S3Location::in_bucket(&data, "batch/input");
    let mut batch = BatchTransformProps::new(
        &model,
        input.clone(),
        S3Location::in_bucket(&data, "batch/output"),
    )
    .with_trigger(JobTrigger::new_objects(input));
    batch.content_type = Some("text/csv".into());
    batch.split_type = Some(SplitType::Line);
    let batch = BatchTransform::new(&serving, "Batch", batch);
    CfnOutput::new(&serving, "BatchStateMachineArn", batch.state_machine_arn());
    stacks.push(serving);
    stacks
}
