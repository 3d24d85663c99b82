//! The container images of SageMaker's frameworks and algorithms: the SageMaker Python SDK's
//! `image_uris.retrieve` for Rust, answered from an embedded catalog (no network, no AWS
//! call).
//!
//! The catalog is the SDK's image-URI configuration (the `sagemaker-core` version is in
//! [`catalog_source`]), vendored in `image-uris/` and reduced by `sagecdk-images-gen`; it adds
//! about 100 kB to a binary and is parsed once, on first use.
//!
//! ```
//! use sagecdk_images::{ImageQuery, ImageScope, retrieve};
//! let xgboost = ImageQuery::new("xgboost").with_version("1.7-1");
//! assert_eq!(
//!     retrieve(&xgboost, "us-west-2").unwrap(),
//!     "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1"
//! );
//! // Without a version: the latest, by version order.
//! let latest = ImageQuery::new("xgboost").resolve().unwrap();
//! assert_eq!(latest.version(), "3.2-0");
//! ```
//!
//! The answers are the SDK's (a test compares thousands of requests with the SDK itself),
//! with these deliberate differences:
//! - **Latest.** Without a version, the latest is the greatest version of the configuration
//!   actually used, by PEP 440 order. The SDK compares only the first and last keys of the
//!   scope asked for (so `retrieve("xgboost", region)` fails, and with `image_scope="inference"`
//!   it answers the legacy `xgboost:1` through the alias `latest`), and for Neuron images it
//!   looks at the non-Neuron configuration.
//! - **Not taken:** JumpStart models (`model_id`), the training compiler, and `distribution`
//!   (whose only effect on a tag is the `smdistributed` container-version table of a few old
//!   TensorFlow, MXNet and PyTorch images; the same table still applies on p4d instances).
//! - **Errors** are reported with what is available, as [`ImageError`]s rather than the
//!   SDK's exceptions.

mod catalog;
mod error;
mod lookup;
mod partition;
pub mod version;

pub use catalog::RegistryTable;
pub use error::ImageError;
pub use lookup::{
    GRAVITON_FAMILIES, Image, ImageQuery, ImageScope, inference_image_for, instance_family,
    latest_version, list_frameworks, list_scopes, list_versions, retrieve, serves_inference,
};
pub use partition::{dns_suffix, ecr_hostname};

/// The construct metadata type under which a model records the framework image it uses
/// (`sagecdk images check` reads it from the cloud assembly).
pub const FRAMEWORK_IMAGE_METADATA: &str = "sagecdk:framework-image";

/// Where the catalog comes from: the `sagemaker-core` package and version.
pub fn catalog_source() -> Result<&'static str, ImageError> {
    Ok(catalog::catalog()?.source.as_str())
}
