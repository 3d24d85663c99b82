//! `Bucket` props render as the AWS CDK's `s3.Bucket` renders the same props: each expected
//! `Resources` section below is what AWS CDK 2.276.0 synthesizes for the same construct tree
//! (stack `Default`; `tests/fixtures/cdk-golden/buckets/cases.js` prints them), for the case of
//! the CDK's `aws-s3` tests named in the comment
//! (`bucket.test.ts`, or `rules.test.ts` for lifecycle rules). What the CDK rejects is an error
//! at the bucket's path.

use sagecdk_assertions::Template;
use sagecdk_aws::iam::{Principal, Role, RoleProps};
use sagecdk_aws::kms::{Key, KeyProps};
use sagecdk_aws::s3::{
    BlockPublicAccess, Bucket, BucketEncryption, BucketProps, LifecycleRule,
    NoncurrentVersionTransition, ObjectOwnership, StorageClass, Transition,
};
use sagecdk_core::{App, IndexMap, RemovalPolicy, Stack, StackProps};

/// The stack of the CDK's `new cdk.Stack()` in its tests.
fn stack(app: &App) -> Stack {
    Stack::new(app, "Default", StackProps::default())
}

/// Asserts that the stack's resources are, byte for byte, the CDK's `expected`.
fn assert_resources(stack: &Stack, expected: &str) {
    let template = Template::from_stack(stack).to_json();
    let expected: serde_json::Value = serde_json::from_str(expected).expect("expected JSON");
    assert_eq!(template["Resources"].to_string(), expected.to_string());
}

/// Builds one bucket `id` with `props` and asserts the CDK's resources.
fn assert_bucket(id: &str, props: BucketProps, expected: &str) {
    let app = App::for_tests();
    let s = stack(&app);
    Bucket::new(&s, id, props);
    assert_resources(&s, expected);
}

