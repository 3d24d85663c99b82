//! The programs under `examples/deployment/`, one per deployment sample of SageMaker
//! ModelBuilder: each stack's template is snapshot-tested under `snapshots/` at the repository
//! root (`deployment.<example>.<stack>.template.json`, update with
//! `SAGECDK_UPDATE_SNAPSHOTS=1`), and what the sample deploys is asserted on its own.

use sagecdk::{App, Scope, Stack};
use sagecdk_assertions::snapshot::Snapshot;
use sagecdk_assertions::{Match, Template, pattern};
use serde_json::{Value as Json, json};

#[allow(dead_code)]
#[path = "../../../examples/deployment/async_endpoint.rs"]
mod async_endpoint;
#[allow(dead_code)]
#[path = "../../../examples/deployment/batch_transform.rs"]
mod batch_transform;
#[allow(dead_code)]
#[path = "../../../examples/deployment/framework_images.rs"]
mod framework_images;
#[allow(dead_code)]
#[path = "../../../examples/deployment/inference_components.rs"]
mod inference_components;
#[allow(dead_code)]
#[path = "../../../examples/deployment/multi_model_endpoint.rs"]
mod multi_model_endpoint;
#[allow(dead_code)]
#[path = "../../../examples/deployment/multi_model_resource_requirements.rs"]
mod multi_model_resource_requirements;
#[allow(dead_code)]
#[path = "../../../examples/deployment/realtime_endpoint.rs"]
mod realtime_endpoint;
#[allow(dead_code)]
#[path = "../../../examples/deployment/serverless_endpoint.rs"]
mod serverless_endpoint;
#[allow(dead_code)]
#[path = "../../../examples/deployment/train_and_deploy.rs"]
mod train_and_deploy;
#[allow(dead_code)]
#[path = "../../../examples/deployment/xgboost_rust.rs"]
mod xgboost_rust;

/// Every program this file tests, by file stem.
const TESTED: &[&str] = &[
    "async_endpoint",
    "batch_transform",
    "framework_images",
    "inference_components",
    "multi_model_endpoint",
    "multi_model_resource_requirements",
    "realtime_endpoint",
    "serverless_endpoint",
    "train_and_deploy",
    "xgboost_rust",
];

fn snapshots() -> Snapshot {
    Snapshot::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots")).redact_asset_hashes(true)
}

#[test]
fn async_endpoint() {
    let app = App::for_tests();
    let stack = async_endpoint::build(&app);
    let template = Template::from_stack(&stack);
    template.assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({
            "AsyncInferenceConfig": {
                "ClientConfig": {"MaxConcurrentInvocationsPerInstance": 4},
                "OutputConfig": Match::object_like(pattern!({
                    "NotificationConfig": {
                        "ErrorTopic": {"Ref": Match::string_like_regexp("^Failed")},
                        "SuccessTopic": {"Ref": Match::string_like_regexp("^Done")}
                    }
                }))
            },
            "DataCaptureConfig": Match::object_like(pattern!({"InitialSamplingPercentage": 20}))
        }),
    );
    template.assert_has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        pattern!({"MinCapacity": 0, "MaxCapacity": 4}),
    );
    template.assert_resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 2);
    template.assert_has_resource_properties(
        "AWS::CloudWatch::Alarm",
        pattern!({"MetricName": "HasBacklogWithoutCapacity", "Threshold": 1}),
    );
    snapshots().assert_matches(
        "deployment.async_endpoint.AsyncEndpoint.template",
        template.as_json(),
    );
}

#[test]
fn realtime_endpoint() {
    let app = App::for_tests();
    let stack = realtime_endpoint::build(&app);
    let template = Template::from_stack(&stack);
    template.assert_has_resource_properties(
        "AWS::SageMaker::Endpoint",
        pattern!({
            "DeploymentConfig": {
                "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": {"Ref": Match::string_like_regexp("^Errors")}}]},
                "BlueGreenUpdatePolicy": Match::object_like(pattern!({
                    "TerminationWaitInSeconds": 300,
                    "TrafficRoutingConfiguration": {
                        "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10},
                        "Type": "CANARY",
                        "WaitIntervalInSeconds": 600
                    }
                }))
            },
            "EndpointName": "realtime-ranker"
        }),
    );
    snapshots().assert_matches(
        "deployment.realtime_endpoint.RealTimeEndpointUpdate.template",
        template.as_json(),
    );
}

