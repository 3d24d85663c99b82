//! Inference components: a configuration hosting them, components placed on its variants,
//! copy-count scaling down to zero, and SageMaker's rules.

use sagecdk_assertions::Template;
use sagecdk_core::{App, Stack};
use sagecdk_sagemaker::*;
use serde_json::json;
use std::time::Duration;

mod common;

use common::*;

/// A hosting configuration `Hosting` (variant `AllTraffic`, managed scaling 0–4) behind
/// endpoint `E`.
fn hosting(s: &Stack) -> Endpoint {
    let config = EndpointConfig::for_inference_components(
        s,
        "Hosting",
        ComponentHostingProps::new(vec![
            ComponentHostVariantProps::new("AllTraffic", InstanceType::G5_XLARGE)
                .with_managed_instance_scaling(ManagedInstanceScaling {
                    min_instance_count: 0,
                    max_instance_count: 4,
                }),
        ]),
    );
    Endpoint::new(s, "E", EndpointProps::new(&config))
}

#[test]
fn components_share_a_hosting_endpoint_and_scale_their_copies_to_zero() {
    let app = App::for_tests();
    let s = stack(&app);
    let endpoint = hosting(&s);
    let ranker = model(&s, "Ranker");
    let mut props = InferenceComponentProps::new(
        &endpoint,
        "AllTraffic",
        &ranker,
        ComputeRequirements {
            max_memory_mb: Some(8192),
            ..ComputeRequirements::memory(4096)
                .with_accelerators(1)
                .with_cpu_cores(2.0)
        },
    )
    .with_copy_count(2);
    props.model_data_download_timeout = Some(Duration::from_secs(600));
    props.data_cache = true;
    let component = InferenceComponent::new(&s, "RankerComponent", props);
    component
        .auto_scale_copy_count(EnableScalingProps::max(4).with_min(0))
        .scale_on_invocations_per_copy("PerCopy", 10.0);
    InferenceComponent::new(
        &s,
        "EmbedderComponent",
        InferenceComponentProps::new(
            &endpoint,
            "AllTraffic",
            model(&s, "Embedder"),
            ComputeRequirements::memory(1024),
        ),
    );

    let t = Template::from_stack(&s);
    let json = t.as_json();
    let config = &resources_of_type(json, "AWS::SageMaker::EndpointConfig")[0]["Properties"];
    assert_eq!(
        config["ExecutionRoleArn"]["Fn::GetAtt"][1], "Arn",
        "{config}"
    );
    assert_eq!(
        config["ProductionVariants"],
        json!([{
            "InitialInstanceCount": 1,
            "InstanceType": "ml.g5.xlarge",
            "ManagedInstanceScaling": {"MaxInstanceCount": 4, "MinInstanceCount": 0, "Status": "ENABLED"},
            "VariantName": "AllTraffic"
        }])
    );
    let components = resources_of_type(json, "AWS::SageMaker::InferenceComponent");
    assert_eq!(components.len(), 2);
    let ranker = &components[0]["Properties"];
    let name = component.inference_component_name().to_string();
    assert_eq!(ranker["InferenceComponentName"], name.as_str());
    assert!(name.starts_with('S') && name.len() <= 63, "{name}");
    assert_eq!(ranker["EndpointName"]["Fn::GetAtt"][1], "EndpointName");
    assert_eq!(ranker["VariantName"], "AllTraffic");
    assert_eq!(ranker["RuntimeConfig"], json!({"CopyCount": 2}));
    let spec = &ranker["Specification"];
    assert_eq!(
        spec["ComputeResourceRequirements"],
        json!({
            "MaxMemoryRequiredInMb": 8192,
            "MinMemoryRequiredInMb": 4096,
            "NumberOfAcceleratorDevicesRequired": 1,
            "NumberOfCpuCoresRequired": 2
        })
    );
    assert_eq!(spec["DataCacheConfig"], json!({"EnableCaching": true}));
    assert_eq!(
        spec["StartupParameters"],
        json!({"ModelDataDownloadTimeoutInSeconds": 600})
    );
    assert_eq!(spec["ModelName"]["Fn::GetAtt"][1], "ModelName");

    let target = &resources_of_type(json, "AWS::ApplicationAutoScaling::ScalableTarget")[0];
    assert_eq!(target["Properties"]["MinCapacity"], 0);
    assert_eq!(
        target["Properties"]["ResourceId"],
        format!("inference-component/{name}")
    );
    assert_eq!(
        target["Properties"]["ScalableDimension"],
        "sagemaker:inference-component:DesiredCopyCount"
    );
    let policies = resources_of_type(json, "AWS::ApplicationAutoScaling::ScalingPolicy");
    assert!(policies.iter().any(|p| p["Properties"]["TargetTrackingScalingPolicyConfiguration"]
        ["PredefinedMetricSpecification"]["PredefinedMetricType"]
        == "SageMakerInferenceComponentInvocationsPerCopy"));
    assert!(
        policies
            .iter()
            .any(|p| p["Properties"]["PolicyType"] == "StepScaling")
    );
    let alarm = &resources_of_type(json, "AWS::CloudWatch::Alarm")[0]["Properties"];
    assert_eq!(alarm["MetricName"], "NoCapacityInvocationFailures");
    assert_eq!(alarm["Dimensions"][0]["Value"], name.as_str());
}