/// For each `(value, expected)`: builds the bucket `MyBucket` with `props(value)` and asserts
/// the CDK's resources.
fn assert_my_buckets<T>(
    props: impl Fn(T) -> BucketProps,
    cases: impl IntoIterator<Item = (T, &'static str)>,
) {
    for (value, expected) in cases {
        assert_bucket("MyBucket", props(value), expected);
    }
}

/// The errors of synthesizing `app`, each with its path.
fn errors(app: &App) -> Vec<String> {
    app.assemble()
        .expect_err("invalid")
        .diagnostics()
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// Builds one bucket `id` with `props` and returns the errors of synthesizing it.
fn bucket_errors(id: &str, props: BucketProps) -> Vec<String> {
    let app = App::for_tests();
    Bucket::new(&stack(&app), id, props);
    errors(&app)
}

fn hello_key(s: &Stack) -> Key {
    Key::new(
        s,
        "MyKey",
        KeyProps {
            description: Some("hello, world".into()),
            ..KeyProps::default()
        },
    )
}

// 'default bucket'
#[test]
fn default_bucket_is_retained() {
    assert_bucket(
        "MyBucket",
        BucketProps::default(),
        r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
    );
}

// 'valid bucket names'
#[test]
fn bucket_name() {
    assert_bucket(
        "MyBucket",
        BucketProps {
            bucket_name: Some("abc.xyz-34ab".into()),
            ..BucketProps::default()
        },
        r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"BucketName":"abc.xyz-34ab"},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
    );
}

// 'bucket with versioning turned on'
#[test]
fn versioned() {
    assert_bucket(
        "MyBucket",
        BucketProps {
            versioned: true,
            ..BucketProps::default()
        },
        r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"VersioningConfiguration":{"Status":"Enabled"}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
    );
}

// 'bucket with S3_MANAGED encryption', 'bucket with KMS_MANAGED encryption',
// 'bucket with DSSE_MANAGED encryption'
#[test]
fn managed_encryption() {
    assert_my_buckets(
        |encryption| BucketProps {
            encryption: Some(encryption),
            ..BucketProps::default()
        },
        [
            (
                BucketEncryption::S3Managed,
                r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"BucketEncryption":{"ServerSideEncryptionConfiguration":[{"ServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
            ),
            (
                BucketEncryption::KmsManaged,
                r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"BucketEncryption":{"ServerSideEncryptionConfiguration":[{"ServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"}}]}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
            ),
            (
                BucketEncryption::DsseManaged,
                r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"BucketEncryption":{"ServerSideEncryptionConfiguration":[{"ServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms:dsse"}}]}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
            ),
        ],
    );
}

// 'KMS key is generated if encryption is KMS and no encryptionKey is specified'
#[test]
fn kms_encryption_creates_a_rotated_key() {
    assert_bucket(
        "MyBucket",
        BucketProps {
            encryption: Some(BucketEncryption::Kms),
            ..BucketProps::default()
        },
        r#"{"MyBucketKeyC17130CF":{"Type":"AWS::KMS::Key","Properties":{"Description":"Created by Default/MyBucket","EnableKeyRotation":true,"KeyPolicy":{"Statement":[{"Action":"kms:*","Effect":"Allow","Principal":{"AWS":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::",{"Ref":"AWS::AccountId"},":root"]]}},"Resource":"*"}],"Version":"2012-10-17"}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"},"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"BucketEncryption":{"ServerSideEncryptionConfiguration":[{"ServerSideEncryptionByDefault":{"KMSMasterKeyID":{"Fn::GetAtt":["MyBucketKeyC17130CF","Arn"]},"SSEAlgorithm":"aws:kms"}}]}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
    );
}

// DSSE without a key: the CDK creates `<bucket>/Key` as for KMS, without rotation.
#[test]
fn dsse_encryption_creates_a_key() {
    assert_bucket(
        "MyBucket",
        BucketProps {
            encryption: Some(BucketEncryption::Dsse),
            ..BucketProps::default()
        },
        r#"{"MyBucketKeyC17130CF":{"Type":"AWS::KMS::Key","Properties":{"Description":"Created by Default/MyBucket","KeyPolicy":{"Statement":[{"Action":"kms:*","Effect":"Allow","Principal":{"AWS":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::",{"Ref":"AWS::AccountId"},":root"]]}},"Resource":"*"}],"Version":"2012-10-17"}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"},"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"BucketEncryption":{"ServerSideEncryptionConfiguration":[{"ServerSideEncryptionByDefault":{"KMSMasterKeyID":{"Fn::GetAtt":["MyBucketKeyC17130CF","Arn"]},"SSEAlgorithm":"aws:kms:dsse"}}]}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
    );
}

// 'encryptionKey can specify kms key', 'dsse encryptionKey can specify kms key'
#[test]
fn encryption_key() {
    for (encryption, expected) in [
        (
            Some(BucketEncryption::Kms),
            r#"{"MyKey6AB29FA6":{"Type":"AWS::KMS::Key","Properties":{"Description":"hello, world","KeyPolicy":{"Statement":[{"Action":"kms:*","Effect":"Allow","Principal":{"AWS":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::",{"Ref":"AWS::AccountId"},":root"]]}},"Resource":"*"}],"Version":"2012-10-17"}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"},"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"BucketEncryption":{"ServerSideEncryptionConfiguration":[{"ServerSideEncryptionByDefault":{"KMSMasterKeyID":{"Fn::GetAtt":["MyKey6AB29FA6","Arn"]},"SSEAlgorithm":"aws:kms"}}]}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
        ),
        (
            Some(BucketEncryption::Dsse),
            r#"{"MyKey6AB29FA6":{"Type":"AWS::KMS::Key","Properties":{"Description":"hello, world","KeyPolicy":{"Statement":[{"Action":"kms:*","Effect":"Allow","Principal":{"AWS":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::",{"Ref":"AWS::AccountId"},":root"]]}},"Resource":"*"}],"Version":"2012-10-17"}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"},"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"BucketEncryption":{"ServerSideEncryptionConfiguration":[{"ServerSideEncryptionByDefault":{"KMSMasterKeyID":{"Fn::GetAtt":["MyKey6AB29FA6","Arn"]},"SSEAlgorithm":"aws:kms:dsse"}}]}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
        ),
        // `encryption` defaults to KMS when a key is given.
        (
            None,
            r#"{"MyKey6AB29FA6":{"Type":"AWS::KMS::Key","Properties":{"Description":"hello, world","KeyPolicy":{"Statement":[{"Action":"kms:*","Effect":"Allow","Principal":{"AWS":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::",{"Ref":"AWS::AccountId"},":root"]]}},"Resource":"*"}],"Version":"2012-10-17"}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"},"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"BucketEncryption":{"ServerSideEncryptionConfiguration":[{"ServerSideEncryptionByDefault":{"KMSMasterKeyID":{"Fn::GetAtt":["MyKey6AB29FA6","Arn"]},"SSEAlgorithm":"aws:kms"}}]}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
        ),
    ] {
        let app = App::for_tests();
        let s = stack(&app);
        let key = hello_key(&s);
        Bucket::new(
            &s,
            "MyBucket",
            BucketProps {
                encryption,
                encryption_key: Some(key),
                ..BucketProps::default()
            },
        );
        assert_resources(&s, expected);
    }
}

// 'bucketKeyEnabled can be enabled with %p encryption', 'bucketKeyEnabled can be enabled with
// SSE-S3'; an explicit `false` is written too
#[test]
fn bucket_key_enabled() {
    assert_my_buckets(
        |(encryption, enabled)| BucketProps {
            encryption: Some(encryption),
            bucket_key_enabled: Some(enabled),
            ..BucketProps::default()
        },
        [
            (
                (BucketEncryption::KmsManaged, true),
                r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"BucketEncryption":{"ServerSideEncryptionConfiguration":[{"BucketKeyEnabled":true,"ServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"}}]}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
            ),
            (
                (BucketEncryption::S3Managed, true),
                r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"BucketEncryption":{"ServerSideEncryptionConfiguration":[{"BucketKeyEnabled":true,"ServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
            ),
            (
                (BucketEncryption::Kms, true),
                r#"{"MyBucketKeyC17130CF":{"Type":"AWS::KMS::Key","Properties":{"Description":"Created by Default/MyBucket","EnableKeyRotation":true,"KeyPolicy":{"Statement":[{"Action":"kms:*","Effect":"Allow","Principal":{"AWS":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::",{"Ref":"AWS::AccountId"},":root"]]}},"Resource":"*"}],"Version":"2012-10-17"}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"},"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"BucketEncryption":{"ServerSideEncryptionConfiguration":[{"BucketKeyEnabled":true,"ServerSideEncryptionByDefault":{"KMSMasterKeyID":{"Fn::GetAtt":["MyBucketKeyC17130CF","Arn"]},"SSEAlgorithm":"aws:kms"}}]}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
            ),
            (
                (BucketEncryption::KmsManaged, false),
                r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"BucketEncryption":{"ServerSideEncryptionConfiguration":[{"BucketKeyEnabled":false,"ServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"}}]}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
            ),
        ],
    );
}

// 'bucket with block public access set to BlockAll', '… set to BlockAcls', 'bucket with custom
// block public access setting'
#[test]
fn block_public_access() {
    assert_my_buckets(
        |block| BucketProps {
            block_public_access: Some(block),
            ..BucketProps::default()
        },
        [
            (
                BlockPublicAccess::BLOCK_ALL,
                r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
            ),
            (
                BlockPublicAccess::BLOCK_ACLS,
                r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"IgnorePublicAcls":true}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
            ),
            (
                BlockPublicAccess::BLOCK_ACLS_ONLY,
                r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"BlockPublicPolicy":false,"IgnorePublicAcls":true,"RestrictPublicBuckets":false}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
            ),
            (
                BlockPublicAccess {
                    restrict_public_buckets: Some(true),
                    ..BlockPublicAccess::default()
                },
                r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"PublicAccessBlockConfiguration":{"RestrictPublicBuckets":true}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
            ),
            (
                BlockPublicAccess {
                    block_public_policy: Some(false),
                    restrict_public_buckets: Some(true),
                    ..BlockPublicAccess::default()
                },
                r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"PublicAccessBlockConfiguration":{"BlockPublicPolicy":false,"RestrictPublicBuckets":true}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
            ),
        ],
    );
}

// 'enforceSsl can be enabled'
#[test]
fn enforce_ssl() {
    assert_bucket(
        "MyBucket",
        BucketProps {
            enforce_ssl: true,
            ..BucketProps::default()
        },
        r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"},"MyBucketPolicyE7FBAC7B":{"Type":"AWS::S3::BucketPolicy","Properties":{"Bucket":{"Ref":"MyBucketF68F3FF0"},"PolicyDocument":{"Statement":[{"Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}},"Effect":"Deny","Principal":{"AWS":"*"},"Resource":[{"Fn::GetAtt":["MyBucketF68F3FF0","Arn"]},{"Fn::Join":["",[{"Fn::GetAtt":["MyBucketF68F3FF0","Arn"]},"/*"]]}]}],"Version":"2012-10-17"}}}}"#,
    );
}

