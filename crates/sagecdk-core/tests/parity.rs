//! Parity with AWS CDK: the seed app's construct paths, built with generic resources, must
//! synthesize to the golden templates, asset manifests, metadata and manifest stack artifacts
//! byte for byte.

use sagecdk_core::{
    App, AppProps, ArnComponents, Aws, CfnMapping, CfnResource, Construct, DockerImageAssetSource,
    Environment, FileAssetPackaging, FileAssetSource, IndexMap, RemovalPolicy, Scope, Stack,
    StackProps, Str, Value, cfn,
};
use std::path::PathBuf;

#[path = "../../../tests/common/golden.rs"]
mod golden;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/cdk-golden/seed/cdk.out")
}

fn golden(name: &str) -> String {
    golden::read(&golden_dir().join(name))
}

const IMAGE_HASH: &str = "ce3de9e7f57f21b1165354cd1267582d14be865792f33f4924f6ae96d55d3d07";
const MODEL_HASH: &str = "66ac51d5006eaf7bd98276ec82837ecbf71ee13e8e60543f0143c139d5c2fd39";

fn sagemaker_role(scope: &Construct) -> (Construct, CfnResource) {
    let role_scope = Construct::new(scope, "Role");
    let role = CfnResource::new(&role_scope, "Resource", "AWS::IAM::Role").with_properties(cfn!({
        "AssumeRolePolicyDocument": {
            "Statement": [{
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"}
            }],
            "Version": "2012-10-17"
        },
        "ManagedPolicyArns": [(Str::from("arn:") + Aws::partition() + ":iam::aws:policy/AmazonSageMakerFullAccess")]
    }));
    (role_scope, role)
}

fn ecr_pull(repo_arn: Str) -> Value {
    cfn!({
        "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
        "Effect": "Allow",
        "Resource": repo_arn
    })
}

fn s3_read(bucket_arn: Str) -> Value {
    cfn!({
        "Action": ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
        "Effect": "Allow",
        "Resource": [(bucket_arn.clone()), (bucket_arn + "/*")]
    })
}

fn auth_token() -> Value {
    cfn!({"Action": "ecr:GetAuthorizationToken", "Effect": "Allow", "Resource": "*"})
}

fn finish_model(stack: &Stack, id: &str, statements: Vec<Value>, properties: Value) -> CfnResource {
    let scope = Construct::new(stack, id);
    let (role_scope, role) = sagemaker_role(&scope);
    let policy_scope = Construct::new(&role_scope, "DefaultPolicy");
    let policy = CfnResource::new(&policy_scope, "Resource", "AWS::IAM::Policy");
    policy.set_property(
        "PolicyDocument",
        cfn!({"Statement": statements, "Version": "2012-10-17"}),
    );
    policy.set_property("PolicyName", policy.logical_id());
    policy.set_property("Roles", cfn!([(role.reference())]));
    // Like a typed resource, render the properties in CloudFormation-name order.
    let mut props = properties.as_object().cloned().unwrap_or_default();
    props.insert("ExecutionRoleArn".into(), role.get_att("Arn").into());
    props.sort_keys();
    let model = CfnResource::new(&scope, "Model", "AWS::SageMaker::Model")
        .with_properties(Value::Object(props));
    model.node().add_dependency(&role_scope);
    model
}

