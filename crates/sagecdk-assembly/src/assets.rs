//! `<stack>.assets.json`: what to publish where (file assets to S3, images to ECR).

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// The asset manifest document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetManifest {
    /// Schema version.
    pub version: String,
    /// File assets by source hash (or asset id).
    #[serde(default)]
    pub files: IndexMap<String, FileAsset>,
    /// Docker image assets by source hash (or asset id).
    #[serde(default)]
    pub docker_images: IndexMap<String, DockerImageAsset>,
}

/// A file or directory published to S3.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileAsset {
    /// Stack-relative construct path, or `<stack> Template`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Where the bytes come from.
    pub source: FileSource,
    /// Publishing targets by destination id.
    pub destinations: IndexMap<String, FileDestination>,
}

/// Source of a file asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileSource {
    /// Command producing the file instead of `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executable: Option<Vec<String>>,
    /// Path relative to the assembly directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `file` or `zip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packaging: Option<String>,
}

/// An S3 destination of a file asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileDestination {
    /// Bucket name, with `${AWS::AccountId}` / `${AWS::Region}` placeholders for agnostic stacks.
    pub bucket_name: String,
    /// Object key.
    pub object_key: String,
    /// Region, absent for environment-agnostic stacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Publishing role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_role_arn: Option<String>,
    /// External id for the publishing role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_role_external_id: Option<String>,
}

/// A Docker image built and pushed to ECR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DockerImageAsset {
    /// Stack-relative construct path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// How to build the image.
    pub source: DockerImageSource,
    /// Publishing targets by destination id.
    pub destinations: IndexMap<String, DockerImageDestination>,
}

/// Build instructions of a Docker image asset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DockerImageSource {
    /// Command producing the image instead of a build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executable: Option<Vec<String>>,
    /// Build context directory relative to the assembly directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory: Option<String>,
    /// `--build-arg` values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_build_args: Option<IndexMap<String, String>>,
    /// `--build-context` values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_build_contexts: Option<IndexMap<String, String>>,
    /// `--secret` values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_build_secrets: Option<IndexMap<String, String>>,
    /// `--ssh` value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_build_ssh: Option<String>,
    /// `--target` stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_build_target: Option<String>,
    /// Dockerfile relative to the context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_file: Option<String>,
    /// `--network` mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<String>,
    /// `--platform`, e.g. `linux/amd64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// `--output` values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_outputs: Option<Vec<String>>,
    /// `--cache-from` sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_from: Option<Vec<DockerCacheOption>>,
    /// `--cache-to` destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_to: Option<DockerCacheOption>,
    /// `--no-cache`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_disabled: Option<bool>,
}

/// A build cache source or destination (`type=registry,ref=…` and the like).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DockerCacheOption {
    /// The cache type, e.g. `registry`, `local`, `gha`.
    #[serde(rename = "type")]
    pub cache_type: String,
    /// Its parameters, e.g. `ref` for a registry cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<IndexMap<String, String>>,
}

/// An ECR destination of a Docker image asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DockerImageDestination {
    /// Repository name, with placeholders for agnostic stacks.
    pub repository_name: String,
    /// Image tag (the source hash with the tag prefix).
    pub image_tag: String,
    /// Region, absent for environment-agnostic stacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Publishing role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_role_arn: Option<String>,
    /// External id for the publishing role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_role_external_id: Option<String>,
}
