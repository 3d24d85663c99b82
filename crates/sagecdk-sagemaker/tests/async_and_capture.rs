//! Asynchronous inference and data capture on endpoint configurations: their rendering, the
//! grants the models' roles get, and SageMaker's rules.

use sagecdk_assertions::Template;
use sagecdk_aws::kms::{Key, KeyProps};
use sagecdk_aws::s3::{Bucket, BucketProps};
use sagecdk_aws::sns::{Topic, TopicProps};
use sagecdk_core::App;
use sagecdk_sagemaker::*;
use serde_json::{Value as Json, json};

mod common;

use common::*;

/// The rendered `AWS::SageMaker::EndpointConfig` properties and the model role's policy
/// statements of a stack whose configuration `Config` serves model `M`.
fn rendered(
    build: impl FnOnce(&sagecdk_core::Stack, &Model) -> EndpointConfigProps,
) -> (Json, Json) {
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    let props = build(&s, &m);
    EndpointConfig::new(&s, "Config", props);
    let t = Template::from_stack(&s);
    let json = t.as_json();
    let config = resources_of_type(json, "AWS::SageMaker::EndpointConfig")[0]["Properties"].clone();
    let policy =
        resources_of_type(json, "AWS::IAM::Policy")[0]["Properties"]["PolicyDocument"]["Statement"]
            .clone();
    (config, policy)
}

fn variant(m: &Model) -> Vec<InstanceProductionVariantProps> {
    vec![InstanceProductionVariantProps::new(m, "AllTraffic")]
}

#[test]
fn async_inference_renders_every_option_and_grants_exactly_what_writing_needs() {
    let (config, statements) = rendered(|s, m| {
        let results = Bucket::new(s, "Results", BucketProps::default());
        let key = Key::new(s, "Key", KeyProps::default());
        let done = Topic::new(s, "Done", TopicProps::default());
        let failed = Topic::new(s, "Failed", TopicProps::default());
        EndpointConfigProps {
            instance_production_variants: variant(m),
            async_inference: Some(
                AsyncInferenceProps::new(S3Location::in_bucket(&results, "async/outputs"))
                    .with_failure(S3Location::in_bucket(&results, "async/failures/"))
                    .with_kms_key(&key)
                    .with_success_topic(&done)
                    .with_error_topic(&failed)
                    .with_inference_response_in(InferenceResponseIn::SuccessTopic)
                    .with_max_concurrent_invocations_per_instance(4),
            ),
            ..EndpointConfigProps::default()
        }
    });
    let bucket =
        |path: &str| json!({"Fn::Join": ["", ["s3://", {"Ref": "Results25575328"}, path]]});
    assert_eq!(
        config["AsyncInferenceConfig"],
        json!({
            "ClientConfig": {"MaxConcurrentInvocationsPerInstance": 4},
            "OutputConfig": {
                "KmsKeyId": {"Fn::GetAtt": ["Key961B73FD", "Arn"]},
                "NotificationConfig": {
                    "ErrorTopic": {"Ref": "Failed178E83A2"},
                    "IncludeInferenceResponseIn": ["SUCCESS_NOTIFICATION_TOPIC"],
                    "SuccessTopic": {"Ref": "Done2A7A629D"}
                },
                "S3FailurePath": bucket("/async/failures"),
                "S3OutputPath": bucket("/async/outputs")
            }
        })
    );
    let text = statements.to_string();
    let put = statements
        .as_array()
        .expect("statements")
        .iter()
        .find(|s| s["Action"].to_string().contains("s3:PutObject\""))
        .expect("a put grant");
    let objects = put["Resource"].to_string();
    assert!(objects.contains("/async/outputs/*"), "{objects}");
    for action in ["sns:Publish", "kms:GenerateDataKey*", "s3:Abort*"] {
        assert!(text.contains(action), "{action} in {text}");
    }
    // Writing only: no read of the results, no bucket-wide put.
    assert!(!text.contains("s3:GetObject"), "{text}");
    assert!(!text.contains("\"/*\""), "{text}");
}

#[test]
fn data_capture_renders_its_options_and_grants_the_destination() {
    let (config, statements) = rendered(|s, m| {
        let bucket = Bucket::new(s, "Capture", BucketProps::default());
        EndpointConfigProps {
            instance_production_variants: variant(m),
            data_capture: Some(
                DataCaptureProps::new(S3Location::in_bucket(&bucket, "capture"))
                    .with_sampling_percentage(50)
                    .with_capture(Capture::Input)
                    .with_json_content_types(["application/json"])
                    .with_csv_content_types(["text/csv"]),
            ),
            ..EndpointConfigProps::default()
        }
    });
    assert_eq!(
        config["DataCaptureConfig"],
        json!({
            "CaptureContentTypeHeader": {
                "CsvContentTypes": ["text/csv"],
                "JsonContentTypes": ["application/json"]
            },
            "CaptureOptions": [{"CaptureMode": "Input"}],
            "DestinationS3Uri": {"Fn::Join": ["", ["s3://", {"Ref": "Capture4F9379E3"}, "/capture"]]},
            "EnableCapture": true,
            "InitialSamplingPercentage": 50
        })
    );
    assert!(
        statements.to_string().contains("/capture/*"),
        "{statements}"
    );
}

