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
    let resources = json["Resources"].as_object().expect("resources");
    let config = resources
        .values()
        .find(|r| r["Type"] == "AWS::SageMaker::EndpointConfig")
        .expect("configuration")["Properties"]
        .clone();
    let policy = resources
        .values()
        .find(|r| r["Type"] == "AWS::IAM::Policy")
        .expect("the role's default policy")["Properties"]["PolicyDocument"]["Statement"]
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
