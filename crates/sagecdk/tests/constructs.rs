//! Construct behaviour checked with the assertions library, as users test their stacks.

use sagecdk::TagType;
use sagecdk::prelude::*;
use sagecdk_assertions::{Annotations, Capture, Match, Template, pattern};

#[test]
fn tags_reach_taggable_resources_in_sorted_order() {
    let app = App::for_tests();
    let stack = Stack::new(&app, "S", StackProps::default());
    let bucket = CfnResource::new(&stack, "Bucket", "AWS::S3::Bucket");
    bucket.enable_tags(TagType::Standard, "Tags");
    Tags::of(&app).add("team", "ml");
    Tags::of(&stack).add("cost-center", "42");
    Template::from_stack(&stack).assert_has_resource_properties(
        "AWS::S3::Bucket",
        pattern!({"Tags": [{"Key": "cost-center", "Value": "42"}, {"Key": "team", "Value": "ml"}]}),
    );
}

#[test]
fn cross_stack_reference_exports_and_imports_the_same_name() {
    let app = App::for_tests();
    let producer = Stack::new(&app, "Producer", StackProps::default());
    let consumer = Stack::new(&app, "Consumer", StackProps::default());
    let model = CfnResource::new(&producer, "Model", "AWS::SageMaker::Model");
    CfnResource::new(&consumer, "Config", "AWS::SageMaker::EndpointConfig")
        .set_property("ModelName", model.get_att("ModelName"));

    let export = Capture::new();
    Template::from_stack(&producer).assert_has_output(
        "*",
        pattern!({"Value": {"Fn::GetAtt": ["Model", "ModelName"]}, "Export": {"Name": &export}}),
    );
    let name = export.as_string().expect("captured");
    assert!(
        name.starts_with("Producer:ExportsOutputFnGetAttModelModelName"),
        "{name}"
    );
    Template::from_stack(&consumer).assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({"ModelName": {"Fn::ImportValue": name}}),
    );
}

#[test]
fn construct_dependencies_render_depends_on() {
    let app = App::for_tests();
    let stack = Stack::new(&app, "S", StackProps::default());
    let role = Construct::new(&stack, "Role");
    CfnResource::new(&role, "Resource", "AWS::IAM::Role");
    let model = CfnResource::new(&stack, "Model", "AWS::SageMaker::Model");
    model.node().add_dependency(&role);
    Template::from_stack(&stack).assert_has_resource(
        "AWS::SageMaker::Model",
        pattern!({"DependsOn": [Match::string_like_regexp("^Role[0-9A-F]{8}$")], "Properties": Match::absent()}),
    );
}

#[test]
fn warnings_are_visible_to_tests_and_errors_fail_synthesis() {
    let app = App::for_tests();
    let stack = Stack::new(&app, "S", StackProps::default());
    let r = CfnResource::new(&stack, "R", "AWS::X::Y");
    r.node()
        .add_warning("instance type ml.t2.medium is burstable");
    let annotations = Annotations::from_stack(&stack).expect("synthesizes");
    annotations.assert_has_warning("/S/R", Match::string_like_regexp("burstable"));
    annotations.assert_has_no_error("*", Match::any_value());

    r.node().add_error("this resource is misconfigured");
    let err = Template::try_from_stack(&stack).expect_err("fails");
    assert!(
        err.to_string()
            .contains("[S/R] this resource is misconfigured"),
        "{err}"
    );
}
