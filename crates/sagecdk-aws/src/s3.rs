//! S3 buckets: new (`MyBucket/Resource`, with [`BucketProps`]) or imported by name, with
//! read grants, a bucket policy and object URLs.
//!
//! A new bucket renders as the AWS CDK's `s3.Bucket` with the same props: encryption (with a
//! key `<id>/Key` created for KMS when none is given), versioning, block public access, the
//! `aws:SecureTransport` (and minimum TLS version) deny statements in `<id>/Policy`, lifecycle
//! rules, object ownership and public read access; it is retained when removed from the stack
//! unless another removal policy is given.

use crate::iam::{Grant, Grantable, PolicyDocument, PolicyStatement, Principal};
use crate::kms::{Key, KeyProps};
use indexmap::IndexMap;
use sagecdk_cfn::s3::bucket::{
    AbortIncompleteMultipartUpload, BucketEncryption as CfnBucketEncryption,
    EventBridgeConfiguration, LifecycleConfiguration, NoncurrentVersionExpiration,
    NoncurrentVersionTransition as CfnNoncurrentVersionTransition, NotificationConfiguration,
    OwnershipControls, OwnershipControlsRule, PublicAccessBlockConfiguration, Rule,
    ServerSideEncryptionByDefault, ServerSideEncryptionRule, TagFilter,
    Transition as CfnTransition, VersioningConfiguration,
};
use sagecdk_cfn::s3::{CfnBucket, CfnBucketPolicy, CfnBucketPolicyProps, CfnBucketProps};
use sagecdk_core::{
    ArnComponents, CfnResource, Construct, RemovalPolicy, Scope, Stack, Str, Value, cfn,
};
use std::cell::RefCell;
use std::rc::Rc;

/// Server-side encryption of a bucket's objects (the CDK's `BucketEncryption`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BucketEncryption {
    /// SSE-S3: keys managed by S3 (`AES256`).
    S3Managed,
    /// SSE-KMS with the AWS managed key `aws/s3` (`aws:kms`, no key id).
    KmsManaged,
    /// SSE-KMS with a key of the app: [`BucketProps::encryption_key`], or a new key
    /// `<bucket id>/Key` (with yearly rotation) when none is given.
    Kms,
    /// Dual-layer SSE with the AWS managed key (`aws:kms:dsse`, no key id).
    DsseManaged,
    /// Dual-layer SSE with a key of the app: [`BucketProps::encryption_key`], or a new key
    /// `<bucket id>/Key` when none is given.
    Dsse,
}

impl BucketEncryption {
    /// The CDK's name of the value, as its messages show it.
    fn cdk_name(self) -> &'static str {
        match self {
            BucketEncryption::S3Managed => "S3_MANAGED",
            BucketEncryption::KmsManaged => "KMS_MANAGED",
            BucketEncryption::Kms => "KMS",
            BucketEncryption::DsseManaged => "DSSE_MANAGED",
            BucketEncryption::Dsse => "DSSE",
        }
    }

    /// `SSEAlgorithm`.
    fn sse_algorithm(self) -> &'static str {
        match self {
            BucketEncryption::S3Managed => "AES256",
            BucketEncryption::KmsManaged | BucketEncryption::Kms => "aws:kms",
            BucketEncryption::DsseManaged | BucketEncryption::Dsse => "aws:kms:dsse",
        }
    }

    /// Whether the bucket uses a key of the app (given or created).
    fn uses_own_key(self) -> bool {
        matches!(self, BucketEncryption::Kms | BucketEncryption::Dsse)
    }
}

/// Which public access S3 blocks (`PublicAccessBlockConfiguration`); a setting left `None` is
/// not written, so S3's default for new buckets applies to it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockPublicAccess {
    /// Reject public ACLs on the bucket and its objects.
    pub block_public_acls: Option<bool>,
    /// Reject bucket policies that grant public access.
    pub block_public_policy: Option<bool>,
    /// Ignore public ACLs on the bucket and its objects.
    pub ignore_public_acls: Option<bool>,
    /// Only the bucket owner's account and AWS services may use a public bucket policy.
    pub restrict_public_buckets: Option<bool>,
}

impl BlockPublicAccess {
    /// Every setting on (the CDK's `BLOCK_ALL`).
    pub const BLOCK_ALL: BlockPublicAccess = BlockPublicAccess {
        block_public_acls: Some(true),
        block_public_policy: Some(true),
        ignore_public_acls: Some(true),
        restrict_public_buckets: Some(true),
    };

