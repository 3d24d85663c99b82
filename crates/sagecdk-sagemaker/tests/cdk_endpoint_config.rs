//! The AWS CDK's `aws-sagemaker-alpha/test/endpoint-config.test.ts`, ported: each test is named
//! after the CDK case and quotes its title. Where the CDK throws, sagecdk records the error at
//! the construct path and reports it at synthesis; the message text is asserted.
//!
//! Not ported: the two `_findInstanceProductionVariant` cases (an `@internal` CDK method;
//! sagecdk's lookup goes through `Endpoint::find_instance_production_variant`, ported in
//! `cdk_endpoint.rs`).

use sagecdk_assertions::{Match, Template, pattern};
use sagecdk_core::{Duration, Stack};
use sagecdk_sagemaker::*;

mod common;

use common::cdk::*;
use common::errors;

/// The path of the configuration in the CDK's default stack.
const DEFAULT_CONFIG: &str = "Default/EndpointConfig";

/// `stack` fails to synthesize with one error at [`DEFAULT_CONFIG`] containing `message`.
fn assert_config_error(stack: &Stack, message: &str) {
    assert_synth_error(stack, DEFAULT_CONFIG, message);
}

fn imported_model(stack: &Stack) -> ImportedModel {
    Model::from_model_name(stack, "Model", "model")
}

fn config(stack: &Stack, variants: Vec<InstanceProductionVariantProps>) -> EndpointConfig {
    EndpointConfig::new(
        stack,
        "EndpointConfig",
        EndpointConfigProps {
            instance_production_variants: variants,
            ..EndpointConfigProps::default()
        },
    )
}

fn serverless(
    model: &ImportedModel,
    name: &str,
    memory: u32,
    max: u32,
) -> ServerlessProductionVariantProps {
    ServerlessProductionVariantProps::new(model, name, memory, max)
}

// CDK: 'When synthesizing a stack containing an EndpointConfig' / 'with more than 10 production variants, an exception is thrown'
#[test]
fn with_more_than_10_production_variants_an_exception_is_thrown() {
    let (_app, stack) = cdk_default_stack();
    let model = imported_model(&stack);
    let endpoint_config = config(
        &stack,
        vec![InstanceProductionVariantProps::new(&model, "variant")],
    );
    for i in 0..10 {
        endpoint_config.add_instance_production_variant(InstanceProductionVariantProps::new(
            &model,
            format!("variant-{i}"),
        ));
    }
    // sagecdk refuses the eleventh when it is added (and names it).
    assert_config_error(
        &stack,
        "Can't have more than 10 production variants ('variant-9' not added)",
    );
}

// CDK: 'When synthesizing a stack containing an EndpointConfig' / 'with no production variants, an exception is thrown'
#[test]
fn with_no_production_variants_an_exception_is_thrown() {
    let (_app, stack) = cdk_default_stack();
    EndpointConfig::new(&stack, "EndpointConfig", EndpointConfigProps::default());
    assert_config_error(&stack, "Must configure at least 1 production variant");
}

// CDK: 'When synthesizing a stack containing an EndpointConfig' / 'with both instance and serverless variants in constructor, an exception is thrown'
#[test]
fn with_both_instance_and_serverless_variants_in_constructor_an_exception_is_thrown() {
    let (_app, stack) = cdk_default_stack();
    let model = imported_model(&stack);
    EndpointConfig::new(
        &stack,
        "EndpointConfig",
        EndpointConfigProps {
            instance_production_variants: vec![InstanceProductionVariantProps::new(
                &model,
                "instance-variant",
            )],
            serverless_production_variant: Some(serverless(&model, "serverless-variant", 1024, 10)),
            ..EndpointConfigProps::default()
        },
    );
    assert_config_error(
        &stack,
        "Cannot specify both instanceProductionVariants and serverlessProductionVariant",
    );
}

// CDK: 'When synthesizing a stack containing an EndpointConfig' / 'with serverless variant, synthesizes correctly'
#[test]
fn with_serverless_variant_synthesizes_correctly() {
    let (_app, stack) = cdk_default_stack();
    let model = imported_model(&stack);
    let mut variant = serverless(&model, "serverless-variant", 2048, 10);
    variant.provisioned_concurrency = Some(5);
    EndpointConfig::new(
        &stack,
        "EndpointConfig",
        EndpointConfigProps {
            serverless_production_variant: Some(variant),
            ..EndpointConfigProps::default()
        },
    );
    assert_eq!(
        endpoint_config_resource(&stack),
        serde_json::json!({
            "Type": "AWS::SageMaker::EndpointConfig",
            "Properties": {
                "ProductionVariants": [{
                    "InitialVariantWeight": 1,
                    "ModelName": "model",
                    "VariantName": "serverless-variant",
                    "ServerlessConfig": {
                        "MaxConcurrency": 10,
                        "MemorySizeInMB": 2048,
                        "ProvisionedConcurrency": 5
                    }
                }]
            }
        })
    );
}

