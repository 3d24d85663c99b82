//! SageMaker constructs: features beyond the seed app, the CDK bugs not reproduced, and every
//! validation with its message and construct path.

use sagecdk_assertions::{Annotations, Match, Template, pattern};
use sagecdk_aws::iam::{FromRoleArnOptions, Principal, Role, RoleProps};
use sagecdk_core::{App, Duration, Environment, Scope, Stack, StackProps};
use sagecdk_sagemaker::*;

mod common;

use common::*;

#[test]
fn serverless_variant_renders_and_validates() {
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    let mut serverless = ServerlessProductionVariantProps::new(&m, "serverless", 2048, 20);
    serverless.provisioned_concurrency = Some(5);
    serverless_config(&s, "Config", serverless);
    Template::from_stack(&s).assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({"ProductionVariants": [{
            "InitialVariantWeight": 1,
            "ModelName": Match::any_value(),
            "ServerlessConfig": {"MaxConcurrency": 20, "MemorySizeInMB": 2048, "ProvisionedConcurrency": 5},
            "VariantName": "serverless"
        }]}),
    );

    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    let mixed = EndpointConfig::new(
        &s,
        "Mixed",
        EndpointConfigProps {
            instance_production_variants: vec![InstanceProductionVariantProps::new(&m, "i")],
            serverless_production_variant: Some(ServerlessProductionVariantProps::new(
                &m, "v", 1024, 1,
            )),
            ..EndpointConfigProps::default()
        },
    );
    mixed.add_serverless_production_variant(ServerlessProductionVariantProps::new(
        &m, "again", 1024, 1,
    ));
    let mut bad = ServerlessProductionVariantProps::new(&m, "v", 1000, 300);
    bad.provisioned_concurrency = Some(301);
    serverless_config(&s, "Bad", bad);
    let serverless_only = serverless_config(
        &s,
        "ServerlessOnly",
        ServerlessProductionVariantProps::new(&m, "s", 1024, 1),
    );
    serverless_only
        .add_instance_production_variant(InstanceProductionVariantProps::new(&m, "late"));
    let e = errors(&s);
    assert_has(
        &e,
        "[S/Mixed] Cannot specify both instanceProductionVariants and serverlessProductionVariant",
    );
    assert_has(
        &e,
        "[S/Mixed] Cannot add serverless production variant when instance production variants are already configured",
    );
    assert_has(
        &e,
        "[S/Bad] Invalid Serverless Production Variant Props: maxConcurrency must be between 1 and 200 / memorySizeInMB must be one of: 1024, 2048, 3072, 4096, 5120, 6144 MB / provisionedConcurrency must be between 1 and 200 / provisionedConcurrency cannot be greater than maxConcurrency",
    );
    // The rejected variant is reported once, not also as a missing one.
    assert!(
        !e.iter()
            .any(|m| m.contains("[S/Bad] Must configure at least 1 production variant")),
        "{e:#?}"
    );
    assert_has(
        &e,
        "[S/ServerlessOnly] Cannot add instance production variant when serverless production variant is already configured",
    );
}

#[test]
fn instance_variant_options_and_zero_weight() {
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    let mut v = InstanceProductionVariantProps::new(&m, "v")
        .with_weight(0.0)
        .with_instance_type(InstanceType::G5_XLARGE);
    v.container_startup_health_check_timeout = Some(Duration::from_secs(600));
    v.model_data_download_timeout = Some(Duration::from_secs(1200));
    v.volume_size_in_gb = Some(100);
    v.routing_strategy = Some(RoutingStrategy::LeastOutstandingRequests);
    EndpointConfig::new(
        &s,
        "Config",
        EndpointConfigProps {
            instance_production_variants: vec![v],
            kms_key_arn: Some("arn:aws:kms:us-west-2:123456789012:key/abc".into()),
            ..EndpointConfigProps::default()
        },
    );
    Template::from_stack(&s).assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({
            "KmsKeyId": "arn:aws:kms:us-west-2:123456789012:key/abc",
            "ProductionVariants": [{
                "ContainerStartupHealthCheckTimeoutInSeconds": 600,
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 0,
                "InstanceType": "ml.g5.xlarge",
                "ModelDataDownloadTimeoutInSeconds": 1200,
                "ModelName": Match::any_value(),
                "RoutingConfig": {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"},
                "VariantName": "v",
                "VolumeSizeInGB": 100
            }]
        }),
    );

    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    let mut v = InstanceProductionVariantProps::new(&m, "v")
        .with_instance_count(0)
        .with_weight(-1.0);
    v.container_startup_health_check_timeout = Some(Duration::from_secs(10));
    v.volume_size_in_gb = Some(1000);
    let config = instance_config(&s, "Config", vec![v]);
    config.add_instance_production_variant(InstanceProductionVariantProps::new(&m, "w"));
    config.add_instance_production_variant(InstanceProductionVariantProps::new(&m, "w"));
    let e = errors(&s);
    assert_has(
        &e,
        "[S/Config] Invalid Production Variant Props: containerStartupHealthCheckTimeout must be between 60 and 3600 seconds; volumeSizeInGB must be between 1 and 512; Must have at least one instance; Cannot have negative variant weight",
    );
    assert_has(
        &e,
        "[S/Config] There is already a Production Variant with name 'w'",
    );
}

#[test]
fn the_cdk_bugs_are_not_reproduced() {
    let app = App::for_tests();
    let s = stack(&app);
    // Two deep learning container images in one model.
    let m = Model::new(
        &s,
        "Pipeline",
        ModelProps {
            containers: vec![
                ContainerDefinition::new(ContainerImage::from_dlc("a", "1")),
                ContainerDefinition::new(ContainerImage::from_dlc("b", "2")),
            ],
            ..ModelProps::default()
        },
    );
    // Two autoscaled variants on one endpoint.
    let config = instance_config(
        &s,
        "Config",
        vec![
            InstanceProductionVariantProps::new(&m, "a").with_instance_type(InstanceType::M5_LARGE),
            InstanceProductionVariantProps::new(&m, "b").with_instance_type(InstanceType::C5_LARGE),
        ],
    );
    let endpoint = Endpoint::new(
        &s,
        "Endpoint",
        EndpointProps {
            endpoint_config: config.into(),
            endpoint_name: Some("my-endpoint".into()),
            update: EndpointUpdate::default(),
        },
    );
    for v in endpoint.instance_production_variants() {
        v.auto_scale_instance_count(EnableScalingProps::max(4).with_min(1))
            .scale_on_invocations(
                "Rps",
                InvocationsScalingProps {
                    max_requests_per_second: 10.0,
                    safety_factor: Some(0.8),
                    ..Default::default()
                },
            );
    }
    let t = Template::from_stack(&s);
    t.assert_resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 2);
    t.assert_has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        pattern!({"TargetTrackingScalingPolicyConfiguration": {"TargetValue": 480}}),
    );
    t.assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({"Containers": Match::array_with(vec![
            pattern!({"Image": Match::any_value()}),
        ])}),
    );
}

