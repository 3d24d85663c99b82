//! Docker image asset hashes as `DockerImageAsset` (aws-ecr-assets) computes them.

use crate::cache::FingerprintCache;
use crate::error::{AssetError, IoContext, Result};
use crate::hash::{AssetHashOptions, asset_hash};
use crate::jspath;
use crate::options::{FingerprintOptions, IgnoreMode, SymlinkFollowMode};
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The version string mixed into every Docker image asset hash.
pub const DOCKER_ASSET_HASH_VERSION: &str = "1.21.0";

/// Which build options take part in the hash (the CDK's `DockerCacheInvalidationOptions`);
/// `None` means "included".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DockerCacheInvalidation {
    /// Include `extraHash` (as `user`).
    pub extra_hash: Option<bool>,
    /// Include `buildArgs`.
    pub build_args: Option<bool>,
    /// Include `buildContexts`.
    pub build_contexts: Option<bool>,
    /// Include `buildSecrets`.
    pub build_secrets: Option<bool>,
    /// Include `buildSsh`.
    pub build_ssh: Option<bool>,
    /// Include `target`.
    pub target: Option<bool>,
    /// Include `file`.
    pub file: Option<bool>,
    /// Include `repositoryName`.
    pub repository_name: Option<bool>,
    /// Include `networkMode`.
    pub network_mode: Option<bool>,
    /// Include `platform`.
    pub platform: Option<bool>,
    /// Include `outputs`.
    pub outputs: Option<bool>,
}

/// The hash-relevant props of a `DockerImageAsset`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DockerImageAssetOptions {
    /// The build context directory.
    pub directory: PathBuf,
    /// Dockerfile path relative to `directory` (default `Dockerfile`).
    pub file: Option<String>,
    /// Build arguments, in insertion order.
    pub build_args: Option<IndexMap<String, String>>,
    /// Additional build contexts, in insertion order.
    pub build_contexts: Option<IndexMap<String, String>>,
    /// Build secrets (values as the CLI flag text, e.g. `src=/path`), in insertion order.
    pub build_secrets: Option<IndexMap<String, String>>,
    /// SSH agent socket or keys.
    pub build_ssh: Option<String>,
    /// Target build stage.
    pub target: Option<String>,
    /// Deprecated ECR repository name.
    pub repository_name: Option<String>,
    /// Network mode string (`host`, `none`, `default`, `container:<id>`); hashed as `{"mode":...}`.
    pub network_mode: Option<String>,
    /// Platform string (`linux/amd64`); hashed as `{"platform":...}`.
    pub platform: Option<String>,
    /// Build outputs.
    pub outputs: Option<Vec<String>>,
    /// Extra hash (hashed as `user`).
    pub extra_hash: Option<String>,
    /// User exclude patterns.
    pub exclude: Vec<String>,
    /// Ignore mode (default `docker`, the CDK v2 default).
    pub ignore_mode: Option<IgnoreMode>,
    /// Symlink follow mode (`followSymlinks`).
    pub follow: Option<SymlinkFollowMode>,
    /// Custom asset hash.
    pub asset_hash: Option<String>,
    /// Which options are part of the hash.
    pub invalidation: DockerCacheInvalidation,
    /// The `@aws-cdk/core:assetHashSalt` context value.
    pub salt: Option<String>,
    /// The cloud assembly output directory as the Stage reports it (added as an exclude);
    /// default `cdk.out`.
    pub assembly_outdir: Option<String>,
}

/// The hash of a Docker image asset and the options to stage (copy) its context with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerImageAssetHash {
    /// The asset hash (also the image tag and the staged directory suffix).
    pub hash: String,
    /// The extra hash JSON mixed into the fingerprint.
    pub extra_hash: String,
    /// The options `AssetStaging` uses (excludes incl. `.is_custom_resource`), for
    /// [`stage`](crate::stage).
    pub staging_options: FingerprintOptions,
}

