//! Fault cases against the local services of `scripts/services.sh`: each deploy fails with a
//! clear error, the local cloud assembly is left as it was and no stack is left half-created.
//!
//! Cases that need a different process environment (`DOCKER_HOST`, `AWS_ENDPOINT_URL`) run the
//! deployment in a child process of this test binary (the ignored test `fault_child`), so the
//! environment of the test process itself is never changed.
#![allow(clippy::print_stdout, clippy::print_stderr)] // a program of its own: it prints its results

use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use sagecdk_assembly::CloudAssembly;
use sagecdk_assets::{DockerImageAsset, DockerImageAssetOptions};
use sagecdk_core::{App, AppProps, CfnResource, Stack, StackProps, cfn};
use sagecdk_deploy::{AwsEnvironment, DeployOptions, deploy_stacks};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;

#[path = "../../../tests/common/tree.rs"]
mod tree;

use tree::snapshot;

/// The variable naming the assembly directory the child process deploys.
const CHILD_ASSEMBLY: &str = "SAGECDK_FAULT_ASSEMBLY";
/// What the child prints before the error of the failed deployment.
const CHILD_ERROR: &str = "deploy failed: ";

/// Bootstraps the environment once per test binary.
async fn bootstrapped() -> AwsEnvironment {
    static ONCE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _guard = ONCE.lock().await;
    common::bootstrapped_environment().await
}

/// A stack with one container image asset and a model using it.
fn synth_with_image(work: &Path, stack_name: &str) -> CloudAssembly {
    let context = work.join("image");
    std::fs::create_dir_all(&context).expect("mkdir");
    std::fs::write(context.join("Dockerfile"), "FROM scratch\n").expect("Dockerfile");
    let out = work.join("cdk.out");
    let app = App::with_props(AppProps {
        outdir: Some(out.clone()),
        ignore_environment: true,
        ..AppProps::default()
    });
    let stack = Stack::new(&app, stack_name, StackProps::default());
    let image = DockerImageAsset::new(&stack, "Image", DockerImageAssetOptions::new(context));
    CfnResource::new(&stack, "Model", "AWS::SageMaker::Model").with_properties(cfn!({
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/sagecdk-fault-sagemaker",
        "PrimaryContainer": {"Image": (image.image_uri())}
    }));
    app.synth().expect("synthesizes");
    CloudAssembly::load(&out).expect("loads")
}

/// Deploys the assembly at `$SAGECDK_FAULT_ASSEMBLY`; run by the fault cases as a child process
/// with a changed environment. Prints the error of the failed deployment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run as a child process by the fault cases"]
async fn fault_child() {
    let dir = std::env::var(CHILD_ASSEMBLY).expect("assembly directory");
    let assembly = CloudAssembly::load(Path::new(&dir)).expect("loads");
    let stacks = assembly.stacks().expect("stacks");
    match deploy_stacks(&assembly, &stacks, &DeployOptions::default()).await {
        Ok(results) => panic!("deploy succeeded: {results:?}"),
        Err(e) => println!("{CHILD_ERROR}{e}"),
    }
}

/// Runs `fault_child` on `assembly` with the variables `env` set; returns the deploy error.
fn deploy_in_child(assembly: &Path, env: &[(&str, &str)], limit: Duration) -> String {
    let started = Instant::now();
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command
        .args(["--exact", "fault_child", "--ignored", "--nocapture"])
        .env(CHILD_ASSEMBLY, assembly);
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().expect("runs the child");
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(elapsed < limit, "took {elapsed:?}:\n{stdout}\n{stderr}");
    let error = stdout
        .lines()
        .find_map(|l| l.strip_prefix(CHILD_ERROR))
        .unwrap_or_else(|| panic!("no deploy error:\n{stdout}\n{stderr}"))
        .to_string();
    eprintln!("after {elapsed:?}: {error}");
    error
}

