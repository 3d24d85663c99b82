//! Context providers, as the AWS CDK has them: a construct asks for a value only the account
//! knows (an SSM parameter, a training job's artifacts…). When the app's context has it (from
//! `cdk.context.json`, where the CLI caches what it looked up), that is the value; otherwise the
//! stack reports it missing in the manifest and the construct goes on with a dummy value, and
//! the CLI looks the value up with the AWS SDK, stores it and runs the app again.

use crate::{Scope, Stack};
use sagecdk_assembly::manifest::MissingContext;
use serde_json::{Map, Value as Json};

/// The key under which a provider's answer for `props` is stored:
/// `<provider>:<key=value:…>`, props sorted, nested objects flattened with dots, `$` and `:` in
/// strings quoted with `$` — the AWS CDK's own keys, so `cdk.context.json` is shared with it.
pub fn context_key(provider: &str, props: &Map<String, Json>) -> String {
    let mut parts = Vec::new();
    flatten(props, "", &mut parts);
    parts.sort();
    let mut key = provider.to_string();
    for p in parts {
        key.push(':');
        key.push_str(&p);
    }
    key
}

fn flatten(props: &Map<String, Json>, prefix: &str, out: &mut Vec<String>) {
    for (k, v) in props {
        match v {
            Json::Null => {}
            Json::Object(inner) => flatten(inner, &format!("{prefix}{k}."), out),
            Json::String(s) => out.push(format!(
                "{prefix}{k}={}",
                s.replace('$', "$$").replace(':', "$:")
            )),
            other => out.push(format!("{prefix}{k}={other}")),
        }
    }
}

/// The value of `provider` for `props` in `scope`'s stack environment, or `dummy` while it is
/// unknown (then reported as missing context). The stack must have a literal account and
/// region (an error at the scope's path otherwise); a lookup that failed is an error at the
/// scope's path with the provider's message.
pub fn context_value(
    scope: &impl Scope,
    provider: &str,
    props: Map<String, Json>,
    dummy: Json,
) -> Json {
    let node = scope.node();
    let Some(stack) = Stack::of(node) else {
        node.add_error(format!(
            "a '{provider}' lookup must be defined within a stack"
        ));
        return dummy;
    };
    let (Some(account), Some(region)) = (stack.literal_account(), stack.literal_region()) else {
        node.add_error(format!(
            "cannot look up '{provider}' values in an environment-agnostic stack: give the stack an account and region (StackProps::with_env)"
        ));
        return dummy;
    };
    let mut with_env = props;
    with_env.insert("account".to_string(), Json::String(account));
    with_env.insert("region".to_string(), Json::String(region));
    let key = context_key(provider, &with_env);
    match node.try_get_context(&key) {
        Some(Json::Object(o)) if o.contains_key("$providerError") => {
            let message = o["$providerError"].as_str().unwrap_or("the lookup failed");
            node.add_error(format!("'{provider}' lookup failed: {message}"));
            dummy
        }
        Some(value) => value,
        None => {
            with_env.insert(
                "lookupRoleArn".to_string(),
                Json::String(stack.lookup_role_arn()),
            );
            stack.report_missing_context(MissingContext {
                key,
                provider: provider.to_string(),
                props: with_env,
            });
            dummy
        }
    }
}

/// [`context_value`] of the AWS CDK's `plugin` provider: `plugin_name` answers the lookup of
/// `subject` (`(prop, value)`, e.g. `("trainingJobName", "ranker-7")`).
pub fn plugin_context_value(
    scope: &impl Scope,
    plugin_name: &str,
    subject: (&str, &str),
    dummy: Json,
) -> Json {
    let mut props = Map::new();
    props.insert(
        "pluginName".to_string(),
        Json::String(plugin_name.to_string()),
    );
    props.insert(subject.0.to_string(), Json::String(subject.1.to_string()));
    context_value(scope, "plugin", props, dummy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{App, AppProps, Environment, IndexMap, StackProps};
    use serde_json::json;

    fn manifest_missing(app: &App) -> Json {
        let assembly = app.assemble().expect("synthesizes");
        let manifest = assembly
            .files
            .iter()
            .find(|(n, _)| n == "manifest.json")
            .map(|(_, t)| serde_json::from_str::<Json>(t).expect("JSON"))
            .expect("manifest");
        manifest.get("missing").cloned().unwrap_or(Json::Null)
    }

    fn props(name: &str) -> Map<String, Json> {
        json!({"parameterName": name})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn a_missing_value_is_reported_once_and_a_known_one_is_used() {
        let app = App::for_tests();
        let stack = Stack::new(
            &app,
            "S",
            StackProps::default().with_env(Environment::new("123456789012", "us-west-2")),
        );
        let dummy = json!("dummy");
        assert_eq!(
            context_value(&stack, "ssm", props("/a"), dummy.clone()),
            dummy
        );
        assert_eq!(
            context_value(&stack, "ssm", props("/a"), dummy.clone()),
            dummy
        );
        let missing = manifest_missing(&app);
        assert_eq!(missing.as_array().map(Vec::len), Some(1), "{missing}");
        assert_eq!(
            missing[0]["key"],
            "ssm:account=123456789012:parameterName=/a:region=us-west-2"
        );
        assert_eq!(missing[0]["provider"], "ssm");
        assert_eq!(missing[0]["props"]["parameterName"], "/a");
        assert!(
            missing[0]["props"]["lookupRoleArn"]
                .as_str()
                .is_some_and(|r| r.contains("lookup-role-123456789012-us-west-2")),
            "{missing}"
        );

        let known = App::with_props(AppProps {
            context: IndexMap::from([(
                "ssm:account=123456789012:parameterName=/a:region=us-west-2".to_string(),
                json!("v1"),
            )]),
            ..AppProps::default()
        });
        let stack = Stack::new(
            &known,
            "S",
            StackProps::default().with_env(Environment::new("123456789012", "us-west-2")),
        );
        assert_eq!(
            context_value(&stack, "ssm", props("/a"), dummy),
            json!("v1")
        );
        assert_eq!(manifest_missing(&known), Json::Null);
    }

    #[test]
    fn an_environment_agnostic_stack_cannot_look_up() {
        let app = App::for_tests();
        let stack = Stack::new(&app, "S", StackProps::default());
        context_value(&stack, "ssm", props("/a"), json!("d"));
        let err = app.assemble().expect_err("an error").to_string();
        assert!(err.contains("environment-agnostic stack"), "{err}");
    }

    #[test]
    fn keys_are_the_aws_cdks() {
        let props = json!({"parameterName": "/ml/endpoint:v1", "account": "1", "region": "r", "nested": {"b": 2, "a": "x$"}})
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            context_key("ssm", &props),
            "ssm:account=1:nested.a=x$$:nested.b=2:parameterName=/ml/endpoint$:v1:region=r"
        );
    }
}
