//! Context lookups end to end against the local AWS stand-in (moto): an app asks for an SSM
//! parameter; `synth` looks it up, caches it in `cdk.context.json` and runs the app again;
//! the next synth needs no lookup (`--lookups=false` passes); `context` lists and resets; a
//! failed lookup, disabled lookups and a corrupted cache are clear errors, and the cache is
//! never half-written.
//!
//! Training jobs (the ModelTrainer → ModelBuilder handshake): a model's data is the artifacts
//! of a job given by name, or of the newest completed job with a name prefix, read with the
//! SageMaker API from jobs the test creates; an unknown job is a clear error. (The stand-in
//! completes a training job at once, so "not completed yet" is tested on the rule itself in
//! `sagecdk-deploy`'s lookup module.)
//!
//! The model registry: a model runs the newest *Approved* package of a group (a pending newer
//! one is not taken); a group without one is a clear error.
//!
//! The app is this test binary's `lookup_app_fixture` (ignored in test runs): it runs as a
//! stack program when the CLI starts it with `SAGECDK_LOOKUP_FIXTURE` naming the parameter
//! (and `SAGECDK_LOOKUP_TRAINING` a training job name, `SAGECDK_LOOKUP_LATEST` a prefix).

mod common;

use common::{command, text};
use sagecdk_core::{App, CfnOutput, Environment, Stack, StackProps};
use std::path::Path;
use std::process::Output;

const FIXTURE: &str = "SAGECDK_LOOKUP_FIXTURE";

#[test]
#[ignore = "the stack program the other tests run through the CLI, not a test"]
fn lookup_app_fixture() {
    let Ok(name) = std::env::var(FIXTURE) else {
        return;
    };
    let app = App::new();
    let stack = Stack::new(
        &app,
        "Lookup",
        StackProps::default().with_env(Environment::new("123456789012", "us-west-2")),
    );
    if !name.is_empty() {
        let value = sagecdk_aws::ssm::value_from_lookup(&stack, &name);
        CfnOutput::new(&stack, "Version", value.as_str());
    }
    let image =
        || sagecdk_sagemaker::ContainerImage::from_dlc("pytorch-inference", "2.3.0-cpu-py311");
    let trained = |id: &str, data: sagecdk_sagemaker::ModelData| {
        sagecdk_sagemaker::Model::new(
            &stack,
            id,
            sagecdk_sagemaker::ModelProps::with_container(
                sagecdk_sagemaker::ContainerDefinition::new(image()).with_model_data(data),
            ),
        );
    };
    if let Ok(job) = std::env::var("SAGECDK_LOOKUP_TRAINING") {
        // The model and the image of the job: one lookup.
        sagecdk_sagemaker::Model::new(
            &stack,
            "Trained",
            sagecdk_sagemaker::ModelProps::with_container(
                sagecdk_sagemaker::ContainerDefinition::new(
                    sagecdk_sagemaker::ContainerImage::from_training_job(job.clone()),
                )
                .with_model_data(sagecdk_sagemaker::ModelData::from_training_job(job)),
            ),
        );
    }
    if let Ok(group) = std::env::var("SAGECDK_LOOKUP_PACKAGE_GROUP") {
        sagecdk_sagemaker::Model::from_model_package_group(&stack, "Registered", group);
    }
    if let Ok(prefix) = std::env::var("SAGECDK_LOOKUP_LATEST") {
        trained(
            "Newest",
            sagecdk_sagemaker::ModelData::from_latest_training_job(prefix),
        );
    }
    app.synth_or_exit();
}

/// `sagecdk <args> --app <the fixture>` in `dir`.
fn run(dir: &Path, parameter: &str, args: &[&str]) -> Output {
    run_with(dir, parameter, &[], args)
}

/// [`run`] with more environment for the fixture.
fn run_with(dir: &Path, parameter: &str, env: &[(&str, &str)], args: &[&str]) -> Output {
    let exe = std::env::current_exe().expect("test binary");
    let app = format!(
        "{} lookup_app_fixture --exact --ignored --quiet --nocapture",
        exe.display()
    );
    command(dir)
        .env(FIXTURE, parameter)
        .envs(env.iter().copied())
        .args(args)
        .args(["--app", &app])
        .output()
        .expect("runs")
}