#[test]
fn serverless_endpoint() {
    let app = App::for_tests();
    let stack = serverless_endpoint::build(&app);
    let template = Template::from_stack(&stack);
    template.assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({
            "ProductionVariants": [Match::object_like(pattern!({
                "ServerlessConfig": {"MaxConcurrency": 20, "MemorySizeInMB": 4096, "ProvisionedConcurrency": 2}
            }))]
        }),
    );
    template.assert_has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        pattern!({"MinCapacity": 2, "MaxCapacity": 10}),
    );
    snapshots().assert_matches(
        "deployment.serverless_endpoint.ServerlessEndpoint.template",
        template.as_json(),
    );
}

#[test]
fn multi_model_endpoint() {
    let app = App::for_tests();
    let stack = multi_model_endpoint::build(&app);
    let template = Template::from_stack(&stack);
    template.assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({
            "PrimaryContainer": Match::object_like(pattern!({
                "Mode": "MultiModel",
                "ModelDataUrl": "s3://tenant-models/tenants/",
                "MultiModelConfig": {"ModelCacheSetting": "Enabled"}
            }))
        }),
    );
    snapshots().assert_matches(
        "deployment.multi_model_endpoint.MultiModelEndpoint.template",
        template.as_json(),
    );
}

#[test]
fn inference_components() {
    let app = App::for_tests();
    let stack = inference_components::build(&app);
    let template = Template::from_stack(&stack);
    template.assert_resource_count_is("AWS::SageMaker::InferenceComponent", 3);
    template.assert_has_resource_properties(
        "AWS::SageMaker::InferenceComponent",
        pattern!({
            "Specification": {
                "BaseInferenceComponentName": Match::string_like_regexp("RankerComponent"),
                "Container": {"ArtifactUrl": Match::any_value()}
            }
        }),
    );
    template.assert_has_resource_properties(
        "AWS::SageMaker::InferenceComponent",
        pattern!({
            "Specification": Match::object_like(pattern!({
                "ComputeResourceRequirements": {"MinMemoryRequiredInMb": 8192, "NumberOfAcceleratorDevicesRequired": 1}
            })),
            "VariantName": "AllTraffic"
        }),
    );
    template.assert_has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        pattern!({"MinCapacity": 0, "ScalableDimension": "sagemaker:inference-component:DesiredCopyCount"}),
    );
    template.assert_has_resource_properties(
        "AWS::CloudWatch::Alarm",
        pattern!({"MetricName": "NoCapacityInvocationFailures"}),
    );
    snapshots().assert_matches(
        "deployment.inference_components.InferenceComponents.template",
        template.as_json(),
    );
}

#[test]
fn batch_transform() {
    let app = App::for_tests();
    let stack = batch_transform::build(&app);
    let template = Template::from_stack(&stack);
    template.assert_resource_count_is("AWS::StepFunctions::StateMachine", 1);
    template.assert_has_resource_properties(
        "AWS::Events::Rule",
        pattern!({"ScheduleExpression": "cron(0 3 * * ? *)"}),
    );
    let json = template.as_json();
    let definition = json["Resources"]
        .as_object()
        .expect("resources")
        .values()
        .find(|r| r["Type"] == "AWS::StepFunctions::StateMachine")
        .and_then(|r| {
            r["Properties"]["DefinitionString"]["Fn::Join"][1]
                .as_array()
                .cloned()
        })
        .map(|parts| {
            // Tokens (the partition, the model name, the bucket) read back as placeholders.
            let text: String = parts
                .iter()
                .map(|p| p.as_str().unwrap_or("token"))
                .collect();
            serde_json::from_str::<Json>(&text).expect("JSON")
        })
        .expect("definition");
    assert_eq!(
        definition["States"]["Transform"]["Parameters"]["TransformResources"],
        json!({"InstanceCount": 1, "InstanceType": "ml.m5.large"})
    );
    snapshots().assert_matches("deployment.batch_transform.BatchTransform.template", json);
}

