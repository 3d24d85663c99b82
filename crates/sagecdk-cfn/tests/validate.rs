//! Synthesis-time validation of literal property values against the registry schema.
#![cfg(all(feature = "sagemaker", feature = "iam"))]

use sagecdk_cfn::iam::{CfnRole, CfnRoleProps};
use sagecdk_cfn::runtime::{Rules, validate};
use sagecdk_cfn::sagemaker::endpoint_config::ProductionVariant;
use sagecdk_cfn::sagemaker::model::{ContainerDefinition, container_definition_mode};
use sagecdk_cfn::sagemaker::{CfnEndpointConfig, CfnEndpointConfigProps, CfnModel, CfnModelProps};
use sagecdk_core::{App, Aws, IndexMap, Lazy, Stack, StackProps, Value, cfn};

/// Synthesizes what `build` creates and returns the validation messages.
fn messages(build: impl FnOnce(&Stack)) -> Vec<String> {
    let app = App::for_tests();
    let stack = Stack::new(&app, "S", StackProps::default());
    build(&stack);
    match app.assemble() {
        Ok(_) => Vec::new(),
        Err(e) => e.diagnostics().iter().map(|d| d.message.clone()).collect(),
    }
}

fn model_with(container: ContainerDefinition) -> impl FnOnce(&Stack) {
    move |stack| {
        CfnModel::new(
            stack,
            "M",
            CfnModelProps::new().with_primary_container(container),
        );
    }
}

fn variant(v: ProductionVariant) -> impl FnOnce(&Stack) {
    move |stack| {
        CfnEndpointConfig::new(stack, "C", CfnEndpointConfigProps::new([v]));
    }
}

#[test]
fn valid_literals_pass() {
    let m = messages(model_with(
        ContainerDefinition::new()
            .with_image("123.dkr.ecr.us-east-1.amazonaws.com/repo:tag")
            .with_mode(container_definition_mode::SINGLE_MODEL),
    ));
    assert_eq!(m, Vec::<String>::new());
}

#[test]
fn pattern() {
    let m = messages(model_with(
        ContainerDefinition::new().with_image("has space"),
    ));
    assert_eq!(
        m,
        [
            "AWS::SageMaker::Model property 'PrimaryContainer.Image': value 'has space' does not match pattern '^[\\S]+$'"
        ]
    );
}

#[test]
fn enum_values() {
    let m = messages(model_with(ContainerDefinition::new().with_mode("Other")));
    assert_eq!(
        m,
        [
            "AWS::SageMaker::Model property 'PrimaryContainer.Mode': value 'Other' is not one of 'SingleModel', 'MultiModel'"
        ]
    );
}

#[test]
fn max_length() {
    let m = messages(model_with(
        ContainerDefinition::new().with_container_hostname("a".repeat(64)),
    ));
    // The value also breaks the pattern (at most 63 characters): each rule is reported.
    assert_eq!(m.len(), 2, "{m:?}");
    assert!(
        m[0].starts_with(
            "AWS::SageMaker::Model property 'PrimaryContainer.ContainerHostname': value 'aaaa"
        ),
        "{m:?}"
    );
    assert!(m[0].ends_with("' is longer than maxLength 63"), "{m:?}");
}

#[test]
fn min_length() {
    let m = messages(variant(ProductionVariant::new("v").with_model_name("")));
    assert_eq!(
        m,
        [
            "AWS::SageMaker::EndpointConfig property 'ProductionVariants[0].ModelName': value '' is shorter than minLength 1",
            "AWS::SageMaker::EndpointConfig property 'ProductionVariants[0].ModelName': value '' does not match pattern '^[a-zA-Z0-9]([\\-a-zA-Z0-9]*[a-zA-Z0-9])?$'",
        ]
    );
}

#[test]
fn minimum_and_maximum() {
    let m = messages(variant(
        ProductionVariant::new("v")
            .with_initial_instance_count(0)
            .with_volume_size_in_gb(513),
    ));
    assert_eq!(
        m,
        [
            "AWS::SageMaker::EndpointConfig property 'ProductionVariants[0].InitialInstanceCount': value 0 is less than minimum 1",
            "AWS::SageMaker::EndpointConfig property 'ProductionVariants[0].VolumeSizeInGB': value 513 is greater than maximum 512",
        ]
    );
}

#[test]
fn min_and_max_items() {
    let m = messages(|stack| {
        CfnModel::new(
            stack,
            "M",
            CfnModelProps::new().with_containers(vec![ContainerDefinition::new(); 16]),
        );
        CfnEndpointConfig::new(
            stack,
            "C",
            CfnEndpointConfigProps::new(Vec::<ProductionVariant>::new()),
        );
    });
    assert_eq!(
        m,
        [
            "AWS::SageMaker::Model property 'Containers': has 16 items, more than maxItems 15",
            "AWS::SageMaker::EndpointConfig property 'ProductionVariants': has 0 items, fewer than minItems 1",
        ]
    );
}