// 'with minimumTLSVersion'
#[test]
fn minimum_tls_version() {
    assert_bucket(
        "MyBucket",
        BucketProps {
            enforce_ssl: true,
            minimum_tls_version: Some(1.2),
            ..BucketProps::default()
        },
        r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"},"MyBucketPolicyE7FBAC7B":{"Type":"AWS::S3::BucketPolicy","Properties":{"Bucket":{"Ref":"MyBucketF68F3FF0"},"PolicyDocument":{"Statement":[{"Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}},"Effect":"Deny","Principal":{"AWS":"*"},"Resource":[{"Fn::GetAtt":["MyBucketF68F3FF0","Arn"]},{"Fn::Join":["",[{"Fn::GetAtt":["MyBucketF68F3FF0","Arn"]},"/*"]]}]},{"Action":"s3:*","Condition":{"NumericLessThan":{"s3:TlsVersion":1.2}},"Effect":"Deny","Principal":{"AWS":"*"},"Resource":[{"Fn::GetAtt":["MyBucketF68F3FF0","Arn"]},{"Fn::Join":["",[{"Fn::GetAtt":["MyBucketF68F3FF0","Arn"]},"/*"]]}]}],"Version":"2012-10-17"}}}}"#,
    );
}

// 'removal policy can be used to specify behavior upon delete for an S3_MANAGED bucket';
// 'with autoDeleteObjects' (DESTROY)
#[test]
fn removal_policy() {
    assert_my_buckets(
        |policy| BucketProps {
            removal_policy: Some(policy),
            ..BucketProps::default()
        },
        [
            (
                RemovalPolicy::Destroy,
                r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","UpdateReplacePolicy":"Delete","DeletionPolicy":"Delete"}}"#,
            ),
            (
                RemovalPolicy::RetainOnUpdateOrDelete,
                r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","UpdateReplacePolicy":"Retain","DeletionPolicy":"RetainExceptOnCreate"}}"#,
            ),
            (
                RemovalPolicy::Retain,
                r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
            ),
        ],
    );
}

