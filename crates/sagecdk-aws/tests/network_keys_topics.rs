//! Security-group rules and connections, KMS keys, SNS topics and alarm actions.

use sagecdk_assertions::{Annotations, Match, Template, pattern};
use sagecdk_aws::cloudwatch::{AlarmProps, Metric};
use sagecdk_aws::ec2::{
    Peer, Port, SecurityGroup, SecurityGroupImportOptions, SecurityGroupProps, Vpc,
};
use sagecdk_aws::iam::{Principal, Role, RoleProps};
use sagecdk_aws::kms::{Key, KeyProps};
use sagecdk_aws::sns::{Subscription, Topic, TopicProps};
use sagecdk_core::{App, Environment, Stack, StackProps};

fn stack(app: &App) -> Stack {
    Stack::new(app, "S", StackProps::default())
}

fn vpc() -> Vpc {
    Vpc::from_attributes("vpc-1", vec!["subnet-1".into()])
}

#[test]
fn address_rules_are_inline_and_written_once() {
    let app = App::for_tests();
    let s = stack(&app);
    let group = SecurityGroup::new(
        &s,
        "Group",
        SecurityGroupProps {
            allow_all_outbound: false,
            ..SecurityGroupProps::new(&vpc()).with_description("model traffic")
        },
    );
    let connections = group.connections();
    connections.allow_from(&Peer::ipv4("10.0.0.0/16"), Port::tcp(8080));
    connections.allow_from(&Peer::ipv4("10.0.0.0/16"), Port::tcp(8080));
    connections.allow_to_described(&Peer::any_ipv4(), Port::tcp(443), "HTTPS out");
    connections.allow_from(&Peer::ipv6("::/0"), Port::all_traffic());
    Template::from_stack(&s).assert_has_resource_properties(
        "AWS::EC2::SecurityGroup",
        pattern!({
            "GroupDescription": "model traffic",
            // The "disallow all" placeholder gives way to the first real egress rule.
            "SecurityGroupEgress": [
                {"CidrIp": "0.0.0.0/0", "Description": "HTTPS out", "FromPort": 443, "IpProtocol": "tcp", "ToPort": 443}
            ],
            "SecurityGroupIngress": [
                {"CidrIp": "10.0.0.0/16", "Description": "from 10.0.0.0/16:8080", "FromPort": 8080, "IpProtocol": "tcp", "ToPort": 8080},
                {"CidrIpv6": "::/0", "Description": "from ::/0:ALL TRAFFIC", "IpProtocol": "-1"}
            ],
            "VpcId": "vpc-1"
        }),
    );
}

#[test]
fn egress_on_an_open_group_is_ignored_with_a_warning() {
    let app = App::for_tests();
    let s = stack(&app);
    let group = SecurityGroup::new(&s, "Group", SecurityGroupProps::new(&vpc()));
    group.add_egress_rule(&Peer::ipv4("10.0.0.0/8"), &Port::tcp(5432));
    Template::from_stack(&s).assert_has_resource_properties(
        "AWS::EC2::SecurityGroup",
        pattern!({"SecurityGroupEgress": [{"CidrIp": "0.0.0.0/0", "Description": "Allow all outbound traffic by default", "IpProtocol": "-1"}]}),
    );
    Annotations::from_stack(&s)
        .unwrap()
        .has_warning(
            "/S/Group",
            Match::string_like_regexp("Ignoring Egress rule"),
        )
        .unwrap();
}

#[test]
fn group_to_group_rules_are_resources_on_both_sides() {
    let app = App::for_tests();
    let s = stack(&app);
    let model = SecurityGroup::new(
        &s,
        "Model",
        SecurityGroupProps {
            allow_all_outbound: false,
            ..SecurityGroupProps::new(&vpc())
        },
    );
    let client = SecurityGroup::new(
        &s,
        "Client",
        SecurityGroupProps {
            allow_all_outbound: false,
            ..SecurityGroupProps::new(&vpc())
        },
    );
    model
        .connections()
        .allow_from(&client, Port::tcp_range(8000, 8080));
    let t = Template::from_stack(&s);
    t.assert_resource_count_is("AWS::EC2::SecurityGroupIngress", 1);
    t.assert_resource_count_is("AWS::EC2::SecurityGroupEgress", 1);
    t.assert_has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        pattern!({
            "Description": "from SClientA5954D1B:8000-8080",
            "FromPort": 8000,
            "GroupId": {"Fn::GetAtt": [Match::string_like_regexp("^Model"), "GroupId"]},
            "IpProtocol": "tcp",
            "SourceSecurityGroupId": {"Fn::GetAtt": [Match::string_like_regexp("^Client"), "GroupId"]},
            "ToPort": 8080
        }),
    );
    t.assert_has_resource_properties(
        "AWS::EC2::SecurityGroupEgress",
        pattern!({
            "Description": Match::string_like_regexp("^to SModel[0-9A-F]{8}:8000-8080$"),
            "DestinationSecurityGroupId": {"Fn::GetAtt": [Match::string_like_regexp("^Model"), "GroupId"]},
            "GroupId": {"Fn::GetAtt": [Match::string_like_regexp("^Client"), "GroupId"]}
        }),
    );
}

