//! The bootstrap conventions of the AWS CDK's default synthesizer, defined once: the names the
//! synthesizer writes into templates and asset manifests and the bootstrap template creates.
//! Names use CloudFormation's placeholders `${Qualifier}`, `${AWS::AccountId}`,
//! `${AWS::Region}` and `${AWS::Partition}`.

/// The default bootstrap qualifier.
pub const DEFAULT_QUALIFIER: &str = "hnb659fds";

/// The staging bucket of file assets.
pub const FILE_ASSETS_BUCKET_NAME: &str =
    "cdk-${Qualifier}-assets-${AWS::AccountId}-${AWS::Region}";

/// The ECR repository of image assets.
pub const IMAGE_ASSETS_REPOSITORY_NAME: &str =
    "cdk-${Qualifier}-container-assets-${AWS::AccountId}-${AWS::Region}";

/// The SSM parameter holding the bootstrap stack's version.
pub const VERSION_PARAMETER_NAME: &str = "/cdk-bootstrap/${Qualifier}/version";

/// The SSM parameter holding the version of the bootstrap stack with `qualifier`.
pub fn version_parameter(qualifier: &str) -> String {
    VERSION_PARAMETER_NAME.replace("${Qualifier}", qualifier)
}

/// The roles of a bootstrapped environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootstrapRole {
    /// Assumed by the CLI to deploy (`deploy-role`).
    Deploy,
    /// Passed to CloudFormation to change the stack (`cfn-exec-role`).
    CloudFormationExecution,
    /// Assumed to publish file assets (`file-publishing-role`).
    FilePublishing,
    /// Assumed to publish image assets (`image-publishing-role`).
    ImagePublishing,
    /// Assumed for context lookups (`lookup-role`).
    Lookup,
}

impl BootstrapRole {
    /// The role's part of its name: `deploy-role`, `cfn-exec-role`, ….
    pub fn kind(self) -> &'static str {
        match self {
            BootstrapRole::Deploy => "deploy-role",
            BootstrapRole::CloudFormationExecution => "cfn-exec-role",
            BootstrapRole::FilePublishing => "file-publishing-role",
            BootstrapRole::ImagePublishing => "image-publishing-role",
            BootstrapRole::Lookup => "lookup-role",
        }
    }

    /// The role's name: `cdk-${Qualifier}-deploy-role-${AWS::AccountId}-${AWS::Region}`.
    pub fn name(self) -> String {
        format!(
            "cdk-${{Qualifier}}-{}-${{AWS::AccountId}}-${{AWS::Region}}",
            self.kind()
        )
    }

    /// The name of the role's default policy:
    /// `cdk-${Qualifier}-file-publishing-role-default-policy-${AWS::AccountId}-${AWS::Region}`.
    pub fn default_policy_name(self) -> String {
        format!(
            "cdk-${{Qualifier}}-{}-default-policy-${{AWS::AccountId}}-${{AWS::Region}}",
            self.kind()
        )
    }

    /// The role's ARN: `arn:${AWS::Partition}:iam::${AWS::AccountId}:role/<name>`.
    pub fn arn(self) -> String {
        format!(
            "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{}",
            self.name()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_cdk_ones() {
        assert_eq!(
            BootstrapRole::Deploy.arn(),
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-${Qualifier}-deploy-role-${AWS::AccountId}-${AWS::Region}"
        );
        assert_eq!(
            BootstrapRole::CloudFormationExecution.name(),
            "cdk-${Qualifier}-cfn-exec-role-${AWS::AccountId}-${AWS::Region}"
        );
        assert_eq!(version_parameter("abc"), "/cdk-bootstrap/abc/version");
    }
}
