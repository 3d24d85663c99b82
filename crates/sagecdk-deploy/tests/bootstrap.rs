//! The bootstrap stack against the local services of `scripts/services.sh`: what it creates
//! (an encrypted, versioned staging bucket with lifecycle rules and a TLS-only policy, a
//! repository with immutable tags, the five roles, the version parameter), re-bootstrapping
//! without `--trust` or `--qualifier` keeping the deployed values as they are, and a newer
//! bootstrap stack left alone.
//!
//! Each run uses its own stack name and qualifier, so the shared `CDKToolkit` stack of the
//! other tests is never changed.

use indexmap::IndexMap;
use sagecdk_deploy::bootstrap::{
    BOOTSTRAP_VERSION, BootstrapOptions, bootstrap, bootstrap_template,
};
use sagecdk_deploy::stack::{
    ParameterValue, StackDeployment, TemplateSource, deploy_stack, destroy_stack,
};
use sagecdk_deploy::{AwsEnvironment, EnvironmentOptions};

mod common;

/// An IAM query API call to the local service (the IAM SDK is not a dependency); the response
/// body.
fn iam(endpoint: &str, query: &str) -> (u16, String) {
    let headers = format!(
        "Content-Type: application/x-www-form-urlencoded\r\n{}",
        common::http::test_authorization("us-east-1", "iam")
    );
    common::http::request(
        endpoint,
        "POST",
        "/",
        &headers,
        &format!("{query}&Version=2010-05-08"),
    )
}