async fn assert_no_stack(env: &AwsEnvironment, name: &str) {
    let err = AwsEnvironment::cloudformation(env.base_config())
        .describe_stacks()
        .stack_name(name)
        .send()
        .await
        .expect_err("the stack was not created");
    assert!(
        err.message().unwrap_or_default().contains("does not exist"),
        "{name}: {err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_docker_engine_names_the_engine_and_creates_nothing() {
    let env = bootstrapped().await;
    let work = tempfile::tempdir().expect("tmp");
    let stack_name = format!("SageCdkFaultDocker{}", std::process::id());
    let assembly = synth_with_image(work.path(), &stack_name);
    let before = snapshot(assembly.dir());
    let socket = work.path().join("no-such-docker.sock");
    let docker_host = format!("unix://{}", socket.display());

    let error = deploy_in_child(
        assembly.dir(),
        &[("DOCKER_HOST", &docker_host)],
        Duration::from_secs(120),
    );
    assert!(error.contains("cannot reach the Docker engine"), "{error}");
    assert!(
        error.contains("Start Docker") && error.contains("DOCKER_HOST"),
        "{error}"
    );
    assert_no_stack(&env, &stack_name).await;
    assert_eq!(
        snapshot(assembly.dir()),
        before,
        "the assembly is unchanged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_endpoint_times_out_naming_it() {
    let work = tempfile::tempdir().expect("tmp");
    let stack_name = format!("SageCdkFaultStall{}", std::process::id());
    let assembly = synth_with_image(work.path(), &stack_name);
    let before = snapshot(assembly.dir());
    // Accepts connections and reads the requests, but never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let error = deploy_in_child(
        assembly.dir(),
        &[
            ("AWS_ENDPOINT_URL", &endpoint),
            ("SAGECDK_READ_TIMEOUT", "0.5"),
            ("SAGECDK_CONNECT_TIMEOUT", "0.5"),
        ],
        Duration::from_secs(60),
    );
    assert!(
        error.contains(&format!(
            "STS GetCallerIdentity failed: no answer from the endpoint {endpoint} ("
        )),
        "{error}"
    );
    assert!(error.contains("timeout"), "{error}");
    assert!(error.contains("SAGECDK_READ_TIMEOUT"), "{error}");
    assert!(
        !error.contains("DispatchFailure {"),
        "no debug dump: {error}"
    );
    assert_eq!(
        snapshot(assembly.dir()),
        before,
        "the assembly is unchanged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_endpoint_fails_in_bounded_time() {
    let env = bootstrapped().await;
    let work = tempfile::tempdir().expect("tmp");
    let stack_name = format!("SageCdkFaultEndpoint{}", std::process::id());
    let assembly = synth_with_image(work.path(), &stack_name);
    let before = snapshot(assembly.dir());

    let error = deploy_in_child(
        assembly.dir(),
        &[("AWS_ENDPOINT_URL", "http://127.0.0.1:1")],
        Duration::from_secs(90),
    );
    assert!(
        error.contains(
            "STS GetCallerIdentity failed: no answer from the endpoint http://127.0.0.1:1 ("
        ),
        "{error}"
    );
    assert!(
        error.contains("Connection refused") && error.contains("AWS_ENDPOINT_URL"),
        "{error}"
    );
    assert_no_stack(&env, &stack_name).await;
    assert_eq!(
        snapshot(assembly.dir()),
        before,
        "the assembly is unchanged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_resource_names_stack_and_reason() {
    let env = bootstrapped().await;
    let work = tempfile::tempdir().expect("tmp");
    let stack_name = format!("SageCdkFaultResource{}", std::process::id());
    let out = work.path().join("cdk.out");
    let app = App::with_props(AppProps {
        outdir: Some(out.clone()),
        ignore_environment: true,
        ..AppProps::default()
    });
    let stack = Stack::new(&app, &stack_name, StackProps::default());
    // An endpoint whose endpoint configuration does not exist.
    CfnResource::new(&stack, "Endpoint", "AWS::SageMaker::Endpoint")
        .with_properties(cfn!({"EndpointConfigName": "sagecdk-fault-no-such-config"}));
    app.synth().expect("synthesizes");
    let assembly = CloudAssembly::load(&out).expect("loads");
    let stacks = assembly.stacks().expect("stacks");
    let before = snapshot(assembly.dir());

    let options = DeployOptions::default();
    let deploy = deploy_stacks(&assembly, &stacks, &options);
    let error = tokio::time::timeout(Duration::from_secs(180), deploy)
        .await
        .expect("the deploy ends")
        .expect_err("the deploy fails")
        .to_string();
    assert!(
        error.contains(&format!("ExecuteChangeSet of stack {stack_name} failed")),
        "{error}"
    );
    assert!(
        error.contains("Could not find endpoint configuration")
            && error.contains("sagecdk-fault-no-such-config"),
        "{error}"
    );
    // The stack did not come out as deployed.
    let stack = AwsEnvironment::cloudformation(env.base_config())
        .describe_stacks()
        .stack_name(&stack_name)
        .send()
        .await
        .ok()
        .and_then(|out| out.stacks().first().cloned());
    if let Some(stack) = stack {
        let status = stack.stack_status().map(|s| s.as_str()).unwrap_or_default();
        assert!(
            !status.ends_with("_COMPLETE") || status.contains("ROLLBACK"),
            "{status}"
        );
    }
    assert_eq!(
        snapshot(assembly.dir()),
        before,
        "the assembly is unchanged"
    );
}
