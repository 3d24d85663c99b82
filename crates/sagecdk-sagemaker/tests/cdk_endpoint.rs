//! The AWS CDK's `aws-sagemaker-alpha/test/endpoint.test.ts`, ported: each test is named after
//! the CDK case and quotes its title. Where the CDK throws, sagecdk records the error at the
//! endpoint's path and reports it at synthesis (the returned handles stay usable); the message
//! text is asserted.

use sagecdk_assertions::{Match, Template, pattern};
use sagecdk_core::{Duration, Scope, Stack};
use sagecdk_sagemaker::*;

mod common;

use common::cdk::*;
use common::errors;

/// The path of the endpoint in the CDK's default stack.
const DEFAULT_ENDPOINT: &str = "Default/Endpoint";

/// `stack` fails to synthesize with one error at [`DEFAULT_ENDPOINT`] containing `message`.
fn assert_endpoint_error(stack: &Stack, message: &str) {
    assert_synth_error(stack, DEFAULT_ENDPOINT, message);
}

/// `stack` fails to synthesize with one error at its configuration containing `message`.
fn assert_config_error(stack: &Stack, message: &str) {
    assert_synth_error(stack, "Default/EndpointConfig", message);
}

/// An endpoint of a configuration with `variant`.
fn endpoint_with(stack: &Stack, variant: InstanceProductionVariantProps) -> Endpoint {
    let config = EndpointConfig::new(
        stack,
        "EndpointConfig",
        EndpointConfigProps {
            instance_production_variants: vec![variant],
            ..EndpointConfigProps::default()
        },
    );
    Endpoint::new(stack, "Endpoint", EndpointProps::new(&config))
}

fn variant(stack: &Stack) -> InstanceProductionVariantProps {
    InstanceProductionVariantProps::new(Model::from_model_name(stack, "Model", "model"), "variant")
}

fn imported_config_endpoint(stack: &Stack) -> Endpoint {
    let config =
        EndpointConfig::from_endpoint_config_name(stack, "EndpointConfig", "MyEndpointConfig");
    Endpoint::new(stack, "Endpoint", EndpointProps::new(config))
}

// CDK: 'When searching an Endpoint for a production variant' / 'that exists, the variant is returned'
#[test]
fn searching_an_endpoint_for_a_variant_that_exists_the_variant_is_returned() {
    let (_app, stack) = cdk_default_stack();
    let endpoint = endpoint_with(&stack, variant(&stack));
    let found = endpoint.find_instance_production_variant("variant");
    assert_eq!(found.variant_name(), "variant");
    Template::try_from_stack(&stack).expect("no errors");
}

// CDK: 'When searching an Endpoint for a production variant' / 'that does not exist, an exception is thrown'
#[test]
fn searching_an_endpoint_for_a_variant_that_does_not_exist_an_exception_is_thrown() {
    let (_app, stack) = cdk_default_stack();
    endpoint_with(&stack, variant(&stack)).find_instance_production_variant("missing-variant");
    assert_endpoint_error(&stack, "No variant with name: 'missing-variant'");
}

// CDK: 'When searching an Endpoint for a production variant' / 'from an imported IEndpointConfig, an exception is thrown'
#[test]
fn searching_an_endpoint_for_a_variant_from_an_imported_iendpoint_config_an_exception_is_thrown() {
    let (_app, stack) = cdk_default_stack();
    imported_config_endpoint(&stack).find_instance_production_variant("variant");
    assert_endpoint_error(
        &stack,
        "Production variant lookup is not supported for an imported IEndpointConfig",
    );
}

// CDK: 'When fetching production variants from an Endpoint' / 'with one production variant, the variant is returned'
#[test]
fn fetching_production_variants_with_one_production_variant_the_variant_is_returned() {
    let (_app, stack) = cdk_default_stack();
    let variants = endpoint_with(&stack, variant(&stack)).instance_production_variants();
    assert_eq!(variants.len(), 1);
    assert_eq!(variants[0].variant_name(), "variant");
}

// CDK: 'When fetching production variants from an Endpoint' / 'with an imported IEndpointConfig, an exception is thrown'
#[test]
fn fetching_production_variants_with_an_imported_iendpoint_config_an_exception_is_thrown() {
    let (_app, stack) = cdk_default_stack();
    assert!(
        imported_config_endpoint(&stack)
            .instance_production_variants()
            .is_empty()
    );
    assert_endpoint_error(
        &stack,
        "Production variant lookup is not supported for an imported IEndpointConfig",
    );
}

