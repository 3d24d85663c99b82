//! Asset constructs: a file or directory published to S3, a Docker image published to ECR, and
//! a model directory packaged into a reproducible `model.tar.gz` — hashed when created,
//! registered with the stack's synthesizer, and staged into the cloud assembly when it is
//! written.
//!
//! Problems (a missing path, an unreadable file, a symlink loop, a Dockerfile missing from the
//! build context) are reported by synthesis at the asset's construct path, with the file named.

use crate::{
    AssetHashOptions, DockerImageAssetOptions, FingerprintCache, FingerprintOptions,
    PackageOptions, StageOptions, asset_hash, copy_directory, package_model_directory, stage,
    staged_file_name,
};
use sagecdk_core::{
    AssemblyDirs, AssemblyWriter, Construct, DockerImageAssetLocation, DockerImageAssetSource,
    FileAssetLocation, FileAssetPackaging, FileAssetSource, Scope, Stack, Str,
};
use std::path::{Path, PathBuf};
use std::rc::Rc;

const SALT_CONTEXT: &str = "@aws-cdk/core:assetHashSalt";
/// Context key: set to `false` to fingerprint without the persistent cache.
pub const FINGERPRINT_CACHE_CONTEXT: &str = "sagecdk:fingerprintCache";

thread_local! {
    /// The user's fingerprint cache, opened once per process.
    static CACHE: FingerprintCache = FingerprintCache::default_path()
        .map(FingerprintCache::open)
        .unwrap_or_else(FingerprintCache::in_memory);
}

/// Computes an asset hash with the persistent fingerprint cache (unless disabled by context),
/// saving the cache afterwards so the next synthesis of unchanged files costs a `stat` each.
fn cached_asset_hash(
    node: &Construct,
    source: &Path,
    options: &AssetHashOptions,
) -> crate::Result<String> {
    with_fingerprint_cache(node, |cache| asset_hash(source, options, cache))
}

/// Runs `hash` with the persistent fingerprint cache (unless disabled by context), saving the
/// cache afterwards.
fn with_fingerprint_cache<T>(
    node: &Construct,
    hash: impl FnOnce(Option<&FingerprintCache>) -> crate::Result<T>,
) -> crate::Result<T> {
    let use_cache = !matches!(
        node.try_get_context(FINGERPRINT_CACHE_CONTEXT),
        Some(serde_json::Value::Bool(false))
    );
    if !use_cache {
        return hash(None);
    }
    CACHE.with(|cache| {
        let hashed = hash(Some(cache))?;
        // A cache that cannot be saved only costs time on the next run.
        let _ = cache.save();
        Ok(hashed)
    })
}

fn salt(node: &Construct) -> Option<String> {
    node.try_get_context(SALT_CONTEXT)
        .and_then(|v| v.as_str().map(str::to_string))
}

/// The construct path relative to its stack (the CDK's asset display name).
fn display_name(node: &Construct, stack: &Stack) -> String {
    let path = node.path();
    let stack_path = stack.node().path();
    path.strip_prefix(&format!("{stack_path}/"))
        .unwrap_or(&path)
        .to_string()
}

