//! `sagecdk local` end to end in the Docker engine of `scripts/services.sh`: a model whose
//! image is a Rust serving program (`ContainerImage::from_inference_spec`, built by cargo at
//! synthesis onto `scratch`) and whose data is a local directory packaged by the app is
//! invoked, batch-transformed over local files, and served until Ctrl-C; the containers are
//! removed every time. A model that is not in the app is an error listing those that are.
//! The seed's XGBoost classifier, trained by the xgboost package and served by the Rust
//! `xgboost-server` image, answers 2,000 rows in its container with xgboost's classes.
//!
//! The app is this test binary's `local_app_fixture` (ignored in test runs).

mod common;

use bollard::Docker;
use bollard::query_parameters::ListContainersOptions;
use common::{command, text};
use sagecdk_core::{App, Stack, StackProps};
use sagecdk_sagemaker::{
    ContainerDefinition, ContainerImage, Model, ModelData, ModelProps, PackageOptions,
};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

const FIXTURE: &str = "SAGECDK_LOCAL_FIXTURE";
/// The directory of the XGBoost model, when the fixture serves it too.
const XGBOOST: &str = "SAGECDK_LOCAL_XGBOOST";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
#[ignore = "the stack program the other tests run through the CLI, not a test"]
fn local_app_fixture() {
    let Ok(weights) = std::env::var(FIXTURE) else {
        return;
    };
    let app = App::new();
    let stack = Stack::new(&app, "LocalServe", StackProps::default());
    Model::new(
        &stack,
        "Scorer",
        ModelProps::with_container(
            ContainerDefinition::new(ContainerImage::from_inference_spec(
                repo().join("examples/serving/linear-server"),
                "linear-server",
            ))
            .with_model_data(ModelData::from_directory(
                weights,
                PackageOptions::default(),
            ))
            .with_environment("SAGEMAKER_MODEL_SERVER_WORKERS", "2"),
        ),
    );
    if let Ok(model) = std::env::var(XGBOOST) {
        Model::new(
            &stack,
            "Xgboost",
            ModelProps::with_container(
                ContainerDefinition::new(ContainerImage::from_inference_spec(
                    repo().join("examples/serving/xgboost-server"),
                    "xgboost-server",
                ))
                .with_model_data(ModelData::from_directory(model, PackageOptions::default())),
            ),
        );
    }
    app.synth_or_exit();
}

/// `sagecdk <args> --app <the fixture>` in `dir`, the model's weights in `weights`.
fn sagecdk(dir: &Path, weights: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = fixture_command(dir, weights, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("writes");
    child.wait_with_output().expect("ends")
}

fn fixture_command(dir: &Path, weights: &Path, args: &[&str]) -> std::process::Command {
    let exe = std::env::current_exe().expect("test binary");
    let app = format!(
        "{} local_app_fixture --exact --ignored --quiet --nocapture",
        exe.display()
    );
    let mut command = command(dir);
    command
        .env(FIXTURE, weights)
        .args(args)
        .args(["--app", &app]);
    command
}

/// The containers `sagecdk local` started for `model` that still exist (per model: the tests
/// of this file run side by side, each with its own model).
fn local_containers(runtime: &tokio::runtime::Runtime, model: &str) -> Vec<String> {
    let docker = Docker::connect_with_defaults().expect("docker");
    let filters = HashMap::from([(
        "label".to_string(),
        vec![format!("sagecdk.local.model={model}")],
    )]);
    runtime
        .block_on(docker.list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..ListContainersOptions::default()
        })))
        .expect("containers")
        .into_iter()
        .filter_map(|c| c.id)
        .collect()
}

