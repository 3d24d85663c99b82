//! Serving a model of the app on this machine, in the real Docker engine: the model's image
//! (built from its asset, or pulled), its model data unpacked at `/opt/ml/model`, its
//! environment, on a loopback port — the SageMaker serving contract, before anything is
//! deployed. Also batch transforms over local files, the way SageMaker splits and assembles.

use crate::assets::{build_image, connect_docker, stack_asset_manifests};
use crate::error::{DeployError, Result};
use crate::progress::Reporter;
use crate::target::{paths_of, resources_at, split_target};
use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig, PortBinding};
use bollard::query_parameters::{
    CreateContainerOptions, CreateImageOptions, LogsOptions, RemoveContainerOptions,
};
use futures_util::StreamExt;
use sagecdk_assembly::CloudAssembly;
use sagecdk_assembly::assets::{DockerImageAsset, FileAsset};
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The container port SageMaker sends requests to.
const CONTAINER_PORT: &str = "8080/tcp";

/// Where a model's image comes from.
#[derive(Debug, Clone)]
pub enum LocalImage {
    /// An image asset of the app, built from its directory in the assembly.
    Asset {
        /// The asset's id (its source hash).
        id: String,
        /// The manifest entry.
        asset: Box<DockerImageAsset>,
    },
    /// An image by URI, pulled unless the engine has it.
    Uri(String),
}

/// Where a model's data comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalModelData {
    /// A `.tar.gz` file asset of the app (unpacked into a temporary directory).
    Archive(PathBuf),
    /// A directory asset of the app, mounted as it is.
    Directory(PathBuf),
}

/// A model of the app as `sagecdk local` runs it.
#[derive(Debug, Clone)]
pub struct LocalModel {
    /// Its construct path.
    pub path: String,
    /// Its container's image.
    pub image: LocalImage,
    /// Its model data, if any.
    pub model_data: Option<LocalModelData>,
    /// Its container's environment.
    pub environment: Vec<(String, String)>,
}