// rules.test.ts: 'Bucket with expiration days', 'Bucket with transition rule', 'Noncurrent
// expiration rule with versions to retain'
#[test]
fn lifecycle_rules_of_the_cdk_tests() {
    assert_bucket(
        "Bucket",
        BucketProps {
            lifecycle_rules: vec![LifecycleRule {
                expiration_days: Some(30),
                ..LifecycleRule::default()
            }],
            ..BucketProps::default()
        },
        r#"{"Bucket83908E77":{"Type":"AWS::S3::Bucket","Properties":{"LifecycleConfiguration":{"Rules":[{"ExpirationInDays":30,"Status":"Enabled"}]}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
    );
    assert_bucket(
        "Bucket",
        BucketProps {
            lifecycle_rules: vec![LifecycleRule {
                transitions: vec![Transition {
                    storage_class: StorageClass::Glacier,
                    after_days: 30,
                }],
                ..LifecycleRule::default()
            }],
            ..BucketProps::default()
        },
        r#"{"Bucket83908E77":{"Type":"AWS::S3::Bucket","Properties":{"LifecycleConfiguration":{"Rules":[{"Status":"Enabled","Transitions":[{"StorageClass":"GLACIER","TransitionInDays":30}]}]}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
    );
    assert_bucket(
        "Bucket1",
        BucketProps {
            lifecycle_rules: vec![LifecycleRule {
                noncurrent_version_expiration_days: Some(10),
                noncurrent_versions_to_retain: Some(1),
                noncurrent_version_transitions: vec![NoncurrentVersionTransition {
                    storage_class: StorageClass::GlacierInstantRetrieval,
                    after_days: 10,
                    versions_to_retain: None,
                }],
                ..LifecycleRule::default()
            }],
            ..BucketProps::default()
        },
        r#"{"Bucket12520700A":{"Type":"AWS::S3::Bucket","Properties":{"LifecycleConfiguration":{"Rules":[{"NoncurrentVersionExpiration":{"NewerNoncurrentVersions":1,"NoncurrentDays":10},"NoncurrentVersionTransitions":[{"StorageClass":"GLACIER_IR","TransitionInDays":10}],"Status":"Enabled"}]}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
    );
}

