//! Batch transform as a Step Functions state machine: the job's parameters, the roles and
//! grants, the triggers, and the rules.

use sagecdk_assertions::Template;
use sagecdk_aws::kms::{Key, KeyProps};
use sagecdk_aws::s3::{Bucket, BucketProps};
use sagecdk_core::App;
use sagecdk_sagemaker::*;
use serde_json::json;
use std::time::Duration;

mod common;

use common::*;

#[test]
fn a_transform_job_runs_in_a_state_machine_with_its_grants() {
    let app = App::for_tests();
    let s = stack(&app);
    let data = Bucket::new(&s, "Data", BucketProps::default());
    let key = Key::new(&s, "Key", KeyProps::default());
    let m = model(&s, "M");
    let input = S3Location::in_bucket(&data, "batch/input");
    let mut props = BatchTransformProps::new(
        &m,
        input.clone(),
        S3Location::in_bucket(&data, "batch/output"),
    )
    .with_trigger(JobTrigger::schedule("rate(1 day)"))
    .with_trigger(JobTrigger::new_objects(input));
    props.content_type = Some("text/csv".into());
    props.split_type = Some(SplitType::Line);
    props.accept = Some("text/csv".into());
    props.assemble_by_line = true;
    props.instance_type = Some(InstanceType::M5_XLARGE);
    props.instance_count = Some(2);
    props.batch_strategy = Some(BatchStrategy::MultiRecord);
    props.max_payload_mb = Some(6);
    props.output_kms_key = Some(key.clone());
    props.volume_kms_key = Some(key);
    props.data_processing = Some(DataProcessing {
        input_filter: Some("$[1:]".into()),
        output_filter: Some("$[0,-1]".into()),
        join_source: Some(JoinSource::Input),
    });
    props.model_client = Some(ModelClientConfig {
        invocations_timeout: Some(Duration::from_secs(120)),
        invocations_max_retries: Some(1),
    });
    let job = BatchTransform::new(&s, "Nightly", props);
    let t = Template::from_stack(&s);
    let json = t.as_json();
    let sm = &resources_of_type(json, "AWS::StepFunctions::StateMachine")[0];
    // The definition is text joined with its tokens: read it back with the partition `aws`,
    // the model name `MODEL` and the bucket `BUCKET`.
    let text: String = sm["Properties"]["DefinitionString"]["Fn::Join"][1]
        .as_array()
        .expect("joined")
        .iter()
        .map(|p| match p {
            serde_json::Value::String(s) => s.clone(),
            token if token["Ref"] == "AWS::Partition" => "aws".to_string(),
            token if token["Fn::GetAtt"][1] == "ModelName" => "MODEL".to_string(),
            token if token["Fn::GetAtt"][1] == "Arn" => "KEY".to_string(),
            _ => "BUCKET".to_string(),
        })
        .collect();
    let definition: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let task = &definition["States"]["Transform"];
    assert_eq!(
        task["Resource"],
        "arn:aws:states:::sagemaker:createTransformJob.sync"
    );
    let p = &task["Parameters"];
    assert_eq!(
        p["TransformJobName.$"],
        format!(
            "States.Format('{}-{{}}', States.UUID())",
            job.job_name_prefix()
        )
    );
    assert!(
        job.job_name_prefix().len() <= 26,
        "{}",
        job.job_name_prefix()
    );
    assert_eq!(
        p["TransformInput"],
        json!({"ContentType": "text/csv", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri.$": "$.values.input"}}, "SplitType": "Line"})
    );
    assert_eq!(
        p["TransformOutput"],
        json!({"Accept": "text/csv", "AssembleWith": "Line", "KmsKeyId": "KEY", "S3OutputPath.$": "$.values.output"})
    );
    // The locations are defaults an execution's input may replace: the input is merged over
    // them before the task reads them.
    assert_eq!(definition["StartAt"], "Inputs");
    assert_eq!(
        definition["States"]["Inputs"]["Parameters"],
        json!({"defaults": {"input": "s3://BUCKET/batch/input", "output": "s3://BUCKET/batch/output"}, "given.$": "$"})
    );
    assert_eq!(
        definition["States"]["Merge"]["Parameters"]["values.$"],
        "States.JsonMerge($.defaults, $.given, false)"
    );
    assert_eq!(definition["States"]["Merge"]["Next"], "Transform");
    assert_eq!(
        sm["Metadata"]["sagecdk:job"],
        json!({"job": "transform-job", "jobNamePrefix": job.job_name_prefix(), "inputs": ["input", "output"]})
    );
    assert_eq!(
        p["TransformResources"],
        json!({"InstanceCount": 2, "InstanceType": "ml.m5.xlarge", "VolumeKmsKeyId": "KEY"})
    );
    assert_eq!(
        p["DataProcessing"],
        json!({"InputFilter": "$[1:]", "JoinSource": "Input", "OutputFilter": "$[0,-1]"})
    );
    assert_eq!(
        p["ModelClientConfig"],
        json!({"InvocationsMaxRetries": 1, "InvocationsTimeoutInSeconds": 120})
    );
    assert_eq!(p["BatchStrategy"], "MultiRecord");
    assert_eq!(p["MaxPayloadInMB"], 6);
    assert_eq!(p["ModelName"], "MODEL");
    assert!(sm["Properties"].get("DefinitionSubstitutions").is_none());
    // The state machine waits for its role's policy.
    assert!(
        sm["DependsOn"]
            .to_string()
            .contains("NightlyStateMachineRoleDefaultPolicy"),
        "{sm}"
    );
    let of = |role: &str| policy_of(json, role);
    let runner = of("NightlyStateMachineRole");
    assert!(runner.contains("sagemaker:CreateTransformJob"), "{runner}");
    assert!(
        runner.contains("StepFunctionsGetEventsForSageMakerTransformJobsRule"),
        "{runner}"
    );
    // The model reads the input and writes the output, nothing wider.
    let model_role = of("MRole");
    assert!(model_role.contains("batch/input*"), "{model_role}");
    assert!(model_role.contains("batch/output/*"), "{model_role}");
    assert!(model_role.contains("kms:Encrypt"), "{model_role}");
    let rules = resources_of_type(json, "AWS::Events::Rule");
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0]["Properties"]["ScheduleExpression"], "rate(1 day)");
    for rule in &rules {
        assert_eq!(
            rule["Properties"]["Targets"][0]["Arn"]["Ref"]
                .as_str()
                .map(|r| r.starts_with("NightlyStateMachine")),
            Some(true)
        );
    }
    // New input objects start a job: S3's EventBridge notifications are turned on and the
    // rule matches objects created under the input prefix.
    let pattern = &rules[1]["Properties"]["EventPattern"];
    assert_eq!(pattern["detail-type"], json!(["Object Created"]));
    assert_eq!(
        pattern["detail"]["object"]["key"],
        json!([{"prefix": "batch/input/"}])
    );
    assert!(
        pattern["detail"]["bucket"]["name"][0]["Ref"]
            .as_str()
            .is_some_and(|r| r.starts_with("Data"))
    );
    let bucket = &resources_of_type(json, "AWS::S3::Bucket")[0]["Properties"];
    assert_eq!(
        bucket["NotificationConfiguration"],
        json!({"EventBridgeConfiguration": {"EventBridgeEnabled": true}})
    );
}

