//! ModelBuilder deployment samples "real-time endpoint" and its update (`deploy()` and
//! `deploy(update_endpoint=True)`), as a stack: a model behind an endpoint that, when the model
//! or its configuration changes, is updated in place — a blue/green canary of 10% for ten
//! minutes, rolled back if the 5xx alarm fires.
//!
//! `cargo run -p sagecdk --example realtime_endpoint`.

use sagecdk::prelude::*;
use sagecdk::sagemaker::{BlueGreenUpdate, CapacitySize, EndpointUpdate, TrafficRouting};

fn main() {
    let app = App::new();
    build(&app);
    app.synth_or_exit();
}

/// Defines the stack in `app` (shared with the snapshot tests).
pub(crate) fn build(app: &App) -> Stack {
    let stack = Stack::new(app, "RealTimeEndpointUpdate", StackProps::default());
    let model = Model::new(
        &stack,
        "Model",
        ModelProps::with_container(ContainerDefinition::new(ContainerImage::from_dlc(
            "pytorch-inference",
            "2.3.0-cpu-py311",
        ))),
    );
    let config = EndpointConfig::new(
        &stack,
        "Config",
        EndpointConfigProps {
            instance_production_variants: vec![
                InstanceProductionVariantProps::new(&model, "AllTraffic")
                    .with_instance_type(InstanceType::M5_XLARGE)
                    .with_instance_count(2),
            ],
            ..EndpointConfigProps::default()
        },
    );
    // The alarm watches the endpoint's errors by its name, which exists before the endpoint.
    let errors = Metric::new("AWS/SageMaker", "Invocation5XXErrors", "Sum")
        .with_dimension("EndpointName", "realtime-ranker")
        .with_dimension("VariantName", "AllTraffic");
    let alarm = Alarm::new(&stack, "Errors", &errors, AlarmProps::new(5.0, 1));
    let mut canary = BlueGreenUpdate::new(TrafficRouting::Canary {
        size: CapacitySize::Percent(10),
        wait: Duration::from_secs(600),
    });
    canary.termination_wait = Some(Duration::from_secs(300));
    let endpoint = Endpoint::new(
        &stack,
        "Endpoint",
        EndpointProps::new(&config)
            .with_name("realtime-ranker")
            .with_update(EndpointUpdate::blue_green(canary).with_rollback_alarm(&alarm)),
    );
    CfnOutput::new(&stack, "EndpointName", endpoint.endpoint_name());
    stack
}