// CDK: 'When importing an endpoint by ARN, the name is determined correctly' (a `describe`
// block without `test` in the CDK: its body runs when the suite is collected)
#[test]
fn when_importing_an_endpoint_by_arn_the_name_is_determined_correctly() {
    let (_app, stack) = cdk_default_stack();
    let endpoint = Endpoint::from_endpoint_arn(
        &stack,
        "Endpoint",
        "arn:aws:sagemaker:us-west-2:123456789012:endpoint/my-name",
    );
    assert_eq!(
        endpoint.endpoint_name().as_literal().as_deref(),
        Some("my-name")
    );
}

// CDK: 'When importing an endpoint by name, the ARN is constructed correctly' (a `describe`
// block without `test` in the CDK)
#[test]
fn when_importing_an_endpoint_by_name_the_arn_is_constructed_correctly() {
    let app = cdk_app();
    let stack = stack_in(&app, "Default", "123456789012", "us-west-2");
    let endpoint = Endpoint::from_endpoint_name(&stack, "Endpoint", "my-name");
    assert_eq!(
        rendered(&stack, "Arn", endpoint.endpoint_arn()),
        serde_json::json!({"Fn::Join": ["", [
            "arn:", {"Ref": "AWS::Partition"}, ":sagemaker:us-west-2:123456789012:endpoint/my-name"
        ]]})
    );
}

/// The errors of an endpoint in `destination` deploying a configuration of `origin`.
fn shared_config(origin: (&str, &str), how: Origin, destination: (&str, &str)) -> Vec<String> {
    let app = cdk_app();
    let origin_stack = stack_in(&app, "OriginStack", origin.0, origin.1);
    let config: EndpointConfigRef = match how {
        Origin::Owned => EndpointConfig::new(
            &origin_stack,
            "MyEndpointConfig",
            EndpointConfigProps {
                endpoint_config_name: Some("explicit-name".into()),
                instance_production_variants: vec![InstanceProductionVariantProps::new(
                    Model::from_model_name(&origin_stack, "MyModel", "my-model"),
                    "my-variant",
                )],
                ..EndpointConfigProps::default()
            },
        )
        .into(),
        Origin::ByName => EndpointConfig::from_endpoint_config_name(
            &origin_stack,
            "MyEndpointConfig",
            "explicit-name",
        )
        .into(),
        Origin::ByArn => EndpointConfig::from_endpoint_config_arn(
            &origin_stack,
            "MyEndpointConfig",
            "arn:aws:sagemaker:us-west-2:123456789012:endpoint/explicit-name",
        )
        .into(),
    };
    let destination_stack = stack_in(&app, "DestinationStack", destination.0, destination.1);
    Endpoint::new(&destination_stack, "MyEndpoint", EndpointProps::new(config));
    errors(&destination_stack)
}

const ACCOUNT_MESSAGE: &str = "Cannot use endpoint configuration in account 123456789012 for endpoint in account 234567890123";
const REGION_MESSAGE: &str =
    "Cannot use endpoint configuration in region us-west-2 for endpoint in region us-east-1";
const ENDPOINT: &str = "DestinationStack/MyEndpoint";

// CDK: 'When sharing an endpoint config from an origin stack with a destination stack' / 'which represents an owned EndpointConfig instance' / 'across stack account boundaries, synthesis fails'
#[test]
fn owned_endpoint_config_across_stack_account_boundaries_synthesis_fails() {
    let errors = shared_config(WEST, Origin::Owned, OTHER_ACCOUNT);
    assert_error(&errors, ENDPOINT, ACCOUNT_MESSAGE);
}

// CDK: 'When sharing an endpoint config from an origin stack with a destination stack' / 'which represents an owned EndpointConfig instance' / 'across stack region boundaries, synthesis fails'
#[test]
fn owned_endpoint_config_across_stack_region_boundaries_synthesis_fails() {
    let errors = shared_config(WEST, Origin::Owned, EAST);
    assert_error(&errors, ENDPOINT, REGION_MESSAGE);
}

// CDK: '…' / 'which represents an unowned IEndpointConfig instance' / 'imported by name' / 'across stack account boundaries, synthesis fails'
#[test]
fn endpoint_config_imported_by_name_across_stack_account_boundaries_synthesis_fails() {
    let errors = shared_config(WEST, Origin::ByName, OTHER_ACCOUNT);
    assert_error(&errors, ENDPOINT, ACCOUNT_MESSAGE);
}

// CDK: '…' / 'which represents an unowned IEndpointConfig instance' / 'imported by name' / 'across stack region boundaries, synthesis fails'
#[test]
fn endpoint_config_imported_by_name_across_stack_region_boundaries_synthesis_fails() {
    let errors = shared_config(WEST, Origin::ByName, EAST);
    assert_error(&errors, ENDPOINT, REGION_MESSAGE);
}

