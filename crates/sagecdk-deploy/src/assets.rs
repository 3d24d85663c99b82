//! Publishing assets: files to the staging bucket, Docker images to the container repository.

use crate::environment::AwsEnvironment;
use crate::error::{DeployError, Result, aws};
use crate::progress::{Reporter, Silent};
use aws_sdk_s3::primitives::ByteStream;
use base64::Engine as _;
use bollard::Docker;
use bollard::auth::DockerCredentials;
use bollard::query_parameters::{BuildImageOptions, PushImageOptions, TagImageOptions};
use futures_util::StreamExt;
use futures_util::TryStreamExt;
use sagecdk_assembly::CloudAssembly;
use sagecdk_assembly::assets::{
    AssetManifest, DockerCacheOption, DockerImageAsset, DockerImageDestination, FileAsset,
    FileDestination,
};
use sagecdk_assembly::manifest::ASSET_MANIFEST_ARTIFACT;
use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Default for [`PublishOptions::multipart_threshold`]: files above it are uploaded in parts.
pub const MULTIPART_THRESHOLD: u64 = 16 * 1024 * 1024;
/// Default for [`PublishOptions::part_size`].
pub const PART_SIZE: u64 = 8 * 1024 * 1024;
/// The smallest part S3 accepts (all parts but the last).
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;

/// What happened to one asset destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishOutcome {
    /// Uploaded or pushed now.
    Published,
    /// Already present; nothing done.
    AlreadyPublished,
    /// Copied within its bucket from another destination of the same asset.
    Copied,
}

/// How assets are published: sizes and how much happens at the same time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishOptions {
    /// Files larger than this (bytes) are uploaded in parts (default 16 MiB).
    pub multipart_threshold: u64,
    /// The size of each part (bytes, default 8 MiB; S3 needs at least 5 MiB).
    pub part_size: u64,
    /// Files uploaded at the same time (default 8).
    pub file_concurrency: usize,
    /// Images built and pushed at the same time (default 2).
    pub image_concurrency: usize,
    /// Parts uploaded at the same time, over all multipart uploads (default 8; this bounds
    /// the memory holding parts to `part_concurrency × part_size`).
    pub part_concurrency: usize,
}

impl Default for PublishOptions {
    fn default() -> Self {
        PublishOptions {
            multipart_threshold: MULTIPART_THRESHOLD,
            part_size: PART_SIZE,
            file_concurrency: 8,
            image_concurrency: 2,
            part_concurrency: 8,
        }
    }
}

impl PublishOptions {
    fn check(&self) -> Result<()> {
        let mut broken = Vec::new();
        if self.part_size < MIN_PART_SIZE {
            broken.push(format!(
                "part_size is {} bytes, but S3 needs parts of at least {MIN_PART_SIZE} bytes",
                self.part_size
            ));
        }
        for (name, value) in [
            ("file_concurrency", self.file_concurrency),
            ("image_concurrency", self.image_concurrency),
            ("part_concurrency", self.part_concurrency),
        ] {
            if value == 0 {
                broken.push(format!("{name} must be at least 1"));
            }
        }
        if broken.is_empty() {
            Ok(())
        } else {
            Err(DeployError::Invalid(format!(
                "invalid asset publishing options: {}",
                broken.join("; ")
            )))
        }
    }
}

/// Counts of the destinations an [`AssetPublisher`] handled (each counted once, however many
/// stacks share it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublishReport {
    /// Uploaded or pushed.
    pub published: usize,
    /// Found already present and left alone.
    pub already_published: usize,
    /// Copied within a bucket from another destination of the same asset.
    pub copied: usize,
}

/// The result of work done once for every caller asking for it. The caller that did the work
/// gets its error itself; the others get the error's message.
type Shared<T> = Arc<tokio::sync::OnceCell<std::result::Result<T, String>>>;

/// Runs `work` unless it ran (or runs) already for `key` of `cells`, whose result is then
/// shared; `shared_error` makes the error of those who only waited.
async fn once_per_key<T: Clone>(
    cells: &Mutex<HashMap<String, Shared<T>>>,
    key: String,
    work: impl Future<Output = Result<T>>,
    shared_error: impl FnOnce(String) -> DeployError,
) -> Result<T> {
    let cell = cells
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(key)
        .or_default()
        .clone();
    let mut own_error = None;
    let shared = cell
        .get_or_init(|| async {
            work.await.map_err(|e| {
                let message = e.to_string();
                own_error = Some(e);
                message
            })
        })
        .await
        .clone();
    match own_error {
        Some(e) => Err(e),
        None => shared.map_err(shared_error),
    }
}