async fn stack_parameters(
    cfn: &aws_sdk_cloudformation::Client,
    name: &str,
) -> IndexMap<String, String> {
    let stack = sagecdk_deploy::stack::describe_stack(cfn, name)
        .await
        .expect("DescribeStacks")
        .expect("the bootstrap stack");
    stack
        .parameters()
        .iter()
        .filter_map(|p| {
            Some((
                p.parameter_key()?.to_string(),
                p.parameter_value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

async fn deployed_template(cfn: &aws_sdk_cloudformation::Client, name: &str) -> serde_json::Value {
    let body = cfn
        .get_template()
        .stack_name(name)
        .send()
        .await
        .expect("GetTemplate");
    serde_json::from_str(body.template_body().expect("body")).expect("JSON")
}

async fn version_parameter(env: &AwsEnvironment, qualifier: &str) -> String {
    aws_sdk_ssm::Client::new(env.base_config())
        .get_parameter()
        .name(format!("/cdk-bootstrap/{qualifier}/version"))
        .send()
        .await
        .expect("version parameter")
        .parameter()
        .and_then(|p| p.value())
        .expect("value")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_creates_the_cdk_resources_keeps_trust_and_never_downgrades() {
    let endpoint = common::moto_endpoint();
    let env = AwsEnvironment::resolve(
        &EnvironmentOptions::default(),
        "aws://unknown-account/unknown-region",
    )
    .await
    .expect("environment");
    let id = std::process::id();
    let qualifier = format!("t{}", id % 100_000_000);
    let stack_name = format!("SageCdkBootstrap{id}");
    let suffix = format!("{}-{}", env.account, env.region);
    let options = BootstrapOptions {
        qualifier: Some(qualifier.clone()),
        stack_name: stack_name.clone(),
        trusted_accounts: vec!["111122223333".into()],
        execution_policies: vec!["arn:aws:iam::aws:policy/PowerUserAccess".into()],
        ..BootstrapOptions::default()
    };
    let first = bootstrap(&env, &options).await.expect("bootstrap");
    assert!(first.left_alone.is_none());
    assert!(!first.result.no_op);
    let cfn = AwsEnvironment::cloudformation(env.base_config());

    // The staging bucket: KMS encryption; versioning, lifecycle and the TLS-only policy as
    // sent to CloudFormation (the local service applies none of those three from a template).
    let bucket = format!("cdk-{qualifier}-assets-{suffix}");
    let s3 = AwsEnvironment::s3(env.base_config());
    let encryption = sagecdk_deploy::assets::upload_encryption(&s3, &bucket)
        .await
        .expect("encryption");
    assert_eq!(
        encryption.algorithm.as_ref().map(|a| a.as_str()),
        Some("aws:kms")
    );
    let template = deployed_template(&cfn, &stack_name).await;
    let properties = &template["Resources"]["StagingBucket"]["Properties"];
    assert_eq!(properties["VersioningConfiguration"]["Status"], "Enabled");
    let rules = properties["LifecycleConfiguration"]["Rules"]
        .as_array()
        .expect("lifecycle rules");
    assert!(
        rules
            .iter()
            .any(|r| r["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30)
            && rules
                .iter()
                .any(|r| r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 1),
        "{rules:?}"
    );
    let policy = &template["Resources"]["StagingBucketPolicy"]["Properties"];
    assert_eq!(policy["Bucket"]["Ref"], "StagingBucket");
    let statement = &policy["PolicyDocument"]["Statement"][0];
    assert_eq!(statement["Effect"], "Deny", "{policy}");
    assert_eq!(statement["Action"], "s3:*", "{policy}");
    assert_eq!(statement["Principal"], "*", "{policy}");
    assert_eq!(
        statement["Condition"]["Bool"]["aws:SecureTransport"], "false",
        "{policy}"
    );

    // The repository: immutable tags.
    let repos = aws_sdk_ecr::Client::new(env.base_config())
        .describe_repositories()
        .repository_names(format!("cdk-{qualifier}-container-assets-{suffix}"))
        .send()
        .await
        .expect("repository");
    assert_eq!(
        repos.repositories()[0]
            .image_tag_mutability()
            .map(|m| m.as_str()),
        Some("IMMUTABLE")
    );

    // The five roles, the trusted account in the publishing roles' trust policies.
    for role in [
        "file-publishing-role",
        "image-publishing-role",
        "lookup-role",
        "deploy-role",
        "cfn-exec-role",
    ] {
        let name = format!("cdk-{qualifier}-{role}-{suffix}");
        let (status, body) = iam(&endpoint, &format!("Action=GetRole&RoleName={name}"));
        assert_eq!(status, 200, "{name}: {body}");
        if role != "cfn-exec-role" {
            assert!(body.contains("111122223333"), "{name} trusts: {body}");
        }
    }

    // The version parameter.
    assert_eq!(
        version_parameter(&env, &qualifier).await,
        BOOTSTRAP_VERSION.to_string()
    );

    // Again without --trust, --cloudformation-execution-policies or --qualifier: the deployed
    // values are kept exactly as they are (not read back and sent again, which nests the lists
    // the local service shows as `['…']`), so nothing changes.
    let deployed = stack_parameters(&cfn, &stack_name).await;
    assert_eq!(deployed["Qualifier"], qualifier);
    let keep_all = BootstrapOptions {
        stack_name: stack_name.clone(),
        ..BootstrapOptions::default()
    };
    let same = bootstrap(&env, &keep_all)
        .await
        .expect("bootstrap unchanged");
    assert!(same.left_alone.is_none());
    assert!(same.result.no_op, "nothing changed");
    assert_eq!(stack_parameters(&cfn, &stack_name).await, deployed);

    // Other policies, the qualifier left out: the stack is updated, with the deployed
    // qualifier kept by CloudFormation. (The local service cannot execute a change set keeping
    // a list parameter's previous value: it hands the parsed list back to its own parser. The
    // trusted accounts are given again here, and kept in the unchanged runs around.)
    let again = bootstrap(
        &env,
        &BootstrapOptions {
            trusted_accounts: vec!["111122223333".into()],
            execution_policies: vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()],
            ..keep_all.clone()
        },
    )
    .await
    .expect("bootstrap again");
    assert!(again.left_alone.is_none());
    assert!(!again.result.no_op, "the policies changed");
    let parameters = stack_parameters(&cfn, &stack_name).await;
    assert_eq!(parameters["Qualifier"], qualifier);
    assert_eq!(parameters["TrustedAccounts"], deployed["TrustedAccounts"]);
    assert!(
        parameters["CloudFormationExecutionPolicies"].contains("ReadOnlyAccess")
            && !parameters["CloudFormationExecutionPolicies"].contains("PowerUserAccess"),
        "{parameters:?}"
    );
    let (status, body) = iam(
        &endpoint,
        &format!("Action=GetRole&RoleName=cdk-{qualifier}-deploy-role-{suffix}"),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("111122223333"), "still trusted: {body}");
    let same = bootstrap(&env, &keep_all)
        .await
        .expect("bootstrap unchanged");
    assert!(same.result.no_op, "nothing changed");
    assert_eq!(stack_parameters(&cfn, &stack_name).await, parameters);

    // A newer bootstrap stack (as a newer AWS CDK would deploy) is not downgraded.
    let newer = BOOTSTRAP_VERSION + 1;
    let mut template = bootstrap_template();
    template["Resources"]["CdkBootstrapVersion"]["Properties"]["Value"] =
        serde_json::json!(newer.to_string());
    let body = serde_json::to_string(&template).expect("JSON");
    deploy_stack(
        &cfn,
        &StackDeployment {
            stack_name: stack_name.clone(),
            template,
            source: TemplateSource::Body(body),
            parameters: IndexMap::from([
                (
                    "Qualifier".to_string(),
                    ParameterValue::from(qualifier.as_str()),
                ),
                ("TrustedAccounts".to_string(), "111122223333".into()),
                (
                    "CloudFormationExecutionPolicies".to_string(),
                    "arn:aws:iam::aws:policy/ReadOnlyAccess".into(),
                ),
            ]),
            tags: IndexMap::new(),
            execution_role_arn: None,
            notification_arns: Vec::new(),
            no_execute: false,
            force: false,
            no_rollback: false,
        },
        &sagecdk_deploy::Silent,
    )
    .await
    .expect("a newer bootstrap stack");
    assert_eq!(version_parameter(&env, &qualifier).await, newer.to_string());
    let refused = bootstrap(&env, &options).await.expect("bootstrap");
    let reason = refused.left_alone.expect("left alone");
    assert!(
        reason.contains(&format!("at version {newer}"))
            && reason.contains(&format!("version {BOOTSTRAP_VERSION} of this tool"))
            && reason.contains("not downgrading"),
        "{reason}"
    );
    assert!(refused.result.no_op);
    assert_eq!(version_parameter(&env, &qualifier).await, newer.to_string());

    // Forced, it is downgraded.
    let forced = bootstrap(
        &env,
        &BootstrapOptions {
            force: true,
            ..options.clone()
        },
    )
    .await
    .expect("forced bootstrap");
    assert!(forced.left_alone.is_none());
    assert_eq!(
        version_parameter(&env, &qualifier).await,
        BOOTSTRAP_VERSION.to_string()
    );

    destroy_stack(&cfn, &stack_name, None, &sagecdk_deploy::Silent)
        .await
        .expect("destroy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_too_large_to_pass_inline_goes_to_the_named_bootstrap_stacks_bucket() {
    use sagecdk_assembly::CloudAssembly;
    use sagecdk_core::{App, AppProps, CfnResource, Stack, StackProps, cfn};
    use sagecdk_deploy::{DeployOptions, deploy_stacks};
    let env = common::bootstrapped_environment().await;
    let id = std::process::id();
    let qualifier = format!("l{}", id % 100_000_000);
    let toolkit = format!("SageCdkToolkit{id}");
    bootstrap(
        &env,
        &BootstrapOptions {
            qualifier: Some(qualifier.clone()),
            stack_name: toolkit.clone(),
            ..BootstrapOptions::default()
        },
    )
    .await
    .expect("bootstrap");

    // A stack whose template is above the 51,200 bytes CloudFormation takes inline, written
    // without a template asset (as synthesizers without a staging bucket do).
    let work = tempfile::tempdir().expect("tmp");
    let out = work.path().join("cdk.out");
    let app = App::with_props(AppProps {
        outdir: Some(out.clone()),
        ignore_environment: true,
        ..AppProps::default()
    });
    let name = format!("SageCdkLargeTemplate{id}");
    let stack = Stack::new(&app, &name, StackProps::default());
    for i in 0..120 {
        CfnResource::new(&stack, &format!("Setting{i}"), "AWS::SSM::Parameter").with_properties(
            cfn!({
                "Name": (format!("/sagecdk-test/{name}/{i}")),
                "Type": "String",
                "Value": ("x".repeat(400))
            }),
        );
    }
    app.synth().expect("synthesizes");
    let manifest_path = out.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).expect("manifest"))
            .expect("JSON");
    let properties = manifest["artifacts"][&name]["properties"]
        .as_object_mut()
        .expect("stack properties");
    assert!(properties.remove("stackTemplateAssetObjectUrl").is_some());
    std::fs::write(&manifest_path, manifest.to_string()).expect("manifest");
    let assembly = CloudAssembly::load(&out).expect("loads");
    let stacks = assembly.stacks().expect("stacks");
    let template = std::fs::read(&stacks[0].template_path).expect("template");
    assert!(template.len() > 51_200, "{} bytes", template.len());

    // A bootstrap stack of that name does not exist: the error names it.
    let missing = format!("SageCdkNoToolkit{id}");
    let error = deploy_stacks(
        &assembly,
        &stacks,
        &DeployOptions {
            toolkit_stack_name: missing.clone(),
            ..DeployOptions::default()
        },
    )
    .await
    .expect_err("no such bootstrap stack")
    .to_string();
    assert!(
        error.contains("larger than 50 KiB") && error.contains(&missing),
        "{error}"
    );

    let results = deploy_stacks(
        &assembly,
        &stacks,
        &DeployOptions {
            toolkit_stack_name: toolkit.clone(),
            ..DeployOptions::default()
        },
    )
    .await
    .expect("deploys");
    assert!(!results[0].no_op);
    // The template went to the named bootstrap stack's bucket.
    let bucket = format!("cdk-{qualifier}-assets-{}-{}", env.account, env.region);
    let listed = AwsEnvironment::s3(env.base_config())
        .list_objects_v2()
        .bucket(&bucket)
        .prefix(format!("cdk/{name}/"))
        .send()
        .await
        .expect("ListObjectsV2");
    assert_eq!(listed.contents().len(), 1, "{listed:?}");

    let cfn = AwsEnvironment::cloudformation(env.base_config());
    destroy_stack(&cfn, &name, None, &sagecdk_deploy::Silent)
        .await
        .expect("destroy");
    destroy_stack(&cfn, &toolkit, None, &sagecdk_deploy::Silent)
        .await
        .expect("destroy toolkit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrapping_another_account_than_the_credentials_is_refused() {
    let _ = common::moto_endpoint();
    let env = AwsEnvironment::resolve(
        &EnvironmentOptions::default(),
        "aws://111111111111/us-west-2",
    )
    .await
    .expect("environment");
    let stack_name = format!("SageCdkBootstrapOther{}", std::process::id());
    let options = BootstrapOptions {
        stack_name: stack_name.clone(),
        ..BootstrapOptions::default()
    };
    let err = bootstrap(&env, &options)
        .await
        .expect_err("another account");
    let text = err.to_string();
    assert!(
        text.contains(
            "cannot bootstrap aws://111111111111/us-west-2: need to perform AWS calls for account \
             111111111111, but the current credentials are for account 123456789012"
        ),
        "{text}"
    );
    let cfn = AwsEnvironment::cloudformation(env.base_config());
    let described = cfn.describe_stacks().stack_name(&stack_name).send().await;
    assert!(described.is_err(), "no bootstrap stack was created");
}
