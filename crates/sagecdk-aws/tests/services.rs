//! S3, ECR and CloudWatch constructs against the golden seed template.

use sagecdk_assertions::Template;
use sagecdk_aws::cloudwatch::{AlarmProps, Metric};
use sagecdk_aws::ecr::Repository;
use sagecdk_aws::iam::{Principal, Role, RoleProps, aws_managed_policy_arn};
use sagecdk_aws::s3::{Bucket, BucketProps};
use sagecdk_core::{
    App, AppProps, CfnResource, Construct, Environment, IndexMap, Scope, Stack, StackProps,
};

fn golden() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/cdk-golden/seed/cdk.out/SeedEnv.template.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("golden")).expect("json")
}

#[test]
fn bucket_repository_grants_and_alarm_match_the_golden_template() {
    let app = App::with_props(AppProps {
        ignore_environment: true,
        context: IndexMap::from([(
            "aws:cdk:enable-path-metadata".to_string(),
            serde_json::json!(true),
        )]),
        ..AppProps::default()
    });
    let stack = Stack::new(
        &app,
        "SeedEnv",
        StackProps::default().with_env(Environment::new("123456789012", "us-west-2")),
    );
    let repository = Repository::from_repository_name(&stack, "Repository", "repo");
    let bucket = Bucket::new(&stack, "MyBucket", BucketProps::default());
    let model = Construct::new(&stack, "ContainerModel");
    let role = Role::new(
        &model,
        "Role",
        RoleProps::new(Principal::service("sagemaker.amazonaws.com"))
            .with_managed_policy(aws_managed_policy_arn("AmazonSageMakerFullAccess")),
    );
    assert!(repository.grant_pull(&role));
    assert!(bucket.grant_read(&role, None));
    let cfn_model = CfnResource::new(&model, "Model", "AWS::SageMaker::Model").with_properties(
        sagecdk_core::cfn!({
            "EnableNetworkIsolation": true,
            "ExecutionRoleArn": (role.role_arn()),
            "PrimaryContainer": {
                "Image": (repository.repository_uri_for_tag("tag")),
                "ModelDataUrl": (bucket.url_for_object("path/to/artifact/file.tar.gz"))
            }
        }),
    );
    cfn_model.node().add_dependency(&role);
    let endpoint_scope = Construct::new(&stack, "Endpoint");
    let endpoint = CfnResource::new(&endpoint_scope, "Endpoint", "AWS::SageMaker::Endpoint");
    Metric::new("AWS/SageMaker", "ModelLatency", "Average")
        .with_dimension("EndpointName", endpoint.get_att("EndpointName"))
        .with_dimension("VariantName", "modelA")
        .create_alarm(
            &stack,
            "ModelLatencyAlarm",
            AlarmProps {
                threshold: 100000.0,
                evaluation_periods: 3,
                ..AlarmProps::default()
            },
        );

    let ours = Template::from_stack(&stack).to_json();
    let golden = golden();
    for id in [
        "MyBucketF68F3FF0",
        "ContainerModelRole4FEE4C54",
        "ContainerModelRoleDefaultPolicy88957DAA",
        "ContainerModel4040C985",
        "ModelLatencyAlarm96AC7D24",
    ] {
        assert_eq!(ours["Resources"][id], golden["Resources"][id], "{id}");
    }
}