/// Publishes assets: every (asset, destination) at most once per publisher, files and images
/// in parallel within the bounds of [`PublishOptions`], multipart parts in parallel.
///
/// One publisher serves a whole deployment, so an asset shared by several stacks is published
/// once.
#[derive(Debug)]
pub struct AssetPublisher {
    assembly_dir: PathBuf,
    options: PublishOptions,
    force: bool,
    files: Arc<tokio::sync::Semaphore>,
    images: Arc<tokio::sync::Semaphore>,
    parts: Arc<tokio::sync::Semaphore>,
    destinations: Mutex<HashMap<String, Shared<PublishOutcome>>>,
    builds: Mutex<HashMap<String, Shared<()>>>,
    docker: tokio::sync::OnceCell<Docker>,
    published: AtomicUsize,
    already_published: AtomicUsize,
    copied: AtomicUsize,
    reporter: Arc<dyn Reporter>,
}

impl AssetPublisher {
    /// A publisher for the assets of the cloud assembly in `assembly_dir`. With `force`,
    /// assets are published even when their destination already has them.
    pub fn new(assembly_dir: &Path, options: PublishOptions, force: bool) -> Result<Self> {
        options.check()?;
        Ok(AssetPublisher {
            assembly_dir: assembly_dir.to_path_buf(),
            files: Arc::new(tokio::sync::Semaphore::new(options.file_concurrency)),
            images: Arc::new(tokio::sync::Semaphore::new(options.image_concurrency)),
            parts: Arc::new(tokio::sync::Semaphore::new(options.part_concurrency)),
            options,
            force,
            destinations: Mutex::default(),
            builds: Mutex::default(),
            docker: tokio::sync::OnceCell::new(),
            published: AtomicUsize::new(0),
            already_published: AtomicUsize::new(0),
            copied: AtomicUsize::new(0),
            reporter: Arc::new(Silent),
        })
    }

    /// The publisher with `reporter` hearing what is published (default: [`Silent`]).
    pub fn with_reporter(mut self, reporter: Arc<dyn Reporter>) -> Self {
        self.reporter = reporter;
        self
    }

    /// What was published so far.
    pub fn report(&self) -> PublishReport {
        PublishReport {
            published: self.published.load(Ordering::Relaxed),
            already_published: self.already_published.load(Ordering::Relaxed),
            copied: self.copied.load(Ordering::Relaxed),
        }
    }

