//! Training jobs as Step Functions state machines: the request, the execution role's least
//! privilege, the role passed to SageMaker, networking and encryption, and the rules.

use sagecdk_assertions::Template;
use sagecdk_aws::ec2::Vpc;
use sagecdk_aws::kms::{Key, KeyProps};
use sagecdk_aws::s3::{Bucket, BucketProps};
use sagecdk_core::{App, Str};
use sagecdk_images::{ImageQuery, ImageScope};
use sagecdk_sagemaker::*;
use serde_json::{Value, json};
use std::time::Duration;

mod common;

use common::*;

/// The definition of the stack's one state machine, with each token read back as a name:
/// `Ref` → the logical id, `Fn::GetAtt` → `<id>.<attribute>`, pseudo parameters bare.
fn definition(json: &Value) -> Value {
    let sm = &resources_of_type(json, "AWS::StepFunctions::StateMachine")[0];
    let text: String = sm["Properties"]["DefinitionString"]["Fn::Join"][1]
        .as_array()
        .expect("joined")
        .iter()
        .map(|p| match p {
            Value::String(s) => s.clone(),
            token if token["Ref"].is_string() => token["Ref"]
                .as_str()
                .unwrap_or_default()
                .replace("AWS::", ""),
            token if token["Fn::GetAtt"].is_array() => format!(
                "{}.{}",
                token["Fn::GetAtt"][0].as_str().unwrap_or_default(),
                token["Fn::GetAtt"][1].as_str().unwrap_or_default()
            ),
            other => other.to_string(),
        })
        .collect();
    serde_json::from_str(&text).expect("the definition is JSON")
}

#[test]
fn a_training_job_runs_in_a_state_machine_with_a_least_privilege_role() {
    let app = App::for_tests();
    let s = stack(&app);
    let data = Bucket::new(&s, "Data", BucketProps::default());
    let key = Key::new(&s, "Key", KeyProps::default());
    let image = ContainerImage::from_framework(
        ImageQuery::new("xgboost")
            .with_version("1.7-1")
            .with_scope(ImageScope::Training),
    );
    let mut train = TrainingChannel::new("train", S3Location::in_bucket(&data, "train"))
        .with_content_type("text/csv");
    train.input_mode = Some(InputMode::FastFile);
    train.sharded = true;
    let mut validation =
        TrainingChannel::new("validation", S3Location::in_bucket(&data, "validation"));
    validation.gzipped = true;
    let mut props = TrainingJobProps::new(
        image,
        vec![train, validation],
        S3Location::in_bucket(&data, "models"),
    )
    .with_hyperparameter("num_round", "100")
    .with_hyperparameter("objective", "reg:squarederror")
    .with_trigger(JobTrigger::schedule("rate(7 days)"));
    props.instance_type = Some(InstanceType::M5_2XLARGE);
    props.instance_count = Some(2);
    props.volume_size_gb = Some(50);
    props.max_runtime = Some(Duration::from_secs(3 * 3600));
    props.output_kms_key = Some(key.clone());
    props.volume_kms_key = Some(key);
    props.vpc = Some(Vpc::from_attributes(
        "vpc-1",
        vec![Str::from("subnet-a"), Str::from("subnet-b")],
    ));
    props.environment.insert("LOG_LEVEL".into(), "debug".into());
    let job = TrainingJob::new(&s, "Train", props);
    assert!(job.job_name_prefix().starts_with("STrain-") && job.job_name_prefix().len() <= 26);

    let t = Template::from_stack(&s);
    let json = t.as_json();
    let def = definition(json);
    let task = &def["States"]["Train"];
    assert_eq!(
        task["Resource"],
        "arn:Partition:states:::sagemaker:createTrainingJob.sync"
    );
    let p = &task["Parameters"];
    assert_eq!(
        p["TrainingJobName.$"],
        format!(
            "States.Format('{}-{{}}', States.UUID())",
            job.job_name_prefix()
        )
    );
    // The image is the catalog's training image for the test stack's region.
    let image = p["AlgorithmSpecification"]["TrainingImage"]
        .as_str()
        .unwrap_or_default();
    assert!(image.ends_with("/sagemaker-xgboost:1.7-1"), "{image}");
    assert_eq!(p["AlgorithmSpecification"]["TrainingInputMode"], "File");
    assert!(
        p["RoleArn"]
            .as_str()
            .is_some_and(|r| r.starts_with("TrainRole") && r.ends_with(".Arn"))
    );
    assert_eq!(
        p["InputDataConfig"],
        json!([
            {"ChannelName": "train", "ContentType": "text/csv", "InputMode": "FastFile",
             "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3DataDistributionType": "ShardedByS3Key",
                 "S3Uri.$": "$.values.train"}}},
            {"ChannelName": "validation", "CompressionType": "Gzip",
             "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                 "S3Uri.$": "$.values.validation"}}}
        ])
    );
    assert_eq!(p["HyperParameters.$"], "$.values.hyperparameters");
    assert_eq!(p["OutputDataConfig"]["S3OutputPath.$"], "$.values.output");
    // The channels' data, the output and the hyperparameters are defaults an execution's
    // input may replace.
    let bucket = bucket_ref(json);
    assert_eq!(
        def["States"]["Inputs"]["Parameters"]["defaults"],
        json!({
            "train": format!("s3://{bucket}/train"),
            "validation": format!("s3://{bucket}/validation"),
            "output": format!("s3://{bucket}/models"),
            "hyperparameters": {"num_round": "100", "objective": "reg:squarederror"}
        })
    );
    let sm = &resources_of_type(json, "AWS::StepFunctions::StateMachine")[0];
    assert_eq!(
        sm["Metadata"]["sagecdk:job"]["inputs"],
        json!(["train", "validation", "output", "hyperparameters"])
    );
    assert!(
        p["OutputDataConfig"]["KmsKeyId"]
            .as_str()
            .is_some_and(|k| k.starts_with("Key"))
    );
    assert_eq!(p["ResourceConfig"]["InstanceType"], "ml.m5.2xlarge");
    assert_eq!(p["ResourceConfig"]["InstanceCount"], 2);
    assert_eq!(p["ResourceConfig"]["VolumeSizeInGB"], 50);
    assert_eq!(
        p["StoppingCondition"],
        json!({"MaxRuntimeInSeconds": 10800})
    );
    assert_eq!(p["VpcConfig"]["Subnets"], json!(["subnet-a", "subnet-b"]));
    assert!(
        p["VpcConfig"]["SecurityGroupIds"][0]
            .as_str()
            .is_some_and(|g| g.starts_with("TrainSecurityGroup"))
    );
    assert_eq!(p["Environment"], json!({"LOG_LEVEL": "debug"}));

    let of = |role: &str| policy_of(json, role);
    // The job's role: reads its channels, writes its output, pulls its image, uses the key,
    // places network interfaces; no broader S3 access.
    let role = of("TrainRole");
    for expected in [
        "train*",
        "validation*",
        "models/*",
        "ecr:BatchGetImage",
        "kms:Encrypt",
        "ec2:CreateNetworkInterface",
        "logs:PutLogEvents",
    ] {
        assert!(role.contains(expected), "{expected} missing from {role}");
    }
    assert!(!role.contains("AmazonSageMakerFullAccess"));
    // The state machine's role runs training jobs of its own prefix and passes the job's role
    // to SageMaker only.
    let runner = of("TrainStateMachineRole");
    assert!(runner.contains("sagemaker:CreateTrainingJob"), "{runner}");
    assert!(
        runner.contains("StepFunctionsGetEventsForSageMakerTrainingJobsRule"),
        "{runner}"
    );
    assert!(
        runner.contains("iam:PassRole")
            && runner.contains("\"iam:PassedToService\":\"sagemaker.amazonaws.com\""),
        "{runner}"
    );
    assert!(
        runner.contains(&format!(
            "training-job/{}*",
            job.job_name_prefix().to_lowercase()
        )),
        "{runner}"
    );
    let rule = &resources_of_type(json, "AWS::Events::Rule")[0]["Properties"];
    assert_eq!(rule["ScheduleExpression"], "rate(7 days)");
}

