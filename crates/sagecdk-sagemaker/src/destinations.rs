//! Where an endpoint writes — S3 locations, SNS topics, KMS keys — and the grants its models'
//! roles need to write there.

use sagecdk_aws::iam::Grantable;
use sagecdk_aws::kms::Key;
use sagecdk_aws::s3::Bucket;
use sagecdk_aws::sns::Topic;
use sagecdk_core::Str;

/// An S3 location an endpoint writes to.
///
/// ```
/// use sagecdk_core::{App, Stack, StackProps};
/// use sagecdk_aws::s3::{Bucket, BucketProps};
/// use sagecdk_sagemaker::S3Location;
/// let app = App::for_tests();
/// let stack = Stack::new(&app, "S", StackProps::default());
/// let bucket = Bucket::new(&stack, "Results", BucketProps::default());
/// let outputs = S3Location::in_bucket(&bucket, "async/outputs");
/// let elsewhere = S3Location::uri("s3://shared-results/team-a");
/// ```
#[derive(Clone, Debug)]
pub struct S3Location(Location);

#[derive(Clone, Debug)]
enum Location {
    /// A key prefix in a bucket of the app or an imported one: the models' roles get write
    /// access to the objects under it (boxed: a bucket handle is large).
    InBucket { bucket: Box<Bucket>, prefix: String },
    /// An `s3://` URI (literal or a token): no grants are made.
    Uri(Str),
}

impl S3Location {
    /// The objects under `prefix` (leading and trailing `/` ignored; empty for the whole
    /// bucket) in `bucket`, of the app or imported: the models' roles may put objects there.
    pub fn in_bucket(bucket: &Bucket, prefix: impl Into<String>) -> Self {
        S3Location(Location::InBucket {
            bucket: Box::new(bucket.clone()),
            prefix: prefix.into(),
        })
    }

    /// An `s3://bucket/prefix` URI (literal or a token): no grants are made, give the roles
    /// access yourself.
    pub fn uri(uri: impl Into<Str>) -> Self {
        S3Location(Location::Uri(uri.into()))
    }

    /// The location as an `s3://` URI.
    pub fn to_uri(&self) -> Str {
        match &self.0 {
            Location::InBucket { bucket, prefix } => {
                bucket.s3_url_for_object(prefix.trim_matches('/'))
            }
            Location::Uri(uri) => uri.clone(),
        }
    }

    /// Grants `grantee` the read of the objects under the location (nothing for a bare URI).
    pub(crate) fn grant_read(&self, grantee: &dyn Grantable) {
        if let Location::InBucket { bucket, prefix } = &self.0 {
            let prefix = prefix.trim_matches('/');
            let pattern = if prefix.is_empty() {
                "*".to_string()
            } else {
                format!("{prefix}*")
            };
            bucket.grant_read(grantee, Some(&pattern));
        }
    }

    /// The bucket and key prefix (without surrounding `/`) of a location in a bucket; `None`
    /// for a bare URI.
    pub(crate) fn object_created_pattern(&self) -> Option<(&Bucket, String)> {
        match &self.0 {
            Location::InBucket { bucket, prefix } => {
                Some((bucket, prefix.trim_matches('/').to_string()))
            }
            Location::Uri(_) => None,
        }
    }

    /// What is wrong with the location, as `what` (e.g. `asyncInference.output`) names it.
    pub(crate) fn problems(&self, what: &str) -> Vec<String> {
        match &self.0 {
            Location::InBucket { prefix, .. } if prefix.contains("//") => vec![format!(
                "{what} prefix '{prefix}' has an empty path segment ('//'); write the prefix without doubled slashes"
            )],
            Location::Uri(uri) => match uri.as_literal() {
                Some(text) if !(text.starts_with("s3://") || text.starts_with("https://")) => {
                    vec![format!(
                        "{what} '{text}' is not an S3 URI: it must start with 's3://' (or 'https://')"
                    )]
                }
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }
}

/// A place an endpoint's models write to, and so a grant their roles need.
#[derive(Clone, Debug)]
pub(crate) enum WriteTarget {
    /// Objects under an S3 location.
    Objects(S3Location),
    /// Messages on a topic.
    Topic(Topic),
    /// Data encrypted with a key.
    Key(Key),
}

impl WriteTarget {
    /// Grants `grantee` what writing to the target takes. Nothing for a bare S3 URI.
    pub(crate) fn grant(&self, grantee: &dyn Grantable) {
        match self {
            WriteTarget::Objects(S3Location(Location::InBucket { bucket, prefix })) => {
                let prefix = prefix.trim_matches('/');
                let pattern = if prefix.is_empty() {
                    "*".to_string()
                } else {
                    format!("{prefix}/*")
                };
                bucket.grant_put(grantee, &pattern);
            }
            WriteTarget::Objects(S3Location(Location::Uri(_))) => {}
            WriteTarget::Topic(topic) => {
                topic.grant_publish(grantee);
            }
            WriteTarget::Key(key) => {
                key.grant_encrypt_decrypt(grantee);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sagecdk_core::{App, Stack, StackProps};

    #[test]
    fn locations_render_as_s3_uris_and_report_bad_ones() {
        let app = App::for_tests();
        let stack = Stack::new(&app, "S", StackProps::default());
        let bucket = Bucket::from_bucket_name(&stack, "B", "results");
        assert_eq!(
            S3Location::in_bucket(&bucket, "/async/out/")
                .to_uri()
                .as_literal(),
            Some("s3://results/async/out".to_string())
        );
        assert!(S3Location::uri("s3://x/y").problems("output").is_empty());
        assert_eq!(
            S3Location::uri("results/y").problems("asyncInference.output"),
            [
                "asyncInference.output 'results/y' is not an S3 URI: it must start with 's3://' (or 'https://')"
            ]
        );
        assert_eq!(
            S3Location::in_bucket(&bucket, "a//b").problems("dataCapture.destination"),
            [
                "dataCapture.destination prefix 'a//b' has an empty path segment ('//'); write the prefix without doubled slashes"
            ]
        );
    }
}