/// The template's one `EndpointConfig` resource.
fn endpoint_config_resource(stack: &Stack) -> serde_json::Value {
    let template = Template::from_stack(stack);
    template.as_json()["Resources"]
        .as_object()
        .expect("resources")
        .values()
        .find(|r| r["Type"] == "AWS::SageMaker::EndpointConfig")
        .expect("an endpoint configuration")
        .clone()
}

/// A configuration with the instance variant `variant`, then `add` applied to it.
fn add_to_config(add: impl FnOnce(&EndpointConfig, &ImportedModel)) -> Vec<String> {
    let (_app, stack) = cdk_default_stack();
    let model = imported_model(&stack);
    let endpoint_config = config(
        &stack,
        vec![InstanceProductionVariantProps::new(&model, "variant")],
    );
    add(&endpoint_config, &model);
    errors(&stack)
}

// CDK: 'When adding a production variant to an EndpointConfig' / 'with too few instances specified, an exception is thrown'
#[test]
fn with_too_few_instances_specified_an_exception_is_thrown() {
    let errors = add_to_config(|config, model| {
        config.add_instance_production_variant(
            InstanceProductionVariantProps::new(model, "new-variant").with_instance_count(0),
        );
    });
    assert_error(
        &errors,
        DEFAULT_CONFIG,
        "Invalid Production Variant Props: Must have at least one instance",
    );
}

// CDK: 'When adding a production variant to an EndpointConfig' / 'with a negative weight, an exception is thrown'
#[test]
fn with_a_negative_weight_an_exception_is_thrown() {
    let errors = add_to_config(|config, model| {
        config.add_instance_production_variant(
            InstanceProductionVariantProps::new(model, "new-variant").with_weight(-1.0),
        );
    });
    assert_error(
        &errors,
        DEFAULT_CONFIG,
        "Invalid Production Variant Props: Cannot have negative variant weight",
    );
}

// CDK: 'When adding a production variant to an EndpointConfig' / 'with a duplicate variant name, an exception is thrown'
#[test]
fn with_a_duplicate_variant_name_an_exception_is_thrown() {
    let errors = add_to_config(|config, model| {
        config
            .add_instance_production_variant(InstanceProductionVariantProps::new(model, "variant"));
    });
    assert_error(
        &errors,
        DEFAULT_CONFIG,
        "There is already a Production Variant with name 'variant'",
    );
}

/// A configuration of the serverless variant `serverless-variant` (1024 MB, 10 concurrent).
fn serverless_config(stack: &Stack, model: &ImportedModel) -> EndpointConfig {
    EndpointConfig::new(
        stack,
        "EndpointConfig",
        EndpointConfigProps {
            serverless_production_variant: Some(serverless(model, "serverless-variant", 1024, 10)),
            ..EndpointConfigProps::default()
        },
    )
}

// CDK: 'When adding a production variant to an EndpointConfig' / 'instance variant when serverless variant exists, an exception is thrown'
#[test]
fn instance_variant_when_serverless_variant_exists_an_exception_is_thrown() {
    let (_app, stack) = cdk_default_stack();
    let model = imported_model(&stack);
    serverless_config(&stack, &model).add_instance_production_variant(
        InstanceProductionVariantProps::new(&model, "instance-variant"),
    );
    assert_config_error(
        &stack,
        "Cannot add instance production variant when serverless production variant is already configured",
    );
}

/// The errors of adding `variant` to a configuration without variants.
fn add_serverless(
    variant: impl FnOnce(&ImportedModel) -> ServerlessProductionVariantProps,
) -> Vec<String> {
    let (_app, stack) = cdk_default_stack();
    let model = imported_model(&stack);
    EndpointConfig::new(&stack, "EndpointConfig", EndpointConfigProps::default())
        .add_serverless_production_variant(variant(&model));
    errors(&stack)
}

// CDK: 'When adding a serverless production variant to an EndpointConfig' / 'with invalid maxConcurrency, an exception is thrown'
#[test]
fn with_invalid_max_concurrency_an_exception_is_thrown() {
    let errors = add_serverless(|model| serverless(model, "serverless-variant", 1024, 0));
    assert_error(
        &errors,
        DEFAULT_CONFIG,
        "Invalid Serverless Production Variant Props: maxConcurrency must be between 1 and 200",
    );
}

