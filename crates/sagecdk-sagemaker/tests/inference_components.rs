//! Inference components: a configuration hosting them, components placed on its variants,
//! copy-count scaling down to zero, and SageMaker's rules.

use sagecdk_assertions::Template;
use sagecdk_aws::cloudwatch::{Alarm, AlarmProps, Metric};
use sagecdk_aws::ec2::{Connectable, Peer, Port, Vpc};
use sagecdk_aws::s3::Bucket;
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
            cpu_cores: Some(0.1),
            accelerators: Some(0),
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
    hosting_config.add_shadow_production_variant(InstanceProductionVariantProps::new(&m, "shadow"));
    hosting_config.add_serverless_production_variant(ServerlessProductionVariantProps::new(
        &m,
        "serverless",
        2048,
        5,
    ));
    let found = errors(&s);
    for expected in [
        "[S/Bad] compute.minMemoryMb must be at least 128, got 100",
        "[S/Bad] compute.maxMemoryMb (64) must be at least minMemoryMb (100)",
        "[S/Bad] compute.cpuCores must be a number of at least 0.25, got 0.1",
        "[S/Bad] compute.accelerators must be at least 1 when given (leave it out for none)",
        "[S/Bad] containerStartupHealthCheckTimeout must be between 60 and 3600 seconds",
        "[S/Bad] variant 'Missing' is not a variant of the endpoint's configuration (it has: AllTraffic)",
        "[S/OnPlain] endpoint 'S/PlainEndpoint' has a configuration with models of its own; inference components need one made with `EndpointConfig::for_inference_components`",
        "[S/Hosting2] Cannot add production variant 'withModel' with a model to a configuration hosting inference components; add a host variant and place the model with an InferenceComponent",
        "[S/Hosting2] Cannot add shadow variant 'shadow' to a configuration hosting inference components; SageMaker places components on instance host variants only",
        "[S/Hosting2] Cannot add serverless variant 'serverless' to a configuration hosting inference components; SageMaker places components on instance host variants only",
    ] {
        assert!(
            found.iter().any(|f| f == expected),
            "missing {expected}\nin {found:#?}"
        );
    }
}

/// The statements of the hosting configuration's role policy, as one JSON text.
fn host_policy(json: &serde_json::Value) -> String {
    resources_of_type(json, "AWS::IAM::Policy")
        .iter()
        .find(|p| {
            p["Properties"]["Roles"][0]["Ref"]
                .as_str()
                .is_some_and(|r| r.starts_with("HostingRole"))
        })
        .map(|p| p["Properties"]["PolicyDocument"].to_string())
        .unwrap_or_default()
}

#[test]
fn a_component_runs_a_container_with_the_hosting_role() {
    let app = App::for_tests();
    let s = stack(&app);
    let endpoint = hosting(&s);
    let weights = Bucket::from_bucket_name(&s, "Weights", "my-weights");
    let container = ComponentContainer::new(image())
        .with_artifact(ModelData::from_bucket(&weights, "llm/model.tar.gz"))
        .with_environment("OPTION_MAX_MODEL_LEN", "4096");
    let llm = InferenceComponent::new(
        &s,
        "Llm",
        InferenceComponentProps::new(
            &endpoint,
            "AllTraffic",
            container,
            ComputeRequirements::memory(16384).with_accelerators(1),
        )
        .with_copy_count(0),
    );

    let t = Template::from_stack(&s);
    let json = t.as_json();
    let component = &resources_of_type(json, "AWS::SageMaker::InferenceComponent")[0];
    let spec = &component["Properties"]["Specification"];
    assert!(spec.get("ModelName").is_none(), "{spec}");
    let container = &spec["Container"];
    assert_eq!(
        container["Environment"],
        json!({"OPTION_MAX_MODEL_LEN": "4096"})
    );
    assert!(
        container["Image"]
            .to_string()
            .contains("pytorch-inference:2.3.0-cpu-py311"),
        "{container}"
    );
    assert!(
        container["ArtifactUrl"]
            .to_string()
            .contains("llm/model.tar.gz"),
        "{container}"
    );
    assert_eq!(
        component["Properties"]["RuntimeConfig"],
        json!({"CopyCount": 0})
    );
    // The hosting role pulls the image and reads the artifact, before the component starts.
    let policy = host_policy(json);
    assert!(policy.contains("ecr:BatchGetImage"), "{policy}");
    assert!(policy.contains("s3:GetObject*"), "{policy}");
    assert!(policy.contains("my-weights"), "{policy}");
    let depends = component["DependsOn"].to_string();
    assert!(depends.contains("HostingRoleDefaultPolicy"), "{depends}");
    let config = &resources_of_type(json, "AWS::SageMaker::EndpointConfig")[0];
    assert!(
        config["DependsOn"]
            .to_string()
            .contains("HostingRoleDefaultPolicy"),
        "{config}"
    );
    assert!(llm.inference_component_name().starts_with('S'));
}