// Every lifecycle option together, in several rules (rules.test.ts: 'Bucket with
// expiredObjectDeleteMarker', 'Noncurrent transistion rule with versions to retain').
#[test]
fn lifecycle_rules_with_every_option() {
    assert_bucket(
        "Bucket",
        BucketProps {
            versioned: true,
            lifecycle_rules: vec![
                LifecycleRule {
                    id: Some("Logs".into()),
                    prefix: Some("logs/".into()),
                    tag_filters: IndexMap::from([
                        ("team".to_string(), "ml".to_string()),
                        ("stage".to_string(), "raw".to_string()),
                    ]),
                    expiration_days: Some(365),
                    abort_incomplete_multipart_upload_after_days: Some(7),
                    transitions: vec![
                        Transition {
                            storage_class: StorageClass::InfrequentAccess,
                            after_days: 30,
                        },
                        Transition {
                            storage_class: StorageClass::Glacier,
                            after_days: 90,
                        },
                    ],
                    noncurrent_version_expiration_days: Some(60),
                    noncurrent_versions_to_retain: Some(3),
                    noncurrent_version_transitions: vec![NoncurrentVersionTransition {
                        storage_class: StorageClass::GlacierInstantRetrieval,
                        after_days: 10,
                        versions_to_retain: Some(1),
                    }],
                    ..LifecycleRule::default()
                },
                LifecycleRule {
                    enabled: false,
                    expired_object_delete_marker: Some(true),
                    ..LifecycleRule::default()
                },
                LifecycleRule {
                    noncurrent_version_expiration_days: Some(10),
                    ..LifecycleRule::default()
                },
            ],
            ..BucketProps::default()
        },
        r#"{"Bucket83908E77":{"Type":"AWS::S3::Bucket","Properties":{"LifecycleConfiguration":{"Rules":[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7},"ExpirationInDays":365,"Id":"Logs","NoncurrentVersionExpiration":{"NewerNoncurrentVersions":3,"NoncurrentDays":60},"NoncurrentVersionTransitions":[{"NewerNoncurrentVersions":1,"StorageClass":"GLACIER_IR","TransitionInDays":10}],"Prefix":"logs/","Status":"Enabled","TagFilters":[{"Key":"team","Value":"ml"},{"Key":"stage","Value":"raw"}],"Transitions":[{"StorageClass":"STANDARD_IA","TransitionInDays":30},{"StorageClass":"GLACIER","TransitionInDays":90}]},{"ExpiredObjectDeleteMarker":true,"Status":"Disabled"},{"NoncurrentVersionExpiration":{"NoncurrentDays":10},"Status":"Enabled"}]},"VersioningConfiguration":{"Status":"Enabled"}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
    );
}

// 'Bucket with objectOwnership set to BUCKET_OWNER_ENFORCED', '… BUCKET_OWNER_PREFERRED',
// '… OBJECT_WRITER'
#[test]
fn object_ownership() {
    assert_my_buckets(
        |ownership| BucketProps {
            object_ownership: Some(ownership),
            ..BucketProps::default()
        },
        [
            (
                ObjectOwnership::BucketOwnerEnforced,
                r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"OwnershipControls":{"Rules":[{"ObjectOwnership":"BucketOwnerEnforced"}]}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
            ),
            (
                ObjectOwnership::BucketOwnerPreferred,
                r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"OwnershipControls":{"Rules":[{"ObjectOwnership":"BucketOwnerPreferred"}]}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
            ),
            (
                ObjectOwnership::ObjectWriter,
                r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"OwnershipControls":{"Rules":[{"ObjectOwnership":"ObjectWriter"}]}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"}}"#,
            ),
        ],
    );
}