// CDK: 'When adding a serverless production variant to an EndpointConfig' / 'with invalid memorySizeInMB, an exception is thrown'
#[test]
fn with_invalid_memory_size_in_mb_an_exception_is_thrown() {
    let errors = add_serverless(|model| serverless(model, "serverless-variant", 1500, 10));
    assert_error(
        &errors,
        DEFAULT_CONFIG,
        "Invalid Serverless Production Variant Props: memorySizeInMB must be one of: 1024, 2048, 3072, 4096, 5120, 6144 MB",
    );
}

// CDK: 'When adding a serverless production variant to an EndpointConfig' / 'with provisionedConcurrency greater than maxConcurrency, an exception is thrown'
#[test]
fn with_provisioned_concurrency_greater_than_max_concurrency_an_exception_is_thrown() {
    let errors = add_serverless(|model| {
        let mut v = serverless(model, "serverless-variant", 1024, 10);
        v.provisioned_concurrency = Some(15);
        v
    });
    assert_error(
        &errors,
        DEFAULT_CONFIG,
        "Invalid Serverless Production Variant Props: provisionedConcurrency cannot be greater than maxConcurrency",
    );
}

// CDK: 'When adding a serverless production variant to an EndpointConfig' / 'with negative variant weight, an exception is thrown'
#[test]
fn with_negative_variant_weight_an_exception_is_thrown() {
    let errors = add_serverless(|model| {
        let mut v = serverless(model, "serverless-variant", 1024, 10);
        v.initial_variant_weight = Some(-1.0);
        v
    });
    assert_error(
        &errors,
        DEFAULT_CONFIG,
        "Invalid Serverless Production Variant Props: Cannot have negative variant weight",
    );
}

// CDK: 'When adding a serverless production variant to an EndpointConfig' / 'when instance variants exist, an exception is thrown'
#[test]
fn when_instance_variants_exist_an_exception_is_thrown() {
    let (_app, stack) = cdk_default_stack();
    let model = imported_model(&stack);
    config(
        &stack,
        vec![InstanceProductionVariantProps::new(
            &model,
            "instance-variant",
        )],
    )
    .add_serverless_production_variant(serverless(&model, "serverless-variant", 1024, 10));
    assert_config_error(
        &stack,
        "Cannot add serverless production variant when instance production variants are already configured",
    );
}

// CDK: 'When adding a serverless production variant to an EndpointConfig' / 'when serverless variant already exists, an exception is thrown'
#[test]
fn when_serverless_variant_already_exists_an_exception_is_thrown() {
    let (_app, stack) = cdk_default_stack();
    let model = imported_model(&stack);
    serverless_config(&stack, &model).add_serverless_production_variant(serverless(
        &model,
        "second-serverless",
        2048,
        5,
    ));
    assert_config_error(
        &stack,
        "Cannot add more than one serverless production variant per endpoint configuration",
    );
}

// CDK: 'When adding a serverless production variant to an EndpointConfig' / 'with valid properties, succeeds'
#[test]
fn with_valid_properties_succeeds() {
    let (_app, stack) = cdk_default_stack();
    let model = imported_model(&stack);
    let mut v = serverless(&model, "serverless-variant", 2048, 10);
    v.provisioned_concurrency = Some(5);
    EndpointConfig::new(&stack, "EndpointConfig", EndpointConfigProps::default())
        .add_serverless_production_variant(v);
    let template = Template::try_from_stack(&stack).expect("no errors");
    template.assert_resource_count_is("AWS::SageMaker::EndpointConfig", 1);
}

// CDK: 'When importing an endpoint configuration by ARN, the name is determined correctly'
#[test]
fn when_importing_an_endpoint_configuration_by_arn_the_name_is_determined_correctly() {
    let (_app, stack) = cdk_default_stack();
    let config = EndpointConfig::from_endpoint_config_arn(
        &stack,
        "EndpointConfig",
        "arn:aws:sagemaker:us-west-2:123456789012:endpoint-config/my-name",
    );
    assert_eq!(
        config.endpoint_config_name().as_literal().as_deref(),
        Some("my-name")
    );
}

// CDK: 'When importing an endpoint configuration by name, the ARN is constructed correctly'
#[test]
fn when_importing_an_endpoint_configuration_by_name_the_arn_is_constructed_correctly() {
    let app = cdk_app();
    let stack = stack_in(&app, "Default", "123456789012", "us-west-2");
    let config = EndpointConfig::from_endpoint_config_name(&stack, "EndpointConfig", "my-name");
    assert_eq!(
        rendered(&stack, "Arn", config.endpoint_config_arn()),
        serde_json::json!({"Fn::Join": ["", [
            "arn:", {"Ref": "AWS::Partition"},
            ":sagemaker:us-west-2:123456789012:endpoint-config/my-name"
        ]]})
    );
}

