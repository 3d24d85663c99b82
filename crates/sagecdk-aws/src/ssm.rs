//! SSM parameters read at synthesis through a context lookup (the CDK's
//! `StringParameter.valueFromLookup`).

use sagecdk_core::Scope;
use sagecdk_core::context_provider::context_value;
use serde_json::{Map, Value};

/// The value of the SSM string parameter `parameter_name` in the stack's account and region,
/// looked up by the CLI and cached in `cdk.context.json` (`dummy-value-for-<name>` until then,
/// as in the CDK). The stack needs a literal account and region.
///
/// ```
/// use sagecdk_core::{App, Environment, Stack, StackProps};
/// let app = App::for_tests();
/// let stack = Stack::new(&app, "S", StackProps::default().with_env(Environment::new("123456789012", "us-west-2")));
/// let version = sagecdk_aws::ssm::value_from_lookup(&stack, "/ml/ranker/version");
/// assert_eq!(version, "dummy-value-for-/ml/ranker/version");
/// ```
pub fn value_from_lookup(scope: &impl Scope, parameter_name: &str) -> String {
    let dummy = format!("dummy-value-for-{parameter_name}");
    let mut props = Map::new();
    props.insert(
        "parameterName".to_string(),
        Value::String(parameter_name.to_string()),
    );
    match context_value(scope, "ssm", props, Value::String(dummy.clone())) {
        Value::String(s) => s,
        other => {
            scope.node().add_error(format!(
                "the cached value of SSM parameter '{parameter_name}' is not a string ({other}); reset it with `sagecdk context --reset`"
            ));
            dummy
        }
    }
}
