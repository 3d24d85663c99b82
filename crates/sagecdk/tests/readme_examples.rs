//! The programs under `examples/sagemaker/`, one per code sample of the SageMaker construct
//! library README: each stack's template is snapshot-tested under `snapshots/` at the repository
//! root (`sagemaker.<example>.<stack>.template.json`, update with `SAGECDK_UPDATE_SNAPSHOTS=1`),
//! and the feature the sample shows is asserted on its own, so a broken feature fails here with
//! a message about that feature rather than only as a snapshot difference.

use sagecdk::{App, Stack};
use sagecdk_assertions::snapshot::Snapshot;
use sagecdk_assertions::{Capture, Match, Template, pattern};
use serde_json::Value;

#[allow(dead_code)]
#[path = "../../../examples/sagemaker/autoscaling.rs"]
mod autoscaling;
#[allow(dead_code)]
#[path = "../../../examples/sagemaker/container_images.rs"]
mod container_images;
#[allow(dead_code)]
#[path = "../../../examples/sagemaker/endpoint.rs"]
mod endpoint;
#[allow(dead_code)]
#[path = "../../../examples/sagemaker/inference_pipeline.rs"]
mod inference_pipeline;
#[allow(dead_code)]
#[path = "../../../examples/sagemaker/metrics_alarm.rs"]
mod metrics_alarm;
#[allow(dead_code)]
#[path = "../../../examples/sagemaker/model_data.rs"]
mod model_data;
#[allow(dead_code)]
#[path = "../../../examples/sagemaker/network_isolation.rs"]
mod network_isolation;
#[allow(dead_code)]
#[path = "../../../examples/sagemaker/single_container_model.rs"]
mod single_container_model;
#[allow(dead_code)]
#[path = "../../../examples/sagemaker/startup_health_check.rs"]
mod startup_health_check;
#[allow(dead_code)]
#[path = "../../../examples/sagemaker/weighted_variants.rs"]
mod weighted_variants;

/// Every program this file tests, by file stem.
const TESTED: &[&str] = &[
    "single_container_model",
    "inference_pipeline",
    "network_isolation",
    "container_images",
    "model_data",
    "weighted_variants",
    "startup_health_check",
    "endpoint",
    "autoscaling",
    "metrics_alarm",
];

/// Synthesizes the example's stack in memory, panicking with every construct error if it does
/// not synthesize.
fn synth(build: fn(&App) -> Stack) -> (Stack, Template) {
    let app = App::for_tests();
    let stack = build(&app);
    let template = Template::from_stack(&stack);
    (stack, template)
}

/// Compares the template with the checked-in snapshot, after the feature assertions so that a
/// broken feature is reported as such. Asset hashes are kept: the example assets are checked
/// in, so their hashes are stable.
fn assert_snapshot(example: &str, stack: &Stack, template: &Template) {
    Snapshot::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots")).assert_matches(
        &format!("sagemaker.{example}.{}.template", stack.stack_name()),
        template.as_json(),
    );
}

/// The resources of a type, as (logical id, resource) pairs.
fn resources<'a>(template: &'a Template, resource_type: &str) -> Vec<(&'a String, &'a Value)> {
    template.as_json()["Resources"]
        .as_object()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| r["Type"] == resource_type)
        .collect()
}

/// The compact JSON of a value: tokens render as `Fn::Join`/`Fn::Sub` trees, so substring
/// checks on it find literal parts of an image URI or an S3 URL.
fn text(value: &Value) -> String {
    serde_json::to_string(value).expect("JSON")
}

/// The statements of the policy of a model's execution role (`<model>RoleDefaultPolicy<hash>`),
/// as JSON text.
fn role_policy_statements(template: &Template, model: &str) -> String {
    let policies = resources(template, "AWS::IAM::Policy");
    let (_, policy) = policies
        .iter()
        .find(|(id, _)| id.starts_with(&format!("{model}RoleDefaultPolicy")))
        .unwrap_or_else(|| panic!("no default policy for {model}'s role"));
    text(&policy["Properties"]["PolicyDocument"]["Statement"])
}

/// A container image built from the example Dockerfile: the asset's tag in the bootstrap
/// container-assets repository.
fn asset_image() -> sagecdk_assertions::Pattern {
    pattern!({"Fn::Sub": Match::string_like_regexp(
        r"^\$\{AWS::AccountId\}\.dkr\.ecr\.\$\{AWS::Region\}\.\$\{AWS::URLSuffix\}/cdk-hnb659fds-container-assets-\$\{AWS::AccountId\}-\$\{AWS::Region\}:[0-9a-f]{64}$"
    )})
}

/// The example model tarball, uploaded to the bootstrap assets bucket under its hash.
fn asset_model_data() -> sagecdk_assertions::Pattern {
    pattern!({"Fn::Sub": Match::string_like_regexp(
        r"^https://s3\.\$\{AWS::Region\}\.\$\{AWS::URLSuffix\}/cdk-hnb659fds-assets-\$\{AWS::AccountId\}-\$\{AWS::Region\}/[0-9a-f]{64}\.gz$"
    )})
}

