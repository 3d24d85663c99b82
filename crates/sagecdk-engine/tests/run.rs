//! `sagecdk run` end to end against the local AWS stand-in (moto).
//!
//! On the shared server a stack with a batch transform and a training job is deployed with
//! `sagecdk deploy`; `run` finds a job by construct path or by stack output, starts an
//! execution with the given input, and rejects inputs the job does not read and names the app
//! does not have. Following with `--wait` is stopped by Ctrl-C: the command says how to
//! follow again and the execution keeps running; once stopped, following it again exits
//! non-zero saying it was aborted.
//!
//! What the stand-in cannot do: run the SageMaker task of an execution. Its Step Functions
//! leaves the executions of state machines created by CloudFormation running; on a private
//! server whose Step Functions interprets definitions (for state machines created through its
//! API), the synthesized definition runs its input states, merges the execution's input over
//! the job's defaults, and then fails at the `.sync` SageMaker task, which the interpreter does
//! not support; `run --execution` follows that execution to the failure and exits non-zero
//! with its reason.

mod common;

#[path = "../../sagecdk-deploy/tests/common/private_moto.rs"]
mod private_moto;

use common::{command, text};
use private_moto::PrivateMoto;
use sagecdk_aws::s3::Bucket;
use sagecdk_core::{App, AppProps, CfnOutput, Stack, StackProps};
use sagecdk_sagemaker::*;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// Synthesizes the jobs app (stack `name`) into `dir/app`, with path metadata as the CLI
/// writes it for app programs.
fn jobs_app(dir: &Path, name: &str) -> PathBuf {
    let out = dir.join("app");
    let app = App::with_props(AppProps {
        outdir: Some(out.clone()),
        ignore_environment: true,
        context: [("aws:cdk:enable-path-metadata".to_string(), json!(true))]
            .into_iter()
            .collect(),
    });
    let stack = Stack::new(&app, name, StackProps::default());
    let data = Bucket::from_bucket_name(&stack, "Data", "jobs-data");
    let model = Model::new(
        &stack,
        "Model",
        ModelProps::with_container(ContainerDefinition::new(ContainerImage::from_dlc(
            "pytorch-inference",
            "2.3.0-cpu-py311",
        ))),
    );
    let batch = BatchTransform::new(
        &stack,
        "Batch",
        BatchTransformProps::new(
            &model,
            S3Location::in_bucket(&data, "in"),
            S3Location::in_bucket(&data, "out"),
        ),
    );
    CfnOutput::new(&stack, "BatchArn", batch.state_machine_arn());
    TrainingJob::new(
        &stack,
        "Train",
        TrainingJobProps::new(
            ContainerImage::from_dlc("pytorch-training", "2.3.0-cpu-py311"),
            vec![TrainingChannel::new(
                "train",
                S3Location::in_bucket(&data, "train"),
            )],
            S3Location::in_bucket(&data, "models"),
        ),
    );
    app.synth().expect("synthesizes");
    out
}

fn sagecdk(dir: &Path, args: &[&str], app: &Path) -> Output {
    command(dir)
        .args(args)
        .arg("--app")
        .arg(app)
        .stdin(Stdio::null())
        .output()
        .expect("runs")
}

fn step_functions() -> (tokio::runtime::Runtime, aws_sdk_sfn::Client) {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
    assert!(
        !endpoint.is_empty(),
        "AWS_ENDPOINT_URL is not set: start the test services with `scripts/services.sh start` and export their environment"
    );
    sfn_at(&endpoint)
}

fn sfn_at(endpoint: &str) -> (tokio::runtime::Runtime, aws_sdk_sfn::Client) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let config = runtime.block_on(
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .load(),
    );
    (runtime, aws_sdk_sfn::Client::new(&config))
}