fn seed_stack(app: &App, id: &str, env: Option<Environment>) -> Stack {
    let stack = Stack::new(
        app,
        id,
        StackProps {
            env,
            ..StackProps::default()
        },
    );

    // Container images.
    let image = stack.add_docker_image_asset(DockerImageAssetSource {
        source_hash: IMAGE_HASH.into(),
        directory_name: format!("asset.{IMAGE_HASH}"),
        display_name: Some(
            "PrimaryContainerModel/ModelImage51135ba7a1af3a1c7f9b8ba7c9d9a96a".into(),
        ),
        ..DockerImageAssetSource::default()
    });
    let _repository = Construct::new(&stack, "Repository");
    let ecr_image =
        stack.account() + ".dkr.ecr." + stack.region() + "." + stack.url_suffix() + "/repo:tag";
    let repo_arn =
        stack.format_arn(ArnComponents::new("ecr", "repository").with_resource_name("repo"));
    let asset_repo_arn = stack.format_arn(
        ArnComponents::new("ecr", "repository").with_resource_name(image.repository_name.clone()),
    );

    // Model data.
    let model_data = stack.add_file_asset(FileAssetSource {
        source_hash: MODEL_HASH.into(),
        file_name: format!("asset.{MODEL_HASH}.tar.gz"),
        packaging: FileAssetPackaging::File,
        display_name: Some(
            "PrimaryContainerModel/ModelData1df82ca2f78835c73aafb5dfdab7a0a4".into(),
        ),
    });
    let bucket_scope = Construct::new(&stack, "MyBucket");
    let bucket = CfnResource::new(&bucket_scope, "Resource", "AWS::S3::Bucket");
    bucket.apply_removal_policy(RemovalPolicy::Retain);
    let bucket_data = Str::from("https://s3.")
        + stack.region()
        + "."
        + stack.url_suffix()
        + "/"
        + bucket.reference()
        + "/path/to/artifact/file.tar.gz";
    let s3_arn = |b: Str| {
        stack.format_arn(
            ArnComponents::new("s3", "")
                .with_region("")
                .with_account("")
                .with_resource_name(b)
                .with_separator(""),
        )
    };
    let asset_bucket_arn = s3_arn(model_data.bucket_name.clone());

    let primary = finish_model(
        &stack,
        "PrimaryContainerModel",
        vec![
            ecr_pull(asset_repo_arn.clone()),
            auth_token(),
            s3_read(asset_bucket_arn.clone()),
        ],
        cfn!({"PrimaryContainer": {"Image": (image.image_uri.clone()), "ModelDataUrl": (model_data.http_url.clone())}}),
    );

    // Deep learning container image.
    let dlc_account: Str = match stack.literal_region() {
        Some(_) => Str::from("763104351884"),
        None => {
            let mapping: serde_json::Value =
                serde_json::from_str(&golden("SeedAgnostic.template.json")).expect("json");
            let mut table: IndexMap<String, IndexMap<String, Value>> = IndexMap::new();
            for (region, v) in mapping["Mappings"]["DlcRepositoryAccountMap"]
                .as_object()
                .expect("map")
            {
                table.insert(
                    region.clone(),
                    IndexMap::from([("value".to_string(), Value::from(v["value"].clone()))]),
                );
            }
            let map = CfnMapping::new(&stack, "DlcRepositoryAccountMap", table);
            map.find_in_map(Aws::region(), "value")
        }
    };
    let dlc_image = dlc_account.clone()
        + ".dkr.ecr."
        + stack.region()
        + "."
        + stack.url_suffix()
        + "/huggingface-pytorch-training:1.13.1-transformers4.26.0-gpu-py39-cu117-ubuntu20.04";
    let dlc_arn = stack.format_arn(
        ArnComponents::new("ecr", "repository")
            .with_account(dlc_account)
            .with_resource_name("huggingface-pytorch-training"),
    );

    let bucket_arn = bucket.get_att("Arn");
    let pipeline = finish_model(
        &stack,
        "InferencePipelineModel",
        vec![
            ecr_pull(asset_repo_arn),
            auth_token(),
            s3_read(asset_bucket_arn),
            ecr_pull(repo_arn.clone()),
            s3_read(bucket_arn.clone()),
            ecr_pull(dlc_arn),
        ],
        cfn!({"Containers": [
            {"Image": (image.image_uri), "ModelDataUrl": (model_data.http_url)},
            {"Image": (ecr_image.clone()), "ModelDataUrl": (bucket_data.clone())},
            {"Image": dlc_image}
        ]}),
    );
    finish_model(
        &stack,
        "ContainerModel",
        vec![ecr_pull(repo_arn), auth_token(), s3_read(bucket_arn)],
        cfn!({"EnableNetworkIsolation": true, "PrimaryContainer": {"Image": ecr_image, "ModelDataUrl": bucket_data}}),
    );
    let model_name = |m: &CfnResource| m.get_att("ModelName");
    let config_scope = Construct::new(&stack, "EndpointConfig");
    let config = CfnResource::new(&config_scope, "EndpointConfig", "AWS::SageMaker::EndpointConfig").with_properties(cfn!({
        "ProductionVariants": [
            {"InitialInstanceCount": 1, "InitialVariantWeight": 2, "InstanceType": "ml.m5.large", "ModelName": (model_name(&primary)), "VariantName": "modelA"},
            {"InitialInstanceCount": 1, "InitialVariantWeight": 1, "InstanceType": "ml.t2.medium", "ModelName": (model_name(&pipeline)), "VariantName": "variantB"}
        ]
    }));
    let endpoint_scope = Construct::new(&stack, "Endpoint");
    let endpoint = CfnResource::new(&endpoint_scope, "Endpoint", "AWS::SageMaker::Endpoint")
        .with_properties(cfn!({"EndpointConfigName": (config.get_att("EndpointConfigName"))}));

    let count = Construct::new(&endpoint_scope, "InstanceCount");
    let target_scope = Construct::new(&count, "Target");
    let _role = Construct::new(&endpoint_scope, "ScalingRole");
    let target = CfnResource::new(&target_scope, "Resource", "AWS::ApplicationAutoScaling::ScalableTarget").with_properties(cfn!({
        "MaxCapacity": 3,
        "MinCapacity": 1,
        "ResourceId": (Str::from("endpoint/") + endpoint.get_att("EndpointName") + "/variant/modelA"),
        "RoleARN": (stack.format_arn(
            ArnComponents::new("iam", "role")
                .with_region("")
                .with_resource_name("aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"))),
        "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
        "ServiceNamespace": "sagemaker"
    }));
    let limit = Construct::new(&target_scope, "LimitRPS");
    CfnResource::new(&limit, "Resource", "AWS::ApplicationAutoScaling::ScalingPolicy").with_properties(cfn!({
        "PolicyName": (limit.unique_id()),
        "PolicyType": "TargetTrackingScaling",
        "ScalingTargetId": (target.reference()),
        "TargetTrackingScalingPolicyConfiguration": {
            "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
            "TargetValue": 900
        }
    }));

    let alarm = Construct::new(&stack, "ModelLatencyAlarm");
    CfnResource::new(&alarm, "Resource", "AWS::CloudWatch::Alarm").with_properties(cfn!({
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": [
            {"Name": "EndpointName", "Value": (endpoint.get_att("EndpointName"))},
            {"Name": "VariantName", "Value": "modelA"}
        ],
        "EvaluationPeriods": 3,
        "MetricName": "ModelLatency",
        "Namespace": "AWS/SageMaker",
        "Period": 300,
        "Statistic": "Average",
        "Threshold": 100000
    }));
    stack
}

