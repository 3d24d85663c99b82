//! The seed's XGBoost example, served by Rust: the classifier the xgboost Python package
//! trained (`xgboost-model`) behind a real-time endpoint whose container is the
//! `xgboost-server` program of `examples/serving/` — an `InferenceSpec` built with cargo into
//! a 5 MB image on `scratch` at synthesis, instead of the XGBoost framework image.
//!
//! ```text
//! python examples/serving/xgboost-server/train.py target/xgboost-model
//! sagecdk local invoke XgboostRust/Model --data rows.csv --content-type text/csv
//! sagecdk deploy XgboostRust
//! ```
//!
//! The model directory is `-c modelDir=DIR` (default `target/xgboost-model`).

use sagecdk::prelude::*;
use sagecdk::sagemaker::PackageOptions;

fn main() {
    let app = App::new();
    let model_dir = app
        .node()
        .try_get_context("modelDir")
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_else(|| "target/xgboost-model".to_string());
    build(&app, &model_dir);
    app.synth_or_exit();
}

/// The serving program's crate.
const SERVER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/serving/xgboost-server"
);

/// Defines the stack in `app`, its model data from `model_dir` (shared with the snapshot
/// tests).
pub(crate) fn build(app: &App, model_dir: &str) -> Stack {
    let stack = Stack::new(app, "XgboostRust", StackProps::default());
    let model = Model::new(
        &stack,
        "Model",
        ModelProps::with_container(
            ContainerDefinition::new(ContainerImage::from_inference_spec(
                SERVER,
                "xgboost-server",
            ))
            .with_model_data(ModelData::from_directory(
                model_dir,
                PackageOptions::default(),
            )),
        ),
    );
    let config = EndpointConfig::new(
        &stack,
        "Config",
        EndpointConfigProps {
            instance_production_variants: vec![
                InstanceProductionVariantProps::new(&model, "AllTraffic")
                    .with_instance_type(InstanceType::M5_LARGE),
            ],
            ..EndpointConfigProps::default()
        },
    );
    let endpoint = Endpoint::new(&stack, "Endpoint", EndpointProps::new(&config));
    CfnOutput::new(&stack, "EndpointName", endpoint.endpoint_name());
    stack
}