#[test]
fn model_validations() {
    let app = App::for_tests();
    let s = stack(&app);
    Model::new(&s, "Empty", ModelProps::default());
    Model::new(
        &s,
        "TooMany",
        ModelProps {
            containers: (0..16).map(|_| ContainerDefinition::new(image())).collect(),
            ..ModelProps::default()
        },
    );
    Model::new(
        &s,
        "Hosts",
        ModelProps {
            containers: vec![
                ContainerDefinition::new(image()).with_hostname("a"),
                ContainerDefinition::new(image()),
            ],
            ..ModelProps::default()
        },
    );
    Model::new(
        &s,
        "Named",
        ModelProps {
            model_name: Some("my_model!!".into()),
            containers: vec![ContainerDefinition::new(image())],
            ..ModelProps::default()
        },
    );
    Model::new(
        &s,
        "BadData",
        ModelProps::with_container(
            ContainerDefinition::new(image()).with_model_data(ModelData::from_asset("model.zip")),
        ),
    );
    let e = errors(&s);
    assert_has(
        &e,
        "[S/Empty] Must configure at least 1 container for model",
    );
    assert_has(
        &e,
        "[S/TooMany] Cannot have more than 15 containers in inference pipeline",
    );
    assert_has(
        &e,
        "[S/Hosts] Container hostnames must be set on all containers or on none",
    );
    assert_has(&e, "[S/Named] Invalid model name 'my_model!!'");
    assert_has(
        &e,
        "[S/BadData] Asset must be a gzipped tar file with extension .tar.gz (model.zip)",
    );
}

#[test]
fn autoscaling_and_lookup_validations() {
    let app = App::for_tests();
    let s = stack(&app);
    let config = config_of_model_m(&s, |m| {
        vec![
            InstanceProductionVariantProps::new(m, "burst")
                .with_instance_type(InstanceType::T2_MEDIUM),
            InstanceProductionVariantProps::new(m, "two")
                .with_instance_count(2)
                .with_instance_type(InstanceType::M5_LARGE),
        ]
    });
    let endpoint = Endpoint::new(
        &s,
        "Endpoint",
        EndpointProps {
            endpoint_config: config.into(),
            endpoint_name: None,
            update: EndpointUpdate::default(),
        },
    );
    let _ = endpoint
        .find_instance_production_variant("burst")
        .auto_scale_instance_count(EnableScalingProps::max(1));
    // Invalid limits still give a usable handle (the error is reported at synthesis).
    let two = endpoint.find_instance_production_variant("two");
    let ok = two.auto_scale_instance_count(EnableScalingProps::max(1).with_min(3));
    ok.scale_on_invocations(
        "Bad",
        InvocationsScalingProps {
            max_requests_per_second: 1.0,
            safety_factor: Some(0.0),
            ..Default::default()
        },
    );
    let _ = endpoint.find_instance_production_variant("nope");
    let e = errors(&s);
    assert_has(
        &e,
        "[S/Endpoint] Invalid Application Auto Scaling configuration: AutoScaling not supported for burstable instance types like ml.t2.medium",
    );
    assert_has(
        &e,
        "minCapacity cannot be greater than initial instance count: 2; maxCapacity cannot be less than initial instance count: 2",
    );
    assert_has(
        &e,
        "Safety factor (0) must be greater than 0.0 and less than or equal 1.0",
    );
    assert_has(&e, "[S/Endpoint] No variant with name: 'nope'");
}

#[test]
fn dlc_images_need_a_known_region_or_an_account() {
    let app = App::for_tests();
    let s = Stack::new(
        &app,
        "S",
        StackProps::default().with_env(Environment::new("123456789012", "xx-fake-1")),
    );
    model(&s, "M");
    let e = errors(&s);
    assert_has(
        &e,
        "[S/M] region-info: don't know dlcRepositoryAccount for region xx-fake-1",
    );

    let app = App::for_tests();
    let s = Stack::new(
        &app,
        "S",
        StackProps::default().with_env(Environment::new("123456789012", "xx-fake-1")),
    );
    Model::new(
        &s,
        "M",
        ModelProps::with_container(ContainerDefinition::new(
            ContainerImage::from_dlc_in_account("r", "t", "111111111111"),
        )),
    );
    Template::from_stack(&s).assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({"PrimaryContainer": {"Image": {"Fn::Join": ["", ["111111111111.dkr.ecr.xx-fake-1.", {"Ref": "AWS::URLSuffix"}, "/r:t"]]}}}),
    );
}

#[test]
fn imports_and_grants() {
    let app = App::for_tests();
    let s = stack(&app);
    let imported = Model::from_model_arn(
        &s,
        "Imported",
        "arn:aws:sagemaker:us-west-2:123456789012:model/my-model",
    );
    assert_eq!(
        imported.model_name().as_literal().as_deref(),
        Some("my-model")
    );
    let endpoint = Endpoint::from_endpoint_name(&s, "Endpoint", "prod-endpoint");
    let caller = Role::new(
        &s,
        "Caller",
        RoleProps::new(Principal::service("lambda.amazonaws.com")),
    );
    assert!(endpoint.grant_invoke(&caller));
    EndpointConfig::from_endpoint_config_name(&s, "Config", "cfg");
    Template::from_stack(&s).assert_has_resource_properties(
        "AWS::IAM::Policy",
        pattern!({"PolicyDocument": {"Statement": [{
            "Action": "sagemaker:InvokeEndpoint",
            "Effect": "Allow",
            "Resource": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sagemaker:us-west-2:123456789012:endpoint/prod-endpoint"]]}
        }]}}),
    );

    let app = App::for_tests();
    let s = stack(&app);
    Model::from_model_arn(&s, "Bad", "not-an-arn");
    Endpoint::from_endpoint_name(&s, "BadName", "bad_name");
    let e = errors(&s);
    assert_has(&e, "[S/Bad] 'not-an-arn' is not a SageMaker resource ARN");
    assert_has(&e, "[S/BadName] Invalid endpoint name 'bad_name'");
}