fn seed_app() -> App {
    let app = App::with_props(AppProps {
        ignore_environment: true,
        context: IndexMap::from([(
            "aws:cdk:enable-path-metadata".to_string(),
            serde_json::json!(true),
        )]),
        ..AppProps::default()
    });
    seed_stack(&app, "SeedAgnostic", None);
    seed_stack(
        &app,
        "SeedEnv",
        Some(Environment::new("123456789012", "us-west-2")),
    );
    app
}

fn assert_same(name: &str, ours: &str) {
    golden::assert_same_as_golden(&golden_dir(), name, ours);
}

#[test]
fn templates_are_byte_identical() {
    let assembly = seed_app().assemble().expect("synthesizes");
    for stack in ["SeedAgnostic", "SeedEnv"] {
        let file = format!("{stack}.template.json");
        assert_same(&file, assembly.file(&file).expect("template"));
    }
}

#[test]
fn asset_manifests_and_metadata_are_byte_identical() {
    let assembly = seed_app().assemble().expect("synthesizes");
    for stack in ["SeedAgnostic", "SeedEnv"] {
        for kind in ["assets", "metadata"] {
            let file = format!("{stack}.{kind}.json");
            assert_same(&file, assembly.file(&file).expect("file"));
        }
    }
}

#[test]
fn manifest_stack_artifacts_match() {
    let assembly = seed_app().assemble().expect("synthesizes");
    let ours: serde_json::Value =
        serde_json::from_str(assembly.file("manifest.json").expect("manifest")).expect("json");
    let theirs: serde_json::Value = serde_json::from_str(&golden("manifest.json")).expect("json");
    for id in [
        "SeedAgnostic",
        "SeedAgnostic.assets",
        "SeedEnv",
        "SeedEnv.assets",
    ] {
        let a = sagecdk_assembly::json::to_js_json(&ours["artifacts"][id], 2);
        let b = sagecdk_assembly::json::to_js_json(&theirs["artifacts"][id], 2);
        assert_eq!(a, b, "artifact {id}");
    }
    assert_eq!(ours["version"], theirs["version"]);
    assert_eq!(assembly.file("cdk.out"), Some(golden("cdk.out").as_str()));
    assert_eq!(
        assembly.file("validation-report.json"),
        Some(golden("validation-report.json").as_str())
    );
}

