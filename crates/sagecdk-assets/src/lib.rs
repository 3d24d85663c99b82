//! Assets for sagecdk: the low-level machinery behind file, directory and Docker image assets.
//!
//! * [`fingerprint`] — the AWS CDK's source fingerprint of a file or directory, bit-for-bit
//!   (field encoding, symlink follow modes, glob/git/docker excludes, text normalisation quirks);
//! * [`asset_hash`], [`custom_asset_hash`], [`DockerImageAssetOptions`] — asset hashes as
//!   `AssetStaging` and `DockerImageAsset` compute them;
//! * [`stage`], [`staged_file_name`], [`object_key_extension`] — staging into the cloud assembly;
//! * [`FingerprintCache`] — a persistent stat-keyed cache making repeat fingerprints cheap;
//! * [`package_model_directory`] — reproducible `model.tar.gz` with parallel compression;
//! * [`stage_serving_image`] — the build context of a Rust serving program (built with cargo,
//!   on `scratch` with its shared libraries).
//!
//! * [`Asset`], [`DockerImageAsset`], [`ModelArchive`] — the constructs that register assets
//!   with a stack and stage them when the cloud assembly is written.
//!
//! The low-level functions know nothing about constructs; paths in their errors are file paths.

mod cache;
mod constructs;
mod content;
mod docker;
mod error;
mod fingerprint;
mod hash;
mod ignore;
mod jspath;
mod options;
mod package;
mod serving;
mod stage;
mod walk;

pub use cache::{FingerprintCache, RACY_WINDOW};
pub use constructs::{
    Asset, AssetProps, DockerImageAsset, FINGERPRINT_CACHE_CONTEXT, ModelArchive, PublishedFile,
};
pub use content::{CHUNK_SIZE, content_fingerprint};
pub use docker::{
    DOCKER_ASSET_HASH_VERSION, DockerCacheInvalidation, DockerImageAssetHash,
    DockerImageAssetOptions, docker_image_asset_hash,
};
pub use error::{AssetError, Result};
pub use fingerprint::{fingerprint, fingerprint_with_cache};
pub use hash::{
    AssetHashOptions, CUSTOM_RESOURCE_MARKER, asset_hash, combine_extra_hash, custom_asset_hash,
    sha256_hex,
};
pub use ignore::{DockerIgnoreStrategy, GitIgnoreStrategy, GlobIgnore, IgnoreStrategy};
pub use options::{FingerprintOptions, IgnoreMode, SymlinkFollowMode};
pub use package::{PackageOptions, PackagedModel, package_model_directory};
pub use serving::{
    SERVING_BINARY_PATH, ServingImageError, ServingImageOptions, stage_serving_image,
};
pub use stage::{
    ARCHIVE_EXTENSIONS, Packaging, StageOptions, StagedAsset, asset_extension, copy_directory,
    object_key_extension, stage, staged_file_name,
};
