//! KMS keys: new (`<id>/Resource`, with an optional alias) or imported by ARN, and grants.
//!
//! A new key gets the CDK's default key policy (the root principal of the stack's account —
//! its literal account in an environment-specific stack — may administer and use it, so IAM
//! policies decide who else may) and is retained when removed from the
//! stack, as in the CDK.
//!
//! ```
//! use sagecdk_aws::kms::{Key, KeyProps};
//! use sagecdk_core::{App, Stack, StackProps};
//! let app = App::for_tests();
//! let stack = Stack::new(&app, "S", StackProps::default());
//! let key = Key::new(&stack, "Key", KeyProps { enable_key_rotation: true, ..KeyProps::default() });
//! assert!(key.key_arn().is_unresolved());
//! ```

use crate::iam::{Grant, Grantable, PolicyDocument, PolicyStatement, Principal};
use sagecdk_cfn::kms::{CfnAlias, CfnAliasProps, CfnKey, CfnKeyProps};
use sagecdk_core::{CfnResource, Construct, RemovalPolicy, Scope, Str, Value};

/// Options of a [`Key`].
#[derive(Clone, Debug, Default)]
pub struct KeyProps {
    /// Description.
    pub description: Option<String>,
    /// Rotate the key material every year.
    pub enable_key_rotation: bool,
    /// Alias to create, with or without the `alias/` prefix.
    pub alias: Option<String>,
    /// Days before a deleted key is destroyed (7–30; CloudFormation's default is 30).
    pub pending_window_in_days: Option<u32>,
    /// What happens when the key leaves the stack (default: retained).
    pub removal_policy: Option<RemovalPolicy>,
}

/// A KMS key of this app or an existing one.
#[derive(Clone, Debug)]
pub struct Key {
    node: Construct,
    arn: Str,
    cfn: Option<CfnKey>,
}

impl Scope for Key {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl Key {
    /// A new symmetric encryption key.
    pub fn new(scope: &impl Scope, id: &str, props: KeyProps) -> Key {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_kms.Key");
        if let Some(days) = props.pending_window_in_days
            && !(7..=30).contains(&days)
        {
            node.add_error(format!(
                "'pendingWindow' value must between 7 and 30 days. Received: {days}"
            ));
        }
        let policy = PolicyDocument::with_statements([PolicyStatement::allow()
            .action("kms:*")
            .principal(Principal::account_root(&node))
            .resource("*")]);
        let mut key_props = CfnKeyProps::new().with_key_policy(policy.to_value_in(&node));
        if let Some(d) = &props.description {
            key_props = key_props.with_description(d.as_str());
        }
        if props.enable_key_rotation {
            key_props = key_props.with_enable_key_rotation(true);
        }
        if let Some(days) = props.pending_window_in_days {
            key_props = key_props.with_pending_window_in_days(days);
        }
        let cfn = CfnKey::new(&node, "Resource", key_props);
        cfn.resource()
            .apply_removal_policy(props.removal_policy.unwrap_or(RemovalPolicy::Retain));
        let arn = cfn.attr_arn();
        if let Some(alias) = &props.alias {
            let name = if alias.starts_with("alias/") {
                alias.clone()
            } else {
                format!("alias/{alias}")
            };
            if name.starts_with("alias/aws/") || name.len() <= "alias/".len() {
                node.add_error(format!(
                    "Invalid alias '{name}': must not be empty or start with 'alias/aws/'"
                ));
            }
            let alias_scope = Construct::with_fqn(&node, "Alias", "sagecdk.aws_kms.Alias");
            CfnAlias::new(
                &alias_scope,
                "Resource",
                CfnAliasProps::new(name, arn.clone()),
            );
        }
        Key {
            node,
            arn,
            cfn: Some(cfn),
        }
    }

    /// An existing key by ARN.
    pub fn from_key_arn(scope: &impl Scope, id: &str, arn: impl Into<Str>) -> Key {
        Key {
            node: Construct::with_fqn(scope, id, "sagecdk.aws_kms.ImportedKey"),
            arn: arn.into(),
            cfn: None,
        }
    }

    /// The key's ARN.
    pub fn key_arn(&self) -> Str {
        self.arn.clone()
    }

    /// The `AWS::KMS::Key` resource of a new key.
    pub fn resource(&self) -> Option<&CfnResource> {
        self.cfn.as_ref().map(CfnKey::resource)
    }

    /// The typed `AWS::KMS::Key` of a new key, whose props can be read and changed until
    /// synthesis.
    pub fn cfn_key(&self) -> Option<&CfnKey> {
        self.cfn.as_ref()
    }

    /// Allows encrypting and decrypting with the key.
    pub fn grant_encrypt_decrypt(&self, grantee: &dyn Grantable) -> bool {
        Grant::add_to_principal(
            grantee,
            [
                "kms:Decrypt",
                "kms:Encrypt",
                "kms:GenerateDataKey*",
                "kms:ReEncrypt*",
            ],
            [self.key_arn()],
        )
    }

    /// Allows decrypting with the key.
    pub fn grant_decrypt(&self, grantee: &dyn Grantable) -> bool {
        Grant::add_to_principal(grantee, ["kms:Decrypt"], [self.key_arn()])
    }
}

impl From<&Key> for Value {
    fn from(key: &Key) -> Value {
        key.key_arn().to_value()
    }
}