/// Finds the model `target` (`<stack>/<construct path>`) in the assembly and what its
/// container needs: assets of the app are found by their hashes, literal values are taken as
/// they are; anything else (a value only known once deployed) is an error naming it.
pub fn find_model(assembly: &CloudAssembly, target: &str) -> Result<LocalModel> {
    let stacks = assembly.stacks()?;
    let (stack, _) = split_target(&stacks, target)?;
    let target = target.trim_matches('/');
    let template = stack
        .template()
        .map_err(|e| DeployError::Invalid(format!("stack {}: {e}", stack.display_name)))?;
    let found = resources_at(&template, "AWS::SageMaker::Model", target, "Model");
    let [(_, model)] = found.as_slice() else {
        let models = paths_of(&template, "AWS::SageMaker::Model", "Model");
        return Err(DeployError::Invalid(format!(
            "stack {} has no model '{target}'; its models: {}",
            stack.display_name,
            if models.is_empty() {
                "none".to_string()
            } else {
                models.join(", ")
            }
        )));
    };
    let props = &model["Properties"];
    let container = match (&props["PrimaryContainer"], props["Containers"].as_array()) {
        (Value::Object(_), _) => &props["PrimaryContainer"],
        (_, Some(containers)) if containers.len() == 1 => &containers[0],
        (_, Some(containers)) => {
            return Err(DeployError::Invalid(format!(
                "model {target} is an inference pipeline of {} containers; local serving runs one container",
                containers.len()
            )));
        }
        _ => {
            return Err(DeployError::Invalid(format!(
                "model {target} has no container (a model package runs only in SageMaker)"
            )));
        }
    };
    let manifests = stack_asset_manifests(assembly, &stack.other_dependencies)?;
    let images: Vec<(&String, &DockerImageAsset)> = manifests
        .iter()
        .flat_map(|m| m.manifest.docker_images.iter())
        .collect();
    let files: Vec<(&String, &FileAsset)> = manifests
        .iter()
        .flat_map(|m| m.manifest.files.iter())
        .collect();

    let image_value = &container["Image"];
    let image = match image_value.as_str() {
        Some(uri) => LocalImage::Uri(uri.to_string()),
        None => {
            let text = image_value.to_string();
            let (id, asset) = images
                .iter()
                .find(|(_, a)| {
                    a.destinations
                        .values()
                        .any(|d| text.contains(&format!(":{}", d.image_tag)))
                })
                .ok_or_else(|| unresolved(target, "Image", image_value))?;
            LocalImage::Asset {
                id: (*id).clone(),
                asset: Box::new((*asset).clone()),
            }
        }
    };
    let data_value = &container["ModelDataUrl"];
    let model_data = match data_value {
        Value::Null => None,
        Value::String(uri) => {
            return Err(DeployError::Invalid(format!(
                "model {target} reads its data from {uri}; local serving takes model data of the app (`ModelData::from_asset`), not from S3 yet"
            )));
        }
        other => {
            let text = other.to_string();
            let (_, asset) = files
                .iter()
                .find(|(_, a)| {
                    a.destinations
                        .values()
                        .any(|d| text.contains(&d.object_key))
                })
                .ok_or_else(|| unresolved(target, "ModelDataUrl", other))?;
            let path = assembly
                .dir()
                .join(asset.source.path.as_deref().unwrap_or_default());
            Some(if path.is_dir() {
                LocalModelData::Directory(path)
            } else {
                LocalModelData::Archive(path)
            })
        }
    };
    let environment = container["Environment"]
        .as_object()
        .map(|env| {
            env.iter()
                .map(|(k, v)| match v.as_str() {
                    Some(s) => Ok((k.clone(), s.to_string())),
                    None => Err(unresolved(target, &format!("Environment.{k}"), v)),
                })
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(LocalModel {
        path: target.to_string(),
        image,
        model_data,
        environment,
    })
}

fn unresolved(model: &str, property: &str, value: &Value) -> DeployError {
    DeployError::Invalid(format!(
        "model {model}: {property} {value} is known only once deployed (not an asset of the app nor a literal); give a literal value to serve it locally"
    ))
}

/// A container of a model running on this machine; [`remove`](Self::remove) it when done.
pub struct LocalContainer {
    docker: Docker,
    id: String,
    address: SocketAddr,
    /// The unpacked model data, removed with the container.
    _model_dir: Option<tempfile::TempDir>,
}

/// How to run a model's container.
#[derive(Debug, Clone, Default)]
pub struct LocalServeOptions {
    /// The loopback port (default: a free one).
    pub port: Option<u16>,
    /// More environment variables for the container (after the model's).
    pub environment: Vec<(String, String)>,
}

/// Starts `model`'s container: the image built or pulled, the model data at `/opt/ml/model`
/// (read-only), the environment, `serve` as its command, port 8080 published on loopback;
/// `reporter` hears of an image being built.
pub async fn start(
    assembly: &CloudAssembly,
    model: &LocalModel,
    options: &LocalServeOptions,
    reporter: &dyn Reporter,
) -> Result<LocalContainer> {
    let docker = connect_docker().await?;
    let image = match &model.image {
        LocalImage::Asset { id, asset } => {
            let local = format!("cdkasset-{}", id.to_ascii_lowercase());
            if docker.inspect_image(&local).await.is_err() {
                build_image(&docker, assembly.dir(), &local, asset, reporter).await?;
            }
            local
        }
        LocalImage::Uri(uri) => {
            if docker.inspect_image(uri).await.is_err() {
                pull(&docker, uri).await?;
            }
            uri.clone()
        }
    };
    let (model_dir, mount) = match &model.model_data {
        None => (None, None),
        Some(LocalModelData::Directory(dir)) => (None, Some(dir.clone())),
        Some(LocalModelData::Archive(file)) => {
            let dir = tempfile::tempdir().map_err(DeployError::io(file))?;
            unpack(file, dir.path())?;
            let path = dir.path().to_path_buf();
            (Some(dir), Some(path))
        }
    };
    let port = match options.port {
        Some(p) => p,
        None => free_port()?,
    };
    let env: Vec<String> = model
        .environment
        .iter()
        .chain(&options.environment)
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let host = HostConfig {
        port_bindings: Some(HashMap::from([(
            CONTAINER_PORT.to_string(),
            Some(vec![PortBinding {
                host_ip: Some("127.0.0.1".into()),
                host_port: Some(port.to_string()),
            }]),
        )])),
        binds: mount.map(|dir| vec![format!("{}:/opt/ml/model:ro", dir.display())]),
        ..HostConfig::default()
    };
    let body = ContainerCreateBody {
        image: Some(image.clone()),
        cmd: Some(vec!["serve".into()]),
        env: Some(env),
        exposed_ports: Some(vec![CONTAINER_PORT.to_string()]),
        host_config: Some(host),
        labels: Some(HashMap::from([(
            "sagecdk.local.model".to_string(),
            model.path.clone(),
        )])),
        ..ContainerCreateBody::default()
    };
    let created = docker
        .create_container(None::<CreateContainerOptions>, body)
        .await
        .map_err(|e| DeployError::Docker(format!("creating a container of {image}: {e}")))?;
    let container = LocalContainer {
        docker: docker.clone(),
        id: created.id,
        address: SocketAddr::from(([127, 0, 0, 1], port)),
        _model_dir: model_dir,
    };
    if let Err(e) = docker
        .start_container(
            &container.id,
            None::<bollard::query_parameters::StartContainerOptions>,
        )
        .await
    {
        let mut message = format!("starting the container of {image}: {e}");
        if let Err(removal) = container.remove().await {
            message.push_str(&format!("; {removal}"));
        }
        return Err(DeployError::Docker(message));
    }
    Ok(container)
}

/// Pulls `uri` (through the engine's credentials).
async fn pull(docker: &Docker, uri: &str) -> Result<()> {
    let mut stream = docker.create_image(
        Some(CreateImageOptions {
            from_image: Some(uri.to_string()),
            ..CreateImageOptions::default()
        }),
        None,
        None,
    );
    while let Some(item) = stream.next().await {
        item.map_err(|e| DeployError::Docker(format!("pulling {uri}: {e}")))?;
    }
    Ok(())
}

/// Unpacks a `.tar.gz` into `dir`.
fn unpack(archive: &Path, dir: &Path) -> Result<()> {
    let file = std::fs::File::open(archive).map_err(DeployError::io(archive))?;
    tar::Archive::new(flate2::read::GzDecoder::new(file))
        .unpack(dir)
        .map_err(|e| DeployError::Invalid(format!("unpacking {}: {e}", archive.display())))
}

fn free_port() -> Result<u16> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| DeployError::Invalid(format!("no free loopback port: {e}")))
}