#[test]
fn vpc_placement() {
    use sagecdk_aws::ec2::{SecurityGroup, Vpc};
    let app = App::for_tests();
    let s = stack(&app);
    let vpc = Vpc::from_attributes("vpc-123", vec!["subnet-a".into(), "subnet-b".into()]);
    Model::new(
        &s,
        "M",
        ModelProps {
            containers: vec![ContainerDefinition::new(image())],
            vpc: Some(vpc.clone()),
            allow_all_outbound: Some(false),
            ..ModelProps::default()
        },
    );
    let given = SecurityGroup::from_id(&s, "Given", "sg-456");
    Model::new(
        &s,
        "WithGroup",
        ModelProps {
            containers: vec![ContainerDefinition::new(image())],
            vpc: Some(vpc),
            security_groups: vec![given],
            ..ModelProps::default()
        },
    );
    let t = Template::from_stack(&s);
    t.assert_resource_count_is("AWS::EC2::SecurityGroup", 1);
    t.assert_has_resource_properties(
        "AWS::EC2::SecurityGroup",
        pattern!({
            "GroupDescription": "S/M/SecurityGroup",
            "SecurityGroupEgress": [{"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic", "FromPort": 252, "IpProtocol": "icmp", "ToPort": 86}],
            "VpcId": "vpc-123"
        }),
    );
    t.assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({"VpcConfig": {"SecurityGroupIds": [{"Fn::GetAtt": [Match::string_like_regexp("^MSecurityGroup"), "GroupId"]}], "Subnets": ["subnet-a", "subnet-b"]}}),
    );
    t.assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({"VpcConfig": {"SecurityGroupIds": ["sg-456"]}}),
    );
    t.assert_has_resource_properties(
        "AWS::IAM::Policy",
        pattern!({"PolicyDocument": {"Statement": Match::array_with(vec![pattern!({"Action": Match::array_with(vec![pattern!("ec2:CreateNetworkInterface")]), "Effect": "Allow", "Resource": "*"})])}}),
    );

    let app = App::for_tests();
    let s = stack(&app);
    Model::new(
        &s,
        "NoVpc",
        ModelProps {
            containers: vec![ContainerDefinition::new(image())],
            allow_all_outbound: Some(true),
            ..ModelProps::default()
        },
    );
    let e = errors(&s);
    assert_has(
        &e,
        "[S/NoVpc] Cannot configure 'securityGroups' or 'allowAllOutbound' without configuring a VPC",
    );
}

/// The CDK's `Model` sets up networking before it creates the role, so a created security
/// group comes before the role and its policy in the template (as in the `parity` golden
/// template); with or without the compatibility flag.
#[test]
fn a_model_in_a_vpc_creates_its_security_group_before_its_role() {
    use sagecdk_aws::ec2::Vpc;
    for compatible in [true, false] {
        let app = App::for_tests();
        app.node()
            .set_context(CDK_COMPATIBLE_DEFAULTS, serde_json::json!(compatible));
        let s = stack(&app);
        Model::new(
            &s,
            "VpcModel",
            ModelProps {
                vpc: Some(Vpc::from_attributes("vpc-1", vec!["subnet-1".into()])),
                ..ModelProps::with_container(ContainerDefinition::new(image()))
            },
        );
        let template = Template::from_stack(&s).to_json();
        let order: Vec<&str> = template["Resources"]
            .as_object()
            .expect("resources")
            .values()
            .filter_map(|r| r["Type"].as_str())
            .collect();
        assert_eq!(
            order,
            [
                "AWS::EC2::SecurityGroup",
                "AWS::IAM::Role",
                "AWS::IAM::Policy",
                "AWS::SageMaker::Model"
            ],
            "compatible: {compatible}"
        );
    }
}

