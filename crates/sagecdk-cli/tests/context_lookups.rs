//! Context lookups end to end against the local AWS stand-in (moto): an app asks for an SSM
//! parameter; `synth` looks it up, caches it in `cdk.context.json` and runs the app again;
//! the next synth needs no lookup (`--lookups=false` passes); `context` lists and resets; a
//! failed lookup, disabled lookups and a corrupted cache are clear errors, and the cache is
//! never half-written.
//!
//! The app is this test binary's `lookup_app_fixture` (ignored in test runs): it runs as a
//! stack program when the CLI starts it with `SAGECDK_LOOKUP_FIXTURE` naming the parameter.

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
    let value = sagecdk_aws::ssm::value_from_lookup(&stack, &name);
    CfnOutput::new(&stack, "Version", value.as_str());
    app.synth_or_exit();
}

/// `sagecdk <args> --app <the fixture>` in `dir`.
fn run(dir: &Path, parameter: &str, args: &[&str]) -> Output {
    let exe = std::env::current_exe().expect("test binary");
    let app = format!(
        "{} lookup_app_fixture --exact --ignored --quiet --nocapture",
        exe.display()
    );
    command(dir)
        .env(FIXTURE, parameter)
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