    /// Public ACLs blocked and ignored, the policy settings not written (the CDK's `BLOCK_ACLS`).
    pub const BLOCK_ACLS: BlockPublicAccess = BlockPublicAccess {
        block_public_acls: Some(true),
        block_public_policy: None,
        ignore_public_acls: Some(true),
        restrict_public_buckets: None,
    };

    /// Public ACLs blocked and ignored, public policies explicitly allowed (the CDK's
    /// `BLOCK_ACLS_ONLY`).
    pub const BLOCK_ACLS_ONLY: BlockPublicAccess = BlockPublicAccess {
        block_public_acls: Some(true),
        block_public_policy: Some(false),
        ignore_public_acls: Some(true),
        restrict_public_buckets: Some(false),
    };

    fn to_cfn(self) -> PublicAccessBlockConfiguration {
        let mut c = PublicAccessBlockConfiguration::new();
        c.block_public_acls = self.block_public_acls.map(Into::into);
        c.block_public_policy = self.block_public_policy.map(Into::into);
        c.ignore_public_acls = self.ignore_public_acls.map(Into::into);
        c.restrict_public_buckets = self.restrict_public_buckets.map(Into::into);
        c
    }
}

/// Who owns the objects written to the bucket (`OwnershipControls`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectOwnership {
    /// The bucket owner owns every object and ACLs are disabled (`BucketOwnerEnforced`).
    BucketOwnerEnforced,
    /// The bucket owner owns objects uploaded with the `bucket-owner-full-control` ACL
    /// (`BucketOwnerPreferred`).
    BucketOwnerPreferred,
    /// The uploading account owns the object (`ObjectWriter`).
    ObjectWriter,
}

impl ObjectOwnership {
    fn as_str(self) -> &'static str {
        match self {
            ObjectOwnership::BucketOwnerEnforced => "BucketOwnerEnforced",
            ObjectOwnership::BucketOwnerPreferred => "BucketOwnerPreferred",
            ObjectOwnership::ObjectWriter => "ObjectWriter",
        }
    }
}

/// A storage class objects transition to (the CDK's `StorageClass`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageClass {
    /// `STANDARD_IA`.
    InfrequentAccess,
    /// `ONEZONE_IA`.
    OneZoneInfrequentAccess,
    /// `GLACIER` (Glacier Flexible Retrieval).
    Glacier,
    /// `GLACIER_IR` (Glacier Instant Retrieval).
    GlacierInstantRetrieval,
    /// `DEEP_ARCHIVE`.
    DeepArchive,
    /// `INTELLIGENT_TIERING`.
    IntelligentTiering,
}

impl StorageClass {
    /// The storage class as CloudFormation names it.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageClass::InfrequentAccess => "STANDARD_IA",
            StorageClass::OneZoneInfrequentAccess => "ONEZONE_IA",
            StorageClass::Glacier => "GLACIER",
            StorageClass::GlacierInstantRetrieval => "GLACIER_IR",
            StorageClass::DeepArchive => "DEEP_ARCHIVE",
            StorageClass::IntelligentTiering => "INTELLIGENT_TIERING",
        }
    }
}

/// Objects move to `storage_class` `after_days` days after their creation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// Where the objects go.
    pub storage_class: StorageClass,
    /// Days after creation.
    pub after_days: u32,
}

/// Noncurrent object versions move to `storage_class` `after_days` days after they became
/// noncurrent; the newest `versions_to_retain` noncurrent versions stay where they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoncurrentVersionTransition {
    /// Where the versions go.
    pub storage_class: StorageClass,
    /// Days after the version became noncurrent.
    pub after_days: u32,
    /// How many of the newest noncurrent versions are kept out of the transition.
    pub versions_to_retain: Option<u32>,
}

/// A lifecycle rule of a bucket (the CDK's `LifecycleRule`; durations are whole days).
///
/// A rule must do something: at least one of the expirations, transitions, the abort of
/// incomplete multipart uploads, `expired_object_delete_marker` or
/// `noncurrent_versions_to_retain` must be set, as the CDK requires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LifecycleRule {
    /// Rule id (`Id`).
    pub id: Option<String>,
    /// Whether the rule applies (default `true`; `Status` `Enabled` or `Disabled`).
    pub enabled: bool,
    /// Only objects whose key starts with this prefix.
    pub prefix: Option<String>,
    /// Only objects with all these tags (key → value, written in this order).
    pub tag_filters: IndexMap<String, String>,
    /// Days after creation when objects expire (`ExpirationInDays`).
    pub expiration_days: Option<u32>,
    /// Days after initiation when incomplete multipart uploads are aborted.
    pub abort_incomplete_multipart_upload_after_days: Option<u32>,
    /// Transitions of current objects.
    pub transitions: Vec<Transition>,
    /// Days after becoming noncurrent when object versions expire.
    pub noncurrent_version_expiration_days: Option<u32>,
    /// How many of the newest noncurrent versions the expiration keeps.
    pub noncurrent_versions_to_retain: Option<u32>,
    /// Transitions of noncurrent object versions.
    pub noncurrent_version_transitions: Vec<NoncurrentVersionTransition>,
    /// Remove delete markers that have no noncurrent versions left (not with an expiration or
    /// tag filters).
    pub expired_object_delete_marker: Option<bool>,
}

