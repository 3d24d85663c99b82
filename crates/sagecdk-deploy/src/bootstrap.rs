//! The bootstrap stack: the staging bucket, container repository, roles and version parameter
//! that stacks synthesized with the default stack synthesizer expect.
//!
//! The template is sagecdk's own; it follows the AWS CDK's bootstrap contract (stack name,
//! qualifier, resource and role names, version parameter and outputs), so assemblies of either
//! tool deploy into an environment bootstrapped by either. Its logical ids are the CDK's, so
//! either tool re-bootstrapping the other's stack updates the resources instead of replacing
//! them; and, as the CDK does, re-bootstrapping keeps the deployed parameter values of options
//! not given (the qualifier too), and leaves a newer (or customized) bootstrap stack alone
//! unless forced.

use crate::environment::{AwsEnvironment, DEFAULT_QUALIFIER, TOOLKIT_STACK_NAME, ssm_parameter};
use crate::error::{DeployError, Result};
use crate::progress::{Reporter, Silent};
use crate::stack::{
    DeployResult, ParameterValue, StackDeployment, TemplateSource, deploy_stack, describe_stack,
};
use aws_sdk_cloudformation::types::StackStatus;
use indexmap::IndexMap;
use sagecdk_assembly::bootstrap::{
    BootstrapRole, FILE_ASSETS_BUCKET_NAME, IMAGE_ASSETS_REPOSITORY_NAME, VERSION_PARAMETER_NAME,
    version_parameter,
};
use serde_json::{Value, json};
use std::sync::Arc;

/// The bootstrap version this template provides.
pub const BOOTSTRAP_VERSION: u32 = 27;

/// Options of `bootstrap`.
#[derive(Debug, Clone)]
pub struct BootstrapOptions {
    /// Resource name qualifier. Default: the deployed stack's, for a new stack `hnb659fds`.
    pub qualifier: Option<String>,
    /// Accounts allowed to deploy into this environment.
    pub trusted_accounts: Vec<String>,
    /// Managed policies of the CloudFormation execution role (default AdministratorAccess).
    pub execution_policies: Vec<String>,
    /// The stack name (default `CDKToolkit`).
    pub stack_name: String,
    /// Create the change set without executing it.
    pub no_execute: bool,
    /// Deploy even over a newer bootstrap stack (a downgrade) or a customized variant.
    pub force: bool,
    /// Shows the stack events and messages (default: [`Silent`]).
    pub reporter: Arc<dyn Reporter>,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions {
            qualifier: None,
            trusted_accounts: Vec::new(),
            execution_policies: Vec::new(),
            stack_name: TOOLKIT_STACK_NAME.to_string(),
            no_execute: false,
            force: false,
            reporter: Arc::new(Silent),
        }
    }
}

/// The variant of the AWS CDK's default bootstrap template (its `BootstrapVariant` parameter);
/// other variants are customized templates, not overwritten unless forced.
pub const DEFAULT_BOOTSTRAP_VARIANT: &str = "AWS CDK: Default Resources";

/// The outcome of `bootstrap`.
#[derive(Debug, Clone, Default)]
pub struct BootstrapOutcome {
    /// The deployment of the bootstrap stack (`no_op` when nothing changed, or when the stack
    /// was left alone).
    pub result: DeployResult,
    /// Why the existing bootstrap stack was left alone (it is newer, or a customized variant),
    /// when it was.
    pub left_alone: Option<String>,
}

fn sub(s: &str) -> Value {
    json!({"Fn::Sub": s})
}

/// Trust policy for a role assumable by this account and the trusted accounts (statements as
/// in the CDK's template, so re-bootstrapping with either tool changes nothing here).
fn account_trust() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Action": "sts:TagSession", "Effect": "Allow",
             "Principal": {"AWS": {"Ref": "AWS::AccountId"}}},
            {"Action": "sts:AssumeRole", "Effect": "Allow",
             "Principal": {"AWS": {"Ref": "AWS::AccountId"}}},
            {"Fn::If": ["HasTrustedAccounts",
                {"Action": "sts:AssumeRole", "Effect": "Allow",
                 "Principal": {"AWS": {"Ref": "TrustedAccounts"}}},
                {"Ref": "AWS::NoValue"}]}
        ]
    })
}

