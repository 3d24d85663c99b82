//! Set-up shared by the SageMaker construct tests: a stack with an environment, a model, the
//! endpoint configurations most tests need, and the synthesis errors of a stack.

// Each test target uses its own part of these helpers.
#![allow(dead_code)]

use sagecdk_assertions::{Template, TemplateError};
use sagecdk_core::{App, Environment, Stack, StackProps};
use sagecdk_sagemaker::*;

/// Stack `S` in account 123456789012, us-west-2.
pub(crate) fn stack(app: &App) -> Stack {
    Stack::new(
        app,
        "S",
        StackProps::default().with_env(Environment::new("123456789012", "us-west-2")),
    )
}

pub(crate) fn image() -> ContainerImage {
    ContainerImage::from_dlc("pytorch-inference", "2.3.0-cpu-py311")
}

/// A model of one container of [`image`].
pub(crate) fn model(stack: &Stack, id: &str) -> Model {
    Model::new(
        stack,
        id,
        ModelProps::with_container(ContainerDefinition::new(image())),
    )
}

/// An endpoint configuration of instance variants only.
pub(crate) fn instance_config(
    stack: &Stack,
    id: &str,
    variants: Vec<InstanceProductionVariantProps>,
) -> EndpointConfig {
    EndpointConfig::new(
        stack,
        id,
        EndpointConfigProps {
            instance_production_variants: variants,
            ..EndpointConfigProps::default()
        },
    )
}

/// The model `M` and the endpoint configuration `Config` of the instance variants `variants`
/// makes of it.
pub(crate) fn config_of_model_m(
    stack: &Stack,
    variants: impl FnOnce(&Model) -> Vec<InstanceProductionVariantProps>,
) -> EndpointConfig {
    let m = model(stack, "M");
    instance_config(stack, "Config", variants(&m))
}

/// An endpoint configuration of one serverless variant.
pub(crate) fn serverless_config(
    stack: &Stack,
    id: &str,
    variant: ServerlessProductionVariantProps,
) -> EndpointConfig {
    EndpointConfig::new(
        stack,
        id,
        EndpointConfigProps {
            serverless_production_variant: Some(variant),
            ..EndpointConfigProps::default()
        },
    )
}

/// The synthesis errors of `stack`, which must fail to synthesize.
pub(crate) fn errors(stack: &Stack) -> Vec<String> {
    match Template::try_from_stack(stack) {
        Ok(_) => panic!("expected synthesis errors"),
        Err(TemplateError::Synth(e)) => e.diagnostics().iter().map(ToString::to_string).collect(),
        Err(e) => panic!("unexpected {e}"),
    }
}

pub(crate) fn assert_has(errors: &[String], expected: &str) {
    assert!(
        errors.iter().any(|e| e.contains(expected)),
        "missing {expected:?} in {errors:#?}"
    );
}

/// The resources of type `ty` in a template, in template order.
pub(crate) fn resources_of_type<'t>(
    template: &'t serde_json::Value,
    ty: &str,
) -> Vec<&'t serde_json::Value> {
    template["Resources"]
        .as_object()
        .expect("resources")
        .values()
        .filter(|r| r["Type"] == ty)
        .collect()
}

/// The text of the policy attached to the role whose logical id starts with `role` (empty
/// when there is none).
pub(crate) fn policy_of(template: &serde_json::Value, role: &str) -> String {
    resources_of_type(template, "AWS::IAM::Policy")
        .iter()
        .map(|p| p.to_string())
        .find(|p| p.contains(&format!("\"Ref\":\"{role}")))
        .unwrap_or_default()
}

pub(crate) mod cdk;