/// The errors of a configuration in `destination` (account, region) serving a model of
/// `origin` (account, region).
fn shared_model(origin: (&str, &str), how: Origin, destination: (&str, &str)) -> Vec<String> {
    let app = cdk_app();
    let origin_stack = stack_in(&app, "OriginStack", origin.0, origin.1);
    let model: ModelRef = match how {
        Origin::Owned => Model::new(
            &origin_stack,
            "MyModel",
            ModelProps {
                model_name: Some("explicitly-named-model".into()),
                ..ModelProps::with_container(ContainerDefinition::new(ContainerImage::from_asset(
                    test_image(),
                )))
            },
        )
        .into(),
        Origin::ByName => {
            Model::from_model_name(&origin_stack, "MyModel", "explicitly-named-model").into()
        }
        Origin::ByArn => Model::from_model_arn(
            &origin_stack,
            "MyModel",
            "arn:aws:sagemaker:us-west-2:123456789012:endpoint-config/explicitly-named-model",
        )
        .into(),
    };
    let destination_stack = stack_in(&app, "DestinationStack", destination.0, destination.1);
    config(
        &destination_stack,
        vec![InstanceProductionVariantProps::new(model, "my-variant")],
    );
    errors(&destination_stack)
}

const ACCOUNT_MESSAGE: &str =
    "Cannot use model in account 123456789012 for endpoint configuration in account 234567890123";
const REGION_MESSAGE: &str =
    "Cannot use model in region us-west-2 for endpoint configuration in region us-east-1";
const CONFIG: &str = "DestinationStack/EndpointConfig";

// CDK: 'When sharing a model from an origin stack with a destination stack' / 'which represents an owned Model instance' / 'across stack account boundaries, synthesis fails'
#[test]
fn owned_model_across_stack_account_boundaries_synthesis_fails() {
    let errors = shared_model(WEST, Origin::Owned, OTHER_ACCOUNT);
    assert_error(&errors, CONFIG, ACCOUNT_MESSAGE);
}

// CDK: 'When sharing a model from an origin stack with a destination stack' / 'which represents an owned Model instance' / 'across stack region boundaries, synthesis fails'
#[test]
fn owned_model_across_stack_region_boundaries_synthesis_fails() {
    let errors = shared_model(WEST, Origin::Owned, EAST);
    assert_error(&errors, CONFIG, REGION_MESSAGE);
}

// CDK: 'When sharing a model from an origin stack with a destination stack' / 'which represents an unowned IModel instance' / 'imported by name' / 'across stack account boundaries, synthesis fails'
#[test]
fn model_imported_by_name_across_stack_account_boundaries_synthesis_fails() {
    let errors = shared_model(WEST, Origin::ByName, OTHER_ACCOUNT);
    assert_error(&errors, CONFIG, ACCOUNT_MESSAGE);
}

// CDK: 'When sharing a model from an origin stack with a destination stack' / 'which represents an unowned IModel instance' / 'imported by name' / 'across stack region boundaries, synthesis fails'
#[test]
fn model_imported_by_name_across_stack_region_boundaries_synthesis_fails() {
    let errors = shared_model(WEST, Origin::ByName, EAST);
    assert_error(&errors, CONFIG, REGION_MESSAGE);
}

// CDK: 'When sharing a model from an origin stack with a destination stack' / 'which represents an unowned IModel instance' / 'imported by ARN' / 'in a different account than both stacks, synthesis fails'
#[test]
fn model_imported_by_arn_in_a_different_account_than_both_stacks_synthesis_fails() {
    let errors = shared_model(OTHER_ACCOUNT, Origin::ByArn, OTHER_ACCOUNT);
    assert_error(&errors, CONFIG, ACCOUNT_MESSAGE);
}

// CDK: 'When sharing a model from an origin stack with a destination stack' / 'which represents an unowned IModel instance' / 'imported by ARN' / 'in a different region than both stacks, synthesis fails'
#[test]
fn model_imported_by_arn_in_a_different_region_than_both_stacks_synthesis_fails() {
    let errors = shared_model(EAST, Origin::ByArn, EAST);
    assert_error(&errors, CONFIG, REGION_MESSAGE);
}