#[test]
fn run_starts_jobs_by_path_or_output_and_ctrl_c_leaves_them_running() {
    let work = tempfile::tempdir().expect("tmp");
    let name = format!("Jobs{}", std::process::id());
    let app = jobs_app(work.path(), &name);
    let boot = sagecdk(work.path(), &["bootstrap"], &app);
    assert!(boot.status.success(), "bootstrap: {}", text(&boot.stderr));
    let deploy = sagecdk(
        work.path(),
        &["deploy", &name, "--require-approval", "never"],
        &app,
    );
    assert!(deploy.status.success(), "deploy: {}", text(&deploy.stderr));
    let (runtime, sfn) = step_functions();
    let describe = |arn: &str| {
        runtime
            .block_on(sfn.describe_execution().execution_arn(arn).send())
            .expect("DescribeExecution")
    };

    // By construct path, with an input replacing the job's default input location.
    let batch = format!("{name}/Batch");
    let out = sagecdk(
        work.path(),
        &["run", &batch, "--input", "input=s3://jobs-data/other"],
        &app,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let execution = text(&out.stdout).trim().to_string();
    let described = describe(&execution);
    assert_eq!(described.status().as_str(), "RUNNING");
    assert_eq!(
        serde_json::from_str::<Value>(described.input().unwrap_or_default()).expect("JSON"),
        json!({"input": "s3://jobs-data/other"})
    );
    let batch_machine = described.state_machine_arn().to_string();

    // By stack output: the same state machine (the output is the state machine's `Ref`, so
    // its resource is read; the stand-in keeps no outputs of stacks made by change sets).
    let out = sagecdk(work.path(), &["run", &format!("{name}/BatchArn")], &app);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let by_output = describe(text(&out.stdout).trim());
    assert_eq!(by_output.state_machine_arn(), batch_machine);
    assert_eq!(by_output.input(), Some("{}"));

    // Inputs the job does not read, and names the app does not have, are clear errors.
    let out = sagecdk(
        work.path(),
        &[
            "run",
            &format!("{name}/Train"),
            "--input",
            "train=s3://jobs-data/t2",
            "--input",
            "epochs=3",
            "--input",
            "oops",
        ],
        &app,
    );
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "--input epochs: the job {name}/Train reads train, output"
        )) && stderr.contains("--input 'oops' is not KEY=VALUE"),
        "{stderr}"
    );
    let out = sagecdk(work.path(), &["run", &format!("{name}/Nope")], &app);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "stack {name} has no job or output '{name}/Nope'; jobs and outputs: "
        )) && stderr.contains(&format!("{name}/Batch"))
            && stderr.contains(&format!("{name}/Train"))
            && stderr.contains(&format!("{name}/BatchArn (output)")),
        "{stderr}"
    );
    let out = sagecdk(work.path(), &["run", "Elsewhere/Batch"], &app);
    assert!(
        text(&out.stderr).contains(&format!(
            "'Elsewhere/Batch' is in none of the app's stacks ({name})"
        )),
        "{}",
        text(&out.stderr)
    );

    // Following: Ctrl-C stops following, not the execution.
    let mut child = command(work.path())
        .args(["run", &batch, "--wait", "--poll-interval", "0.2", "--app"])
        .arg(&app)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut seen = String::new();
    let started = Instant::now();
    while !seen.contains("RUNNING") {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no progress: {seen}"
        );
        let mut line = String::new();
        if stderr.read_line(&mut line).expect("reads") == 0 {
            break;
        }
        seen.push_str(&line);
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let status = child.wait().expect("exits");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("reads");
    seen.push_str(&rest);
    assert_eq!(status.code(), Some(130), "{seen}");
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().expect("stdout"), &mut stdout)
        .expect("reads");
    let followed = stdout.trim().to_string();
    assert!(
        seen.contains(&format!(
            "Follow again with `sagecdk run --execution {followed}`"
        )),
        "{seen}"
    );
    assert_eq!(describe(&followed).status().as_str(), "RUNNING");

    // Once stopped, following it again ends at once, non-zero, saying why.
    runtime
        .block_on(sfn.stop_execution().execution_arn(&followed).send())
        .expect("StopExecution");
    let out = sagecdk(
        work.path(),
        &["run", "--execution", &followed, "--poll-interval", "0.2"],
        &app,
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains(&format!("{followed}: the execution was aborted")),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_failed_execution_ends_the_run_with_its_reason() {
    let work = tempfile::tempdir().expect("tmp");
    let app = jobs_app(work.path(), "Interpreted");
    let template: Value = serde_json::from_slice(
        &std::fs::read(app.join("Interpreted.template.json")).expect("template"),
    )
    .expect("JSON");
    // The batch transform's definition with its tokens given values: the partition, and the
    // model's name.
    let resources = template["Resources"].as_object().expect("resources");
    let machine = resources
        .values()
        .find(|r| {
            r["Type"] == "AWS::StepFunctions::StateMachine"
                && r["Metadata"]["sagecdk:job"]["job"] == "transform-job"
        })
        .expect("the batch state machine");
    let definition: String = machine["Properties"]["DefinitionString"]["Fn::Join"][1]
        .as_array()
        .expect("joined")
        .iter()
        .map(|part| match part {
            Value::String(s) => s.clone(),
            token if token["Ref"] == "AWS::Partition" => "aws".to_string(),
            _ => "batch-model".to_string(),
        })
        .collect();

    let moto = PrivateMoto::start();
    moto.execute_state_machines();
    let (runtime, sfn) = sfn_at(&moto.endpoint);
    let machine = runtime
        .block_on(
            sfn.create_state_machine()
                .name("batch")
                .definition(&definition)
                .role_arn("arn:aws:iam::123456789012:role/batch")
                .send(),
        )
        .expect("CreateStateMachine");
    // Started as a schedule or a new object would: with an input of its own.
    let execution = runtime
        .block_on(
            sfn.start_execution()
                .state_machine_arn(machine.state_machine_arn())
                .input(r#"{"output": "s3://jobs-data/elsewhere"}"#)
                .send(),
        )
        .expect("StartExecution")
        .execution_arn()
        .to_string();

    let out = command(work.path())
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .args(["run", "--execution", &execution, "--poll-interval", "0.2"])
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{execution}: the execution failed: States.Runtime: "
        )) && stderr.contains("Unsupported sync callback procedure"),
        "{stderr}"
    );
    // The input states ran: the execution's output location over the job's defaults.
    let history = runtime
        .block_on(sfn.get_execution_history().execution_arn(&execution).send())
        .expect("GetExecutionHistory");
    let merged = history
        .events()
        .iter()
        .filter_map(|e| e.state_exited_event_details())
        .find(|d| d.name() == "Merge")
        .and_then(|d| d.output())
        .expect("the merge state ran");
    assert_eq!(
        serde_json::from_str::<Value>(merged).expect("JSON"),
        json!({"values": {"input": "s3://jobs-data/in", "output": "s3://jobs-data/elsewhere"}})
    );
}
