//! IAM constructs render like the AWS CDK's: compared with the golden seed template.

use sagecdk_assertions::{Match, Template, pattern};
use sagecdk_aws::iam::{
    FromRoleArnOptions, Grant, PolicyStatement, Principal, Role, RoleProps, aws_managed_policy_arn,
};
use sagecdk_core::{
    App, AppProps, ArnComponents, CfnResource, Construct, Environment, IndexMap, Scope, Stack,
    StackProps, Str,
};

fn golden_resource(logical_id: &str) -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/cdk-golden/seed/cdk.out/SeedEnv.template.json"
    );
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("golden")).expect("json");
    t["Resources"][logical_id].clone()
}

fn env_stack(app: &App) -> Stack {
    Stack::new(
        app,
        "SeedEnv",
        StackProps::default().with_env(Environment::new("123456789012", "us-west-2")),
    )
}

fn ecr_pull(role: &Role, repo_arn: Str) {
    Grant::add_to_principal(
        role,
        [
            "ecr:BatchCheckLayerAvailability",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchGetImage",
        ],
        [repo_arn],
    );
    Grant::add_to_principal(role, ["ecr:GetAuthorizationToken"], ["*"]);
}

fn s3_read(role: &Role, bucket_arn: Str) {
    Grant::add_to_principal(
        role,
        ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
        [bucket_arn.clone(), bucket_arn + "/*"],
    );
}

#[test]
fn role_and_default_policy_match_the_golden_template() {
    let app = App::with_props(AppProps {
        ignore_environment: true,
        context: IndexMap::from([(
            "aws:cdk:enable-path-metadata".to_string(),
            serde_json::json!(true),
        )]),
        ..AppProps::default()
    });
    let stack = env_stack(&app);
    let bucket_scope = Construct::new(&stack, "MyBucket");
    let bucket = CfnResource::new(&bucket_scope, "Resource", "AWS::S3::Bucket");
    let model = Construct::new(&stack, "InferencePipelineModel");
    let role = Role::new(
        &model,
        "Role",
        RoleProps::new(Principal::service("sagemaker.amazonaws.com"))
            .with_managed_policy(aws_managed_policy_arn("AmazonSageMakerFullAccess")),
    );
    let repo = |name: &str, account: Option<&str>| {
        let mut c = ArnComponents::new("ecr", "repository").with_resource_name(name);
        if let Some(a) = account {
            c = c.with_account(a);
        }
        stack.format_arn(c)
    };
    let s3 = |b: &str| {
        stack.format_arn(
            ArnComponents::new("s3", "")
                .with_region("")
                .with_account("")
                .with_separator("")
                .with_resource_name(b),
        )
    };
    ecr_pull(
        &role,
        repo(
            "cdk-hnb659fds-container-assets-123456789012-us-west-2",
            None,
        ),
    );
    s3_read(&role, s3("cdk-hnb659fds-assets-123456789012-us-west-2"));
    ecr_pull(&role, repo("repo", None));
    s3_read(&role, bucket.get_att("Arn"));
    ecr_pull(
        &role,
        repo("huggingface-pytorch-training", Some("763104351884")),
    );

    let template = Template::from_stack(&stack);
    let t = template.as_json();
    assert_eq!(
        t["Resources"]["InferencePipelineModelRole6A99C5B3"],
        golden_resource("InferencePipelineModelRole6A99C5B3")
    );
    assert_eq!(
        t["Resources"]["InferencePipelineModelRoleDefaultPolicy2AF0CDCF"],
        golden_resource("InferencePipelineModelRoleDefaultPolicy2AF0CDCF")
    );
}

#[test]
fn imported_roles_take_grants_only_when_mutable() {
    let app = App::for_tests();
    let stack = Stack::new(&app, "S", StackProps::default());
    let mutable = Role::from_role_arn(
        &stack,
        "Mutable",
        "arn:aws:iam::123456789012:role/service/my-role",
    );
    let fixed = Role::from_role_arn_with(
        &stack,
        "Fixed",
        "arn:aws:iam::123456789012:role/other",
        FromRoleArnOptions { mutable: false },
    );
    assert!(Grant::add_to_principal(&mutable, ["s3:GetObject"], ["*"]));
    assert!(!Grant::add_to_principal(&fixed, ["s3:GetObject"], ["*"]));
    assert_eq!(mutable.role_name().as_literal().as_deref(), Some("my-role"));
    let template = Template::from_stack(&stack);
    template.assert_resource_count_is("AWS::IAM::Policy", 1);
    template.assert_has_resource_properties(
        "AWS::IAM::Policy",
        pattern!({"Roles": ["my-role"], "PolicyDocument": {"Statement": [{"Action": "s3:GetObject", "Effect": "Allow", "Resource": "*"}]}}),
    );
}