    /// Publishes every file and image destination of `manifest` into `env`, all in parallel
    /// (within the bounds of the options). `prefix` starts the progress lines. Every
    /// destination is tried; the first error is returned.
    pub async fn publish_manifest(
        self: &Arc<Self>,
        env: &AwsEnvironment,
        manifest: &AssetManifest,
        prefix: &str,
    ) -> Result<()> {
        let env = Arc::new(env.clone());
        let mut tasks = tokio::task::JoinSet::new();
        for (id, asset) in &manifest.files {
            // Further destinations in the first one's bucket are copied from it there, once it
            // is published, instead of uploaded again.
            let primary = asset.destinations.first();
            for (dest_id, dest) in &asset.destinations {
                let label = label(prefix, id, asset.display_name.as_deref(), dest_id);
                let copy_of = primary
                    .filter(|(pid, p)| *pid != dest_id && same_bucket(p, dest))
                    .map(|(pid, p)| {
                        let primary_label =
                            self::label(prefix, id, asset.display_name.as_deref(), pid);
                        (primary_label, p.clone())
                    });
                let (this, env) = (self.clone(), env.clone());
                let (id, asset, dest) = (id.clone(), asset.clone(), dest.clone());
                tasks.spawn(async move {
                    match copy_of {
                        None => this.publish_file(&env, &id, &asset, &dest, &label).await,
                        Some((primary_label, primary)) => {
                            this.publish_file(&env, &id, &asset, &primary, &primary_label)
                                .await?;
                            this.publish_file_copy(&env, &id, &asset, &dest, &primary, &label)
                                .await
                        }
                    }
                    .map(|_| ())
                });
            }
        }
        for (id, asset) in &manifest.docker_images {
            for (dest_id, dest) in &asset.destinations {
                let label = label(prefix, id, asset.display_name.as_deref(), dest_id);
                let (this, env) = (self.clone(), env.clone());
                let (id, asset, dest) = (id.clone(), asset.clone(), dest.clone());
                tasks.spawn(async move {
                    this.publish_image(&env, &id, &asset, &dest, &label)
                        .await
                        .map(|_| ())
                });
            }
        }
        let mut first_error = None;
        while let Some(done) = tasks.join_next().await {
            let result =
                done.map_err(|e| DeployError::Invalid(format!("asset publishing failed: {e}")));
            if let Err(e) = result.and_then(|r| r) {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Publishes one file asset destination (once per publisher): skipped when the key exists
    /// with more than 22 bytes, unless forced.
    pub async fn publish_file(
        &self,
        env: &AwsEnvironment,
        asset_id: &str,
        asset: &FileAsset,
        dest: &FileDestination,
        label: &str,
    ) -> Result<PublishOutcome> {
        self.file_once(
            env,
            asset_id,
            dest,
            label,
            self.upload_file(env, asset, dest),
        )
        .await
    }

    /// Publishes destination `dest` of a file asset by copying the object of its destination
    /// `from` (published already, in the same bucket) within the bucket (once per publisher):
    /// skipped when the key exists, unless forced. An object over S3's 5 GiB copy limit is
    /// uploaded instead.
    pub async fn publish_file_copy(
        &self,
        env: &AwsEnvironment,
        asset_id: &str,
        asset: &FileAsset,
        dest: &FileDestination,
        from: &FileDestination,
        label: &str,
    ) -> Result<PublishOutcome> {
        self.file_once(
            env,
            asset_id,
            dest,
            label,
            self.copy_file(env, asset, dest, from),
        )
        .await
    }

    /// Runs `work` for a file destination once per publisher, within the file concurrency.
    async fn file_once(
        &self,
        env: &AwsEnvironment,
        asset_id: &str,
        dest: &FileDestination,
        label: &str,
        work: impl Future<Output = Result<PublishOutcome>>,
    ) -> Result<PublishOutcome> {
        let key = destination_key(
            env,
            "file",
            asset_id,
            dest.region.as_deref(),
            [&dest.bucket_name, &dest.object_key],
        );
        // Boxed: the upload's state is large, and callers may keep many of these at once.
        self.once(
            key,
            label,
            Box::pin(async {
                let _permit = self.files.acquire().await;
                work.await
            }),
        )
        .await
    }

    /// Builds, tags and pushes one image asset destination (once per publisher); skipped when
    /// the tag exists in the repository, unless forced.
    pub async fn publish_image(
        &self,
        env: &AwsEnvironment,
        asset_id: &str,
        asset: &DockerImageAsset,
        dest: &DockerImageDestination,
        label: &str,
    ) -> Result<PublishOutcome> {
        let key = destination_key(
            env,
            "image",
            asset_id,
            dest.region.as_deref(),
            [&dest.repository_name, &dest.image_tag],
        );
        self.once(
            key,
            label,
            Box::pin(self.push_image(env, asset_id, asset, dest)),
        )
        .await
    }

    /// Runs `work` for the destination `key` unless it ran (or runs) already for another
    /// caller, whose outcome is then shared.
    async fn once(
        &self,
        key: String,
        label: &str,
        work: impl Future<Output = Result<PublishOutcome>>,
    ) -> Result<PublishOutcome> {
        let work = async {
            self.reporter
                .message(&format!("{label}: start: Publishing"));
            let outcome = work.await?;
            let (counter, text) = match outcome {
                PublishOutcome::Published => (&self.published, "success: Published"),
                PublishOutcome::AlreadyPublished => (&self.already_published, "already published"),
                PublishOutcome::Copied => (&self.copied, "success: Copied within the bucket"),
            };
            counter.fetch_add(1, Ordering::Relaxed);
            self.reporter.message(&format!("{label}: {text}"));
            Ok(outcome)
        };
        once_per_key(&self.destinations, key, work, |message| {
            DeployError::Invalid(format!("{label}: {message}"))
        })
        .await
    }

    async fn upload_file(
        &self,
        env: &AwsEnvironment,
        asset: &FileAsset,
        dest: &FileDestination,
    ) -> Result<PublishOutcome> {
        let Some((s3, bucket, key)) = self.absent_target(env, dest).await? else {
            return Ok(PublishOutcome::AlreadyPublished);
        };
        if asset.source.executable.is_some() {
            return Err(DeployError::Invalid(
                "file assets produced by an executable are not supported".into(),
            ));
        }
        let rel = asset.source.path.as_deref().ok_or_else(|| {
            DeployError::Invalid(format!("file asset for {key} has no source path"))
        })?;
        let source = self.assembly_dir.join(rel);
        // Directories are zipped into a temporary file first (kept until the upload is done),
        // so the cloud assembly itself is never written to.
        let archive = match (packaging(asset, &source)?, source.is_dir()) {
            (Packaging::Zip, true) => {
                let dir = source.clone();
                Some(
                    tokio::task::spawn_blocking(move || {
                        crate::archive::zip_directory_to_temp(&dir)
                    })
                    .await
                    .map_err(|e| {
                        DeployError::Invalid(format!("zipping {}: {e}", source.display()))
                    })??,
                )
            }
            (Packaging::File, false) => None,
            (Packaging::Zip, false) => {
                return Err(DeployError::Invalid(format!(
                    "{}: the asset's packaging is 'zip', but it is not a directory",
                    source.display()
                )));
            }
            (Packaging::File, true) => {
                return Err(DeployError::Invalid(format!(
                    "{}: the asset's packaging is 'file', but it is a directory (directories \
                     need packaging 'zip')",
                    source.display()
                )));
            }
        };
        let (path, content_type) = match &archive {
            Some(zip) => (zip.path().to_path_buf(), "application/zip"),
            None => (source.clone(), content_type(&source)),
        };
        let size = std::fs::metadata(&path)
            .map_err(DeployError::io(&path))?
            .len();
        let target = UploadTarget {
            s3: &s3,
            bucket: &bucket,
            key: &key,
            content_type,
            encryption: upload_encryption(&s3, &bucket).await?,
        };
        if size > self.options.multipart_threshold {
            self.upload_multipart(&target, &path, size).await?;
        } else {
            let body = ByteStream::from_path(&path)
                .await
                .map_err(|e| DeployError::Invalid(format!("{}: {e}", path.display())))?;
            s3.put_object()
                .bucket(&bucket)
                .key(&key)
                .content_type(content_type)
                .set_server_side_encryption(target.encryption.algorithm.clone())
                .set_ssekms_key_id(target.encryption.kms_key_id.clone())
                .body(body)
                .send()
                .await
                .map_err(|e| aws("S3 PutObject", e))?;
        }
        Ok(PublishOutcome::Published)
    }

    /// The S3 client, bucket and key of `dest`, or `None` when the object is there already
    /// (and not forced).
    async fn absent_target(
        &self,
        env: &AwsEnvironment,
        dest: &FileDestination,
    ) -> Result<Option<(aws_sdk_s3::Client, String, String)>> {
        let config = env
            .config_for_role(
                dest.assume_role_arn.as_deref(),
                dest.assume_role_external_id.as_deref(),
                dest.region.as_deref(),
            )
            .await?;
        let s3 = AwsEnvironment::s3(&config);
        let bucket = env.replace_placeholders(&dest.bucket_name);
        let key = env.replace_placeholders(&dest.object_key);
        if self.already_present(env, &s3, &bucket, &key).await? {
            return Ok(None);
        }
        Ok(Some((s3, bucket, key)))
    }

    /// Whether `key` holds a published object (over 22 bytes, as the AWS CDK checks) and is
    /// to be left alone (not forced).
    async fn already_present(
        &self,
        env: &AwsEnvironment,
        s3: &aws_sdk_s3::Client,
        bucket: &str,
        key: &str,
    ) -> Result<bool> {
        let listed = s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(key)
            .max_keys(1)
            .send()
            .await;
        match listed {
            Ok(out) => {
                let present = out
                    .contents()
                    .iter()
                    .any(|o| o.key() == Some(key) && o.size().unwrap_or(0) > 22);
                Ok(present && !self.force)
            }
            Err(e) => {
                let err = aws("S3 ListObjectsV2", e);
                if err.code() == Some("NoSuchBucket") {
                    return Err(DeployError::NotBootstrapped(format!(
                        "the staging bucket {bucket} does not exist. Is this environment \
                         bootstrapped? Run 'sagecdk bootstrap {}'",
                        env.name()
                    )));
                }
                Err(err)
            }
        }
    }

    async fn copy_file(
        &self,
        env: &AwsEnvironment,
        asset: &FileAsset,
        dest: &FileDestination,
        from: &FileDestination,
    ) -> Result<PublishOutcome> {
        let Some((s3, bucket, key)) = self.absent_target(env, dest).await? else {
            return Ok(PublishOutcome::AlreadyPublished);
        };
        let source_key = env.replace_placeholders(&from.object_key);
        let source = s3
            .head_object()
            .bucket(&bucket)
            .key(&source_key)
            .send()
            .await
            .map_err(|e| aws("S3 HeadObject", e))?;
        if source.content_length().unwrap_or(0) > MAX_COPY_OBJECT_SIZE {
            return self.upload_file(env, asset, dest).await;
        }
        let encryption = upload_encryption(&s3, &bucket).await?;
        s3.copy_object()
            .bucket(&bucket)
            .key(&key)
            .copy_source(copy_source(&bucket, &source_key))
            .set_server_side_encryption(encryption.algorithm)
            .set_ssekms_key_id(encryption.kms_key_id)
            .send()
            .await
            .map_err(|e| aws("S3 CopyObject", e))?;
        Ok(PublishOutcome::Copied)
    }

    /// Uploads `path` in parts of `part_size`, several at a time; an upload that fails is
    /// aborted, so no parts are left behind.
    async fn upload_multipart(&self, to: &UploadTarget<'_>, path: &Path, size: u64) -> Result<()> {
        use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
        let upload = to
            .s3
            .create_multipart_upload()
            .bucket(to.bucket)
            .key(to.key)
            .content_type(to.content_type)
            .set_server_side_encryption(to.encryption.algorithm.clone())
            .set_ssekms_key_id(to.encryption.kms_key_id.clone())
            .send()
            .await
            .map_err(|e| aws("S3 CreateMultipartUpload", e))?;
        let upload_id = upload.upload_id().unwrap_or_default().to_string();
        let part_size = self.options.part_size;
        let count = size.div_ceil(part_size);
        let uploads = futures_util::stream::iter(0..count)
            .map(|index| {
                let upload_id = upload_id.as_str();
                async move {
                    // The permit bounds the parts held in memory over all uploads.
                    let _permit = self.parts.acquire().await;
                    let offset = index * part_size;
                    let length = part_size.min(size - offset);
                    let bytes = read_part(path, offset, length).await?;
                    let number = i32::try_from(index + 1).map_err(|_| {
                        DeployError::Invalid(format!(
                            "{}: too many parts for one upload; raise the part size",
                            path.display()
                        ))
                    })?;
                    let part = to
                        .s3
                        .upload_part()
                        .bucket(to.bucket)
                        .key(to.key)
                        .upload_id(upload_id)
                        .part_number(number)
                        .body(ByteStream::from(bytes))
                        .send()
                        .await
                        .map_err(|e| aws("S3 UploadPart", e))?;
                    Ok::<_, DeployError>(
                        CompletedPart::builder()
                            .part_number(number)
                            .set_e_tag(part.e_tag().map(str::to_string))
                            .build(),
                    )
                }
            })
            .buffer_unordered(self.options.part_concurrency);
        let result: Result<Vec<CompletedPart>> = uploads.try_collect().await;
        let completed = match result {
            Ok(mut parts) => {
                parts.sort_by_key(|p| p.part_number());
                to.s3
                    .complete_multipart_upload()
                    .bucket(to.bucket)
                    .key(to.key)
                    .upload_id(&upload_id)
                    .multipart_upload(
                        CompletedMultipartUpload::builder()
                            .set_parts(Some(parts))
                            .build(),
                    )
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| aws("S3 CompleteMultipartUpload", e))
            }
            Err(e) => Err(e),
        };
        if completed.is_err() {
            let _ = to
                .s3
                .abort_multipart_upload()
                .bucket(to.bucket)
                .key(to.key)
                .upload_id(&upload_id)
                .send()
                .await;
        }
        completed
    }

    /// The Docker engine, connected on first use (never when every image is present).
    async fn docker(&self) -> Result<Docker> {
        self.docker.get_or_try_init(connect_docker).await.cloned()
    }

    async fn push_image(
        &self,
        env: &AwsEnvironment,
        asset_id: &str,
        asset: &DockerImageAsset,
        dest: &DockerImageDestination,
    ) -> Result<PublishOutcome> {
        let config = env
            .config_for_role(
                dest.assume_role_arn.as_deref(),
                dest.assume_role_external_id.as_deref(),
                dest.region.as_deref(),
            )
            .await?;
        let ecr = AwsEnvironment::ecr(&config);
        let repo = env.replace_placeholders(&dest.repository_name);
        let tag = env.replace_placeholders(&dest.image_tag);
        let described = ecr
            .describe_repositories()
            .repository_names(&repo)
            .send()
            .await
            .map_err(|e| aws("ECR DescribeRepositories", e));
        let repo_uri = match described {
            Ok(out) => out
                .repositories()
                .first()
                .and_then(|r| r.repository_uri())
                .map(str::to_string),
            Err(e) if e.code() == Some("RepositoryNotFoundException") => None,
            Err(e) => return Err(e),
        }
        .ok_or_else(|| {
            DeployError::NotBootstrapped(format!(
                "No ECR repository named '{repo}' in account {}. Is this account bootstrapped? \
                 Run 'sagecdk bootstrap {}'",
                env.account,
                env.name()
            ))
        })?;
        if !self.force {
            match ecr
                .describe_images()
                .repository_name(&repo)
                .image_ids(
                    aws_sdk_ecr::types::ImageIdentifier::builder()
                        .image_tag(&tag)
                        .build(),
                )
                .send()
                .await
            {
                Ok(out) if !out.image_details().is_empty() => {
                    return Ok(PublishOutcome::AlreadyPublished);
                }
                Ok(_) => {}
                Err(e) => {
                    let err = aws("ECR DescribeImages", e);
                    if err.code() != Some("ImageNotFoundException") {
                        return Err(err);
                    }
                }
            }
        }
        if asset.source.executable.is_some() {
            return Err(DeployError::Invalid(
                "image assets produced by an executable are not supported".into(),
            ));
        }
        let _permit = self.images.acquire().await;
        let docker = self.docker().await?;
        let local = format!("cdkasset-{}", asset_id.to_ascii_lowercase());
        self.build_once(&docker, &local, asset).await?;

        // Registry credentials from ECR.
        let auth = ecr
            .get_authorization_token()
            .send()
            .await
            .map_err(|e| aws("ECR GetAuthorizationToken", e))?;
        let data = auth.authorization_data().first().ok_or_else(|| {
            DeployError::Docker("ECR GetAuthorizationToken returned no authorization data".into())
        })?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(data.authorization_token().unwrap_or_default())
            .map_err(|e| DeployError::Docker(format!("invalid ECR authorization token: {e}")))?;
        let decoded = String::from_utf8_lossy(&decoded).into_owned();
        let (user, password) = decoded.split_once(':').ok_or_else(|| {
            DeployError::Docker("invalid ECR authorization token: no user name".into())
        })?;
        let endpoint = data
            .proxy_endpoint()
            .unwrap_or_default()
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let credentials = DockerCredentials {
            username: Some(user.to_string()),
            password: Some(password.to_string()),
            serveraddress: Some(endpoint),
            ..DockerCredentials::default()
        };

        docker
            .tag_image(
                &local,
                Some(TagImageOptions {
                    repo: Some(repo_uri.clone()),
                    tag: Some(tag.clone()),
                }),
            )
            .await
            .map_err(|e| {
                DeployError::Docker(format!("docker tag {local} {repo_uri}:{tag}: {e}"))
            })?;
        let mut push = docker.push_image(
            &repo_uri,
            Some(PushImageOptions {
                tag: Some(tag.clone()),
                ..PushImageOptions::default()
            }),
            Some(credentials),
        );
        while let Some(item) = push.next().await {
            let info = item
                .map_err(|e| DeployError::Docker(format!("docker push {repo_uri}:{tag}: {e}")))?;
            if let Some(detail) = info.error_detail {
                return Err(DeployError::Docker(format!(
                    "docker push {repo_uri}:{tag}: {}. Check that the credentials may push to \
                     the repository",
                    detail.message.unwrap_or_default()
                )));
            }
        }
        Ok(PublishOutcome::Published)
    }

    /// Builds the image `local` once per publisher (however many destinations it has); an
    /// image of that name already in the engine is used as it is (the name holds the asset's
    /// source hash).
    async fn build_once(
        &self,
        docker: &Docker,
        local: &str,
        asset: &DockerImageAsset,
    ) -> Result<()> {
        let build = async {
            if docker.inspect_image(local).await.is_ok() {
                Ok(())
            } else {
                build_image(docker, &self.assembly_dir, local, asset, &*self.reporter).await
            }
        };
        once_per_key(&self.builds, local.to_string(), build, DeployError::Docker).await
    }
}

/// What identifies a destination within a publisher: the kind of asset, the asset and where
/// it goes (account, region and the two names locating it), placeholders replaced.
fn destination_key(
    env: &AwsEnvironment,
    kind: &str,
    asset_id: &str,
    region: Option<&str>,
    location: [&str; 2],
) -> String {
    let region = region.map_or_else(|| env.region.clone(), |r| env.replace_placeholders(r));
    let [container, name] = location.map(|l| env.replace_placeholders(l));
    format!(
        "{kind}\n{asset_id}\n{}\n{region}\n{container}\n{name}",
        env.account
    )
}

/// The largest object S3's CopyObject copies in one request.
const MAX_COPY_OBJECT_SIZE: i64 = 5 * 1024 * 1024 * 1024;

/// Whether two destinations are the same bucket, reached the same way.
fn same_bucket(a: &FileDestination, b: &FileDestination) -> bool {
    a.bucket_name == b.bucket_name
        && a.region == b.region
        && a.assume_role_arn == b.assume_role_arn
        && a.assume_role_external_id == b.assume_role_external_id
}

/// CopyObject's `x-amz-copy-source`: the bucket and the URL-encoded key.
fn copy_source(bucket: &str, key: &str) -> String {
    let mut out = format!("{bucket}/");
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn label(prefix: &str, id: &str, display_name: Option<&str>, dest_id: &str) -> String {
    format!("{prefix}{} ({dest_id})", display_name.unwrap_or(id))
}

/// Where an upload goes, with the headers every request of it carries.
struct UploadTarget<'a> {
    s3: &'a aws_sdk_s3::Client,
    bucket: &'a str,
    key: &'a str,
    content_type: &'a str,
    encryption: UploadEncryption,
}

/// `length` bytes of `path` from `offset`.
async fn read_part(path: &Path, offset: u64, length: u64) -> Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let owned = path.to_path_buf();
    tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
        let mut file = std::fs::File::open(&owned)?;
        file.seek(SeekFrom::Start(offset))?;
        let mut buf = vec![0; usize::try_from(length).unwrap_or(usize::MAX)];
        file.read_exact(&mut buf)?;
        Ok(buf)
    })
    .await
    .map_err(|e| DeployError::Invalid(format!("reading {}: {e}", path.display())))?
    .map_err(DeployError::io(path))
}

