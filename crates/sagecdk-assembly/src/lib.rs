//! The AWS CDK cloud assembly format, shared by the synthesizer that writes it and the CLI and
//! deploy engine that read it.
//!
//! * [`json`]: JSON text exactly as the AWS CDK writes it (`JSON.stringify` rules).
//! * [`manifest`] and [`assets`]: typed `manifest.json` and `<stack>.assets.json` documents.
//! * [`CloudAssembly`]: reads an assembly directory (written by sagecdk or by the AWS CDK).
//! * [`StagingDir`]: writes an assembly next to its final place and swaps it in only when complete,
//!   so a failed synthesis never leaves a half-written assembly behind; [`check_output_dir`]
//!   refuses to replace anything but an assembly.
//! * [`WriteLock`] and [`ReadLock`]: the AWS CDK CLI's locks on an assembly directory.

pub mod assets;
pub mod json;
pub mod lock;
pub mod manifest;
mod outdir;
pub mod process;
mod staging;

pub use lock::{ReadLock, WriteLock};
pub use outdir::{OutputDirState, check_output_dir, is_assembly_entry, is_cloud_assembly};
pub use staging::StagingDir;

use manifest::{ArtifactManifest, AssemblyManifest, STACK_ARTIFACT, StackProperties};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Errors reading or writing a cloud assembly.
#[derive(Debug, thiserror::Error)]
pub enum AssemblyError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file is not valid JSON of the expected shape.
    #[error("{path}: invalid cloud assembly file: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The output directory is a file.
    #[error(
        "the output directory {path} is a file, not a directory; choose another output directory \
         (--output, \"output\" in cdk.json or CDK_OUTDIR)"
    )]
    OutputNotADirectory {
        /// The path.
        path: PathBuf,
    },
    /// The output directory holds something other than a cloud assembly.
    #[error(
        "the output directory {path} exists and is not a cloud assembly (it has no manifest.json \
         written by sagecdk or the AWS CDK), and writing an assembly would replace it; choose \
         another output directory (--output, \"output\" in cdk.json or CDK_OUTDIR), or empty \
         it yourself"
    )]
    OutputNotAnAssembly {
        /// The directory.
        path: PathBuf,
    },
    /// The output directory holds the current directory.
    #[error(
        "the output directory {path} holds the current directory {work_dir}, and writing an \
         assembly would replace it; choose an output directory of its own (default cdk.out)"
    )]
    OutputHoldsWorkDir {
        /// The directory.
        path: PathBuf,
        /// The current directory.
        work_dir: PathBuf,
    },
    /// Another process writes to or reads from the assembly directory.
    #[error(
        "{dir}: another process (PID {pids}) is {activity} this cloud assembly; run the commands \
         one after the other, or give each its own --output directory",
        pids = pids.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
    )]
    Locked {
        /// The assembly directory.
        dir: PathBuf,
        /// The other processes.
        pids: Vec<u32>,
        /// `writing to` or `reading from`.
        activity: &'static str,
    },
    /// The manifest's schema version is not one this crate can read.
    #[error("{path}: {message}")]
    SchemaVersion {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// A stack artifact lists a dependency that does not exist or forms a cycle.
    #[error("invalid stack dependencies in {path}: {message}")]
    Dependencies {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> AssemblyError + '_ {
    move |source| AssemblyError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A cloud assembly directory loaded from disk.
#[derive(Debug, Clone)]
pub struct CloudAssembly {
    dir: PathBuf,
    manifest: AssemblyManifest,
}

/// A stack artifact of a [`CloudAssembly`].
#[derive(Debug, Clone)]
pub struct StackArtifact {
    /// Artifact id (the stack's construct id for top-level stacks).
    pub id: String,
    /// Construct path shown to users.
    pub display_name: String,
    /// `aws://account/region` (with `unknown-account` / `unknown-region` when agnostic).
    pub environment: String,
    /// Synthesizer properties.
    pub properties: StackProperties,
    /// Ids of the stacks this one depends on.
    pub stack_dependencies: Vec<String>,
    /// Ids of other (asset manifest) artifacts this one depends on.
    pub other_dependencies: Vec<String>,
    /// Absolute path of the template file.
    pub template_path: PathBuf,
}

impl StackArtifact {
    /// The CloudFormation stack name.
    pub fn stack_name(&self) -> &str {
        self.properties.stack_name.as_deref().unwrap_or(&self.id)
    }

    /// Reads and parses the template.
    pub fn template(&self) -> Result<serde_json::Value, AssemblyError> {
        read_json(&self.template_path)
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, AssemblyError> {
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    serde_json::from_str(&text).map_err(|source| AssemblyError::Json {
        path: path.to_path_buf(),
        source,
    })
}

impl CloudAssembly {
    /// Reads `manifest.json` from `dir`, refusing a schema version newer than this crate reads.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, AssemblyError> {
        let dir = dir.as_ref().to_path_buf();
        let path = dir.join("manifest.json");
        let manifest: AssemblyManifest = read_json(&path)?;
        manifest::check_schema_version(&manifest)
            .map_err(|message| AssemblyError::SchemaVersion { path, message })?;
        Ok(Self { dir, manifest })
    }

    /// The assembly directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The parsed manifest.
    pub fn manifest(&self) -> &AssemblyManifest {
        &self.manifest
    }

    /// Reads a JSON file of the assembly (e.g. an asset manifest) by its relative name.
    pub fn read_file<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<T, AssemblyError> {
        read_json(&self.dir.join(name))
    }

    /// All stack artifacts, ordered so that every stack comes after the stacks it depends on
    /// (manifest order otherwise).
    pub fn stacks(&self) -> Result<Vec<StackArtifact>, AssemblyError> {
        let manifest_path = self.dir.join("manifest.json");
        let mut stacks = Vec::new();
        for (id, artifact) in &self.manifest.artifacts {
            if artifact.artifact_type == STACK_ARTIFACT {
                stacks.push(self.stack_artifact(id, artifact)?);
            }
        }
        let ids: HashSet<&str> = stacks.iter().map(|s| s.id.as_str()).collect();
        for s in &stacks {
            if let Some(missing) = s
                .stack_dependencies
                .iter()
                .find(|d| !ids.contains(d.as_str()))
            {
                return Err(AssemblyError::Dependencies {
                    path: manifest_path,
                    message: format!("stack '{}' depends on unknown artifact '{missing}'", s.id),
                });
            }
        }
        topo_sort(stacks).map_err(|message| AssemblyError::Dependencies {
            path: manifest_path,
            message,
        })
    }

    fn stack_artifact(
        &self,
        id: &str,
        artifact: &ArtifactManifest,
    ) -> Result<StackArtifact, AssemblyError> {
        let properties = artifact
            .stack_properties()
            .map_err(|source| AssemblyError::Json {
                path: self.dir.join("manifest.json"),
                source,
            })?;
        let (stack_dependencies, other_dependencies) = artifact
            .dependencies
            .clone()
            .unwrap_or_default()
            .into_iter()
            .partition(|d| {
                self.manifest
                    .artifacts
                    .get(d)
                    .is_some_and(|a| a.artifact_type == STACK_ARTIFACT)
            });
        Ok(StackArtifact {
            id: id.to_string(),
            display_name: artifact
                .display_name
                .clone()
                .unwrap_or_else(|| id.to_string()),
            environment: artifact
                .environment
                .clone()
                .unwrap_or_else(|| "aws://unknown-account/unknown-region".to_string()),
            template_path: self.dir.join(&properties.template_file),
            properties,
            stack_dependencies,
            other_dependencies,
        })
    }
}

/// Orders stacks after their dependencies, keeping the input order where free.
fn topo_sort(mut pending: Vec<StackArtifact>) -> Result<Vec<StackArtifact>, String> {
    let mut done: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let Some(pos) = pending
            .iter()
            .position(|s| s.stack_dependencies.iter().all(|d| done.contains(d)))
        else {
            let names: Vec<&str> = pending.iter().map(|s| s.id.as_str()).collect();
            return Err(format!(
                "dependency cycle among stacks {}",
                names.join(", ")
            ));
        };
        let s = pending.remove(pos);
        done.insert(s.id.clone());
        out.push(s);
    }
    Ok(out)
}
