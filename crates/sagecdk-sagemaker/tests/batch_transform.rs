//! Batch transform as a Step Functions state machine: the job's parameters, the roles and
//! grants, the schedule, and the rules.

use sagecdk_assertions::Template;
use sagecdk_aws::s3::{Bucket, BucketProps};
use sagecdk_core::App;
use sagecdk_sagemaker::*;
use serde_json::json;

mod common;

use common::*;

#[test]
fn a_transform_job_runs_in_a_state_machine_with_its_grants() {
    let app = App::for_tests();
    let s = stack(&app);
    let data = Bucket::new(&s, "Data", BucketProps::default());
    let m = model(&s, "M");
    let mut props = BatchTransformProps::new(
        &m,
        S3Location::in_bucket(&data, "batch/input"),
        S3Location::in_bucket(&data, "batch/output"),
    );
    props.content_type = Some("text/csv".into());
    props.split_type = Some(SplitType::Line);
    props.accept = Some("text/csv".into());
    props.assemble_by_line = true;
    props.instance_type = Some(InstanceType::M5_XLARGE);
    props.instance_count = Some(2);
    props.batch_strategy = Some(BatchStrategy::MultiRecord);
    props.max_payload_mb = Some(6);
    props.schedule = Some("rate(1 day)".into());
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
        json!({"ContentType": "text/csv", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://BUCKET/batch/input"}}, "SplitType": "Line"})
    );
    assert_eq!(
        p["TransformOutput"],
        json!({"Accept": "text/csv", "AssembleWith": "Line", "S3OutputPath": "s3://BUCKET/batch/output"})
    );
    assert_eq!(
        p["TransformResources"],
        json!({"InstanceCount": 2, "InstanceType": "ml.m5.xlarge"})
    );
    assert_eq!(p["BatchStrategy"], "MultiRecord");
    assert_eq!(p["MaxPayloadInMB"], 6);
    assert_eq!(p["ModelName"], "MODEL");
    assert!(sm["Properties"].get("DefinitionSubstitutions").is_none());
    // The state machine waits for its role's policy.
    assert!(
        sm["DependsOn"]
            .to_string()
            .contains("NightlyRoleDefaultPolicy"),
        "{sm}"
    );
    let policies: Vec<String> = resources_of_type(json, "AWS::IAM::Policy")
        .iter()
        .map(|p| p.to_string())
        .collect();
    let of = |role: &str| {
        policies
            .iter()
            .find(|p| p.contains(&format!("\"Ref\":\"{role}")))
            .cloned()
            .unwrap_or_default()
    };
    let runner = of("NightlyRole");
    assert!(runner.contains("sagemaker:CreateTransformJob"), "{runner}");
    assert!(
        runner.contains("StepFunctionsGetEventsForSageMakerTransformJobsRule"),
        "{runner}"
    );
    // The model reads the input and writes the output, nothing wider.
    let model_role = of("MRole");
    assert!(model_role.contains("batch/input*"), "{model_role}");
    assert!(model_role.contains("batch/output/*"), "{model_role}");
    let rule = &resources_of_type(json, "AWS::Events::Rule")[0]["Properties"];
    assert_eq!(rule["ScheduleExpression"], "rate(1 day)");
    assert_eq!(
        rule["Targets"][0]["Arn"]["Ref"]
            .as_str()
            .map(|r| r.starts_with("NightlyStateMachine")),
        Some(true)
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
    BatchTransform::new(&s, "Bad", props);
    let found = errors(&s);
    for expected in [
        "[S/Bad] input 'input-bucket/x' is not an S3 URI: it must start with 's3://' (or 'https://')",
        "[S/Bad] instanceCount must be at least 1",
        "[S/Bad] maxPayloadMb must be between 0 and 100, got 101",
    ] {
        assert!(
            found.iter().any(|f| f == expected),
            "missing {expected}\nin {found:#?}"
        );
    }
}