fn map_value(m: &IndexMap<String, String>) -> Value {
    Value::Object(
        m.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

impl DockerImageAssetOptions {
    /// A context directory with every other option at its default.
    pub fn new(directory: impl Into<PathBuf>) -> Self {
        DockerImageAssetOptions {
            directory: directory.into(),
            ..Default::default()
        }
    }

    /// The compact JSON extra hash `DockerImageAsset` builds (keys in the CDK's order, only the
    /// options that are set, `version` last).
    pub fn extra_hash_json(&self) -> String {
        let inv = &self.invalidation;
        let on = |o: Option<bool>| o != Some(false);
        let mut m = Map::new();
        let non_empty =
            |s: &Option<String>| s.as_deref().filter(|s| !s.is_empty()).map(str::to_string);
        if on(inv.extra_hash)
            && let Some(v) = non_empty(&self.extra_hash)
        {
            m.insert("user".into(), Value::String(v));
        }
        if let (true, Some(v)) = (on(inv.build_args), &self.build_args) {
            m.insert("buildArgs".into(), map_value(v));
        }
        if let (true, Some(v)) = (on(inv.build_contexts), &self.build_contexts) {
            m.insert("buildContexts".into(), map_value(v));
        }
        if let (true, Some(v)) = (on(inv.build_secrets), &self.build_secrets) {
            m.insert("buildSecrets".into(), map_value(v));
        }
        if on(inv.build_ssh)
            && let Some(v) = non_empty(&self.build_ssh)
        {
            m.insert("buildSsh".into(), Value::String(v));
        }
        if on(inv.target)
            && let Some(v) = non_empty(&self.target)
        {
            m.insert("target".into(), Value::String(v));
        }
        if on(inv.file)
            && let Some(v) = non_empty(&self.file)
        {
            m.insert("file".into(), Value::String(v));
        }
        if on(inv.repository_name)
            && let Some(v) = non_empty(&self.repository_name)
        {
            m.insert("repositoryName".into(), Value::String(v));
        }
        if let (true, Some(v)) = (on(inv.network_mode), &self.network_mode) {
            let mut o = Map::new();
            o.insert("mode".into(), Value::String(v.clone()));
            m.insert("networkMode".into(), Value::Object(o));
        }
        if let (true, Some(v)) = (on(inv.platform), &self.platform) {
            let mut o = Map::new();
            o.insert("platform".into(), Value::String(v.clone()));
            m.insert("platform".into(), Value::Object(o));
        }
        if let (true, Some(v)) = (on(inv.outputs), &self.outputs) {
            m.insert(
                "outputs".into(),
                Value::Array(v.iter().cloned().map(Value::String).collect()),
            );
        }
        m.insert(
            "version".into(),
            Value::String(DOCKER_ASSET_HASH_VERSION.into()),
        );
        Value::Object(m).to_string()
    }

    /// The exclude list `DockerImageAsset` hands to `AssetStaging` (before `.is_custom_resource`
    /// is prepended): `.dockerignore` lines, user excludes and `!.dockerignore` (when the file
    /// exists), then `!<Dockerfile name>` and the assembly output directory.
    pub fn excludes(&self) -> Result<Vec<String>> {
        let dir = &self.directory;
        let mut exclude = self.exclude.clone();
        let di = dir.join(".dockerignore");
        if di.exists() {
            let bytes = std::fs::read(&di).at(&di)?;
            let text = String::from_utf8_lossy(&bytes);
            let mut v: Vec<String> = text
                .split('\n')
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect();
            v.append(&mut exclude);
            v.push("!.dockerignore".to_string());
            exclude = v;
        }
        let file = self.dockerfile();
        exclude.push(format!("!{}", jspath::basename(&file)));
        exclude.push(
            self.assembly_outdir
                .clone()
                .unwrap_or_else(|| "cdk.out".to_string()),
        );
        Ok(exclude)
    }

    fn dockerfile(&self) -> String {
        self.file
            .clone()
            .filter(|f| !f.is_empty())
            .unwrap_or_else(|| "Dockerfile".to_string())
    }

    /// Validates the context (directory and Dockerfile exist) and computes the asset hash.
    pub fn asset_hash(&self, cache: Option<&FingerprintCache>) -> Result<DockerImageAssetHash> {
        let dir: &Path = &self.directory;
        if !dir.exists() {
            return Err(AssetError::NotFound {
                path: dir.to_path_buf(),
            });
        }
        let dockerfile = dir.join(self.dockerfile());
        if !dockerfile.exists() {
            return Err(AssetError::DockerfileNotFound { path: dockerfile });
        }
        let extra_hash = self.extra_hash_json();
        let opts = AssetHashOptions {
            fingerprint: FingerprintOptions {
                exclude: self.excludes()?,
                follow: self.follow,
                ignore_mode: Some(self.ignore_mode.unwrap_or(IgnoreMode::Docker)),
                extra_hash: Some(extra_hash.clone()),
            },
            asset_hash: self.asset_hash.clone(),
            salt: self.salt.clone(),
        };
        let hash = asset_hash(dir, &opts, cache)?;
        Ok(DockerImageAssetHash {
            hash,
            extra_hash,
            staging_options: opts.staging_options(),
        })
    }
}

/// Shorthand for [`DockerImageAssetOptions::asset_hash`] without a cache.
pub fn docker_image_asset_hash(options: &DockerImageAssetOptions) -> Result<DockerImageAssetHash> {
    options.asset_hash(None)
}