#[test]
fn single_container_model() {
    let (stack, t) = synth(single_container_model::build);
    t.assert_resource_count_is("AWS::SageMaker::Model", 1);
    t.assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({
            "PrimaryContainer": {"Image": asset_image(), "ModelDataUrl": asset_model_data()},
            "Containers": Match::absent()
        }),
    );
    let actions = role_policy_statements(&t, "PrimaryContainerModel");
    assert!(actions.contains("ecr:BatchGetImage"), "{actions}");
    assert!(actions.contains("s3:GetObject*"), "{actions}");
    assert_snapshot("single_container_model", &stack, &t);
}

#[test]
fn inference_pipeline() {
    let (stack, t) = synth(inference_pipeline::build);
    t.assert_resource_count_is("AWS::SageMaker::Model", 1);
    let container = || {
        Match::object_like(
            pattern!({"Image": Match::any_value(), "ModelDataUrl": Match::any_value()}),
        )
    };
    t.assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({
            "Containers": [container(), container(), container()],
            "PrimaryContainer": Match::absent()
        }),
    );
    // The containers run in the order given.
    let models = resources(&t, "AWS::SageMaker::Model");
    let containers = models[0].1["Properties"]["Containers"]
        .as_array()
        .expect("Containers");
    for (container, (image, data)) in containers.iter().zip([
        ("/preprocessing:1.0", "/preprocessing/model.tar.gz"),
        (
            "/pytorch-inference:2.3.0-cpu-py311",
            "/classifier/model.tar.gz",
        ),
        ("/postprocessing:1.0", "/postprocessing/model.tar.gz"),
    ]) {
        assert!(text(&container["Image"]).contains(image), "{container}");
        assert!(
            text(&container["ModelDataUrl"]).contains(data),
            "{container}"
        );
    }
    // The DLC account is looked up by region in an environment-agnostic stack.
    assert!(text(&containers[1]["Image"]).contains("DlcRepositoryAccountMap"));
    t.assert_has_mapping(
        "DlcRepositoryAccountMap",
        pattern!({"us-west-2": {"value": "763104351884"}}),
    );
    assert_snapshot("inference_pipeline", &stack, &t);
}

#[test]
fn network_isolation() {
    let (stack, t) = synth(network_isolation::build);
    t.assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({
            "EnableNetworkIsolation": true,
            "PrimaryContainer": {"Image": Match::any_value(), "ModelDataUrl": Match::any_value()}
        }),
    );
    assert_snapshot("network_isolation", &stack, &t);
}

#[test]
fn container_images() {
    let (stack, t) = synth(container_images::build);
    t.assert_resource_count_is("AWS::SageMaker::Model", 3);
    let image = |model: &str| {
        let models = resources(&t, "AWS::SageMaker::Model");
        let (_, resource) = models
            .iter()
            .find(|(id, _)| id.starts_with(model))
            .unwrap_or_else(|| panic!("no model {model}"));
        resource["Properties"]["PrimaryContainer"]["Image"].clone()
    };
    asset_image()
        .check(&image("AssetImageModel"))
        .expect("asset image");
    let ecr = text(&image("EcrImageModel"));
    assert!(
        ecr.contains(".dkr.ecr.") && ecr.ends_with("/repo:tag\"]]}"),
        "{ecr}"
    );
    let dlc = text(&image("DlcImageModel"));
    assert!(
        dlc.contains("DlcRepositoryAccountMap")
            && dlc.contains(
                "/huggingface-pytorch-training:1.13.1-transformers4.26.0-gpu-py39-cu117-ubuntu20.04"
            ),
        "{dlc}"
    );
    // Each model may pull its image, and only its image.
    for (model, repository) in [
        ("AssetImageModel", "cdk-hnb659fds-container-assets-"),
        ("EcrImageModel", ":repository/repo\""),
        (
            "DlcImageModel",
            ":repository/huggingface-pytorch-training\"",
        ),
    ] {
        let actions = role_policy_statements(&t, model);
        assert!(
            actions.contains("ecr:BatchGetImage") && actions.contains(repository),
            "{model}: {actions}"
        );
    }
    assert_snapshot("container_images", &stack, &t);
}

#[test]
fn model_data() {
    let (stack, t) = synth(model_data::build);
    t.assert_resource_count_is("AWS::SageMaker::Model", 2);
    t.assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({"PrimaryContainer": {"Image": asset_image(), "ModelDataUrl": asset_model_data()}}),
    );
    // The S3 object's URL refers to the stack's own bucket.
    let bucket = Capture::new();
    t.assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({"PrimaryContainer": {"ModelDataUrl": {"Fn::Join": ["", [
            "https://s3.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}, "/",
            {"Ref": &bucket}, "/path/to/artifact/file.tar.gz"
        ]]}}}),
    );
    let bucket_id = bucket.as_string().expect("bucket reference");
    assert!(bucket_id.starts_with("MyBucket"), "{bucket_id}");
    t.assert_has_resource("AWS::S3::Bucket", pattern!({"DeletionPolicy": "Retain"}));
    let actions = role_policy_statements(&t, "S3ModelDataModel");
    assert!(
        actions.contains("s3:GetObject*") && actions.contains(&bucket_id),
        "{actions}"
    );
    assert_snapshot("model_data", &stack, &t);
}

