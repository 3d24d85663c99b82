//! ModelBuilder deployment sample "multi-model" as a stack: one container serving every
//! `.tar.gz` model under an S3 prefix (loaded on first invocation, cached), behind an
//! endpoint; clients name the model with `TargetModel`.
//!
//! `cargo run -p sagecdk --example multi_model_endpoint`.

use sagecdk::prelude::*;

fn main() {
    let app = App::new();
    build(&app);
    app.synth_or_exit();
}

/// Defines the stack in `app` (shared with the snapshot tests).
pub(crate) fn build(app: &App) -> Stack {
    let stack = Stack::new(app, "MultiModelEndpoint", StackProps::default());
    let models = Bucket::from_bucket_name(&stack, "Models", "tenant-models");
    let model = Model::new(
        &stack,
        "Model",
        ModelProps::with_container(
            ContainerDefinition::new(ContainerImage::from_dlc(
                "pytorch-inference",
                "2.3.0-cpu-py311",
            ))
            .with_multi_model(ModelData::from_multi_model_prefix(&models, "tenants/")),
        ),
    );
    let config = EndpointConfig::new(
        &stack,
        "Config",
        EndpointConfigProps {
            instance_production_variants: vec![
                InstanceProductionVariantProps::new(&model, "AllTraffic")
                    .with_instance_type(InstanceType::M5_XLARGE),
            ],
            ..EndpointConfigProps::default()
        },
    );
    let endpoint = Endpoint::new(&stack, "Endpoint", EndpointProps::new(&config));
    CfnOutput::new(&stack, "EndpointName", endpoint.endpoint_name());
    stack
}
