//! A batch transform deployed against the local AWS stand-in (moto): the state machine is
//! created from the template (the definition text joined with the partition, the model's name
//! and the S3 locations) and read back with the Step Functions API; its task creates the transform job of the
//! deployed model, through the `.sync` integration, with the job's input and output.
//!
//! What the stand-in does not do: run the SageMaker task of an execution (its Step Functions
//! does not call SageMaker integrations), so no execution is started here; the definition the
//! service would run is checked instead.

use sagecdk_aws::s3::Bucket;
use sagecdk_deploy::{DeployOptions, deploy_stacks};
use sagecdk_sagemaker::*;
use serde_json::Value as Json;

mod common;

use common::{bootstrapped_environment, moto_endpoint, moto_json, physical_name, synth_stack};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_machine_deploys_with_the_jobs_definition() {
    let endpoint = moto_endpoint();
    let env = bootstrapped_environment().await;
    let work = tempfile::tempdir().expect("tmp");
    let stack_name = format!("SageCdkBatch{}", std::process::id());
    let mut job_prefix = String::new();
    let assembly = synth_stack(&work.path().join("cdk.out"), &stack_name, |stack| {
        let data = Bucket::from_bucket_name(stack, "Data", "batch-data");
        let model = Model::new(
            stack,
            "Model",
            ModelProps::with_container(ContainerDefinition::new(ContainerImage::from_dlc(
                "pytorch-inference",
                "2.3.0-cpu-py311",
            ))),
        );
        let job = BatchTransform::new(
            stack,
            "Batch",
            BatchTransformProps::new(
                &model,
                S3Location::in_bucket(&data, "in"),
                S3Location::in_bucket(&data, "out"),
            ),
        );
        job_prefix = job.job_name_prefix().to_string();
    });
    deploy_stacks(
        &assembly,
        &assembly.stacks().expect("stacks"),
        &DeployOptions::default(),
    )
    .await
    .expect("deploys");

    let arn = physical_name(&env, &stack_name, "AWS::StepFunctions::StateMachine").await;
    let (status, text) = moto_json(
        &endpoint,
        "AWSStepFunctions.DescribeStateMachine",
        "states",
        &format!("{{\"stateMachineArn\":\"{arn}\"}}"),
    );
    assert_eq!(status, 200, "{text}");
    let described: Json = serde_json::from_str(&text).expect("JSON");
    let definition: Json =
        serde_json::from_str(described["definition"].as_str().expect("definition")).expect("JSON");
    let task = &definition["States"]["Transform"];
    assert_eq!(
        task["Resource"],
        "arn:aws:states:::sagemaker:createTransformJob.sync"
    );
    let model_name = physical_name(&env, &stack_name, "AWS::SageMaker::Model").await;
    assert_eq!(task["Parameters"]["ModelName"], model_name.as_str());
    // The locations are the defaults an execution's input may replace.
    assert_eq!(
        task["Parameters"]["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri.$"],
        "$.values.input"
    );
    assert_eq!(
        task["Parameters"]["TransformOutput"]["S3OutputPath.$"],
        "$.values.output"
    );
    assert_eq!(
        definition["States"]["Inputs"]["Parameters"]["defaults"],
        serde_json::json!({"input": "s3://batch-data/in", "output": "s3://batch-data/out"})
    );
    assert!(
        task["Parameters"]["TransformJobName.$"]
            .as_str()
            .is_some_and(|n| n.contains(&job_prefix)),
        "{task}"
    );
}
