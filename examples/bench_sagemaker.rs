//! The app of the synthesis benchmark (`scripts/bench-synth`): 40 stacks × 50 SageMaker
//! endpoints, each a model from a deep learning container image with its execution role, an
//! endpoint configuration with one instance variant, and the endpoint. The script synthesizes
//! the same app with the AWS CDK and checks the templates are byte-identical, so the CDK's
//! defaults are on (`@sagecdk/sagemaker:cdkCompatibleDefaults`).
//!
//! `SAGECDK_BENCH_STACKS` and `SAGECDK_BENCH_ENDPOINTS` change the sizes (the script passes the
//! same values to both apps).
//!
//! `cargo run --release -p sagecdk --example bench_sagemaker` (or through `sagecdk synth --app …`).

use sagecdk::prelude::*;
use sagecdk::sagemaker::CDK_COMPATIBLE_DEFAULTS;

fn count(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let stacks = count("SAGECDK_BENCH_STACKS", 40);
    let endpoints = count("SAGECDK_BENCH_ENDPOINTS", 50);
    let app = App::with_props(AppProps {
        context: [(CDK_COMPATIBLE_DEFAULTS.to_string(), true.into())].into(),
        ..AppProps::default()
    });
    for s in 0..stacks {
        build(&app, &format!("Inference{s}"), endpoints);
    }
    app.synth_or_exit();
}

/// One stack named `name` with `endpoints` endpoints.
fn build(app: &App, name: &str, endpoints: usize) -> Stack {
    let stack = Stack::new(
        app,
        name,
        StackProps::default().with_env(Environment::new("123456789012", "us-west-2")),
    );
    let image = ContainerImage::from_dlc("pytorch-inference", "2.3.0-cpu-py311");
    for e in 0..endpoints {
        let model = Model::new(
            &stack,
            &format!("Model{e}"),
            ModelProps::with_container(ContainerDefinition::new(image.clone())),
        );
        let config = EndpointConfig::new(
            &stack,
            &format!("Config{e}"),
            EndpointConfigProps {
                instance_production_variants: vec![
                    InstanceProductionVariantProps::new(&model, "AllTraffic")
                        .with_instance_type(InstanceType::M5_LARGE),
                ],
                ..EndpointConfigProps::default()
            },
        );
        Endpoint::new(&stack, &format!("Endpoint{e}"), EndpointProps::new(&config));
    }
    stack
}