// 'grantPublicAccess' › 'by default, grants s3:GetObject to all objects', through the
// `publicReadAccess` prop (which needs block public access that allows public policies)
#[test]
fn public_read_access() {
    assert_bucket(
        "MyBucket",
        BucketProps {
            public_read_access: true,
            block_public_access: Some(BlockPublicAccess::BLOCK_ACLS),
            ..BucketProps::default()
        },
        r#"{"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"IgnorePublicAcls":true}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"},"MyBucketPolicyE7FBAC7B":{"Type":"AWS::S3::BucketPolicy","Properties":{"Bucket":{"Ref":"MyBucketF68F3FF0"},"PolicyDocument":{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Principal":{"AWS":"*"},"Resource":{"Fn::Join":["",[{"Fn::GetAtt":["MyBucketF68F3FF0","Arn"]},"/*"]]}}],"Version":"2012-10-17"}}}}"#,
    );
}

// Every prop at once: the key is created before the bucket, the policy after it, with its
// statements in the CDK's order (TLS statements, then public read).
#[test]
fn every_prop_together() {
    assert_bucket(
        "Data",
        BucketProps {
            bucket_name: Some("model-data".into()),
            versioned: true,
            encryption: Some(BucketEncryption::Kms),
            bucket_key_enabled: Some(true),
            block_public_access: Some(BlockPublicAccess::BLOCK_ACLS),
            enforce_ssl: true,
            minimum_tls_version: Some(1.2),
            public_read_access: true,
            removal_policy: Some(RemovalPolicy::Destroy),
            object_ownership: Some(ObjectOwnership::BucketOwnerEnforced),
            lifecycle_rules: vec![LifecycleRule {
                id: Some("Tmp".into()),
                prefix: Some("tmp/".into()),
                expiration_days: Some(1),
                ..LifecycleRule::default()
            }],
            ..BucketProps::default()
        },
        r#"{"DataKey5F086070":{"Type":"AWS::KMS::Key","Properties":{"Description":"Created by Default/Data","EnableKeyRotation":true,"KeyPolicy":{"Statement":[{"Action":"kms:*","Effect":"Allow","Principal":{"AWS":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::",{"Ref":"AWS::AccountId"},":root"]]}},"Resource":"*"}],"Version":"2012-10-17"}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"},"Data666C94C7":{"Type":"AWS::S3::Bucket","Properties":{"BucketEncryption":{"ServerSideEncryptionConfiguration":[{"BucketKeyEnabled":true,"ServerSideEncryptionByDefault":{"KMSMasterKeyID":{"Fn::GetAtt":["DataKey5F086070","Arn"]},"SSEAlgorithm":"aws:kms"}}]},"BucketName":"model-data","LifecycleConfiguration":{"Rules":[{"ExpirationInDays":1,"Id":"Tmp","Prefix":"tmp/","Status":"Enabled"}]},"OwnershipControls":{"Rules":[{"ObjectOwnership":"BucketOwnerEnforced"}]},"PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"IgnorePublicAcls":true},"VersioningConfiguration":{"Status":"Enabled"}},"UpdateReplacePolicy":"Delete","DeletionPolicy":"Delete"},"DataPolicyB80589C3":{"Type":"AWS::S3::BucketPolicy","Properties":{"Bucket":{"Ref":"Data666C94C7"},"PolicyDocument":{"Statement":[{"Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}},"Effect":"Deny","Principal":{"AWS":"*"},"Resource":[{"Fn::GetAtt":["Data666C94C7","Arn"]},{"Fn::Join":["",[{"Fn::GetAtt":["Data666C94C7","Arn"]},"/*"]]}]},{"Action":"s3:*","Condition":{"NumericLessThan":{"s3:TlsVersion":1.2}},"Effect":"Deny","Principal":{"AWS":"*"},"Resource":[{"Fn::GetAtt":["Data666C94C7","Arn"]},{"Fn::Join":["",[{"Fn::GetAtt":["Data666C94C7","Arn"]},"/*"]]}]},{"Action":"s3:GetObject","Effect":"Allow","Principal":{"AWS":"*"},"Resource":{"Fn::Join":["",[{"Fn::GetAtt":["Data666C94C7","Arn"]},"/*"]]}}],"Version":"2012-10-17"}}}}"#,
    );
}