/// With the compatibility flag, the manifest carries the CDK's feature flag report (the
/// app's own values first in each flag, as the AWS CDK 2.276.0 writes them) and
/// `minimumCliVersion`; without it, neither.
#[test]
fn feature_flag_report_and_minimum_cli_version_follow_the_compatibility_flag() {
    let manifest = |context: serde_json::Value| -> serde_json::Value {
        let app = App::with_props(AppProps {
            ignore_environment: true,
            context: context
                .as_object()
                .expect("object")
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            ..AppProps::default()
        });
        let stack = Stack::new(&app, "S", StackProps::default());
        CfnResource::new(&stack, "Topic", "AWS::SNS::Topic");
        let assembly = app.assemble().expect("synthesizes");
        serde_json::from_str(assembly.file("manifest.json").expect("manifest")).expect("json")
    };
    let report = "aws-cdk-lib/feature-flag-report";

    let plain = manifest(serde_json::json!({}));
    assert!(plain["artifacts"].get(report).is_none());
    assert!(plain.get("minimumCliVersion").is_none());

    let theirs: serde_json::Value = serde_json::from_str(&golden("manifest.json")).expect("json");
    let compatible =
        manifest(serde_json::json!({sagecdk_core::compat::CDK_COMPATIBLE_DEFAULTS: true}));
    assert_eq!(
        sagecdk_assembly::json::to_js_json(&compatible["artifacts"][report], 2),
        sagecdk_assembly::json::to_js_json(&theirs["artifacts"][report], 2)
    );
    assert_eq!(compatible["minimumCliVersion"], theirs["minimumCliVersion"]);
    let keys: Vec<&String> = compatible.as_object().expect("manifest").keys().collect();
    assert_eq!(keys, ["version", "artifacts", "minimumCliVersion"]);

    // Recorded with AWS CDK 2.276.0 from an app with these context values.
    let with_values = manifest(serde_json::json!({
        sagecdk_core::compat::CDK_COMPATIBLE_DEFAULTS: true,
        "@aws-cdk/aws-iam:minimizePolicies": true,
        "@aws-cdk/core:defaultCrossStackReferences": "strong",
        "@aws-cdk/core:target-partitions": ["aws"],
        "@aws-cdk/aws-lambda:recognizeLayerVersion": false,
        "@aws-cdk/core:newStyleStackSynthesis": null
    }));
    let flags = &with_values["artifacts"][report]["properties"]["flags"];
    for (flag, cdk) in [
        (
            "@aws-cdk/aws-iam:minimizePolicies",
            r#"{"userValue":true,"recommendedValue":true,"explanation":"Minimize IAM policies by combining Statements"}"#,
        ),
        (
            "@aws-cdk/core:defaultCrossStackReferences",
            r#"{"userValue":"strong","recommendedValue":"weak","explanation":"Controls whether cross-stack references are strong, weak, or both","unconfiguredBehavesLike":{"v2":"strong"}}"#,
        ),
        (
            "@aws-cdk/core:target-partitions",
            r#"{"userValue":["aws"],"recommendedValue":["aws","aws-cn"],"explanation":"What regions to include in lookup tables of environment agnostic stacks"}"#,
        ),
        (
            "@aws-cdk/aws-lambda:recognizeLayerVersion",
            r#"{"userValue":false,"recommendedValue":true,"explanation":"Enable this feature flag to opt in to the updated logical id calculation for Lambda Version created using the `fn.currentVersion`."}"#,
        ),
        (
            "@aws-cdk/core:newStyleStackSynthesis",
            r#"{"recommendedValue":true,"explanation":"Switch to new stack synthesis method which enables CI/CD","unconfiguredBehavesLike":{"v2":true}}"#,
        ),
    ] {
        assert_eq!(
            sagecdk_assembly::json::to_js_json(&flags[flag], 0),
            cdk,
            "{flag}"
        );
    }
}