#[test]
fn batch_transform_rules_are_reported_together() {
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    let mut props = BatchTransformProps::new(
        &m,
        S3Location::uri("input-bucket/x"),
        S3Location::uri("s3://out/y"),
    );
    props.instance_count = Some(0);
    props.max_payload_mb = Some(101);
    props.batch_strategy = Some(BatchStrategy::SingleRecord);
    props.environment.insert("1BAD".into(), "x".into());
    props.model_client = Some(ModelClientConfig {
        invocations_timeout: Some(Duration::from_millis(1500)),
        invocations_max_retries: Some(9),
    });
    props.triggers = vec![
        JobTrigger::schedule("every day"),
        JobTrigger::new_objects(S3Location::uri("s3://in/x")),
    ];
    BatchTransform::new(&s, "Bad", props);
    let found = errors(&s);
    let expected = [
        "[S/Bad] input 'input-bucket/x' is not an S3 URI: it must start with 's3://' (or 'https://')",
        "[S/Bad] TransformResources.InstanceCount must be at least 1, got 0 (SageMaker API CreateTransformJob)",
        "[S/Bad] maxPayloadMb must be between 0 and 100, got 101",
        "[S/Bad] Environment.1BAD (key) '1BAD' does not match the pattern [a-zA-Z_][a-zA-Z0-9_]{0,1023} (SageMaker API CreateTransformJob)",
        "[S/Bad] ModelClientConfig.InvocationsMaxRetries must be at most 3, got 9 (SageMaker API CreateTransformJob)",
        "[S/Bad] modelClient.invocationsTimeout must be a whole number of seconds, got 1.5 s",
        "[S/Bad/Schedule] AWS::Events::Rule property 'ScheduleExpression': value 'every day' does not match pattern '^(rate\\(.+\\)|cron\\(.+\\))?$'",
        "[S/Bad] a new-objects trigger needs a location in a bucket (`S3Location::in_bucket`), not a bare URI",
    ];
    let mut expected = expected.map(String::from).to_vec();
    let mut found = found;
    expected.sort();
    found.sort();
    assert_eq!(found, expected);
}