/// The data bucket's logical id, as [`definition`] renders its `Ref`.
fn bucket_ref(json: &Value) -> String {
    json["Resources"]
        .as_object()
        .and_then(|r| {
            r.iter()
                .find(|(_, v)| v["Type"] == "AWS::S3::Bucket")
                .map(|(k, _)| k.clone())
        })
        .unwrap_or_default()
}

#[test]
fn training_job_rules_are_reported_together() {
    let app = App::for_tests();
    let s = stack(&app);
    let data = Bucket::new(&s, "Data", BucketProps::default());
    let mut props = TrainingJobProps::new(
        image(),
        vec![
            TrainingChannel::new("train", S3Location::in_bucket(&data, "a")),
            TrainingChannel::new("train", S3Location::uri("b/c")),
            TrainingChannel::new("bad name", S3Location::in_bucket(&data, "d")),
        ],
        S3Location::in_bucket(&data, "models"),
    )
    .with_hyperparameter("long", "x".repeat(2501));
    props.max_runtime = Some(Duration::from_millis(10));
    props.instance_count = Some(0);
    let _ = TrainingJob::new(&s, "Bad", props);
    let mut found = errors(&s);
    found.sort();
    let mut expected = vec![
        "[S/Bad] channel 'train' is defined twice",
        "[S/Bad] instanceCount must be at least 1, got 0",
        "[S/Bad] channels.train 'b/c' is not an S3 URI: it must start with 's3://' (or 'https://')",
        "[S/Bad] maxRuntime must be a whole number of seconds, got 0.01 s",
        "[S/Bad] HyperParameters.long must be at most 2500 characters, got 2501 (SageMaker API CreateTrainingJob)",
        "[S/Bad] InputDataConfig[2].ChannelName 'bad name' does not match the pattern [A-Za-z0-9\\.\\-_]+ (SageMaker API CreateTrainingJob)",
    ];
    expected.sort();
    assert_eq!(found, expected);
}
