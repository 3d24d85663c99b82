//! The examples' templates: fine-grained assertions plus whole-template snapshots kept under
//! `snapshots/` at the repository root (update with `SAGECDK_UPDATE_SNAPSHOTS=1`).

use sagecdk::App;
use sagecdk_assertions::snapshot::Snapshot;
use sagecdk_assertions::{Match, Template, pattern};

#[allow(dead_code)]
#[path = "../../../examples/hello-endpoint/src/main.rs"]
mod hello_endpoint;

#[allow(dead_code)]
#[path = "../../../examples/production_endpoint.rs"]
mod production_endpoint;

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

#[test]
fn production_endpoint() {
    let app = App::for_tests();
    let stack = production_endpoint::build(&app);
    let template = Template::from_stack(&stack);
    // Models in the VPC, reachable only from the callers' group on 8080.
    template.assert_resource_count_is("AWS::SageMaker::Model", 2);
    template.assert_resource_count_is("AWS::EC2::SecurityGroupIngress", 2);
    template.assert_has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        pattern!({
            "Description": "ranker callers",
            "FromPort": 8080,
            "SourceSecurityGroupId": {"Fn::GetAtt": [Match::string_like_regexp("^Callers"), "GroupId"]}
        }),
    );
    // Every group allows all outbound traffic: no egress rules are needed.
    template.assert_resource_count_is("AWS::EC2::SecurityGroupEgress", 0);
    // Encrypted volumes, the canary at weight 0.
    template.assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({
            "KmsKeyId": {"Fn::GetAtt": [Match::string_like_regexp("^VolumeKey"), "Arn"]},
            "ProductionVariants": [
                Match::object_like(pattern!({"InitialInstanceCount": 2, "InitialVariantWeight": 1, "VariantName": "current"})),
                Match::object_like(pattern!({"InitialVariantWeight": 0, "VariantName": "canary"}))
            ]
        }),
    );
    // Target tracking (0.6 × 40 rps × 60), two step policies, the scheduled minimum.
    template.assert_resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 3);
    template.assert_has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        pattern!({"TargetTrackingScalingPolicyConfiguration": Match::object_like(pattern!({"TargetValue": 1440}))}),
    );
    template.assert_has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        pattern!({"ScheduledActions": [Match::object_like(pattern!({"ScheduledActionName": "NightMinimum"}))]}),
    );
    // Three alarms: two for step scaling, one paging.
    template.assert_resource_count_is("AWS::CloudWatch::Alarm", 3);
    template.assert_has_resource_properties(
        "AWS::CloudWatch::Alarm",
        pattern!({
            "AlarmActions": [{"Ref": Match::string_like_regexp("^Pager")}],
            "MetricName": "Invocation5XXErrors",
            "TreatMissingData": "notBreaching"
        }),
    );
    snapshots().assert_matches(
        "production_endpoint.ProductionEndpoint.template",
        template.as_json(),
    );
}
