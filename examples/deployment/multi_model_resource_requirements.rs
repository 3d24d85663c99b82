//! ModelBuilder deployment sample "multi-model" (`ResourceRequirements` and
//! `modelbuilder_list`), as a stack: two models on one CPU endpoint, each an inference
//! component reserving half a core and its memory per copy — the XGBoost model with two copies
//! as in the sample — updated copy by copy and rolled back if its 5xx alarm fires.
//!
//! `cargo run -p sagecdk --example multi_model_resource_requirements`.

use sagecdk::prelude::*;

fn main() {
    let app = App::new();
    build(&app);
    app.synth_or_exit();
}

/// Defines the stack in `app` (shared with the snapshot tests).
pub(crate) fn build(app: &App) -> Stack {
    let stack = Stack::new(app, "MultiModelResourceRequirements", StackProps::default());
    let artifacts = Bucket::from_bucket_name(&stack, "Artifacts", "ml-artifacts");
    let image = ContainerImage::from_dlc("pytorch-inference", "2.3.0-cpu-py311");
    let model = |id: &str, key: &str| {
        Model::new(
            &stack,
            id,
            ModelProps::with_container(
                ContainerDefinition::new(image.clone())
                    .with_model_data(ModelData::from_bucket(&artifacts, key)),
            ),
        )
    };
    let xgboost = model("Xgboost", "xgboost/model.tar.gz");
    let sklearn = model("Sklearn", "sklearn/model.tar.gz");

    let hosting = EndpointConfig::for_inference_components(
        &stack,
        "Hosting",
        ComponentHostingProps::new(vec![
            ComponentHostVariantProps::new("AllTraffic", InstanceType::C5_XLARGE)
                .with_instance_count(1),
        ]),
    );
    let endpoint = Endpoint::new(
        &stack,
        "Endpoint",
        EndpointProps::new(&hosting).with_name("my-xgboost-multi-model"),
    );
    let errors = Metric::new("AWS/SageMaker", "Invocation5XXErrors", "Sum")
        .with_dimension("EndpointName", "my-xgboost-multi-model");
    let alarm = Alarm::new(&stack, "Errors", &errors, AlarmProps::new(5.0, 1));
    // requests={"num_cpus": 0.5, "memory": 512, "copies": 2}
    InferenceComponent::new(
        &stack,
        "XgboostComponent",
        InferenceComponentProps::new(
            &endpoint,
            "AllTraffic",
            &xgboost,
            ComputeRequirements::memory(512).with_cpu_cores(0.5),
        )
        .with_copy_count(2)
        .with_update(
            ComponentRollingUpdate::new(CopyBatchSize::Copies(1), Duration::from_secs(60))
                .with_rollback_alarm(&alarm),
        ),
    );
    InferenceComponent::new(
        &stack,
        "SklearnComponent",
        InferenceComponentProps::new(
            &endpoint,
            "AllTraffic",
            &sklearn,
            ComputeRequirements::memory(1024).with_cpu_cores(0.5),
        ),
    );
    CfnOutput::new(&stack, "EndpointName", endpoint.endpoint_name());
    stack
}