impl Default for LifecycleRule {
    fn default() -> Self {
        LifecycleRule {
            id: None,
            enabled: true,
            prefix: None,
            tag_filters: IndexMap::new(),
            expiration_days: None,
            abort_incomplete_multipart_upload_after_days: None,
            transitions: Vec::new(),
            noncurrent_version_expiration_days: None,
            noncurrent_versions_to_retain: None,
            noncurrent_version_transitions: Vec::new(),
            expired_object_delete_marker: None,
        }
    }
}

impl LifecycleRule {
    /// What the CDK rejects in the rule.
    fn problems(&self) -> Vec<&'static str> {
        let mut problems = Vec::new();
        if self.expired_object_delete_marker == Some(true)
            && (self.expiration_days.is_some() || !self.tag_filters.is_empty())
        {
            problems.push(
                "ExpiredObjectDeleteMarker cannot be specified with expiration, ExpirationDate, or TagFilters.",
            );
        }
        if self.abort_incomplete_multipart_upload_after_days.is_none()
            && self.expiration_days.is_none()
            && self.expired_object_delete_marker.is_none()
            && self.noncurrent_version_expiration_days.is_none()
            && self.noncurrent_versions_to_retain.is_none()
            && self.noncurrent_version_transitions.is_empty()
            && self.transitions.is_empty()
        {
            problems.push(
                "All rules for `lifecycleRules` must have at least one of the following properties: `abortIncompleteMultipartUploadAfter`, `expiration`, `expirationDate`, `expiredObjectDeleteMarker`, `noncurrentVersionExpiration`, `noncurrentVersionsToRetain`, `noncurrentVersionTransitions`, or `transitions`",
            );
        }
        problems
    }

    /// The rule as the L1 `Rule` (properties in CloudFormation's order, as the CDK writes them).
    fn to_cfn(&self) -> Rule {
        let mut rule = Rule::new(if self.enabled { "Enabled" } else { "Disabled" });
        rule.abort_incomplete_multipart_upload = self
            .abort_incomplete_multipart_upload_after_days
            .map(AbortIncompleteMultipartUpload::new);
        rule.expiration_in_days = self.expiration_days.map(Into::into);
        rule.expired_object_delete_marker = self.expired_object_delete_marker.map(Into::into);
        rule.id = self.id.as_deref().map(Into::into);
        rule.noncurrent_version_expiration = self.noncurrent_version_expiration_days.map(|days| {
            let mut e = NoncurrentVersionExpiration::new(days);
            e.newer_noncurrent_versions = self.noncurrent_versions_to_retain.map(Into::into);
            e
        });
        if !self.noncurrent_version_transitions.is_empty() {
            rule = rule.with_noncurrent_version_transitions(
                self.noncurrent_version_transitions
                    .iter()
                    .map(|t| {
                        let mut c = CfnNoncurrentVersionTransition::new(
                            t.storage_class.as_str(),
                            t.after_days,
                        );
                        c.newer_noncurrent_versions = t.versions_to_retain.map(Into::into);
                        c
                    })
                    .collect::<Vec<_>>(),
            );
        }
        rule.prefix = self.prefix.as_deref().map(Into::into);
        if !self.tag_filters.is_empty() {
            rule = rule.with_tag_filters(
                self.tag_filters
                    .iter()
                    .map(|(k, v)| TagFilter::new(k.as_str(), v.as_str()))
                    .collect::<Vec<_>>(),
            );
        }
        if !self.transitions.is_empty() {
            rule = rule.with_transitions(
                self.transitions
                    .iter()
                    .map(|t| {
                        CfnTransition::new(t.storage_class.as_str())
                            .with_transition_in_days(t.after_days)
                    })
                    .collect::<Vec<_>>(),
            );
        }
        rule
    }
}

