//! Assertions and snapshot testing for synthesized CloudFormation templates —
//! the sagecdk counterpart of the AWS CDK's `assertions` module.
//!
//! * [`Template`]: fine-grained assertions on a template (`has_resource_properties`,
//!   `resource_count_is`, `has_output`, `find_resources`, …);
//! * [`Match`], [`Pattern`] and [`pattern!`]: partial and special matching
//!   (`object_like`, `array_with`, `absent`, `string_like_regexp`, …);
//! * [`Capture`]: record values found while matching;
//! * [`Annotations`]: assertions on the errors, warnings and info messages
//!   of a stack;
//! * [`snapshot`]: golden-file snapshots of whole templates (with
//!   [`assert_template_snapshot!`]), optional redaction of asset hashes, and
//!   `insta` support behind the `insta` cargo feature (module `insta_support`).
//!
//! # Failure model
//!
//! Assertions return `Result<(), AssertionError>`; the error's `Display` *and*
//! `Debug` are the full failure report, so a test may simply return
//! `Result<(), AssertionError>` and use `?`. Each assertion also has an
//! `assert_*` twin that panics with the same report (`#[track_caller]`).
//! Queries (`find_*`) return the matching entries and never fail.
//!
//! A failure shows up to three of the closest candidates (fewest mismatches
//! first), rendered as JSON with a `!!` marker line right before each
//! mismatching entry:
//!
//! ```
//! use sagecdk_assertions::Template;
//! use serde_json::json;
//!
//! let template = Template::from_json(json!({
//!     "Resources": {
//!         "Bucket": { "Type": "AWS::S3::Bucket", "Properties": { "BucketName": "abc" } }
//!     }
//! }));
//! let err = template
//!     .has_resource_properties("AWS::S3::Bucket", json!({ "BucketName": "zzz" }))
//!     .unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     r#"Template has 1 resources with type AWS::S3::Bucket, but none match as expected.
//! The 1 closest matches:
//! Bucket :: {
//!   "Properties": {
//! !!   Expected zzz but received abc
//!     "BucketName": "abc"
//!   },
//!   "Type": "AWS::S3::Bucket"
//! }"#
//! );
//! ```
//!
//! # Templates of stacks
//!
//! [`Template::from_stack`] synthesizes a stack's app in memory (no files are
//! written) and returns the stack's template with the annotations of its
//! constructs; [`Annotations::from_stack`] returns just the annotations.
//! [`Template::from_synthesized`] takes a template and annotations from
//! elsewhere.

mod annotations;
mod capture;
mod error;
#[cfg(feature = "insta")]
pub mod insta_support;
mod json;
mod macros;
mod pattern;
mod redact;
mod result;
mod section;
pub mod snapshot;
mod stack;
mod template;

pub use annotations::{Annotation, AnnotationLevel, Annotations};
pub use capture::Capture;
pub use error::{AssertionError, CaptureError, SnapshotError, TemplateError};
pub use pattern::{Match, Pattern};
pub use redact::redact_asset_hashes;
pub use result::MatchResult;
pub use template::{ALL, Entries, Template};

/// The [`insta`](https://docs.rs/insta) crate, re-exported (cargo feature `insta`).
#[cfg(feature = "insta")]
pub use insta;
