//! S3 buckets: new (`MyBucket/Resource`) or imported by name, with read grants and object URLs.

use crate::iam::{Grant, Grantable};
use sagecdk_cfn::s3::{CfnBucket, CfnBucketProps};
use sagecdk_core::{ArnComponents, CfnResource, Construct, RemovalPolicy, Scope, Stack, Str};

/// A bucket of this app or an existing one.
#[derive(Clone, Debug)]
pub struct Bucket {
    node: Construct,
    name: Str,
    arn: Str,
    region: Str,
    url_suffix: Str,
    resource: Option<CfnResource>,
}

impl Scope for Bucket {
    fn node(&self) -> &Construct {
        &self.node
    }
}

fn stack_of(node: &Construct) -> Option<Stack> {
    let stack = Stack::of(node);
    if stack.is_none() {
        node.add_error("A bucket must be defined within a Stack");
    }
    stack
}

impl Bucket {
    /// A new bucket, retained when removed from the stack (the CDK's default).
    pub fn new(scope: &impl Scope, id: &str) -> Bucket {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_s3.Bucket");
        let resource = CfnBucket::new(&node, "Resource", CfnBucketProps::new())
            .resource()
            .clone();
        resource.apply_removal_policy(RemovalPolicy::Retain);
        let (region, url_suffix) = stack_of(&node).map_or((Str::default(), Str::default()), |s| {
            (s.region(), s.url_suffix())
        });
        Bucket {
            name: resource.reference(),
            arn: resource.get_att("Arn"),
            node,
            region,
            url_suffix,
            resource: Some(resource),
        }
    }

    /// An existing bucket by name.
    pub fn from_bucket_name(scope: &impl Scope, id: &str, name: impl Into<Str>) -> Bucket {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_s3.ImportedBucket");
        let name = name.into();
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
            resource: None,
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
        self.resource.as_ref()
    }

    /// Allows reading objects (and listing) under `objects_pattern` (default `*`).
    pub fn grant_read(&self, grantee: &dyn Grantable, objects_pattern: Option<&str>) -> bool {
        Grant::add_to_principal(
            grantee,
            ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
            [
                self.bucket_arn(),
                self.arn_for_objects(objects_pattern.unwrap_or("*")),
            ],
        )
    }
}
