//! Set-up of the tests ported from the AWS CDK's own SageMaker test suite: the CDK's default
//! stack, apps with its defaults, the test image and artifacts (copies of the CDK's, under
//! `tests/fixtures/cdk-golden/sagemaker-integ/`), and message assertions.

use sagecdk_core::{App, Environment, Scope, Stack, StackProps};
use sagecdk_sagemaker::CDK_COMPATIBLE_DEFAULTS;
use std::path::PathBuf;

/// An app with the AWS CDK's SageMaker defaults (`ml.t2.medium`, full-access role).
pub(crate) fn cdk_app() -> App {
    let app = App::for_tests();
    app.node()
        .set_context(CDK_COMPATIBLE_DEFAULTS, serde_json::Value::Bool(true));
    app
}

/// The CDK's `new cdk.Stack()`: a stack named `Default`, without an environment.
pub(crate) fn default_stack(app: &App) -> Stack {
    Stack::new(app, "Default", StackProps::default())
}

/// The CDK's default stack in an app with its SageMaker defaults ([`cdk_app`]), with the app.
pub(crate) fn cdk_default_stack() -> (App, Stack) {
    let app = cdk_app();
    let stack = default_stack(&app);
    (app, stack)
}

/// A stack in `account` and `region`.
pub(crate) fn stack_in(app: &App, id: &str, account: &str, region: &str) -> Stack {
    Stack::new(
        app,
        id,
        StackProps::default().with_env(Environment::new(account, region)),
    )
}

/// The folder of the golden data and the CDK's test assets.
pub(crate) fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/cdk-golden/sagemaker-integ")
}

/// The CDK's `test/test-image` (a Dockerfile and its server).
pub(crate) fn test_image() -> String {
    golden_dir().join("test-image").display().to_string()
}

/// `test/test-artifacts/<name>`.
pub(crate) fn test_artifact(name: &str) -> String {
    golden_dir()
        .join("test-artifacts")
        .join(name)
        .display()
        .to_string()
}

/// `errors` holds exactly one error at `path` containing `message` (the CDK's regular
/// expressions match a part of the message).
pub(crate) fn assert_error(errors: &[String], path: &str, message: &str) {
    let prefix = format!("[{path}] ");
    let found = errors
        .iter()
        .filter(|e| e.starts_with(&prefix) && e.contains(message))
        .count();
    assert_eq!(
        found, 1,
        "expected one {message:?} at {path} in {errors:#?}"
    );
}

/// How `value` renders in `stack`'s template (through an output named `id`).
pub(crate) fn rendered(stack: &Stack, id: &str, value: sagecdk_core::Str) -> serde_json::Value {
    sagecdk_core::CfnOutput::new(stack, id, value);
    let template = sagecdk_assertions::Template::from_stack(stack);
    template.as_json()["Outputs"][id]["Value"].clone()
}

/// `stack` fails to synthesize with exactly one error at `path` containing `message`.
pub(crate) fn assert_synth_error(stack: &Stack, path: &str, message: &str) {
    assert_error(&super::errors(stack), path, message);
}

/// How the origin stack's resource is made in the CDK's cases of sharing across stacks.
pub(crate) enum Origin {
    Owned,
    ByName,
    ByArn,
}

/// The environments of the CDK's cases of sharing across stacks: account 123456789012 in
/// us-west-2, another account in the same region, the same account in another region.
pub(crate) const WEST: (&str, &str) = ("123456789012", "us-west-2");
pub(crate) const OTHER_ACCOUNT: (&str, &str) = ("234567890123", "us-west-2");
pub(crate) const EAST: (&str, &str) = ("123456789012", "us-east-1");