#[test]
fn train_and_deploy() {
    let env = sagecdk::Environment::new("123456789012", "us-west-2");
    // Before `-c serve=true`: the training stack alone, which needs no lookup.
    let app = App::for_tests();
    let stacks = train_and_deploy::build(&app, env.clone(), false);
    assert_eq!(stacks.len(), 1);
    let training = Template::from_stack(&stacks[0]);
    let prefix = training.as_json()["Resources"]
        .as_object()
        .expect("resources")
        .values()
        .find_map(|r| r["Metadata"]["sagecdk:job"]["jobNamePrefix"].as_str())
        .expect("the training job's state machine")
        .to_string();
    let assembly = app.assemble().expect("synthesizes");
    let manifest = assembly
        .files
        .iter()
        .find(|(name, _)| name == "manifest.json")
        .map(|(_, text)| serde_json::from_str::<Json>(text).expect("JSON"))
        .expect("manifest");
    assert!(manifest.get("missing").is_none(), "{manifest}");

    // With the newest completed job of that prefix in the context (as `cdk.context.json` holds
    // it once looked up): its artifacts and its training image's inference image.
    let key = sagecdk::context_provider::context_key(
        "plugin",
        &serde_json::from_value(json!({
            "pluginName": "sagecdk/sagemaker-latest-training-job",
            "namePrefix": prefix,
            "account": "123456789012",
            "region": "us-west-2",
        }))
        .expect("props"),
    );
    let app = App::with_props(sagecdk::AppProps {
        ignore_environment: true,
        context: [(
            key,
            json!({
                "trainingJobName": format!("{prefix}-3f1c"),
                "modelArtifacts": format!("s3://ml-data/models/{prefix}-3f1c/output/model.tar.gz"),
                "trainingImage": "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1",
            }),
        )]
        .into_iter()
        .collect(),
        ..sagecdk::AppProps::default()
    });
    let stacks = train_and_deploy::build(&app, env, true);
    let serving = Template::from_stack(&stacks[1]);
    serving.assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({"PrimaryContainer": {
            "Image": "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1",
            "ModelDataUrl": (format!("s3://ml-data/models/{prefix}-3f1c/output/model.tar.gz")),
        }}),
    );
    serving.assert_resource_count_is("AWS::SageMaker::Endpoint", 1);
    serving.assert_resource_count_is("AWS::StepFunctions::StateMachine", 1);
    serving.assert_has_resource_properties(
        "AWS::Events::Rule",
        pattern!({"EventPattern": {"detail-type": ["Object Created"]}}),
    );
    snapshots().assert_matches(
        "deployment.train_and_deploy.TrainXgboost.template",
        Template::from_stack(&stacks[0]).as_json(),
    );
    snapshots().assert_matches(
        "deployment.train_and_deploy.ServeXgboost.template",
        serving.as_json(),
    );
}

#[test]
fn xgboost_rust() {
    // The model the xgboost package trains (the repository's Python, as the test command
    // installs it).
    let model = tempfile::tempdir().expect("tmp");
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let trained = std::process::Command::new(format!("{root}/.venv/bin/python"))
        .arg(format!("{root}/examples/serving/xgboost-server/train.py"))
        .arg(model.path())
        .output()
        .expect("runs the repository's .venv python (the test command installs it)");
    assert!(
        trained.status.success(),
        "{}",
        String::from_utf8_lossy(&trained.stderr)
    );
    let app = App::for_tests();
    let stack = xgboost_rust::build(&app, &model.path().to_string_lossy());
    let template = Template::from_stack(&stack);
    template.assert_resource_count_is("AWS::SageMaker::Endpoint", 1);
    let json = template.as_json();
    let container = json["Resources"]
        .as_object()
        .expect("resources")
        .values()
        .find(|r| r["Type"] == "AWS::SageMaker::Model")
        .map(|m| m["Properties"]["PrimaryContainer"].clone())
        .expect("model");
    // The image and the model data are assets of the app.
    assert!(
        container["Image"].to_string().contains("container-assets"),
        "{container}"
    );
    assert!(
        container["ModelDataUrl"]
            .to_string()
            .contains("cdk-hnb659fds-assets"),
        "{container}"
    );
    snapshots().assert_matches("deployment.xgboost_rust.XgboostRust.template", json);
}

#[test]
fn framework_images() {
    let app = App::for_tests();
    let regional = framework_images::build(&app);
    let template = Template::from_stack(&regional);
    template.assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({"PrimaryContainer": {"Image": "763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-inference:2.5-gpu-py311"}}),
    );
    // Without a version: the latest XGBoost, by version order.
    let latest = sagecdk::images::latest_version("xgboost", None).expect("latest");
    template.assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({"PrimaryContainer": {"Image": format!("246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:{latest}")}}),
    );
    snapshots().assert_matches(
        "deployment.framework_images.FrameworkImages.template",
        template.as_json(),
    );
    let anywhere = app
        .node()
        .try_find_child("FrameworkImagesAnyRegion")
        .expect("second stack");
    let anywhere = Stack::of(&anywhere).expect("a stack");
    let template = Template::from_stack(&anywhere);
    let json = template.as_json();
    let mappings = json["Mappings"].as_object().expect("mappings");
    assert_eq!(mappings.len(), 2, "one per region → account table");
    assert!(
        mappings
            .values()
            .all(|m| m["us-west-2"]["account"].is_string())
    );
    assert!(
        mappings
            .values()
            .any(|m| m["cn-north-1"]["account"] == "727897471807")
    );
    snapshots().assert_matches(
        "deployment.framework_images.FrameworkImagesAnyRegion.template",
        json,
    );
}