fn role(role: BootstrapRole) -> Value {
    json!({
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": account_trust(),
            "RoleName": sub(&role.name()),
            "Tags": [{"Key": "aws-cdk:bootstrap-role", "Value": role.kind().trim_end_matches("-role")}]
        }
    })
}

/// A role's default policy, named as in the CDK's template.
fn default_policy(of: BootstrapRole, role: &str, statements: Value) -> Value {
    json!({
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": sub(&of.default_policy_name()),
            "Roles": [{"Ref": role}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}
        }
    })
}

/// The bootstrap template (JSON).
pub fn bootstrap_template() -> Value {
    let bucket_arn = json!({"Fn::GetAtt": ["StagingBucket", "Arn"]});
    let repo_arn = json!({"Fn::GetAtt": ["ContainerAssetsRepository", "Arn"]});
    let mut resources = serde_json::Map::new();
    resources.insert(
        "StagingBucket".into(),
        json!({
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": sub(FILE_ASSETS_BUCKET_NAME),
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": true, "BlockPublicPolicy": true,
                    "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
                "VersioningConfiguration": {"Status": "Enabled"},
                "LifecycleConfiguration": {"Rules": [
                    {"Id": "CleanupOldVersions", "Status": "Enabled",
                     "NoncurrentVersionExpiration": {"NoncurrentDays": 30}},
                    {"Id": "AbortIncompleteMultipartUploads", "Status": "Enabled",
                     "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]}
            },
            "UpdateReplacePolicy": "Retain",
            "DeletionPolicy": "Retain"
        }),
    );
    resources.insert("StagingBucketPolicy".into(), json!({
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": "StagingBucket"},
            "PolicyDocument": {"Id": "AccessControl", "Version": "2012-10-17", "Statement": [{
                "Sid": "AllowSSLRequestsOnly", "Effect": "Deny", "Action": "s3:*",
                "Principal": "*",
                "Resource": [bucket_arn.clone(), {"Fn::Join": ["", [bucket_arn.clone(), "/*"]]}],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
        }
    }));
    resources.insert("ContainerAssetsRepository".into(), json!({
        "Type": "AWS::ECR::Repository",
        "Properties": {
            "RepositoryName": sub(IMAGE_ASSETS_REPOSITORY_NAME),
            "ImageTagMutability": "IMMUTABLE",
            "ImageScanningConfiguration": {"ScanOnPush": true},
            "LifecyclePolicy": {"LifecyclePolicyText": serde_json::to_string(&json!({
                "rules": [{"rulePriority": 1, "description": "Untagged images are removed after a year",
                    "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                                  "countUnit": "days", "countNumber": 365},
                    "action": {"type": "expire"}}]})).unwrap_or_default()}
        }
    }));
    resources.insert(
        "FilePublishingRole".into(),
        role(BootstrapRole::FilePublishing),
    );
    resources.insert(
        "ImagePublishingRole".into(),
        role(BootstrapRole::ImagePublishing),
    );
    resources.insert("LookupRole".into(), {
        let mut r = role(BootstrapRole::Lookup);
        r["Properties"]["ManagedPolicyArns"] =
            json!([sub("arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess")]);
        r["Properties"]["Policies"] = json!([{
            "PolicyName": "LookupRolePolicy",
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Sid": "DontReadSecrets", "Effect": "Deny", "Action": ["kms:Decrypt"],
                "Resource": "*"}]}
        }]);
        r
    });
    resources.insert(
        "CloudFormationExecutionRole".into(),
        json!({
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": "sts:AssumeRole",
                    "Principal": {"Service": "cloudformation.amazonaws.com"}}]},
                "ManagedPolicyArns": {"Fn::If": ["HasCloudFormationExecutionPolicies",
                    {"Ref": "CloudFormationExecutionPolicies"},
                    [sub("arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess")]]},
                "RoleName": sub(&BootstrapRole::CloudFormationExecution.name())
            }
        }),
    );
    resources.insert("FilePublishingRoleDefaultPolicy".into(), default_policy(
        BootstrapRole::FilePublishing,
        "FilePublishingRole",
        json!([{"Effect": "Allow",
            "Action": ["s3:GetObject*", "s3:GetBucket*", "s3:GetEncryptionConfiguration",
                       "s3:List*", "s3:DeleteObject*", "s3:PutObject*", "s3:Abort*"],
            "Resource": [bucket_arn.clone(), {"Fn::Join": ["", [bucket_arn.clone(), "/*"]]}],
            "Condition": {"StringEquals": {"aws:ResourceAccount": {"Ref": "AWS::AccountId"}}}},
            {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt",
                "kms:ReEncrypt*", "kms:GenerateDataKey*"],
             "Resource": sub("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"),
             "Condition": {"StringEquals": {"kms:ViaService": sub("s3.${AWS::Region}.amazonaws.com")}}}]),
    ));
    resources.insert(
        "ImagePublishingRoleDefaultPolicy".into(),
        default_policy(
            BootstrapRole::ImagePublishing,
            "ImagePublishingRole",
            json!([{"Effect": "Allow",
            "Action": ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
                       "ecr:CompleteLayerUpload", "ecr:BatchCheckLayerAvailability",
                       "ecr:DescribeRepositories", "ecr:DescribeImages",
                       "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": repo_arn},
            {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}]),
        ),
    );
    // The deployment role's policy is inline (named `default`), as in the CDK's template.
    resources.insert("DeploymentActionRole".into(), {
        let mut r = role(BootstrapRole::Deploy);
        r["Properties"]["Policies"] = json!([{
            "PolicyName": "default",
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Sid": "CloudFormationPermissions", "Effect": "Allow",
             "Action": ["cloudformation:CreateChangeSet", "cloudformation:DeleteChangeSet",
                        "cloudformation:DescribeChangeSet", "cloudformation:DescribeStacks",
                        "cloudformation:ExecuteChangeSet", "cloudformation:CreateStack",
                        "cloudformation:UpdateStack", "cloudformation:RollbackStack",
                        "cloudformation:ContinueUpdateRollback",
                        "cloudformation:DescribeStackEvents", "cloudformation:GetTemplate",
                        "cloudformation:DeleteStack", "cloudformation:UpdateTerminationProtection",
                        "cloudformation:GetTemplateSummary", "cloudformation:ListStackResources"],
             "Resource": "*"},
            {"Sid": "PassToCloudFormation", "Effect": "Allow", "Action": "iam:PassRole",
             "Resource": {"Fn::GetAtt": ["CloudFormationExecutionRole", "Arn"]}},
            {"Sid": "CliStagingBucket", "Effect": "Allow",
             "Action": ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
             "Resource": [bucket_arn.clone(), {"Fn::Join": ["", [bucket_arn, "/*"]]}]},
            {"Sid": "ReadVersion", "Effect": "Allow",
             "Action": ["ssm:GetParameter", "ssm:GetParameters"],
             "Resource": sub("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${CdkBootstrapVersion}")}
        ]}
        }]);
        r
    });
    resources.insert(
        "CdkBootstrapVersion".into(),
        json!({
            "Type": "AWS::SSM::Parameter",
            "Properties": {
                "Type": "String",
                "Name": sub(VERSION_PARAMETER_NAME),
                "Value": BOOTSTRAP_VERSION.to_string()
            }
        }),
    );
    json!({
        "Description": "sagecdk bootstrap resources: asset staging bucket and repository, deployment roles",
        "Parameters": {
            "TrustedAccounts": {"Type": "CommaDelimitedList", "Default": "",
                "Description": "Accounts allowed to publish assets and deploy into this environment"},
            "CloudFormationExecutionPolicies": {"Type": "CommaDelimitedList", "Default": "",
                "Description": "Managed policy ARNs for the CloudFormation execution role"},
            "Qualifier": {"Type": "String", "Default": DEFAULT_QUALIFIER,
                "AllowedPattern": "[A-Za-z0-9_-]{1,10}",
                "ConstraintDescription": "Qualifier must be an alphanumeric identifier of at most 10 characters",
                "Description": "Distinguishes several bootstrap stacks in one environment"}
        },
        "Conditions": {
            "HasTrustedAccounts": {"Fn::Not": [{"Fn::Equals": ["", {"Fn::Join": ["", {"Ref": "TrustedAccounts"}]}]}]},
            "HasCloudFormationExecutionPolicies": {"Fn::Not": [{"Fn::Equals": ["", {"Fn::Join": ["", {"Ref": "CloudFormationExecutionPolicies"}]}]}]}
        },
        "Resources": resources,
        "Outputs": {
            "BucketName": {"Description": "The staging bucket for file assets",
                "Value": {"Ref": "StagingBucket"}},
            "BucketDomainName": {"Description": "The staging bucket's regional domain name",
                "Value": {"Fn::GetAtt": ["StagingBucket", "RegionalDomainName"]}},
            "ImageRepositoryName": {"Description": "The repository for container image assets",
                "Value": {"Ref": "ContainerAssetsRepository"}},
            "BootstrapVersion": {"Description": "The version of the bootstrap resources",
                "Value": {"Fn::GetAtt": ["CdkBootstrapVersion", "Value"]}}
        }
    })
}