/// A configuration of one instance variant of a model built from the test image.
fn health_check_config(stack: &Stack, variants: &[(&str, Option<Duration>)]) -> EndpointConfig {
    let variants = variants
        .iter()
        .enumerate()
        .map(|(i, (name, timeout))| {
            let model = Model::new(
                stack,
                &format!(
                    "Model{}",
                    if variants.len() > 1 {
                        (i + 1).to_string()
                    } else {
                        String::new()
                    }
                ),
                ModelProps::with_container(ContainerDefinition::new(ContainerImage::from_asset(
                    test_image(),
                ))),
            );
            InstanceProductionVariantProps {
                container_startup_health_check_timeout: *timeout,
                ..InstanceProductionVariantProps::new(&model, *name)
            }
        })
        .collect();
    config(stack, variants)
}

/// The `ProductionVariants` of the template's `EndpointConfig`.
fn production_variants(stack: &Stack) -> Vec<serde_json::Value> {
    endpoint_config_resource(stack)["Properties"]["ProductionVariants"]
        .as_array()
        .expect("variants")
        .clone()
}

/// The template's `EndpointConfig` has a variant with the health check timeout `seconds`.
fn assert_health_check_timeout(stack: &Stack, seconds: u64) {
    Template::from_stack(stack).assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({"ProductionVariants": [
            Match::object_like(pattern!({"ContainerStartupHealthCheckTimeoutInSeconds": seconds}))
        ]}),
    );
}

// CDK: 'containerStartupHealthCheckTimeout' / 'is included in CloudFormation when specified'
#[test]
fn container_startup_health_check_timeout_is_included_in_cloud_formation_when_specified() {
    let (_app, stack) = cdk_default_stack();
    health_check_config(&stack, &[("variant-1", Some(Duration::from_secs(5 * 60)))]);
    assert_health_check_timeout(&stack, 300);
}

// CDK: 'containerStartupHealthCheckTimeout' / 'is omitted from CloudFormation when not specified'
#[test]
fn container_startup_health_check_timeout_is_omitted_from_cloud_formation_when_not_specified() {
    let (_app, stack) = cdk_default_stack();
    health_check_config(&stack, &[("variant-1", None)]);
    let variants = production_variants(&stack);
    assert!(
        variants[0]
            .get("ContainerStartupHealthCheckTimeoutInSeconds")
            .is_none()
    );
    assert_eq!(variants[0]["VariantName"], "variant-1");
}

// CDK: 'containerStartupHealthCheckTimeout' / 'converts Duration to seconds correctly'
#[test]
fn container_startup_health_check_timeout_converts_duration_to_seconds_correctly() {
    let (_app, stack) = cdk_default_stack();
    health_check_config(&stack, &[("variant-1", Some(Duration::from_secs(60 * 60)))]);
    assert_health_check_timeout(&stack, 3600);
}

// CDK: 'containerStartupHealthCheckTimeout' / 'throws error when timeout is less than 60 seconds'
#[test]
fn container_startup_health_check_timeout_throws_error_when_timeout_is_less_than_60_seconds() {
    let (_app, stack) = cdk_default_stack();
    health_check_config(&stack, &[("variant-1", Some(Duration::from_secs(30)))]);
    assert_config_error(
        &stack,
        "containerStartupHealthCheckTimeout must be between 60 and 3600 seconds",
    );
}

// CDK: 'containerStartupHealthCheckTimeout' / 'throws error when timeout is greater than 3600 seconds'
#[test]
fn container_startup_health_check_timeout_throws_error_when_timeout_is_greater_than_3600_seconds() {
    let (_app, stack) = cdk_default_stack();
    health_check_config(
        &stack,
        &[("variant-1", Some(Duration::from_secs(2 * 60 * 60)))],
    );
    assert_config_error(
        &stack,
        "containerStartupHealthCheckTimeout must be between 60 and 3600 seconds",
    );
}

// CDK: 'containerStartupHealthCheckTimeout' / 'works with multiple variants where some have timeout and others do not'
#[test]
fn container_startup_health_check_timeout_works_with_multiple_variants_where_some_have_timeout_and_others_do_not()
 {
    let (_app, stack) = cdk_default_stack();
    health_check_config(
        &stack,
        &[
            ("variant-with-timeout", Some(Duration::from_secs(5 * 60))),
            ("variant-without-timeout", None),
        ],
    );
    let variants = production_variants(&stack);
    assert_eq!(
        variants[0]["ContainerStartupHealthCheckTimeoutInSeconds"],
        300
    );
    assert!(
        variants[1]
            .get("ContainerStartupHealthCheckTimeoutInSeconds")
            .is_none()
    );
}