// `grantRead` on a bucket with a key of the app also allows decrypting with the key.
#[test]
fn read_grants_include_the_encryption_key() {
    let app = App::for_tests();
    let s = stack(&app);
    let bucket = Bucket::new(
        &s,
        "MyBucket",
        BucketProps {
            encryption: Some(BucketEncryption::Kms),
            ..BucketProps::default()
        },
    );
    let role = Role::new(
        &s,
        "Role",
        RoleProps::new(Principal::service("sagemaker.amazonaws.com")),
    );
    assert!(bucket.grant_read(&role, None));
    assert_resources(
        &s,
        r#"{"MyBucketKeyC17130CF":{"Type":"AWS::KMS::Key","Properties":{"Description":"Created by Default/MyBucket","EnableKeyRotation":true,"KeyPolicy":{"Statement":[{"Action":"kms:*","Effect":"Allow","Principal":{"AWS":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::",{"Ref":"AWS::AccountId"},":root"]]}},"Resource":"*"}],"Version":"2012-10-17"}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"},"MyBucketF68F3FF0":{"Type":"AWS::S3::Bucket","Properties":{"BucketEncryption":{"ServerSideEncryptionConfiguration":[{"ServerSideEncryptionByDefault":{"KMSMasterKeyID":{"Fn::GetAtt":["MyBucketKeyC17130CF","Arn"]},"SSEAlgorithm":"aws:kms"}}]}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain"},"Role1ABCC5F0":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"}}],"Version":"2012-10-17"}}},"RoleDefaultPolicy5FFB7DAB":{"Type":"AWS::IAM::Policy","Properties":{"PolicyDocument":{"Statement":[{"Action":["s3:GetObject*","s3:GetBucket*","s3:List*"],"Effect":"Allow","Resource":[{"Fn::GetAtt":["MyBucketF68F3FF0","Arn"]},{"Fn::Join":["",[{"Fn::GetAtt":["MyBucketF68F3FF0","Arn"]},"/*"]]}]},{"Action":["kms:Decrypt","kms:DescribeKey"],"Effect":"Allow","Resource":{"Fn::GetAtt":["MyBucketKeyC17130CF","Arn"]}}],"Version":"2012-10-17"},"PolicyName":"RoleDefaultPolicy5FFB7DAB","Roles":[{"Ref":"Role1ABCC5F0"}]}}}"#,
    );
}

// 'fails if encryption key is used with managed encryption', '… with encryption set to
// S3_MANAGED', 'bucketKeyEnabled can NOT be enabled with encryption undefined'
#[test]
fn encryption_props_the_cdk_rejects() {
    let app = App::for_tests();
    let s = stack(&app);
    let key = hello_key(&s);
    for (id, encryption) in [
        ("S3", BucketEncryption::S3Managed),
        ("KmsManaged", BucketEncryption::KmsManaged),
        ("DsseManaged", BucketEncryption::DsseManaged),
    ] {
        Bucket::new(
            &s,
            id,
            BucketProps {
                encryption: Some(encryption),
                encryption_key: Some(key.clone()),
                ..BucketProps::default()
            },
        );
    }
    Bucket::new(
        &s,
        "MyBucket3",
        BucketProps {
            bucket_key_enabled: Some(true),
            ..BucketProps::default()
        },
    );
    assert_eq!(
        errors(&app),
        [
            "[Default/S3] encryptionKey is specified, so 'encryption' must be set to KMS or DSSE (value: S3_MANAGED)",
            "[Default/KmsManaged] encryptionKey is specified, so 'encryption' must be set to KMS or DSSE (value: KMS_MANAGED)",
            "[Default/DsseManaged] encryptionKey is specified, so 'encryption' must be set to KMS or DSSE (value: DSSE_MANAGED)",
            "[Default/MyBucket3] bucketKeyEnabled is specified, so 'encryption' must be set to KMS, DSSE or S3 (value: UNENCRYPTED)",
        ]
    );
}

// 'enforceSSL must be enabled for minimumTLSVersion to work'
#[test]
fn minimum_tls_version_needs_enforce_ssl() {
    assert_eq!(
        bucket_errors(
            "MyBucket1",
            BucketProps {
                minimum_tls_version: Some(1.2),
                ..BucketProps::default()
            }
        ),
        ["[Default/MyBucket1] 'enforceSSL' must be enabled for 'minimumTLSVersion' to be applied"]
    );
}