#[test]
fn scaling_beyond_the_cdk() {
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    let config = instance_config(
        &s,
        "Config",
        vec![
            InstanceProductionVariantProps::new(&m, "v")
                .with_instance_type(InstanceType::G5_XLARGE),
        ],
    );
    let endpoint = Endpoint::new(
        &s,
        "Endpoint",
        EndpointProps {
            endpoint_config: config.into(),
            endpoint_name: None,
            update: EndpointUpdate::default(),
        },
    );
    let variant = endpoint.find_instance_production_variant("v");
    let count = variant.auto_scale_instance_count(EnableScalingProps::max(8).with_min(1));
    count.scale_to_track_metric(
        "Gpu",
        TargetTrackingProps {
            target_value: 70.0,
            custom_metric: Some(variant.metric_gpu_utilization()),
            scale_in_cooldown: Some(Duration::from_secs(300)),
            ..TargetTrackingProps::default()
        },
    );
    count.scale_on_schedule(
        "NightlyLow",
        ScheduledScalingProps {
            schedule: "cron(0 20 * * ? *)".into(),
            min_capacity: Some(1),
            max_capacity: Some(2),
            timezone: Some("Europe/Berlin".into()),
            ..ScheduledScalingProps::default()
        },
    );
    count.scale_on_schedule(
        "MorningHigh",
        ScheduledScalingProps {
            schedule: "cron(0 7 * * ? *)".into(),
            min_capacity: Some(4),
            ..Default::default()
        },
    );
    count.scale_on_schedule(
        "Nothing",
        ScheduledScalingProps {
            schedule: "rate(1 day)".into(),
            ..Default::default()
        },
    );
    let e = errors(&s);
    assert_has(
        &e,
        "Scheduled action 'Nothing' must set min_capacity, max_capacity or both",
    );

    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    let config = instance_config(
        &s,
        "Config",
        vec![
            InstanceProductionVariantProps::new(&m, "v")
                .with_instance_type(InstanceType::G5_XLARGE),
        ],
    );
    let endpoint = Endpoint::new(
        &s,
        "Endpoint",
        EndpointProps {
            endpoint_config: config.into(),
            endpoint_name: None,
            update: EndpointUpdate::default(),
        },
    );
    let variant = endpoint.find_instance_production_variant("v");
    let count = variant.auto_scale_instance_count(EnableScalingProps::max(8).with_min(1));
    count.scale_to_track_metric(
        "Gpu",
        TargetTrackingProps {
            target_value: 70.0,
            custom_metric: Some(variant.metric_gpu_utilization()),
            ..TargetTrackingProps::default()
        },
    );
    count.scale_on_schedule(
        "NightlyLow",
        ScheduledScalingProps {
            schedule: "cron(0 20 * * ? *)".into(),
            min_capacity: Some(1),
            max_capacity: Some(2),
            timezone: Some("Europe/Berlin".into()),
            ..ScheduledScalingProps::default()
        },
    );
    let t = Template::from_stack(&s);
    t.assert_has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        pattern!({"TargetTrackingScalingPolicyConfiguration": {
            "CustomizedMetricSpecification": {
                "Dimensions": [{"Name": "EndpointName", "Value": Match::any_value()}, {"Name": "VariantName", "Value": "v"}],
                "MetricName": "GPUUtilization",
                "Namespace": "/aws/sagemaker/Endpoints",
                "Statistic": "Average"
            },
            "TargetValue": 70
        }}),
    );
    let targets = t.find_resources(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        Match::any_value(),
    );
    let props = &targets.values().next().expect("target")["Properties"];
    let keys: Vec<&String> = props.as_object().expect("obj").keys().collect();
    assert_eq!(
        keys,
        [
            "MaxCapacity",
            "MinCapacity",
            "ResourceId",
            "RoleARN",
            "ScalableDimension",
            "ScheduledActions",
            "ServiceNamespace"
        ]
    );
    assert_eq!(
        props["ScheduledActions"],
        serde_json::json!([{"ScalableTargetAction": {"MaxCapacity": 2, "MinCapacity": 1}, "Schedule": "cron(0 20 * * ? *)", "ScheduledActionName": "NightlyLow", "Timezone": "Europe/Berlin"}])
    );

    // Provisioned concurrency of a serverless variant.
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    let mut serverless = ServerlessProductionVariantProps::new(&m, "sls", 2048, 50);
    serverless.provisioned_concurrency = Some(5);
    let config = EndpointConfig::new(
        &s,
        "Config",
        EndpointConfigProps {
            serverless_production_variant: Some(serverless),
            ..Default::default()
        },
    );
    let endpoint = Endpoint::new(
        &s,
        "Endpoint",
        EndpointProps {
            endpoint_config: config.into(),
            endpoint_name: None,
            update: EndpointUpdate::default(),
        },
    );
    endpoint
        .auto_scale_provisioned_concurrency(EnableScalingProps::max(20).with_min(1))
        .scale_on_provisioned_concurrency_utilization("Utilization", 0.7);
    let t = Template::from_stack(&s);
    t.assert_has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        pattern!({"MaxCapacity": 20, "MinCapacity": 1, "ScalableDimension": "sagemaker:variant:DesiredProvisionedConcurrency"}),
    );
    t.assert_has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        pattern!({"TargetTrackingScalingPolicyConfiguration": {
            "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantProvisionedConcurrencyUtilization"},
            "TargetValue": 0.7
        }}),
    );
}

