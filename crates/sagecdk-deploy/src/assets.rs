//! Publishing assets: files to the staging bucket, Docker images to the container repository.

use crate::environment::AwsEnvironment;
use crate::error::{DeployError, Result, aws};
use aws_sdk_s3::primitives::ByteStream;
use base64::Engine as _;
use bollard::Docker;
use bollard::auth::DockerCredentials;
use bollard::query_parameters::{BuildImageOptions, PushImageOptions, TagImageOptions};
use futures_util::StreamExt;
use sagecdk_assembly::CloudAssembly;
use sagecdk_assembly::assets::{
    AssetManifest, DockerCacheOption, DockerImageAsset, DockerImageDestination, FileAsset,
    FileDestination,
};
use sagecdk_assembly::manifest::ASSET_MANIFEST_ARTIFACT;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files above this size are uploaded in parts.
pub const MULTIPART_THRESHOLD: u64 = 16 * 1024 * 1024;
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parallel file uploads.
const FILE_CONCURRENCY: usize = 8;

/// What happened to one asset destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishOutcome {
    /// Uploaded or pushed now.
    Published,
    /// Already present; nothing done.
    AlreadyPublished,
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

/// Publishes every file and image of `manifest` (files in parallel, images one by one).
pub async fn publish_manifest(
    env: &AwsEnvironment,
    assembly_dir: &Path,
    manifest: &AssetManifest,
    prefix: &str,
) -> Result<()> {
    let env = Arc::new(env.clone());
    let semaphore = Arc::new(tokio::sync::Semaphore::new(FILE_CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for (id, asset) in &manifest.files {
        for (dest_id, dest) in &asset.destinations {
            let (env, sem) = (env.clone(), semaphore.clone());
            let (id, asset, dest) = (id.clone(), asset.clone(), dest.clone());
            let label = format!(
                "{prefix}{} ({dest_id})",
                asset.display_name.clone().unwrap_or_else(|| id.clone())
            );
            let dir = assembly_dir.to_path_buf();
            tasks.spawn(async move {
                let _permit = sem.acquire_owned().await;
                eprintln!("{label}: start: Publishing");
                let outcome = publish_file(&env, &dir, &asset, &dest).await?;
                eprintln!(
                    "{label}: {}",
                    match outcome {
                        PublishOutcome::Published => "success: Published",
                        PublishOutcome::AlreadyPublished => "already published",
                    }
                );
                Ok::<_, DeployError>(())
            });
        }
    }
    let mut first_error = None;
    while let Some(done) = tasks.join_next().await {
        let result = done.map_err(|e| DeployError::Invalid(format!("upload task failed: {e}")));
        if let Err(e) = result.and_then(|r| r) {
            first_error.get_or_insert(e);
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    if manifest.docker_images.is_empty() {
        return Ok(());
    }
    let mut docker: Option<Docker> = None;
    for (id, asset) in &manifest.docker_images {
        for (dest_id, dest) in &asset.destinations {
            let label = format!(
                "{prefix}{} ({dest_id})",
                asset.display_name.clone().unwrap_or_else(|| id.clone())
            );
            eprintln!("{label}: start: Publishing");
            let outcome = publish_image(&env, &mut docker, assembly_dir, id, asset, dest).await?;
            eprintln!(
                "{label}: {}",
                match outcome {
                    PublishOutcome::Published => "success: Published",
                    PublishOutcome::AlreadyPublished => "already published",
                }
            );
        }
    }
    Ok(())
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

/// Publishes one file asset destination: skipped when the key exists with more than 22 bytes.
pub async fn publish_file(
    env: &AwsEnvironment,
    assembly_dir: &Path,
    asset: &FileAsset,
    dest: &FileDestination,
) -> Result<PublishOutcome> {
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
    let listed = s3
        .list_objects_v2()
        .bucket(&bucket)
        .prefix(&key)
        .max_keys(1)
        .send()
        .await;
    match listed {
        Ok(out) => {
            if out
                .contents()
                .iter()
                .any(|o| o.key() == Some(key.as_str()) && o.size().unwrap_or(0) > 22)
            {
                return Ok(PublishOutcome::AlreadyPublished);
            }
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
            return Err(err);
        }
    }
    if asset.source.executable.is_some() {
        return Err(DeployError::Invalid(
            "file assets produced by an executable are not supported".into(),
        ));
    }
    let rel =
        asset.source.path.as_deref().ok_or_else(|| {
            DeployError::Invalid(format!("file asset for {key} has no source path"))
        })?;
    let source = assembly_dir.join(rel);
    // Directories are zipped into a temporary file first (kept until the upload is done), so
    // the cloud assembly itself is never written to.
    let archive = match (packaging(asset, &source)?, source.is_dir()) {
        (Packaging::Zip, true) => {
            let dir = source.clone();
            Some(
                tokio::task::spawn_blocking(move || crate::archive::zip_directory_to_temp(&dir))
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
                "{}: the asset's packaging is 'file', but it is a directory (directories need \
                 packaging 'zip')",
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
    let encryption = upload_encryption(&s3, &bucket).await?;
    if size > MULTIPART_THRESHOLD {
        upload_multipart(&s3, &bucket, &key, &path, content_type, &encryption).await?;
    } else {
        let body = ByteStream::from_path(&path)
            .await
            .map_err(|e| DeployError::Invalid(format!("{}: {e}", path.display())))?;
        s3.put_object()
            .bucket(&bucket)
            .key(&key)
            .content_type(content_type)
            .set_server_side_encryption(encryption.algorithm.clone())
            .set_ssekms_key_id(encryption.kms_key_id.clone())
            .body(body)
            .send()
            .await
            .map_err(|e| aws("S3 PutObject", e))?;
    }
    Ok(PublishOutcome::Published)
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

async fn upload_multipart(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    path: &PathBuf,
    content_type: &str,
    encryption: &UploadEncryption,
) -> Result<()> {
    use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
    use tokio::io::AsyncReadExt;
    let upload = s3
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .content_type(content_type)
        .set_server_side_encryption(encryption.algorithm.clone())
        .set_ssekms_key_id(encryption.kms_key_id.clone())
        .send()
        .await
        .map_err(|e| aws("S3 CreateMultipartUpload", e))?;
    let upload_id = upload.upload_id().unwrap_or_default().to_string();
    let result: Result<Vec<CompletedPart>> = async {
        let mut file = tokio::fs::File::open(path)
            .await
            .map_err(DeployError::io(path))?;
        let mut parts = Vec::new();
        let mut number = 1;
        loop {
            let mut buf = Vec::with_capacity(PART_SIZE);
            let read = (&mut file)
                .take(PART_SIZE as u64)
                .read_to_end(&mut buf)
                .await
                .map_err(DeployError::io(path))?;
            if read == 0 {
                break;
            }
            let part = s3
                .upload_part()
                .bucket(bucket)
                .key(key)
                .upload_id(&upload_id)
                .part_number(number)
                .body(ByteStream::from(buf))
                .send()
                .await
                .map_err(|e| aws("S3 UploadPart", e))?;
            parts.push(
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(part.e_tag().map(str::to_string))
                    .build(),
            );
            number += 1;
        }
        Ok(parts)
    }
    .await;
    match result {
        Ok(parts) => {
            s3.complete_multipart_upload()
                .bucket(bucket)
                .key(key)
                .upload_id(&upload_id)
                .multipart_upload(
                    CompletedMultipartUpload::builder()
                        .set_parts(Some(parts))
                        .build(),
                )
                .send()
                .await
                .map_err(|e| aws("S3 CompleteMultipartUpload", e))?;
            Ok(())
        }
        Err(e) => {
            let _ = s3
                .abort_multipart_upload()
                .bucket(bucket)
                .key(key)
                .upload_id(&upload_id)
                .send()
                .await;
            Err(e)
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

/// Builds, tags and pushes one image asset destination; skipped when the tag exists in ECR.
pub async fn publish_image(
    env: &AwsEnvironment,
    docker: &mut Option<Docker>,
    assembly_dir: &Path,
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
    let ecr = aws_sdk_ecr::Client::new(&config);
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
            "No ECR repository named '{repo}' in account {}. Is this account bootstrapped? Run \
             'sagecdk bootstrap {}'",
            env.account,
            env.name()
        ))
    })?;
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
    if asset.source.executable.is_some() {
        return Err(DeployError::Invalid(
            "image assets produced by an executable are not supported".into(),
        ));
    }
    let docker = match docker {
        Some(d) => d.clone(),
        None => {
            let d = connect_docker().await?;
            *docker = Some(d.clone());
            d
        }
    };
    let local = format!("cdkasset-{}", asset_id.to_ascii_lowercase());
    if docker.inspect_image(&local).await.is_err() {
        build_image(&docker, assembly_dir, &local, asset).await?;
    }

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
        .map_err(|e| DeployError::Docker(format!("docker tag {local} {repo_uri}:{tag}: {e}")))?;
    let mut push = docker.push_image(
        &repo_uri,
        Some(PushImageOptions {
            tag: Some(tag.clone()),
            ..PushImageOptions::default()
        }),
        Some(credentials),
    );
    while let Some(item) = push.next().await {
        let info =
            item.map_err(|e| DeployError::Docker(format!("docker push {repo_uri}:{tag}: {e}")))?;
        if let Some(detail) = info.error_detail {
            return Err(DeployError::Docker(format!(
                "docker push {repo_uri}:{tag}: {}. Check that the credentials may push to the \
                 repository",
                detail.message.unwrap_or_default()
            )));
        }
    }
    Ok(PublishOutcome::Published)
}

async fn build_image(
    docker: &Docker,
    assembly_dir: &Path,
    local: &str,
    asset: &DockerImageAsset,
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
    eprintln!("{local}: building image from {}", dir.display());
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