/// The existing bootstrap stack: its parameter values and version.
struct DeployedBootstrap {
    parameters: IndexMap<String, String>,
    version: Option<u32>,
}

/// Reads the deployed bootstrap stack `stack`. The version comes from the `BootstrapVersion`
/// output, or, when the stack shows no outputs, from the version parameter of its qualifier.
async fn deployed_bootstrap(
    env: &AwsEnvironment,
    stack: &aws_sdk_cloudformation::types::Stack,
) -> Result<DeployedBootstrap> {
    let parameters: IndexMap<String, String> = stack
        .parameters()
        .iter()
        .filter_map(|p| {
            Some((
                p.parameter_key()?.to_string(),
                p.parameter_value().unwrap_or_default().to_string(),
            ))
        })
        .collect();
    let from_output = stack
        .outputs()
        .iter()
        .find(|o| o.output_key() == Some("BootstrapVersion"))
        .and_then(|o| o.output_value())
        .and_then(|v| v.trim().parse().ok());
    let version = match from_output {
        Some(v) => Some(v),
        None => {
            let qualifier = parameters
                .get("Qualifier")
                .filter(|q| !q.is_empty())
                .map_or(DEFAULT_QUALIFIER, String::as_str);
            ssm_parameter(env.base_config(), &version_parameter(qualifier))
                .await?
                .and_then(|v| v.trim().parse().ok())
        }
    };
    Ok(DeployedBootstrap {
        parameters,
        version,
    })
}