#[test]
fn weighted_variants() {
    let (stack, t) = synth(weighted_variants::build);
    t.assert_resource_count_is("AWS::SageMaker::Model", 2);
    t.assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({"ProductionVariants": [
            Match::object_like(pattern!({
                "VariantName": "modelA", "InitialVariantWeight": 2, "InitialInstanceCount": 1,
                "ModelName": {"Fn::GetAtt": [Match::string_like_regexp("^ModelA"), "ModelName"]}
            })),
            Match::object_like(pattern!({
                "VariantName": "variantB", "InitialVariantWeight": 1, "InitialInstanceCount": 1,
                "ModelName": {"Fn::GetAtt": [Match::string_like_regexp("^ModelB"), "ModelName"]}
            }))
        ]}),
    );
    assert_snapshot("weighted_variants", &stack, &t);
}

#[test]
fn startup_health_check() {
    let (stack, t) = synth(startup_health_check::build);
    t.assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({"ProductionVariants": [Match::object_like(pattern!({
            "VariantName": "my-variant",
            "ContainerStartupHealthCheckTimeoutInSeconds": 300
        }))]}),
    );
    assert_snapshot("startup_health_check", &stack, &t);
}

#[test]
fn endpoint() {
    let (stack, t) = synth(endpoint::build);
    t.assert_resource_count_is("AWS::SageMaker::Endpoint", 1);
    t.assert_has_resource_properties(
        "AWS::SageMaker::Endpoint",
        pattern!({"EndpointConfigName": {"Fn::GetAtt": [
            Match::string_like_regexp("^EndpointConfig"), "EndpointConfigName"
        ]}}),
    );
    t.assert_has_output(
        "EndpointName",
        pattern!({"Value": {"Fn::GetAtt": [Match::string_like_regexp("^Endpoint"), "EndpointName"]}}),
    );
    assert_snapshot("endpoint", &stack, &t);
}

#[test]
fn autoscaling() {
    let (stack, t) = synth(autoscaling::build);
    t.assert_has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        pattern!({
            "MinCapacity": 1,
            "MaxCapacity": 3,
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "ServiceNamespace": "sagemaker",
            "ResourceId": {"Fn::Join": ["", ["endpoint/", Match::any_value(), "/variant/my-variant"]]}
        }),
    );
    // 30 requests per second × 60 s × the default safety factor 0.5.
    t.assert_has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        pattern!({
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 900,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
                }
            }
        }),
    );
    assert_snapshot("autoscaling", &stack, &t);
}

#[test]
fn metrics_alarm() {
    let (stack, t) = synth(metrics_alarm::build);
    t.assert_resource_count_is("AWS::CloudWatch::Alarm", 1);
    t.assert_has_resource_properties(
        "AWS::CloudWatch::Alarm",
        pattern!({
            "Threshold": 100000,
            "EvaluationPeriods": 3,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Namespace": "AWS/SageMaker",
            "MetricName": "ModelLatency",
            "Statistic": "Average",
            "Period": 300,
            "Dimensions": [
                {"Name": "EndpointName", "Value": {"Fn::GetAtt": [Match::any_value(), "EndpointName"]}},
                {"Name": "VariantName", "Value": "my-variant"}
            ]
        }),
    );
    assert_snapshot("metrics_alarm", &stack, &t);
}

/// Every program under `examples/sagemaker/` is an example of the `sagecdk` crate and is tested
/// above, so a new sample cannot be forgotten in either place.
#[test]
fn every_sample_is_registered_and_tested() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sagemaker");
    let mut programs: Vec<String> = std::fs::read_dir(root)
        .expect("examples/sagemaker")
        .filter_map(|e| {
            let name = e.expect("entry").file_name().into_string().expect("UTF-8");
            name.strip_suffix(".rs").map(str::to_string)
        })
        .collect();
    programs.sort();
    let mut tested: Vec<String> = TESTED.iter().map(|s| s.to_string()).collect();
    tested.sort();
    assert_eq!(
        programs, tested,
        "programs under examples/sagemaker vs. tested here"
    );

    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("Cargo.toml");
    for program in &programs {
        let entry = format!(
            "[[example]]\nname = \"{program}\"\npath = \"../../examples/sagemaker/{program}.rs\""
        );
        assert!(
            manifest.contains(&entry),
            "crates/sagecdk/Cargo.toml lacks the example {program}"
        );
    }
}