#[test]
fn component_rules_are_reported_together() {
    let app = App::for_tests();
    let s = stack(&app);
    let endpoint = hosting(&s);
    let m = model(&s, "M");
    let mut bad = InferenceComponentProps::new(
        &endpoint,
        "Missing",
        &m,
        ComputeRequirements {
            max_memory_mb: Some(64),
            cpu_cores: Some(0.0),
            ..ComputeRequirements::memory(100)
        },
    )
    .with_copy_count(0);
    bad.container_startup_health_check_timeout = Some(Duration::from_secs(30));
    InferenceComponent::new(&s, "Bad", bad);
    // A configuration with a model of its own cannot host components.
    let plain = instance_config(
        &s,
        "Plain",
        vec![InstanceProductionVariantProps::new(&m, "v")],
    );
    let plain_endpoint = Endpoint::new(&s, "PlainEndpoint", EndpointProps::new(&plain));
    InferenceComponent::new(
        &s,
        "OnPlain",
        InferenceComponentProps::new(&plain_endpoint, "v", &m, ComputeRequirements::memory(1024)),
    );
    // A hosting configuration takes no variant with a model.
    let hosting_config = EndpointConfig::for_inference_components(
        &s,
        "Hosting2",
        ComponentHostingProps::new(vec![ComponentHostVariantProps::new(
            "h",
            InstanceType::G5_XLARGE,
        )]),
    );
    hosting_config
        .add_instance_production_variant(InstanceProductionVariantProps::new(&m, "withModel"));
    let found = errors(&s);
    for expected in [
        "[S/Bad] compute.minMemoryMb must be at least 128, got 100",
        "[S/Bad] compute.maxMemoryMb (64) must be at least minMemoryMb (100)",
        "[S/Bad] compute.cpuCores must be a number greater than 0, got 0",
        "[S/Bad] copyCount must be at least 1 at creation; scale to zero with `auto_scale_copy_count`",
        "[S/Bad] containerStartupHealthCheckTimeout must be between 60 and 3600 seconds",
        "[S/Bad] variant 'Missing' is not a variant of the endpoint's configuration (it has: AllTraffic)",
        "[S/OnPlain] endpoint 'S/PlainEndpoint' has a configuration with models of its own; inference components need one made with `EndpointConfig::for_inference_components`",
        "[S/Hosting2] Cannot add production variant 'withModel' with a model to a configuration hosting inference components; add a host variant and place the model with an InferenceComponent",
    ] {
        assert!(
            found.iter().any(|f| f == expected),
            "missing {expected}\nin {found:#?}"
        );
    }
}