/// Takes a previously staged asset over from the previous assembly, so an unchanged asset is
/// not copied again: a file the previous assembly alone holds is hard-linked (the old assembly
/// goes away once the new one is in place, so nothing else shares it); one linked elsewhere too
/// (staged by an older version as a link to its source) is copied, so that no edit outside the
/// assembly can change its bytes.
fn reuse_previous(dirs: &AssemblyDirs<'_>, name: &str) -> Result<bool, String> {
    let Some(previous) = dirs.previous else {
        return Ok(false);
    };
    let old = previous.join(name);
    let new = dirs.staging.join(name);
    if new.exists() {
        return Ok(true);
    }
    match std::fs::symlink_metadata(&old) {
        Ok(m) if m.is_file() => {
            if !(link_count(&m) == 1 && std::fs::hard_link(&old, &new).is_ok()) {
                std::fs::copy(&old, &new).map_err(|e| format!("{}: {e}", old.display()))?;
            }
            Ok(true)
        }
        Ok(m) if m.is_dir() => {
            copy_directory(&old, &new, &FingerprintOptions::default())
                .map_err(|e| e.to_string())?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// How many directory entries name this file (`u64::MAX` where that cannot be known, so the
/// file is copied).
fn link_count(meta: &std::fs::Metadata) -> u64 {
    #[cfg(unix)]
    {
        std::os::unix::fs::MetadataExt::nlink(meta)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        u64::MAX
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Options of a file or directory [`Asset`].
#[derive(Clone, Debug, Default)]
pub struct AssetProps {
    /// The file or directory (relative paths are taken from the current directory).
    pub path: PathBuf,
    /// Excludes, symlink follow mode, ignore mode and extra hash.
    pub fingerprint: FingerprintOptions,
    /// A custom hash instead of the source fingerprint (hashed again, as in the CDK).
    pub asset_hash: Option<String>,
}

impl AssetProps {
    /// An asset of `path` with default options.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        AssetProps {
            path: path.into(),
            ..AssetProps::default()
        }
    }
}

/// A local file or directory published to the bootstrap bucket (the CDK's `s3_assets.Asset`).
/// Directories are zipped by the publisher.
///
/// ```no_run
/// use sagecdk_assets::{Asset, AssetProps, PublishedFile};
/// use sagecdk_core::{App, Stack, StackProps};
/// let app = App::new();
/// let stack = Stack::new(&app, "S", StackProps::default());
/// let model = Asset::new(&stack, "ModelData", AssetProps::new("model.tar.gz"));
/// let url = model.http_url(); // use in a template
/// ```
#[derive(Clone, Debug)]
pub struct Asset {
    node: Construct,
    hash: String,
    location: FileAssetLocation,
    is_directory: bool,
}

impl Scope for Asset {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl Asset {
    /// Fingerprints the source, registers it with the stack and stages it at synthesis.
    pub fn new(scope: &impl Scope, id: &str, props: AssetProps) -> Asset {
        let node = Construct::with_fqn(scope, id, "sagecdk.Asset");
        let source = absolute(&props.path);
        let options = AssetHashOptions {
            fingerprint: props.fingerprint.clone(),
            asset_hash: props.asset_hash.clone(),
            salt: salt(&node),
        };
        let hash = match cached_asset_hash(&node, &source, &options) {
            Ok(h) => h,
            Err(e) => {
                node.add_error(format!("Cannot create asset: {e}"));
                String::new()
            }
        };
        let is_directory = source.is_dir();
        let Some(stack) = Stack::of(&node) else {
            node.add_error("Assets must be defined within a Stack");
            return Asset::detached(node, hash, is_directory);
        };
        let file_name = staged_file_name(&hash, &source);
        let location = stack.add_file_asset(FileAssetSource {
            source_hash: hash.clone(),
            file_name: file_name.clone(),
            packaging: if is_directory {
                FileAssetPackaging::ZipDirectory
            } else {
                FileAssetPackaging::File
            },
            display_name: Some(display_name(&node, &stack)),
        });
        if !hash.is_empty() {
            let stage_options = StageOptions {
                copy: options.staging_options(),
            };
            let h = hash.clone();
            let writer: AssemblyWriter = Rc::new(move |dirs| {
                if reuse_previous(dirs, &file_name)? {
                    return Ok(());
                }
                stage(&source, dirs.staging, &h, &stage_options)
                    .map(|_| ())
                    .map_err(|e| format!("Cannot stage asset: {e}"))
            });
            stack.add_assembly_writer(&node, writer);
        }
        Asset {
            node,
            hash,
            location,
            is_directory,
        }
    }

    fn detached(node: Construct, hash: String, is_directory: bool) -> Asset {
        let location = FileAssetLocation {
            bucket_name: Str::default(),
            object_key: String::new(),
            http_url: Str::default(),
            s3_object_url: Str::default(),
            s3_object_url_with_placeholders: String::new(),
        };
        Asset {
            node,
            hash,
            location,
            is_directory,
        }
    }

    /// The asset hash (S3 key stem).
    pub fn asset_hash(&self) -> &str {
        &self.hash
    }

    /// Whether the source is a directory (published as a zip).
    pub fn is_zip_archive(&self) -> bool {
        self.is_directory
    }
}

impl PublishedFile for Asset {
    fn location(&self) -> &FileAssetLocation {
        &self.location
    }
}

/// Where a file asset is published, for use in templates (implemented by [`Asset`] and
/// [`ModelArchive`]).
pub trait PublishedFile {
    /// The publishing location.
    fn location(&self) -> &FileAssetLocation;

    /// `https://s3.<region>.<urlSuffix>/<bucket>/<key>`.
    fn http_url(&self) -> Str {
        self.location().http_url.clone()
    }

    /// `s3://<bucket>/<key>`.
    fn s3_object_url(&self) -> Str {
        self.location().s3_object_url.clone()
    }

    /// The bucket's name.
    fn s3_bucket_name(&self) -> Str {
        self.location().bucket_name.clone()
    }

    /// The object key.
    fn s3_object_key(&self) -> &str {
        &self.location().object_key
    }
}

/// A Docker image built from a local context directory and pushed to the bootstrap repository
/// (the CDK's `ecr_assets.DockerImageAsset`).
#[derive(Clone, Debug)]
pub struct DockerImageAsset {
    node: Construct,
    hash: String,
    location: DockerImageAssetLocation,
}

impl Scope for DockerImageAsset {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl DockerImageAsset {
    /// Hashes the build context like the CDK, registers the image with the stack and stages the
    /// context at synthesis.
    pub fn new(
        scope: &impl Scope,
        id: &str,
        mut options: DockerImageAssetOptions,
    ) -> DockerImageAsset {
        let node = Construct::with_fqn(scope, id, "sagecdk.DockerImageAsset");
        if options.salt.is_none() {
            options.salt = salt(&node);
        }
        let source = absolute(&options.directory);
        let hashed = match with_fingerprint_cache(&node, |cache| options.asset_hash(cache)) {
            Ok(h) => Some(h),
            Err(e) => {
                node.add_error(format!("Cannot create Docker image asset: {e}"));
                None
            }
        };
        let hash = hashed.as_ref().map(|h| h.hash.clone()).unwrap_or_default();
        let empty_location = || DockerImageAssetLocation {
            image_uri: Str::default(),
            repository_name: Str::default(),
            image_tag: String::new(),
        };
        let Some(stack) = Stack::of(&node) else {
            node.add_error("Assets must be defined within a Stack");
            return DockerImageAsset {
                node,
                hash,
                location: empty_location(),
            };
        };
        let directory_name = format!("asset.{hash}");
        let location = stack.add_docker_image_asset(DockerImageAssetSource {
            source_hash: hash.clone(),
            directory_name: directory_name.clone(),
            display_name: Some(display_name(&node, &stack)),
            docker_build_args: options.build_args.clone(),
            docker_build_secrets: options.build_secrets.clone(),
            docker_build_ssh: options.build_ssh.clone(),
            docker_build_target: options.target.clone(),
            docker_file: options.file.clone(),
            network_mode: options.network_mode.clone(),
            platform: options.platform.clone(),
            docker_outputs: options.outputs.clone(),
        });
        if let Some(hashed) = hashed {
            let stage_options = StageOptions {
                copy: hashed.staging_options,
            };
            let writer: AssemblyWriter = Rc::new(move |dirs| {
                if reuse_previous(dirs, &directory_name)? {
                    return Ok(());
                }
                stage(&source, dirs.staging, &hashed.hash, &stage_options)
                    .map(|_| ())
                    .map_err(|e| format!("Cannot stage Docker build context: {e}"))
            });
            stack.add_assembly_writer(&node, writer);
        }
        DockerImageAsset {
            node,
            hash,
            location,
        }
    }

    /// The asset hash (the image tag without prefix).
    pub fn asset_hash(&self) -> &str {
        &self.hash
    }

    /// `<account>.dkr.ecr.<region>.<urlSuffix>/<repository>:<tag>`.
    pub fn image_uri(&self) -> Str {
        self.location.image_uri.clone()
    }

    /// The repository's name.
    pub fn repository_name(&self) -> Str {
        self.location.repository_name.clone()
    }

    /// The image tag.
    pub fn image_tag(&self) -> &str {
        &self.location.image_tag
    }
}

/// A local model directory packaged at synthesis into a reproducible `model.tar.gz` and
/// published to the bootstrap bucket — what SageMaker's `ModelDataUrl` expects. The same
/// directory always gives the same archive bytes and the same hash.
#[derive(Clone, Debug)]
pub struct ModelArchive {
    node: Construct,
    hash: String,
    location: FileAssetLocation,
}

impl Scope for ModelArchive {
    fn node(&self) -> &Construct {
        &self.node
    }
}

/// Version of the packaging format, mixed into the hash so a format change republishes.
const MODEL_ARCHIVE_FORMAT: &str = "sagecdk-model-tar-gz-v1";

impl ModelArchive {
    /// Packages `directory` (honouring the excludes and follow mode of `package`).
    pub fn new(
        scope: &impl Scope,
        id: &str,
        directory: impl Into<PathBuf>,
        package: PackageOptions,
    ) -> ModelArchive {
        let node = Construct::with_fqn(scope, id, "sagecdk.ModelArchive");
        let source = absolute(&directory.into());
        let options = AssetHashOptions {
            fingerprint: FingerprintOptions {
                exclude: package.exclude.clone(),
                follow: Some(package.follow),
                ignore_mode: None,
                extra_hash: Some(MODEL_ARCHIVE_FORMAT.to_string()),
            },
            asset_hash: None,
            salt: salt(&node),
        };
        let hash = if source.is_dir() {
            match cached_asset_hash(&node, &source, &options) {
                Ok(h) => h,
                Err(e) => {
                    node.add_error(format!("Cannot package model directory: {e}"));
                    String::new()
                }
            }
        } else {
            node.add_error(format!(
                "Cannot package model directory: {} is not a directory",
                source.display()
            ));
            String::new()
        };
        let file_name = format!("asset.{hash}.tar.gz");
        let Some(stack) = Stack::of(&node) else {
            node.add_error("Assets must be defined within a Stack");
            let detached = Asset::detached(node.clone(), hash.clone(), false);
            return ModelArchive {
                node,
                hash,
                location: detached.location,
            };
        };
        let location = stack.add_file_asset(FileAssetSource {
            source_hash: hash.clone(),
            file_name: file_name.clone(),
            packaging: FileAssetPackaging::File,
            display_name: Some(display_name(&node, &stack)),
        });
        if !hash.is_empty() {
            let writer: AssemblyWriter = Rc::new(move |dirs| {
                if reuse_previous(dirs, &file_name)? {
                    return Ok(());
                }
                package_model_directory(&source, dirs.staging.join(&file_name), &package)
                    .map(|_| ())
                    .map_err(|e| format!("Cannot package model directory: {e}"))
            });
            stack.add_assembly_writer(&node, writer);
        }
        ModelArchive {
            node,
            hash,
            location,
        }
    }

    /// The asset hash.
    pub fn asset_hash(&self) -> &str {
        &self.hash
    }
}

impl PublishedFile for ModelArchive {
    fn location(&self) -> &FileAssetLocation {
        &self.location
    }
}