#[test]
fn statements_render_in_the_cdk_key_order_with_principals_and_conditions() {
    let app = App::for_tests();
    let stack = Stack::new(&app, "S", StackProps::default());
    let role = Role::new(
        &stack,
        "R",
        RoleProps::new(Principal::service("sagemaker.amazonaws.com")),
    );
    role.add_to_policy(
        PolicyStatement::deny()
            .sid("NoDelete")
            .not_action("s3:Get*")
            .resource("*")
            .condition("Bool", serde_json::json!({"aws:SecureTransport": "false"})),
    );
    let template = Template::from_stack(&stack);
    let policy = template.find_resources("AWS::IAM::Policy", Match::any_value());
    let statement =
        &policy.values().next().expect("policy")["Properties"]["PolicyDocument"]["Statement"][0];
    let keys: Vec<&String> = statement.as_object().expect("obj").keys().collect();
    assert_eq!(
        keys,
        ["NotAction", "Condition", "Effect", "Resource", "Sid"]
    );
    template.assert_has_resource_properties(
        "AWS::IAM::Role",
        pattern!({"AssumeRolePolicyDocument": {"Statement": [{"Principal": {"Service": "sagemaker.amazonaws.com"}}]}, "ManagedPolicyArns": Match::absent()}),
    );
}

#[test]
fn a_policy_without_actions_is_an_error() {
    let app = App::for_tests();
    let stack = Stack::new(&app, "S", StackProps::default());
    let role = Role::new(
        &stack,
        "R",
        RoleProps::new(Principal::service("x.amazonaws.com")),
    );
    role.add_to_policy(PolicyStatement::allow().resource("*"));
    let err = Template::try_from_stack(&stack).expect_err("invalid");
    assert!(err.to_string().contains("[S/R/DefaultPolicy] A PolicyStatement used in an identity-based policy must specify at least one action"), "{err}");
    let _ = role.node();
}

/// `Principal::account` is the CDK's `AccountPrincipal`: the account's root ARN, with the
/// partition left to CloudFormation (as recorded in the `parity` golden template).
#[test]
fn account_principals_are_the_accounts_root_arn() {
    let app = App::for_tests();
    let stack = env_stack(&app);
    Role::new(
        &stack,
        "CrossAccountRole",
        RoleProps::new(Principal::account("111122223333")),
    );
    Role::new(
        &stack,
        "SameAccountRole",
        RoleProps::new(Principal::account_root(&stack)),
    );
    let template = Template::from_stack(&stack).to_json();
    let trusted = |prefix: &str| {
        let resources = template["Resources"].as_object().expect("resources");
        let (_, role) = resources
            .iter()
            .find(|(id, _)| id.starts_with(prefix))
            .expect("role");
        role["Properties"]["AssumeRolePolicyDocument"].clone()
    };
    let root = |account: &str| {
        serde_json::json!({
            "Statement": [{
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, format!(":iam::{account}:root")]]}}
            }],
            "Version": "2012-10-17"
        })
    };
    assert_eq!(trusted("CrossAccountRoleFACE29D1"), root("111122223333"));
    assert_eq!(trusted("SameAccountRole"), root("123456789012"));

    // In an environment-agnostic stack the root is the deploying account's.
    let app = App::for_tests();
    let stack = Stack::new(&app, "S", StackProps::default());
    Role::new(&stack, "R", RoleProps::new(Principal::account_root(&stack)));
    Template::from_stack(&stack).assert_has_resource_properties(
        "AWS::IAM::Role",
        pattern!({"AssumeRolePolicyDocument": {"Statement": [{"Principal": {"AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":root"]]}}}]}}),
    );
}