/// Options of a new [`Bucket`] (the CDK's `BucketProps`); every field is optional.
///
/// ```
/// use sagecdk_aws::s3::{
///     BlockPublicAccess, Bucket, BucketEncryption, BucketProps, LifecycleRule, StorageClass,
///     Transition,
/// };
/// use sagecdk_core::{App, RemovalPolicy, Stack, StackProps};
/// let app = App::for_tests();
/// let stack = Stack::new(&app, "S", StackProps::default());
/// let bucket = Bucket::new(&stack, "ModelData", BucketProps {
///     versioned: true,
///     encryption: Some(BucketEncryption::Kms), // creates the key `ModelData/Key`
///     block_public_access: Some(BlockPublicAccess::BLOCK_ALL),
///     enforce_ssl: true,
///     removal_policy: Some(RemovalPolicy::Destroy),
///     lifecycle_rules: vec![LifecycleRule {
///         prefix: Some("checkpoints/".into()),
///         transitions: vec![Transition { storage_class: StorageClass::Glacier, after_days: 30 }],
///         expiration_days: Some(365),
///         ..LifecycleRule::default()
///     }],
///     ..BucketProps::default()
/// });
/// assert!(bucket.encryption_key().is_some());
/// ```
#[derive(Clone, Debug, Default)]
pub struct BucketProps {
    /// Physical name (default: generated by CloudFormation); a literal name is checked with
    /// [`bucket_name_problems`].
    pub bucket_name: Option<Str>,
    /// Keep every version of every object (`VersioningConfiguration`).
    pub versioned: bool,
    /// Default encryption (default: [`BucketEncryption::Kms`] when `encryption_key` is given,
    /// otherwise none is written and S3 applies SSE-S3).
    pub encryption: Option<BucketEncryption>,
    /// The key of [`BucketEncryption::Kms`] or [`BucketEncryption::Dsse`].
    pub encryption_key: Option<Key>,
    /// S3 Bucket Keys for SSE (`BucketKeyEnabled`, written as given); needs an encryption.
    pub bucket_key_enabled: Option<bool>,
    /// Block public access settings (default: none written, S3's defaults apply).
    pub block_public_access: Option<BlockPublicAccess>,
    /// Deny every request not sent over TLS, in the bucket policy.
    pub enforce_ssl: bool,
    /// Also deny requests with a TLS version below this one (e.g. `1.2`); needs `enforce_ssl`.
    pub minimum_tls_version: Option<f64>,
    /// What happens when the bucket leaves the stack (default: retained); `Snapshot` is an
    /// error (S3 buckets have no snapshots).
    pub removal_policy: Option<RemovalPolicy>,
    /// Lifecycle rules, in this order.
    pub lifecycle_rules: Vec<LifecycleRule>,
    /// Object ownership (default: none written, S3's default `BucketOwnerEnforced` applies).
    pub object_ownership: Option<ObjectOwnership>,
    /// Let anyone read every object (`s3:GetObject` for `*` in the bucket policy); needs
    /// `block_public_access` that does not block public policies.
    pub public_read_access: bool,
    /// Send the bucket's events to Amazon EventBridge (`NotificationConfiguration`).
    pub event_bridge_enabled: bool,
}

/// A bucket of this app or an existing one.
#[derive(Clone, Debug)]
pub struct Bucket {
    node: Construct,
    name: Str,
    arn: Str,
    region: Str,
    url_suffix: Str,
    cfn: Option<CfnBucket>,
    encryption_key: Option<Key>,
    /// The bucket policy, created with the first statement (never for an import).
    policy: Option<Rc<RefCell<Option<BucketPolicy>>>>,
}

impl Scope for Bucket {
    fn node(&self) -> &Construct {
        &self.node
    }
}

/// The `AWS::S3::BucketPolicy` of a bucket of the app (`<bucket id>/Policy/Resource`, the
/// CDK's `BucketPolicy`), created by the first statement added to the bucket's policy.
#[derive(Clone, Debug)]
pub struct BucketPolicy {
    node: Construct,
    cfn: CfnBucketPolicy,
    document: PolicyDocument,
}

impl Scope for BucketPolicy {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl BucketPolicy {
    fn new(bucket: &Bucket) -> BucketPolicy {
        let node = Construct::with_fqn(bucket, "Policy", "sagecdk.aws_s3.BucketPolicy");
        let document = PolicyDocument::new();
        let cfn = CfnBucketPolicy::new(
            &node,
            "Resource",
            CfnBucketPolicyProps::new(bucket.bucket_name(), document.to_value_in(&node)),
        );
        BucketPolicy {
            node,
            cfn,
            document,
        }
    }

    /// The `AWS::S3::BucketPolicy` resource (the escape hatch for overrides and resource
    /// options).
    pub fn resource(&self) -> &CfnResource {
        self.cfn.resource()
    }