/// An asset manifest of a stack with its bootstrap requirement.
#[derive(Debug, Clone)]
pub struct StackAssets {
    /// The manifest.
    pub manifest: AssetManifest,
    /// Minimum bootstrap version for publishing.
    pub requires_bootstrap_stack_version: Option<u32>,
    /// SSM parameter holding the bootstrap version.
    pub bootstrap_stack_version_ssm_parameter: Option<String>,
}

/// Asset manifests a stack depends on, read from the assembly.
pub fn stack_asset_manifests(
    assembly: &CloudAssembly,
    dependencies: &[String],
) -> Result<Vec<StackAssets>> {
    let mut out = Vec::new();
    for dep in dependencies {
        let Some(artifact) = assembly.manifest().artifacts.get(dep) else {
            continue;
        };
        if artifact.artifact_type != ASSET_MANIFEST_ARTIFACT {
            continue;
        }
        let props = artifact
            .asset_manifest_properties()
            .map_err(|e| DeployError::Invalid(format!("asset manifest artifact {dep}: {e}")))?;
        let manifest: AssetManifest = assembly.read_file(&props.file)?;
        out.push(StackAssets {
            manifest,
            requires_bootstrap_stack_version: props.requires_bootstrap_stack_version,
            bootstrap_stack_version_ssm_parameter: props.bootstrap_stack_version_ssm_parameter,
        });
    }
    Ok(out)
}

