//! Helpers shared by the end-to-end tests: the environment of the local test services.

pub(crate) const HINT: &str = "start the test services with `scripts/services.sh start` and export their \
                        environment with `eval \"$(scripts/services.sh env)\"`";

pub(crate) mod http;

pub(crate) fn require(var: &str) -> String {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => v,
        _ => panic!("{var} is not set: {HINT}"),
    }
}

/// The moto endpoint, checked to answer.
pub(crate) fn moto_endpoint() -> String {
    let endpoint = require("AWS_ENDPOINT_URL");
    let addr = endpoint.trim_start_matches("http://").trim_end_matches('/');
    if std::net::TcpStream::connect(addr).is_err() {
        panic!("moto server at {endpoint} does not answer: {HINT}");
    }
    endpoint
}

/// Calls a JSON-protocol API of the moto server (e.g. SageMaker) directly: the SDK for that
/// service is not a dependency of the deploy engine.
#[allow(dead_code)]
pub(crate) fn moto_json(endpoint: &str, target: &str, service: &str, body: &str) -> (u16, String) {
    let headers = format!(
        "Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: {target}\r\n{}",
        http::test_authorization("us-west-2", service)
    );
    http::request(endpoint, "POST", "/", &headers, body)
}

/// The environment of the current credentials, bootstrapped with the default qualifier
/// (idempotent; the golden assembly expects it).
#[allow(dead_code)]
pub(crate) async fn bootstrapped_environment() -> sagecdk_deploy::environment::AwsEnvironment {
    use sagecdk_deploy::bootstrap::{BootstrapOptions, bootstrap};
    use sagecdk_deploy::environment::{AwsEnvironment, EnvironmentOptions};
    moto_endpoint();
    let env = AwsEnvironment::resolve(
        &EnvironmentOptions::default(),
        "aws://unknown-account/unknown-region",
    )
    .await
    .expect("environment");
    bootstrap(&env, &BootstrapOptions::default())
        .await
        .expect("bootstrap");
    env
}

/// The physical id of the stack's resource of type `ty` (a SageMaker name or ARN).
#[allow(dead_code)]
pub(crate) async fn physical_name(
    env: &sagecdk_deploy::AwsEnvironment,
    stack: &str,
    ty: &str,
) -> String {
    let cfn = sagecdk_deploy::AwsEnvironment::cloudformation(env.base_config());
    let resources = cfn
        .list_stack_resources()
        .stack_name(stack)
        .send()
        .await
        .expect("ListStackResources");
    let id = resources
        .stack_resource_summaries()
        .iter()
        .find(|r| r.resource_type() == Some(ty))
        .and_then(|r| r.physical_resource_id())
        .unwrap_or_else(|| panic!("no {ty} in {stack}"))
        .to_string();
    id.rsplit('/').next().unwrap_or(&id).to_string()
}

/// Synthesizes into `out` an app of one stack `stack_name` in account 123456789012,
/// us-west-2 (the local stand-in's), with what `build` adds; the loaded assembly.
#[allow(dead_code)]
pub(crate) fn synth_stack(
    out: &std::path::Path,
    stack_name: &str,
    build: impl FnOnce(&sagecdk_core::Stack),
) -> sagecdk_assembly::CloudAssembly {
    use sagecdk_core::{App, AppProps, Environment, Stack, StackProps};
    let app = App::with_props(AppProps {
        outdir: Some(out.to_path_buf()),
        ignore_environment: true,
        ..AppProps::default()
    });
    let stack = Stack::new(
        &app,
        stack_name,
        StackProps::default().with_env(Environment::new("123456789012", "us-west-2")),
    );
    build(&stack);
    app.synth().expect("synthesizes");
    sagecdk_assembly::CloudAssembly::load(out).expect("loads")
}