impl LocalContainer {
    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The loopback address of the container's port 8080.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The container's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Waits until `GET /ping` answers 200 (at most `timeout`); a container that exits, or a
    /// ping that keeps failing, is an error with the container's logs.
    pub async fn wait_ready(&self, timeout: Duration) -> Result<Duration> {
        let started = Instant::now();
        let mut last = String::from("no answer yet");
        while started.elapsed() < timeout {
            match self.request("GET", "/ping", b"", "", "").await {
                Ok(r) if r.status == 200 => return Ok(started.elapsed()),
                Ok(r) => last = format!("/ping answered {}: {}", r.status, r.text()),
                Err(e) => last = e.to_string(),
            }
            let state = self
                .docker
                .inspect_container(
                    &self.id,
                    None::<bollard::query_parameters::InspectContainerOptions>,
                )
                .await
                .ok()
                .and_then(|c| c.state);
            if state.as_ref().and_then(|s| s.running) == Some(false) {
                let code = state.and_then(|s| s.exit_code).unwrap_or_default();
                return Err(DeployError::Docker(format!(
                    "the container exited with code {code} before answering /ping:\n{}",
                    self.logs().await
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(DeployError::Docker(format!(
            "the container did not answer /ping within {} s ({last}):\n{}",
            timeout.as_secs(),
            self.logs().await
        )))
    }

    /// One request to the container.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        content_type: &str,
        accept: &str,
    ) -> Result<sagecdk_serve::LocalResponse> {
        sagecdk_serve::send(self.address, method, path, body, content_type, accept)
            .await
            .map_err(|e| DeployError::Docker(format!("{}{path}: {e}", self.url())))
    }

    /// `POST /invocations`.
    pub async fn invoke(
        &self,
        body: &[u8],
        content_type: &str,
        accept: &str,
    ) -> Result<sagecdk_serve::LocalResponse> {
        self.request("POST", "/invocations", body, content_type, accept)
            .await
    }

    /// The container's output so far.
    pub async fn logs(&self) -> String {
        let mut stream = self.docker.logs(
            &self.id,
            Some(LogsOptions {
                stdout: true,
                stderr: true,
                ..LogsOptions::default()
            }),
        );
        let mut out = String::new();
        while let Some(Ok(chunk)) = stream.next().await {
            out.push_str(&chunk.to_string());
        }
        out
    }

    /// Stops and removes the container (the unpacked model data goes when this is dropped).
    ///
    /// # Errors
    /// When the engine does not remove it; the error names the container so it can be removed
    /// by hand.
    pub async fn remove(&self) -> Result<()> {
        self.docker
            .remove_container(
                &self.id,
                Some(RemoveContainerOptions {
                    force: true,
                    ..RemoveContainerOptions::default()
                }),
            )
            .await
            .map_err(|e| {
                DeployError::Docker(format!(
                    "removing container {} (remove it with `docker rm -f {}`): {e}",
                    self.id, self.id
                ))
            })
    }
}

/// How `local transform` splits its input and assembles its output, as a batch transform job.
#[derive(Debug, Clone)]
pub struct TransformOptions {
    /// The request content type.
    pub content_type: String,
    /// The `Accept` of the requests.
    pub accept: String,
    /// Split each file into lines (records); otherwise a file is one request.
    pub split_lines: bool,
    /// Join the results of a file's requests by lines; otherwise they are concatenated.
    pub assemble_lines: bool,
    /// The largest request, in bytes: records are batched up to it (`MultiRecord`).
    pub max_payload_bytes: usize,
}

/// What a transform did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransformReport {
    /// Files transformed.
    pub files: usize,
    /// Requests sent.
    pub requests: usize,
    /// Records sent (lines, or files when not split).
    pub records: usize,
}

/// Transforms every file under `input` (or the file `input`) with the server at `address`
/// into `<output>/<relative path>.out`, as SageMaker's batch transform does; a request that
/// fails stops the transform with the file, the status and the server's message.
pub async fn transform(
    address: SocketAddr,
    input: &Path,
    output: &Path,
    options: &TransformOptions,
) -> Result<TransformReport> {
    let mut files = Vec::new();
    collect_files(input, input, &mut files)?;
    files.sort();
    let mut report = TransformReport::default();
    for (relative, path) in files {
        let data = std::fs::read(&path).map_err(DeployError::io(&path))?;
        let batches = batches(&data, options.split_lines, options.max_payload_bytes, &path)?;
        let mut result = Vec::new();
        for (body, records) in &batches {
            let response = sagecdk_serve::send(
                address,
                "POST",
                "/invocations",
                body,
                &options.content_type,
                &options.accept,
            )
            .await
            .map_err(|e| DeployError::Docker(format!("transforming {}: {e}", path.display())))?;
            if response.status != 200 {
                return Err(DeployError::Invalid(format!(
                    "transforming {}: the model answered {}: {}",
                    path.display(),
                    response.status,
                    response.text().trim()
                )));
            }
            result.extend_from_slice(&response.body);
            if options.assemble_lines && !result.ends_with(b"\n") {
                result.push(b'\n');
            }
            report.requests += 1;
            report.records += records;
        }
        let out = output.join(format!("{}.out", relative.display()));
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir).map_err(DeployError::io(dir))?;
        }
        std::fs::write(&out, result).map_err(DeployError::io(&out))?;
        report.files += 1;
    }
    Ok(report)
}

/// The requests of one file: each a body and its record count.
fn batches(
    data: &[u8],
    split_lines: bool,
    max: usize,
    path: &Path,
) -> Result<Vec<(Vec<u8>, usize)>> {
    if !split_lines {
        if data.len() > max {
            return Err(too_large(path, data.len(), max));
        }
        return Ok(vec![(data.to_vec(), 1)]);
    }
    let mut out: Vec<(Vec<u8>, usize)> = Vec::new();
    let mut current: (Vec<u8>, usize) = (Vec::new(), 0);
    for line in data
        .split(|b| *b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
    {
        let record_len = line.len() + 1;
        if record_len > max {
            return Err(too_large(path, record_len, max));
        }
        if current.0.len() + record_len > max {
            out.push(std::mem::take(&mut current));
        }
        current.0.extend_from_slice(line);
        current.0.push(b'\n');
        current.1 += 1;
    }
    if current.1 > 0 {
        out.push(current);
    }
    Ok(out)
}

fn too_large(path: &Path, size: usize, max: usize) -> DeployError {
    DeployError::Invalid(format!(
        "{}: a record of {size} bytes is larger than the largest request ({max} bytes); raise --max-payload-mb or split the input",
        path.display()
    ))
}

fn collect_files(root: &Path, at: &Path, out: &mut Vec<(PathBuf, PathBuf)>) -> Result<()> {
    let meta = std::fs::metadata(at).map_err(DeployError::io(at))?;
    if meta.is_file() {
        let relative = if at == root {
            PathBuf::from(at.file_name().unwrap_or_default())
        } else {
            at.strip_prefix(root).unwrap_or(at).to_path_buf()
        };
        out.push((relative, at.to_path_buf()));
        return Ok(());
    }
    for entry in std::fs::read_dir(at).map_err(DeployError::io(at))? {
        let entry = entry.map_err(DeployError::io(at))?;
        collect_files(root, &entry.path(), out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_batched_up_to_the_payload_limit() {
        let path = Path::new("in.csv");
        let data = b"1,2\n3,4\n\n5,6\n";
        let b = batches(data, true, 8, path).expect("batches");
        assert_eq!(b, vec![(b"1,2\n3,4\n".to_vec(), 2), (b"5,6\n".to_vec(), 1)]);
        assert_eq!(
            batches(data, false, 100, path).expect("whole"),
            vec![(data.to_vec(), 1)]
        );
        let err = batches(b"123456789\n", true, 4, path)
            .expect_err("too large")
            .to_string();
        assert!(
            err.contains("a record of 10 bytes is larger than the largest request (4 bytes)"),
            "{err}"
        );
    }
}