#[test]
fn a_rust_model_is_invoked_transformed_and_served_locally() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let before = local_containers(&runtime, "LocalServe/Scorer");
    let work = tempfile::tempdir().expect("tmp");
    let weights = work.path().join("model");
    std::fs::create_dir_all(&weights).expect("dir");
    std::fs::write(weights.join("weights.txt"), "1 0.5 2").expect("weights");

    // One payload, answered in the type asked for.
    let out = sagecdk(
        work.path(),
        &weights,
        &[
            "local",
            "invoke",
            "LocalServe/Scorer",
            "--data",
            "-",
            "--content-type",
            "text/csv",
            "--accept",
            "application/json",
        ],
        b"1,2,3\n0,4,1\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "[8,4]");
    assert!(
        text(&out.stderr).contains("LocalServe/Scorer answered /ping after"),
        "{}",
        text(&out.stderr)
    );

    // A batch transform over two files, one record per line, batched.
    let input = work.path().join("input");
    std::fs::create_dir_all(input.join("day2")).expect("dirs");
    std::fs::write(input.join("a.csv"), "1,1,1\n2,2,2\n").expect("a");
    std::fs::write(input.join("day2/b.csv"), "0,0,1\n").expect("b");
    let output = work.path().join("output");
    let out = sagecdk(
        work.path(),
        &weights,
        &["local", "transform", "LocalServe/Scorer", "--input"],
        b"",
    );
    assert!(!out.status.success(), "--input needs a value");
    let out = fixture_command(
        work.path(),
        &weights,
        &["local", "transform", "LocalServe/Scorer"],
    )
    .arg("--input")
    .arg(&input)
    .arg("--output")
    .arg(&output)
    .args(["--accept", "text/csv"])
    .stdin(Stdio::null())
    .output()
    .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(output.join("a.csv.out")).expect("a.out"),
        "3.5\n7\n"
    );
    assert_eq!(
        std::fs::read_to_string(output.join("day2/b.csv.out")).expect("b.out"),
        "2\n"
    );
    assert!(
        text(&out.stderr).contains("Transformed 2 file(s): 3 record(s) in 2 request(s)"),
        "{}",
        text(&out.stderr)
    );

    // A model the app does not have.
    let out = sagecdk(
        work.path(),
        &weights,
        &["local", "invoke", "LocalServe/Nope", "--data", "-"],
        b"",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains(
            "stack LocalServe has no model 'LocalServe/Nope'; its models: LocalServe/Scorer"
        ),
        "{}",
        text(&out.stderr)
    );

    // Served until Ctrl-C: the sample input is answered first, then the URL is printed.
    let mut child = fixture_command(
        work.path(),
        &weights,
        &["local", "serve", "LocalServe/Scorer"],
    )
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut url = String::new();
    stdout.read_line(&mut url).expect("reads the URL");
    let url = url.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let address: std::net::SocketAddr = url.trim_start_matches("http://").parse().expect("address");
    let answer = runtime
        .block_on(sagecdk_serve::send(
            address,
            "POST",
            "/invocations",
            b"[[2,2,2]]",
            "application/json",
            "text/csv",
        ))
        .expect("answer");
    assert_eq!((answer.status, answer.text()), (200, "7\n".to_string()));
    assert_eq!(
        local_containers(&runtime, "LocalServe/Scorer").len(),
        before.len() + 1,
        "the served container is labelled with its model"
    );
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let started = Instant::now();
    let status = child.wait().expect("exits");
    assert!(started.elapsed() < Duration::from_secs(30));
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("Sample input (application/x-npy) answered in"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Interrupted: the container was removed"),
        "{stderr}"
    );
    assert_eq!(
        local_containers(&runtime, "LocalServe/Scorer"),
        before,
        "every container is removed"
    );
}

#[test]
fn the_xgboost_model_answers_like_xgboost_in_its_container() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let before = local_containers(&runtime, "LocalServe/Xgboost");
    let work = tempfile::tempdir().expect("tmp");
    let model = work.path().join("xgboost");
    let trained = std::process::Command::new(repo().join(".venv/bin/python"))
        .arg(repo().join("examples/serving/xgboost-server/train.py"))
        .arg(&model)
        .output()
        .expect("runs the repository's .venv python (the test command installs xgboost)");
    assert!(trained.status.success(), "{}", text(&trained.stderr));
    let weights = work.path().join("weights");
    std::fs::create_dir_all(&weights).expect("dir");
    std::fs::write(weights.join("weights.txt"), "1").expect("weights");
    let data = model.join("test.npy").to_string_lossy().into_owned();
    let out = fixture_command(
        work.path(),
        &weights,
        &[
            "local",
            "invoke",
            "LocalServe/Xgboost",
            "--content-type",
            "application/x-npy",
            "--accept",
            "application/x-npy",
            "--data",
            &data,
        ],
    )
    .env(XGBOOST, &model)
    .stdin(Stdio::null())
    .output()
    .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ours = sagecdk_serve::Tensor::from_npy(&out.stdout).expect("npy answer");
    let expected =
        sagecdk_serve::Tensor::from_npy(&std::fs::read(model.join("proba.npy")).expect("proba"))
            .expect("npy");
    assert_eq!(ours.shape(), expected.shape());
    let argmax = |row: &[f32]| (0..row.len()).max_by(|a, b| row[*a].total_cmp(&row[*b]));
    let rows = expected.shape()[0];
    assert!(rows >= 1000);
    for i in 0..rows {
        assert_eq!(
            argmax(ours.row(i).expect("row")),
            argmax(expected.row(i).expect("row")),
            "row {i}"
        );
    }
    assert_eq!(
        local_containers(&runtime, "LocalServe/Xgboost"),
        before,
        "the container is removed"
    );
}
