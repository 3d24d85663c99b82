//! ECR repositories imported by name or ARN, with pull grants and image URIs.

use crate::iam::{Grant, Grantable};
use sagecdk_core::{ArnComponents, Construct, Scope, Stack, Str};

/// An existing ECR repository.
#[derive(Clone, Debug)]
pub struct Repository {
    node: Construct,
    name: Str,
    arn: Str,
    uri_prefix: Str,
}

impl Scope for Repository {
    fn node(&self) -> &Construct {
        &self.node
    }
}

/// The pull actions the CDK grants (plus `ecr:GetAuthorizationToken` on `*`).
pub const PULL_ACTIONS: [&str; 3] = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
];

impl Repository {
    /// A repository of this stack's account and region, by name.
    pub fn from_repository_name(scope: &impl Scope, id: &str, name: impl Into<Str>) -> Repository {
        Self::from_name_in_account(scope, id, name, None)
    }

    /// A repository by name in another account of this stack's region (e.g. AWS's deep learning
    /// container registries).
    pub fn from_name_in_account(
        scope: &impl Scope,
        id: &str,
        name: impl Into<Str>,
        account: Option<Str>,
    ) -> Repository {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_ecr.Repository");
        let name = name.into();
        let Some(stack) = Stack::of(&node) else {
            node.add_error("A repository must be defined within a Stack");
            return Repository {
                node,
                name,
                arn: Str::default(),
                uri_prefix: Str::default(),
            };
        };
        let account = account.unwrap_or_else(|| stack.account());
        let arn = stack.format_arn(
            ArnComponents::new("ecr", "repository")
                .with_account(account.clone())
                .with_resource_name(name.clone()),
        );
        let uri_prefix =
            account + ".dkr.ecr." + stack.region() + "." + stack.url_suffix() + "/" + name.clone();
        Repository {
            node,
            name,
            arn,
            uri_prefix,
        }
    }

    /// The repository's name.
    pub fn repository_name(&self) -> Str {
        self.name.clone()
    }

    /// The repository's ARN.
    pub fn repository_arn(&self) -> Str {
        self.arn.clone()
    }

    /// `<account>.dkr.ecr.<region>.<urlSuffix>/<name>:<tag>`.
    pub fn repository_uri_for_tag(&self, tag: &str) -> Str {
        self.uri_prefix.clone() + ":" + tag
    }

    /// `<account>.dkr.ecr.<region>.<urlSuffix>/<name>@<digest>`.
    pub fn repository_uri_for_digest(&self, digest: &str) -> Str {
        self.uri_prefix.clone() + "@" + digest
    }

    /// Allows pulling images.
    pub fn grant_pull(&self, grantee: &dyn Grantable) -> bool {
        grant_pull(grantee, self.repository_arn())
    }
}

/// Allows pulling images from the repository `arn` (also used for image assets' repository).
pub fn grant_pull(grantee: &dyn Grantable, arn: Str) -> bool {
    let pulled = Grant::add_to_principal(grantee, PULL_ACTIONS, [arn]);
    Grant::add_to_principal(grantee, ["ecr:GetAuthorizationToken"], ["*"]) && pulled
}