// 'creating bucket with underscore in name throws error' (with the rules of
// `bucket_name_problems`); a name only known at deploy time is not checked
#[test]
fn literal_bucket_names_are_checked() {
    let app = App::for_tests();
    let s = stack(&app);
    Bucket::new(
        &s,
        "TestBucket",
        BucketProps {
            bucket_name: Some("test_bucket_name".into()),
            ..BucketProps::default()
        },
    );
    Bucket::new(
        &s,
        "Later",
        BucketProps {
            bucket_name: Some(sagecdk_core::Aws::stack_name()),
            ..BucketProps::default()
        },
    );
    assert_eq!(
        errors(&app),
        [
            "[Default/TestBucket] bucket name 'test_bucket_name' must contain only lowercase letters, digits, periods (.) and hyphens (-)"
        ]
    );
}

// 'bucket with default block public access setting to throw error msg', 'bucket with enabled
// block public access setting to throw error msg'
#[test]
fn public_read_access_needs_public_policies_allowed() {
    let app = App::for_tests();
    let s = stack(&app);
    for (id, block) in [
        ("Bucket", None),
        (
            "Blocked",
            Some(BlockPublicAccess {
                block_public_policy: Some(true),
                block_public_acls: Some(false),
                ignore_public_acls: Some(false),
                restrict_public_buckets: Some(false),
            }),
        ),
    ] {
        Bucket::new(
            &s,
            id,
            BucketProps {
                public_read_access: true,
                block_public_access: block,
                ..BucketProps::default()
            },
        );
    }
    assert_eq!(
        errors(&app),
        [
            "[Default/Bucket] Cannot use 'publicReadAccess' property on a bucket without allowing bucket-level public access through 'blockPublicAccess' property.",
            "[Default/Blocked] Cannot grant public access when 'blockPublicPolicy' is enabled",
        ]
    );
}

// The CDK only warns about RemovalPolicy.SNAPSHOT on a bucket and writes it; CloudFormation
// rejects it, so it is an error here.
#[test]
fn snapshot_removal_is_an_error() {
    assert_eq!(
        bucket_errors(
            "MyBucket",
            BucketProps {
                removal_policy: Some(RemovalPolicy::Snapshot),
                ..BucketProps::default()
            }
        ),
        [
            "[Default/MyBucket] AWS::S3::Bucket does not support snapshot removal policy; use RemovalPolicy::Retain or RemovalPolicy::Destroy"
        ]
    );
}

// The CDK's lifecycle rule checks, each naming the rule's index.
#[test]
fn lifecycle_rules_the_cdk_rejects() {
    assert_eq!(
        bucket_errors(
            "Bucket",
            BucketProps {
                lifecycle_rules: vec![
                    LifecycleRule {
                        id: Some("Nothing".into()),
                        ..LifecycleRule::default()
                    },
                    LifecycleRule {
                        expired_object_delete_marker: Some(true),
                        expiration_days: Some(1),
                        ..LifecycleRule::default()
                    },
                    LifecycleRule {
                        expired_object_delete_marker: Some(true),
                        tag_filters: IndexMap::from([("a".to_string(), "b".to_string())]),
                        ..LifecycleRule::default()
                    },
                ],
                ..BucketProps::default()
            }
        ),
        [
            "[Default/Bucket] lifecycleRules[0]: All rules for `lifecycleRules` must have at least one of the following properties: `abortIncompleteMultipartUploadAfter`, `expiration`, `expirationDate`, `expiredObjectDeleteMarker`, `noncurrentVersionExpiration`, `noncurrentVersionsToRetain`, `noncurrentVersionTransitions`, or `transitions`",
            "[Default/Bucket] lifecycleRules[1]: ExpiredObjectDeleteMarker cannot be specified with expiration, ExpirationDate, or TagFilters.",
            "[Default/Bucket] lifecycleRules[2]: ExpiredObjectDeleteMarker cannot be specified with expiration, ExpirationDate, or TagFilters.",
        ]
    );
}

// An imported bucket has no policy of the app: statements are not added, as in the CDK.
#[test]
fn imported_buckets_take_no_policy_statements() {
    let app = App::for_tests();
    let s = stack(&app);
    let bucket = Bucket::from_bucket_name(&s, "Imported", "model-data");
    assert!(
        !bucket.add_to_resource_policy(
            sagecdk_aws::iam::PolicyStatement::allow()
                .action("s3:GetObject")
                .principal(Principal::arn("*"))
                .resource(bucket.arn_for_objects("*"))
        )
    );
    assert!(bucket.policy().is_none());
    Template::from_stack(&s).assert_resource_count_is("AWS::S3::BucketPolicy", 0);
}
