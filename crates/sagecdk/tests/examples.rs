//! The examples' templates: fine-grained assertions plus whole-template snapshots kept under
//! `snapshots/` at the repository root (update with `SAGECDK_UPDATE_SNAPSHOTS=1`).

use sagecdk::App;
use sagecdk_assertions::snapshot::Snapshot;
use sagecdk_assertions::{Match, Template, pattern};

#[allow(dead_code)]
#[path = "../../../examples/hello_endpoint.rs"]
mod hello_endpoint;

fn snapshots() -> Snapshot {
    Snapshot::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots")).redact_asset_hashes(true)
}

#[test]
fn hello_endpoint() {
    let app = App::for_tests();
    let stack = hello_endpoint::build(&app);
    let template = Template::from_stack(&stack);
    template.assert_resource_count_is("AWS::SageMaker::Model", 1);
    template.assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({
            "ProductionVariants": [Match::object_like(pattern!({"InstanceType": "ml.m5.large", "VariantName": "AllTraffic"}))]
        }),
    );
    template.assert_has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        pattern!({"ResourceId": {"Fn::Join": ["", ["endpoint/", Match::any_value(), "/variant/AllTraffic"]]}}),
    );
    template.assert_has_output(
        "EndpointName",
        pattern!({"Value": {"Fn::GetAtt": [Match::any_value(), "EndpointName"]}}),
    );
    snapshots().assert_matches("hello_endpoint.HelloEndpoint.template", template.as_json());
}