#[test]
fn uncompressed_model_data_from_an_s3_prefix() {
    use sagecdk_aws::s3::Bucket;
    let app = App::for_tests();
    let s = stack(&app);
    let bucket = Bucket::from_bucket_name(&s, "Weights", "my-llm-weights");
    Model::new(
        &s,
        "Llm",
        ModelProps::with_container(ContainerDefinition::new(image()).with_model_data(
            ModelData::from_s3_prefix_accepting_eula(&bucket, "llama/v3"),
        )),
    );
    let t = Template::from_stack(&s);
    t.assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({"PrimaryContainer": {
            "Image": Match::any_value(),
            "ModelDataSource": {"S3DataSource": {
                "CompressionType": "None",
                "ModelAccessConfig": {"AcceptEula": true},
                "S3DataType": "S3Prefix",
                "S3Uri": "s3://my-llm-weights/llama/v3/"
            }},
            "ModelDataUrl": Match::absent()
        }}),
    );
    t.assert_has_resource_properties(
        "AWS::IAM::Policy",
        pattern!({"PolicyDocument": {"Statement": Match::array_with(vec![pattern!({
            "Action": ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
            "Effect": "Allow",
            "Resource": [
                {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::my-llm-weights"]]},
                {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::my-llm-weights/llama/v3/*"]]}
            ]
        })])}}),
    );
}

/// An endpoint with one instance variant of `m` and its scalable instance count.
fn scalable(s: &Stack, m: &Model) -> (InstanceVariant, ScalableInstanceCount) {
    let config = EndpointConfig::new(
        s,
        "Config",
        EndpointConfigProps {
            instance_production_variants: vec![
                InstanceProductionVariantProps::new(m, "v")
                    .with_instance_type(InstanceType::M5_XLARGE)
                    .with_instance_count(2),
            ],
            ..EndpointConfigProps::default()
        },
    );
    let endpoint = Endpoint::new(s, "Endpoint", EndpointProps::new(&config));
    let variant = endpoint.find_instance_production_variant("v");
    let count = variant.auto_scale_instance_count(EnableScalingProps::max(10).with_min(1));
    (variant, count)
}

#[test]
fn step_scaling_lays_out_alarms_and_policies_like_the_cdk() {
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    let (variant, count) = scalable(&s, &m);
    count.scale_on_metric(
        "CpuSteps",
        StepScalingProps {
            cooldown: Some(Duration::from_secs(120)),
            evaluation_periods: Some(3),
            datapoints_to_alarm: Some(2),
            ..StepScalingProps::new(
                variant.metric_cpu_utilization(),
                vec![
                    ScalingInterval::below(20.0, -1.0),
                    ScalingInterval::at_least(70.0, 2.0),
                    ScalingInterval::at_least(90.0, 4.0),
                ],
            )
        },
    );
    let t = Template::from_stack(&s);
    t.assert_resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 2);
    t.assert_has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        pattern!({
            "PolicyName": Match::string_like_regexp("CpuStepsLowerPolicy"),
            "PolicyType": "StepScaling",
            "ScalingTargetId": {"Ref": Match::string_like_regexp("^EndpointInstanceCountTarget")},
            "StepScalingPolicyConfiguration": {
                "AdjustmentType": "ChangeInCapacity",
                "Cooldown": 120,
                "MetricAggregationType": "Average",
                "StepAdjustments": [{"MetricIntervalUpperBound": 0, "ScalingAdjustment": -1}]
            }
        }),
    );
    t.assert_has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        pattern!({
            "PolicyName": Match::string_like_regexp("CpuStepsUpperPolicy"),
            "StepScalingPolicyConfiguration": {
                "StepAdjustments": [
                    {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 20, "ScalingAdjustment": 2},
                    {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 4}
                ]
            }
        }),
    );
    t.assert_has_resource_properties(
        "AWS::CloudWatch::Alarm",
        pattern!({
            "AlarmActions": [{"Ref": Match::string_like_regexp("CpuStepsLowerPolicy")}],
            "AlarmDescription": "Lower threshold scaling alarm",
            "ComparisonOperator": "LessThanOrEqualToThreshold",
            "DatapointsToAlarm": 2,
            "EvaluationPeriods": 3,
            "MetricName": "CPUUtilization",
            "Namespace": "/aws/sagemaker/Endpoints",
            "Threshold": 20
        }),
    );
    t.assert_has_resource_properties(
        "AWS::CloudWatch::Alarm",
        pattern!({
            "AlarmActions": [{"Ref": Match::string_like_regexp("CpuStepsUpperPolicy")}],
            "AlarmDescription": "Upper threshold scaling alarm",
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Threshold": 70
        }),
    );

    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    let (variant, count) = scalable(&s, &m);
    count.scale_on_metric(
        "OneStep",
        StepScalingProps::new(
            variant.metric_invocations(),
            vec![ScalingInterval::at_least(100.0, 1.0)],
        ),
    );
    count.scale_on_metric(
        "Magnitude",
        StepScalingProps {
            min_adjustment_magnitude: Some(2),
            ..StepScalingProps::new(
                variant.metric_cpu_utilization(),
                vec![
                    ScalingInterval::below(10.0, -1.0),
                    ScalingInterval::at_least(80.0, 1.0),
                ],
            )
        },
    );
    let e = errors(&s);
    assert_has(
        &e,
        "[S/Endpoint/InstanceCount/Target/OneStep] Cannot only scale on 'Minimum', 'Maximum', 'Average' metrics, got Sum",
    );
    assert_has(
        &e,
        "[S/Endpoint/InstanceCount/Target/OneStep] You must supply at least 2 intervals for autoscaling",
    );
    assert_has(
        &e,
        "[S/Endpoint/InstanceCount/Target/Magnitude] minAdjustmentMagnitude only applies with PercentChangeInCapacity",
    );
}

#[test]
fn managed_instance_scaling_renders_and_validates() {
    fn config_with(app: &App, min: u32, max: u32) -> Stack {
        let s = stack(app);
        let m = model(&s, "M");
        let mut variant = InstanceProductionVariantProps::new(&m, "v");
        variant.managed_instance_scaling = Some(ManagedInstanceScaling {
            min_instance_count: min,
            max_instance_count: max,
        });
        instance_config(&s, "Config", vec![variant]);
        s
    }
    let app = App::for_tests();
    Template::from_stack(&config_with(&app, 0, 4)).assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({"ProductionVariants": [{
            "ManagedInstanceScaling": {"MaxInstanceCount": 4, "MinInstanceCount": 0, "Status": "ENABLED"},
            "VariantName": "v"
        }]}),
    );
    let app = App::for_tests();
    assert_has(
        &errors(&config_with(&app, 3, 2)),
        "[S/Config] Invalid Production Variant Props: managedInstanceScaling needs 0 <= minInstanceCount (3) <= maxInstanceCount (2)",
    );
}

#[test]
fn imported_models_serve_variants_and_take_grants() {
    use sagecdk_aws::ec2::{Peer, Port, SecurityGroup};
    let app = App::for_tests();
    let s = stack(&app);
    let role = Role::from_role_arn(&s, "ModelRole", "arn:aws:iam::123456789012:role/model-role");
    let imported = Model::from_model_attributes(
        &s,
        "Shared",
        ModelAttributes {
            role: Some(role.into()),
            security_groups: vec![SecurityGroup::from_id(&s, "SharedGroup", "sg-999")],
            ..ModelAttributes::new("arn:aws:sagemaker:us-west-2:123456789012:model/shared-model")
        },
    );
    sagecdk_aws::s3::Bucket::from_bucket_name(&s, "Data", "data-bucket")
        .grant_read(imported.grant_principal(), None);
    imported
        .connections()
        .allow_from(&Peer::ipv4("10.1.0.0/16"), Port::tcp(8080));
    instance_config(
        &s,
        "Config",
        vec![InstanceProductionVariantProps::new(&imported, "shared")],
    );
    let t = Template::from_stack(&s);
    t.assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({"ProductionVariants": [{"ModelName": "shared-model", "VariantName": "shared"}]}),
    );
    t.assert_has_resource_properties(
        "AWS::IAM::Policy",
        pattern!({
            "PolicyDocument": {"Statement": [{"Action": Match::array_with(vec![pattern!("s3:GetObject*")]), "Effect": "Allow"}]},
            "Roles": ["model-role"]
        }),
    );
    t.assert_has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        pattern!({"CidrIp": "10.1.0.0/16", "GroupId": "sg-999", "FromPort": 8080}),
    );

    // A model in another region cannot serve this configuration; without a role grants are
    // dropped with a warning; without security groups there are no connections.
    let app = App::for_tests();
    let s = stack(&app);
    let elsewhere = Model::from_model_arn(
        &s,
        "Elsewhere",
        "arn:aws:sagemaker:eu-west-1:123456789012:model/m",
    );
    assert!(
        !elsewhere
            .grant_principal()
            .add_to_principal_policy(sagecdk_aws::iam::PolicyStatement::allow().action("s3:*"))
    );
    assert!(elsewhere.connections().security_groups().is_empty());
    instance_config(
        &s,
        "Config",
        vec![InstanceProductionVariantProps::new(&elsewhere, "v")],
    );
    let e = errors(&s);
    assert_has(
        &e,
        "[S/Config] Invalid Production Variant Props: Cannot use model in region eu-west-1 for endpoint configuration in region us-west-2",
    );
    assert_has(
        &e,
        "[S/Elsewhere] Cannot manage network access without configuring a VPC",
    );
}

#[test]
fn endpoints_deploy_imported_configurations() {
    let app = App::for_tests();
    let s = stack(&app);
    let config = EndpointConfig::from_endpoint_config_name(&s, "Config", "shared-config");
    let endpoint = Endpoint::new(
        &s,
        "Endpoint",
        EndpointProps::new(&config).with_name("prod"),
    );
    Template::from_stack(&s).assert_has_resource_properties(
        "AWS::SageMaker::Endpoint",
        pattern!({"EndpointConfigName": "shared-config", "EndpointName": "prod"}),
    );
    let _ = endpoint.find_instance_production_variant("v");
    assert_has(
        &errors(&s),
        "[S/Endpoint] Production variant lookup is not supported for an imported IEndpointConfig",
    );

    let app = App::for_tests();
    let s = stack(&app);
    let config = EndpointConfig::from_endpoint_config_arn(
        &s,
        "Config",
        "arn:aws:sagemaker:us-west-2:999999999999:endpoint-config/c",
    );
    Endpoint::new(&s, "Endpoint", EndpointProps::new(&config));
    assert_has(
        &errors(&s),
        "[S/Endpoint] Cannot use endpoint configuration in account 999999999999 for endpoint in account 123456789012",
    );
}

#[test]
fn models_take_imported_roles_and_manage_network_access() {
    use sagecdk_aws::ec2::{Port, SecurityGroup, SecurityGroupProps, Vpc};
    let app = App::for_tests();
    let s = stack(&app);
    let mutable = Role::from_role_arn(&s, "Mutable", "arn:aws:iam::123456789012:role/a");
    let fixed = Role::from_role_arn_with(
        &s,
        "Fixed",
        "arn:aws:iam::123456789012:role/b",
        FromRoleArnOptions { mutable: false },
    );
    Model::new(
        &s,
        "WithMutable",
        ModelProps {
            role: Some(mutable.into()),
            ..ModelProps::with_container(ContainerDefinition::new(image()))
        },
    );
    Model::new(
        &s,
        "WithFixed",
        ModelProps {
            role: Some(fixed.into()),
            ..ModelProps::with_container(ContainerDefinition::new(image()))
        },
    );
    let vpc = Vpc::from_attributes("vpc-1", vec!["subnet-1".into()]);
    let in_vpc = Model::new(
        &s,
        "InVpc",
        ModelProps {
            vpc: Some(vpc.clone()),
            allow_all_outbound: Some(false),
            ..ModelProps::with_container(ContainerDefinition::new(image()))
        },
    );
    let clients = SecurityGroup::new(&s, "Clients", SecurityGroupProps::new(&vpc));
    in_vpc
        .connections()
        .allow_from_described(&clients, Port::tcp(8080), "clients");
    let t = Template::from_stack(&s);
    // Only the mutable import takes the image pull grant, and the model waits for it.
    t.assert_resource_count_is("AWS::IAM::Role", 1);
    let policies = t.find_resources(
        "AWS::IAM::Policy",
        pattern!({"Properties": {"Roles": ["a"]}}),
    );
    assert_eq!(policies.len(), 1);
    let policy_id = policies.keys().next().expect("policy").clone();
    t.assert_has_resource(
        "AWS::SageMaker::Model",
        pattern!({"Properties": {"ExecutionRoleArn": "arn:aws:iam::123456789012:role/a"}, "DependsOn": [policy_id]}),
    );
    t.assert_has_resource(
        "AWS::SageMaker::Model",
        pattern!({"Properties": {"ExecutionRoleArn": "arn:aws:iam::123456789012:role/b"}, "DependsOn": Match::absent()}),
    );
    t.assert_has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        pattern!({
            "Description": "clients",
            "GroupId": {"Fn::GetAtt": [Match::string_like_regexp("^InVpcSecurityGroup"), "GroupId"]},
            "SourceSecurityGroupId": {"Fn::GetAtt": [Match::string_like_regexp("^Clients"), "GroupId"]}
        }),
    );
    // The clients' group allows all outbound traffic: no egress rule is needed there.
    t.assert_resource_count_is("AWS::EC2::SecurityGroupEgress", 0);

    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "NoVpc");
    assert!(m.connections().security_groups().is_empty());
    assert_has(
        &errors(&s),
        "[S/NoVpc] Cannot manage network access without configuring a VPC",
    );
}

#[test]
fn variant_alarms_notify_topics() {
    use sagecdk_aws::cloudwatch::AlarmProps;
    use sagecdk_aws::sns::{Topic, TopicProps};
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    let (variant, _) = scalable(&s, &m);
    let topic = Topic::new(&s, "OnCall", TopicProps::default());
    let alarm = variant.metric_invocation_5xx_errors().create_alarm(
        &s,
        "Errors",
        AlarmProps {
            threshold: 1.0,
            evaluation_periods: 1,
            ..AlarmProps::default()
        },
    );
    alarm.add_alarm_action(&topic);
    Template::from_stack(&s).assert_has_resource_properties(
        "AWS::CloudWatch::Alarm",
        pattern!({
            "AlarmActions": [{"Ref": Match::string_like_regexp("^OnCall")}],
            "MetricName": "Invocation5XXErrors",
            "Statistic": "Sum"
        }),
    );
}

#[test]
fn each_variant_dimension_autoscales_once() {
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    let config = instance_config(
        &s,
        "Config",
        vec![
            InstanceProductionVariantProps::new(&m, "a"),
            InstanceProductionVariantProps::new(&m, "b"),
        ],
    );
    let endpoint = Endpoint::new(&s, "Endpoint", EndpointProps::new(&config));
    let a = endpoint.find_instance_production_variant("a");
    let _ = a.auto_scale_instance_count(EnableScalingProps::max(2).with_min(1));
    let _ = endpoint
        .find_instance_production_variant("b")
        .auto_scale_instance_count(EnableScalingProps::max(2).with_min(1));
    // The same variant again, through another handle: refused, nothing created.
    let again = endpoint.find_instance_production_variant("a");
    let _ = again.auto_scale_instance_count(EnableScalingProps::max(3).with_min(1));
    let _ = endpoint.node().try_find_child("InstanceCounta");
    assert_eq!(
        errors(&s),
        vec![
            "[S/Endpoint] Invalid Application Auto Scaling configuration: AutoScaling of task count already enabled for this service"
        ]
    );

    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    let mut variant = ServerlessProductionVariantProps::new(&m, "s", 1024, 10);
    variant.provisioned_concurrency = Some(2);
    let config = serverless_config(&s, "Config", variant);
    let endpoint = Endpoint::new(&s, "Endpoint", EndpointProps::new(&config));
    let _ = endpoint.auto_scale_provisioned_concurrency(EnableScalingProps::max(5).with_min(1));
    let _ = endpoint.auto_scale_provisioned_concurrency(EnableScalingProps::max(5).with_min(1));
    assert_eq!(
        errors(&s),
        vec![
            "[S/Endpoint] Invalid Application Auto Scaling configuration: AutoScaling of provisioned concurrency already enabled for this variant"
        ]
    );
}

#[test]
fn tags_reach_models_configurations_and_endpoints() {
    let app = App::for_tests();
    let s = stack(&app);
    let config = config_of_model_m(&s, |m| vec![InstanceProductionVariantProps::new(m, "a")]);
    Endpoint::new(&s, "Endpoint", EndpointProps::new(&config));
    sagecdk_core::Tags::of(&s).add("team", "ml-platform");
    let t = Template::from_stack(&s);
    for ty in [
        "AWS::SageMaker::Model",
        "AWS::SageMaker::EndpointConfig",
        "AWS::SageMaker::Endpoint",
    ] {
        t.assert_has_resource_properties(
            ty,
            pattern!({"Tags": [{"Key": "team", "Value": "ml-platform"}]}),
        );
    }
}

#[test]
fn literal_properties_are_checked_against_the_schema() {
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    EndpointConfig::new(
        &s,
        "Config",
        EndpointConfigProps {
            instance_production_variants: vec![InstanceProductionVariantProps::new(&m, "a")],
            kms_key_arn: Some("not a key!".into()),
            ..EndpointConfigProps::default()
        },
    );
    assert_has(
        &errors(&s),
        "[S/Config/EndpointConfig] AWS::SageMaker::EndpointConfig property 'KmsKeyId'",
    );
}

#[test]
fn instance_types_newer_than_the_schema_deploy_with_a_warning() {
    let app = App::for_tests();
    let s = stack(&app);
    config_of_model_m(&s, |m| {
        vec![
            InstanceProductionVariantProps::new(m, "new")
                .with_instance_type(InstanceType::of("ml.g9.xlarge").expect("well formed")),
            InstanceProductionVariantProps::new(m, "known")
                .with_instance_type(InstanceType::P6_B200_48XLARGE),
        ]
    });
    Template::from_stack(&s).assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({"ProductionVariants": [
            {"InstanceType": "ml.g9.xlarge", "VariantName": "new"},
            {"InstanceType": "ml.p6-b200.48xlarge", "VariantName": "known"}
        ]}),
    );
    let annotations = Annotations::from_stack(&s).expect("synthesizes");
    annotations
        .has_warning(
            "/S/Config",
            Match::string_like_regexp(
                "Instance type 'ml.g9.xlarge' is not among the hosting instance types",
            ),
        )
        .expect("warning");
    assert_eq!(
        annotations.messages().len(),
        1,
        "{:?}",
        annotations.messages()
    );
}

#[test]
fn elastic_inference_is_an_error_unless_cdk_compatible() {
    let build = |app: &App| {
        let s = stack(app);
        let m = model(&s, "M");
        let mut variant = InstanceProductionVariantProps::new(&m, "v");
        variant.accelerator_type = Some(AcceleratorType::EIA2_MEDIUM);
        instance_config(&s, "Config", vec![variant]);
        s
    };
    let app = App::for_tests();
    let s = build(&app);
    assert_eq!(
        errors(&s),
        vec![
            "[S/Config] Invalid Production Variant Props: acceleratorType (ml.eia2.medium) is not supported: Amazon Elastic Inference was discontinued and the CloudFormation schema of ProductionVariant no longer has AcceleratorType (use a GPU or Inferentia instance type instead)"
        ]
    );

    let app = App::for_tests();
    app.node()
        .set_context(CDK_COMPATIBLE_DEFAULTS, serde_json::Value::Bool(true));
    let s = build(&app);
    Template::from_stack(&s).assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({"ProductionVariants": [{
            "AcceleratorType": "ml.eia2.medium",
            "InstanceType": "ml.t2.medium",
            "VariantName": "v"
        }]}),
    );
    Annotations::from_stack(&s)
        .expect("synthesizes")
        .has_warning(
            "/S/Config",
            Match::string_like_regexp("Elastic Inference was discontinued"),
        )
        .expect("warning");
}

#[test]
fn names_hostnames_concurrency_and_schedules_are_validated() {
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    let long = "v".repeat(64);
    instance_config(
        &s,
        "Config",
        vec![
            InstanceProductionVariantProps::new(&m, "bad_name"),
            InstanceProductionVariantProps::new(&m, long.as_str()),
            InstanceProductionVariantProps::new(&m, "-dash"),
            InstanceProductionVariantProps::new(&m, "ok-name--2"),
        ],
    );
    serverless_config(
        &s,
        "Serverless",
        ServerlessProductionVariantProps::new(&m, "no spaces", 1024, 1),
    );
    Model::new(
        &s,
        "Pipeline",
        ModelProps {
            containers: vec![
                ContainerDefinition::new(image()).with_hostname("first"),
                ContainerDefinition::new(image()).with_hostname("second.host"),
            ],
            ..ModelProps::default()
        },
    );
    let mut variant = ServerlessProductionVariantProps::new(&m, "s", 1024, 10);
    variant.provisioned_concurrency = Some(2);
    let serverless = serverless_config(&s, "Concurrency", variant);
    // Each call enables scaling, invalid limits included (reported at synthesis): one
    // endpoint per case.
    let endpoint = Endpoint::new(&s, "Endpoint", EndpointProps::new(&serverless));
    let count = endpoint.auto_scale_provisioned_concurrency(EnableScalingProps::max(5).with_min(0));
    Endpoint::new(&s, "Endpoint2", EndpointProps::new(&serverless))
        .auto_scale_provisioned_concurrency(EnableScalingProps::max(11).with_min(1));
    let nightly = || ScheduledScalingProps {
        schedule: "cron(0 20 * * ? *)".into(),
        min_capacity: Some(1),
        ..Default::default()
    };
    count.scale_on_schedule("Nightly", nightly());
    count.scale_on_schedule("Nightly", nightly());
    let e = errors(&s);
    let rule = "must match ^[a-zA-Z0-9](-*[a-zA-Z0-9])*$ and be at most 63 characters";
    for (path, name) in [
        ("S/Config] Invalid", "bad_name"),
        ("S/Config] Invalid", long.as_str()),
        ("S/Config] Invalid", "-dash"),
        ("S/Serverless] Invalid Serverless", "no spaces"),
    ] {
        assert_has(
            &e,
            &format!(
                "[{path} Production Variant Props: Invalid production variant name '{name}': {rule}"
            ),
        );
    }
    assert_has(
        &e,
        &format!("[S/Pipeline] Invalid container host name 'second.host': {rule}"),
    );
    assert_has(
        &e,
        "[S/Endpoint] Invalid Application Auto Scaling configuration: min (0) and max (5) must satisfy 1 <= min <= max <= 200",
    );
    assert_has(
        &e,
        "[S/Endpoint2] Invalid Application Auto Scaling configuration: max (11) cannot be greater than the variant's maxConcurrency (10)",
    );
    assert_has(
        &e,
        "[S/Endpoint/ProvisionedConcurrencys/Target] There is already a scheduled action named 'Nightly' on this scalable target",
    );
    // Each problem once: the schema does not repeat what the constructs report.
    assert_eq!(e.len(), 8, "{e:#?}");
}

#[test]
fn models_wait_for_role_policies_granted_after_construction() {
    let app = App::for_tests();
    let s = stack(&app);
    let given = Role::new(
        &s,
        "Given",
        RoleProps::new(Principal::service("sagemaker.amazonaws.com")),
    );
    // No container yet: nothing is granted while the model is constructed.
    let m = Model::new(
        &s,
        "Late",
        ModelProps {
            role: Some(given.clone().into()),
            ..ModelProps::default()
        },
    );
    assert!(m.role().grants_policy().is_none());
    m.add_container(ContainerDefinition::new(
        ContainerImage::from_dlc_in_account("pytorch-inference", "2.3.0-cpu-py311", "763104351884"),
    ));
    m.add_to_role_policy(
        sagecdk_aws::iam::PolicyStatement::allow()
            .action("s3:GetObject")
            .resource("arn:aws:s3:::features/*"),
    );
    let t = Template::from_stack(&s);
    let policy = t
        .get_resource_id("AWS::IAM::Policy", pattern!({"Properties": {"PolicyDocument": {"Statement": Match::array_with(vec![
            Match::object_like(pattern!({"Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]})),
            pattern!({"Action": "s3:GetObject", "Effect": "Allow", "Resource": "arn:aws:s3:::features/*"}),
        ])}}}))
        .expect("one policy with both grants");
    t.assert_has_resource(
        "AWS::SageMaker::Model",
        pattern!({
            "Properties": {"PrimaryContainer": {"Image": Match::any_value()}},
            "DependsOn": [policy]
        }),
    );
}

#[test]
fn add_container_turns_a_model_into_a_pipeline() {
    let app = App::for_tests();
    let s = stack(&app);
    let m = Model::new(
        &s,
        "Pipeline",
        ModelProps::with_container(
            ContainerDefinition::new(ContainerImage::from_dlc("a", "1"))
                .with_hostname("pre")
                .with_environment("STAGE", "pre"),
        ),
    );
    m.add_container(
        ContainerDefinition::new(ContainerImage::from_dlc("b", "2")).with_hostname("infer"),
    );
    let t = Template::from_stack(&s);
    t.assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({
            "Containers": [
                {"ContainerHostname": "pre", "Environment": {"STAGE": "pre"}, "Image": Match::any_value()},
                {"ContainerHostname": "infer", "Image": Match::any_value()}
            ],
            "PrimaryContainer": Match::absent()
        }),
    );
    // A hostname on one container only is still caught when the container comes later.
    m.add_container(ContainerDefinition::new(ContainerImage::from_dlc("c", "3")));
    assert_has(
        &errors(&s),
        "[S/Pipeline] Container hostnames must be set on all containers or on none",
    );
}

#[test]
fn typed_resources_of_the_constructs_can_be_amended_until_synthesis() {
    use sagecdk_cfn::sagemaker::model::InferenceExecutionConfig;
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    // A property the construct does not set, changed on the typed resource; a container added
    // afterwards rewrites the containers and keeps it.
    m.cfn_model().update(|p| {
        p.inference_execution_config = Some(InferenceExecutionConfig::new("Direct"));
    });
    m.add_container(ContainerDefinition::new(image()));
    let config = instance_config(
        &s,
        "Config",
        vec![InstanceProductionVariantProps::new(&m, "v")],
    );
    config
        .cfn_endpoint_config()
        .update(|p| p.kms_key_id = Some("alias/models".into()));
    assert!(matches!(
        &m.cfn_model().props().containers,
        Some(sagecdk_core::Tokenized::Literal(c)) if c.len() == 2
    ));
    let template = Template::from_stack(&s);
    template.assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({
            "Containers": [{"Image": Match::any_value()}, {"Image": Match::any_value()}],
            "InferenceExecutionConfig": {"Mode": "Direct"}
        }),
    );
    template.assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({"KmsKeyId": "alias/models", "ProductionVariants": [{"VariantName": "v"}]}),
    );
}