/// Content type by file extension.
pub fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".tar.gz") || ext == "tgz" || ext == "gz" {
        return "application/gzip";
    }
    match ext.as_str() {
        "zip" => "application/zip",
        "tar" => "application/x-tar",
        "json" => "application/json",
        "yaml" | "yml" => "application/yaml",
        "txt" => "text/plain",
        "html" | "htm" => "text/html",
        "csv" => "text/csv",
        "py" => "text/x-python",
        "js" => "application/javascript",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        _ => "application/octet-stream",
    }
}

/// How a file asset is packaged (`packaging` in the asset manifest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Packaging {
    /// Uploaded as it is.
    File,
    /// A directory, uploaded as a zip archive of its contents.
    Zip,
}

fn packaging(asset: &FileAsset, source: &Path) -> Result<Packaging> {
    match asset.source.packaging.as_deref() {
        None | Some("file") => Ok(Packaging::File),
        Some("zip") => Ok(Packaging::Zip),
        Some(other) => Err(DeployError::Invalid(format!(
            "{}: unknown asset packaging '{other}' (expected 'file' or 'zip')",
            source.display()
        ))),
    }
}

/// Server-side encryption requested with each upload: the bucket's default encryption, with
/// its KMS key named explicitly (as the CDK's publisher does), or nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadEncryption {
    /// `AES256`, `aws:kms`, …
    pub algorithm: Option<aws_sdk_s3::types::ServerSideEncryption>,
    /// The KMS key of `aws:kms` encryption, when the bucket names one.
    pub kms_key_id: Option<String>,
}

