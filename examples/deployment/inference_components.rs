//! Inference components with scale to zero, as a stack: two models share a GPU endpoint, each
//! component reserving its memory and accelerators; the ranker's copies scale with its
//! invocations and down to zero, and the instances follow through managed instance scaling
//! (minimum 0). A LoRA adapter tailors the ranker's model on the ranker's own copies.
//!
//! `cargo run -p sagecdk --example inference_components`.

use sagecdk::prelude::*;

fn main() {
    let app = App::new();
    build(&app);
    app.synth_or_exit();
}

/// Defines the stack in `app` (shared with the snapshot tests).
pub(crate) fn build(app: &App) -> Stack {
    let stack = Stack::new(app, "InferenceComponents", StackProps::default());
    let image = ContainerImage::from_dlc("pytorch-inference", "2.3.0-gpu-py311");
    let ranker = Model::new(
        &stack,
        "Ranker",
        ModelProps::with_container(ContainerDefinition::new(image.clone())),
    );
    let embedder = Model::new(
        &stack,
        "Embedder",
        ModelProps::with_container(ContainerDefinition::new(image)),
    );
    let hosting = EndpointConfig::for_inference_components(
        &stack,
        "Hosting",
        ComponentHostingProps::new(vec![
            ComponentHostVariantProps::new("AllTraffic", InstanceType::G5_2XLARGE)
                .with_managed_instance_scaling(ManagedInstanceScaling {
                    min_instance_count: 0,
                    max_instance_count: 4,
                }),
        ]),
    );
    let endpoint = Endpoint::new(&stack, "Endpoint", EndpointProps::new(&hosting));
    let gpu = ComputeRequirements::memory(8192).with_accelerators(1);
    let ranker_component = InferenceComponent::new(
        &stack,
        "RankerComponent",
        InferenceComponentProps::new(&endpoint, "AllTraffic", &ranker, gpu),
    );
    ranker_component
        .auto_scale_copy_count(EnableScalingProps::max(4).with_min(0))
        .scale_on_invocations_per_copy("PerCopy", 10.0);
    InferenceComponent::new(
        &stack,
        "EmbedderComponent",
        InferenceComponentProps::new(&endpoint, "AllTraffic", &embedder, gpu),
    );
    let adapters = Bucket::from_bucket_name(&stack, "Adapters", "ranker-adapters");
    InferenceComponent::adapter(
        &stack,
        "SupportAdapter",
        AdapterProps::new(
            &ranker_component,
            ModelData::from_bucket(&adapters, "support/adapter.tar.gz"),
        ),
    );
    CfnOutput::new(&stack, "EndpointName", endpoint.endpoint_name());
    stack
}
