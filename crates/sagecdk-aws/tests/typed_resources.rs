//! Roles, policies, buckets and security-group rule resources are built on the typed
//! resources: literal values are checked against the CloudFormation schema at synthesis, tags
//! reach the taggable types as in the AWS CDK, and templates are unchanged.

use sagecdk_assertions::{Match, Template};
use sagecdk_aws::ec2::{
    Peer, Port, SecurityGroup, SecurityGroupImportOptions, SecurityGroupProps, Vpc,
};
use sagecdk_aws::iam::{PolicyStatement, Principal, Role, RoleProps};
use sagecdk_aws::s3::{Bucket, BucketProps};
use sagecdk_core::{App, Stack, StackProps, Tags};
use serde_json::{Value as Json, json};

fn stack(app: &App) -> Stack {
    Stack::new(app, "S", StackProps::default())
}

fn only(template: &Template, resource_type: &str) -> Json {
    let found = template.find_resources(resource_type, Match::any_value());
    assert_eq!(found.len(), 1, "{resource_type}: {found:?}");
    found.values().next().cloned().unwrap_or_default()
}

#[test]
fn literal_role_values_are_checked_against_the_schema_all_together() {
    let app = App::for_tests();
    let s = stack(&app);
    let mut props = RoleProps::new(Principal::service("sagemaker.amazonaws.com"));
    props.max_session_duration = Some(600);
    props.role_name = Some("no spaces allowed".into());
    props.path = Some("no-slashes".into());
    Role::new(&s, "Role", props);
    let err = Template::try_from_stack(&s)
        .expect_err("invalid role")
        .to_string();
    for property in ["MaxSessionDuration", "RoleName", "Path"] {
        assert!(
            err.contains(&format!(
                "[S/Role/Resource] AWS::IAM::Role property '{property}'"
            )),
            "{property} not reported: {err}"
        );
    }
}