#[test]
fn multi_model_resource_requirements() {
    let app = App::for_tests();
    let stack = multi_model_resource_requirements::build(&app);
    let template = Template::from_stack(&stack);
    template.assert_resource_count_is("AWS::SageMaker::InferenceComponent", 2);
    template.assert_has_resource_properties(
        "AWS::SageMaker::InferenceComponent",
        pattern!({
            "DeploymentConfig": {
                "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": {"Ref": Match::string_like_regexp("^Errors")}}]},
                "RollingUpdatePolicy": {
                    "MaximumBatchSize": {"Type": "COPY_COUNT", "Value": 1},
                    "WaitIntervalInSeconds": 60
                }
            },
            "RuntimeConfig": {"CopyCount": 2},
            "Specification": Match::object_like(pattern!({
                "ComputeResourceRequirements": {"MinMemoryRequiredInMb": 512, "NumberOfCpuCoresRequired": 0.5}
            }))
        }),
    );
    template.assert_has_resource_properties(
        "AWS::SageMaker::Endpoint",
        pattern!({"EndpointName": "my-xgboost-multi-model"}),
    );
    snapshots().assert_matches(
        "deployment.multi_model_resource_requirements.MultiModelResourceRequirements.template",
        template.as_json(),
    );
}

/// The template `build` makes with the context `context` set on the app.
fn template_with(build: fn(&App) -> Stack, context: &[(&str, Json)]) -> Json {
    let app = App::for_tests();
    for (key, value) in context {
        app.node().set_context(*key, value.clone());
    }
    Template::from_stack(&build(&app)).as_json().clone()
}

/// Asserts that the update from `before` to `after` changes the endpoint configuration and
/// leaves the endpoint itself as it was: same resources, same endpoint properties, so
/// CloudFormation replaces the (unnamed) configuration and updates the endpoint in place to it.
fn assert_updates_in_place(before: &Json, after: &Json) -> (Json, Json) {
    let ids = |t: &Json| -> Vec<String> {
        t["Resources"]
            .as_object()
            .expect("resources")
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(
        ids(before),
        ids(after),
        "the update adds or removes resources"
    );
    let of_type = |t: &Json, kind: &str| -> Json {
        t["Resources"]
            .as_object()
            .expect("resources")
            .values()
            .find(|r| r["Type"] == kind)
            .cloned()
            .unwrap_or_else(|| panic!("no {kind}"))
    };
    assert_eq!(
        of_type(before, "AWS::SageMaker::Endpoint"),
        of_type(after, "AWS::SageMaker::Endpoint")
    );
    let (config_before, config_after) = (
        of_type(before, "AWS::SageMaker::EndpointConfig"),
        of_type(after, "AWS::SageMaker::EndpointConfig"),
    );
    assert_ne!(config_before, config_after, "the update changes nothing");
    assert!(
        config_after["Properties"]
            .get("EndpointConfigName")
            .is_none()
    );
    (config_before, config_after)
}

#[test]
fn async_endpoint_update_moves_the_endpoint_to_a_new_output_path() {
    let before = template_with(async_endpoint::build, &[]);
    let after = template_with(
        async_endpoint::build,
        &[("outputPrefix", json!("update_output_prefix"))],
    );
    let (_, config) = assert_updates_in_place(&before, &after);
    let output =
        config["Properties"]["AsyncInferenceConfig"]["OutputConfig"]["S3OutputPath"].to_string();
    assert!(output.contains("/update_output_prefix"), "{output}");
    // The model may now write under the new prefix.
    assert!(after.to_string().contains("update_output_prefix/*"));
}

#[test]
fn serverless_endpoint_update_moves_the_endpoint_to_new_settings() {
    let before = template_with(serverless_endpoint::build, &[]);
    let after = template_with(
        serverless_endpoint::build,
        &[("memorySizeMb", json!("6144"))],
    );
    let (_, config) = assert_updates_in_place(&before, &after);
    assert_eq!(
        config["Properties"]["ProductionVariants"][0]["ServerlessConfig"]["MemorySizeInMB"],
        6144
    );
}

#[test]
fn every_deployment_sample_is_tested() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/deployment");
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .expect("examples/deployment")
        .filter_map(|e| {
            let path = e.expect("entry").path();
            if path.extension()? != "rs" {
                return None;
            }
            Some(path.file_stem()?.to_string_lossy().into_owned())
        })
        .collect();
    found.sort();
    let mut tested: Vec<&str> = TESTED.to_vec();
    tested.sort();
    assert_eq!(found, tested);
}