#[test]
fn required_through_the_escape_hatch() {
    let m = messages(|stack| {
        let role = CfnRole::new(stack, "R", CfnRoleProps::new(cfn!({"Statement": []})));
        role.resource()
            .set_property("AssumeRolePolicyDocument", Value::Null);
        let config = CfnEndpointConfig::new(
            stack,
            "C",
            CfnEndpointConfigProps::new([ProductionVariant::new("v")]),
        );
        config
            .resource()
            .set_property("ProductionVariants", cfn!([{"ModelName": "m"}]));
    });
    assert_eq!(
        m,
        [
            "AWS::IAM::Role property 'AssumeRolePolicyDocument': required property is missing",
            "AWS::SageMaker::EndpointConfig property 'ProductionVariants[0].VariantName': required property is missing",
        ]
    );
}

#[test]
fn additional_properties() {
    let m = messages(|stack| {
        let model = CfnModel::new(stack, "M", CfnModelProps::new());
        model
            .resource()
            .set_property("PrimaryContainer", cfn!({"Image": "x", "Imagee": "y"}));
    });
    assert_eq!(
        m,
        [
            "AWS::SageMaker::Model property 'PrimaryContainer.Imagee': unknown property (additionalProperties is false)"
        ]
    );
}

#[test]
fn unknown_top_level_properties_are_reported() {
    let m = messages(|stack| {
        let model = CfnModel::new(stack, "M", CfnModelProps::new());
        model
            .resource()
            .set_property("PrimaryContainr", cfn!({"Image": "x"}));
    });
    assert_eq!(
        m,
        [
            "AWS::SageMaker::Model property 'PrimaryContainr': unknown property (additionalProperties is false)"
        ]
    );
}

#[test]
fn tokens_are_not_validated() {
    let m = messages(|stack| {
        CfnModel::new(
            stack,
            "M",
            CfnModelProps::new()
                .with_model_name(Aws::stack_name() + " not a valid name")
                // A list token: 16 items at deploy time would not be caught either.
                .with_containers(Lazy::any(|_| Some(Value::Array(Vec::new()))))
                .with_primary_container(ContainerDefinition::new().with_image(Aws::region())),
        );
        CfnEndpointConfig::new(
            stack,
            "C",
            CfnEndpointConfigProps::new([
                ProductionVariant::new("v").with_initial_instance_count(Lazy::number(|_| 0.0))
            ]),
        );
    });
    assert_eq!(m, Vec::<String>::new());
}

#[test]
fn the_validator_never_panics_on_odd_rules_or_values() {
    let rules = Rules {
        type_name: "X::Y::Z",
        json: "not json",
    };
    let out = validate(&rules, &IndexMap::new());
    assert_eq!(
        out,
        ["X::Y::Z: invalid validation rules: expected ident at line 1 column 2"]
    );
    let rules = Rules {
        type_name: "X::Y::Z",
        json: r##"{"properties": {"A": {"$ref": "#/definitions/L", "pattern": "(?<=a)b"}}, "definitions": {"L": {"$ref": "#/definitions/L", "properties": {"A": {"$ref": "#/definitions/L"}}}}}"##,
    };
    let mut props = IndexMap::new();
    props.insert("A".to_string(), cfn!({"A": {"A": "x"}}));
    assert_eq!(validate(&rules, &props), Vec::<String>::new());
}

#[test]
fn rules_are_parsed_once_and_give_the_same_answers_every_time() {
    // The parsed rules are kept per rules text: the second validation (from the cache) reports
    // exactly what the first did, for good and for unparsable rules alike.
    let rules = Rules {
        type_name: "X::Y::Z",
        json: r#"{"properties": {"A": {"type": "string", "enum": ["a", "b"]}}, "required": ["A"]}"#,
    };
    let mut props = IndexMap::new();
    props.insert("A".to_string(), Value::String("c".into()));
    let first = validate(&rules, &props);
    assert_eq!(
        first,
        ["X::Y::Z property 'A': value 'c' is not one of 'a', 'b'"]
    );
    assert_eq!(validate(&rules, &props), first);
    props.insert("A".to_string(), Value::String("b".into()));
    assert_eq!(validate(&rules, &props), Vec::<String>::new());
    assert_eq!(
        validate(&rules, &IndexMap::new()),
        ["X::Y::Z property 'A': required property is missing"]
    );
    // Another text of the same type name has its own entry.
    let other = Rules {
        type_name: "X::Y::Z",
        json: "[",
    };
    for _ in 0..2 {
        assert_eq!(
            validate(&other, &props),
            ["X::Y::Z: invalid validation rules: EOF while parsing a list at line 1 column 1"]
        );
    }
}