/// The default encryption of `bucket`. Buckets without one, or whose configuration the
/// credentials may not read, get uploads without encryption headers.
pub async fn upload_encryption(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<UploadEncryption> {
    match s3.get_bucket_encryption().bucket(bucket).send().await {
        Ok(out) => {
            let default = out
                .server_side_encryption_configuration()
                .and_then(|c| c.rules().first())
                .and_then(|r| r.apply_server_side_encryption_by_default());
            Ok(UploadEncryption {
                algorithm: default.map(|d| d.sse_algorithm().clone()),
                kms_key_id: default
                    .and_then(|d| d.kms_master_key_id())
                    .filter(|k| !k.is_empty())
                    .map(str::to_string),
            })
        }
        Err(e) => {
            let err = aws("S3 GetBucketEncryption", e);
            match err.code() {
                Some("ServerSideEncryptionConfigurationNotFoundError" | "AccessDenied") => {
                    Ok(UploadEncryption::default())
                }
                _ => Err(err),
            }
        }
    }
}

/// Connects to the Docker engine (`DOCKER_HOST` or the default socket) and agrees on the API
/// version.
pub async fn connect_docker() -> Result<Docker> {
    let docker = Docker::connect_with_defaults()
        .map_err(|e| DeployError::DockerUnavailable(e.to_string()))?;
    let docker = docker
        .negotiate_version()
        .await
        .map_err(|e| DeployError::DockerUnavailable(e.to_string()))?;
    docker
        .ping()
        .await
        .map_err(|e| DeployError::DockerUnavailable(e.to_string()))?;
    Ok(docker)
}

pub(crate) async fn build_image(
    docker: &Docker,
    assembly_dir: &Path,
    local: &str,
    asset: &DockerImageAsset,
    reporter: &dyn Reporter,
) -> Result<()> {
    let src = &asset.source;
    let dir = assembly_dir.join(src.directory.as_deref().ok_or_else(|| {
        DeployError::Invalid(format!("image asset {local} has no source directory"))
    })?);
    if src.docker_build_secrets.is_some()
        || src.docker_build_ssh.is_some()
        || src.docker_build_contexts.is_some()
        || src.docker_outputs.is_some()
        || src.cache_to.is_some()
    {
        return Err(DeployError::Invalid(format!(
            "image asset {local}: build secrets, ssh, extra build contexts, outputs and cache \
             exports need BuildKit, which is not supported yet"
        )));
    }
    let cache_from = classic_cache_sources(local, src.cache_from.as_deref().unwrap_or_default())?;
    // The build context as a tar stream.
    let context = {
        let src_dir = dir.clone();
        tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
            let mut builder = tar::Builder::new(Vec::new());
            builder.follow_symlinks(true);
            builder.append_dir_all(".", &src_dir)?;
            builder.into_inner()
        })
        .await
        .map_err(|e| DeployError::Docker(format!("packing {}: {e}", dir.display())))?
        .map_err(DeployError::io(&dir))?
    };
    let options = BuildImageOptions {
        dockerfile: src
            .docker_file
            .clone()
            .unwrap_or_else(|| "Dockerfile".into()),
        t: Some(local.to_string()),
        buildargs: src
            .docker_build_args
            .as_ref()
            .map(|a| a.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        target: src.docker_build_target.clone().unwrap_or_default(),
        platform: src.platform.clone().unwrap_or_default(),
        networkmode: src.network_mode.clone(),
        cachefrom: (!cache_from.is_empty()).then_some(cache_from),
        nocache: src.cache_disabled.unwrap_or(false),
        rm: true,
        ..BuildImageOptions::default()
    };
    reporter.message(&format!("{local}: building image from {}", dir.display()));
    let mut stream = docker.build_image(options, None, Some(bollard::body_full(context.into())));
    let mut log = String::new();
    while let Some(item) = stream.next().await {
        let info = item.map_err(|e| {
            DeployError::Docker(format!("docker build of {} failed: {e}", dir.display()))
        })?;
        if let Some(line) = info.stream {
            log.push_str(&line);
        }
        if let Some(detail) = info.error_detail {
            return Err(DeployError::Docker(format!(
                "docker build of {} failed: {}\n{log}",
                dir.display(),
                detail.message.unwrap_or_default()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_sources_encode_the_key_but_not_its_slashes() {
        assert_eq!(
            copy_source("b", "multi-model/ab12/team/tenant b+1.tar.gz"),
            "b/multi-model/ab12/team/tenant%20b%2B1.tar.gz"
        );
        assert_eq!(copy_source("b", "naïve.tar.gz"), "b/na%C3%AFve.tar.gz");
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type(Path::new("model.tar.gz")), "application/gzip");
        assert_eq!(content_type(Path::new("a.zip")), "application/zip");
        assert_eq!(content_type(Path::new("x")), "application/octet-stream");
    }
}

/// The images the classic builder can take layers from: registry caches (`ref`); other cache
/// types need BuildKit.
fn classic_cache_sources(local: &str, options: &[DockerCacheOption]) -> Result<Vec<String>> {
    options
        .iter()
        .map(|o| {
            match (
                o.cache_type.as_str(),
                o.params.as_ref().and_then(|p| p.get("ref")),
            ) {
                ("registry", Some(image)) => Ok(image.clone()),
                (kind, _) => Err(DeployError::Invalid(format!(
                    "image asset {local}: cache source of type '{kind}' (needs 'registry' with a \
                 'ref'): other cache types need BuildKit, which is not supported yet"
                ))),
            }
        })
        .collect()
}

#[cfg(test)]
mod cache_tests {
    use super::*;

    fn option(kind: &str, reference: Option<&str>) -> DockerCacheOption {
        DockerCacheOption {
            cache_type: kind.into(),
            params: reference
                .map(|r| indexmap::IndexMap::from([("ref".to_string(), r.to_string())])),
        }
    }

    #[test]
    fn registry_caches_become_cache_from_images() {
        let images = classic_cache_sources(
            "img",
            &[option(
                "registry",
                Some("123456789012.dkr.ecr.us-west-2.amazonaws.com/r:cache"),
            )],
        )
        .unwrap();
        assert_eq!(
            images,
            ["123456789012.dkr.ecr.us-west-2.amazonaws.com/r:cache"]
        );
        let error = classic_cache_sources("img", &[option("gha", None)])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("image asset img: cache source of type 'gha'"),
            "{error}"
        );
        assert!(classic_cache_sources("img", &[option("registry", None)]).is_err());
    }
}
