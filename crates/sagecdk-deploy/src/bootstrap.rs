//! The bootstrap stack: the staging bucket, container repository, roles and version parameter
//! that stacks synthesized with the default stack synthesizer expect.
//!
//! The template is sagecdk's own; it follows the AWS CDK's bootstrap contract (stack name,
//! qualifier, resource and role names, version parameter and outputs), so assemblies of either
//! tool deploy into an environment bootstrapped by either.

use crate::environment::{AwsEnvironment, TOOLKIT_STACK_NAME};
use crate::error::{DeployError, Result};
use crate::progress::EventLines;
use crate::stack::{DeployResult, StackDeployment, TemplateSource, deploy_stack};
use indexmap::IndexMap;
use serde_json::{Value, json};

/// The bootstrap version this template provides.
pub const BOOTSTRAP_VERSION: u32 = 27;

/// Options of `bootstrap`.
#[derive(Debug, Clone)]
pub struct BootstrapOptions {
    /// Resource name qualifier (default `hnb659fds`).
    pub qualifier: String,
    /// Accounts allowed to deploy into this environment.
    pub trusted_accounts: Vec<String>,
    /// Managed policies of the CloudFormation execution role (default AdministratorAccess).
    pub execution_policies: Vec<String>,
    /// The stack name (default `CDKToolkit`).
    pub stack_name: String,
    /// Create the change set without executing it.
    pub no_execute: bool,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions {
            qualifier: crate::environment::DEFAULT_QUALIFIER.to_string(),
            trusted_accounts: Vec::new(),
            execution_policies: Vec::new(),
            stack_name: TOOLKIT_STACK_NAME.to_string(),
            no_execute: false,
        }
    }
}

fn sub(s: &str) -> Value {
    json!({"Fn::Sub": s})
}

/// Trust policy for a role assumable by this account and the trusted accounts.
fn account_trust() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"],
             "Principal": {"AWS": {"Ref": "AWS::AccountId"}}},
            {"Fn::If": ["HasTrustedAccounts",
                {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"],
                 "Principal": {"AWS": {"Ref": "TrustedAccounts"}}},
                {"Ref": "AWS::NoValue"}]}
        ]
    })
}

fn role(name_suffix: &str) -> Value {
    json!({
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": account_trust(),
            "RoleName": sub(&format!("cdk-${{Qualifier}}-{name_suffix}-${{AWS::AccountId}}-${{AWS::Region}}")),
            "Tags": [{"Key": "aws-cdk:bootstrap-role", "Value": name_suffix.trim_end_matches("-role")}]
        }
    })
}

fn policy(name: &str, role: &str, statements: Value) -> Value {
    json!({
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": sub(&format!("cdk-${{Qualifier}}-{name}")),
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
                "BucketName": sub("cdk-${Qualifier}-assets-${AWS::AccountId}-${AWS::Region}"),
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
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Sid": "AllowSSLRequestsOnly", "Effect": "Deny", "Action": "s3:*",
                "Principal": "*",
                "Resource": [bucket_arn.clone(), {"Fn::Join": ["", [bucket_arn.clone(), "/*"]]}],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
        }
    }));
    resources.insert("ContainerAssetsRepository".into(), json!({
        "Type": "AWS::ECR::Repository",
        "Properties": {
            "RepositoryName": sub("cdk-${Qualifier}-container-assets-${AWS::AccountId}-${AWS::Region}"),
            "ImageTagMutability": "IMMUTABLE",
            "ImageScanningConfiguration": {"ScanOnPush": true},
            "LifecyclePolicy": {"LifecyclePolicyText": serde_json::to_string(&json!({
                "rules": [{"rulePriority": 1, "description": "Untagged images are removed after a year",
                    "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                                  "countUnit": "days", "countNumber": 365},
                    "action": {"type": "expire"}}]})).unwrap_or_default()}
        }
    }));
    resources.insert("FilePublishingRole".into(), role("file-publishing-role"));
    resources.insert("ImagePublishingRole".into(), role("image-publishing-role"));
    resources.insert("LookupRole".into(), {
        let mut r = role("lookup-role");
        r["Properties"]["ManagedPolicyArns"] =
            json!([sub("arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess")]);
        r
    });
    resources.insert("DeploymentActionRole".into(), role("deploy-role"));
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
                "RoleName": sub("cdk-${Qualifier}-cfn-exec-role-${AWS::AccountId}-${AWS::Region}")
            }
        }),
    );
    resources.insert("FilePublishingRolePolicy".into(), policy(
        "file-publishing-role-policy",
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
        "ImagePublishingRolePolicy".into(),
        policy(
            "image-publishing-role-policy",
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
    resources.insert("DeploymentActionRolePolicy".into(), policy(
        "deploy-role-default-policy",
        "DeploymentActionRole",
        json!([
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
        ]),
    ));
    resources.insert(
        "CdkBootstrapVersion".into(),
        json!({
            "Type": "AWS::SSM::Parameter",
            "Properties": {
                "Type": "String",
                "Name": sub("/cdk-bootstrap/${Qualifier}/version"),
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
            "Qualifier": {"Type": "String", "Default": crate::environment::DEFAULT_QUALIFIER,
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

/// Deploys (or updates) the bootstrap stack into `env` with the caller's credentials.
pub async fn bootstrap(env: &AwsEnvironment, options: &BootstrapOptions) -> Result<DeployResult> {
    let valid = !options.qualifier.is_empty()
        && options.qualifier.len() <= 10
        && options
            .qualifier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        return Err(DeployError::Invalid(format!(
            "invalid qualifier '{}': use 1 to 10 letters, digits, '_' or '-'",
            options.qualifier
        )));
    }
    let template = bootstrap_template();
    let body = serde_json::to_string_pretty(&template)
        .map_err(|e| DeployError::Invalid(format!("bootstrap template: {e}")))?;
    let mut parameters = IndexMap::new();
    parameters.insert("Qualifier".to_string(), options.qualifier.clone());
    parameters.insert(
        "TrustedAccounts".to_string(),
        options.trusted_accounts.join(","),
    );
    parameters.insert(
        "CloudFormationExecutionPolicies".to_string(),
        options.execution_policies.join(","),
    );
    let cfn = AwsEnvironment::cloudformation(env.base_config());
    eprintln!(" ⏳  Bootstrapping environment {}...", env.name());
    deploy_stack(
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
        },
        &EventLines::default(),
    )
    .await
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