    /// The typed `AWS::S3::BucketPolicy`, whose props can be read and changed until synthesis
    /// (the document is the policy's own: add statements through [`document`](Self::document)).
    pub fn cfn_bucket_policy(&self) -> &CfnBucketPolicy {
        &self.cfn
    }

    /// The policy document.
    pub fn document(&self) -> &PolicyDocument {
        &self.document
    }
}

fn stack_of(node: &Construct) -> Option<Stack> {
    let stack = Stack::of(node);
    if stack.is_none() {
        node.add_error("A bucket must be defined within a Stack");
    }
    stack
}

/// What S3 would reject in a bucket name (the rules the AWS CDK's `Bucket.validateBucketName`
/// checks): 3 to 63 characters; only lowercase letters, digits, periods and hyphens; a letter
/// or digit first and last; no two adjacent periods; not an IP address; not starting with
/// `xn--`; not ending with `-s3alias` or `--ol-s3`. Empty when the name is valid.
pub fn bucket_name_problems(name: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let shown = sagecdk_core::error::abbreviate(name);
    let length = name.chars().count();
    if !(3..=63).contains(&length) {
        problems.push(format!(
            "bucket name '{shown}' is {length} characters; it must be 3 to 63 characters"
        ));
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-';
    if !name.chars().all(allowed) {
        problems.push(format!(
            "bucket name '{shown}' must contain only lowercase letters, digits, periods (.) and hyphens (-)"
        ));
    }
    let alphanumeric =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let (first, last) = (name.chars().next(), name.chars().last());
    if first.is_some() && !(alphanumeric(first) && alphanumeric(last)) {
        problems.push(format!(
            "bucket name '{shown}' must begin and end with a lowercase letter or digit"
        ));
    }
    if name.contains("..") {
        problems.push(format!(
            "bucket name '{shown}' must not contain two adjacent periods"
        ));
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        problems.push(format!(
            "bucket name '{shown}' must not be formatted as an IP address"
        ));
    }
    if name.starts_with("xn--") {
        problems.push(format!("bucket name '{shown}' must not start with 'xn--'"));
    }
    for suffix in ["-s3alias", "--ol-s3"] {
        if name.ends_with(suffix) {
            problems.push(format!(
                "bucket name '{shown}' must not end with '{suffix}' (reserved for access point aliases)"
            ));
        }
    }
    problems
}

/// The `BucketEncryption` property and the key of a new bucket (created as `<bucket>/Key` for
/// KMS or DSSE without a given key), as the CDK's `parseEncryption`; what it rejects is an error
/// at the bucket.
fn encryption_of(
    node: &Construct,
    props: &BucketProps,
) -> (Option<CfnBucketEncryption>, Option<Key>) {
    let encryption = props
        .encryption
        .or(props.encryption_key.as_ref().map(|_| BucketEncryption::Kms));
    let shown = encryption.map_or("UNENCRYPTED", BucketEncryption::cdk_name);
    if props.encryption_key.is_some() && !encryption.is_some_and(BucketEncryption::uses_own_key) {
        node.add_error(format!(
            "encryptionKey is specified, so 'encryption' must be set to KMS or DSSE (value: {shown})"
        ));
    }
    if props.bucket_key_enabled == Some(true) && encryption.is_none() {
        node.add_error(format!(
            "bucketKeyEnabled is specified, so 'encryption' must be set to KMS, DSSE or S3 (value: {shown})"
        ));
    }
    let Some(encryption) = encryption else {
        return (None, None);
    };
    let key = encryption.uses_own_key().then(|| {
        props.encryption_key.clone().unwrap_or_else(|| {
            Key::new(
                node,
                "Key",
                KeyProps {
                    description: Some(format!("Created by {}", node.path())),
                    enable_key_rotation: encryption == BucketEncryption::Kms,
                    ..KeyProps::default()
                },
            )
        })
    });
    let mut by_default = ServerSideEncryptionByDefault::new(encryption.sse_algorithm());
    by_default.kms_master_key_id = key.as_ref().map(Key::key_arn);
    let mut rule =
        ServerSideEncryptionRule::new().with_server_side_encryption_by_default(by_default);
    rule.bucket_key_enabled = props.bucket_key_enabled.map(Into::into);
    (Some(CfnBucketEncryption::new(vec![rule])), key)
}

impl Bucket {
    /// A new bucket (see [`BucketProps`]); what the CDK would reject in the props is an
    /// error at the bucket's path.
    pub fn new(scope: &impl Scope, id: &str, props: BucketProps) -> Bucket {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_s3.Bucket");
        let (bucket_encryption, encryption_key) = encryption_of(&node, &props);
        let mut bucket_props = CfnBucketProps::new();
        bucket_props.bucket_encryption = bucket_encryption;
        if let Some(name) = &props.bucket_name {
            let problems = name
                .as_literal()
                .map(|literal| bucket_name_problems(&literal))
                .unwrap_or_default();
            if problems.is_empty() {
                bucket_props.bucket_name = Some(name.clone());
            }
            // Reported once, in our words; the schema would repeat it.
            for problem in problems {
                node.add_error(problem);
            }
        }
        if props.versioned {
            bucket_props.versioning_configuration = Some(VersioningConfiguration::new("Enabled"));
        }
        if !props.lifecycle_rules.is_empty() {
            for (index, rule) in props.lifecycle_rules.iter().enumerate() {
                for problem in rule.problems() {
                    node.add_error(format!("lifecycleRules[{index}]: {problem}"));
                }
            }
            bucket_props.lifecycle_configuration = Some(LifecycleConfiguration::new(
                props
                    .lifecycle_rules
                    .iter()
                    .map(LifecycleRule::to_cfn)
                    .collect::<Vec<_>>(),
            ));
        }
        bucket_props.public_access_block_configuration =
            props.block_public_access.map(BlockPublicAccess::to_cfn);
        bucket_props.ownership_controls = props.object_ownership.map(|o| {
            OwnershipControls::new(vec![
                OwnershipControlsRule::new().with_object_ownership(o.as_str()),
            ])
        });
        let cfn = CfnBucket::new(&node, "Resource", bucket_props);
        let resource = cfn.resource();
        if props.event_bridge_enabled {
            enable_event_bridge(&cfn);
        }
        match props.removal_policy {
            Some(RemovalPolicy::Snapshot) => node.add_error(
                "AWS::S3::Bucket does not support snapshot removal policy; use RemovalPolicy::Retain or RemovalPolicy::Destroy",
            ),
            policy => resource.apply_removal_policy(policy.unwrap_or(RemovalPolicy::Retain)),
        }
        let (region, url_suffix) = stack_of(&node).map_or((Str::default(), Str::default()), |s| {
            (s.region(), s.url_suffix())
        });
        let bucket = Bucket {
            name: cfn.reference(),
            arn: cfn.attr_arn(),
            node,
            region,
            url_suffix,
            cfn: Some(cfn),
            encryption_key,
            policy: Some(Rc::new(RefCell::new(None))),
        };
        if props.enforce_ssl {
            bucket.deny_all_when("Bool", cfn!({"aws:SecureTransport": "false"}));
            if let Some(version) = props.minimum_tls_version {
                bucket.deny_all_when("NumericLessThan", cfn!({"s3:TlsVersion": version}));
            }
        } else if props.minimum_tls_version.is_some() {
            bucket
                .node
                .add_error("'enforceSSL' must be enabled for 'minimumTLSVersion' to be applied");
        }
        if props.public_read_access {
            match props.block_public_access {
                None => bucket.node.add_error(
                    "Cannot use 'publicReadAccess' property on a bucket without allowing bucket-level public access through 'blockPublicAccess' property.",
                ),
                Some(block) if block.block_public_policy == Some(true) => bucket
                    .node
                    .add_error("Cannot grant public access when 'blockPublicPolicy' is enabled"),
                Some(_) => {
                    bucket.add_to_resource_policy(
                        PolicyStatement::allow()
                            .action("s3:GetObject")
                            .principal(Principal::arn("*"))
                            .resource(bucket.arn_for_objects("*")),
                    );
                }
            }
        }
        bucket
    }

    /// Denies every action on the bucket and its objects to anyone when `operator`'s
    /// `condition` holds (the CDK's `enforceSSL` and `minimumTLSVersion` statements).
    fn deny_all_when(&self, operator: &str, condition: Value) {
        self.add_to_resource_policy(
            PolicyStatement::deny()
                .action("s3:*")
                .condition(operator, condition)
                .principal(Principal::arn("*"))
                .resources([self.bucket_arn(), self.arn_for_objects("*")]),
        );
    }

    /// An existing bucket by name; a literal name that S3 would reject is an error at the
    /// import's path (see [`bucket_name_problems`]).
    pub fn from_bucket_name(scope: &impl Scope, id: &str, name: impl Into<Str>) -> Bucket {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_s3.ImportedBucket");
        let name = name.into();
        if let Some(literal) = name.as_literal() {
            for problem in bucket_name_problems(&literal) {
                node.add_error(problem);
            }
        }
        let stack = stack_of(&node);
        let arn = stack.as_ref().map_or_else(Str::default, |s| {
            s.format_arn(
                ArnComponents::new("s3", "")
                    .with_region("")
                    .with_account("")
                    .with_separator("")
                    .with_resource_name(name.clone()),
            )
        });
        let (region, url_suffix) = stack.map_or((Str::default(), Str::default()), |s| {
            (s.region(), s.url_suffix())
        });
        Bucket {
            node,
            name,
            arn,
            region,
            url_suffix,
            cfn: None,
            encryption_key: None,
            policy: None,
        }
    }

    /// The bucket's name.
    pub fn bucket_name(&self) -> Str {
        self.name.clone()
    }

    /// The bucket's ARN.
    pub fn bucket_arn(&self) -> Str {
        self.arn.clone()
    }

    /// ARN of the objects matching `pattern` (e.g. `*` or `models/*`).
    pub fn arn_for_objects(&self, pattern: &str) -> Str {
        self.arn.clone() + "/" + pattern
    }

    /// `https://s3.<region>.<urlSuffix>/<bucket>/<key>`.
    pub fn url_for_object(&self, key: &str) -> Str {
        Str::from("https://s3.")
            + self.region.clone()
            + "."
            + self.url_suffix.clone()
            + "/"
            + self.name.clone()
            + "/"
            + key
    }

    /// `s3://<bucket>/<key>`.
    pub fn s3_url_for_object(&self, key: &str) -> Str {
        Str::from("s3://") + self.name.clone() + "/" + key
    }

    /// The `AWS::S3::Bucket` resource of a new bucket.
    pub fn resource(&self) -> Option<&CfnResource> {
        self.cfn.as_ref().map(CfnBucket::resource)
    }

    /// The typed `AWS::S3::Bucket` of a new bucket, whose props can be read and changed until
    /// synthesis.
    pub fn cfn_bucket(&self) -> Option<&CfnBucket> {
        self.cfn.as_ref()
    }

    /// The key encrypting the objects of a new bucket with [`BucketEncryption::Kms`] or
    /// [`BucketEncryption::Dsse`] (given or created).
    pub fn encryption_key(&self) -> Option<&Key> {
        self.encryption_key.as_ref()
    }

    /// Sends a new bucket's events to Amazon EventBridge (as `event_bridge_enabled` does);
    /// `false` for an imported bucket, whose notifications are not the app's.
    pub fn enable_event_bridge_notification(&self) -> bool {
        match &self.cfn {
            Some(cfn) => {
                enable_event_bridge(cfn);
                true
            }
            None => false,
        }
    }

    /// The bucket policy, once a statement was added to it.
    pub fn policy(&self) -> Option<BucketPolicy> {
        self.policy.as_ref().and_then(|p| p.borrow().clone())
    }

    /// Adds a statement to the bucket policy of a new bucket (creating `<id>/Policy` on first
    /// use); `false` for an imported bucket, whose policy is not the app's, as in the CDK.
    pub fn add_to_resource_policy(&self, statement: PolicyStatement) -> bool {
        let Some(slot) = &self.policy else {
            return false;
        };
        let existing = slot.borrow().clone();
        let policy = existing.unwrap_or_else(|| {
            let created = BucketPolicy::new(self);
            *slot.borrow_mut() = Some(created.clone());
            created
        });
        policy.document.add_statement(statement);
        true
    }

    /// Allows reading objects (and listing) under `objects_pattern` (default `*`), and
    /// decrypting with the bucket's encryption key when it has one. An empty pattern, which IAM accepts but which matches no object, is a warning at the bucket.
    pub fn grant_read(&self, grantee: &dyn Grantable, objects_pattern: Option<&str>) -> bool {
        if objects_pattern == Some("") {
            self.node.add_warning(
                "`grant_read` objects pattern is empty, which matches no object; use '*' for every object or a prefix such as 'models/*'",
            );
        }
        let granted = Grant::add_to_principal(
            grantee,
            ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
            [
                self.bucket_arn(),
                self.arn_for_objects(objects_pattern.unwrap_or("*")),
            ],
        );
        if let Some(key) = &self.encryption_key {
            Grant::add_to_principal(grantee, ["kms:Decrypt", "kms:DescribeKey"], [key.key_arn()]);
        }
        granted
    }

    /// Allows writing objects under `objects_pattern` (e.g. `outputs/*`), as the AWS CDK's
    /// `grantPut` does, and encrypting with the bucket's encryption key when it has one
    /// (decrypting too: multipart uploads read their parts back). An empty pattern is a warning
    /// at the bucket, as for [`grant_read`](Self::grant_read).
    pub fn grant_put(&self, grantee: &dyn Grantable, objects_pattern: &str) -> bool {
        if objects_pattern.is_empty() {
            self.node.add_warning(
                "`grant_put` objects pattern is empty, which matches no object; use '*' for every object or a prefix such as 'outputs/*'",
            );
        }
        let granted = Grant::add_to_principal(
            grantee,
            [
                "s3:PutObject",
                "s3:PutObjectLegalHold",
                "s3:PutObjectRetention",
                "s3:PutObjectTagging",
                "s3:PutObjectVersionTagging",
                "s3:Abort*",
            ],
            [self.arn_for_objects(objects_pattern)],
        );
        if let Some(key) = &self.encryption_key {
            Grant::add_to_principal(
                grantee,
                [
                    "kms:Encrypt",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Decrypt",
                ],
                [key.key_arn()],
            );
        }
        granted
    }
}

/// Turns on the bucket's EventBridge notifications, keeping its other notifications.
fn enable_event_bridge(cfn: &CfnBucket) {
    cfn.update(|props| {
        let notifications = props
            .notification_configuration
            .get_or_insert_with(NotificationConfiguration::new);
        notifications.event_bridge_configuration = Some(EventBridgeConfiguration::new(true));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use sagecdk_core::{App, StackProps};

    #[test]
    fn bucket_names_follow_the_s3_rules() {
        for good in ["abc", "my.bucket-1", "1bucket", &"a".repeat(63)] {
            assert!(bucket_name_problems(good).is_empty(), "{good}");
        }
        let cases: [(&str, &[&str]); 9] = [
            (
                "ab",
                &["bucket name 'ab' is 2 characters; it must be 3 to 63 characters"],
            ),
            (
                "",
                &["bucket name '' is 0 characters; it must be 3 to 63 characters"],
            ),
            (
                "My_Bucket",
                &[
                    "bucket name 'My_Bucket' must contain only lowercase letters, digits, periods (.) and hyphens (-)",
                    "bucket name 'My_Bucket' must begin and end with a lowercase letter or digit",
                ],
            ),
            (
                "-bucket",
                &["bucket name '-bucket' must begin and end with a lowercase letter or digit"],
            ),
            (
                "my..bucket",
                &["bucket name 'my..bucket' must not contain two adjacent periods"],
            ),
            (
                "192.168.5.4",
                &["bucket name '192.168.5.4' must not be formatted as an IP address"],
            ),
            (
                "xn--bucket",
                &["bucket name 'xn--bucket' must not start with 'xn--'"],
            ),
            (
                "data-s3alias",
                &[
                    "bucket name 'data-s3alias' must not end with '-s3alias' (reserved for access point aliases)",
                ],
            ),
            (
                "data--ol-s3",
                &[
                    "bucket name 'data--ol-s3' must not end with '--ol-s3' (reserved for access point aliases)",
                ],
            ),
        ];
        for (name, expected) in cases {
            assert_eq!(bucket_name_problems(name), expected, "{name}");
        }
    }

    #[test]
    fn an_empty_read_pattern_is_a_warning() {
        let app = App::for_tests();
        let stack = Stack::new(&app, "S", StackProps::default());
        let bucket = Bucket::from_bucket_name(&stack, "Data", "model-data");
        let role = crate::iam::Role::new(
            &stack,
            "Role",
            crate::iam::RoleProps::new(crate::iam::Principal::service("sagemaker.amazonaws.com")),
        );
        bucket.grant_read(&role, Some(""));
        bucket.grant_read(&role, Some("models/*"));
        let assembly = app.assemble().expect("synthesizes");
        let warnings: Vec<String> = assembly
            .warnings()
            .map(|m| format!("[{}] {}", m.path, m.message))
            .collect();
        assert_eq!(
            warnings,
            [
                "[S/Data] `grant_read` objects pattern is empty, which matches no object; use '*' for every object or a prefix such as 'models/*'"
            ]
        );
    }

    #[test]
    fn imported_bucket_names_are_checked_at_the_import() {
        let app = App::for_tests();
        let stack = Stack::new(&app, "S", StackProps::default());
        Bucket::from_bucket_name(&stack, "Good", "model-data");
        Bucket::from_bucket_name(&stack, "Bad", "Model_Data");
        // A name only known at deploy time is not checked.
        Bucket::from_bucket_name(&stack, "Later", sagecdk_core::Aws::stack_name());
        let errors: Vec<String> = app
            .assemble()
            .expect_err("invalid")
            .diagnostics()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errors,
            [
                "[S/Bad] bucket name 'Model_Data' must contain only lowercase letters, digits, periods (.) and hyphens (-)",
                "[S/Bad] bucket name 'Model_Data' must begin and end with a lowercase letter or digit",
            ]
        );
    }
}