#[test]
fn defaults_capture_both_directions_at_twenty_percent_and_uris_get_no_grants() {
    let (config, statements) = rendered(|_, m| EndpointConfigProps {
        instance_production_variants: variant(m),
        data_capture: Some(DataCaptureProps::new(S3Location::uri(
            "s3://shared/capture",
        ))),
        ..EndpointConfigProps::default()
    });
    assert_eq!(
        config["DataCaptureConfig"],
        json!({
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
            "DestinationS3Uri": "s3://shared/capture",
            "EnableCapture": true,
            "InitialSamplingPercentage": 20
        })
    );
    assert!(
        !statements.to_string().contains("s3:PutObject"),
        "{statements}"
    );
}

#[test]
fn every_rule_broken_is_reported_together_at_the_configuration() {
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    let bucket = Bucket::from_bucket_name(&s, "B", "results");
    EndpointConfig::new(
        &s,
        "Async",
        EndpointConfigProps {
            instance_production_variants: variant(&m),
            async_inference: Some(
                AsyncInferenceProps::new(S3Location::uri("results/out"))
                    .with_inference_response_in(InferenceResponseIn::ErrorTopic)
                    .with_max_concurrent_invocations_per_instance(1001),
            ),
            data_capture: Some(
                DataCaptureProps::new(S3Location::in_bucket(&bucket, "a//b"))
                    .with_sampling_percentage(101)
                    .with_json_content_types(["application/json", "not a type"])
                    .with_csv_content_types((0..11).map(|i| format!("text/csv{i}"))),
            ),
            ..EndpointConfigProps::default()
        },
    );
    EndpointConfig::new(
        &s,
        "Serverless",
        EndpointConfigProps {
            serverless_production_variant: Some(ServerlessProductionVariantProps::new(
                &m, "s", 2048, 5,
            )),
            async_inference: Some(AsyncInferenceProps::new(S3Location::uri("s3://r/o"))),
            data_capture: Some(DataCaptureProps::new(S3Location::uri("s3://r/c"))),
            ..EndpointConfigProps::default()
        },
    );
    let found = errors(&s);
    let expected = [
        "[S/Async] asyncInference.output 'results/out' is not an S3 URI: it must start with 's3://' (or 'https://')",
        "[S/Async] asyncInference.maxConcurrentInvocationsPerInstance must be between 1 and 1000, got 1001",
        "[S/Async] asyncInference.includeInferenceResponseIn has 'ERROR_NOTIFICATION_TOPIC' but no errorTopic is set; set the topic or leave the response out of its messages",
        "[S/Async] dataCapture.destination prefix 'a//b' has an empty path segment ('//'); write the prefix without doubled slashes",
        "[S/Async] dataCapture.samplingPercentage must be between 0 and 100, got 101",
        "[S/Async] dataCapture.csvContentTypes lists 11 content types; at most 10 are allowed",
        "[S/Async] dataCapture.jsonContentTypes entry 'not a type' is not a content type: 1 to 256 characters without spaces, such as 'application/json'",
    ];
    for e in expected {
        assert!(found.iter().any(|f| f == e), "missing {e}\nin {found:#?}");
    }
    let serverless: Vec<&String> = found
        .iter()
        .filter(|f| f.starts_with("[S/Serverless]"))
        .collect();
    assert_eq!(serverless.len(), 1, "{serverless:#?}");
    assert!(
        serverless[0].contains("a serverless variant cannot be used with asynchronous inference; use an instance production variant")
            && serverless[0].contains("a serverless variant cannot be used with data capture"),
        "{serverless:#?}"
    );
}

/// An asynchronous endpoint `E` of configuration `C` (variant `v`), autoscaled between `min`
/// and 4 instances on its backlog (5 per instance); its template.
fn backlog_scaled(min: u32, per_instance: f64) -> Result<Json, Vec<String>> {
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    let config = EndpointConfig::new(
        &s,
        "C",
        EndpointConfigProps {
            instance_production_variants: vec![InstanceProductionVariantProps::new(&m, "v")],
            async_inference: Some(AsyncInferenceProps::new(S3Location::uri("s3://r/out"))),
            ..EndpointConfigProps::default()
        },
    );
    let endpoint = Endpoint::new(&s, "E", EndpointProps::new(&config));
    endpoint
        .find_instance_production_variant("v")
        .auto_scale_instance_count(EnableScalingProps::max(4).with_min(min))
        .scale_on_backlog("Backlog", BacklogScalingProps::new(per_instance));
    match Template::try_from_stack(&s) {
        Ok(t) => Ok(t.as_json().clone()),
        Err(_) => Err(errors(&s)),
    }
}