#[test]
fn imported_groups_take_rules_as_resources_unless_immutable() {
    let app = App::for_tests();
    let s = stack(&app);
    let mutable = SecurityGroup::from_id(&s, "Shared", "sg-111");
    mutable.add_ingress_rule(&Peer::prefix_list("pl-123"), &Port::tcp(443));
    // Imported groups are taken to allow all outbound traffic: no egress resource.
    mutable.add_egress_rule(&Peer::ipv4("10.0.0.0/8"), &Port::tcp(443));
    let fixed = SecurityGroup::from_id_with(
        &s,
        "Fixed",
        "sg-222",
        SecurityGroupImportOptions {
            mutable: false,
            allow_all_outbound: false,
        },
    );
    fixed.add_ingress_rule(&Peer::any_ipv4(), &Port::all_tcp());
    let closed = SecurityGroup::from_id_with(
        &s,
        "Closed",
        "sg-333",
        SecurityGroupImportOptions {
            mutable: true,
            allow_all_outbound: false,
        },
    );
    closed.add_egress_rule(&Peer::ipv4("10.0.0.0/8"), &Port::udp(53));
    let t = Template::from_stack(&s);
    t.assert_resource_count_is("AWS::EC2::SecurityGroupIngress", 1);
    t.assert_has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        pattern!({"Description": "from pl-123:443", "GroupId": "sg-111", "SourcePrefixListId": "pl-123"}),
    );
    t.assert_resource_count_is("AWS::EC2::SecurityGroupEgress", 1);
    t.assert_has_resource_properties(
        "AWS::EC2::SecurityGroupEgress",
        pattern!({"CidrIp": "10.0.0.0/8", "Description": "to 10.0.0.0/8:UDP 53", "GroupId": "sg-333", "IpProtocol": "udp"}),
    );
}

#[test]
fn keys_have_the_cdk_default_policy_alias_and_retention() {
    let app = App::for_tests();
    let s = stack(&app);
    let key = Key::new(
        &s,
        "Key",
        KeyProps {
            description: Some("endpoint volumes".into()),
            enable_key_rotation: true,
            alias: Some("models".into()),
            ..KeyProps::default()
        },
    );
    let role = Role::new(
        &s,
        "Role",
        RoleProps::new(Principal::service("sagemaker.amazonaws.com")),
    );
    assert!(key.grant_encrypt_decrypt(&role));
    let t = Template::from_stack(&s);
    t.assert_has_resource(
        "AWS::KMS::Key",
        pattern!({
            "Properties": {
                "Description": "endpoint volumes",
                "EnableKeyRotation": true,
                "KeyPolicy": {
                    "Statement": [{
                        "Action": "kms:*",
                        "Effect": "Allow",
                        "Principal": {"AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":root"]]}},
                        "Resource": "*"
                    }],
                    "Version": "2012-10-17"
                }
            },
            "UpdateReplacePolicy": "Retain",
            "DeletionPolicy": "Retain"
        }),
    );
    t.assert_has_resource_properties(
        "AWS::KMS::Alias",
        pattern!({"AliasName": "alias/models", "TargetKeyId": {"Fn::GetAtt": [Match::string_like_regexp("^Key"), "Arn"]}}),
    );
    t.assert_has_resource_properties(
        "AWS::IAM::Policy",
        pattern!({"PolicyDocument": {"Statement": [{
            "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [Match::string_like_regexp("^Key"), "Arn"]}
        }]}}),
    );

    let app = App::for_tests();
    let s = stack(&app);
    Key::new(
        &s,
        "Bad",
        KeyProps {
            pending_window_in_days: Some(3),
            alias: Some("alias/aws/x".into()),
            ..KeyProps::default()
        },
    );
    let err = Template::try_from_stack(&s).unwrap_err().to_string();
    assert!(
        err.contains("[S/Bad] 'pendingWindow' value must between 7 and 30 days"),
        "{err}"
    );
    assert!(err.contains("[S/Bad] Invalid alias 'alias/aws/x'"), "{err}");
}

/// In a stack with a literal account the default key policy names that account, as the CDK's
/// `AccountRootPrincipal` does (the `parity` golden template records it).
#[test]
fn a_key_in_an_environment_specific_stack_trusts_the_literal_account() {
    let app = App::for_tests();
    let s = Stack::new(
        &app,
        "Producer",
        StackProps::default().with_env(Environment::new("123456789012", "us-west-2")),
    );
    Key::new(&s, "Key", KeyProps::default());
    let golden: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/cdk-golden/parity/cdk.out/Producer.template.json"
        ))
        .expect("golden"),
    )
    .expect("json");
    let mut expected = golden["Resources"]["Key961B73FD"].clone();
    expected
        .as_object_mut()
        .expect("resource")
        .shift_remove("Metadata");
    assert_eq!(
        Template::from_stack(&s).to_json()["Resources"]["Key961B73FD"],
        expected
    );
}