fn ssm() -> (tokio::runtime::Runtime, aws_sdk_ssm::Client) {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
    assert!(
        !endpoint.is_empty(),
        "AWS_ENDPOINT_URL is not set: start the test services with `scripts/services.sh start` and export their environment"
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let config = runtime.block_on(
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-west-2"))
            .load(),
    );
    (runtime, aws_sdk_ssm::Client::new(&config))
}

#[test]
fn a_lookup_is_cached_and_then_works_offline() {
    let (runtime, ssm) = ssm();
    let name = format!("/sagecdk-test/{}/model-version", std::process::id());
    runtime
        .block_on(
            ssm.put_parameter()
                .name(&name)
                .value("v42")
                .r#type(aws_sdk_ssm::types::ParameterType::String)
                .send(),
        )
        .expect("PutParameter");
    let dir = tempfile::tempdir().expect("tmp");
    let key = format!("ssm:account=123456789012:parameterName={name}:region=us-west-2");

    // Looked up, cached, and the app run again with the value.
    let out = run(dir.path(), &name, &["synth", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let template: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(template["Outputs"]["Version"]["Value"], "v42");
    let cached: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("cdk.context.json")).expect("cache written"),
    )
    .expect("JSON");
    assert_eq!(cached[&key], "v42");

    // Offline from the cache: the parameter is gone and lookups are off.
    runtime
        .block_on(ssm.delete_parameter().name(&name).send())
        .expect("DeleteParameter");
    let out = run(dir.path(), &name, &["synth", "--json", "--lookups=false"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let template: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(template["Outputs"]["Version"]["Value"], "v42");

    // Listed, then reset by number.
    let out = command(dir.path()).arg("context").output().expect("runs");
    assert!(
        text(&out.stdout).contains(&format!("  1  {key}  \"v42\"")),
        "{}",
        text(&out.stdout)
    );
    let out = command(dir.path())
        .args(["context", "--reset", "1"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = command(dir.path())
        .args(["context", "--json"])
        .output()
        .expect("runs");
    assert_eq!(text(&out.stdout).trim(), "{}");

    // Lookups off and nothing cached: an error naming the key.
    let out = run(dir.path(), &name, &["synth", "--lookups=false"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("lookups are disabled") && err.contains(&key),
        "{err}"
    );

    // The parameter does not exist: the construct reports the lookup's error; nothing cached.
    let out = run(dir.path(), &name, &["synth"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("[Lookup] 'ssm' lookup failed:")
            && err.contains(&format!(
                "SSM parameter '{name}' not available in account 123456789012, region us-west-2"
            )),
        "{err}"
    );
    let cached = std::fs::read_to_string(dir.path().join("cdk.context.json")).expect("cache");
    assert!(!cached.contains(&key), "{cached}");

    // A corrupted cache is named, and left as it was.
    std::fs::write(dir.path().join("cdk.context.json"), "{not json").expect("write");
    let out = run(dir.path(), &name, &["synth"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("cdk.context.json") && err.contains("invalid JSON"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("cdk.context.json")).expect("read"),
        "{not json"
    );
}

#[test]
fn a_lookup_without_credentials_is_a_clear_error_and_caches_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let home = tempfile::tempdir().expect("home");
    let exe = std::env::current_exe().expect("test binary");
    let app = format!(
        "{} lookup_app_fixture --exact --ignored --quiet --nocapture",
        exe.display()
    );
    // No credentials anywhere the standard chain looks: no variables, empty config files, no
    // instance metadata.
    let out = common::command_without_aws(dir.path())
        .env(FIXTURE, "/ml/ranker/version")
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", home.path().join("config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.path().join("credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-west-2")
        .args(["synth", "--app", &app])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("[Lookup] 'ssm' lookup failed:") && err.contains("no AWS credentials found"),
        "{err}"
    );
    assert!(
        !dir.path().join("cdk.context.json").exists(),
        "a failed lookup is not cached"
    );
}

/// Creates a completed training job `name` in the local stand-in (it completes at once); its
/// artifacts URI.
fn train(runtime: &tokio::runtime::Runtime, name: &str) -> String {
    use aws_sdk_sagemaker::types::{
        AlgorithmSpecification, OutputDataConfig, ResourceConfig, StoppingCondition,
        TrainingInputMode, TrainingInstanceType,
    };
    let config = runtime.block_on(
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-west-2"))
            .load(),
    );
    let sm = aws_sdk_sagemaker::Client::new(&config);
    runtime
        .block_on(
            sm.create_training_job()
                .training_job_name(name)
                .algorithm_specification(
                    AlgorithmSpecification::builder()
                        .training_image("763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-training:2.3.0-cpu-py311")
                        .training_input_mode(TrainingInputMode::File)
                        .build(),
                )
                .role_arn("arn:aws:iam::123456789012:role/trainer")
                .output_data_config(
                    OutputDataConfig::builder()
                        .s3_output_path("s3://training-output/jobs")
                        .build(),
                )
                .resource_config(
                    ResourceConfig::builder()
                        .instance_type(TrainingInstanceType::MlM5Large)
                        .instance_count(1)
                        .volume_size_in_gb(10)
                        .build(),
                )
                .stopping_condition(StoppingCondition::builder().max_runtime_in_seconds(600).build())
                .send(),
        )
        .expect("CreateTrainingJob");
    let described = runtime
        .block_on(sm.describe_training_job().training_job_name(name).send())
        .expect("DescribeTrainingJob");
    described
        .model_artifacts()
        .and_then(|a| a.s3_model_artifacts())
        .expect("artifacts")
        .to_string()
}

#[test]
fn models_take_the_artifacts_of_training_jobs() {
    let (runtime, _) = ssm();
    let prefix = format!("sagecdk-{}-ranker", std::process::id());
    let older = train(&runtime, &format!("{prefix}-1"));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let newer = train(&runtime, &format!("{prefix}-2"));
    assert_ne!(older, newer);
    let dir = tempfile::tempdir().expect("tmp");
    let named = format!("{prefix}-1");
    let out = run_with(
        dir.path(),
        "",
        &[
            ("SAGECDK_LOOKUP_TRAINING", named.as_str()),
            ("SAGECDK_LOOKUP_LATEST", prefix.as_str()),
        ],
        &["synth", "--json"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let template: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let url_of = |prefix: &str| {
        template["Resources"]
            .as_object()
            .expect("resources")
            .iter()
            .find(|(id, r)| id.starts_with(prefix) && r["Type"] == "AWS::SageMaker::Model")
            .map(|(_, r)| r["Properties"]["PrimaryContainer"]["ModelDataUrl"].clone())
            .expect("model")
    };
    assert_eq!(url_of("Trained"), older.as_str());
    // The inference image of the job's training image (pytorch-training → pytorch-inference).
    assert!(
        template.to_string().contains(
            "\"763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-inference:2.3.0-cpu-py311\""
        ),
        "{template}"
    );
    assert_eq!(url_of("Newest"), newer.as_str());
    // The roles may read the artifacts.
    let policies = template.to_string();
    assert!(policies.contains("training-output/jobs/"), "{policies}");

    // An unknown job: an error at the model, naming the job.
    let out = run_with(
        dir.path(),
        "",
        &[("SAGECDK_LOOKUP_TRAINING", "no-such-job")],
        &["synth"],
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("[Lookup/Trained] 'plugin' lookup failed:")
            && err.contains("there is no training job 'no-such-job'"),
        "{err}"
    );
    // Said once, though the image and the data both asked.
    assert_eq!(err.matches("there is no training job").count(), 1, "{err}");
}

#[test]
fn a_model_runs_the_newest_approved_package_of_a_group() {
    use aws_sdk_sagemaker::types::{
        InferenceSpecification, ModelApprovalStatus, ModelPackageContainerDefinition,
    };
    let (runtime, _) = ssm();
    let config = runtime.block_on(
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-west-2"))
            .load(),
    );
    let sm = aws_sdk_sagemaker::Client::new(&config);
    let group = format!("sagecdk-{}-ranker", std::process::id());
    runtime
        .block_on(
            sm.create_model_package_group()
                .model_package_group_name(&group)
                .send(),
        )
        .expect("CreateModelPackageGroup");
    let package = |status: ModelApprovalStatus, data: &str| {
        let spec = InferenceSpecification::builder()
            .containers(
                ModelPackageContainerDefinition::builder()
                    .image("763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-inference:2.3.0-cpu-py311")
                    .model_data_url(data)
                    .build(),
            )
            .supported_content_types("application/json")
            .supported_response_mime_types("application/json")
            .build();
        runtime
            .block_on(
                sm.create_model_package()
                    .model_package_group_name(&group)
                    .model_approval_status(status)
                    .inference_specification(spec)
                    .send(),
            )
            .expect("CreateModelPackage")
            .model_package_arn()
            .expect("ARN")
            .to_string()
    };
    let approved = package(
        ModelApprovalStatus::Approved,
        "s3://registry-models/ranker/v1.tar.gz",
    );
    package(
        ModelApprovalStatus::PendingManualApproval,
        "s3://registry-models/ranker/v2.tar.gz",
    );
    let dir = tempfile::tempdir().expect("tmp");
    let out = run_with(
        dir.path(),
        "",
        &[("SAGECDK_LOOKUP_PACKAGE_GROUP", group.as_str())],
        &["synth", "--json"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let template: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let text_of = template.to_string();
    assert!(
        text_of.contains(&format!("\"ModelPackageName\":\"{approved}\"")),
        "{text_of}"
    );
    assert!(!text_of.contains("\"Image\""), "{text_of}");
    // The role reads the approved package's data and pulls its image.
    assert!(
        text_of.contains("registry-models/ranker/v1.tar.gz"),
        "{text_of}"
    );
    assert!(!text_of.contains("v2.tar.gz"), "{text_of}");
    assert!(
        text_of.contains("763104351884:repository/pytorch-inference"),
        "{text_of}"
    );

    let out = run_with(
        dir.path(),
        "",
        &[("SAGECDK_LOOKUP_PACKAGE_GROUP", "no-such-group")],
        &["synth"],
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("[Lookup/Registered] 'plugin' lookup failed:")
            && err.contains("model package group 'no-such-group' has no Approved package"),
        "{err}"
    );
}