/// Why the deployed bootstrap stack must be left alone (unless forced): it is newer than this
/// template, or a customized variant of the CDK's.
fn reason_to_leave_alone(deployed: &DeployedBootstrap, stack_name: &str) -> Option<String> {
    if let Some(version) = deployed.version.filter(|v| *v > BOOTSTRAP_VERSION) {
        return Some(format!(
            "the bootstrap stack {stack_name} is at version {version}, newer than version \
             {BOOTSTRAP_VERSION} of this tool's template: not downgrading it (it already \
             serves deployments needing version {BOOTSTRAP_VERSION}; pass --force to downgrade \
             anyway)"
        ));
    }
    match deployed.parameters.get("BootstrapVariant") {
        Some(variant) if variant != DEFAULT_BOOTSTRAP_VARIANT => Some(format!(
            "the bootstrap stack {stack_name} holds a customized template (variant \
             '{variant}'): not overwriting it with the default resources (pass --force to \
             overwrite it)"
        )),
        _ => None,
    }
}

/// The parameter values: those given; for options left out, the deployed stack's values are
/// kept (as the CDK keeps them) with `UsePreviousValue` rather than sent again as read, since
/// CloudFormation may show a value differently from how it was given (some implementations
/// show a list as `['…']`, which sent back would be nested once more on each run). A new
/// stack gets the template's defaults for them.
fn parameter_values(options: &BootstrapOptions) -> IndexMap<String, ParameterValue> {
    let given =
        |value: Option<String>| value.map_or(ParameterValue::Previous, ParameterValue::Value);
    let list = |values: &[String]| (!values.is_empty()).then(|| values.join(","));
    IndexMap::from([
        ("Qualifier".to_string(), given(options.qualifier.clone())),
        (
            "TrustedAccounts".to_string(),
            given(list(&options.trusted_accounts)),
        ),
        (
            "CloudFormationExecutionPolicies".to_string(),
            given(list(&options.execution_policies)),
        ),
    ])
}