#[test]
fn topics_subscriptions_and_alarm_actions() {
    let app = App::for_tests();
    let s = stack(&app);
    let key = Key::from_key_arn(&s, "Key", "arn:aws:kms:us-west-2:123456789012:key/k");
    let topic = Topic::new(
        &s,
        "Alarms",
        TopicProps {
            topic_name: Some("model-alarms".into()),
            display_name: Some("Model alarms".into()),
            master_key: Some(key),
            fifo: false,
        },
    );
    topic.add_subscription(Subscription::Email("oncall@example.com".into()));
    let alarm = Metric::new("AWS/SageMaker", "Invocation5XXErrors", "Sum")
        .with_dimension("EndpointName", "prod")
        .create_alarm(
            &s,
            "Errors",
            AlarmProps {
                threshold: 5.0,
                evaluation_periods: 2,
                ..AlarmProps::default()
            },
        );
    alarm.add_alarm_action(&topic);
    alarm.add_ok_action(&topic);
    let t = Template::from_stack(&s);
    t.assert_has_resource_properties(
        "AWS::SNS::Topic",
        pattern!({"DisplayName": "Model alarms", "KmsMasterKeyId": "arn:aws:kms:us-west-2:123456789012:key/k", "TopicName": "model-alarms"}),
    );
    t.assert_has_resource_properties(
        "AWS::SNS::Subscription",
        pattern!({"Endpoint": "oncall@example.com", "Protocol": "email", "TopicArn": {"Ref": Match::string_like_regexp("^Alarms")}}),
    );
    t.assert_has_resource_properties(
        "AWS::CloudWatch::Alarm",
        pattern!({
            "AlarmActions": [{"Ref": Match::string_like_regexp("^Alarms")}],
            "OKActions": [{"Ref": Match::string_like_regexp("^Alarms")}],
            "InsufficientDataActions": Match::absent()
        }),
    );

    let app = App::for_tests();
    let s = stack(&app);
    Topic::new(
        &s,
        "Bad",
        TopicProps {
            topic_name: Some("no spaces".into()),
            ..TopicProps::default()
        },
    );
    let err = Template::try_from_stack(&s).unwrap_err().to_string();
    assert!(
        err.contains("[S/Bad] Invalid topic name 'no spaces'"),
        "{err}"
    );
}

#[test]
fn subscriptions_are_typed_resources_checked_against_the_schema() {
    let app = App::for_tests();
    let s = stack(&app);
    let topic = Topic::from_topic_arn(&s, "Pager", "arn:aws:sns:us-west-2:123456789012:pager");
    let sqs = topic.add_subscription(Subscription::SqsQueue(
        "arn:aws:sqs:us-west-2:123456789012:q".into(),
    ));
    let web = topic.add_subscription(Subscription::Url("http://example.com/hook".into()));
    assert_eq!(sqs.node().path(), "S/Pager/Queue/Resource");
    assert_eq!(
        web.node().path(),
        "S/Pager/http:----example.com--hook/Resource"
    );
    let t = Template::from_stack(&s);
    t.assert_resource_count_is("AWS::SNS::Subscription", 2);
    t.assert_has_resource_properties(
        "AWS::SNS::Subscription",
        pattern!({"Endpoint": "arn:aws:sqs:us-west-2:123456789012:q", "Protocol": "sqs", "TopicArn": "arn:aws:sns:us-west-2:123456789012:pager"}),
    );
    t.assert_has_resource_properties(
        "AWS::SNS::Subscription",
        pattern!({"Endpoint": "http://example.com/hook", "Protocol": "http"}),
    );

    // Properties added through the escape hatch are checked at synthesis too.
    let app = App::for_tests();
    let s = stack(&app);
    let topic = Topic::new(&s, "Alarms", TopicProps::default());
    let sub = topic.add_subscription(Subscription::Email("oncall@example.com".into()));
    sub.resource().set_property("Protocoll", "email");
    let err = Template::try_from_stack(&s).unwrap_err().to_string();
    assert!(
        err.contains("S/Alarms/oncall@example.com/Resource") && err.contains("Protocoll"),
        "{err}"
    );
    assert!(err.contains("unknown property"), "{err}");
}

#[test]
fn the_open_side_of_a_connection_is_skipped_without_a_warning() {
    let app = App::for_tests();
    let s = stack(&app);
    let model = SecurityGroup::new(&s, "Model", SecurityGroupProps::new(&vpc()));
    let callers = SecurityGroup::new(&s, "Callers", SecurityGroupProps::new(&vpc()));
    model.connections().allow_from(&callers, Port::tcp(8080));
    let t = Template::from_stack(&s);
    t.assert_resource_count_is("AWS::EC2::SecurityGroupIngress", 1);
    t.assert_resource_count_is("AWS::EC2::SecurityGroupEgress", 0);
    Annotations::from_stack(&s)
        .unwrap()
        .has_no_warning("*", Match::string_like_regexp("Ignoring Egress rule"))
        .unwrap();
}