#[test]
fn an_adapter_runs_on_its_base_component() {
    let app = App::for_tests();
    let s = stack(&app);
    let endpoint = hosting(&s);
    let base = InferenceComponent::new(
        &s,
        "Base",
        InferenceComponentProps::new(
            &endpoint,
            "AllTraffic",
            ComponentContainer::new(image()),
            ComputeRequirements::memory(16384).with_accelerators(1),
        ),
    );
    let weights = Bucket::from_bucket_name(&s, "Weights", "my-adapters");
    let adapter = InferenceComponent::adapter(
        &s,
        "Support",
        AdapterProps::new(
            &base,
            ModelData::from_bucket(&weights, "support/adapter.tar.gz"),
        ),
    );

    let t = Template::from_stack(&s);
    let json = t.as_json();
    let components = resources_of_type(json, "AWS::SageMaker::InferenceComponent");
    let props = &components[1]["Properties"];
    assert_eq!(
        props["Specification"]["BaseInferenceComponentName"],
        base.inference_component_name()
    );
    assert!(
        props["Specification"]["Container"]["ArtifactUrl"]
            .to_string()
            .contains("support/adapter.tar.gz")
    );
    assert_eq!(
        props["InferenceComponentName"],
        adapter.inference_component_name()
    );
    for absent in ["VariantName", "RuntimeConfig"] {
        assert!(props.get(absent).is_none(), "{absent} in {props}");
    }
    assert!(
        props["Specification"]
            .get("ComputeResourceRequirements")
            .is_none()
    );
    assert_eq!(
        props["EndpointName"],
        components[0]["Properties"]["EndpointName"]
    );
    // Created after its base, which it names by a literal.
    let depends = components[1]["DependsOn"].to_string();
    assert!(depends.contains("BaseInferenceComponent"), "{depends}");
    assert!(host_policy(json).contains("my-adapters"));
}

#[test]
fn adapter_rules_are_reported_together() {
    let app = App::for_tests();
    let s = stack(&app);
    let endpoint = hosting(&s);
    let base = InferenceComponent::new(
        &s,
        "Base",
        InferenceComponentProps::new(
            &endpoint,
            "AllTraffic",
            model(&s, "M"),
            ComputeRequirements::memory(1024),
        ),
    );
    let bucket = Bucket::from_bucket_name(&s, "B", "b");
    let adapter = InferenceComponent::adapter(
        &s,
        "A",
        AdapterProps::new(&base, ModelData::from_bucket(&bucket, "a.tar.gz")),
    );
    adapter.auto_scale_copy_count(EnableScalingProps::max(2));
    InferenceComponent::adapter(
        &s,
        "OnAdapter",
        AdapterProps::new(&adapter, ModelData::from_bucket(&bucket, "b.tar.gz")),
    );
    InferenceComponent::adapter(
        &s,
        "Prefix",
        AdapterProps::new(&base, ModelData::from_s3_prefix(&bucket, "folder/")),
    );
    let found = errors(&s);
    for expected in [
        "[S/A] an adapter runs on the copies of its base component: scale the base's copy count",
        "[S/OnAdapter] the base of an adapter must serve a model, not be an adapter itself ('S/A' is one)",
        "[S/Prefix] an inference component's artifact is one model archive (.tar.gz): use `ModelData::from_asset` or `ModelData::from_bucket`, not an S3 prefix",
    ] {
        assert!(
            found.iter().any(|f| f == expected),
            "missing {expected}\nin {found:#?}"
        );
    }
}

