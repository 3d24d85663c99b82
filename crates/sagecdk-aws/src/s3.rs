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

    /// Allows reading objects (and listing) under `objects_pattern` (default `*`). An empty
    /// pattern, which IAM accepts but which matches no object, is a warning at the bucket.
    pub fn grant_read(&self, grantee: &dyn Grantable, objects_pattern: Option<&str>) -> bool {
        if objects_pattern == Some("") {
            self.node.add_warning(
                "`grant_read` objects pattern is empty, which matches no object; use '*' for every object or a prefix such as 'models/*'",
            );
        }
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