#[test]
fn backlog_scaling_to_zero_brings_the_first_instance_back_on_backlog_without_capacity() {
    let template = backlog_scaled(0, 5.0).expect("synthesizes");
    let targets = resources_of_type(&template, "AWS::ApplicationAutoScaling::ScalableTarget");
    assert_eq!(targets[0]["Properties"]["MinCapacity"], 0);
    let policies = resources_of_type(&template, "AWS::ApplicationAutoScaling::ScalingPolicy");
    let tracking = policies
        .iter()
        .find(|p| p["Properties"]["PolicyType"] == "TargetTrackingScaling")
        .expect("target tracking");
    let config = &tracking["Properties"]["TargetTrackingScalingPolicyConfiguration"];
    assert_eq!(config["TargetValue"], 5);
    let custom = &config["CustomizedMetricSpecification"];
    assert_eq!(custom["MetricName"], "ApproximateBacklogSizePerInstance");
    assert_eq!(custom["Namespace"], "AWS/SageMaker");
    assert_eq!(custom["Statistic"], "Average");
    assert_eq!(custom["Dimensions"][0]["Name"], "EndpointName");
    assert_eq!(
        custom["Dimensions"][0]["Value"]["Fn::GetAtt"][1],
        "EndpointName"
    );
    let step = policies
        .iter()
        .find(|p| p["Properties"]["PolicyType"] == "StepScaling")
        .expect("the scale-from-zero policy");
    let step_config = &step["Properties"]["StepScalingPolicyConfiguration"];
    assert_eq!(step_config["AdjustmentType"], "ChangeInCapacity");
    assert_eq!(step_config["Cooldown"], 300);
    assert_eq!(
        step_config["StepAdjustments"],
        json!([{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}])
    );
    let alarms = resources_of_type(&template, "AWS::CloudWatch::Alarm");
    assert_eq!(alarms.len(), 1, "{alarms:#?}");
    let alarm = &alarms[0]["Properties"];
    assert_eq!(alarm["MetricName"], "HasBacklogWithoutCapacity");
    assert_eq!(alarm["Namespace"], "AWS/SageMaker");
    assert_eq!(alarm["ComparisonOperator"], "GreaterThanOrEqualToThreshold");
    assert_eq!(alarm["Threshold"], 1);
    assert_eq!(alarm["EvaluationPeriods"], 2);
    assert_eq!(alarm["DatapointsToAlarm"], 2);
    assert_eq!(alarm["Period"], 60);
    assert_eq!(alarm["Dimensions"][0]["Name"], "EndpointName");
    assert!(alarm["AlarmActions"].to_string().contains("Ref"), "{alarm}");
}

#[test]
fn backlog_scaling_above_zero_needs_no_scale_from_zero_policy_and_targets_must_be_positive() {
    let template = backlog_scaled(1, 5.0).expect("synthesizes");
    assert_eq!(
        resources_of_type(&template, "AWS::ApplicationAutoScaling::ScalingPolicy").len(),
        1
    );
    assert!(resources_of_type(&template, "AWS::CloudWatch::Alarm").is_empty());
    let found = backlog_scaled(0, 0.0).expect_err("a target of 0 is refused");
    assert!(
        found.iter().any(|e| e
            .ends_with("backlogPerInstance of 'Backlog' must be a number greater than 0, got 0")),
        "{found:#?}"
    );
}

#[test]
fn endpoints_report_their_queue_as_endpoint_metrics() {
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    let config = instance_config(&s, "C", variant(&m));
    let endpoint = Endpoint::new(&s, "E", EndpointProps::new(&config));
    for (metric, name, statistic) in [
        (
            endpoint.metric_approximate_backlog_size(),
            "ApproximateBacklogSize",
            "Average",
        ),
        (
            endpoint.metric_approximate_backlog_size_per_instance(),
            "ApproximateBacklogSizePerInstance",
            "Average",
        ),
        (
            endpoint.metric_approximate_age_of_oldest_request(),
            "ApproximateAgeOfOldestRequest",
            "Maximum",
        ),
        (
            endpoint.metric_has_backlog_without_capacity(),
            "HasBacklogWithoutCapacity",
            "Average",
        ),
    ] {
        assert_eq!(
            (
                metric.namespace.as_str(),
                metric.metric_name.as_str(),
                metric.statistic.as_str()
            ),
            ("AWS/SageMaker", name, statistic)
        );
        assert_eq!(
            metric.dimensions.keys().collect::<Vec<_>>(),
            ["EndpointName"]
        );
    }
}
