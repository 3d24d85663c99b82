//! Typed props stay editable after creation: `update` reaches the template, the validation,
//! `properties()` readers, overrides and tags.
#![cfg(feature = "sagemaker")]

use sagecdk_cfn::sagemaker::endpoint_config::ProductionVariant;
use sagecdk_cfn::sagemaker::model::ContainerDefinition;
use sagecdk_cfn::sagemaker::{CfnEndpointConfig, CfnEndpointConfigProps, CfnModel, CfnModelProps};
use sagecdk_core::{App, Scope, Stack, StackProps, Tags, Tokenized, Value};

fn stack() -> (App, Stack) {
    let app = App::for_tests();
    let stack = Stack::new(&app, "S", StackProps::default());
    (app, stack)
}

/// The `Properties` of resource `id` as the template has them, as compact JSON.
fn properties(app: &App, id: &str) -> String {
    let assembly = app.assemble().expect("valid app");
    let template = assembly.stack("S").expect("stack").template();
    template["Resources"][id]["Properties"].to_string()
}

#[test]
fn update_after_creation_is_rendered_at_synthesis() {
    let (app, stack) = stack();
    let model = CfnModel::new(
        &stack,
        "M",
        CfnModelProps::new().with_execution_role_arn("arn:aws:iam::123456789012:role/r"),
    );
    model.update(|p| {
        p.primary_container = Some(ContainerDefinition::new().with_image("image:1"));
        p.enable_network_isolation = Some(true.into());
    });
    assert_eq!(
        model
            .props()
            .primary_container
            .as_ref()
            .map(|c| c.image.is_some()),
        Some(true)
    );
    // The CloudFormation key order of the typed rendering, whatever the order of the changes.
    assert_eq!(
        properties(&app, "M"),
        r#"{"EnableNetworkIsolation":true,"ExecutionRoleArn":"arn:aws:iam::123456789012:role/r","PrimaryContainer":{"Image":"image:1"}}"#
    );
}

#[test]
fn properties_readers_see_the_current_props() {
    let (_app, stack) = stack();
    let model = CfnModel::new(&stack, "M", CfnModelProps::new());
    assert!(model.resource().property("ModelName").is_none());
    model.update(|p| p.model_name = Some("ranker".into()));
    assert!(matches!(
        model.resource().property("ModelName"),
        Some(Value::String(name)) if name == "ranker"
    ));
    assert_eq!(
        model.resource().properties().keys().collect::<Vec<_>>(),
        ["ModelName"]
    );
}

#[test]
fn updated_values_are_validated() {
    let (app, stack) = stack();
    let config = CfnEndpointConfig::new(
        &stack,
        "C",
        CfnEndpointConfigProps::new([ProductionVariant::new("ok")]),
    );
    config.update(|p| {
        p.production_variants = Tokenized::Literal(vec![ProductionVariant::new("not valid!")]);
    });
    let messages: Vec<String> = match app.assemble() {
        Ok(_) => Vec::new(),
        Err(e) => e.diagnostics().iter().map(|d| d.message.clone()).collect(),
    };
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with(
            "AWS::SageMaker::EndpointConfig property 'ProductionVariants[0].VariantName': value 'not valid!' does not match pattern"
        ),
        "{messages:?}"
    );
}

#[test]
fn overrides_escape_hatch_and_tags_apply_to_updated_props() {
    let (app, stack) = stack();
    let model = CfnModel::new(&stack, "M", CfnModelProps::new().with_model_name("a"));
    model
        .resource()
        .add_property_override("PrimaryContainer.Mode", "MultiModel");
    model
        .resource()
        .set_property("ExecutionRoleArn", "arn:aws:iam::123456789012:role/r");
    Tags::of(&stack).add("team", "ml");
    // A property set through the escape hatch is appended to the typed ones, and the tags
    // follow the typed props, as on a resource whose properties were fixed at creation.
    model.update(|p| {
        p.model_name = Some("b".into());
        p.primary_container = Some(ContainerDefinition::new().with_image("image:1"));
    });
    assert_eq!(
        properties(&app, "M"),
        r#"{"ModelName":"b","PrimaryContainer":{"Image":"image:1","Mode":"MultiModel"},"ExecutionRoleArn":"arn:aws:iam::123456789012:role/r","Tags":[{"Key":"team","Value":"ml"}]}"#
    );
}

#[test]
fn reading_the_resource_inside_update_cannot_panic() {
    let (app, stack) = stack();
    let model = CfnModel::new(&stack, "M", CfnModelProps::new());
    let inner = model.clone();
    model.update(|p| {
        // Reads see the props as they were before this update.
        assert!(inner.props().primary_container.is_none());
        assert!(
            !inner
                .resource()
                .properties()
                .contains_key("PrimaryContainer")
        );
        p.primary_container = Some(ContainerDefinition::new().with_image("image:1"));
        // A nested update works on its own copy; the outer one's result replaces it.
        inner.update(|q| q.enable_network_isolation = Some(true.into()));
    });
    let rendered = properties(&app, "M");
    assert!(
        rendered.contains("\"PrimaryContainer\":{\"Image\":\"image:1\"}"),
        "{rendered}"
    );
    assert!(!rendered.contains("EnableNetworkIsolation"), "{rendered}");
}

/// Synthesis renders each resource's props once and keeps the rendering while it runs: a
/// change made during synthesis (here by a validation, which runs after the rendering is kept)
/// must still reach the template, and a change between two syntheses must reach the second.
#[test]
fn changes_during_and_between_syntheses_reach_the_template() {
    let (app, stack) = stack();
    let model = CfnModel::new(&stack, "M", CfnModelProps::new().with_model_name("first"));
    let in_validation = model.clone();
    stack.node().add_validation(move |_| {
        in_validation.update(|p| p.enable_network_isolation = Some(true.into()));
        Vec::new()
    });
    assert_eq!(
        properties(&app, "M"),
        r#"{"EnableNetworkIsolation":true,"ModelName":"first"}"#
    );
    model.update(|p| p.model_name = Some("second".into()));
    assert_eq!(
        properties(&app, "M"),
        r#"{"EnableNetworkIsolation":true,"ModelName":"second"}"#
    );
    // Outside synthesis, readers see the props as they are now, not a kept rendering.
    model.update(|p| p.model_name = Some("third".into()));
    assert!(matches!(
        model.resource().property("ModelName"),
        Some(Value::String(name)) if name == "third"
    ));
    // The escape hatch applies on top of the kept rendering too.
    let hatch = model.clone();
    stack.node().add_validation(move |_| {
        hatch.resource().set_property("ModelName", "fourth");
        Vec::new()
    });
    assert_eq!(
        properties(&app, "M"),
        r#"{"EnableNetworkIsolation":true,"ModelName":"fourth"}"#
    );
}