/// Deploys (or updates) the bootstrap stack into `env` with the caller's credentials.
///
/// As the AWS CDK does, a deployed stack that is newer than this template, or a customized
/// variant, is left alone unless forced; options left empty keep the deployed values.
pub async fn bootstrap(
    env: &AwsEnvironment,
    options: &BootstrapOptions,
) -> Result<BootstrapOutcome> {
    if let Some(qualifier) = &options.qualifier {
        let valid = !qualifier.is_empty()
            && qualifier.len() <= 10
            && qualifier
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(DeployError::Invalid(format!(
                "invalid qualifier '{qualifier}': use 1 to 10 letters, digits, '_' or '-'"
            )));
        }
    }
    env.require_caller_account("bootstrap")?;
    let cfn = AwsEnvironment::cloudformation(env.base_config());
    let existing = describe_stack(&cfn, &options.stack_name)
        .await?
        .filter(|s| s.stack_status() != Some(&StackStatus::DeleteComplete));
    let reason = match &existing {
        Some(stack) => {
            reason_to_leave_alone(&deployed_bootstrap(env, stack).await?, &options.stack_name)
        }
        None => None,
    };
    if let Some(reason) = reason {
        if !options.force {
            options.reporter.message(&format!(" ⚠️  {reason}"));
            return Ok(BootstrapOutcome {
                result: DeployResult {
                    stack_name: options.stack_name.clone(),
                    stack_arn: existing.and_then(|s| s.stack_id().map(str::to_string)),
                    no_op: true,
                    ..DeployResult::default()
                },
                left_alone: Some(reason),
            });
        }
        options
            .reporter
            .message(&format!(" ⚠️  {reason}; forced: deploying over it"));
    }
    let template = bootstrap_template();
    let body = serde_json::to_string_pretty(&template)
        .map_err(|e| DeployError::Invalid(format!("bootstrap template: {e}")))?;
    let parameters = parameter_values(options);
    options
        .reporter
        .message(&format!(" ⏳  Bootstrapping environment {}...", env.name()));
    let result = deploy_stack(
        &cfn,
        &StackDeployment {
            stack_name: options.stack_name.clone(),
            template,
            source: TemplateSource::Body(body),
            parameters,
            tags: IndexMap::new(),
            execution_role_arn: None,
            notification_arns: Vec::new(),
            no_execute: options.no_execute,
            force: false,
            no_rollback: false,
        },
        options.reporter.as_ref(),
    )
    .await?;
    Ok(BootstrapOutcome {
        result,
        left_alone: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_follows_the_bootstrap_contract() {
        let t = bootstrap_template();
        let r = &t["Resources"];
        assert_eq!(
            r["StagingBucket"]["Properties"]["BucketName"]["Fn::Sub"],
            "cdk-${Qualifier}-assets-${AWS::AccountId}-${AWS::Region}"
        );
        assert_eq!(
            r["ContainerAssetsRepository"]["Properties"]["ImageTagMutability"],
            "IMMUTABLE"
        );
        // Logical ids as in the CDK's template, so either tool updates the other's resources.
        for id in [
            "StagingBucket",
            "StagingBucketPolicy",
            "ContainerAssetsRepository",
            "FilePublishingRoleDefaultPolicy",
            "ImagePublishingRoleDefaultPolicy",
            "CdkBootstrapVersion",
        ] {
            assert!(r[id].is_object(), "{id}");
        }
        assert_eq!(
            r["FilePublishingRoleDefaultPolicy"]["Properties"]["PolicyName"]["Fn::Sub"],
            "cdk-${Qualifier}-file-publishing-role-default-policy-${AWS::AccountId}-${AWS::Region}"
        );
        assert_eq!(
            r["DeploymentActionRole"]["Properties"]["Policies"][0]["PolicyName"],
            "default"
        );
        for (id, name) in [
            ("FilePublishingRole", "file-publishing-role"),
            ("ImagePublishingRole", "image-publishing-role"),
            ("LookupRole", "lookup-role"),
            ("DeploymentActionRole", "deploy-role"),
            ("CloudFormationExecutionRole", "cfn-exec-role"),
        ] {
            assert_eq!(
                r[id]["Properties"]["RoleName"]["Fn::Sub"],
                format!("cdk-${{Qualifier}}-{name}-${{AWS::AccountId}}-${{AWS::Region}}")
            );
        }
        assert_eq!(r["CdkBootstrapVersion"]["Properties"]["Value"], "27");
        for o in [
            "BucketName",
            "BucketDomainName",
            "ImageRepositoryName",
            "BootstrapVersion",
        ] {
            assert!(t["Outputs"][o].is_object(), "{o}");
        }
    }
}

#[cfg(test)]
mod reuse_tests {
    use super::*;

    #[test]
    fn options_left_out_keep_the_deployed_values() {
        let options = BootstrapOptions {
            execution_policies: vec![
                "arn:aws:iam::aws:policy/ReadOnlyAccess".into(),
                "arn:aws:iam::aws:policy/PowerUserAccess".into(),
            ],
            ..BootstrapOptions::default()
        };
        let values = parameter_values(&options);
        assert_eq!(values["Qualifier"], ParameterValue::Previous);
        assert_eq!(values["TrustedAccounts"], ParameterValue::Previous);
        assert_eq!(
            values["CloudFormationExecutionPolicies"],
            ParameterValue::from(
                "arn:aws:iam::aws:policy/ReadOnlyAccess,arn:aws:iam::aws:policy/PowerUserAccess"
            )
        );
        let given = parameter_values(&BootstrapOptions {
            qualifier: Some("mine".into()),
            trusted_accounts: vec!["111122223333".into()],
            ..BootstrapOptions::default()
        });
        assert_eq!(given["Qualifier"], ParameterValue::from("mine"));
        assert_eq!(
            given["TrustedAccounts"],
            ParameterValue::from("111122223333")
        );
    }

    #[test]
    fn newer_stacks_and_custom_variants_are_left_alone() {
        let newer = DeployedBootstrap {
            parameters: IndexMap::new(),
            version: Some(BOOTSTRAP_VERSION + 3),
        };
        let reason = reason_to_leave_alone(&newer, "CDKToolkit").expect("left alone");
        assert!(
            reason.contains(&format!("version {}", BOOTSTRAP_VERSION + 3))
                && reason.contains(&format!("version {BOOTSTRAP_VERSION} of this tool")),
            "{reason}"
        );
        let same = DeployedBootstrap {
            parameters: IndexMap::from([(
                "BootstrapVariant".to_string(),
                DEFAULT_BOOTSTRAP_VARIANT.to_string(),
            )]),
            version: Some(BOOTSTRAP_VERSION),
        };
        assert_eq!(reason_to_leave_alone(&same, "CDKToolkit"), None);
        let custom = DeployedBootstrap {
            parameters: IndexMap::from([("BootstrapVariant".to_string(), "Mine".to_string())]),
            version: Some(1),
        };
        assert!(reason_to_leave_alone(&custom, "CDKToolkit").is_some());
    }
}