#[test]
fn a_component_update_rolls_copies_in_batches() {
    let app = App::for_tests();
    let s = stack(&app);
    let endpoint = hosting(&s);
    let metric = Metric::new("AWS/SageMaker", "Invocation5XXErrors", "Sum");
    let alarm = Alarm::new(&s, "Errors", &metric, AlarmProps::new(1.0, 1));
    let mut update =
        ComponentRollingUpdate::new(CopyBatchSize::Copies(1), Duration::from_secs(120))
            .with_rollback_batch_size(CopyBatchSize::Percent(100))
            .with_rollback_alarm(&alarm);
    update.maximum_execution_timeout = Some(Duration::from_secs(1800));
    InferenceComponent::new(
        &s,
        "C",
        InferenceComponentProps::new(
            &endpoint,
            "AllTraffic",
            model(&s, "M"),
            ComputeRequirements::memory(1024),
        )
        .with_update(update),
    );
    let t = Template::from_stack(&s);
    let props =
        &resources_of_type(t.as_json(), "AWS::SageMaker::InferenceComponent")[0]["Properties"];
    assert_eq!(
        props["DeploymentConfig"]["RollingUpdatePolicy"],
        json!({
            "MaximumBatchSize": {"Type": "COPY_COUNT", "Value": 1},
            "MaximumExecutionTimeoutInSeconds": 1800,
            "RollbackMaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 100},
            "WaitIntervalInSeconds": 120
        })
    );
    assert_eq!(
        props["DeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"][0]["AlarmName"]["Ref"]
            .as_str()
            .map(|r| r.starts_with("Errors")),
        Some(true),
        "{props}"
    );

    // Out of SageMaker's ranges: every problem at once.
    let app = App::for_tests();
    let s = stack(&app);
    let endpoint = hosting(&s);
    let mut bad = ComponentRollingUpdate::new(CopyBatchSize::Copies(0), Duration::from_secs(4000))
        .with_rollback_batch_size(CopyBatchSize::Percent(101));
    bad.maximum_execution_timeout = Some(Duration::from_secs(60));
    InferenceComponent::new(
        &s,
        "C",
        InferenceComponentProps::new(
            &endpoint,
            "AllTraffic",
            model(&s, "M"),
            ComputeRequirements::memory(1024),
        )
        .with_update(bad),
    );
    let found = errors(&s);
    for expected in [
        "[S/C] rollingUpdate.waitInterval must be between 0 and 3600 seconds, got 4000",
        "[S/C] rollingUpdate.maximumExecutionTimeout must be between 600 and 28800 seconds, got 60",
        "[S/C] rollingUpdate.maximumBatchSize must be at least 1 copy",
        "[S/C] rollingUpdate.rollbackMaximumBatchSize must be between 1 and 100 percent, got 101",
    ] {
        assert!(
            found.iter().any(|f| f == expected),
            "missing {expected}\nin {found:#?}"
        );
    }
}

#[test]
fn hosting_in_a_vpc_places_the_components_behind_security_groups() {
    let app = App::for_tests();
    let s = stack(&app);
    let vpc = Vpc::from_attributes("vpc-1", vec!["subnet-1".into(), "subnet-2".into()]);
    let config = EndpointConfig::for_inference_components(
        &s,
        "Hosting",
        ComponentHostingProps {
            allow_all_outbound: Some(false),
            ..ComponentHostingProps::new(vec![ComponentHostVariantProps::new(
                "AllTraffic",
                InstanceType::G5_XLARGE,
            )])
            .with_vpc(&vpc)
        },
    );
    config
        .connections()
        .allow_to(&Peer::ipv4("10.0.0.0/16"), Port::tcp(443));
    let t = Template::from_stack(&s);
    let json = t.as_json();
    let props = &resources_of_type(json, "AWS::SageMaker::EndpointConfig")[0]["Properties"];
    assert_eq!(
        props["VpcConfig"]["Subnets"],
        json!(["subnet-1", "subnet-2"])
    );
    assert_eq!(
        props["VpcConfig"]["SecurityGroupIds"][0]["Fn::GetAtt"][1],
        "GroupId"
    );
    let groups = resources_of_type(json, "AWS::EC2::SecurityGroup");
    assert_eq!(groups.len(), 1);
    let egress = groups[0]["Properties"]["SecurityGroupEgress"].to_string();
    assert!(egress.contains("10.0.0.0/16"), "{egress}");
    assert!(host_policy(json).contains("ec2:CreateNetworkInterface"));

    // Security groups without a VPC are refused, as on a model.
    let app = App::for_tests();
    let s = stack(&app);
    EndpointConfig::for_inference_components(
        &s,
        "Hosting",
        ComponentHostingProps {
            allow_all_outbound: Some(true),
            ..ComponentHostingProps::new(vec![ComponentHostVariantProps::new(
                "AllTraffic",
                InstanceType::G5_XLARGE,
            )])
        },
    );
    assert!(errors(&s).contains(
        &"[S/Hosting] Cannot configure 'securityGroups' or 'allowAllOutbound' without configuring a VPC"
            .to_string()
    ));
}