#[test]
fn a_valid_role_renders_every_property_in_the_cdk_order() {
    let app = App::for_tests();
    let s = stack(&app);
    let mut props = RoleProps::new(Principal::service("sagemaker.amazonaws.com"))
        .with_managed_policy("arn:aws:iam::aws:policy/AmazonSageMakerFullAccess");
    props.description = Some("Runs models".into());
    props.max_session_duration = Some(7200);
    props.path = Some("/models/".into());
    props.role_name = Some("model-role".into());
    props.permissions_boundary = Some("arn:aws:iam::123456789012:policy/boundary".into());
    props.inline_policies.insert(
        "Read".into(),
        sagecdk_aws::iam::PolicyDocument::with_statements([PolicyStatement::allow()
            .action("s3:GetObject")
            .resource("*")]),
    );
    Role::new(&s, "Role", props);
    let role = only(&Template::from_stack(&s), "AWS::IAM::Role");
    assert_eq!(
        role["Properties"].to_string(),
        json!({
            "AssumeRolePolicyDocument": {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"}}], "Version": "2012-10-17"},
            "Description": "Runs models",
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"],
            "MaxSessionDuration": 7200,
            "Path": "/models/",
            "PermissionsBoundary": "arn:aws:iam::123456789012:policy/boundary",
            "Policies": [{"PolicyDocument": {"Statement": [{"Action": "s3:GetObject", "Effect": "Allow",
                "Resource": "*"}], "Version": "2012-10-17"}, "PolicyName": "Read"}],
            "RoleName": "model-role"
        })
        .to_string()
    );
}

#[test]
fn tags_reach_roles_buckets_and_groups_but_not_policies_or_rules() {
    let app = App::for_tests();
    let s = stack(&app);
    let role = Role::new(
        &s,
        "Role",
        RoleProps::new(Principal::service("sagemaker.amazonaws.com")),
    );
    let bucket = Bucket::new(&s, "Bucket", BucketProps::default());
    bucket.grant_read(&role, None);
    let vpc = Vpc::from_attributes("vpc-1", vec!["subnet-1".into()]);
    let group = SecurityGroup::new(
        &s,
        "Group",
        SecurityGroupProps {
            allow_all_outbound: false,
            ..SecurityGroupProps::new(&vpc)
        },
    );
    let other = SecurityGroup::new(
        &s,
        "Other",
        SecurityGroupProps {
            allow_all_outbound: false,
            ..SecurityGroupProps::new(&vpc)
        },
    );
    group
        .connections()
        .allow_from(&other.connections(), Port::tcp(443));
    Tags::of(&s).add("team", "ml-platform");
    Tags::of(&s).add("cost-center", "42");

    let template = Template::from_stack(&s);
    // The CDK sorts tags by key.
    let tags =
        json!([{"Key": "cost-center", "Value": "42"}, {"Key": "team", "Value": "ml-platform"}]);
    for taggable in [
        "AWS::IAM::Role",
        "AWS::S3::Bucket",
        "AWS::EC2::SecurityGroup",
    ] {
        for (id, r) in template.find_resources(taggable, Match::any_value()) {
            assert_eq!(r["Properties"]["Tags"], tags, "{taggable} {id}");
        }
    }
    for untaggable in [
        "AWS::IAM::Policy",
        "AWS::EC2::SecurityGroupIngress",
        "AWS::EC2::SecurityGroupEgress",
    ] {
        let found = template.find_resources(untaggable, Match::any_value());
        assert!(!found.is_empty(), "{untaggable}");
        for (id, r) in found {
            assert!(r["Properties"].get("Tags").is_none(), "{untaggable} {id}");
        }
    }
    // A bucket without tags has no properties at all and is retained, as the CDK writes it.
    let app = App::for_tests();
    let s = stack(&app);
    Bucket::new(&s, "Bucket", BucketProps::default());
    assert_eq!(
        only(&Template::from_stack(&s), "AWS::S3::Bucket").to_string(),
        json!({"Type": "AWS::S3::Bucket", "UpdateReplacePolicy": "Retain", "DeletionPolicy": "Retain"})
            .to_string()
    );
}

#[test]
fn rule_resources_name_their_peer_by_direction_with_keys_in_order() {
    let app = App::for_tests();
    let s = stack(&app);
    // An imported group that takes egress rules: every rule is a resource of its own.
    let group = SecurityGroup::from_id_with(
        &s,
        "Imported",
        "sg-1",
        SecurityGroupImportOptions {
            mutable: true,
            allow_all_outbound: false,
        },
    );
    group.add_ingress_rule(&Peer::ipv4("10.0.0.0/16"), &Port::tcp(8080));
    group.add_ingress_rule_described(&Peer::ipv6("::/0"), &Port::all_traffic(), "v6");
    group.add_ingress_rule(&Peer::prefix_list("pl-1"), &Port::udp_range(1000, 2000));
    group.add_egress_rule(&Peer::prefix_list("pl-2"), &Port::tcp(443));
    group.add_egress_rule(&Peer::ipv4("10.1.0.0/16"), &Port::all_tcp());
    let template = Template::from_stack(&s);
    let props = |t: &str| -> Vec<String> {
        let mut v: Vec<String> = template
            .find_resources(t, Match::any_value())
            .values()
            .map(|r| r["Properties"].to_string())
            .collect();
        v.sort();
        v
    };
    let mut ingress = [
        json!({"CidrIp": "10.0.0.0/16", "Description": "from 10.0.0.0/16:8080", "FromPort": 8080,
               "GroupId": "sg-1", "IpProtocol": "tcp", "ToPort": 8080}),
        json!({"CidrIpv6": "::/0", "Description": "v6", "GroupId": "sg-1", "IpProtocol": "-1"}),
        json!({"Description": "from pl-1:UDP 1000-2000", "FromPort": 1000, "GroupId": "sg-1",
               "IpProtocol": "udp", "SourcePrefixListId": "pl-1", "ToPort": 2000}),
    ]
    .iter()
    .map(Json::to_string)
    .collect::<Vec<_>>();
    ingress.sort();
    assert_eq!(props("AWS::EC2::SecurityGroupIngress"), ingress);
    let mut egress = [
        json!({"Description": "to pl-2:443", "DestinationPrefixListId": "pl-2", "FromPort": 443,
               "GroupId": "sg-1", "IpProtocol": "tcp", "ToPort": 443}),
        json!({"CidrIp": "10.1.0.0/16", "Description": "to 10.1.0.0/16:ALL PORTS", "FromPort": 0,
               "GroupId": "sg-1", "IpProtocol": "tcp", "ToPort": 65535}),
    ]
    .iter()
    .map(Json::to_string)
    .collect::<Vec<_>>();
    egress.sort();
    assert_eq!(props("AWS::EC2::SecurityGroupEgress"), egress);
}