// CDK: '…' / 'which represents an unowned IEndpointConfig instance' / 'imported by ARN' / 'in a different account than both stacks, synthesis fails'
#[test]
fn endpoint_config_imported_by_arn_in_a_different_account_than_both_stacks_synthesis_fails() {
    let errors = shared_config(OTHER_ACCOUNT, Origin::ByArn, OTHER_ACCOUNT);
    assert_error(&errors, ENDPOINT, ACCOUNT_MESSAGE);
}

// CDK: '…' / 'which represents an unowned IEndpointConfig instance' / 'imported by ARN' / 'in a different region than both stacks, synthesis fails'
#[test]
fn endpoint_config_imported_by_arn_in_a_different_region_than_both_stacks_synthesis_fails() {
    let errors = shared_config(EAST, Origin::ByArn, EAST);
    assert_error(&errors, ENDPOINT, REGION_MESSAGE);
}

/// The errors of `scale` applied to the variant `variant` of an endpoint.
fn scaling_errors(
    variant: impl FnOnce(InstanceProductionVariantProps) -> InstanceProductionVariantProps,
    scale: impl FnOnce(&InstanceVariant),
) -> Vec<String> {
    let (_app, stack) = cdk_default_stack();
    let props = variant(self::variant(&stack));
    let endpoint = endpoint_with(&stack, props);
    scale(&endpoint.find_instance_production_variant("variant"));
    errors(&stack)
}

// CDK: "When auto-scaling a production variant's instance count" / 'with minimum capacity greater than initial instance count, an exception is thrown'
#[test]
fn with_minimum_capacity_greater_than_initial_instance_count_an_exception_is_thrown() {
    let errors = scaling_errors(
        |v| v,
        |v| {
            v.auto_scale_instance_count(EnableScalingProps::max(3).with_min(2));
        },
    );
    assert_error(
        &errors,
        DEFAULT_ENDPOINT,
        "minCapacity cannot be greater than initial instance count: 1",
    );
}

// CDK: "When auto-scaling a production variant's instance count" / 'with maximum capacity less than initial instance count, an exception is thrown'
#[test]
fn with_maximum_capacity_less_than_initial_instance_count_an_exception_is_thrown() {
    let errors = scaling_errors(
        |v| v.with_instance_count(2),
        |v| {
            v.auto_scale_instance_count(EnableScalingProps::max(1));
        },
    );
    assert_error(
        &errors,
        DEFAULT_ENDPOINT,
        "maxCapacity cannot be less than initial instance count: 2",
    );
}

// CDK: "When auto-scaling a production variant's instance count" / 'with burstable instance type, an exception is thrown'
#[test]
fn with_burstable_instance_type_an_exception_is_thrown() {
    let errors = scaling_errors(
        |v| v.with_instance_type(InstanceType::T2_MEDIUM),
        |v| {
            v.auto_scale_instance_count(EnableScalingProps::max(3));
        },
    );
    assert_error(
        &errors,
        DEFAULT_ENDPOINT,
        "AutoScaling not supported for burstable instance types like ml.t2.medium",
    );
}

// CDK: "When auto-scaling a production variant's instance count" / 'which already has auto-scaling enabled, an exception is thrown'
#[test]
fn which_already_has_auto_scaling_enabled_an_exception_is_thrown() {
    let errors = scaling_errors(
        |v| v.with_instance_type(InstanceType::M5_LARGE),
        |v| {
            v.auto_scale_instance_count(EnableScalingProps::max(3));
            v.auto_scale_instance_count(EnableScalingProps::max(3));
        },
    );
    assert_error(
        &errors,
        DEFAULT_ENDPOINT,
        "AutoScaling of task count already enabled for this service",
    );
}

fn safety_factor_errors(factor: f64) -> Vec<String> {
    scaling_errors(
        |v| {
            v.with_instance_count(2)
                .with_instance_type(InstanceType::M5_LARGE)
        },
        |v| {
            v.auto_scale_instance_count(EnableScalingProps::max(3))
                .scale_on_invocations(
                    "LimitRPS",
                    InvocationsScalingProps {
                        max_requests_per_second: 30.0,
                        safety_factor: Some(factor),
                        ..InvocationsScalingProps::default()
                    },
                );
        },
    )
}

// CDK: "When auto-scaling a production variant's instance count" / 'with a safety factor of zero, an exception is thrown'
#[test]
fn with_a_safety_factor_of_zero_an_exception_is_thrown() {
    assert_error(
        &safety_factor_errors(0.0),
        "Default/Endpoint/InstanceCount/Target",
        "Safety factor (0) must be greater than 0.0 and less than or equal 1.0",
    );
}

// CDK: "When auto-scaling a production variant's instance count" / 'with a safety factor greater than one, an exception is thrown'
#[test]
fn with_a_safety_factor_greater_than_one_an_exception_is_thrown() {
    assert_error(
        &safety_factor_errors(1.1),
        "Default/Endpoint/InstanceCount/Target",
        "Safety factor (1.1) must be greater than 0.0 and less than or equal 1.0",
    );
}

/// A configuration `id` of the imported model `model` (created once per stack) with a health
/// check timeout.
fn health_check(stack: &Stack, id: &str, timeout: Option<Duration>) {
    let model = match stack.node().try_find_child("Model") {
        Some(_) => None,
        None => Some(Model::from_model_name(stack, "Model", "model")),
    };
    let model = model.unwrap_or_else(|| Model::from_model_name(stack, "Model2", "model"));
    EndpointConfig::new(
        stack,
        id,
        EndpointConfigProps {
            instance_production_variants: vec![InstanceProductionVariantProps {
                container_startup_health_check_timeout: timeout,
                ..InstanceProductionVariantProps::new(model, "variant")
            }],
            ..EndpointConfigProps::default()
        },
    );
}

// CDK: 'When containerStartupHealthCheckTimeoutInSeconds is set' / 'should be included in CloudFormation template when provided'
#[test]
fn health_check_timeout_should_be_included_in_cloud_formation_template_when_provided() {
    let (_app, stack) = cdk_default_stack();
    health_check(&stack, "EndpointConfig", Some(Duration::from_secs(5 * 60)));
    Template::from_stack(&stack).assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({"ProductionVariants": [{
            "ModelName": "model",
            "VariantName": "variant",
            "ContainerStartupHealthCheckTimeoutInSeconds": 300
        }]}),
    );
}

// CDK: 'When containerStartupHealthCheckTimeoutInSeconds is set' / 'should not be included when not provided'
#[test]
fn health_check_timeout_should_not_be_included_when_not_provided() {
    let (_app, stack) = cdk_default_stack();
    health_check(&stack, "EndpointConfig", None);
    Template::from_stack(&stack).assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({"ProductionVariants": [{
            "ModelName": "model",
            "VariantName": "variant",
            "ContainerStartupHealthCheckTimeoutInSeconds": Match::absent()
        }]}),
    );
}

// The CDK's endpoint.test.ts expects "Configure 'containerStartupHealthCheckTimeout' between 60
// and 3600 seconds", but its endpoint-config.ts (and endpoint-config.test.ts) say
// "containerStartupHealthCheckTimeout must be between 60 and 3600 seconds": sagecdk gives the
// library's message.

// CDK: 'When containerStartupHealthCheckTimeoutInSeconds is set' / 'should throw error when timeout is less than 60 seconds'
#[test]
fn health_check_timeout_should_throw_error_when_timeout_is_less_than_60_seconds() {
    let (_app, stack) = cdk_default_stack();
    health_check(&stack, "EndpointConfig", Some(Duration::from_secs(30)));
    assert_config_error(
        &stack,
        "containerStartupHealthCheckTimeout must be between 60 and 3600 seconds",
    );
}

// CDK: 'When containerStartupHealthCheckTimeoutInSeconds is set' / 'should throw error when timeout is greater than 3600 seconds'
#[test]
fn health_check_timeout_should_throw_error_when_timeout_is_greater_than_3600_seconds() {
    let (_app, stack) = cdk_default_stack();
    health_check(&stack, "EndpointConfig", Some(Duration::from_secs(7200)));
    assert_config_error(
        &stack,
        "containerStartupHealthCheckTimeout must be between 60 and 3600 seconds",
    );
}

// CDK: 'When containerStartupHealthCheckTimeoutInSeconds is set' / 'should accept valid timeout values'
#[test]
fn health_check_timeout_should_accept_valid_timeout_values() {
    let (_app, stack) = cdk_default_stack();
    health_check(&stack, "EndpointConfig1", Some(Duration::from_secs(60)));
    health_check(&stack, "EndpointConfig2", Some(Duration::from_secs(3600)));
    let template = Template::try_from_stack(&stack).expect("no errors");
    template.assert_resource_properties_count_is(
        "AWS::SageMaker::EndpointConfig",
        pattern!({"ProductionVariants": [
            Match::object_like(pattern!({"ContainerStartupHealthCheckTimeoutInSeconds": Match::any_value()}))
        ]}),
        2,
    );
}
